/* SPDX-License-Identifier: ISC */
/*
 * tracker.c - the tracker client (tracker.h): which key goes to which
 * tracker, and when.
 *
 * Every key we announce is an entry.  Entries wait in one of two heaps
 * ordered by when they are due: "fast" for what someone is waiting on (a
 * fetch, a "completed", the daemons' presence), which go out as soon as
 * they are due, and "seed" for files we only serve, which go out one at
 * a time, no faster than tracker_announce_rate a minute.  One timer
 * serves both, armed for whichever comes first; a daemon that announces
 * nothing has no timer.
 *
 * Trackers are kept in a small table by URL with what we learnt about
 * them (answered, absent until, tracker id), so ten thousand swarms on
 * one tracker that is not there cost one timeout, not ten thousand.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/lsdmsg.h"
#include "common/shamap.h"
#include "common/swarmkey.h"
#include "daemon/base/conf.h"
#include "daemon/meta/torrents.h"
#include "daemon/share/peer.h"
#include "daemon/share/tracker.h"
#include "daemon/share/trkconn.h"

#define MAX_TRACKERS	64	/* tracker table */
#define MAX_CONF	16	/* configured trackers used */
#define MAX_LIST	48	/* trackers one key may try */
#define MAX_INFLIGHT	32	/* announces waiting for an answer */
#define MAX_OWN		32	/* our own addresses, never dialled */
#define NUMWANT		50
#ifndef SEED_SPREAD_MS
#define SEED_SPREAD_MS	60000	/* first seed announces spread over this */
#endif
#define MAX_FETCHED	64	/* fetches remembered for their "completed" */
#define RETRY_MIN_S	60	/* a round that found no tracker */
#define RETRY_MAX_S	3600

enum ent_kind { K_PRESENCE, K_ZERO, K_TORRENT };
enum heap_id { H_NONE, H_FAST, H_SEED };

struct ent {
	uint8_t		 key[SWARMKEY_LEN];
	uint8_t		 sha256[SHA256_LEN];
	uint8_t		 kind;		/* enum ent_kind */
	uint8_t		 heap;		/* enum heap_id */
	uint8_t		 skip;		/* list position to try next */
	uint8_t		 fails;		/* rounds in a row without answer */
	bool		 fetching;
	bool		 completed_due;
	uint32_t	 hidx;
	uint64_t	 size;
	uint64_t	 due;		/* ms, monotonic */
	struct trk	*started_on;	/* the tracker that had "started" */
	struct trk_req	*req;
};

struct heap {
	struct ent	**v;
	size_t		  n, cap;
};

static struct {
	struct event_base	*base;
	tracker_cb		 cb;
	bool			 running;
	uint16_t		 port;
	uint32_t		 key;		/* BEP 7: who we are over IP changes */
	struct trk		*trks[MAX_TRACKERS];
	size_t			 ntrks;
	struct trk		*conf[MAX_CONF];
	size_t			 nconf;
	struct shamap		 ents;		/* key to struct ent */
	bool			 ents_init;
	struct heap		 fast, seed;
	uint64_t		 next_seed_ms;	/* the rate cap */
	struct event		*timer;
	unsigned		 inflight;
	struct trk_reqq		 orphans;	/* "stopped" with no entry */
	/*
	 * Files being fetched, by SHA-256, whatever their keys: a torrent
	 * often becomes known only while the fetched file is being checked
	 * or stored, and its keys are then new to us although the fetch is
	 * ours; they are owed "started" and "completed", not a seed's
	 * announce.  Oldest first out.
	 */
	uint8_t			 fetched[MAX_FETCHED][SHA256_LEN];
	size_t			 nfetched;
	struct sockaddr_storage	 own[MAX_OWN];
	size_t			 nown;
	struct tracker_stats	 st;
} tk;

static void	rearm(void);

struct event_base *
trk_base(void)
{
	return tk.base;
}

/*
 * Heaps of entries by due time.
 */
