#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ctl-hog.py - local users hogging aptbtd's control socket (ctl-hog.sh).

  ctl-hog.py SOCKET FIRST_UID NUSERS PER_USER SECONDS

Forks one child per uid FIRST_UID .. FIRST_UID+NUSERS-1 (any uid: the
daemon only sees SO_PEERCRED's numbers, no account is needed); each drops
to its uid and opens PER_USER connections to SOCKET, one after another
(the children side by side), sending nothing.  A second after the last, it counts those the daemon
has not closed and prints "held UID N"; then, once a second for SECONDS,
"open UID N T" whenever that number changes (T: seconds since "held").

  ctl-hog.py --flood SOCKET UID NCONN NREQ SECONDS

One user (UID) opens NCONN connections and on each sends NREQ "status"
requests as fast as the daemon takes them, reading no reply; prints
"flood UID SENT" (request bytes the daemon accepted) and holds the
connections SECONDS.
Standard library only.
"""

import os
import select
import socket
import struct
import sys
import time


def say(*words):
    """One line in one write(2): the children share standard output, and
    print() may split a line into several writes that interleave."""
    os.write(1, (" ".join(str(w) for w in words) + "\n").encode())


def still_open(socks):
    n = 0
    for s in socks:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            n += 1
            continue
        try:
            if s.recv(1, socket.MSG_DONTWAIT):
                n += 1
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def hog(path, uid, per_user, seconds):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    socks = []
    for _ in range(per_user):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
        except OSError as e:
            say("connect", uid, e)
            s.close()
            continue
        socks.append(s)
        time.sleep(0.01)
    time.sleep(1)
    last = still_open(socks)
    say("held", uid, last)
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(1)
        n = still_open(socks)
        if n != last:
            say("open", uid, n, int(time.monotonic() - t0))
            last = n
    say("end", uid, last)


def frame(i):
    # Canonical bencode of {"cmd": "status", "id": i}.
    p = b"d3:cmd6:status2:idi%dee" % i
    return struct.pack(">I", len(p)) + p


def flood(path, uid, nconn, nreq, seconds):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    blob = b"".join(frame(i) for i in range(nreq))
    socks, sent = [], 0
    for _ in range(nconn):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.setblocking(False)
        socks.append([s, 0])
    t0 = time.monotonic()
    # Keep pushing while the daemon reads (it stops when replies pile up).
    while time.monotonic() - t0 < 3:
        progress = False
        for e in socks:
            if e[1] < len(blob):
                try:
                    n = e[0].send(blob[e[1]:e[1] + 65536])
                    e[1] += n
                    progress = progress or n > 0
                except (BlockingIOError, OSError):
                    pass
        if not progress:
            time.sleep(0.05)
    sent = sum(e[1] for e in socks)
    say("flood", uid, sent)
    time.sleep(seconds)


def main(argv):
    if len(argv) == 7 and argv[1] == "--flood":
        flood(argv[2], int(argv[3]), int(argv[4]), int(argv[5]),
              float(argv[6]))
        return 0
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    path, first, nusers, per_user, seconds = argv[1], int(argv[2]), \
        int(argv[3]), int(argv[4]), float(argv[5])
    kids = []
    for i in range(nusers):
        pid = os.fork()
        if pid == 0:
            try:
                hog(path, first + i, per_user, seconds)
            finally:
                os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
