/* SPDX-License-Identifier: ISC */
/*
 * ratelimit.h - a token bucket per source address, in a bounded table.
 *
 * Every request to the embedded tracker takes one token from its
 * address's bucket; a bucket refills at `rate` tokens a minute up to
 * `burst`.  The table has a fixed number of entries, in sets of four
 * picked by SipHash under a per-process key (an attacker cannot aim at
 * a set); an address not in the table takes the entry of its set used
 * least recently and starts with a full bucket.  So memory is bounded
 * whatever the number of addresses, and the cost of a flood from very
 * many addresses is that their buckets forget each other, never that a
 * real client is refused for someone else's requests.
 *
 * Addresses are 16 bytes (IPv4 mapped).  Time in milliseconds, monotonic.
 *
 * Return values: ratelimit_new the table or NULL; ratelimit_take true
 * when the request may go on (always, when rate is 0).
 */
#ifndef APTBTD_RATELIMIT_H
#define APTBTD_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* entries: rounded up to a multiple of four. */
struct ratelimit *ratelimit_new(size_t entries);
void		 ratelimit_free(struct ratelimit *);
/* rate: tokens a minute (0: no limit); burst: the bucket's size. */
void		 ratelimit_configure(struct ratelimit *, uint32_t rate,
		    uint32_t burst);
bool		 ratelimit_take(struct ratelimit *, const uint8_t addr[16],
		    uint64_t now_ms);
size_t		 ratelimit_bytes(const struct ratelimit *);

#endif