static struct heap *
heap_of(enum heap_id h)
{
	return h == H_FAST ? &tk.fast : &tk.seed;
}

static void
heap_set(struct heap *h, size_t i, struct ent *e)
{
	h->v[i] = e;
	e->hidx = (uint32_t)i;
}

static void
heap_up(struct heap *h, size_t i)
{
	struct ent	*e = h->v[i];

	while (i > 0 && h->v[(i - 1) / 2]->due > e->due) {
		heap_set(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, e);
}

static void
heap_down(struct heap *h, size_t i)
{
	struct ent	*e = h->v[i];
	size_t		 c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due)
			c++;
		if (h->v[c]->due >= e->due)
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, e);
}

static void
heap_remove(struct ent *e)
{
	struct heap	*h;
	size_t		 i = e->hidx;

	if (e->heap == H_NONE)
		return;
	h = heap_of(e->heap);
	e->heap = H_NONE;
	if (--h->n == i)
		return;
	heap_set(h, i, h->v[h->n]);
	heap_up(h, i);
	heap_down(h, h->v[i]->hidx);
}

static int
heap_push(enum heap_id id, struct ent *e)
{
	struct heap	*h = heap_of(id);
	struct ent	**nv;

	if (h->n == h->cap) {
		size_t	cap = h->cap ? 2 * h->cap : 64;

		if ((nv = reallocarray(h->v, cap, sizeof(*nv))) == NULL)
			return -ENOMEM;
		h->v = nv;
		h->cap = cap;
	}
	e->heap = (uint8_t)id;
	heap_set(h, h->n++, e);
	heap_up(h, h->n - 1);
	return 0;
}

/* Is the entry something someone waits on? */
static bool
ent_fast(const struct ent *e)
{
	return e->kind == K_PRESENCE || e->fetching || e->completed_due;
}

/* Due in ms from now (0: at once); seeds get up to a fifth in jitter. */
static void
ent_schedule(struct ent *e, uint64_t in_ms)
{
	heap_remove(e);
	if (!ent_fast(e) && in_ms > 0)
		in_ms += randombytes_uniform((uint32_t)(in_ms / 5 + 1));
	e->due = clock_ms() + in_ms;
	(void)heap_push(ent_fast(e) ? H_FAST : H_SEED, e);
	rearm();
}

/*
 * Trackers.
 */
static bool
url_usable(const char *url)
{
	return strncmp(url, "http://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0 || strncmp(url, "udp://", 6) == 0;
}

static bool
trk_busy(const struct trk *t)
{
	size_t	i;

	if (t->busy > 0 || !TAILQ_EMPTY(&t->reqs))
		return true;
	for (i = 0; i < tk.nconf; i++)
		if (tk.conf[i] == t)
			return true;
	return false;
}

static void	entries_forget_tracker(struct trk *);

static void
trk_free(struct trk *t)
{
	if (t->udp)
		trk_udp_close(t);
	free(t->url);
	free(t);
}

/* The tracker of a URL, added on first use; NULL when there is no room. */
static struct trk *
trk_get(const char *url)
{
	struct trk	*t;
	size_t		 i, victim = MAX_TRACKERS;

	for (i = 0; i < tk.ntrks; i++)
		if (strcmp(tk.trks[i]->url, url) == 0)
			return tk.trks[i];
	if (!url_usable(url) || strlen(url) >= TRK_URL_MAX / 2)
		return NULL;
	if (tk.ntrks == MAX_TRACKERS) {
		/* Make room from one nobody uses now, the least useful. */
		for (i = 0; i < tk.ntrks; i++)
			if (!trk_busy(tk.trks[i]) && (victim == MAX_TRACKERS ||
			    tk.trks[i]->last_ok < tk.trks[victim]->last_ok))
				victim = i;
		if (victim == MAX_TRACKERS)
			return NULL;
		entries_forget_tracker(tk.trks[victim]);
		trk_free(tk.trks[victim]);
		tk.trks[victim] = tk.trks[--tk.ntrks];
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->url = strdup(url)) == NULL) {
		free(t);
		return NULL;
	}
	t->udp = strncmp(url, "udp://", 6) == 0;
	t->rank = randombytes_random();
	t->fd = -1;
	TAILQ_INIT(&t->reqs);
	tk.trks[tk.ntrks++] = t;
	return t;
}

