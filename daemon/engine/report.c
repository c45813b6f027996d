/* SPDX-License-Identifier: ISC */
/*
 * report.c - one reading of the daemon's counters and lists for every
 * front end (control socket, status page, metrics).
 */
#include "config.h"

#include <sys/queue.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/hash.h"
#include "daemon/base/cache.h"
#include "daemon/base/scope.h"
#include "daemon/base/state.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"
#include "daemon/engine/report.h"
#include "daemon/meta/torrents.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/swarm.h"

void
report_status(struct report_status *r)
{
	struct cache_stats	cs;

	cache_get_stats(&cs);
	r->bytes_from_cache = state.bytes_from_cache;
	r->bytes_from_mirrors = state.bytes_from_mirrors;
	r->bytes_from_peers = state.bytes_from_peers;
	r->bytes_to_peers = state.bytes_to_peers;
	r->daemons = (unsigned)peermgr_ndaemons();
	r->downloads = fetch_njobs();
	r->peers = peer_count();
	r->swarms = swarm_count();
	r->files = cs.count;
	r->cache_bytes = cs.bytes;
	r->cache_quota = cs.quota;
	r->paused = state.paused;
	r->download_limit = state.download_limit;
	r->upload_limit = state.upload_limit;
	r->share = scope_describe();
	r->started = state.started_at;
	r->uptime_s = (int64_t)(clock_s() - state.started);
}

struct files_walk {
	bool		(*cb)(const struct report_file *, void *);
	void		*arg;
	bool		 stopped;
	uint8_t		(*open)[SHA256_LEN];	/* sorted keys of open swarms */
	size_t		 nopen, cap;
};

static void
walk_swarm(struct swarm *s, void *arg)
{
	struct files_walk	*w = arg;
	struct swarm_stats	 st;
	struct report_file	 f;

	if (w->stopped)
		return;
	swarm_get_stats(s, &st);
	if (w->nopen < w->cap)
		memcpy(w->open[w->nopen++], st.sha256, SHA256_LEN);
	f.sha256 = st.sha256;
	f.size = st.size;
	f.have = st.have_bytes;
	f.state = st.seeding ? "seeding" : "fetching";
	f.peers = st.nlinks;
	f.from_peers = st.from_peers;
	f.to_peers = st.to_peers;
	w->stopped = !w->cb(&f, w->arg);
}

const char *
report_file_mode(const uint8_t *sha256)
{
	return torrents_by_sha256(sha256) != NULL ? "metadata" :
	    "zero-metadata";
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SHA256_LEN);
}

static bool
walk_cached_slow(const struct cache_entry *e, void *arg)
{
	struct files_walk	*w = arg;
	struct report_file	 f = { e->sha256, e->size, e->size, "cached",
	    0, 0, 0 };

	/* "Every file the daemon shares": a private one is not. */
	if (e->private || swarm_find_sha256(e->sha256) != NULL)
		return true;
	w->stopped = !w->cb(&f, w->arg);
	return !w->stopped;
}

static bool
walk_cached(const struct cache_entry *e, void *arg)
{
	struct files_walk	*w = arg;
	struct report_file	 f = { e->sha256, e->size, e->size, "cached",
	    0, 0, 0 };

	/*
	 * A file with an open swarm was listed with its traffic already; a
	 * private one is not shared.
	 */
	if (e->private)
		return true;
	if (w->nopen > 0 && bsearch(e->sha256, w->open, w->nopen, SHA256_LEN,
	    key_cmp) != NULL)
		return true;
	w->stopped = !w->cb(&f, w->arg);
	return !w->stopped;
}

void
report_swarms(bool (*cb)(const struct report_file *, void *), void *arg)
{
	struct files_walk	w = { cb, arg, false, NULL, 0, 0 };

	swarm_foreach(walk_swarm, &w);
}

/*
 * The swarms' keys are sorted once, so telling which cached files were
 * listed already costs a binary search each, not a walk of the swarms.
 */
void
report_files(bool (*cb)(const struct report_file *, void *), void *arg)
{
	struct files_walk	w = { cb, arg, false, NULL, 0, 0 };
	unsigned		n = swarm_count();

	if (n > 0 && (w.open = calloc(n, SHA256_LEN)) == NULL) {
		/* Without memory for the keys, the slow way. */
		swarm_foreach(walk_swarm, &w);
		if (!w.stopped)
			cache_foreach(walk_cached_slow, &w);
		return;
	}
	w.cap = n;
	swarm_foreach(walk_swarm, &w);
	if (w.nopen > 0)
		qsort(w.open, w.nopen, SHA256_LEN, key_cmp);
	if (!w.stopped)
		cache_foreach(walk_cached, &w);
	free(w.open);
}

/* Where a peer came from: its name and its letter in "flags". */
static const struct {
	const char	*name;
	char		 flag;
} sources[] = {
	[PEER_SRC_INCOMING] = { "incoming", '\0' },
	[PEER_SRC_CONFIG] = { "config", 'S' },
	[PEER_SRC_CTL] = { "ctl", 'C' },
	[PEER_SRC_LSD] = { "lsd", 'L' },
	[PEER_SRC_PEX] = { "pex", 'X' },
	[PEER_SRC_TRACKER] = { "tracker", 'T' },
};

struct peers_walk {
	void	(*cb)(const struct report_peer *, void *);
	void	*arg;
};

static void
walk_peer(struct peer *p, void *arg)
{
	struct peers_walk	*w = arg;
	struct report_peer	 r;
	enum peer_source	 src = peer_source(p);
	size_t			 n = 0;

	peer_get_stats(p, &r.st);
	if (r.st.daemon)
		r.flags[n++] = 'D';
	r.flags[n++] = r.st.outgoing ? 'O' : 'I';
	if (!peer_ready(p))
		r.flags[n++] = 'H';
	if (peer_near(p))
		r.flags[n++] = 'N';
	if (sources[src].flag != '\0')
		r.flags[n++] = sources[src].flag;
	r.flags[n] = '\0';
	r.source = sources[src].name;
	w->cb(&r, w->arg);
}

void
report_peers(void (*cb)(const struct report_peer *, void *), void *arg)
{
	struct peers_walk	w = { cb, arg };

	peer_foreach(walk_peer, &w);
}

void
report_downloads(void (*cb)(const struct report_download *, void *),
    void *arg)
{
	struct job		*j;
	struct waiter		*wt;
	struct report_download	 d;
	size_t			 i;

	TAILQ_FOREACH(j, &jobtab.list, entry) {
		d.url = j->url != NULL ? j->url : "";
		d.sha256_hex = j->hashed ? j->hex : "";
		d.size = j->size;
		d.have = j->size >= 0 ? j->prefix : j->seq;
		d.from_peers = j->peer_bytes;
		d.mirrors = 0;
		for (i = 0; i < j->nsrc; i++)
			if (!j->src[i].dead && !j->src[i].extra)
				d.mirrors++;
		d.requesters = 0;
		TAILQ_FOREACH(wt, &j->waiters, entry)
			d.requesters++;
		cb(&d, arg);
	}
}
