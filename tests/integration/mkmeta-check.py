#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""mkmeta-check.py - what tests/integration/mkmeta-mirror.sh asserts about
the metadata aptbt-mkmeta --mirror wrote, read with benc.py, not with the
code under test.

  mkmeta-check.py torrents OUT FILE...   each FILE has its torrent at
      OUT/aptbt/torrents/XX/SHA256.torrent: its length, name and every
      SHA-1 piece match the file; prints how many were checked
  mkmeta-check.py manifest MANIFEST OUT  the manifest parses, and every
      entry's torrent exists with the entry's size and v1 info-hash;
      prints the number of entries (-1 if any is wrong) and their
      SHA-256s, one a line
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benc  # noqa: E402


def torrent_path(out, sha):
    return os.path.join(out, 'aptbt', 'torrents', sha[:2], sha + '.torrent')


def raw_info(buf):
    """The bytes of the info value, as the info-hash is taken over them."""
    d, _ = benc.decode(buf)
    i = 1
    while buf[i:i + 1] != b'e':
        k, i = benc.decode(buf, i)
        j = i
        _, i = benc.decode(buf, i)
        if k == b'info':
            return d, buf[j:i]
    raise ValueError('no info')


def check_torrents(out, files):
    bad = 0
    for f in files:
        data = open(f, 'rb').read()
        sha = hashlib.sha256(data).hexdigest()
        p = torrent_path(out, sha)
        if not os.path.exists(p):
            print('%s: no torrent %s' % (f, p))
            bad += 1
            continue
        t, _ = benc.decode(open(p, 'rb').read())
        info = t[b'info']
        pl = info[b'piece length']
        pieces = b''.join(hashlib.sha1(data[i:i + pl]).digest()
                          for i in range(0, len(data), pl))
        if (info[b'length'] != len(data) or info[b'pieces'] != pieces or
                info[b'name'].decode() != os.path.basename(f)):
            print('%s: torrent %s does not describe it' % (f, p))
            bad += 1
    print(len(files) - bad)
    return 1 if bad else 0


def check_manifest(path, out):
    m, end = benc.decode(open(path, 'rb').read())
    ents = m[b'entries']
    width = m[b'record']
    bad = 0
    shas = []
    for i in range(0, len(ents), width):
        sha = ents[i:i + 32].hex()
        size = int.from_bytes(ents[i + 32:i + 40], 'big')
        v1 = ents[i + 40:i + 60]
        p = torrent_path(out, sha)
        if not os.path.exists(p):
            print('entry %s: no torrent' % sha, file=sys.stderr)
            bad += 1
            continue
        t, _ = benc.decode(open(p, 'rb').read())
        _, info = raw_info(open(p, 'rb').read())
        if (t[b'info'][b'length'] != size or
                hashlib.sha1(info).digest() != v1):
            print('entry %s: torrent differs' % sha, file=sys.stderr)
            bad += 1
        shas.append(sha)
    # A count that cannot match when anything was wrong.
    print(-1 if bad else len(shas))
    for s in shas:
        print(s)
    return 1 if bad else 0


if sys.argv[1] == 'torrents':
    sys.exit(check_torrents(sys.argv[2], sys.argv[3:]))
sys.exit(check_manifest(sys.argv[2], sys.argv[3]))