static bool
trk_usable(const struct trk *t)
{
	return t->dead_until == 0 || clock_ms() >= t->dead_until;
}

/* A request goes out: 0, or it is over already (and freed). */
static int
req_send(struct trk_req *q)
{
	static const char *const ev[] = {
		[TRK_EV_NONE] = "", [TRK_EV_COMPLETED] = " completed",
		[TRK_EV_STARTED] = " started", [TRK_EV_STOPPED] = " stopped",
	};
	char	hex[2 * SWARMKEY_LEN + 1];

	hex_encode(q->key, SWARMKEY_LEN, hex);
	log_debug("tracker %s: %s %s%s", q->t->url,
	    q->scrape ? "scrape" : "announce", hex, ev[q->event & 3]);
	tk.inflight++;
	q->t->busy++;
	tk.st.announces++;
	if (q->owner == NULL)
		TAILQ_INSERT_TAIL(&tk.orphans, q, oentry);
	if ((q->t->udp ? trk_udp_send(q) : trk_http_send(q)) != 0) {
		trk_req_done(q, TRK_ST_FAILED, NULL);
		return -1;
	}
	return 0;
}

/* A request is over, answered or not. */
static void
req_over(struct trk_req *q)
{
	tk.inflight--;
	q->t->busy--;
	if (q->owner == NULL)
		TAILQ_REMOVE(&tk.orphans, q, oentry);
}

/* Stop a request; trk_req_done is not called for it. */
static void
req_cancel(struct trk_req *q)
{
	if (q->t->udp)
		trk_udp_cancel(q);
	else
		trk_http_cancel(q);
	req_over(q);
	free(q);
}

/*
 * A key's trackers, in the order to try them.
 */
struct slot {
	struct trk	*t;
	unsigned	 tier;
};

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot	*x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	/* BEP 12: what answered moves to the front of its tier. */
	if (x->t->last_ok != y->t->last_ok)
		return x->t->last_ok > y->t->last_ok ? -1 : 1;
	return x->t->rank < y->t->rank ? -1 : x->t->rank > y->t->rank;
}

static void
slot_add(struct slot *s, size_t *n, struct trk *t, unsigned tier)
{
	size_t	i;

	if (t == NULL || *n == MAX_LIST)
		return;
	for (i = 0; i < *n; i++)
		if (s[i].t == t)
			return;
	s[*n].t = t;
	s[(*n)++].tier = tier;
}

static void
slot_add_list(struct slot *s, size_t *n, const struct torrent_trackers *l,
    unsigned *tier, bool trusted)
{
	struct trk	*t;
	size_t		 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		if ((t = trk_get(l->urls[i])) != NULL && trusted)
			t->trusted = true;
		slot_add(s, n, t, *tier + l->tiers[i]);
	}
	*tier += l->tiers[l->n - 1] + 1;
}

static size_t
ent_list(const struct ent *e, struct trk **out)
{
	struct slot		 s[MAX_LIST];
	const struct torrent	*t;
	size_t			 n = 0, i;
	unsigned		 tier = 0;

	if (e->kind == K_TORRENT && (t = torrents_by_key(e->key)) != NULL) {
		slot_add_list(s, &n, t->host_trackers, &tier, true);
		slot_add_list(s, &n, t->trackers, &tier, false);
	}
	for (i = 0; i < tk.nconf; i++)
		slot_add(s, &n, tk.conf[i], tier);
	qsort(s, n, sizeof(s[0]), slot_cmp);
	for (i = 0; i < n; i++)
		out[i] = s[i].t;
	return n;
}

/*
 * Entries.
 */
