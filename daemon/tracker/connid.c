/* SPDX-License-Identifier: ISC */
/*
 * connid.c - BEP 15 connection ids as a keyed MAC (see connid.h).
 *
 * A client sends its announces under one id for minutes, and its MAC
 * cost more than the rest of an announce (an eighth of the tracker's
 * instructions per announce): the ids verified last are remembered, a
 * slot per address hash, with what their MAC was computed from, so a hit
 * gives the same answer without the MAC.  Only ids that were good are
 * kept: a forged one costs its MAC every time, as before.  The memo is
 * the event loop's, like every caller.
 */
#include <stddef.h>
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

#define MEMO_SLOTS	128	/* 5 KB */

static struct {
	uint8_t		 key[CONNID_KEY_LEN];	/* what every slot was made with */
	struct {
		uint8_t	 addr[16];
		uint64_t cid;
		uint64_t window;	/* of the MAC; UINT64_MAX: free */
	}		 slot[MEMO_SLOTS];
	bool		 ready;
} memo;

static size_t
memo_slot(const uint8_t addr[16])
{
	uint64_t	a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (size_t)(((a ^ b) * 0x9e3779b97f4a7c15ULL) >> 57);
}

/* The memo, emptied if it was made with another key. */
static void
memo_key(const uint8_t key[CONNID_KEY_LEN])
{
	size_t	i;

	if (memo.ready && memcmp(memo.key, key, CONNID_KEY_LEN) == 0)
		return;
	memcpy(memo.key, key, CONNID_KEY_LEN);
	for (i = 0; i < MEMO_SLOTS; i++)
		memo.slot[i].window = UINT64_MAX;
	memo.ready = true;
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
	uint64_t	w = now / CONNID_WINDOW_S, made;
	size_t		i = memo_slot(addr);

	memo_key(key);
	made = memo.slot[i].window;
	if (made != UINT64_MAX && (made == w || made + 1 == w) &&
	    memo.slot[i].cid == cid && memcmp(memo.slot[i].addr, addr, 16) == 0)
		return true;
	if (cid == mac(key, addr, w))
		made = w;
	else if (w > 0 && cid == mac(key, addr, w - 1))
		made = w - 1;
	else
		return false;
	memcpy(memo.slot[i].addr, addr, 16);
	memo.slot[i].cid = cid;
	memo.slot[i].window = made;
	return true;
}
