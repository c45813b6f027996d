/* SPDX-License-Identifier: ISC */
/*
 * swarmkey.h - the swarm key of a zero-metadata swarm.
 *
 * A file with no published metadata is found by its content alone: the
 * key is the first 20 bytes of SHA-256("aptbt-v1" || the file's raw
 * SHA-256), so it fits trackers, LSD and the DHT as an ordinary
 * info-hash, and a peer learns nothing from it about which file it is
 * unless it already knows the file's hash.  The SHA-256 itself is only
 * the input here; it is never taken from a peer as trusted.
 */
#ifndef APTBT_SWARMKEY_H
#define APTBT_SWARMKEY_H

#include <stdint.h>

#define SWARMKEY_LEN		20
#define SWARMKEY_PREFIX		"aptbt-v1"

void	swarmkey_from_sha256(const uint8_t sha256[32],
	    uint8_t key[SWARMKEY_LEN]);

#endif
