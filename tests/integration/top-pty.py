#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# top-pty.py - "aptbt-ctl top" on a pseudo-terminal: it draws in place,
# quits on q (or SIGINT, SIGTERM) within 2 s with status 0, and leaves the
# terminal as it found it.
#
# usage: top-pty.py APTBT-CTL SOCKET
# Prints "ok: ..." per check and exits 1 if any failed.
import os
import select
import signal
import subprocess
import sys
import termios
import time

ctl, sock = sys.argv[1], sys.argv[2]
fails = 0


def check(cond, msg):
    global fails
    print(("ok: " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails += 1


def read_until(fd, want, count, secs):
    """Read fd until want occurs count times or secs pass; all bytes read."""
    out = b""
    end = time.monotonic() + secs
    while out.count(want) < count and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], end - time.monotonic())
        if not r:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def drain(fd):
    out = b""
    while select.select([fd], [], [], 0.05)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def run(how):
    master, slave = os.openpty()
    termios.tcsetattr(slave, termios.TCSANOW, termios.tcgetattr(slave))
    before = termios.tcgetattr(slave)
    p = subprocess.Popen([ctl, "-s", sock, "top", "-d", "0.2"],
                         stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True)
    # Two frames: the view redraws in place.
    out = read_until(master, b"\033[H", 2, 10)
    check(out.count(b"\033[H") >= 2 and b"aptbt-ctl top - " in out,
          "%s: %d frames drawn in place" % (how, out.count(b"\033[H")))
    check(b"\033[?1049h" in out, "%s: the alternate screen is used" % how)
    during = termios.tcgetattr(slave)
    check(not during[3] & termios.ICANON and not during[3] & termios.ECHO,
          "%s: canonical mode and echo off while it runs" % how)
    t0 = time.monotonic()
    if how == "q":
        os.write(master, b"q")
    elif how == "SIGINT":
        p.send_signal(signal.SIGINT)
    else:
        p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=2)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        check(False, "%s: still running 2 s later" % how)
        return
    dt = time.monotonic() - t0
    tail = drain(master)
    check(rc == 0, "%s: exit status %d in %.2f s" % (how, rc, dt))
    after = termios.tcgetattr(slave)
    check(after == before, "%s: terminal attributes restored" % how)
    check(tail.endswith(b"\033[?25h\033[?1049l"),
          "%s: cursor shown and the main screen back at the end" % how)
    os.close(master)
    os.close(slave)


for how in ("q", "SIGINT", "SIGTERM"):
    run(how)
sys.exit(1 if fails else 0)
