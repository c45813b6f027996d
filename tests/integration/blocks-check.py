# SPDX-License-Identifier: ISC
"""blocks-check.py - check a .blocks list against the file it describes.

    blocks-check.py LIST FILE
    blocks-check.py --write LIST FILE    (write FILE's list, 512-byte blocks)

Recomputes every block's weak (rsync's two 16-bit sums) and strong (the
first 8 bytes of SHA-256) sum over the block zero-padded to the block
size, independently of the C encoder, and compares them (in version 2
their first wlen and slen bytes), the length, the version and the block
size (doc/blocks.md).  Prints the block count and, for version 2,
"BLOCK/WLEN/SLEN"; exits 1 on any difference.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benc  # noqa: E402


def weak(b):
    a = sum(b) & 0xffff
    n = len(b)
    s = sum((n - i) * x for i, x in enumerate(b)) & 0xffff
    return (s << 16 | a).to_bytes(4, "big")


def write(path, data, bs=512):
    n = (len(data) + bs - 1) // bs
    blks = [data[i * bs:(i + 1) * bs].ljust(bs, b"\0") for i in range(n)]
    d = {"version": 1, "block": bs, "length": len(data),
         "weak": b"".join(weak(b) for b in blks),
         "strong": b"".join(hashlib.sha256(b).digest()[:8] for b in blks)}
    open(path, "wb").write(benc.encode(d))


def main():
    if sys.argv[1] == "--write":
        write(sys.argv[2], open(sys.argv[3], "rb").read())
        return
    raw = open(sys.argv[1], "rb").read()
    data = open(sys.argv[2], "rb").read()
    d, end = benc.decode(raw)
    if end != len(raw) or benc.encode(d) != raw:
        sys.exit("%s: not canonical bencode" % sys.argv[1])
    v = d[b"version"]
    keys = {b"version", b"block", b"length", b"weak", b"strong"}
    wl, sl = 4, 8
    if v == 2:
        keys |= {b"wlen", b"slen"}
        wl, sl = d[b"wlen"], d[b"slen"]
        if not (2 <= wl <= 4 and 2 <= sl <= 8) or (wl, sl) == (4, 8):
            sys.exit("%s: widths %d and %d" % (sys.argv[1], wl, sl))
    if v not in (1, 2) or set(d) != keys or d[b"length"] != len(data):
        sys.exit("%s: version %d, length %d for %d bytes" %
                 (sys.argv[1], v, d[b"length"], len(data)))
    bs = d[b"block"]
    n = (len(data) + bs - 1) // bs
    if len(d[b"weak"]) != wl * n or len(d[b"strong"]) != sl * n:
        sys.exit("%s: sums for the wrong number of blocks" % sys.argv[1])
    for i in range(n):
        blk = data[i * bs:(i + 1) * bs].ljust(bs, b"\0")
        if d[b"weak"][wl * i:wl * i + wl] != weak(blk)[:wl]:
            sys.exit("%s: block %d: weak sum differs" % (sys.argv[1], i))
        if d[b"strong"][sl * i:sl * i + sl] != \
                hashlib.sha256(blk).digest()[:sl]:
            sys.exit("%s: block %d: strong sum differs" % (sys.argv[1], i))
    print(n if v == 1 else "%d %d/%d/%d" % (n, bs, wl, sl))


main()
