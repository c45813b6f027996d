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

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

static struct event_base	*an_base;
static bool			 lsd_running;
static uint16_t			 lsd_port;	/* the port LSD announces */
static char			*an_trackers;	/* "trackers" last applied */

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

/* A file we seed under its torrent's info-hashes. */
static void
announce_torrent(const struct torrent *t, void *arg)
{
	uint8_t	keys[2][20];
	size_t	n = 0;

	const struct cache_entry *e = cache_lookup(t->sha256);

	if (e == NULL || e->private)
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
lsd_stop(void)
{
	if (lsd_running)
		lsd_shutdown();
	lsd_running = false;
}

int
announce_init(struct event_base *base)
{
	an_base = base;
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
			torrents_foreach(announce_torrent, NULL);
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
	if (lsd_running)
		lsd_announce((const uint8_t (*)[LSD_KEY_LEN])keys, nkeys);
}
