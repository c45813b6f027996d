/* SPDX-License-Identifier: ISC */
/*
 * swarmkey.c - derive a zero-metadata swarm key from a file's SHA-256.
 *
 * The prefix versions the derivation: a later scheme gets a new prefix
 * and so new swarms, never a collision with this one.
 */
#include "config.h"

#include <string.h>

#include "common/hash.h"
#include "common/swarmkey.h"

void
swarmkey_from_sha256(const uint8_t sha256_in[SHA256_LEN],
    uint8_t key[SWARMKEY_LEN])
{
	uint8_t	buf[sizeof(SWARMKEY_PREFIX) - 1 + SHA256_LEN];
	uint8_t	out[SHA256_LEN];

	memcpy(buf, SWARMKEY_PREFIX, sizeof(SWARMKEY_PREFIX) - 1);
	memcpy(buf + sizeof(SWARMKEY_PREFIX) - 1, sha256_in, SHA256_LEN);
	sha256(buf, sizeof(buf), out);
	memcpy(key, out, SWARMKEY_LEN);
}
