/* SPDX-License-Identifier: ISC */
/*
 * trkstats.h - what the embedded tracker reports, for the front ends.
 *
 * The tracker (daemon/tracker/) sits beside the engine, so the control
 * socket and the status page cannot include it; it registers a function
 * here that fills this struct, and aptbt-ctl tracker and /metrics read
 * it through trkstats_get().  Nothing is kept here but that pointer.
 *
 * Return values: trkstats_get true when a tracker runs (st filled),
 * false when none does (st zeroed).
 */
#ifndef APTBTD_TRKSTATS_H
#define APTBTD_TRKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trkstats {
	uint16_t	 port;
	size_t		 swarms, peers4, peers6, seeds, learned;
	size_t		 mem_used, mem_max;	/* bytes: swarm store */
	size_t		 mem_other;		/* bytes: rate-limit table */
	uint64_t	 http_requests, udp_requests;
	uint64_t	 announces, scrapes, seed_batches, seed_hashes;
	uint64_t	 malformed;		/* answered with a failure */
	uint64_t	 rate_limited;
	uint64_t	 refused;		/* by the memory bound */
	uint64_t	 evicted, expired;
	uint32_t	 http_rps_milli, udp_rps_milli;	/* last 10 s */
	uint32_t	 interval, peer_ttl, numwant_max, rate;
};

typedef void trkstats_fill(struct trkstats *);

/* fn NULL: no tracker runs. */
void	trkstats_set_source(trkstats_fill *fn);
bool	trkstats_get(struct trkstats *st);

#endif
