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
 *
 * A seed whose tracker advertised batched seed announces ("aptbt seeds",
 * doc/trackers.md) leaves the heaps and waits in that tracker's batch:
 * one round a tracker interval sends every such seed, up to TRK_BATCH_MAX
 * a request, and no rate cap applies.  Seeds the tracker has not heard
 * of yet (added after a round) need not wait for the next: a round of
 * those alone goes out within BATCH_NEW_MS.  A batch that fails sends its
 * seeds back to the paced schedule, and the tracker gets no batch for
 * TRACKER_ABSENT_S.
 *
 * A seed that leaves (eviction, removal) is owed a "stopped" by the
 * tracker that had its "started": in that tracker's next "stopped" batch
 * a second later, or, toward a standard tracker, one at a time under the
 * same rate cap as seeds (a queue of MAX_STOPS; trackers forget the
 * rest on their own).  At shutdown tracker_stop() sends what it can in
 * one go (every seed to a batch tracker, MAX_INFLIGHT announces to the
 * others) and waits at most STOP_WAIT_MS for the answers.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
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
#define BATCH_GATHER_MS	2000	/* a first round waits for more seeds */
#ifndef BATCH_NEW_MS
#define BATCH_NEW_MS	60000	/* rounds of new seeds only, at most */
#endif
#define STOP_GATHER_MS	1000	/* a "stopped" batch waits for more */
#define MAX_BSTOPS	(4 * TRK_BATCH_MAX) /* "stopped" waiting a batch */
#define MAX_STOPS	1024	/* "stopped" waiting for the rate cap */
#ifndef STOP_WAIT_MS
#define STOP_WAIT_MS	1800	/* tracker_stop() waits for answers */
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
	struct trk	*bt;		/* in this tracker's batch */
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
	unsigned		 conf_tier[MAX_CONF];	/* "|" separates */
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
	/* Seeds gone, "stopped" owed to standard trackers: a ring. */
	struct stop {
		uint8_t		 key[SWARMKEY_LEN];
		struct trk	*t;	/* NULL: that tracker is gone */
	}			 stops[MAX_STOPS];
	size_t			 stop_head, nstops;
	/* tracker_stop(): called once the last answer came, or the time. */
	bool			 stopping;
	void			(*stop_cb)(void *);
	void			*stop_arg;
	struct event		*stop_timer;
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

static struct trk	*batch_target(const struct ent *);
static void		 ent_batch(struct ent *, struct trk *);
static void		 ent_unbatch(struct ent *);

/*
 * Due in ms from now (0: at once); seeds get up to a fifth in jitter, or
 * wait in their tracker's batch.
 */
static void
ent_schedule(struct ent *e, uint64_t in_ms)
{
	struct trk	*bt;

	heap_remove(e);
	ent_unbatch(e);
	if ((bt = batch_target(e)) != NULL) {
		ent_batch(e, bt);
		rearm();
		return;
	}
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

	if (t->busy > 0 || !TAILQ_EMPTY(&t->reqs) || t->nbatched > 0 ||
	    t->nbstops > 0)
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
	free(t->seeds_url);
	free(t->bstops);
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
	if (q->batch)
		log_debug("tracker %s: batch of %zu seeds%s", q->t->seeds_url,
		    q->nhashes, ev[q->event & 3]);
	else
		log_debug("tracker %s: %s %s%s", q->t->url,
		    q->scrape ? "scrape" : "announce", hex, ev[q->event & 3]);
	tk.inflight++;
	q->t->busy++;
	if (q->batch)
		q->t->binflight++;
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
	if (q->batch)
		q->t->binflight--;
	if (q->owner == NULL)
		TAILQ_REMOVE(&tk.orphans, q, oentry);
}

static void
req_free(struct trk_req *q)
{
	free(q->hashes);
	free(q);
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
	req_free(q);
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
		slot_add(s, &n, tk.conf[i], tier + tk.conf_tier[i]);
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
	ent_unbatch(e);
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

	size_t		 i;

	while (shamap_next(&tk.ents, &pos, &k, &v)) {
		if (((struct ent *)v)->started_on == t)
			((struct ent *)v)->started_on = NULL;
		if (((struct ent *)v)->bt == t)
			ent_unbatch(v);
	}
	for (i = 0; i < tk.nstops; i++)
		if (tk.stops[(tk.stop_head + i) % MAX_STOPS].t == t)
			tk.stops[(tk.stop_head + i) % MAX_STOPS].t = NULL;
}

