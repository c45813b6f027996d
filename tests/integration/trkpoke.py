#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# trkpoke.py - a BitTorrent tracker client for tracker-embedded.sh, that
# can also send what a client should not.
#
# usage: trkpoke.py COMMAND HOST PORT [args]
#   http IH_HEX PEERPORT [NUMWANT [LEFT [EVENT]]]
#   udp IH_HEX PEERPORT [NUMWANT]
#       one announce; prints "interval N", then "peer ADDR:PORT" for each
#       peer in the order of the reply, or "failure TEXT"
#   populate IH_HEX FIRSTPORT N
#       N announces over HTTP from this address, ports FIRSTPORT...,
#       each a leecher (left=1) that asks for no peers
#   seeds PEERPORT N [EVENT]
#       one POST /aptbt/seeds of N hashes (random, printed as "hash H");
#       prints the reply: "count N interval I" or "failure TEXT"
#   malformed IH_HEX
#       each bad request, then a good announce; one line each:
#       "case NAME: WHAT-CAME-BACK; good: yes|no"
import os
import socket
import struct
import sys
import urllib.parse

PID = b'-XX0001-trkpoke00000'
MAGIC = 0x41727101980


def bdecode(b, i=0):
    c = b[i:i + 1]
    if c == b'i':
        e = b.index(b'e', i)
        return int(b[i + 1:e]), e + 1
    if c == b'l':
        i += 1
        out = []
        while b[i:i + 1] != b'e':
            v, i = bdecode(b, i)
            out.append(v)
        return out, i + 1
    if c == b'd':
        i += 1
        out = {}
        while b[i:i + 1] != b'e':
            k, i = bdecode(b, i)
            v, i = bdecode(b, i)
            out[k] = v
        return out, i + 1
    n = b.index(b':', i)
    ln = int(b[i:n])
    return b[n + 1:n + 1 + ln], n + 1 + ln


def bencode(v):
    if isinstance(v, int):
        return b'i%de' % v
    if isinstance(v, bytes):
        return b'%d:%s' % (len(v), v)
    if isinstance(v, dict):
        return b'd' + b''.join(bencode(k) + bencode(v[k])
                               for k in sorted(v)) + b'e'
    raise TypeError(v)


