#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# fetchclient.py - a minimal control-protocol client for the fetch tests.
#
# Sends one "fetch" request, follows its events (a read-only descriptor
# arrives with "start"), copies the bytes the "progress" events announce
# into OUT (unless --no-copy), and prints the final reply or error as
# "key=value" lines.
# Exit status: 0 on success, 1 on an error reply, 2 on a protocol fault.
import array
import os
import socket
import struct
import sys

from benc import encode as benc, decode_str_keys as bdec


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.fds = []

    def send(self, msg):
        p = benc(msg)
        self.s.sendall(struct.pack(">I", len(p)) + p)

    def recv(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    p, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return bdec(p)[0]
            fds = array.array("i")
            data, anc, _, _ = self.s.recvmsg(65536,
                                             socket.CMSG_SPACE(4 * fds.itemsize))
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(cdata[:len(cdata) - len(cdata) % fds.itemsize])
                    self.fds.extend(fds)
            if not data:
                raise EOFError("daemon closed the connection")
            self.buf += data


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("uri")
    ap.add_argument("out")
    ap.add_argument("--sha256")
    ap.add_argument("--size", type=int)
    ap.add_argument("--max-size", type=int)
    ap.add_argument("--ims", type=int)
    ap.add_argument("--base", help="the suite's base URL (metadata mode)")
    ap.add_argument("--no-copy", action="store_true",
                    help="leave OUT empty: only the daemon's work counts")
    ap.add_argument("--quit-after", type=int,
                    help="hang up once this many bytes arrived")
    a = ap.parse_args()
    args = {"uri": a.uri}
    if a.sha256:
        args["sha256"] = a.sha256
    if a.size is not None:
        args["size"] = a.size
    if a.max_size is not None:
        args["max_size"] = a.max_size
    if a.ims is not None:
        args["ims"] = a.ims
    if a.base:
        args["base"] = a.base
    c = Conn(a.socket)
    c.send({"args": args, "cmd": "fetch", "id": 1})
    fd = None
    copied = 0
    out = open(a.out, "wb")
    starts = 0

    def copy_to(have):
        nonlocal copied
        if a.no_copy:
            copied = max(copied, have)
            return
        while copied < have:
            chunk = os.pread(fd, min(1 << 20, have - copied), copied)
            if not chunk:
                raise RuntimeError("descriptor shorter than announced")
            out.write(chunk)
            copied += len(chunk)

    while True:
        m = c.recv()
        if m.get("id") != 1:
            print("unexpected id", m, file=sys.stderr)
            return 2
        ev = m.get("event")
        if m.get("ok") == 0:
            print("reason=%s" % m.get("reason", b"").decode())
            print("transient=%d" % m.get("transient", 0))
            print("error=%s" % m.get("error", b"").decode())
            return 1
        r = m["result"]
        if ev == b"start":
            starts += 1
            if not c.fds:
                print("start without a descriptor", file=sys.stderr)
                return 2
            if fd is not None:
                os.close(fd)
            fd = c.fds.pop(0)
            # A new start means the download restarted: copy again.
            out.seek(0)
            out.truncate()
            copied = 0
            flags = os.stat("/proc/self/fdinfo/%d" % fd)
            with open("/proc/self/fdinfo/%d" % fd) as fi:
                for line in fi:
                    if line.startswith("flags:"):
                        fl = int(line.split()[1], 8)
                        if fl & os.O_ACCMODE != os.O_RDONLY:
                            print("descriptor is not read-only", file=sys.stderr)
                            return 2
        elif ev == b"progress":
            copy_to(r["have"])
            if a.quit_after is not None and copied >= a.quit_after:
                print("quit=%d" % copied)
                return 0
        elif ev is None:
            if not r.get("ims_hit"):
                copy_to(r["size"])
            out.close()
            for k in sorted(r):
                v = r[k]
                print("%s=%s" % (k, v.decode() if isinstance(v, bytes) else v))
            print("starts=%d" % starts)
            return 0


if __name__ == "__main__":
    sys.exit(main())
