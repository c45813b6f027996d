/* SPDX-License-Identifier: ISC */
/*
 * swarms.h - the embedded tracker's swarm store: which peers are in which
 * swarm, until when.
 *
 * A swarm is a 36-byte record in a slab keyed by its 20-byte info-hash
 * (ihslab.h: records side by side in chunks, found through a table of
 * 4-byte record numbers, SipHash under a per-process key, so announcers
 * cannot aim at a slot).  Its peers sit in two arrays, IPv4 and IPv6,
 * sorted by address and port, so an announce finds its peer by binary
 * search and a peer costs its compact form plus a flag byte and an
 * expiry: 12 bytes for IPv4, 24 for IPv6, and the arrays at most double
 * that (they shrink when a quarter full); the arrays' counts and the
 * IPv4 array share one allocation.  A swarm's only IPv4 peer sits inside
 * its record, with no allocation: alone in its swarm, an IPv4 peer costs
 * 36 bytes and 4 x 4/3 to 8/3 of table.  tests/unit/check_swarms.c
 * counts the heap's bytes for 100,000 IPv4 peers and asserts at most 64
 * a peer in swarms of 2, 100 and 1,000, and at most 48 alone in 100,000
 * swarms.
 *
 * A peer is identified by address and port (the compact form the
 * tracker hands out), not by peer id.  Each peer expires: a local
 * announce (a client asked this tracker) lives for the store's ttl; a
 * learned one (another tracker told us) until the expiry it came with.
 * Nothing is removed by a timer of its own: swarms_expire() is called
 * by the owner's, and select skips peers already expired.
 *
 * Memory is bounded hard: every byte the store allocates is counted (a
 * small allocation as the chunk malloc makes of it), and
 * an announce that would take it over the bound is refused (-ENOSPC,
 * counted), unless the swarm holds a peer of that family already: the
 * one that expires first is then evicted (counted) for the new one,
 * which takes no more memory.
 *
 * Every change a LOCAL announce makes (add, refresh, remove on "stopped")
 * is told to the observer, if one is set, so a gossip module can send
 * deltas; learned peers, expiry and eviction are not told (every node
 * expires peers itself from the expiry it was sent).
 *
 * Time is the caller's, in seconds on a monotonic clock (uint32_t).
 * Loop-thread only: nothing here locks.
 *
 * Return values:
 *	swarms_new		the store, or NULL (no memory, libsodium).
 *	swarms_announce		SWARMS_ADDED, SWARMS_REFRESHED, SWARMS_REMOVED,
 *				SWARMS_NONE ("stopped" from a peer not
 *				there), -EINVAL (family not 4 or 6, port 0),
 *				-ENOSPC (memory bound), -ENOMEM.
 *	swarms_select		peers written to out (at most numwant).
 *	swarms_select_compact	the same.
 *	swarms_scrape		true when the swarm is known (counts set,
 *				else zero).
 *	swarms_expire		peers removed.
 */
#ifndef APTBTD_SWARMS_H
#define APTBTD_SWARMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/trackermsg.h"

#define SWARMS_IH_LEN		20
/* What one IPv4 peer may cost at most, all structures counted. */
#define SWARMS_PEER4_BUDGET	64
/* The most peers one select returns (tracker_numwant_max's bound). */
#define SWARMS_SELECT_MAX	1000

struct swarms;

struct swarms_peer {
	uint8_t		 family;	/* 4 or 6 */
	bool		 seed;
	uint16_t	 port;		/* host order */
	uint8_t		 addr[16];	/* network order; IPv4 in the first 4 */
};

enum swarms_origin {
	SWARMS_LOCAL = 0,	/* a client announced to this tracker */
	SWARMS_LEARNED,		/* another tracker told us */
	SWARMS_FOREIGN,		/* a tracker of another site told us */
};

enum swarms_result {
	SWARMS_NONE = 0,
	SWARMS_ADDED,
	SWARMS_REFRESHED,
	SWARMS_REMOVED,
};

