/* SPDX-License-Identifier: ISC */
/*
 * trkpeers.h - tracker peers: the trackers of different sites exchange
 * the peers of the swarms both know (`tracker_peers`).
 *
 * Every round (`tracker_peers_interval`, 30 s by default, a fifth of it
 * at random either way) each tracker peer is sent, by HTTP POST to its
 * URL, the swarms this tracker has local peers for (at most
 * XCHG_MAX_SWARMS a round, the next ones the next round), each with up
 * to XCHG_MAX_PEERS local peers of each family.  It answers with its own
 * local peers for the swarms of the request it knows, and learns ours
 * for those; each side puts what it hears in its store as SWARMS_FOREIGN
 * peers, answered after every peer of its own site and never more than
 * half a reply, living three rounds unless heard again.  Only peers that
 * announced to this tracker are sent: nothing learned from a cluster
 * node or another site is passed on.  Private addresses (RFC 1918,
 * CGNAT, loopback, link-local, ULA) are never sent unless
 * `tracker_peers_share_private = yes`.  The body is common/xchgmsg.h's.
 *
 * An exchange is answered only for a tracker peer: a POST from an
 * address that is not the host of a `tracker_peers` URL is refused (403):
 * the two sites name each other.  URLs are http:// with a numeric host
 * (a name would be resolved on the loop).  Foreign peers in all are
 * bounded by TRKPEERS_MAX_LEARNED; bodies by XCHG_MAX_BODY.
 *
 * Return values:
 *	trkpeers_new	the exchange, or NULL with the reason in err (a URL
 *			that is not http:// with a numeric host, more than
 *			TRKSTATS_TPEERS of them, no memory).
 *	trkpeers_serve	the HTTP status of the answer: 200 (out filled),
 *			403 (not a tracker peer), 400 (a body we cannot
 *			read).
 */
#ifndef APTBTD_TRKPEERS_H
#define APTBTD_TRKPEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/xchgmsg.h"
#include "daemon/base/trkstats.h"

#define TRKPEERS_MAX_LEARNED	200000	/* foreign peers kept, in all */
#define TRKPEERS_TIMEOUT_S	10	/* one exchange, connection and answer */

struct event_base;
struct sockaddr;
struct swarms;
struct trkpeers;

struct trkpeers	*trkpeers_new(struct event_base *, struct swarms *,
		    const char *urls, bool share_private, uint32_t interval_s,
		    char *err, size_t errlen);
void		 trkpeers_free(struct trkpeers *);

int		 trkpeers_serve(struct trkpeers *, const struct sockaddr *,
		    const uint8_t *body, size_t len, struct xchg_builder *out);

void		 trkpeers_fill(const struct trkpeers *,
		    struct trkstats_cluster *);

#endif
