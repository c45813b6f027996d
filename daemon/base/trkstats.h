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

#define TRKSTATS_NODES		32	/* GOSSIP_MAX_NODES */
#define TRKSTATS_TPEERS		16	/* tracker peers */

/* One other node of a tracker cluster. */
struct trkstats_node {
	char		 name[72];	/* ADDRESS:PORT */
	int64_t		 heard_ms_ago;	/* -1: never */
	uint64_t	 pkts_in, pkts_out, recs_in, recs_out;
	uint64_t	 rejected;	/* from its address, any reason */
	uint64_t	 full_sent;	/* whole states sent to it */
};

/* One tracker peer (another site's tracker). */
struct trkstats_tpeer {
	char		 url[160];
	int64_t		 ok_ms_ago;	/* -1: never answered */
	uint64_t	 rounds, failures;
	uint64_t	 sent, learned;	/* peers */
};

/* What a tracker cluster and its tracker peers did. */
struct trkstats_cluster {
	char		 self[72];	/* "": no cluster */
	size_t		 nnodes;
	struct trkstats_node nodes[TRKSTATS_NODES];
	/* Gossip datagrams, by what became of them. */
	uint64_t	 accepted, malformed, forged, stale, replayed, old_run;
	uint64_t	 unknown, over_rate, learned_over;
	uint64_t	 deltas_out;	/* records queued as deltas */
	size_t		 ntpeers;
	struct trkstats_tpeer tpeers[TRKSTATS_TPEERS];
	uint64_t	 xchg_served, xchg_refused;	/* exchanges asked of us */
};

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
	struct trkstats_cluster cluster;
};

typedef void trkstats_fill(struct trkstats *);

/* fn NULL: no tracker runs. */
void	trkstats_set_source(trkstats_fill *fn);
bool	trkstats_get(struct trkstats *st);

#endif