/* What the observer is told of a local announce. */
enum swarms_change {
	SWARMS_CH_ADD,
	SWARMS_CH_REFRESH,
	SWARMS_CH_REMOVE,
};

typedef void swarms_observer(void *arg, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *, enum swarms_change, uint32_t expires);

/* Called by swarms_foreach for every peer not yet expired. */
typedef void swarms_visit(void *arg, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *, enum swarms_origin, uint32_t expires);

struct swarms_counts {
	uint32_t	 complete;	/* seeds */
	uint32_t	 incomplete;	/* leechers */
	uint32_t	 downloaded;	/* "completed" events heard */
};

struct swarms_stats {
	size_t		 swarms;
	size_t		 peers4, peers6;
	size_t		 seeds;
	size_t		 learned;	/* peers of origin SWARMS_LEARNED */
	size_t		 mem_used;	/* bytes allocated, all counted */
	size_t		 mem_max;
	uint64_t	 refused;	/* announces refused by the bound */
	uint64_t	 evicted;	/* peers evicted by the bound */
	uint64_t	 expired;	/* peers removed by swarms_expire */
};

/* ttl: seconds a local announce lives; max_memory: bytes, the bound. */
struct swarms	*swarms_new(uint32_t ttl, size_t max_memory);
void		 swarms_free(struct swarms *);
/* Change the bounds (a reload); memory over a lowered bound drains by expiry. */
void		 swarms_configure(struct swarms *, uint32_t ttl, size_t max_memory);
void		 swarms_set_observer(struct swarms *, swarms_observer *, void *);

/*
 * A peer announces ih.  event: TRK_EV_STOPPED removes it, TRK_EV_COMPLETED
 * also counts a download; expires is used for SWARMS_LEARNED only (a
 * local peer lives until now + ttl).  A learned announce never turns a
 * local peer into a learned one.
 */
int		 swarms_announce(struct swarms *, const uint8_t ih[SWARMS_IH_LEN],
		    const struct swarms_peer *, enum trk_event,
		    enum swarms_origin, uint32_t expires, uint32_t now);

/*
 * Up to numwant (at most SWARMS_SELECT_MAX) peers of ih of the given family for asker, nearest
 * first: the same /24 (IPv4) or /64 (IPv6) as the asker, then the same
 * /16 or /48, then the rest; within a group a uniform random choice in a
 * random order.  Peers of origin SWARMS_FOREIGN come after all of those
 * and fill at most half of numwant (rounded up).  Never the asker itself
 * (same address and port), never an expired peer.  Seeds go to seeds
 * too: every aptbt daemon announces the daemons' presence key as a seed,
 * and they must find each other.  One pass over the swarm, whatever the
 * groups.
 */
size_t		 swarms_select(struct swarms *, const uint8_t ih[SWARMS_IH_LEN],
		    const struct swarms_peer *asker, int family, size_t numwant,
		    uint32_t now, struct swarms_peer *out);

/*
 * The same choice, written in compact form (BEP 23: address then port,
 * network order; 6 bytes a peer for IPv4, 18 for IPv6) at out, which has
 * room for numwant of them: a UDP reply takes it as it is.
 */
size_t		 swarms_select_compact(struct swarms *,
		    const uint8_t ih[SWARMS_IH_LEN],
		    const struct swarms_peer *asker, int family, size_t numwant,
		    uint32_t now, uint8_t *out);

/* Counts of ih; peers expired since the last swarms_expire still count. */
bool		 swarms_scrape(struct swarms *, const uint8_t ih[SWARMS_IH_LEN],
		    struct swarms_counts *);

/* Remove every peer expired at now; free the swarms left empty. */
size_t		 swarms_expire(struct swarms *, uint32_t now);

/* Visit every live peer (the whole state, for a node that joins). */
void		 swarms_foreach(struct swarms *, uint32_t now, swarms_visit *,
		    void *);

void		 swarms_stats(const struct swarms *, struct swarms_stats *);

#endif
