/* SPDX-License-Identifier: ISC */
/*
 * connid.c - BEP 15 connection ids as a keyed MAC (see connid.h).
 */
#include <string.h>

#include <sodium.h>

#include "daemon/tracker/connid.h"

static uint64_t
mac(const uint8_t *key, const uint8_t addr[16], uint64_t window)
{
	uint8_t		msg[24], out[crypto_generichash_BYTES_MIN];
	uint64_t	cid = 0;
	int		i;

	for (i = 0; i < 8; i++)
		msg[i] = (uint8_t)(window >> (56 - 8 * i));
	memcpy(msg + 8, addr, 16);
	crypto_generichash(out, sizeof(out), msg, sizeof(msg), key,
	    CONNID_KEY_LEN);
	for (i = 0; i < 8; i++)
		cid = cid << 8 | out[i];
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
