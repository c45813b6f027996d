#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""hostile-peer.py - a peer that attacks aptbtd's resources, for hostile.sh.

Each mode dials the daemon at HOST PORT and plays one attack of the
threat model (doc/threat-model.md), printing what it saw as "key value"
lines that hostile.sh turns into numbers:

  index-flood HOST PORT MB
        as a daemon: MB megabytes of have-index entries (random SHA-256s,
        1,024 a message).  Phase 1 sends a full index every 60 messages,
        so what is stored stays under the daemon's cap; phase 2 sends
        deltas only, past the cap.  Prints "phase1-bytes", "phase1-open"
        (1 if the daemon kept the connection), "phase2-entries" (sent
        before the daemon closed) and "reconnect" (handshake answered
        after the flood: 1, refused: 0).
  hash-noread HOST PORT SHA256 N
        as a daemon: attach the file's swarm, then N aptbt_hashes
        requests without reading one answer.  Prints "sent-bytes".
  slow HOST PORT N [SRC...]
        N connections (spread over the source addresses SRC) that send
        the daemon handshake, then a keep-alive a second, never the
        extended handshake.  Prints "answered" (handshakes answered),
        "most-from-one-host", "longest" (seconds the longest answered one stayed open; the
        daemon must cut it) and "held-at-end".
  partial HOST PORT N [SRC...]
        N connections that finish both handshakes, then send a 1 MiB
        message one byte short, and hold it.  Prints "held" (connections
        still open after 3 s) and "sent-bytes".
  pex HOST PORT SHA256 ADDR:PORT...
        as a standard client of the file's swarm with ut_pex: one PEX
        message listing the addresses (none flagged seed).  Prints
        "pex-sent N".
  lsd-unicast HOST N FIRSTPORT
  lsd-multicast N FIRSTPORT
        N BEP 14 announces of the daemons' presence key, ports FIRSTPORT
        on, each with its own cookie: sent to HOST:6771 (unicast, which
        the daemon must ignore) or to the group.
  listen ADDR FIRSTPORT COUNT SECS
        accept on COUNT ports from FIRSTPORT for SECS seconds; prints
        "accept PORT FROM" for each connection, then "accepts N" and
        "ports N" (how many ports were dialled at all).

