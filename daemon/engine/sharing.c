/* SPDX-License-Identifier: ISC */
/*
 * sharing.c - start, reconfigure, pause and stop the peer side.
 *
 * The cache tells us what this machine holds (the observer below); the
 * announcer (announce.h) tells us where other daemons are.  Everything
 * else is done by the modules this file only starts and stops.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/identity.h"
#include "common/log.h"
#include "daemon/share/announce.h"
#include "daemon/share/bandwidth.h"
#include "daemon/base/cache.h"
#include "daemon/share/choker.h"
#include "daemon/base/conf.h"
#include "daemon/share/link.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/pex.h"
#include "daemon/engine/sharing.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"


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

int
sharing_init(struct event_base *base)
{
	char		err[256], path[PATH_MAX];
	struct ident	id;
	int		rc;

	/* Who we are to other daemons: the same key across restarts. */
	if (snprintf(path, sizeof(path), "%s/identity", conf.state_dir) >=
	    (int)sizeof(path)) {
		log_warnx("peers: state_dir too long");
		return -1;
	}
	if ((rc = ident_load(&id, path)) != 0) {
		log_warnx("peers: cannot read or create the key pair %s: %s",
		    path, rc == -EBADMSG ? "not a key file" : strerror(-rc));
		return -1;
	}
	rc = peer_init(base, &peermgr_peer_events, &id);
	sodium_memzero(&id, sizeof(id));
	if (rc != 0 || swarm_init() != 0 ||
	    peermgr_init(base) != 0 || pex_init(base) != 0 ||
	    bw_init(base) != 0 || announce_init(base) != 0)
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
	announce_apply();
	return 0;
}

void
sharing_reload(void)
{
	char	err[256];

	if (peermgr_configure(err, sizeof(err)) != 0)
		log_warnx("peers: %s", err);
	sharing_limits();
	announce_apply();
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
	announce_apply();
}

bool
sharing_stop(void (*done)(void *), void *arg)
{
	return announce_stop(done, arg);
}

void
sharing_shutdown(void)
{
	announce_shutdown();
	cache_set_observer(NULL);
	peermgr_shutdown();
	peer_shutdown();
	pex_shutdown();
	choker_shutdown();
	bw_shutdown();
	swarm_shutdown();
}
