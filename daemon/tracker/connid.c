/* SPDX-License-Identifier: ISC */
/*
 * connid.c - BEP 15 connection ids as a keyed MAC (see connid.h).
 */
#include <string.h>

#include <sodium.h>

#include "daemon/tracker/connid.h"

_Static_assert(crypto_shorthash_KEYBYTES <= CONNID_KEY_LEN,
    "the MAC key is part of the connection-id key");
_Static_assert(crypto_shorthash_BYTES == 8, "a connection id is 8 bytes");

static bool
is_big_endian(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

static uint64_t
mac(const uint8_t *key, const uint8_t addr[16], uint64_t window)
{
	uint8_t		msg[24], out[crypto_shorthash_BYTES];
	uint64_t	cid, w = window;

	/* Both in a fixed byte order, so every node computes the same id. */
	if (!is_big_endian())
		w = __builtin_bswap64(w);
	memcpy(msg, &w, 8);
	memcpy(msg + 8, addr, 16);
	crypto_shorthash(out, msg, sizeof(msg), key);
	memcpy(&cid, out, 8);
	if (!is_big_endian())
		cid = __builtin_bswap64(cid);
	/* Never BEP 15's magic: a connect and an announce stay apart. */
	return cid == 0x41727101980ULL ? cid + 1 : cid;
}

uint64_t
connid_make(const uint8_t key[CONNID_KEY_LEN], const uint8_t addr[16],
    uint64_t now)
{
	return mac(key, addr, now / CONNID_WINDOW_S);
}

bool
connid_ok(const uint8_t key[CONNID_KEY_LEN], const uint8_t addr[16],
    uint64_t cid, uint64_t now)
{
	uint64_t	w = now / CONNID_WINDOW_S;

	return cid == mac(key, addr, w) || (w > 0 && cid == mac(key, addr,
	    w - 1));
}
