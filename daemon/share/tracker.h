/* SPDX-License-Identifier: ISC */
/*
 * tracker.h - the tracker client: one backend of the announcer.
 *
 * Which trackers a swarm is announced to (tracker localization, the
 * "trackers" and "trackers_on_metadata_hosts" settings):
 *
 *	a torrent's keys:   trackers on the host its metadata came from,
 *	                    then the torrent's announce-list (BEP 12 tiers),
 *	                    then the configured "trackers";
 *	a zero-metadata key: the configured "trackers" only (what a machine
 *	                    installs stays private unless the administrator
 *	                    names a tracker);
 *	daemon presence:    the configured "trackers" only, so daemons of
 *	                    one site on different subnets find each other.
 *
 * The trackers form one list of tiers; a swarm is announced to the first
 * tracker of that list that is usable, trackers that answered come first
 * within a tier, the rest in a random order (BEP 12).  A tracker that is
 * not there (no host, no port, no announce path, no answer ever) costs
 * one short timeout and is then skipped for TRACKER_ABSENT_S seconds, for
 * every swarm at once.
 *
 * When: a file being fetched is announced at once (event "started"), and
 * "completed" once it is held.  Files we seed are announced on a paced
 * schedule: at most "tracker_announce_rate" announces a minute in all,
 * each at the tracker's interval (clamped to [TRACKER_INTERVAL_MIN,
 * TRACKER_INTERVAL_MAX]) plus up to a fifth of it in jitter, or later
 * when the cap says so (doc/trackers.md works out the figures).
 *
 * A seed that leaves is owed a "stopped": to a tracker that takes
 * batches in its next "stopped" batch, to others under the same rate cap
 * as seeds.  Toward a tracker that advertised batched seed announces
 * ("aptbt seeds", doc/trackers.md), seeds are not announced one by one
 * but all together, once a tracker interval (seeds it has not heard of
 * yet within a minute).
 *
 * Peers a tracker names go to the callback, except ones no tracker may
 * send us to (trk_peer_dialable) and our own addresses.
 */
#ifndef APTBTD_TRACKER_H
#define APTBTD_TRACKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/hash.h"

#define TRACKER_ABSENT_S	3600	/* an absent tracker is left alone */
#define TRACKER_INTERVAL_MIN	60
#define TRACKER_INTERVAL_MAX	(4 * 3600)
#define TRACKER_INTERVAL_DEF	1800	/* when a tracker names none */

struct event_base;

/*
 * A tracker named a peer for key; presence is true for the daemons'
 * presence key (a daemon, not a swarm member).
 */
typedef void	(*tracker_cb)(const struct sockaddr *, socklen_t,
		    const uint8_t key[20], bool presence);

int	 tracker_init(struct event_base *, tracker_cb);
/*
 * Start, stop or re-read the configuration: running false stops every
 * announce (pause, sharing off) and keeps what is known.  port is the
 * peer-wire port announced.
 */
void	 tracker_apply(bool running, uint16_t port);
/*
 * The daemon stops: every tracker that had our "started" hears
 * "stopped" (seeds to a tracker that takes batches in batches, other keys
 * one by one, at most 32 of those), and nothing else is sent any more.
 * true: done(arg) is called once the answers came, or within 2 s;
 * false: nothing was sent (done is not called).  Only tracker_shutdown()
 * may follow.
 */
bool	 tracker_stop(void (*done)(void *), void *arg);
void	 tracker_shutdown(void);

/*
 * A file we fetch (fetching) or hold and seed.  Told again once its
 * torrent is known, its zero-metadata key gives way to the torrent's.
 */
void	 tracker_file(const uint8_t sha256[SHA256_LEN], uint64_t size,
	    bool fetching);
/* A file we no longer take part in: a failed fetch, an eviction. */
void	 tracker_file_gone(const uint8_t sha256[SHA256_LEN]);

/*
 * Scrape key (BEP 48, BEP 15) at the first usable tracker it would be
 * announced to (a zero-metadata key: only the configured ones).  cb gets
 * the counts, or NULL when no tracker answered; it is not called once
 * tracker_scrape_cancel() or the client's stopping came first.  0, or
 * -ENOENT when no tracker may be asked, -ENOMEM.
 */
struct trk_scrape;
int	 tracker_scrape(const uint8_t key[20],
	    void (*cb)(void *, const struct trk_scrape *), void *arg);
void	 tracker_scrape_cancel(void (*cb)(void *, const struct trk_scrape *),
	    void *arg);

struct tracker_stats {
	uint64_t	 announces;	/* requests sent, all trackers */
	uint64_t	 answered;
	uint64_t	 failed;
	uint64_t	 peers;		/* peers handed on */
	uint64_t	 peers_refused;	/* not dialable, or ourselves */
	unsigned	 swarms;	/* keys being announced */
	unsigned	 trackers;
	unsigned	 absent;	/* trackers skipped for now */
};
void	 tracker_get_stats(struct tracker_stats *);

#endif