static void
ent_free(struct ent *e)
{
	heap_remove(e);
	if (e->req != NULL)
		req_cancel(e->req);
	shamap_remove(&tk.ents, e->key);
	free(e);
}

static struct ent *
ent_get(const uint8_t key[SWARMKEY_LEN], enum ent_kind kind,
    const uint8_t sha256[SHA256_LEN], uint64_t size)
{
	struct ent	*e;

	if ((e = shamap_get(&tk.ents, key)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	memcpy(e->key, key, SWARMKEY_LEN);
	if (sha256 != NULL)
		memcpy(e->sha256, sha256, SHA256_LEN);
	e->kind = (uint8_t)kind;
	e->size = size;
	if (shamap_put(&tk.ents, e->key, e) != 0) {
		free(e);
		return NULL;
	}
	return e;
}

/* A tracker leaves the table: nobody may point at it any more. */
static void
entries_forget_tracker(struct trk *t)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;

	while (shamap_next(&tk.ents, &pos, &k, &v))
		if (((struct ent *)v)->started_on == t)
			((struct ent *)v)->started_on = NULL;
}

/* A "stopped" for a key that is gone, to the tracker that had it. */
static void
send_stopped(const struct ent *e)
{
	struct trk_req	*q;

	if (e->started_on == NULL || !tk.running ||
	    !trk_usable(e->started_on) || (q = calloc(1, sizeof(*q))) == NULL)
		return;
	q->t = e->started_on;
	memcpy(q->key, e->key, SWARMKEY_LEN);
	q->event = TRK_EV_STOPPED;
	q->left = e->size;
	q->numwant = 0;
	(void)req_send(q);
}

/* No tracker of the list answered this round: try again later. */
static void
round_failed(struct ent *e, size_t n)
{
	uint64_t	s = RETRY_MAX_S;

	e->skip = 0;
	if (n > 0 && e->fails < 6)
		s = (uint64_t)RETRY_MIN_S << e->fails;
	if (s > RETRY_MAX_S)
		s = RETRY_MAX_S;
	if (e->fails < 255)
		e->fails++;
	/* Nothing is waiting on a retry in the fast lane. */
	e->completed_due = false;
	ent_schedule(e, s * 1000);
}

static enum trk_event
ent_event(const struct ent *e, const struct trk *t)
{
	if (e->started_on != t)
		return TRK_EV_STARTED;
	return e->completed_due ? TRK_EV_COMPLETED : TRK_EV_NONE;
}

/*
 * Announce the entry to the first usable tracker from its position on;
 * false when nothing went out.  A seed that no tracker may hear of (no
 * torrent trackers, none configured) is forgotten.
 */
static bool
ent_announce(struct ent *e)
{
	struct trk	*l[MAX_LIST];
	struct trk_req	*q;
	size_t		 n = ent_list(e, l), i;
	bool		 first = e->skip == 0;

	if (n == 0 && !ent_fast(e)) {
		ent_free(e);
		return false;
	}
	for (i = e->skip; i < n && !trk_usable(l[i]); i++)
		;
	if (i >= n || (q = calloc(1, sizeof(*q))) == NULL) {
		round_failed(e, n);
		return false;
	}
	e->skip = (uint8_t)i;
	q->t = l[i];
	/* "completed" belongs to the tracker that had "started". */
	if (e->completed_due && first && e->started_on != NULL &&
	    trk_usable(e->started_on))
		q->t = e->started_on;
	q->owner = e;
	memcpy(q->key, e->key, SWARMKEY_LEN);
	q->event = ent_event(e, q->t);
	/*
	 * A download that ended before its "started" went out still says
	 * what it had to fetch: its "completed" follows.
	 */
	q->left = e->fetching || (e->completed_due &&
	    q->event == TRK_EV_STARTED) ? e->size : 0;
	/* A seed is found by those who fetch; it needs no peers itself. */
	q->numwant = ent_fast(e) ? NUMWANT : 0;
	e->req = q;
	(void)req_send(q);
	return true;
}

/*
 * The timer: fast entries when due, seeds when due and the cap allows.
 */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	now = clock_ms(), gap;
	struct ent	*e;

	if (!tk.running)
		return;
	gap = 60000 / (conf.tracker_announce_rate > 0 ?
	    conf.tracker_announce_rate : 1);
	while (tk.inflight < MAX_INFLIGHT && tk.fast.n > 0 &&
	    (e = tk.fast.v[0])->due <= now) {
		heap_remove(e);
		ent_announce(e);
	}
	while (tk.inflight < MAX_INFLIGHT && tk.seed.n > 0 &&
	    (e = tk.seed.v[0])->due <= now && tk.next_seed_ms <= now) {
		heap_remove(e);
		if (ent_announce(e))
			tk.next_seed_ms = now + gap;
	}
	rearm();
}