def http_raw(host, port, request, timeout=5):
    """Send request bytes; (status, body), status 0 when closed unanswered."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(request)
    except OSError:
        pass
    data = b''
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    if not data.startswith(b'HTTP/'):
        return 0, b''
    head, _, body = data.partition(b'\r\n\r\n')
    return int(head.split()[1]), body


def get(host, port, path, extra=b''):
    return http_raw(host, port, b'GET ' + path.encode() +
                    b' HTTP/1.1\r\nHost: t\r\nConnection: close\r\n' +
                    extra + b'\r\n')


def query(ih, port, numwant=None, left=0, event=None):
    q = 'info_hash=%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=%d' \
        '&compact=1' % (urllib.parse.quote(ih), urllib.parse.quote(PID),
                        port, left)
    if numwant is not None:
        q += '&numwant=%d' % numwant
    if event:
        q += '&event=' + event
    return q


def peers_of(d):
    out = []
    p = d.get(b'peers', b'')
    for i in range(0, len(p) - len(p) % 6, 6):
        out.append('%s:%d' % (socket.inet_ntop(socket.AF_INET, p[i:i + 4]),
                              struct.unpack('>H', p[i + 4:i + 6])[0]))
    p = d.get(b'peers6', b'')
    for i in range(0, len(p) - len(p) % 18, 18):
        out.append('[%s]:%d' % (socket.inet_ntop(socket.AF_INET6,
                                                 p[i:i + 16]),
                                struct.unpack('>H', p[i + 16:i + 18])[0]))
    return out


def http_announce(host, port, ih, pport, numwant=None, left=0, event=None):
    st, body = get(host, port, '/announce?' +
                   query(ih, pport, numwant, left, event))
    if st != 200:
        return {b'failure reason': b'HTTP %d' % st}
    return bdecode(body)[0]


def udp_sock(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, port))
    return s


def udp_connect(s):
    s.send(struct.pack('>QII', MAGIC, 0, 11))
    a, t, cid = struct.unpack('>IIQ', s.recv(100)[:16])
    assert a == 0 and t == 11
    return cid


def udp_announce_pkt(cid, ih, pport, numwant=-1, tid=12):
    return struct.pack('>QII', cid, 1, tid) + ih + PID + \
        struct.pack('>QQQIIIiH', 0, 100, 0, 2, 0, 7, numwant, pport)


def udp_reply(s):
    """('peers', interval, [peers]) or ('error', text) or ('none', '')."""
    try:
        d = s.recv(2048)
    except socket.timeout:
        return ('none', '')
    action, _tid = struct.unpack('>II', d[:8])
    if action == 3:
        return ('error', d[8:].decode(errors='replace'))
    interval = struct.unpack('>I', d[8:12])[0]
    peers = ['%s:%d' % (socket.inet_ntop(socket.AF_INET, d[i:i + 4]),
                        struct.unpack('>H', d[i + 4:i + 6])[0])
             for i in range(20, len(d) - 5, 6)]
    return ('peers', interval, peers)


def print_reply(d):
    if b'failure reason' in d:
        print('failure', d[b'failure reason'].decode(errors='replace'))
        return
    print('interval', d.get(b'interval'))
    for p in peers_of(d):
        print('peer', p)


def good(host, port, ih):
    d = http_announce(host, port, ih, 7777, 5)
    return b'interval' in d and b'failure reason' not in d


def malformed(host, port, ih):
    cases = []
    # HTTP: each a failure reason from a tracker that keeps answering.
    bad_ih = ih[:19]
    st, body = get(host, port, '/announce?' + query(bad_ih, 6881))
    cases.append(('info_hash-19-bytes', st, body))
    st, body = get(host, port, '/announce?' + query(ih, 0))
    cases.append(('port-0', st, body))
    st, body = get(host, port, '/announce?info_hash=%s&port=1' %
                   urllib.parse.quote(ih))
    cases.append(('no-peer_id', st, body))
    st, body = get(host, port, '/announce?' + query(ih, 6881) +
                   '&pad=' + 'x' * 5000)
    cases.append(('query-5000-bytes', st, body))
    for name, st, body in cases:
        try:
            what = 'failure "%s"' % bdecode(body)[0][b'failure reason'] \
                .decode()
        except Exception:
            what = 'HTTP %d' % st
        print('case %s: %s; good: %s' % (name, what,
                                        'yes' if good(host, port, ih)
                                        else 'no'))
    d = http_announce(host, port, ih, 6881, 100000, 1)
    print('case numwant-100000: %d peers; good: %s' %
          (len(peers_of(d)), 'yes' if good(host, port, ih) else 'no'))
    st, _ = get(host, port, '/announce?' + query(ih, 6881),
                b'X-Pad: ' + b'y' * 20000 + b'\r\n')
    print('case header-20000-bytes: HTTP %d; good: %s' %
          (st, 'yes' if good(host, port, ih) else 'no'))
    body = bencode({b'port': 6881, b'peer_id': PID,
                    b'hashes': os.urandom(20) * 2000, b'event': b''})
    st, _ = http_raw(host, port, b'POST /aptbt/seeds HTTP/1.1\r\nHost: t\r\n'
                     b'Connection: close\r\nContent-Length: %d\r\n\r\n'
                     % len(body) + body)
    print('case seeds-body-40k: HTTP %d; good: %s' %
          (st, 'yes' if good(host, port, ih) else 'no'))
    # UDP: an error (action 3) for each, nothing for a runt.
    s = udp_sock(host, port)
    s.send(b'\xde\xad\xbe\xef' * 5)
    r = udp_reply(s)
    print('case udp-garbage: %s %s; good: %s' %
          (r[0], r[1], 'yes' if good(host, port, ih) else 'no'))
    s.send(b'short')
    r = udp_reply(s)
    print('case udp-5-bytes: %s; good: %s' %
          (r[0], 'yes' if good(host, port, ih) else 'no'))
    s.send(udp_announce_pkt(0x1234567890, ih, 6881))
    r = udp_reply(s)
    print('case udp-bad-connection-id: %s %s; good: %s' %
          (r[0], r[1], 'yes' if good(host, port, ih) else 'no'))
    cid = udp_connect(s)
    s.send(udp_announce_pkt(cid, ih, 0))
    r = udp_reply(s)
    print('case udp-port-0: %s %s; good: %s' %
          (r[0], r[1], 'yes' if good(host, port, ih) else 'no'))
    s.send(udp_announce_pkt(cid, ih, 6881)[:60])
    r = udp_reply(s)
    print('case udp-announce-short: %s %s; good: %s' %
          (r[0], r[1], 'yes' if good(host, port, ih) else 'no'))
    s.send(udp_announce_pkt(cid, ih, 6881, 100000))
    r = udp_reply(s)
    print('case udp-numwant-100000: %s %d peers; good: %s' %
          (r[0], len(r[2]) if r[0] == 'peers' else -1,
           'yes' if good(host, port, ih) else 'no'))


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    a = sys.argv[4:]
    if cmd == 'http':
        print_reply(http_announce(host, port, bytes.fromhex(a[0]), int(a[1]),
                                  int(a[2]) if len(a) > 2 else None,
                                  int(a[3]) if len(a) > 3 else 0,
                                  a[4] if len(a) > 4 else None))
    elif cmd == 'udp':
        s = udp_sock(host, port)
        cid = udp_connect(s)
        s.send(udp_announce_pkt(cid, bytes.fromhex(a[0]), int(a[1]),
                                int(a[2]) if len(a) > 2 else -1))
        r = udp_reply(s)
        if r[0] != 'peers':
            print('failure', r[0], r[1])
            return
        print('interval', r[1])
        for p in r[2]:
            print('peer', p)
    elif cmd == 'populate':
        ih, first, n = bytes.fromhex(a[0]), int(a[1]), int(a[2])
        bad = sum(b'interval' not in http_announce(host, port, ih, p, 0, 1)
                  for p in range(first, first + n))
        print('populated', n - bad, 'failed', bad)
    elif cmd == 'seeds':
        hashes = [os.urandom(20) for _ in range(int(a[1]))]
        body = bencode({b'port': int(a[0]), b'peer_id': PID,
                        b'key': b'k', b'event': (a[2] if len(a) > 2 else
                                                 '').encode(),
                        b'hashes': b''.join(hashes)})
        for h in hashes:
            print('hash', h.hex())
        st, body = http_raw(host, port,
                            b'POST /aptbt/seeds HTTP/1.1\r\nHost: t\r\n'
                            b'Connection: close\r\nContent-Length: %d\r\n'
                            b'\r\n' % len(body) + body)
        d = bdecode(body)[0] if st == 200 else {
            b'failure reason': b'HTTP %d' % st}
        if b'failure reason' in d:
            print('failure', d[b'failure reason'].decode())
        else:
            print('count', d[b'count'], 'interval', d[b'interval'])
    elif cmd == 'malformed':
        malformed(host, port, bytes.fromhex(a[0]))
    else:
        sys.exit('trkpoke.py: unknown command ' + cmd)


if __name__ == '__main__':
    main()
