/* SPDX-License-Identifier: ISC */
/*
 * metrics.c - /metrics in the Prometheus text exposition format 0.0.4.
 *
 * Names follow Prometheus' conventions: an aptbt_ prefix, base units
 * (bytes, seconds), _total on counters, one HELP and one TYPE line per
 * family.  Label values are escaped as the format says (backslash,
 * double quote, line feed); mirror URLs come from apt and the config.
 * aptbtd-metrics(7) lists the families.
 */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>

#include "daemon/base/trkstats.h"
#include "daemon/base/webseed.h"
#include "daemon/engine/report.h"
#include "daemon/web/render.h"

static void
family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
label_put(struct evbuffer *b, const char *v)
{
	const char	*run = v;

	for (; *v != '\0'; v++) {
		const char *e = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" :
		    *v == '\n' ? "\\n" : NULL;

		if (e == NULL)
			continue;
		evbuffer_add(b, run, (size_t)(v - run));
		evbuffer_add(b, e, 2);
		run = v + 1;
	}
	evbuffer_add(b, run, (size_t)(v - run));
}

static void
sample(struct evbuffer *b, const char *name, const char *label,
    const char *value, uint64_t n)
{
	evbuffer_add(b, name, strlen(name));
	if (label != NULL) {
		evbuffer_add_printf(b, "{%s=\"", label);
		label_put(b, value);
		evbuffer_add(b, "\"}", 2);
	}
	evbuffer_add_printf(b, " %llu\n", (unsigned long long)n);
}

struct file_counts {
	uint64_t	fetching, seeding;
};

static bool
count_file(const struct report_file *f, void *arg)
{
	struct file_counts	*c = arg;

	if (f->state[0] == 'f')
		c->fetching++;
	else
		c->seeding++;
	return true;
}

/* One family of per-mirror samples: field is read from each mirror. */
struct mirror_family {
	struct evbuffer	*b;
	const char	*name;
	size_t		 field;
	bool		 up;
};

static void
put_mirror(const struct ws_mirror_stats *m, void *arg)
{
	struct mirror_family	*f = arg;
	uint64_t		 v;

	if (f->up)
		v = m->backoff_until == 0;
	else
		memcpy(&v, (const char *)m + f->field, sizeof(v));
	sample(f->b, f->name, "mirror", m->name, v);
}

static void
mirrors(struct evbuffer *b)
{
	static const struct {
		const char	*name, *type, *help;
		size_t		 field;
		bool		 up;
	} fams[] = {
		{ "aptbt_mirror_bytes_total", "counter",
		    "Bytes fetched from a mirror.",
		    offsetof(struct ws_mirror_stats, bytes), false },
		{ "aptbt_mirror_requests_total", "counter",
		    "Transfers started from a mirror.",
		    offsetof(struct ws_mirror_stats, requests), false },
		{ "aptbt_mirror_errors_total", "counter",
		    "Transfers from a mirror that failed.",
		    offsetof(struct ws_mirror_stats, errors), false },
		{ "aptbt_mirror_up", "gauge",
		    "1 if the mirror is used, 0 while it is backed off after "
		    "failures.", 0, true },
	};
	struct mirror_family	f;
	size_t			i;

	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		family(b, fams[i].name, fams[i].type, fams[i].help);
		f.b = b;
		f.name = fams[i].name;
		f.field = fams[i].field;
		f.up = fams[i].up;
		ws_mirror_foreach(put_mirror, &f);
	}
}

/* A tracker cluster's gossip datagrams, by what became of them. */
static void
gossip(struct evbuffer *b, const struct trkstats_cluster *c)
{
	const struct {
		const char	*verdict;
		uint64_t	 n;
	} v[] = {
		{ "accepted", c->accepted }, { "forged", c->forged },
		{ "replayed", c->replayed }, { "stale", c->stale },
		{ "old_run", c->old_run }, { "malformed", c->malformed },
		{ "unknown", c->unknown }, { "over_rate", c->over_rate },
	};
	size_t	i;

	family(b, "aptbt_tracker_gossip_packets_total", "counter",
	    "Gossip datagrams from the tracker cluster, by what became of "
	    "them.");
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		sample(b, "aptbt_tracker_gossip_packets_total", "verdict",
		    v[i].verdict, v[i].n);
}