static void
rearm(void)
{
	uint64_t	now = clock_ms(), when = UINT64_MAX, d;
	struct timeval	tv;

	if (tk.timer == NULL)
		return;
	if (!tk.running || tk.inflight >= MAX_INFLIGHT) {
		/* An answer calls us again. */
		evtimer_del(tk.timer);
		return;
	}
	if (tk.fast.n > 0)
		when = tk.fast.v[0]->due;
	if (tk.seed.n > 0) {
		d = tk.seed.v[0]->due > tk.next_seed_ms ? tk.seed.v[0]->due :
		    tk.next_seed_ms;
		if (d < when)
			when = d;
	}
	if (when == UINT64_MAX) {
		evtimer_del(tk.timer);
		return;
	}
	d = when > now ? when - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(tk.timer, &tv);
}

/*
 * Answers.
 */
static bool
own_address(const struct sockaddr *sa)
{
	size_t	i;

	for (i = 0; i < tk.nown; i++)
		if (netaddr_same_host((struct sockaddr *)&tk.own[i], sa))
			return true;
	return false;
}

static void
own_refresh(void)
{
	struct ifaddrs	*ifa, *i;

	tk.nown = 0;
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL && tk.nown < MAX_OWN; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			memcpy(&tk.own[tk.nown++], i->ifa_addr,
			    sizeof(struct sockaddr_in));
		else if (i->ifa_addr->sa_family == AF_INET6)
			memcpy(&tk.own[tk.nown++], i->ifa_addr,
			    sizeof(struct sockaddr_in6));
	}
	freeifaddrs(ifa);
}

static void
hand_peers(const struct ent *e, const struct trk_reply *r)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	size_t			 i, given = 0;

	for (i = 0; i < r->npeers && given < NUMWANT; i++) {
		const struct trk_peer	*p = &r->peers[i];

		memset(&ss, 0, sizeof(ss));
		if (p->family == 4) {
			struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, p->addr, 4);
			s4->sin_port = htons(p->port);
			len = sizeof(*s4);
		} else {
			struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, p->addr, 16);
			s6->sin6_port = htons(p->port);
			len = sizeof(*s6);
		}
		if (!trk_peer_dialable(p) ||
		    own_address((struct sockaddr *)&ss)) {
			tk.st.peers_refused++;
			continue;
		}
		given++;
		tk.st.peers++;
		if (tk.cb != NULL)
			tk.cb((struct sockaddr *)&ss, len, e->key,
			    e->kind == K_PRESENCE);
	}
}

static void
tracker_answered(struct trk *t, enum trk_status st,
    const struct trk_reply *r)
{
	switch (st) {
	case TRK_ST_OK:
		t->ok++;
		t->answered = true;
		t->last_ok = clock_ms();
		t->dead_until = 0;
		if (r == NULL)
			break;
		if (r->warning)
			log_info("tracker %s: warning: %s", t->url, r->message);
		if (r->tracker_id[0] != '\0')
			memcpy(t->tracker_id, r->tracker_id,
			    sizeof(t->tracker_id));
		break;
	case TRK_ST_REFUSED:
		t->failed++;
		t->answered = true;
		log_info("tracker %s: refused: %s", t->url,
		    r != NULL ? r->message : "");
		break;
	case TRK_ST_ABSENT:
		t->failed++;
		if (trk_usable(t))
			log_notice("tracker %s: not there; not tried again "
			    "for %d minutes", t->url, TRACKER_ABSENT_S / 60);
		t->dead_until = clock_ms() + TRACKER_ABSENT_S * 1000ULL;
		t->answered = false;
		if (t->udp)
			trk_udp_close(t);
		break;
	case TRK_ST_FAILED:
		t->failed++;
		break;
	}
}

