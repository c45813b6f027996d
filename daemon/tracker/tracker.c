/* SPDX-License-Identifier: ISC */
/*
 * tracker.c - the embedded tracker's glue: configuration, the store, the
 * rate limits, the expiry timer, the counters the front ends read.
 *
 * One timer ticks every TICK_S seconds: it measures requests a second
 * over the last tick and, every EXPIRE_S, drops the peers that stopped
 * announcing.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/base/conf.h"
#include "daemon/tracker/cluster.h"
#include "daemon/tracker/ratelimit.h"
#include "daemon/tracker/tracker.h"
#include "daemon/tracker/trkserver.h"

#define TICK_S		10
#define EXPIRE_S	30

struct trk_state	 trk;

static struct event	*tick_ev;
static bool		 key_set;
static uint64_t		 last_http, last_udp, last_tick_ms;
static uint32_t		 last_expire;

uint32_t
trk_now(void)
{
	return (uint32_t)clock_s();
}

bool
trk_addr16(const struct sockaddr *sa, uint8_t out[16])
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &sin6->sin6_addr, 16);
		return true;
	}
	return false;
}

bool
trk_peer_of(const struct sockaddr *sa, uint16_t port, bool seed,
    struct swarms_peer *p)
{
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t			a[16];

	if (!trk_addr16(sa, a))
		return false;
	memset(p, 0, sizeof(*p));
	p->port = port;
	p->seed = seed;
	if (memcmp(a, mapped, 12) == 0) {
		p->family = 4;
		memcpy(p->addr, a + 12, 4);
	} else {
		p->family = 6;
		memcpy(p->addr, a, 16);
	}
	return true;
}

bool
trk_admit(const struct sockaddr *sa, bool udp)
{
	uint8_t	a[16];

	if (udp)
		trk.n.udp_requests++;
	else
		trk.n.http_requests++;
	/* No limit: no clock read, no table, at every packet. */
	if (trk.rate == 0)
		return true;
	if (!trk_addr16(sa, a) || ratelimit_take(trk.rl, a, clock_ms()))
		return true;
	trk.n.rate_limited++;
	return false;
}

size_t
trk_numwant(int64_t asked)
{
	if (asked < 0)
		asked = TRK_NUMWANT_DEFAULT;
	return (size_t)asked < trk.numwant_max ? (size_t)asked :
	    trk.numwant_max;
}

static void
fill(struct trkstats *st)
{
	struct swarms_stats	s;

	*st = trk.n;
	swarms_stats(trk.swarms, &s);
	st->port = trk.port;
	st->swarms = s.swarms;
	st->peers4 = s.peers4;
	st->peers6 = s.peers6;
	st->seeds = s.seeds;
	st->learned = s.learned;
	st->mem_used = s.mem_used;
	st->mem_max = s.mem_max;
	st->mem_other = ratelimit_bytes(trk.rl);
	st->refused = s.refused;
	st->evicted = s.evicted;
	st->expired = s.expired;
	st->interval = trk.interval;
	st->peer_ttl = trk.ttl;
	st->numwant_max = trk.numwant_max;
	st->rate = trk.rate;
	cluster_fill(&st->cluster);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	now_ms = clock_ms(), dt = now_ms - last_tick_ms;
	uint32_t	now = trk_now();

	(void)fd;
	(void)what;
	(void)arg;
	if (dt > 0) {
		trk.n.http_rps_milli = (uint32_t)((trk.n.http_requests -
		    last_http) * 1000000 / dt);
		trk.n.udp_rps_milli = (uint32_t)((trk.n.udp_requests -
		    last_udp) * 1000000 / dt);
	}
	last_http = trk.n.http_requests;
	last_udp = trk.n.udp_requests;
	last_tick_ms = now_ms;
	if (now - last_expire >= EXPIRE_S) {
		swarms_expire(trk.swarms, now);
		last_expire = now;
	}
}

/* The settings of conf, into trk (the store and the buckets too). */
static void
configure(void)
{
	uint32_t	burst;

	trk.interval = (uint32_t)conf.tracker_interval;
	trk.ttl = conf.tracker_peer_ttl != 0 ?
	    (uint32_t)conf.tracker_peer_ttl : 2 * trk.interval;
	trk.numwant_max = (uint32_t)conf.tracker_numwant_max;
	trk.rate = (uint32_t)conf.tracker_rate;
	/* Ten seconds' worth at once: a daemon's burst of "started". */
	burst = trk.rate / 6 > 10 ? trk.rate / 6 : 10;
	ratelimit_configure(trk.rl, trk.rate, burst);
	swarms_configure(trk.swarms, trk.ttl, (size_t)conf.tracker_max_memory);
}

static int
start(struct event_base *base)
{
	struct timeval	tv = { TICK_S, 0 };

	trk.base = base;
	trk.port = (uint16_t)conf.tracker_port;
	if ((trk.swarms = swarms_new(1, 1)) == NULL ||
	    (trk.rl = ratelimit_new(TRK_RATE_TABLE)) == NULL ||
	    (tick_ev = event_new(base, -1, EV_PERSIST, tick, NULL)) == NULL ||
	    event_add(tick_ev, &tv) == -1) {
		trackerd_shutdown();
		return -ENOMEM;
	}
	if (!key_set)
		randombytes_buf(trk.connid_key, sizeof(trk.connid_key));
	configure();
	last_tick_ms = clock_ms();
	last_expire = trk_now();
	/* Either transport alone is still a tracker. */
	trkhttp_start(base, trk.port);
	trkudp_start(base, trk.port);
	cluster_apply(base, trk.swarms, trk.ttl);
	trkstats_set_source(fill);
	log_info("embedded tracker on port %u (HTTP /announce, UDP), "
	    "interval %u s, %zu bytes of swarm state at most", trk.port,
	    trk.interval, (size_t)conf.tracker_max_memory);
	return 0;
}

int
trackerd_init(struct event_base *base)
{
	trk.base = base;
	if (!conf.tracker)
		return 0;
	return start(base);
}

void
trackerd_reload(void)
{
	if (!conf.tracker) {
		if (trk.swarms != NULL)
			log_info("embedded tracker stopped");
		trackerd_shutdown();
		return;
	}
	if (trk.swarms == NULL) {
		start(trk.base);
		return;
	}
	configure();
	if (conf.tracker_port != trk.port) {
		trkhttp_stop();
		trkudp_stop();
		trk.port = (uint16_t)conf.tracker_port;
		trkhttp_start(trk.base, trk.port);
		trkudp_start(trk.base, trk.port);
	}
	cluster_apply(trk.base, trk.swarms, trk.ttl);
}

void
trackerd_shutdown(void)
{
	struct event_base	*base = trk.base;
	struct trkstats		 zero = { 0 };

	trkstats_set_source(NULL);
	cluster_stop();
	trkhttp_stop();
	trkudp_stop();
	if (tick_ev != NULL) {
		event_free(tick_ev);
		tick_ev = NULL;
	}
	swarms_free(trk.swarms);
	trk.swarms = NULL;
	ratelimit_free(trk.rl);
	trk.rl = NULL;
	trk.n = zero;
	trk.base = base;
}

void
trackerd_set_connid_key(const uint8_t key[32])
{
	memcpy(trk.connid_key, key, sizeof(trk.connid_key));
	key_set = true;
}

struct swarms *
trackerd_swarms(void)
{
	return trk.swarms;
}
