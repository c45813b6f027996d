/* SPDX-License-Identifier: ISC */
/*
 * trkserver.h - what the tracker's HTTP and UDP servers share, private
 * to daemon/tracker/: the store, the limits, the counters, and one
 * announce path so both transports record and answer alike.
 *
 * Return values: trk_admit true when the request may be served (else it
 * was counted as rate-limited); trk_peer_of true when the address is
 * IPv4 or IPv6; trkhttp_start and trkudp_start 0 or -errno (logged).
 */
#ifndef APTBTD_TRKSERVER_H
#define APTBTD_TRKSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/base/trkstats.h"
#include "daemon/tracker/connid.h"
#include "daemon/tracker/swarms.h"

struct event_base;
struct sockaddr;

#define TRK_NUMWANT_DEFAULT	50
#define TRK_RATE_TABLE		16384	/* addresses with a bucket */

struct trk_state {
	struct event_base	*base;
	struct swarms		*swarms;
	struct ratelimit	*rl;
	uint8_t			 connid_key[CONNID_KEY_LEN];
	uint16_t		 port;
	uint32_t		 interval, ttl, numwant_max, rate;
	struct trkstats		 n;	/* the counters live here */
};

extern struct trk_state trk;

/* The request's source: counted and checked against its bucket. */
bool		 trk_admit(const struct sockaddr *, bool udp);
/* The 16-byte form of an address (IPv4 mapped). */
bool		 trk_addr16(const struct sockaddr *, uint8_t out[16]);
/* A peer at the request's source address (IPv4-mapped ones as IPv4). */
bool		 trk_peer_of(const struct sockaddr *, uint16_t port, bool seed,
		    struct swarms_peer *);
uint32_t	 trk_now(void);
/* numwant as asked (-1: default), capped. */
size_t		 trk_numwant(int64_t asked);

int		 trkhttp_start(struct event_base *, uint16_t port);
void		 trkhttp_stop(void);
int		 trkudp_start(struct event_base *, uint16_t port);
void		 trkudp_stop(void);

#endif
