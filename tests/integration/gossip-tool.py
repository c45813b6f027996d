#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""gossip-tool.py - build and send tracker cluster gossip packets.

The test's own node: it holds the cluster key file, so it can seal
packets as a node would (doc/trackers.md, "Tracker clusters"), and then
send what a node never sends: the same packet twice (a replay), a packet
with one bit flipped (forged), one built 60 s ago (stale).

  gossip-tool.py send KEYFILE HOST:PORT [--bind ADDR:PORT] [--peer HASH,IP,PORT]...
                 [--replay] [--tamper] [--stale]
  gossip-tool.py corpus DIR     (seed corpus for tests/fuzz/fuzz_gossip.c)

"send" prints one line per datagram sent: "sent KIND LEN".
"""
import hashlib
import hmac
import os
import random
import socket
import struct
import sys
import time

MAGIC = 0x61707467
DELTA, HELLO, FULL = 1, 2, 3
F_REMOVE, F_SEED, F_V6 = 1, 2, 4


def kdf(master, subkey_id, ctx, n=32):
    """libsodium crypto_kdf_derive_from_key (BLAKE2b, salt = id, personal = ctx)."""
    salt = struct.pack('<Q', subkey_id) + bytes(8)
    person = ctx.encode() + bytes(16 - len(ctx))
    return hashlib.blake2b(b'', digest_size=n, key=master, salt=salt,
                           person=person).digest()


def mac_key(master):
    return kdf(master, 1, 'aptbtgsp')


def record(ih, ip, port, flags=0, ttl=1800):
    a = socket.inet_pton(socket.AF_INET6 if ':' in ip else socket.AF_INET, ip)
    if len(a) == 16:
        flags |= F_V6
    return ih + struct.pack('>BHH', flags, port, ttl) + a


def seal(key, kind, records, run, t_ms, seq):
    body = struct.pack('>IBBHQQQ', MAGIC, 1, kind, len(records), run, t_ms,
                       seq) + b''.join(records)
    return body + hmac.new(key, body, hashlib.sha512).digest()[:32]


def hostport(s):
    h, _, p = s.rpartition(':')
    return h.strip('[]'), int(p)


def main(argv):
    if len(argv) >= 2 and argv[0] == 'corpus':
        d = argv[1]
        os.makedirs(d, exist_ok=True)
        k = mac_key(bytes(range(32)))
        t = 1800000000000
        run = (t << 16) | 1
        ih = bytes(range(20))
        pk = {
            'delta': seal(k, DELTA, [record(ih, '10.0.1.2', 6881, F_SEED),
                                     record(ih, 'fd00::1', 51413, F_REMOVE)],
                          run, t, 1),
            'hello': seal(k, HELLO, [], run, t, 2),
            'full': seal(k, FULL, [record(bytes([i]) * 20, '10.0.0.%d' % i,
                                          6881 + i) for i in range(46)],
                         run, t, 3),
            'short': seal(k, DELTA, [], run, t, 4)[:40],
        }
        for name, b in pk.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(b)
        return 0
    if len(argv) < 3 or argv[0] != 'send':
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], 'rb') as f:
        key = mac_key(f.read())
    dst = hostport(argv[2])
    bind = None
    peers = []
    opts = set()
    i = 3
    while i < len(argv):
        a = argv[i]
        if a == '--bind':
            bind = hostport(argv[i + 1])
            i += 2
        elif a == '--peer':
            h, ip, port = argv[i + 1].split(',')
            peers.append(record(bytes.fromhex(h), ip, int(port)))
            i += 2
        else:
            opts.add(a.lstrip('-'))
            i += 1
    now = int(time.time() * 1000)
    run = (now << 16) | random.randrange(1, 65536)
    fam = socket.AF_INET6 if ':' in dst[0] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if bind:
        s.bind(bind)

    def send(kind, b):
        s.sendto(b, dst)
        print('sent %s %d' % (kind, len(b)), flush=True)
        time.sleep(0.2)

    seq = 1
    good = seal(key, DELTA, peers, run, now, seq)
    send('good', good)
    if 'replay' in opts:
        send('replay', good)
    if 'tamper' in opts:
        seq += 1
        b = bytearray(seal(key, DELTA, peers, run, now, seq))
        b[40] ^= 1
        send('tampered', bytes(b))
    if 'stale' in opts:
        seq += 1
        send('stale', seal(key, DELTA, peers, run, now - 60000, seq))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
