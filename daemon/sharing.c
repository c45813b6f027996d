/*
 * sharing.c - start, reconfigure, pause and stop the peer side.
 *
 * The cache tells us what this machine holds (the observer below); LAN
 * discovery tells us where other daemons are.  Everything else is done by
 * the modules this file only starts and stops.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "common/lsdmsg.h"
#include "common/log.h"
#include "daemon/bandwidth.h"
#include "daemon/cache.h"
#include "daemon/choker.h"
#include "daemon/conf.h"
#include "daemon/link.h"
#include "daemon/lsd.h"
#include "daemon/peer.h"
#include "daemon/peermgr.h"
#include "daemon/pex.h"
#include "daemon/scope.h"
#include "daemon/sharing.h"
#include "daemon/state.h"
#include "daemon/swarm.h"
#include "daemon/torrents.h"

static struct event_base	*sh_base;
static bool			 lsd_running;
static uint16_t			 lsd_port;	/* the port LSD announces */

/* The cache gained or lost a file: index it and tell the daemons. */
static void
cache_changed(const uint8_t *sha256, uint64_t size, bool present)
{
	if (present) {
		swarm_index_add(sha256, size);
		peermgr_notify(sha256, PEERMGR_HAVE);
	} else {
		swarm_index_remove(sha256);
		peermgr_notify(sha256, PEERMGR_DROP);
	}
}

/* Another daemon announced itself on the LAN: connect to it. */
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
		/* A client in a swarm we take part in: join it there. */
		else if (swarm_find(keys[i], true) != NULL)
			peermgr_connect_key((struct sockaddr *)&ss, fromlen,
			    keys[i], PEER_SRC_LSD);
	}
}

static void
announce_torrent(const struct torrent *t, void *arg)
{
	uint8_t	keys[2][LSD_KEY_LEN];
	size_t	n = 0;

	if (cache_lookup(t->sha256) == NULL)
		return;
	memcpy(keys[n++], t->ih1, LSD_KEY_LEN);
	if (t->has_v2)
		memcpy(keys[n++], t->ih2, LSD_KEY_LEN);
	lsd_announce((const uint8_t (*)[LSD_KEY_LEN])keys, n);
}

static void
lsd_apply(void)
{
	bool	want = conf.lsd && !state.paused && !scope_off();

	/* The listening port moved (reload): announce the new one. */
	if (lsd_running && lsd_port != peermgr_listen_port()) {
		lsd_shutdown();
		lsd_running = false;
	}
	if (want && !lsd_running) {
		lsd_port = peermgr_listen_port();
		if (lsd_init(sh_base, lsd_port, lsd_heard, NULL) == 0) {
			lsd_presence(lsd_presence_key);
			lsd_running = true;
			/* Files we seed under a torrent's info-hash. */
			torrents_foreach(announce_torrent, NULL);
		}
	} else if (!want && lsd_running) {
		lsd_shutdown();
		lsd_running = false;
	}
}

int
sharing_init(struct event_base *base)
{
	char	err[256];

	sh_base = base;
	if (peer_init(base) != 0 || swarm_init() != 0 ||
	    peermgr_init(base) != 0 || pex_init(base) != 0 ||
	    bw_init(base) != 0)
		return -1;
	bw_set_round_end(link_flush_all);
	choker_init(base);
	sharing_limits();
	/* Entries already indexed (none yet: the scan runs on a worker). */
	cache_set_observer(cache_changed);
	if (peermgr_configure(err, sizeof(err)) != 0)
		log_warnx("peers: %s", err);
	if (state.paused) {
		peermgr_pause(true);
		choker_pause(1);
	}
	lsd_apply();
	return 0;
}

void
sharing_reload(void)
{
	char	err[256];

	if (peermgr_configure(err, sizeof(err)) != 0)
		log_warnx("peers: %s", err);
	sharing_limits();
	lsd_apply();
}

void
sharing_limits(void)
{
	peer_set_limits(state.download_limit, state.upload_limit);
	bw_set_global(state.download_limit, state.upload_limit);
	bw_set_peer_default(conf.peer_download_limit, conf.peer_upload_limit);
}

void
sharing_pause(bool paused)
{
	choker_pause(paused);
	peermgr_pause(paused);
	lsd_apply();
}

void
sharing_shutdown(void)
{
	if (lsd_running)
		lsd_shutdown();
	lsd_running = false;
	cache_set_observer(NULL);
	peermgr_shutdown();
	peer_shutdown();
	pex_shutdown();
	choker_shutdown();
	bw_shutdown();
	swarm_shutdown();
}
