/* SPDX-License-Identifier: ISC */
/*
 * announce.c - the announcer (announce.h): LAN discovery and trackers
 * behind one interface.
 *
 * What a backend hears goes to the peer manager: a site daemon's presence
 * adds it as a daemon peer; a standard client in a swarm we take part in
 * is dialled for that swarm.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/lsdmsg.h"
#include "daemon/share/announce.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/share/lsd.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/base/scope.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"
#include "daemon/share/tracker.h"
#include "daemon/meta/torrents.h"

/*
 * BEP 14: a swarm is announced again every five minutes.  The swarms
 * joined are walked a few a second, never more than REANNOUNCE_PER_S
 * keys, so 10,000 seeded files make no burst: lsd.c sends one datagram
 * a second of some 25 keys, and this leaves room for swarms being joined
 * (a round of 10,000 keys takes 500 s instead of 300).  For tests only,
 * the environment variable REANNOUNCE_ENV shortens the interval
 * (seconds, 1 to 300).
 */
#define REANNOUNCE_S		300
#define REANNOUNCE_PER_S	20
#define REANNOUNCE_ENV		"APTBTD_TEST_LSD_INTERVAL"
/*
 * Announces for keys we are not (yet) in: a fetch learns its torrent's
 * keys only once it starts, and a client announces every five minutes.
 * The last EARLY_MAX are kept EARLY_KEEP_MS and dialled when we join.
 */
#define EARLY_MAX		64
#define EARLY_KEEP_MS		60000

struct early {
	uint8_t			 key[LSD_KEY_LEN];
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	uint64_t		 at;		/* ms */
};

static struct event_base	*an_base;
static bool			 lsd_running;
static uint16_t			 lsd_port;	/* the port LSD announces */
static char			*an_trackers;	/* "trackers" last applied */
static struct event		*walk_ev;
static unsigned			 reannounce_s = REANNOUNCE_S;
static size_t			 walk_pos;	/* torrents_next() cursor */
static uint64_t			 round_at;	/* ms: this round began */
static struct early		 early[EARLY_MAX];
static size_t			 nearly;

/* Remember an announce for a key we are not in; the oldest makes room. */
static void
early_remember(const uint8_t *key, const struct sockaddr_storage *ss,
    socklen_t len)
{
	size_t	i, slot = 0;

	for (i = 0; i < nearly; i++) {
		if (memcmp(early[i].key, key, LSD_KEY_LEN) == 0 &&
		    memcmp(&early[i].ss, ss, len) == 0) {
			slot = i;
			break;
		}
		if (early[i].at < early[slot].at)
			slot = i;
	}
	if (i == nearly && nearly < EARLY_MAX)
		slot = nearly++;
	memcpy(early[slot].key, key, LSD_KEY_LEN);
	memcpy(&early[slot].ss, ss, len);
	early[slot].len = len;
	early[slot].at = clock_ms();
}

/* We joined the swarm of key: dial whoever announced it lately. */
static void
early_join(const uint8_t *key)
{
	uint64_t	now = clock_ms();
	size_t		i = 0;

	while (i < nearly) {
		if (memcmp(early[i].key, key, LSD_KEY_LEN) != 0) {
			i++;
			continue;
		}
		if (now - early[i].at <= EARLY_KEEP_MS) {
			log_debug("lsd: a peer announced a swarm before we "
			    "joined it: dialling");
			peermgr_connect_key((struct sockaddr *)&early[i].ss,
			    early[i].len, key, PEER_SRC_LSD,
			    (struct sockaddr *)&early[i].ss);
		}
		early[i] = early[--nearly];
	}
}

