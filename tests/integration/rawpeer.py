#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# rawpeer.py - a plain BEP 3/6/9/10 peer for stdclients.sh, in Python's
# standard library alone, to see what aptbtd does that libtorrent hides.
#
# usage: rawpeer.py seed HOST PORT KEYHEX FILE REQQ SECONDS
#   Dial aptbtd for swarm KEYHEX, advertise "reqq" REQQ (0: none), say
#   have all, unchoke, and serve FILE's blocks one every 20 ms, counting
#   the requests outstanding (asked, neither served nor cancelled).
#   Prints "outstanding MAX SERVED" at the end, after SECONDS or when
#   aptbtd closes the connection.
# usage: rawpeer.py lsdsend KEYHEX PORT
#   Send one BEP 14 announce of KEYHEX for PORT to the LSD group.
# usage: rawpeer.py lsdlisten KEYHEX SECONDS
#   Join the LSD group and print "announce SECONDS ADDR" for each announce
#   naming KEYHEX, then "announces N".
# usage: rawpeer.py accept ADDR PORT SECONDS
#   Listen on ADDR:PORT and print "handshake KEYHEX ADDR SECONDS" for
#   each connection's BEP 3 handshake, then hang up on it at once.
# usage: rawpeer.py meta HOST PORT KEYHEX N
#   Dial aptbtd for swarm KEYHEX, print what its extended handshake says
#   ("ext ut_metadata ID metadata_size SIZE", 0 and -1 when absent), then
#   send N ut_metadata requests for piece 0 at once (under aptbtd's id,
#   or 4 when it gave none) and print "meta DATA REJECTS BYTES SHA1" for
#   the answers of the next 3 seconds (SHA1 of the pieces received, in
#   order, once each).
import hashlib
import os
import select
import signal
import socket
import struct
import sys
import time

from benc import encode as benc, decode as bdec

PROTOCOL = b"\x13BitTorrent protocol"
RESERVED = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])
CHOKE, UNCHOKE, INTERESTED, NOT_INTERESTED, HAVE, BITFIELD = 0, 1, 2, 3, 4, 5
REQUEST, PIECE, CANCEL, HAVE_ALL, REJECT, EXTENDED = 6, 7, 8, 14, 16, 20
OUR_META_ID = 3


def say(*words):
    print(" ".join(str(w) for w in words), flush=True)


def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


class Conn:
    def __init__(self, host, port, key):
        self.s = socket.create_connection((host, port), timeout=10)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.s.sendall(PROTOCOL + RESERVED + key + b"-PY0001-" +
                       os.urandom(12))

    def fill(self, timeout):
        self.s.settimeout(timeout)
        try:
            c = self.s.recv(65536)
        except socket.timeout:
            return True
        if not c:
            return False
        self.buf += c
        return True

    def messages(self):
        """Whole messages in the buffer: (id, payload); keep-alives skipped."""
        out = []
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
            if n:
                out.append((body[0], body[1:]))
        return out

    def handshake(self):
        while len(self.buf) < 68:
            if not self.fill(10):
                raise EOFError("closed before the handshake")
        if self.buf[:20] != PROTOCOL:
            raise EOFError("no handshake")
        self.buf = self.buf[68:]

    def ext_handshake(self, hs):
        """Send ours, return theirs (a dict with bytes keys)."""
        self.s.sendall(msg(EXTENDED, b"\0" + benc(hs)))
        end = time.time() + 10
        while time.time() < end:
            for mid, p in self.messages():
                if mid == EXTENDED and p[:1] == b"\0":
                    return bdec(p, 1)[0]
            if not self.fill(1):
                break
        raise EOFError("no extended handshake")


