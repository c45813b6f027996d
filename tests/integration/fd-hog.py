#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# fd-hog.py - hold many connections open to a daemon, for faults-fd.sh.
#
#   fd-hog.py N TARGET STOPFILE
#
# TARGET is a Unix socket path or HOST:PORT.  Opens N connections (those
# the daemon never accepts wait in its backlog, or fail), says how many
# holds (connected or connecting) on standard output, and keeps them until STOPFILE exists.
import errno
import os
import socket
import sys
import time


def main():
    n, target, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    held = []
    for _ in range(n):
        # Non-blocking: a full backlog must not stall the hog.
        if target.startswith("/"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            addr = target
        else:
            host, port = target.rsplit(":", 1)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            addr = (host, int(port))
        s.setblocking(False)
        if s.connect_ex(addr) in (0, errno.EINPROGRESS):
            held.append(s)
        else:
            s.close()
    print(len(held), flush=True)
    while not os.path.exists(stop):
        time.sleep(0.1)
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
