#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""peerload.py - many daemon-protocol peers on one aptbtd, for memory.sh.

usage: peerload.py HOST PORT CONNECTIONS [ATTACH] [HOLD] [SRC...]

Opens CONNECTIONS TCP connections to aptbtd at HOST:PORT, each speaking
the daemon protocol of doc/peer-extensions.md with a key pair and peer id
of its own: the BEP 3 handshake with the daemon key (the first 20 bytes of
SHA-256("aptbt-daemon-v1")), an extended handshake advertising aptbt_mux
and aptbt_hashes with its identity, the proof of it, then, from the daemon's have-index, ATTACH (default 5)
channels per connection, spread over the files it holds, each interested
and asking for the first 16 KiB block once unchoked.

When every connection has the daemon's index and an answer to every
attach, it prints one line "ready connections=N channels=N refused=N" and
keeps all connections open, reading whatever arrives, for HOLD seconds
(default 600) or until SIGTERM; then "done blocks=N bytes=N".  Lines
starting with "error" report a connection that failed.  Standard library
only; run it with /usr/bin/python3.

With PEERLOAD_INDEX=N in the environment, a connection attaches only
once the daemon's index lists N files (it comes in several messages).

aptbtd takes at most 16 connections from one host: with SRC addresses
(of this host) given, connection n is made from SRC[n % len(SRC)].
"""

import hashlib
import os
import selectors
import signal
import socket
import struct
import sys
import time

# bencode, shared with the integration tests' programs.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
from benc import encode as benc, decode as bdec  # noqa: E402
from aptbtid import Identity  # noqa: E402

DAEMON_KEY = hashlib.sha256(b"aptbt-daemon-v1").digest()[:20]
PROTOCOL = b"\x13BitTorrent protocol"
RESERVED = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])	# BEP 10, BEP 6
UNCHOKE, INTERESTED, REQUEST, PIECE, EXTENDED = 1, 2, 6, 7, 20
OUR_HASHES_ID, OUR_MUX_ID = 1, 2
MAX_MSG = 1024 * 1024 + 13
BLOCK = 16384
INDEX_WANT = int(os.environ.get("PEERLOAD_INDEX", "1"))


def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


class Conn:
    def __init__(self, n, sock, attach):
        self.n = n
        self.ident = Identity()
        self.nonce = Identity.nonce()
        self.their_id = None
        self.s = sock
        self.attach = attach
        self.buf = bytearray()
        self.out = bytearray()
        self.shook = False
        self.mux = 0
        self.have = []
        self.indexed = False
        self.pending = {}	# sid -> key, attaches not yet answered
        self.channels = set()
        self.requested = set()
        self.refused = 0
        self.blocks = 0
        self.bytes = 0
        self.closed = None

    def ready(self):
        return self.closed is None and self.indexed and not self.pending

    def send(self, data):
        self.out += data

    def send_mux(self, d, trailer=b""):
        self.send(msg(EXTENDED, bytes([self.mux]) + benc(d) + trailer))

    def on_readable(self):
        try:
            chunk = self.s.recv(262144)
        except BlockingIOError:
            return
        except OSError as e:
            self.closed = str(e)
            return
        if not chunk:
            self.closed = "closed by the daemon"
            return
        self.buf += chunk
        self.parse()

    def parse(self):
        if not self.shook:
            if len(self.buf) < 68:
                return
            hs = bytes(self.buf[:68])
            del self.buf[:68]
            if hs[:20] != PROTOCOL or hs[28:48] != DAEMON_KEY:
                self.closed = "not a daemon handshake"
                return
            self.their_id = hs[48:68]
            self.shook = True
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if n > MAX_MSG:
                self.closed = "a %d-byte message" % n
                return
            if len(self.buf) < 4 + n:
                return
            body = bytes(self.buf[4:4 + n])
            del self.buf[:4 + n]
            if n:
                self.handle(body[0], body[1:])

    def handle(self, mid, payload):
        if mid != EXTENDED or not payload:
            return
        eid = payload[0]
        if eid == 0:
            d, _ = bdec(payload, 1)
            self.mux = d.get(b"m", {}).get(b"aptbt_mux", 0)
            their = d.get(b"aptbt_id", b"")
            if not self.mux or len(their) != 64:
                self.closed = "the daemon does not speak aptbt_mux"
                return
            self.send_mux({"msg_type": 7, "sig": self.ident.prove(
                their[32:], self.nonce, self.their_id)})
        elif eid == OUR_MUX_ID:
            d, end = bdec(payload, 1)
            self.on_mux(d, payload[end:])

    def on_mux(self, d, trailer):
        t = d.get(b"msg_type")
        sid = d.get(b"sid")
        if t == 5:
            if d.get(b"full"):
                self.have = []
            h = d.get(b"have", b"")
            self.have += [h[i:i + 32] for i in range(0, len(h), 32)]
            # The daemon sends its index in several messages: attach
            # once all of it is in, so that channels spread over every
            # file (PEERLOAD_INDEX of them), not the first message's.
            if not self.indexed and len(self.have) >= INDEX_WANT:
                self.indexed = True
                self.attach_some()
        elif t == 1 and sid in self.pending:
            del self.pending[sid]
            self.channels.add(sid)
            self.send_mux({"msg_type": 3, "sid": sid}, msg(INTERESTED))
        elif t == 2 and sid in self.pending:
            del self.pending[sid]
            self.refused += 1
        elif t == 3 and sid in self.channels and len(trailer) >= 5:
            inner = trailer[4]
            if inner == UNCHOKE and sid not in self.requested:
                self.requested.add(sid)
                self.send_mux({"msg_type": 3, "sid": sid},
                              msg(REQUEST, struct.pack(">III", 0, 0, BLOCK)))
            elif inner == PIECE:
                self.blocks += 1
                self.bytes += len(trailer) - 13

    def attach_some(self):
        if not self.have:
            return
        for j in range(self.attach):
            sha = self.have[(self.n * self.attach + j) % len(self.have)]
            key = hashlib.sha256(b"aptbt-v1" + sha).digest()[:20]
            sid = 2 * j	# the side that connected uses even sids
            self.pending[sid] = key
            self.send_mux({"key": key, "msg_type": 0, "sid": sid})

    def flush(self):
        if not self.out or self.closed:
            return
        try:
            n = self.s.send(self.out)
            del self.out[:n]
        except BlockingIOError:
            pass
        except OSError as e:
            self.closed = str(e)


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    host, port, count = argv[1], int(argv[2]), int(argv[3])
    attach = int(argv[4]) if len(argv) > 4 else 5
    hold = float(argv[5]) if len(argv) > 5 else 600
    srcs = argv[6:]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    conns = []
    for n in range(count):
        try:
            src = (srcs[n % len(srcs)], 0) if srcs else None
            s = socket.create_connection((host, port), timeout=10,
                                         source_address=src)
        except OSError as e:
            print("error connect %d: %s" % (n, e), flush=True)
            continue
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        c = Conn(n, s, attach)
        c.send(PROTOCOL + RESERVED + DAEMON_KEY + c.ident.peer_id)
        c.send(msg(EXTENDED, b"\x00" + benc({
            "aptbt_id": c.ident.ext_field(c.nonce),
            "m": {"aptbt_hashes": OUR_HASHES_ID, "aptbt_mux": OUR_MUX_ID},
            "p": 6881, "reqq": 250, "v": "peerload 1"})))
        c.flush()
        conns.append(c)
        sel.register(s, selectors.EVENT_READ, c)
    said_ready = False
    deadline = None
    t0 = time.monotonic()
    while not stop:
        for key, _ in sel.select(timeout=0.2):
            c = key.data
            c.on_readable()
            if c.closed:
                print("error conn %d: %s" % (c.n, c.closed), flush=True)
                sel.unregister(c.s)
                c.s.close()
        for c in conns:
            c.flush()
        live = [c for c in conns if c.closed is None]
        if not said_ready and live and all(c.ready() for c in live):
            said_ready = True
            print("ready connections=%d channels=%d refused=%d "
                  "seconds=%.2f" % (
                      len(live), sum(len(c.channels) for c in live),
                      sum(c.refused for c in live),
                      time.monotonic() - t0), flush=True)
            deadline = time.monotonic() + hold
        if deadline is not None and time.monotonic() > deadline:
            break
        if not live:
            break
    print("done connections=%d blocks=%d bytes=%d" % (
        sum(1 for c in conns if c.closed is None),
        sum(c.blocks for c in conns), sum(c.bytes for c in conns)),
        flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
