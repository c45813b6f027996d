/* SPDX-License-Identifier: ISC */
/*
 * engine.c - start and stop the download engine's modules in order.
 *
 * Shutdown order matters: transfers stop and requesters hear about it
 * first, then the workers drain (their done functions still find every
 * job), then the jobs, mirrors and cache index are freed.
 */
#include "config.h"

#include <string.h>

#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/meta/discover.h"
#include "daemon/meta/metadata.h"
#include "daemon/meta/torrents.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/fetch.h"
#include "daemon/base/webseed.h"
#include "daemon/base/workers.h"

int
engine_init(struct event_base *base)
{
	int	rc;

	if ((rc = workers_init(base, WORKERS_DEFAULT)) < 0) {
		log_warnx("engine: worker threads: %s", strerror(-rc));
		return rc;
	}
	if ((rc = webseed_init(base)) < 0) {
		log_warnx("engine: libcurl: %s", strerror(-rc));
		workers_shutdown();
		return rc;
	}
	if ((rc = webseed_set_mirrors(conf.mirrors)) < 0 ||
	    (rc = cache_init(conf.cache_dir, conf.cache_size)) < 0 ||
	    (rc = metadata_init(base, conf.state_dir)) < 0 ||
	    (rc = torrents_init(conf.state_dir)) < 0 ||
	    (rc = fetch_init(base)) < 0) {
		log_warnx("engine: cache %s: %s", conf.cache_dir,
		    strerror(-rc));
		workers_shutdown();
		webseed_shutdown();
		cache_shutdown();
		return rc;
	}
	return 0;
}

void
engine_reload(void)
{
	if (webseed_set_mirrors(conf.mirrors) < 0)
		log_warnx("engine: cannot apply the mirror list");
	cache_set_quota(conf.cache_size);
}

void
engine_shutdown(void)
{
	fetch_stop();
	discover_shutdown();
	workers_shutdown();
	fetch_shutdown();
	metadata_shutdown();
	webseed_shutdown();
	torrents_shutdown();
	cache_shutdown();
}
