/* SPDX-License-Identifier: ISC */
/*
 * pex.h - peer exchange (BEP 11 ut_pex) with standard BitTorrent clients.
 *
 * A standard client's connection carries one swarm; the peers of that
 * swarm are worth telling each other about.  We send each such peer, at
 * most once a minute, the other peers of its swarm that lie within the
 * "share" scope (at most 50 added and 50 dropped per message), and we
 * join the peers it tells us of, within the connection limits.
 *
 * The connection between two aptbtd daemons does not use ut_pex: it is
 * not bound to a swarm, and the daemons' have-indexes already say who
 * holds what.
 */
#ifndef APTBTD_PEX_H
#define APTBTD_PEX_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct link;
struct peer;

#define PEX_INTERVAL	60	/* seconds between messages to one peer */
#define PEX_MAX_SEND	50	/* added, and dropped, peers per message */

int	pex_init(struct event_base *);
void	pex_shutdown(void);
/* A standard client's link started: exchange peers with it from now on. */
void	pex_link_start(struct link *);
/* A ut_pex message (the payload after the extension id) on a link. */
void	pex_received(struct link *, const uint8_t *, size_t);
/* The link is going away (its connection closed, or its swarm ended). */
void	pex_link_free(struct link *);

#endif
