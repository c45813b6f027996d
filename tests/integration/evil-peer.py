#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""evil-peer.py - a misbehaving aptbt daemon for tests/integration/misbehave.sh.

It speaks the real peer protocol (doc/peer-extensions.md): the BEP 3
handshake with the daemon key, an extended handshake advertising aptbt_mux
and aptbt_hashes, a full have-index claiming the files given on the
command line, "attached" to every attach for one of them, have all (or a
full bitfield) and unchoke on each channel.  Then it lies, by MODE:

  wrong-data        every block it is asked for is random bytes; hint
                    requests get the true piece hashes, so the data is
                    what is caught
  wrong-hints       true data, false aptbt_hashes hints
  garbage-random    after the handshakes: framed messages with random ids
                    and payloads, then raw random bytes
  garbage-oversize  after the handshakes: a length prefix far over 1 MiB
  garbage-badmux    after the handshakes: an aptbt_mux message whose
                    dictionary is malformed (a 19-byte swarm key)
  garbage           each new connection uses the next of the three above
  honest            true data and true hints (a control for the tests)
  want              claims no file; sends a want (fetch this for me) for
                    each FILE@URL argument, and logs the daemon's index
                    ("their-index ... fetching HEX" / "have HEX")
  want-fake         like want, but an argument SIZE@URL (SIZE in digits)
                    is wanted with a made-up SHA-256 and that size; a
                    FILE@URL argument with the file's true hash and size
  leech             claims no file; every 2 s attaches to the daemon's
                    swarm of each file until attached ("our-attach NAME
                    refused" / "attached"), then asks for its first byte,
                    one-byte requests in a row, and logs each byte that
                    comes ("leech-got NAME BYTES-SO-FAR"); logs the
                    daemon's index as in want
  poison            claims every file but serves none: on a channel the
                    daemon attaches it pushes false aptbt_hashes hints for
                    every piece, says have none, chokes and rejects every
                    request ("poison-hints ..."); and every 2 s it attaches
                    to the daemon's swarm of each multi-piece file until
                    attached, pushes the same false hints there, then asks
                    for the daemon's piece hashes and logs how many are
                    true ("seed-hashes NAME first N true T false F
                    pieces P")

  evil-peer.py serve MODE PORT FILE...   listen on PORT (all addresses)
  evil-peer.py probe HOST PORT           exit 0 if HOST:PORT answers a
                                         daemon handshake, 1 if it refuses

serve prints one line per event on stdout, e.g. "accept 192.0.2.2:40000",
"attach sid=0 ... attached", "wrong-block ...", "wrong-hints ...",
"garbage oversize", "closed ...: why"; misbehave.sh counts them.
Standard library only; run it with /usr/bin/python3.
"""

import hashlib
import os
import random
import socket
import struct
import sys
import threading
import time

from benc import encode as benc, decode as bdec
from aptbtid import Identity

IDENTITY = Identity()

DAEMON_KEY = hashlib.sha256(b"aptbt-daemon-v1").digest()[:20]
PROTOCOL = b"\x13BitTorrent protocol"
# Reserved bits: BEP 10 (byte 5, 0x10) and BEP 6 (byte 7, 0x04).
RESERVED = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])
PEER_ID = IDENTITY.peer_id

# Message ids (BEP 3, 6, 10).
CHOKE, UNCHOKE, INTERESTED, NOT_INTERESTED, HAVE, BITFIELD = 0, 1, 2, 3, 4, 5
REQUEST, PIECE, CANCEL = 6, 7, 8
HAVE_ALL, HAVE_NONE, REJECT = 14, 15, 16
EXTENDED = 20

# The ids under which we receive each extension.
OUR_HASHES_ID = 1
OUR_MUX_ID = 2

MAX_MSG = 1024 * 1024 + 13

LOCK = threading.Lock()


def say(*words):
    with LOCK:
        print(" ".join(str(w) for w in words), flush=True)


# --- bencode (canonical: sorted keys) ---------------------------------------

# --- the canonical layout (common/layout.h) ---------------------------------

def piece_length(size):
    pl = 256 * 1024
    while pl < 16 * 1024 * 1024 and size > pl * 1024:
        pl *= 2
    return pl


class Fake:
    """A want's subject that exists nowhere: a made-up SHA-256."""

    def __init__(self, arg):
        size, _, self.url = arg.partition("@")
        self.size = int(size)
        self.sha256 = os.urandom(32)
        self.key = hashlib.sha256(b"aptbt-v1" + self.sha256).digest()[:20]
        self.name = "fake-" + self.sha256.hex()[:8]
        self.npieces = 0


class File:
    def __init__(self, path):
        path, _, self.url = path.partition("@")
        with open(path, "rb") as f:
            self.data = f.read()
        self.size = len(self.data)
        self.sha256 = hashlib.sha256(self.data).digest()
        self.key = hashlib.sha256(b"aptbt-v1" + self.sha256).digest()[:20]
        self.plen = piece_length(self.size)
        self.npieces = (self.size + self.plen - 1) // self.plen
        self.name = os.path.basename(path)

    def piece(self, i):
        return self.data[i * self.plen:(i + 1) * self.plen]

    def bitfield(self):
        bits = bytearray((self.npieces + 7) // 8)
        for i in range(self.npieces):
            bits[i // 8] |= 0x80 >> (i % 8)
        return bytes(bits)


# --- messages -----------------------------------------------------------------

def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


def ext(ext_id, payload):
    return msg(EXTENDED, bytes([ext_id]) + payload)


def handshake(key):
    return PROTOCOL + RESERVED + key + PEER_ID


class Closed(Exception):
    pass


class Conn:
    """One connection: the handshakes, then the mode's behaviour."""

    def __init__(self, sock, addr, mode, files):
        self.s = sock
        self.name = "%s:%d" % addr[:2]
        self.mode = mode
        self.files = files
        self.bykey = {f.key: f for f in files}
        self.buf = b""
        self.sendlock = threading.Lock()
        self.their_mux = 0
        self.their_hashes = 0
        self.fast = False
        self.channels = {}	# sid -> File; sid 0 is a plain swarm connection
        self.ours = {}		# our attaches: sid -> File
        self.attached = set()	# names of files attached by us
        self.next_sid = 1	# we accepted the connection: odd sids
        self.lies = 0

    def send(self, data):
        with self.sendlock:
            self.s.sendall(data)

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise Closed("eof")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def next_msg(self):
        (n,) = struct.unpack(">I", self.need(4))
        if n > MAX_MSG:
            raise Closed("peer sent a %d-byte message" % n)
        if n == 0:
            return None, b""
        body = self.need(n)
        return body[0], body[1:]

    # What a channel (or a plain connection, sid None) sends.
    def send_on(self, sid, data):
        if sid is None:
            self.send(data)
        else:
            self.send(ext(self.their_mux, benc({"msg_type": 3, "sid": sid}) +
                          data))

    def open_channel(self, sid, f):
        self.channels[sid] = f
        if self.fast:
            self.send_on(sid, msg(HAVE_ALL))
        else:
            self.send_on(sid, msg(BITFIELD, f.bitfield()))
        self.send_on(sid, msg(UNCHOKE))

    def run(self):
        try:
            self.converse()
        except (Closed, OSError, ValueError, struct.error) as e:
            say("closed", self.name + ":", e)
        finally:
            try:
                self.s.close()
            except OSError:
                pass

    def converse(self):
        hs = self.need(68)
        if hs[:20] != PROTOCOL:
            raise Closed("not a BitTorrent handshake")
        key = hs[28:48]
        self.fast = bool(hs[27] & 0x04)
        if key == DAEMON_KEY:
            say("handshake daemon", self.name, "peer-id", hs[48:56])
            plain = None
        elif key in self.bykey:
            say("handshake swarm", self.name, self.bykey[key].name)
            plain = self.bykey[key]
        else:
            raise Closed("handshake for an unknown key " + key.hex())
        self.send(handshake(key))
        nonce = Identity.nonce()
        self.send(ext(0, benc({
            "aptbt_id": IDENTITY.ext_field(nonce),
            "m": {"aptbt_hashes": OUR_HASHES_ID, "aptbt_mux": OUR_MUX_ID},
            "p": 6881, "reqq": 250, "v": "aptbt 0.1.0"})))
        # Their extended handshake comes first in practice; wait for it so
        # that we know their ids.
        while True:
            mid, payload = self.next_msg()
            if mid == EXTENDED and payload[:1] == b"\x00":
                d, _ = bdec(payload, 1)
                m = d.get(b"m", {})
                self.their_mux = m.get(b"aptbt_mux", 0)
                self.their_hashes = m.get(b"aptbt_hashes", 0)
                say("ext-handshake", self.name, "mux", self.their_mux,
                    "hashes", self.their_hashes, "v", d.get(b"v", b"?"))
                # A daemon proves its id before anything else on the mux.
                their = d.get(b"aptbt_id", b"")
                if plain is None and self.their_mux and len(their) == 64:
                    self.send(ext(self.their_mux, benc({
                        "msg_type": 7, "sig": IDENTITY.prove(
                            their[32:], nonce, hs[48:68])})))
                break
            say("before ext-handshake", self.name, "id", mid)
        if self.mode.startswith("garbage"):
            self.garbage()
            return
        if plain is not None:
            self.open_channel(None, plain)
        elif self.their_mux and self.mode in ("want", "want-fake"):
            self.send(ext(self.their_mux, benc({"full": 1, "msg_type": 5})))
            for f in self.files:
                self.send(ext(self.their_mux, benc({
                    "msg_type": 6, "sha256": f.sha256, "size": f.size,
                    "url": f.url.encode()})))
                say("want", self.name, f.sha256.hex(), f.size, f.url)
        elif self.their_mux and self.mode != "leech":
            self.send(ext(self.their_mux, benc({
                "full": 1, "have": b"".join(f.sha256 for f in self.files),
                "msg_type": 5})))
            say("index", self.name, len(self.files), "files")
            if self.mode == "poison":
                threading.Thread(target=self.attach_loop, daemon=True).start()
        if self.their_mux and self.mode == "leech":
            self.send(ext(self.their_mux, benc({"full": 1, "msg_type": 5})))
            threading.Thread(target=self.attach_loop, daemon=True).start()
        while True:
            mid, payload = self.next_msg()
            if mid is None:
                continue
            self.handle(None, mid, payload)

    def false_hints(self, sid, f, where):
        hs = [os.urandom(32) for _ in range(f.npieces)]
        self.lies += len(hs)
        self.send_on(sid, ext(self.their_hashes, benc({
            "hashes": b"".join(hs), "msg_type": 1, "piece": 0})))
        say("poison-hints", where, self.name, "sid", sid, f.name, f.npieces)

    def attach_loop(self):
        big = [f for f in self.files
               if f.npieces > 1 or self.mode == "leech"]
        self.got = {}
        try:
            while True:
                for f in big:
                    if f.name in self.attached or f in self.ours.values():
                        continue
                    sid = self.next_sid
                    self.next_sid += 2
                    self.ours[sid] = f
                    self.send(ext(self.their_mux, benc({
                        "key": f.key, "msg_type": 0, "sid": sid})))
                time.sleep(2)
        except OSError:
            pass

    def handle(self, sid, mid, payload):
        if mid == EXTENDED:
            eid = payload[0]
            if eid == OUR_MUX_ID and sid is None:
                self.mux(payload[1:])
            elif eid == OUR_HASHES_ID:
                self.hashes(sid, payload[1:])
            elif eid == 0:
                pass
            else:
                say("ext", self.name, "id", eid, "ignored")
            return
        f = self.channels.get(sid)
        if mid == PIECE and f is not None and self.mode == "leech":
            self.got[f.name] = self.got.get(f.name, 0) + len(payload) - 8
            say("leech-got", f.name, self.got[f.name])
        elif mid == REQUEST and f is not None and self.mode == "poison":
            self.send_on(sid, msg(REJECT, payload))
        elif mid == REQUEST and f is not None:
            index, begin, length = struct.unpack(">III", payload)
            block = f.piece(index)[begin:begin + length]
            if self.mode == "wrong-data":
                block = os.urandom(len(block))
                self.lies += 1
                say("wrong-block", self.name, "sid", sid, f.name, index,
                    begin, len(block))
            else:
                say("block", self.name, "sid", sid, f.name, index, begin,
                    len(block))
            self.send_on(sid, msg(PIECE, struct.pack(">II", index, begin) +
                                  block))
        elif mid in (INTERESTED, NOT_INTERESTED, HAVE, BITFIELD, HAVE_ALL,
                     HAVE_NONE, CHOKE, UNCHOKE, CANCEL, REJECT):
            pass
        else:
            say("msg", self.name, "sid", sid, "id", mid, len(payload))

    def mux(self, payload):
        d, end = bdec(payload)
        t = d.get(b"msg_type")
        sid = d.get(b"sid")
        if t == 0:
            f = self.bykey.get(d.get(b"key", b""))
            if f is None:
                self.send(ext(self.their_mux, benc({"msg_type": 2,
                                                    "sid": sid})))
                say("attach", self.name, "sid=%d" % sid, "refused")
                return
            self.send(ext(self.their_mux, benc({"msg_type": 1, "sid": sid})))
            say("attach", self.name, "sid=%d" % sid, f.name, "attached")
            if self.mode == "poison":
                self.channels[sid] = f
                if f.npieces > 1:
                    self.false_hints(sid, f, "downloader")
                self.send_on(sid, msg(HAVE_NONE) if self.fast else
                             msg(BITFIELD, bytes(len(f.bitfield()))))
                self.send_on(sid, msg(CHOKE))
            else:
                self.open_channel(sid, f)
        elif t == 3:
            inner = payload[end:]
            (n,) = struct.unpack(">I", inner[:4])
            if n == 0 or n + 4 != len(inner):
                raise Closed("bad frame")
            if sid in self.channels:
                self.handle(sid, inner[4], inner[5:])
        elif t == 4:
            self.channels.pop(sid, None)
            say("detach", self.name, "sid=%d" % sid)
        elif (t == 1 or t == 2) and sid in self.ours:
            f = self.ours[sid]
            if t == 2:
                del self.ours[sid]
                say("our-attach", self.name, f.name, "refused")
                return
            self.attached.add(f.name)
            self.channels[sid] = f
            say("our-attach", self.name, f.name, "attached sid", sid)
            if self.mode == "leech":
                self.send_on(sid, msg(INTERESTED))
                for i in range(min(f.size, 64)):
                    self.send_on(sid, msg(REQUEST, struct.pack(">III", 0,
                                                               i, 1)))
                return
            self.false_hints(sid, f, "seed")
            self.send_on(sid, msg(HAVE_NONE) if self.fast else
                         msg(BITFIELD, bytes(len(f.bitfield()))))
            self.send_on(sid, ext(self.their_hashes, benc({"msg_type": 0,
                                                           "piece": 0})))
        elif t == 1 or t == 2:
            say("mux", self.name, "answer", t, "sid", sid)
        elif t == 5:
            n = sum(len(d.get(k, b"")) // 32
                    for k in (b"have", b"fetching", b"drop"))
            say("their-index", self.name, "full", d.get(b"full", 0),
                "entries", n)
            for k in (b"fetching", b"have"):
                v = d.get(k, b"")
                for i in range(0, len(v), 32):
                    say("their-index", self.name, k.decode(),
                        v[i:i + 32].hex())

    def hashes(self, sid, payload):
        d, _ = bdec(payload)
        if d.get(b"msg_type") == 1 and sid in self.ours:
            f, first = self.ours[sid], d.get(b"piece", 0)
            got = d.get(b"hashes", b"")
            true = sum(1 for i in range(len(got) // 32)
                       if first + i < f.npieces and got[32 * i:32 * i + 32] ==
                       hashlib.sha256(f.piece(first + i)).digest())
            say("seed-hashes", f.name, "first", first, "true", true,
                "false", len(got) // 32 - true, "pieces", f.npieces)
            return
        if d.get(b"msg_type") == 2 and sid in self.ours:
            say("seed-hashes", self.ours[sid].name, "rejected")
            return
        if d.get(b"msg_type") != 0:
            return
        first = d[b"piece"]
        f = self.channels.get(sid)
        if f is None or first >= f.npieces or not self.their_hashes:
            if self.their_hashes:
                self.send_on(sid, ext(self.their_hashes,
                                      benc({"msg_type": 2, "piece": first})))
            return
        hs = [hashlib.sha256(f.piece(i)).digest()
              for i in range(first, f.npieces)]
        if self.mode == "wrong-hints":
            hs = [os.urandom(32) for _ in hs]
            self.lies += len(hs)
            say("wrong-hints", self.name, "sid", sid, f.name, first, len(hs))
        else:
            say("hints", self.name, "sid", sid, f.name, first, len(hs))
        self.send_on(sid, ext(self.their_hashes, benc({
            "hashes": b"".join(hs), "msg_type": 1, "piece": first})))

    def garbage(self):
        kind = self.mode[len("garbage-"):]
        if self.mode == "garbage":
            kind = next_garbage()
        say("garbage", kind, self.name)
        if kind == "oversize":
            self.send(struct.pack(">IB", 0x7ffffff0, PIECE) + os.urandom(512))
        elif kind == "badmux":
            # An attach whose key is 19 bytes: a protocol error (the rules
            # for both extensions), so the receiver must close.
            self.send(ext(self.their_mux or OUR_MUX_ID, benc({
                "key": os.urandom(19), "msg_type": 0, "sid": 1})))
        else:
            rnd = random.Random()
            out = b""
            for _ in range(64):
                n = rnd.randrange(1, 40)
                out += struct.pack(">I", n) + bytes([rnd.randrange(256)]) + \
                    os.urandom(n - 1)
            # A request with a wrong payload length, for certain.
            out += msg(REQUEST, os.urandom(5))
            out += os.urandom(4096)
            self.send(out)
        # Keep the connection open: closing it is the daemon's job.
        self.s.settimeout(30)
        try:
            while self.s.recv(65536):
                pass
            say("garbage", kind, self.name, "daemon closed")
        except socket.timeout:
            say("garbage", kind, self.name, "still open after 30 s")


GARBAGE = ["random", "oversize", "badmux"]
garbage_n = [0]


def next_garbage():
    with LOCK:
        k = GARBAGE[garbage_n[0] % len(GARBAGE)]
        garbage_n[0] += 1
    return k


MODES = ["wrong-data", "wrong-hints", "garbage", "garbage-random",
         "garbage-oversize", "garbage-badmux", "honest", "want", "want-fake",
         "poison", "leech"]


def serve(mode, port, paths):
    if mode not in MODES:
        sys.exit("evil-peer: unknown mode %s (%s)" % (mode, ", ".join(MODES)))
    files = [Fake(p) if mode == "want-fake" and p.split("@")[0].isdigit()
             else File(p) for p in paths]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(16)
    say("listening", port, "mode", mode, "files", len(files))
    for f in files:
        say("holds", f.name, f.sha256.hex(), f.size, "pieces", f.npieces)
    while True:
        s, addr = ls.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        say("accept", "%s:%d" % addr[:2])
        threading.Thread(target=Conn(s, addr, mode, files).run,
                         daemon=True).start()


def probe(host, port):
    """Exit 0 when the daemon answers our handshake, 1 when it does not."""
    try:
        s = socket.create_connection((host, port), timeout=5)
    except OSError as e:
        print("probe: connect:", e)
        return 1
    s.settimeout(5)
    try:
        s.sendall(handshake(DAEMON_KEY))
        got = b""
        while len(got) < 68:
            chunk = s.recv(68 - len(got))
            if not chunk:
                break
            got += chunk
    except OSError as e:
        print("probe:", e)
        return 1
    finally:
        s.close()
    if len(got) == 68 and got[:20] == PROTOCOL and got[28:48] == DAEMON_KEY:
        print("probe: answered by", got[48:56])
        return 0
    print("probe: no handshake (%d bytes)" % len(got))
    return 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "serve":
        try:
            serve(argv[2], int(argv[3]), argv[4:])
        except KeyboardInterrupt:
            pass
        return 0
    if len(argv) == 4 and argv[1] == "probe":
        return probe(argv[2], int(argv[3]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
