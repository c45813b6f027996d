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
Standard library only.
"""

import os
import select
import socket
import sys
import time


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
            print("connect", uid, e, flush=True)
            s.close()
            continue
        socks.append(s)
        time.sleep(0.01)
    time.sleep(1)
    last = still_open(socks)
    print("held", uid, last, flush=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(1)
        n = still_open(socks)
        if n != last:
            print("open", uid, n, int(time.monotonic() - t0), flush=True)
            last = n
    print("end", uid, last, flush=True)


def main(argv):
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