/* A "stopped" of key to t, now. */
static void
stop_send(struct trk *t, const uint8_t key[SWARMKEY_LEN], uint64_t left)
{
	struct trk_req	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return;
	q->t = t;
	memcpy(q->key, key, SWARMKEY_LEN);
	q->event = TRK_EV_STOPPED;
	q->left = left;
	q->numwant = 0;
	(void)req_send(q);
}

/* A "stopped" for a key that is gone, to the tracker that had it. */
static void
send_stopped(const struct ent *e)
{
	if (e->started_on == NULL || !tk.running ||
	    !trk_usable(e->started_on))
		return;
	stop_send(e->started_on, e->key, e->size);
}

/* Does t take batches now? */
static bool
trk_batches(const struct trk *t)
{
	return t->seeds_url != NULL && clock_ms() >= t->batch_off_until;
}

/* key goes into t's next "stopped" batch; false when over cap. */
static bool
bstop_add(struct trk *t, const uint8_t key[SWARMKEY_LEN], size_t cap)
{
	uint8_t	(*nb)[20];
	size_t	 n;

	if (t->nbstops >= cap)
		return false;
	/* Room for a power of two of them. */
	if ((t->nbstops & (t->nbstops - 1)) == 0 && t->nbstops >= 64) {
		n = 2 * t->nbstops;
		if ((nb = reallocarray(t->bstops, n, 20)) == NULL)
			return false;
		t->bstops = nb;
	} else if (t->bstops == NULL &&
	    (t->bstops = calloc(64, 20)) == NULL)
		return false;
	memcpy(t->bstops[t->nbstops++], key, SWARMKEY_LEN);
	return true;
}

/*
 * A seed leaves: its tracker hears "stopped", in a batch or paced (a
 * full queue drops it: the tracker forgets a silent peer anyway).
 */
static void
seed_stopped(const struct ent *e)
{
	struct trk	*t = e->started_on;
	struct stop	*s;

	if (t == NULL || !tk.running || !trk_usable(t))
		return;
	if (trk_batches(t)) {
		if (bstop_add(t, e->key, MAX_BSTOPS) && t->bstop_due == 0)
			t->bstop_due = clock_ms() + STOP_GATHER_MS;
		return;
	}
	if (tk.nstops == MAX_STOPS)
		return;
	s = &tk.stops[(tk.stop_head + tk.nstops++) % MAX_STOPS];
	memcpy(s->key, e->key, SWARMKEY_LEN);
	s->t = t;
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
 * Batches of seeds, for trackers that advertised them.
 */

/* The tracker whose batch a seed joins, or NULL: announced on its own. */
static struct trk *
batch_target(const struct ent *e)
{
	struct trk	*l[MAX_LIST];
	size_t		 n, i;

	if (ent_fast(e) || e->req != NULL || !tk.running)
		return NULL;
	n = ent_list(e, l);
	for (i = 0; i < n && !trk_usable(l[i]); i++)
		;
	if (i == n || l[i]->seeds_url == NULL ||
	    clock_ms() < l[i]->batch_off_until)
		return NULL;
	return l[i];
}

static void
ent_unbatch(struct ent *e)
{
	if (e->bt == NULL)
		return;
	e->bt->nbatched--;
	e->bt = NULL;
}

static void
ent_batch(struct ent *e, struct trk *t)
{
	heap_remove(e);
	ent_unbatch(e);
	e->bt = t;
	t->nbatched++;
	if (t->batch_due == 0 && t->binflight == 0)
		t->batch_due = clock_ms() + BATCH_GATHER_MS;
	else if (e->started_on != t && t->new_due == 0)
		t->new_due = (t->new_last + BATCH_NEW_MS > clock_ms() ?
		    t->new_last + BATCH_NEW_MS : clock_ms()) + BATCH_GATHER_MS;
}

/* The tracker now takes batches: its seeds waiting on their own join. */
static void
batch_adopt(struct trk *t)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;

	while (shamap_next(&tk.ents, &pos, &k, &v)) {
		struct ent	*e = v;

		if (e->heap == H_SEED && batch_target(e) == t)
			ent_batch(e, t);
	}
}

/* The tracker's batch is over: its seeds go back to the paced schedule. */
static void
batch_dissolve(struct trk *t)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;

	t->batch_due = t->new_due = 0;
	while (shamap_next(&tk.ents, &pos, &k, &v)) {
		struct ent	*e = v;

		if (e->bt != t)
			continue;
		ent_unbatch(e);
		ent_schedule(e, randombytes_uniform(SEED_SPREAD_MS));
	}
}

