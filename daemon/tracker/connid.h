/* SPDX-License-Identifier: ISC */
/*
 * connid.h - BEP 15 connection ids without a table.
 *
 * A connection id is SipHash-2-4 (libsodium's crypto_shorthash, keyed by
 * the first 16 bytes of the 32-byte key) over the client's address and a
 * two-minute window of the clock: a PRF with a 128-bit key is all an id
 * needs (a guess is right with probability 2^-64, and an id lives four
 * minutes at most), at a tenth of a keyed BLAKE2b's cost per packet.  The
 * tracker remembers nothing per client, a client
 * cannot forge an id for an address it does not receive at, and every
 * node of a cluster that shares the key accepts the ids of the others.
 * An id is good in its window and the next one (BEP 15 lets a client use
 * an id for a minute after it got it, so an id received at the end of a
 * window still works).
 *
 * Addresses are 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d).
 * Time is seconds on any clock the nodes agree on to within a window
 * (cluster nodes: the wall clock; a lone tracker: the monotonic one).
 *
 * Return values: connid_make the id; connid_ok true when the id was made
 * for this address in this window or the one before.
 */
#ifndef APTBTD_CONNID_H
#define APTBTD_CONNID_H

#include <stdbool.h>
#include <stdint.h>

#define CONNID_KEY_LEN	32
#define CONNID_WINDOW_S	120

uint64_t connid_make(const uint8_t key[CONNID_KEY_LEN], const uint8_t addr[16],
	    uint64_t now);
bool	 connid_ok(const uint8_t key[CONNID_KEY_LEN], const uint8_t addr[16],
	    uint64_t cid, uint64_t now);

#endif