/* Someone announced on the LAN: a daemon, or a client in our swarm. */
static void
lsd_heard(const struct sockaddr *from, socklen_t fromlen, uint16_t port,
    const uint8_t (*keys)[LSD_KEY_LEN], size_t nkeys, void *arg)
{
	struct sockaddr_storage	ss;
	size_t			i;

	if (fromlen > sizeof(ss))
		return;
	memcpy(&ss, from, fromlen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	else
		return;
	for (i = 0; i < nkeys; i++) {
		if (memcmp(keys[i], lsd_presence_key, LSD_KEY_LEN) == 0)
			peermgr_add((struct sockaddr *)&ss, fromlen,
			    PEER_SRC_LSD);
		else if (swarm_find(keys[i], true) != NULL)
			peermgr_connect_key((struct sockaddr *)&ss, fromlen,
			    keys[i], PEER_SRC_LSD, from);
		else
			early_remember(keys[i], &ss, fromlen);
	}
}

/* A tracker named a peer: a daemon (presence) or a member of a swarm. */
static void
tracker_heard(const struct sockaddr *sa, socklen_t salen,
    const uint8_t key[20], bool presence)
{
	if (presence)
		peermgr_add(sa, salen, PEER_SRC_TRACKER);
	else if (swarm_find(key, true) != NULL)
		/*
		 * The tracker does not tell us which tracker spoke: each
		 * address counts as its own teller, under the global rate.
		 */
		peermgr_connect_key(sa, salen, key, PEER_SRC_TRACKER, sa);
}

/* A swarm we are in: its file is cached and shared, or being fetched. */
static bool
joined(const struct torrent *t)
{
	const struct cache_entry *e = cache_lookup(t->sha256);

	return e != NULL ? !e->private : swarm_find_sha256(t->sha256) != NULL;
}

/* A file we seed under its torrent's info-hashes. */
static void
announce_torrent(const struct torrent *t, void *arg)
{
	uint8_t	keys[2][20];
	size_t	n = 0;

	if (!joined(t))
		return;
	memcpy(keys[n++], t->ih1, 20);
	if (t->has_v2)
		memcpy(keys[n++], t->ih2, 20);
	announce_keys((const uint8_t (*)[20])keys, n);
}

static void
seed_again(const uint8_t *sha256, uint64_t size, void *arg)
{
	tracker_file(sha256, size, false);
}

static void
walk_arm(uint64_t ms)
{
	struct timeval	tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(walk_ev, &tv);
}

/*
 * One second's share of the round: ceil(torrents / interval) keys, at
 * most REANNOUNCE_PER_S (a hybrid torrent's two keys may overshoot by
 * one); once the round is through, sleep until the next.
 */
static void
walk_cb(evutil_socket_t fd, short what, void *arg)
{
	const struct torrent	*t;
	uint64_t		 now = clock_ms(), period = reannounce_s * 1000ULL;
	size_t			 quota, done = 0;

	if (!lsd_running)
		return;
	if (walk_pos == 0)
		round_at = now;
	quota = (torrents_count() + reannounce_s - 1) / reannounce_s;
	if (quota > REANNOUNCE_PER_S)
		quota = REANNOUNCE_PER_S;
	while (done < quota || quota == 0) {
		if ((t = torrents_next(&walk_pos)) == NULL) {
			walk_pos = 0;
			walk_arm(now - round_at < period ?
			    period - (now - round_at) : 1000);
			return;
		}
		if (joined(t)) {
			announce_torrent(t, NULL);
			done += t->has_v2 ? 2 : 1;	/* keys */
		}
	}
	walk_arm(1000);
}

static void
lsd_stop(void)
{
	if (lsd_running)
		lsd_shutdown();
	lsd_running = false;
	if (walk_ev != NULL)
		evtimer_del(walk_ev);
}

int
announce_init(struct event_base *base)
{
	const char	*env = getenv(REANNOUNCE_ENV);
	char		*end;
	unsigned long	 v;

	an_base = base;
	if (env != NULL) {
		v = strtoul(env, &end, 10);
		if (*env == '\0' || *end != '\0' || v < 1 || v > REANNOUNCE_S)
			log_warnx("%s=%s: not 1 to %d seconds, ignored",
			    REANNOUNCE_ENV, env, REANNOUNCE_S);
		else {
			reannounce_s = (unsigned)v;
			lsd_set_key_interval(v * 1000);
		}
	}
	if ((walk_ev = evtimer_new(base, walk_cb, NULL)) == NULL)
		return -ENOMEM;
	return tracker_init(base, tracker_heard);
}

void
announce_apply(void)
{
	bool	want = conf.lsd && !state.paused && !scope_off();

	/* The listening port moved (reload): announce the new one. */
	if (lsd_running && lsd_port != peermgr_listen_port())
		lsd_stop();
	if (want && !lsd_running) {
		lsd_port = peermgr_listen_port();
		if (lsd_init(an_base, lsd_port, lsd_heard, NULL) == 0) {
			lsd_presence(lsd_presence_key);
			lsd_running = true;
			/* Every swarm now, paced as the rounds that follow. */
			walk_pos = 0;
			walk_arm(0);
		}
	} else if (!want)
		lsd_stop();
	tracker_apply(!state.paused && !scope_off(), peermgr_listen_port());
	/* New trackers of our own: the files held so far are news to them. */
	if (an_trackers == NULL || strcmp(an_trackers, conf.trackers != NULL ?
	    conf.trackers : "") != 0) {
		if (an_trackers != NULL)
			swarm_index_foreach(seed_again, NULL);
		free(an_trackers);
		an_trackers = strdup(conf.trackers != NULL ? conf.trackers : "");
	}
}

bool
announce_stop(void (*done)(void *), void *arg)
{
	return tracker_stop(done, arg);
}

void
announce_shutdown(void)
{
	lsd_stop();
	if (walk_ev != NULL)
		event_free(walk_ev);
	walk_ev = NULL;
	nearly = 0;
	tracker_shutdown();
	free(an_trackers);
	an_trackers = NULL;
}

void
announce_file(const uint8_t sha256[32], uint64_t size, bool fetching)
{
	tracker_file(sha256, size, fetching);
}

void
announce_file_gone(const uint8_t sha256[32])
{
	tracker_file_gone(sha256);
}


void
announce_keys(const uint8_t (*keys)[20], size_t nkeys)
{
	size_t	i;

	if (!lsd_running)
		return;
	lsd_announce((const uint8_t (*)[LSD_KEY_LEN])keys, nkeys);
	for (i = 0; i < nkeys && nearly > 0; i++)
		early_join(keys[i]);
}