/* One request of a round: n hashes from h, which it takes. */
static void
batch_send(struct trk *t, enum trk_event ev, uint8_t (*h)[20], size_t n)
{
	struct trk_req	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		free(h);
		return;
	}
	q->t = t;
	q->batch = true;
	q->event = ev;
	q->hashes = h;
	q->nhashes = n;
	memcpy(q->key, h[0], SWARMKEY_LEN);
	(void)req_send(q);
}

/*
 * A round: every seed of the batch, those the tracker has not heard of
 * ("started") apart from the others, TRK_BATCH_MAX a request; or, for
 * only_new, those alone.
 */
static void
batch_round(struct trk *t, bool only_new)
{
	uint8_t		(*h[2])[20] = { NULL, NULL };
	size_t		 n[2] = { 0, 0 }, pos = 0, i;
	const uint8_t	*k;
	void		*v;

	if (!only_new)
		t->batch_due = 0;
	t->new_due = 0;
	t->new_last = clock_ms();
	if (!trk_usable(t) || t->seeds_url == NULL) {
		batch_dissolve(t);
		return;
	}
	while (shamap_next(&tk.ents, &pos, &k, &v)) {
		struct ent	*e = v;

		if (e->bt != t || (only_new && e->started_on == t))
			continue;
		i = e->started_on == t;
		if (n[i] % TRK_BATCH_MAX == 0) {
			/* The full ones are sent; a new one starts. */
			if (n[i] > 0)
				batch_send(t, i ? TRK_EV_NONE : TRK_EV_STARTED,
				    h[i], n[i]);
			n[i] = 0;
			if ((h[i] = calloc(TRK_BATCH_MAX, 20)) == NULL)
				continue;
		}
		memcpy(h[i][n[i]++], e->key, SWARMKEY_LEN);
	}
	for (i = 0; i < 2; i++)
		if (n[i] > 0)
			batch_send(t, i ? TRK_EV_NONE : TRK_EV_STARTED, h[i],
			    n[i]);
		else
			free(h[i]);
}

/* t's "stopped" batch goes out: TRK_BATCH_MAX a request. */
static void
bstops_send(struct trk *t)
{
	uint8_t	(*h)[20];
	size_t	 i, n;

	t->bstop_due = 0;
	for (i = 0; i < t->nbstops; i += n) {
		n = t->nbstops - i < TRK_BATCH_MAX ? t->nbstops - i :
		    TRK_BATCH_MAX;
		if ((h = calloc(n, 20)) == NULL)
			break;
		memcpy(h, t->bstops[i], 20 * n);
		batch_send(t, TRK_EV_STOPPED, h, n);
	}
	t->nbstops = 0;
	free(t->bstops);
	t->bstops = NULL;
}

/* A batch request is over. */
static void
batch_done(struct trk_req *q, enum trk_status st, const struct trk_reply *r)
{
	struct trk	*t = q->t;
	struct ent	*e;
	int64_t		 iv = TRACKER_INTERVAL_DEF;
	size_t		 i;

	if (st == TRK_ST_OK) {
		t->ok++;
		t->answered = true;
		t->last_ok = clock_ms();
		iv = trk_clamp_interval(r->interval, TRACKER_INTERVAL_DEF,
		    TRACKER_INTERVAL_MIN, TRACKER_INTERVAL_MAX);
		for (i = 0; i < q->nhashes && q->event != TRK_EV_STOPPED; i++)
			if ((e = shamap_get(&tk.ents, q->hashes[i])) != NULL &&
			    e->bt == t) {
				e->started_on = t;
				e->fails = 0;
			}
		log_debug("tracker %s: batch of %zu seeds taken, interval "
		    "%lld s", t->seeds_url, q->nhashes, (long long)iv);
	} else if (q->event != TRK_EV_STOPPED) {
		t->failed++;
		log_notice("tracker %s: batched seed announces %s%s; its "
		    "seeds are announced one by one for %d minutes",
		    t->seeds_url, st == TRK_ST_REFUSED ? "refused: " : "failed",
		    st == TRK_ST_REFUSED ? r->message : "",
		    TRACKER_ABSENT_S / 60);
		t->batch_off_until = clock_ms() + TRACKER_ABSENT_S * 1000ULL;
		batch_dissolve(t);
	}
	/* The next round, once this one is over. */
	if (t->binflight == 0 && t->nbatched > 0 && t->batch_due == 0)
		t->batch_due = clock_ms() + (uint64_t)iv * 1000 +
		    randombytes_uniform((uint32_t)(iv * 1000 / 5 + 1));
}

