#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""trk-announce.py - a small BitTorrent tracker client for the tests.

  trk-announce.py udp HOST:PORT IH PORT [--cid-file F]
  trk-announce.py http HOST:PORT IH PORT
  trk-announce.py tier IH PORT --cid-file F HOST:PORT...
  trk-announce.py converge IH PROTO,HOST:PORT,PORT...

udp and http announce once (event "started", left 1, numwant 50) and print
the peers the tracker gave, one "ADDRESS:PORT" a line.  With --cid-file,
udp keeps the BEP 15 connection id in F and reuses it (no connect) while
F exists: a connection id taken to another node of a cluster.  tier tries
the UDP trackers in order, as a BEP 12 tier does, with the id of F, and
prints "tracker HOST:PORT retries N" before the peers.  Exit 3 when no
tracker answered.  converge announces each client (PROTO udp or http, its
tracker, its port) once, then asks again every 20 ms until every client
is given every other client's port, and prints "converged MS" (from the
last first announce), or exits 1 after 5 s.
"""
import os
import random
import socket
import struct
import sys
import time
import urllib.parse
import urllib.request

MAGIC = 0x41727101980
PEER_ID = b'-PY0001-' + bytes(random.randrange(48, 58) for _ in range(12))


def hostport(s):
    h, _, p = s.rpartition(':')
    return h.strip('[]'), int(p)


def compact(b):
    return ['%s:%d' % (socket.inet_ntoa(b[i:i + 4]),
                       struct.unpack('>H', b[i + 4:i + 6])[0])
            for i in range(0, len(b) - len(b) % 6, 6)]


def udp_call(sock, msg, tid, timeout):
    sock.settimeout(timeout)
    sock.send(msg)
    while True:
        r = sock.recv(2048)
        if len(r) >= 8 and struct.unpack('>I', r[4:8])[0] == tid:
            return r


def udp_announce(addr, ih, port, cid_file=None, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(addr)
    try:
        cid = None
        if cid_file and os.path.exists(cid_file):
            with open(cid_file) as f:
                cid = int(f.read())
        if cid is None:
            tid = random.getrandbits(32)
            r = udp_call(s, struct.pack('>QII', MAGIC, 0, tid), tid, timeout)
            act, _, cid = struct.unpack('>IIQ', r[:16])
            if act != 0:
                raise OSError('connect refused: %r' % r[8:])
            if cid_file:
                with open(cid_file, 'w') as f:
                    f.write(str(cid))
        tid = random.getrandbits(32)
        msg = struct.pack('>QII20s20sQQQIIIiH', cid, 1, tid, ih, PEER_ID,
                          0, 1, 0, 2, 0, random.getrandbits(32), 50, port)
        r = udp_call(s, msg, tid, timeout)
        act = struct.unpack('>I', r[:4])[0]
        if act != 1:
            raise OSError('error: %s' % r[8:].decode(errors='replace'))
        return compact(r[20:])
    finally:
        s.close()


def bdecode_peers(b):
    i = b.find(b'5:peers')
    if i < 0:
        raise OSError('no peers: %r' % b[:200])
    i += 7
    j = b.index(b':', i)
    n = int(b[i:j])
    return compact(b[j + 1:j + 1 + n])


def http_announce(addr, ih, port):
    q = urllib.parse.urlencode({'info_hash': ih, 'peer_id': PEER_ID,
                                'port': port, 'uploaded': 0,
                                'downloaded': 0, 'left': 1, 'compact': 1,
                                'event': 'started', 'numwant': 50})
    url = 'http://%s:%d/announce?%s' % (addr[0], addr[1], q)
    with urllib.request.urlopen(url, timeout=5) as r:
        return bdecode_peers(r.read())


def converge(ih, specs):
    clients = []
    for sp in specs:
        proto, t, port = sp.split(',')
        fn = udp_announce if proto == 'udp' else http_announce
        clients.append((fn, hostport(t), int(port)))
    for fn, t, port in clients:
        fn(t, ih, port)
    t0 = time.monotonic()
    ports = set(port for _, _, port in clients)
    while time.monotonic() - t0 < 5:
        if all(ports - {port} <= set(int(p.rsplit(':', 1)[1])
                                     for p in fn(t, ih, port))
               for fn, t, port in clients):
            print('converged %d' % ((time.monotonic() - t0) * 1000))
            return 0
        time.sleep(0.02)
    return 1


def main(argv):
    cid_file = None
    if '--cid-file' in argv:
        i = argv.index('--cid-file')
        cid_file = argv[i + 1]
        del argv[i:i + 2]
    try:
        if argv[0] == 'udp':
            peers = udp_announce(hostport(argv[1]), bytes.fromhex(argv[2]),
                                 int(argv[3]), cid_file)
        elif argv[0] == 'http':
            peers = http_announce(hostport(argv[1]), bytes.fromhex(argv[2]),
                                  int(argv[3]))
        elif argv[0] == 'converge':
            return converge(bytes.fromhex(argv[1]), argv[2:])
        elif argv[0] == 'tier':
            ih, port = bytes.fromhex(argv[1]), int(argv[2])
            for n, t in enumerate(argv[3:]):
                try:
                    peers = udp_announce(hostport(t), ih, port, cid_file)
                except OSError as e:
                    sys.stderr.write('%s: %s\n' % (t, e))
                    continue
                print('tracker %s retries %d' % (t, n))
                break
            else:
                return 3
        else:
            sys.stderr.write(__doc__)
            return 2
    except OSError as e:
        sys.stderr.write('%s\n' % e)
        return 3
    for p in peers:
        print(p)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
