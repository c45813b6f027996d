# SPDX-License-Identifier: ISC
"""benc.py - bencode (BEP 3) for the test programs, both ways.

Integers, byte strings (str is encoded as UTF-8), lists and dictionaries
with keys in sorted byte order, as the daemon's strict decoder wants.
decode() gives dictionary keys as bytes, the way the peer wire names
them; decode_str_keys() as str, for the control protocol's replies.
"""


def encode(v):
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, (bytes, bytearray)):
        return b"%d:" % len(v) + bytes(v)
    if isinstance(v, list):
        return b"l" + b"".join(encode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x)
                       for k, x in v.items())
        return b"d" + b"".join(encode(k) + encode(x) for k, x in items) + b"e"
    raise TypeError(type(v))


def decode(buf, i=0, str_keys=False):
    """One bencoded value at buf[i:]: (value, end)."""
    c = buf[i:i + 1]
    if c == b"i":
        j = buf.index(b"e", i)
        return int(buf[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while buf[i:i + 1] != b"e":
            v, i = decode(buf, i, str_keys)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while buf[i:i + 1] != b"e":
            k, i = decode(buf, i, str_keys)
            v, i = decode(buf, i, str_keys)
            out[k.decode() if str_keys else k] = v
        return out, i + 1
    j = buf.index(b":", i)
    n = int(buf[i:j])
    return bytes(buf[j + 1:j + 1 + n]), j + 1 + n


def decode_str_keys(buf, i=0):
    return decode(buf, i, True)