/* The embedded tracker's families, only when it runs. */
static void
tracker(struct evbuffer *b)
{
	struct trkstats	st;

	if (!trkstats_get(&st))
		return;
	family(b, "aptbt_tracker_swarms", "gauge",
	    "Swarms the embedded tracker knows.");
	sample(b, "aptbt_tracker_swarms", NULL, NULL, st.swarms);
	family(b, "aptbt_tracker_peers", "gauge",
	    "Peers the embedded tracker knows, by address family.");
	sample(b, "aptbt_tracker_peers", "family", "ipv4", st.peers4);
	sample(b, "aptbt_tracker_peers", "family", "ipv6", st.peers6);
	family(b, "aptbt_tracker_memory_bytes", "gauge",
	    "Bytes of swarm state, and its bound.");
	sample(b, "aptbt_tracker_memory_bytes", "kind", "used", st.mem_used);
	sample(b, "aptbt_tracker_memory_bytes", "kind", "max", st.mem_max);
	family(b, "aptbt_tracker_requests_total", "counter",
	    "Requests to the embedded tracker, by transport.");
	sample(b, "aptbt_tracker_requests_total", "transport", "http",
	    st.http_requests);
	sample(b, "aptbt_tracker_requests_total", "transport", "udp",
	    st.udp_requests);
	family(b, "aptbt_tracker_refused_total", "counter",
	    "Requests the embedded tracker refused, by why.");
	sample(b, "aptbt_tracker_refused_total", "why", "malformed",
	    st.malformed);
	sample(b, "aptbt_tracker_refused_total", "why", "rate", st.rate_limited);
	sample(b, "aptbt_tracker_refused_total", "why", "memory", st.refused);
	if (st.cluster.self[0] != '\0')
		gossip(b, &st.cluster);
}

void
render_metrics(struct evbuffer *b)
{
	struct report_status	r;
	struct file_counts	fc = { 0, 0 };

	report_status(&r);
	report_swarms(count_file, &fc);

	family(b, "aptbt_bytes_total", "counter", "Bytes received for apt, "
	    "by where they came from (cache: served from the local cache).");
	sample(b, "aptbt_bytes_total", "source", "peers", r.bytes_from_peers);
	sample(b, "aptbt_bytes_total", "source", "mirrors",
	    r.bytes_from_mirrors);
	sample(b, "aptbt_bytes_total", "source", "cache", r.bytes_from_cache);
	family(b, "aptbt_uploaded_bytes_total", "counter",
	    "Bytes sent to peers.");
	sample(b, "aptbt_uploaded_bytes_total", NULL, NULL, r.bytes_to_peers);
	family(b, "aptbt_peers", "gauge", "Peer connections open.");
	sample(b, "aptbt_peers", NULL, NULL, r.peers);
	family(b, "aptbt_daemons", "gauge", "Other aptbt daemons known.");
	sample(b, "aptbt_daemons", NULL, NULL, r.daemons);
	family(b, "aptbt_downloads", "gauge", "Download jobs running.");
	sample(b, "aptbt_downloads", NULL, NULL, r.downloads);
	family(b, "aptbt_swarms", "gauge", "Files open for peers.");
	sample(b, "aptbt_swarms", NULL, NULL, r.swarms);
	family(b, "aptbt_files", "gauge", "Files by state: fetching and "
	    "seeding (open swarms), cached (all files in the cache).");
	sample(b, "aptbt_files", "state", "fetching", fc.fetching);
	sample(b, "aptbt_files", "state", "seeding", fc.seeding);
	sample(b, "aptbt_files", "state", "cached", r.files);
	family(b, "aptbt_cache_bytes", "gauge", "Bytes in the cache.");
	sample(b, "aptbt_cache_bytes", NULL, NULL, r.cache_bytes);
	family(b, "aptbt_cache_quota_bytes", "gauge", "The cache's quota.");
	sample(b, "aptbt_cache_quota_bytes", NULL, NULL, r.cache_quota);
	family(b, "aptbt_paused", "gauge", "1 while transfers are paused.");
	sample(b, "aptbt_paused", NULL, NULL, r.paused);
	family(b, "aptbt_download_limit_bytes_per_second", "gauge",
	    "The download limit in force (0: none).");
	sample(b, "aptbt_download_limit_bytes_per_second", NULL, NULL,
	    r.download_limit);
	family(b, "aptbt_upload_limit_bytes_per_second", "gauge",
	    "The upload limit in force (0: none).");
	sample(b, "aptbt_upload_limit_bytes_per_second", NULL, NULL,
	    r.upload_limit);
	mirrors(b);
	tracker(b);
	family(b, "aptbt_build_info", "gauge", "The running version.");
	sample(b, "aptbt_build_info", "version", APTBT_VERSION, 1);
	family(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch in seconds.");
	sample(b, "process_start_time_seconds", NULL, NULL,
	    (uint64_t)r.started);
}