/* A tracker's reply named (or no longer names) its batch path. */
static void
batch_advertised(struct trk *t, const struct trk_reply *r)
{
	char	url[TRK_URL_MAX];
	bool	had = t->seeds_url != NULL;

	if (t->udp)
		return;
	if (r->seeds_path[0] == '\0' ||
	    trk_batch_url(url, sizeof(url), t->url, r->seeds_path) != 0) {
		if (had) {
			free(t->seeds_url);
			t->seeds_url = NULL;
			batch_dissolve(t);
		}
		return;
	}
	if (had && strcmp(url, t->seeds_url) == 0)
		return;
	free(t->seeds_url);
	if ((t->seeds_url = strdup(url)) == NULL) {
		if (had)
			batch_dissolve(t);
		return;
	}
	if (!had) {
		log_info("tracker %s: takes batched seed announces at %s",
		    t->url, t->seeds_url);
		batch_adopt(t);
	}
}

/*
 * The timer: fast entries when due, seeds when due and the cap allows.
 */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	now = clock_ms(), gap;
	struct ent	*e;
	struct trk	*t;
	size_t		 i;

	if (!tk.running)
		return;
	gap = 60000 / (conf.tracker_announce_rate > 0 ?
	    conf.tracker_announce_rate : 1);
	while (tk.inflight < MAX_INFLIGHT && tk.fast.n > 0 &&
	    (e = tk.fast.v[0])->due <= now) {
		heap_remove(e);
		ent_announce(e);
	}
	for (i = 0; i < tk.ntrks && tk.inflight < MAX_INFLIGHT; i++)
		if (tk.trks[i]->bstop_due != 0 && tk.trks[i]->bstop_due <= now)
			bstops_send(tk.trks[i]);
	/* Seeds gone go before seeds announced, under the same cap. */
	while (tk.nstops > 0 && tk.inflight < MAX_INFLIGHT &&
	    tk.next_seed_ms <= now) {
		struct stop	*s = &tk.stops[tk.stop_head];

		tk.stop_head = (tk.stop_head + 1) % MAX_STOPS;
		tk.nstops--;
		if (s->t == NULL || !trk_usable(s->t))
			continue;
		stop_send(s->t, s->key, 0);
		tk.next_seed_ms = now + gap;
	}
	while (tk.seed.n > 0 && (e = tk.seed.v[0])->due <= now) {
		if ((t = batch_target(e)) != NULL) {
			ent_batch(e, t);
			continue;
		}
		if (tk.inflight >= MAX_INFLIGHT || tk.next_seed_ms > now)
			break;
		heap_remove(e);
		if (ent_announce(e))
			tk.next_seed_ms = now + gap;
	}
	for (i = 0; i < tk.ntrks && tk.inflight < MAX_INFLIGHT; i++) {
		t = tk.trks[i];
		if (t->batch_due != 0 && t->batch_due <= now)
			batch_round(t, false);
		else if (t->new_due != 0 && t->new_due <= now &&
		    t->binflight == 0)
			batch_round(t, true);
	}
	rearm();
}