Standard library only; run it with /usr/bin/python3.
"""

import hashlib
import os
import select
import socket
import struct
import sys
import threading
import time

from benc import encode as benc, decode as bdec
from aptbtid import Identity

DAEMON_KEY = hashlib.sha256(b"aptbt-daemon-v1").digest()[:20]
PRESENCE = hashlib.sha256(b"aptbt-lsd-v1").digest()[:20]
PROTOCOL = b"\x13BitTorrent protocol"
RESERVED = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])
EXTENDED = 20
PIECE = 7
OUR_HASHES_ID, OUR_MUX_ID, OUR_PEX_ID = 1, 2, 3


def say(*words):
    print(" ".join(str(w) for w in words), flush=True)


def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


def ext(ext_id, payload):
    return msg(EXTENDED, bytes([ext_id]) + payload)


def file_key(sha_hex):
    return hashlib.sha256(b"aptbt-v1" + bytes.fromhex(sha_hex)).digest()[:20]


class Peer:
    def __init__(self, host, port, key, src=None, timeout=10):
        self.s = socket.create_connection(
            (host, port), timeout=timeout,
            source_address=(src, 0) if src else None)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.key = key
        self.ids = {}
        # A daemon proves its identity (doc/peer-extensions.md); each
        # connection is a daemon of its own.
        self.ident = Identity() if key == DAEMON_KEY else None
        self.nonce = Identity.nonce()

    def recv_n(self, n):
        while len(self.buf) < n:
            c = self.s.recv(65536)
            if not c:
                raise EOFError("closed")
            self.buf += c
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def next_msg(self):
        (n,) = struct.unpack(">I", self.recv_n(4))
        if n == 0:
            return None, b""
        body = self.recv_n(n)
        return body[0], body[1:]

    def handshake(self):
        self.s.sendall(PROTOCOL + RESERVED + self.key +
                       (self.ident.peer_id if self.ident else os.urandom(20)))
        hs = self.recv_n(68)
        if hs[:20] != PROTOCOL:
            raise EOFError("no handshake")
        self.their_id = hs[48:68]

    def ext_handshake(self, names):
        hs = {"m": names, "p": 6881, "v": "hostile 1"}
        if self.ident:
            hs["aptbt_id"] = self.ident.ext_field(self.nonce)
        self.s.sendall(ext(0, benc(hs)))
        while True:
            mid, payload = self.next_msg()
            if mid == EXTENDED and payload[:1] == b"\x00":
                d, _ = bdec(payload, 1)
                self.ids = {k.decode(): v for k, v in
                            d.get(b"m", {}).items()}
                their = d.get(b"aptbt_id", b"")
                if self.ident and len(their) == 64 and \
                        "aptbt_mux" in self.ids:
                    self.s.sendall(ext(self.ids["aptbt_mux"], benc({
                        "msg_type": 7, "sig": self.ident.prove(
                            their[32:], self.nonce, self.their_id)})))
                return

    def drain(self):
        """Read and drop everything from now on (a reading peer)."""
        def run():
            try:
                while self.s.recv(65536):
                    pass
            except OSError:
                pass
        threading.Thread(target=run, daemon=True).start()


def daemon_peer(host, port, src=None):
    p = Peer(host, port, DAEMON_KEY, src)
    p.handshake()
    p.ext_handshake({"aptbt_hashes": OUR_HASHES_ID,
                     "aptbt_mux": OUR_MUX_ID})
    return p


def index_msg(p, entries, full):
    d = {"have": b"".join(os.urandom(32) for _ in range(entries)),
         "msg_type": 5}
    if full:
        d["full"] = 1
    return ext(p.ids["aptbt_mux"], benc(d))


def index_flood(host, port, mb):
    p = daemon_peer(host, port)
    p.drain()
    total = mb * 1024 * 1024
    sent = n = 0
    try:
        while sent < total:
            m = index_msg(p, 1024, n % 60 == 0)
            p.s.sendall(m)
            sent += len(m)
            n += 1
        say("phase1-bytes", sent)
        # Still connected?  A keep-alive and a moment tell.
        time.sleep(1)
        p.s.sendall(struct.pack(">I", 0))
        time.sleep(0.5)
        p.s.sendall(struct.pack(">I", 0))
        say("phase1-open", 1)
    except OSError as e:
        say("phase1-bytes", sent)
        say("phase1-open", 0, e)
        return
    entries = 0
    try:
        for _ in range(400):
            p.s.sendall(index_msg(p, 1024, False))
            entries += 1024
            time.sleep(0.002)
        time.sleep(2)
        for _ in range(3):
            p.s.sendall(struct.pack(">I", 0))
            time.sleep(0.3)
        say("phase2-entries", entries, "still-open")
    except OSError:
        say("phase2-entries", entries)
    time.sleep(0.5)
    try:
        q = Peer(host, port, DAEMON_KEY, timeout=5)
        q.handshake()
        say("reconnect", 1)
    except (OSError, EOFError):
        say("reconnect", 0)


def hash_noread(host, port, sha_hex, n):
    p = daemon_peer(host, port)
    p.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    mux = p.ids["aptbt_mux"]
    hashes = p.ids["aptbt_hashes"]
    p.s.sendall(ext(mux, benc({"key": file_key(sha_hex), "msg_type": 0,
                               "sid": 2})))
    while True:
        mid, payload = p.next_msg()
        if mid == EXTENDED and payload[0] == OUR_MUX_ID:
            d, _ = bdec(payload, 1)
            if d.get(b"msg_type") in (1, 2) and d.get(b"sid") == 2:
                say("attach", "ok" if d[b"msg_type"] == 1 else "refused")
                break
    req = ext(mux, benc({"msg_type": 3, "sid": 2}) +
              ext(hashes, benc({"msg_type": 0, "piece": 0})))
    # From here on nothing is read: answers pile up at the daemon.
    p.s.settimeout(30)
    sent = 0
    try:
        for _ in range(n):
            p.s.sendall(req)
            sent += len(req)
    except OSError as e:
        say("send-stopped", e)
    say("sent-bytes", sent)
    say("requests", sent // len(req))
    time.sleep(float(os.environ.get("HOLD", "8")))


def spread(n, srcs):
    return [srcs[i % len(srcs)] if srcs else None for i in range(n)]


def slow(host, port, n, srcs):
    conns = []
    answered = 0
    per_src = {}
    for src in spread(n, srcs):
        try:
            p = Peer(host, port, DAEMON_KEY, src, timeout=3)
            p.s.sendall(PROTOCOL + RESERVED + DAEMON_KEY + os.urandom(20))
            conns.append([p, time.monotonic(), None, src])
        except OSError:
            pass
    start = time.monotonic()
    # Who answered the handshake: 68 bytes back within 3 s.
    for c in conns:
        c[0].s.settimeout(3)
        try:
            c[0].recv_n(68)
            answered += 1
            per_src[c[3]] = per_src.get(c[3], 0) + 1
            c.append(True)
        except (OSError, EOFError):
            c[2] = time.monotonic()
            c.append(False)
    say("answered", answered)
    say("most-from-one-host", max(per_src.values()) if per_src else 0)
    deadline = start + float(os.environ.get("SLOW_SECS", "20"))
    while time.monotonic() < deadline:
        for c in conns:
            if c[2] is not None:
                continue
            try:
                c[0].s.sendall(struct.pack(">I", 0))
                c[0].s.setblocking(False)
                try:
                    if c[0].s.recv(65536) == b"":
                        c[2] = time.monotonic()
                except BlockingIOError:
                    pass
                c[0].s.setblocking(True)
            except OSError:
                c[2] = time.monotonic()
        time.sleep(1)
    longest = 0
    for c in conns:
        if c[4]:
            end = c[2] if c[2] is not None else time.monotonic()
            longest = max(longest, end - c[1])
    say("longest", "%.1f" % longest)
    say("held-at-end", sum(1 for c in conns if c[2] is None))


def partial(host, port, n, srcs):
    conns = []
    sent = 0
    body = os.urandom(1024 * 1024 - 1)
    for src in spread(n, srcs):
        try:
            p = daemon_peer(host, port, src)
            p.drain()
            # A 1 MiB message (id + payload), one byte short.
            p.s.sendall(struct.pack(">IB", 1024 * 1024, PIECE) + body[:-1])
            sent += 4 + len(body)
            conns.append(p)
        except (OSError, EOFError, KeyError):
            pass
    say("opened", len(conns))
    time.sleep(3)
    held = 0
    for p in conns:
        try:
            p.s.sendall(b"")
            # A closed connection shows on the next send or as EOF.
            p.s.setblocking(False)
            try:
                held += p.s.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                held += 1
        except OSError:
            pass
    say("sent-bytes", sent)
    say("held", held)
    time.sleep(float(os.environ.get("HOLD", "6")))


def compact(addrs):
    out = b""
    for a in addrs:
        host, port = a.rsplit(":", 1)
        out += socket.inet_aton(host) + struct.pack(">H", int(port))
    return out


def pex(host, port, sha_hex, addrs):
    p = Peer(host, port, file_key(sha_hex))
    p.handshake()
    p.ext_handshake({"ut_pex": OUR_PEX_ID, "aptbt_hashes": OUR_HASHES_ID})
    if "ut_pex" not in p.ids:
        say("pex-refused")
        return
    p.drain()
    p.s.sendall(ext(p.ids["ut_pex"], benc({
        "added": compact(addrs), "added.f": bytes(len(addrs))})))
    say("pex-sent", len(addrs))
    time.sleep(float(os.environ.get("HOLD", "6")))


def lsd_packet(port, cookie):
    return ("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\n"
            "Port: %d\r\nInfohash: %s\r\ncookie: %s\r\n\r\n\r\n" %
            (port, PRESENCE.hex(), cookie)).encode()


def lsd_send(dest, n, first):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    for i in range(n):
        s.sendto(lsd_packet(first + i, "%08x" % (0x5eed0000 + i)),
                 (dest, 6771))
        time.sleep(0.005)
    say("lsd-sent", n, "to", dest)


def listen(addr, first, count, secs):
    socks = {}
    for port in range(first, first + count):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(64)
        socks[ls] = port
    say("listening", addr, first, count)
    n = 0
    ports = set()
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select(list(socks), [], [], 0.2)
        for ls in r:
            c, a = ls.accept()
            n += 1
            ports.add(socks[ls])
            say("accept", socks[ls], "%s:%d" % a[:2])
            c.close()
    say("accepts", n)
    say("ports", len(ports))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    mode, a = argv[1], argv[2:]
    try:
        if mode == "index-flood":
            index_flood(a[0], int(a[1]), int(a[2]))
        elif mode == "hash-noread":
            hash_noread(a[0], int(a[1]), a[2], int(a[3]))
        elif mode == "slow":
            slow(a[0], int(a[1]), int(a[2]), a[3:])
        elif mode == "partial":
            partial(a[0], int(a[1]), int(a[2]), a[3:])
        elif mode == "pex":
            pex(a[0], int(a[1]), a[2], a[3:])
        elif mode == "lsd-unicast":
            lsd_send(a[0], int(a[1]), int(a[2]))
        elif mode == "lsd-multicast":
            lsd_send("239.192.152.143", int(a[0]), int(a[1]))
        elif mode == "listen":
            listen(a[0], int(a[1]), int(a[2]), float(a[3]))
        else:
            sys.stderr.write(__doc__)
            return 2
    except IndexError:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