def seed(host, port, key, path, reqq, secs):
    data = open(path, "rb").read()
    c = Conn(host, int(port), key)
    c.handshake()
    hs = {"m": {"ut_metadata": OUR_META_ID}, "v": "rawpeer 1"}
    if reqq:
        hs["reqq"] = reqq
    c.ext_handshake(hs)
    c.s.sendall(msg(HAVE_ALL) + msg(UNCHOKE))
    queue, most, served = [], 0, 0
    end = time.time() + float(secs)
    nxt = time.time()
    alive = True
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    while alive and time.time() < end and not stop:
        for mid, p in c.messages():
            if mid == REQUEST:
                queue.append(struct.unpack(">III", p))
            elif mid == CANCEL:
                r = struct.unpack(">III", p)
                if r in queue:
                    queue.remove(r)
        most = max(most, len(queue))
        if queue and time.time() >= nxt:
            i, b, n = queue.pop(0)
            # The piece length is the canonical one: read it from the
            # block's place in the file as aptbtd asks.
            off = i * piece_len(len(data)) + b
            c.s.sendall(msg(PIECE, struct.pack(">II", i, b) +
                            data[off:off + n]))
            served += 1
            nxt = time.time() + 0.02
        try:
            alive = c.fill(0.005 if queue else 0.2)
        except OSError:
            alive = False
    say("outstanding", most, served)


def piece_len(size):
    """common/layout.h: 256 KiB to 16 MiB, about 1024 pieces a file."""
    pl = 256 * 1024
    while pl < 16 * 1024 * 1024 and size > pl * 1024:
        pl *= 2
    return pl


def meta(host, port, key, n):
    c = Conn(host, int(port), key)
    c.handshake()
    theirs = c.ext_handshake({"m": {"ut_metadata": OUR_META_ID},
                              "v": "rawpeer 1"})
    mid_id = theirs.get(b"m", {}).get(b"ut_metadata", 0)
    size = theirs.get(b"metadata_size", -1)
    say("ext ut_metadata", mid_id, "metadata_size", size)
    req = msg(EXTENDED, bytes([mid_id or 4]) +
              benc({"msg_type": 0, "piece": 0}))
    c.s.sendall(req * int(n))
    got, rejects, body = 0, 0, b""
    end = time.time() + 3
    while time.time() < end:
        for mid, p in c.messages():
            if mid != EXTENDED or p[0] != OUR_META_ID:
                continue
            d, i = bdec(p, 1)
            if d.get(b"msg_type") == 1:
                got += 1
                if got == 1:
                    body = p[i:]
            elif d.get(b"msg_type") == 2:
                rejects += 1
        if not c.fill(0.2):
            break
    say("meta", got, rejects, len(body),
        hashlib.sha1(body).hexdigest() if body else "-")


LSD_GROUP = "239.192.152.143"


def lsdsend(key, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.sendto(("BT-SEARCH * HTTP/1.1\r\nHost: %s:6771\r\nPort: %d\r\n"
              "Infohash: %s\r\ncookie: 5eed5eed\r\n\r\n\r\n" %
              (LSD_GROUP, int(port), key)).encode(), (LSD_GROUP, 6771))
    say("lsd-sent", key, port)


def lsdlisten(key, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("", 6771))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(LSD_GROUP) + socket.inet_aton("0.0.0.0"))
    t0 = time.time()
    end = t0 + float(secs)
    n = 0
    say("listening")
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        data, a = s.recvfrom(2048)
        if key.lower().encode() in data.lower():
            n += 1
            say("announce %.1f %s" % (time.time() - t0, a[0]))
    say("announces", n)


def accept(addr, port, secs):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(16)
    say("listening")
    t0 = time.time()
    end = t0 + float(secs)
    while time.time() < end:
        r, _, _ = select.select([ls], [], [], 0.2)
        if not r:
            continue
        c, a = ls.accept()
        c.settimeout(5)
        hs = b""
        try:
            while len(hs) < 68:
                chunk = c.recv(68 - len(hs))
                if not chunk:
                    break
                hs += chunk
        except OSError:
            pass
        if len(hs) == 68 and hs[:20] == PROTOCOL:
            say("handshake", hs[28:48].hex(), a[0],
                "%.2f" % (time.time() - t0))
        c.close()


def main(argv):
    if argv[1] == "seed":
        seed(argv[2], argv[3], bytes.fromhex(argv[4]), argv[5],
             int(argv[6]), argv[7])
    elif argv[1] == "lsdsend":
        lsdsend(argv[2], argv[3])
    elif argv[1] == "lsdlisten":
        lsdlisten(argv[2], argv[3])
    elif argv[1] == "accept":
        accept(argv[2], argv[3], argv[4])
    elif argv[1] == "meta":
        meta(argv[2], argv[3], bytes.fromhex(argv[4]), argv[5])
    else:
        sys.exit("rawpeer.py: unknown mode " + argv[1])


main(sys.argv)