void
trk_req_done(struct trk_req *q, enum trk_status st,
    const struct trk_reply *r)
{
	struct ent	*e = q->owner;
	struct trk	*t = q->t;
	int64_t		 iv;

	req_over(q);
	if (st == TRK_ST_OK)
		tk.st.answered++;
	else
		tk.st.failed++;
	tracker_answered(t, st, st == TRK_ST_OK && q->scrape ? NULL : r);
	if (q->scrape)
		q->scrape_cb(q->scrape_arg, st == TRK_ST_OK ? &q->scr : NULL);
	if (e == NULL) {
		free(q);
		rearm();
		return;
	}
	e->req = NULL;
	if (st == TRK_ST_OK) {
		if (q->event == TRK_EV_STARTED)
			e->started_on = t;
		if (q->event == TRK_EV_COMPLETED)
			e->completed_due = false;
		/* The fetch ended while "started" was on its way. */
		else if (q->event == TRK_EV_STARTED && !e->fetching &&
		    q->left > 0)
			e->completed_due = true;
		e->fails = 0;
		e->skip = 0;
		log_debug("tracker %s: %zu peers, interval %lld s", t->url,
		    r->npeers, (long long)r->interval);
		hand_peers(e, r);
		iv = trk_clamp_interval(r->interval, TRACKER_INTERVAL_DEF,
		    TRACKER_INTERVAL_MIN, TRACKER_INTERVAL_MAX);
		if (r->min_interval > iv)
			iv = trk_clamp_interval(r->min_interval, iv,
			    TRACKER_INTERVAL_MIN, TRACKER_INTERVAL_MAX);
		/* "completed" still owed (sent "started" instead): now. */
		ent_schedule(e, e->completed_due ? 0 : (uint64_t)iv * 1000);
	} else {
		/* The next tracker of the list, in the same lane. */
		e->skip++;
		ent_schedule(e, 0);
	}
	free(q);
}

void
trk_fill(const struct trk_req *q, struct trk_announce *a)
{
	memset(a, 0, sizeof(*a));
	a->info_hash = q->key;
	a->peer_id = peer_self_id;
	a->port = tk.port;
	a->left = q->left;
	a->event = q->event;
	a->key = tk.key;
	a->numwant = q->numwant;
	a->tracker_id = q->t->tracker_id;
}

/*
 * The interface.
 */
int
tracker_init(struct event_base *base, tracker_cb cb)
{
	int	rc;

	tk.base = base;
	tk.cb = cb;
	tk.key = randombytes_random();
	TAILQ_INIT(&tk.orphans);
	if ((rc = shamap_init(&tk.ents, SWARMKEY_LEN)) < 0)
		return rc;
	tk.ents_init = true;
	if ((tk.timer = evtimer_new(base, tick, NULL)) == NULL)
		return -ENOMEM;
	return 0;
}

/* Cancel what is in flight; the entries are sent again when due. */
static void
cancel_all(void)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;
	struct trk_req	*q;

	while (shamap_next(&tk.ents, &pos, &k, &v)) {
		struct ent	*e = v;

		if ((q = e->req) == NULL)
			continue;
		req_cancel(q);
		e->req = NULL;
		if (e->heap == H_NONE)
			(void)heap_push(ent_fast(e) ? H_FAST : H_SEED, e);
	}
	while ((q = TAILQ_FIRST(&tk.orphans)) != NULL)
		req_cancel(q);
}

