#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""impostor.py - a host that tries to pass for another daemon, or to hold
a daemon's mirror with claims, for tests/integration/identity.sh.

  impostor.py learn HOST PORT
      connect to the daemon at HOST:PORT as a daemon of our own and print
      its peer id and public key ("id HEX pk HEX") from its handshakes

  impostor.py steal HOST PORT VICTIM_ID VICTIM_PK HOW
      connect to HOST:PORT claiming the victim's peer id; HOW is
        forged-sig   the victim's key and nonce field, a signature made
                     with our own key (we cannot make the victim's)
        own-key      our own key beside the victim's id
        no-proof     the victim's key, then an index without any proof
      prints "closed BY-PEER" when the daemon hangs up, "index" if it ever
      sent us its have-index (it must not), and exits 0 if it was closed
      without telling us anything

  impostor.py claim HOST PORT SHA256 SECONDS
      a real daemon identity of our own, chosen so that it outranks the
      daemon at HOST:PORT for the file SHA256 (rendezvous, site.c); it
      proves itself, then says in its have-index every 0.5 s, for SECONDS,
      that it is fetching the file, and never sends a byte of it.  Prints
      "proven" and "claims N".

Standard library and the system's libsodium (aptbtid.py) only.
"""

import hashlib
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aptbtid import Identity  # noqa: E402
from benc import encode as benc, decode as bdec  # noqa: E402

DAEMON_KEY = hashlib.sha256(b"aptbt-daemon-v1").digest()[:20]
PROTOCOL = b"\x13BitTorrent protocol"
RESERVED = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])
EXTENDED = 20
OUR_MUX_ID = 3


def say(*words):
    print(*words, flush=True)


class Conn:
    def __init__(self, host, port, peer_id):
        self.s = socket.create_connection((host, port), timeout=10)
        self.buf = b""
        self.s.sendall(PROTOCOL + RESERVED + DAEMON_KEY + peer_id)

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def msg(self):
        (n,) = struct.unpack(">I", self.need(4))
        body = self.need(n) if n else b""
        return (body[0], body[1:]) if body else (None, b"")

    def handshakes(self, id_field):
        """Their BEP 3 handshake, our extended one, theirs."""
        hs = self.need(68)
        self.send_ext(0, benc({"aptbt_id": id_field,
                               "m": {"aptbt_mux": OUR_MUX_ID},
                               "p": 6881, "v": "impostor 1"}))
        while True:
            mid, payload = self.msg()
            if mid == EXTENDED and payload[:1] == b"\x00":
                d, _ = bdec(payload, 1)
                return hs[48:68], d

    def send_ext(self, eid, payload):
        self.s.sendall(struct.pack(">IB", 2 + len(payload), EXTENDED) +
                       bytes([eid]) + payload)


def learn(host, port):
    me = Identity()
    c = Conn(host, port, me.peer_id)
    their_id, d = c.handshakes(me.ext_field(Identity.nonce()))
    field = d.get(b"aptbt_id", b"")
    say("id", their_id.hex(), "pk", field[:32].hex())
    return 0 if len(field) == 64 else 1


def steal(host, port, victim_id, victim_pk, how):
    me = Identity()
    nonce = Identity.nonce()
    pk = me.pk if how == "own-key" else victim_pk
    c = Conn(host, port, victim_id)
    told = False
    try:
        _, d = c.handshakes(pk + nonce)
        mux = d.get(b"m", {}).get(b"aptbt_mux", 0)
        their = d.get(b"aptbt_id", b"")
        if how == "forged-sig":
            c.send_ext(mux, benc({"msg_type": 7, "sig": me.prove(
                their[32:], nonce, victim_id, as_id=victim_id)}))
        elif how == "no-proof":
            c.send_ext(mux, benc({"full": 1, "msg_type": 5}))
        c.s.settimeout(20)
        while True:
            mid, payload = c.msg()
            if mid == EXTENDED and payload[:1] == bytes([OUR_MUX_ID]):
                m, _ = bdec(payload, 1)
                if m.get(b"msg_type") == 5:
                    say("index")
                    told = True
    except EOFError:
        say("closed BY-PEER")
        return 1 if told else 0
    except socket.timeout:
        say("still open after 20 s")
        return 1
    return 1


def score(peer_id, sha):
    return hashlib.sha256(peer_id + sha).digest()[:8]


def claim(host, port, sha, seconds):
    # The daemon's own id, then a key of ours that outranks it.
    probe = Identity()
    c = Conn(host, port, probe.peer_id)
    their_id, _ = c.handshakes(probe.ext_field(Identity.nonce()))
    c.s.close()
    while True:
        me = Identity()
        if (score(me.peer_id, sha), me.peer_id) > \
                (score(their_id, sha), their_id):
            break
    nonce = Identity.nonce()
    c = Conn(host, port, me.peer_id)
    their_id, d = c.handshakes(me.ext_field(nonce))
    mux = d.get(b"m", {}).get(b"aptbt_mux", 0)
    their = d.get(b"aptbt_id", b"")
    c.send_ext(mux, benc({"msg_type": 7, "sig": me.prove(
        their[32:], nonce, their_id)}))
    c.s.settimeout(0.5)
    n = 0
    end = time.monotonic() + seconds
    proven = False
    while time.monotonic() < end:
        try:
            mid, payload = c.msg()
            if mid == EXTENDED and payload[:1] == bytes([OUR_MUX_ID]) \
                    and not proven:
                m, _ = bdec(payload, 1)
                if m.get(b"msg_type") == 5:
                    proven = True
                    say("proven")
        except socket.timeout:
            pass
        except EOFError:
            say("closed BY-PEER")
            break
        if proven:
            c.send_ext(mux, benc({"fetching": sha, "full": 0,
                                  "msg_type": 5}))
            n += 1
    say("claims", n)
    return 0 if proven else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "learn":
        return learn(argv[2], int(argv[3]))
    if len(argv) == 7 and argv[1] == "steal":
        return steal(argv[2], int(argv[3]), bytes.fromhex(argv[4]),
                     bytes.fromhex(argv[5]), argv[6])
    if len(argv) == 6 and argv[1] == "claim":
        return claim(argv[2], int(argv[3]), bytes.fromhex(argv[4]),
                     float(argv[5]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
