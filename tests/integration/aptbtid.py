# SPDX-License-Identifier: ISC
"""aptbtid.py - a daemon identity (doc/peer-extensions.md, "Identity") for
test programs that speak the daemon protocol: an Ed25519 key pair through
the system's libsodium (ctypes, so the tests need no Python package), the
peer id it names, and the proof a daemon must send after the extended
handshakes.  Standard library only."""

import ctypes
import ctypes.util
import hashlib
import os

PEER_ID_PREFIX = b"-AP0100-"
LABEL = b"aptbt identity v1"

_na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _na.sodium_init() < 0:
    raise OSError("sodium_init failed")


def peer_id(pk):
    """The peer id a public key names."""
    return PEER_ID_PREFIX + hashlib.blake2b(pk, digest_size=12).digest()


class Identity:
    def __init__(self):
        pk = ctypes.create_string_buffer(32)
        sk = ctypes.create_string_buffer(64)
        if _na.crypto_sign_keypair(pk, sk) != 0:
            raise OSError("crypto_sign_keypair failed")
        self.pk, self.sk = pk.raw, sk.raw
        self.peer_id = peer_id(self.pk)

    @staticmethod
    def nonce():
        return os.urandom(32)

    def ext_field(self, nonce):
        """The value of "aptbt_id" in our extended handshake."""
        return self.pk + nonce

    def prove(self, their_nonce, our_nonce, their_id, as_id=None):
        """The "sig" of our aptbt_mux prove message (msg_type 7).  as_id
        signs for another peer id: what an impostor would have to do."""
        m = LABEL + their_nonce + our_nonce + their_id + \
            (as_id or self.peer_id)
        sig = ctypes.create_string_buffer(64)
        _na.crypto_sign_detached(sig, None, m, ctypes.c_ulonglong(len(m)),
                                 self.sk)
        return sig.raw