static void
conf_trackers(void)
{
	const char	*p = conf.trackers != NULL ? conf.trackers : "";
	char		 url[TRK_URL_MAX / 2];
	size_t		 len;
	struct trk	*t;

	tk.nconf = 0;
	while (*(p += strspn(p, " \t,")) != '\0' && tk.nconf < MAX_CONF) {
		len = strcspn(p, " \t,");
		if (len < sizeof(url)) {
			memcpy(url, p, len);
			url[len] = '\0';
			if ((t = trk_get(url)) != NULL) {
				t->trusted = true;
				tk.conf[tk.nconf++] = t;
			}
		}
		p += len;
	}
}

void
tracker_apply(bool running, uint16_t port)
{
	struct ent	*e;
	bool		 was = tk.running;

	if (!tk.ents_init)
		return;
	tk.nconf = 0;		/* the table may drop them now */
	conf_trackers();
	own_refresh();
	if (!running && was)
		cancel_all();
	tk.running = running;
	tk.port = port;
	/* Daemons of a site find each other through our own trackers. */
	e = shamap_get(&tk.ents, lsd_presence_key);
	if (running && tk.nconf > 0 && e == NULL &&
	    (e = ent_get(lsd_presence_key, K_PRESENCE, NULL, 0)) != NULL)
		ent_schedule(e, 0);
	else if (tk.nconf == 0 && e != NULL)
		ent_free(e);
	rearm();
}

void
tracker_shutdown(void)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;

	if (!tk.ents_init)
		return;
	tk.running = false;
	cancel_all();
	while (pos = 0, shamap_next(&tk.ents, &pos, &k, &v))
		ent_free(v);
	shamap_free(&tk.ents);
	while (tk.ntrks > 0)
		trk_free(tk.trks[--tk.ntrks]);
	trk_udp_shutdown();
	free(tk.fast.v);
	free(tk.seed.v);
	if (tk.timer != NULL)
		event_free(tk.timer);
	memset(&tk, 0, sizeof(tk));
}

/* One key of a file: a new fetch, or a change of state. */
static void
file_key(const uint8_t key[SWARMKEY_LEN], enum ent_kind kind,
    const uint8_t sha256[SHA256_LEN], uint64_t size, bool fetching,
    bool fetched)
{
	struct ent	*e;
	bool		 fresh = shamap_get(&tk.ents, key) == NULL;

	if ((e = ent_get(key, kind, sha256, size)) == NULL)
		return;
	e->size = size;
	if (fetching) {
		e->fetching = true;
		if (e->req == NULL)
			ent_schedule(e, 0);
	} else if (e->fetching) {
		/*
		 * Done.  "completed" is owed even when the fetch ended before
		 * its "started" went out: that goes first, then this.
		 */
		e->fetching = false;
		e->completed_due = true;
		if (e->req == NULL)
			ent_schedule(e, 0);
	} else if (fresh && fetched) {
		/* Our fetch, its keys learnt as it ended: "started", then
		 * "completed", at once. */
		e->completed_due = true;
		ent_schedule(e, 0);
	} else if (fresh)
		/* Many seeds at start-up: spread them, the cap does the rest. */
		ent_schedule(e, randombytes_uniform(SEED_SPREAD_MS));
}

/* Is sha256 a fetch of ours?  take: no longer (it ended, or failed). */
static bool
fetched_find(const uint8_t sha256[SHA256_LEN], bool take)
{
	size_t	i;

	for (i = 0; i < tk.nfetched; i++)
		if (memcmp(tk.fetched[i], sha256, SHA256_LEN) == 0) {
			if (take)
				memmove(tk.fetched[i], tk.fetched[i + 1],
				    (--tk.nfetched - i) * SHA256_LEN);
			return true;
		}
	return false;
}