static void
rearm(void)
{
	uint64_t	now = clock_ms(), when = UINT64_MAX, d;
	struct timeval	tv;
	size_t		i;

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
	if (tk.nstops > 0 && tk.next_seed_ms < when)
		when = tk.next_seed_ms;
	for (i = 0; i < tk.ntrks; i++) {
		struct trk	*t = tk.trks[i];

		/* A round cancelled (pause) is planned again. */
		if (t->nbatched > 0 && t->batch_due == 0 && t->binflight == 0)
			t->batch_due = now + BATCH_GATHER_MS;
		if (t->batch_due != 0 && t->batch_due < when)
			when = t->batch_due;
		if (t->new_due != 0 && t->new_due < when && t->binflight == 0)
			when = t->new_due;
		if (t->bstop_due != 0 && t->bstop_due < when)
			when = t->bstop_due;
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
		batch_advertised(t, r);
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

/* tracker_stop() is over: every answer came, or its time is up. */
static void
stop_over(evutil_socket_t fd, short what, void *arg)
{
	void	(*cb)(void *) = tk.stop_cb;

	if (cb == NULL)
		return;
	tk.stop_cb = NULL;
	if (tk.stop_timer != NULL)
		evtimer_del(tk.stop_timer);
	cb(tk.stop_arg);
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
	if (tk.stopping) {
		/* The answer to a last "stopped": nothing follows. */
		req_free(q);
		if (tk.inflight == 0)
			stop_over(0, 0, NULL);
		return;
	}
	if (q->batch) {
		batch_done(q, st, r);
		req_free(q);
		rearm();
		return;
	}
	tracker_answered(t, st, st == TRK_ST_OK && q->scrape ? NULL : r);
	if (q->scrape)
		q->scrape_cb(q->scrape_arg, st == TRK_ST_OK ? &q->scr : NULL);
	if (e == NULL) {
		req_free(q);
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

/*
 * "trackers": URLs separated by blanks or commas are one BEP 12 tier
 * (a tracker cluster's nodes, shuffled, what answers promoted); "|"
 * starts the next tier, tried when every tracker of the one before fails.
 */
static void
conf_trackers(void)
{
	const char	*p = conf.trackers != NULL ? conf.trackers : "";
	char		 url[TRK_URL_MAX / 2];
	size_t		 len;
	struct trk	*t;
	unsigned	 tier = 0;
	size_t		 i, j;

	for (i = 0; i < tk.ntrks; i++)
		tk.trks[i]->tier_mates = false;
	tk.nconf = 0;
	while (*(p += strspn(p, " \t,")) != '\0' && tk.nconf < MAX_CONF) {
		if (*p == '|') {
			if (tk.nconf > 0 && tk.conf_tier[tk.nconf - 1] == tier)
				tier++;
			p++;
			continue;
		}
		len = strcspn(p, " \t,|");
		if (len < sizeof(url)) {
			memcpy(url, p, len);
			url[len] = '\0';
			if ((t = trk_get(url)) != NULL) {
				t->trusted = true;
				tk.conf_tier[tk.nconf] = tier;
				tk.conf[tk.nconf++] = t;
			}
		}
		p += len;
	}
	for (i = 0; i < tk.nconf; i++)
		for (j = 0; j < tk.nconf; j++)
			if (j != i && tk.conf_tier[j] == tk.conf_tier[i])
				tk.conf[i]->tier_mates = true;
}

void
tracker_apply(bool running, uint16_t port)
{
	struct ent	*e;
	bool		 was = tk.running;

	/* Stopping (tracker_stop()): only the last answers remain. */
	if (!tk.ents_init || tk.stopping)
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

bool
tracker_stop(void (*done)(void *), void *arg)
{
	struct timeval	 tv = { STOP_WAIT_MS / 1000,
	    (STOP_WAIT_MS % 1000) * 1000 };
	size_t		 pos, i, nsingle = 0, nbatch = 0;
	const uint8_t	*k;
	void		*v;
	int		 pass;

	if (!tk.ents_init || !tk.running || tk.stopping)
		return false;
	cancel_all();
	tk.running = false;
	tk.stopping = true;
	rearm();
	/* Fetches first: peers were told we want those. */
	for (pass = 0; pass < 2; pass++)
		for (pos = 0; shamap_next(&tk.ents, &pos, &k, &v); ) {
			struct ent	*e = v;
			struct trk	*t = e->started_on;

			if (t == NULL || !trk_usable(t) ||
			    e->fetching != (pass == 0))
				continue;
			if (!e->fetching && e->kind != K_PRESENCE &&
			    trk_batches(t) && bstop_add(t, e->key, SIZE_MAX))
				nbatch++;
			else if (nsingle < MAX_INFLIGHT) {
				stop_send(t, e->key, e->fetching ? e->size : 0);
				nsingle++;
			}
		}
	/* Seeds gone before, still waiting for the cap. */
	for (; tk.nstops > 0 && nsingle < MAX_INFLIGHT; tk.nstops--) {
		struct stop	*s = &tk.stops[tk.stop_head];

		tk.stop_head = (tk.stop_head + 1) % MAX_STOPS;
		if (s->t != NULL && trk_usable(s->t)) {
			stop_send(s->t, s->key, 0);
			nsingle++;
		}
	}
	for (i = 0; i < tk.ntrks; i++)
		if (tk.trks[i]->nbstops > 0)
			bstops_send(tk.trks[i]);
	if (tk.inflight == 0)
		return false;
	log_info("tracker: \"stopped\" for %zu seeds in batches and %zu "
	    "keys one by one; waiting at most %d ms", nbatch, nsingle,
	    STOP_WAIT_MS);
	if (tk.stop_timer == NULL &&
	    (tk.stop_timer = evtimer_new(tk.base, stop_over, NULL)) == NULL)
		return false;
	tk.stop_cb = done;
	tk.stop_arg = arg;
	evtimer_add(tk.stop_timer, &tv);
	return true;
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
	if (tk.stop_timer != NULL)
		event_free(tk.stop_timer);
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
		/* A failed fetch leaves its swarm at once, a seed paced. */
		if (e->fetching)
			send_stopped(e);
		else
			seed_stopped(e);
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
