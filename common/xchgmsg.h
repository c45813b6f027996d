/* SPDX-License-Identifier: ISC */
/*
 * xchgmsg.h - the body of a tracker peer exchange: swarms and their peers.
 *
 * Trackers of different sites (`tracker_peers`) tell each other the peers
 * of the swarms both know: one POSTs the swarms it has peers for, with
 * those peers, and the other answers in the same format with its peers
 * for the swarms of the request it knows too.  Big-endian:
 *
 *	  4  magic "aptx"
 *	  1  version (1)
 *	  1  reserved, 0
 *	  2  number of swarms (at most XCHG_MAX_SWARMS)
 *	  then per swarm:
 *	 20  info-hash
 *	  1  IPv4 peers (at most XCHG_MAX_PEERS)
 *	  1  IPv6 peers (at most XCHG_MAX_PEERS)
 *	  6  per IPv4 peer: address, port (BEP 23's compact form)
 *	 18  per IPv6 peer: address, port (BEP 7's)
 *
 * A body is at most XCHG_MAX_BODY bytes; the builder stops adding swarms
 * when the next one would not fit.  The parser is a pure function of its
 * input and refuses (never guesses) a body that is short, long, of
 * another version, or whose counts are over the bounds; a swarm named
 * twice, a port 0 or an unspecified address are refused too.
 */
#ifndef APTBT_XCHGMSG_H
#define APTBT_XCHGMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XCHG_MAGIC		0x61707478u	/* "aptx" */
#define XCHG_VERSION		1
#define XCHG_HDR_LEN		8
#define XCHG_MAX_SWARMS		512
#define XCHG_MAX_PEERS		32		/* per family, per swarm */
#define XCHG_MAX_BODY		(64 * 1024)
#define XCHG_CONTENT_TYPE	"application/x-aptbt-exchange"
#define XCHG_PATH		"/aptbt/exchange"	/* on the tracker's port */

struct xchg_peer {
	uint8_t		 family;	/* 4 or 6 */
	uint16_t	 port;		/* host order */
	uint8_t		 addr[16];	/* network order; IPv4 in the first 4 */
};

struct xchg_swarm {
	uint8_t		 ih[20];
	uint8_t		 n4, n6;
	struct xchg_peer peers[2 * XCHG_MAX_PEERS];	/* n4 IPv4, then n6 */
};

/* A body being built. */
struct xchg_builder {
	uint8_t		 buf[XCHG_MAX_BODY];
	size_t		 len;
	uint16_t	 nswarms;
};

void		 xchg_begin(struct xchg_builder *);

/*
 * Adds a swarm with its peers (IPv4 and IPv6 in any order; beyond
 * XCHG_MAX_PEERS of a family they are left out).  Returns 0, or -1 when
 * the body has no room (XCHG_MAX_SWARMS or XCHG_MAX_BODY).
 */
int		 xchg_add(struct xchg_builder *, const uint8_t ih[20],
		    const struct xchg_peer *, size_t npeers);

/* The body's length, its count stamped in; the bytes are in b->buf. */
size_t		 xchg_finish(struct xchg_builder *);

/*
 * Checks a whole body.  Returns the number of swarms, or -1 when it is
 * not a body this version reads.
 */
int		 xchg_check(const uint8_t *, size_t);

/*
 * Reads the swarm at *off (start with *off = XCHG_HDR_LEN) of a body
 * xchg_check() accepted and moves *off past it.  Returns 0, or -1 at the
 * end.
 */
int		 xchg_next(const uint8_t *, size_t, size_t *off,
		    struct xchg_swarm *);

/*
 * Is this an address a site keeps to itself: RFC 1918, CGNAT
 * (100.64/10), loopback, link-local (IPv4 and IPv6), ULA (fc00::/7),
 * or the IPv4-mapped form of one of those?  Never sent to a tracker
 * peer unless the administrator says so.
 */
bool		 xchg_private(const struct xchg_peer *);

#endif