static void
fetched_add(const uint8_t sha256[SHA256_LEN])
{
	if (fetched_find(sha256, false))
		return;
	if (tk.nfetched == MAX_FETCHED)
		memmove(tk.fetched[0], tk.fetched[1],
		    (--tk.nfetched) * SHA256_LEN);
	memcpy(tk.fetched[tk.nfetched++], sha256, SHA256_LEN);
}

void
tracker_file(const uint8_t sha256[SHA256_LEN], uint64_t size, bool fetching)
{
	const struct torrent	*t;
	uint8_t			 zk[SWARMKEY_LEN];
	struct ent		*z;
	bool			 fetched = false;

	if (!tk.ents_init)
		return;
	if (fetching)
		fetched_add(sha256);
	else
		fetched = fetched_find(sha256, true);
	swarmkey_from_sha256(sha256, zk);
	z = shamap_get(&tk.ents, zk);
	if ((t = torrents_by_sha256(sha256)) != NULL) {
		/* A zero-metadata swarm that found its torrent. */
		if (z != NULL)
			ent_free(z);
		file_key(t->ih1, K_TORRENT, sha256, size, fetching, fetched);
		if (t->has_v2)
			file_key(t->ih2, K_TORRENT, sha256, size, fetching,
			    fetched);
	} else if (tk.nconf > 0 || z != NULL)
		file_key(zk, K_ZERO, sha256, size, fetching, fetched);
}

void
tracker_file_gone(const uint8_t sha256[SHA256_LEN])
{
	const struct torrent	*t = torrents_by_sha256(sha256);
	uint8_t			 keys[3][SWARMKEY_LEN];
	size_t			 n = 0, i;
	struct ent		*e;

	if (!tk.ents_init)
		return;
	(void)fetched_find(sha256, true);
	swarmkey_from_sha256(sha256, keys[n++]);
	if (t != NULL) {
		memcpy(keys[n++], t->ih1, SWARMKEY_LEN);
		if (t->has_v2)
			memcpy(keys[n++], t->ih2, SWARMKEY_LEN);
	}
	for (i = 0; i < n; i++) {
		if ((e = shamap_get(&tk.ents, keys[i])) == NULL)
			continue;
		/* A failed fetch leaves its swarm; a seed just goes quiet. */
		if (e->fetching)
			send_stopped(e);
		ent_free(e);
	}
	rearm();
}

int
tracker_scrape(const uint8_t key[20],
    void (*cb)(void *, const struct trk_scrape *), void *arg)
{
	struct ent	 probe;
	struct trk	*l[MAX_LIST];
	struct trk_req	*q;
	size_t		 n, i;

	if (!tk.ents_init || !tk.running)
		return -ENOENT;
	memset(&probe, 0, sizeof(probe));
	memcpy(probe.key, key, SWARMKEY_LEN);
	probe.kind = torrents_by_key(key) != NULL ? K_TORRENT : K_ZERO;
	n = ent_list(&probe, l);
	for (i = 0; i < n && !trk_usable(l[i]); i++)
		;
	if (i == n)
		return -ENOENT;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -ENOMEM;
	q->t = l[i];
	memcpy(q->key, key, SWARMKEY_LEN);
	q->scrape = true;
	q->scrape_cb = cb;
	q->scrape_arg = arg;
	(void)req_send(q);
	return 0;
}

void
tracker_scrape_cancel(void (*cb)(void *, const struct trk_scrape *),
    void *arg)
{
	struct trk_req	*q, *next;

	TAILQ_FOREACH_SAFE(q, &tk.orphans, oentry, next)
		if (q->scrape && q->scrape_cb == cb && q->scrape_arg == arg)
			req_cancel(q);
}

void
tracker_get_stats(struct tracker_stats *st)
{
	size_t	i;

	*st = tk.st;
	st->swarms = tk.ents_init ? (unsigned)shamap_count(&tk.ents) : 0;
	st->trackers = (unsigned)tk.ntrks;
	st->absent = 0;
	for (i = 0; i < tk.ntrks; i++)
		if (!trk_usable(tk.trks[i]))
			st->absent++;
}
