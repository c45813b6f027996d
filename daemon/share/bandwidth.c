/* SPDX-License-Identifier: ISC */
/*
 * bandwidth.c - the bandwidth tree's scheduler and token buckets.
 *
 * Nodes exist only while a link uses them: a file node per file with
 * links, a peer node per connection.  Explicit limits are a short table
 * looked up when a node's bucket is refilled, so a limit set or lifted
 * at run time applies on the next turn.  Buckets hold at most a tenth of
 * a second of their rate and may go negative by the last block, so a
 * limit holds over any span longer than that, whatever the block size.
 * The scheduler runs from a zero timer after new work (many requests
 * read in one go cost one pass) and from a timer sized to the first
 * bucket that refills, only while something waits for one.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "daemon/share/bandwidth.h"
#include "daemon/share/peer.h"

#define RATE_MAX	((uint64_t)1 << 40)	/* bytes/s: no overflow below */
#define BURST_DIV	10			/* a bucket holds rate / 10 */
/*
 * Upload bytes granted and still being read, for all connections
 * together.  Each read is a buffer on a worker's heap until it reaches
 * its connection; granted at once, 500 peers asking for a block on five
 * channels each had 21 MB of them in flight.  Past this, turns wait for
 * reads to finish (a peer's reads end whether it reads or not, so no
 * peer can hold this up).
 */
#define READ_BUDGET	(8u * 1024 * 1024)

struct bucket {
	uint64_t	rate;
	int64_t		tokens;
	uint64_t	at;		/* us of the last refill */
};

struct bw_node {
	LIST_ENTRY(bw_node)	 entry;
	TAILQ_ENTRY(bw_node)	 ring[BW_NDIR];	/* files with waiting links */
	bool			 is_peer;
	uint8_t			 sha256[SHA256_LEN];
	const struct peer	*peer;
	unsigned		 refs;
	struct bucket		 b[BW_NDIR];
	TAILQ_HEAD(, bw_client)	 waiting[BW_NDIR];
	unsigned		 nwaiting[BW_NDIR];
	bool			 in_ring[BW_NDIR];
	uint64_t		 inflight;	/* peers: upload bytes being read */
};

static LIST_HEAD(, bw_node)	 nodes = LIST_HEAD_INITIALIZER(nodes);
static TAILQ_HEAD(, bw_node)	 ring[BW_NDIR];
static unsigned			 nring[BW_NDIR];
static uint64_t			 reading;	/* granted upload bytes being read */
static struct bucket		 global[BW_NDIR];
static uint64_t			 peer_default[BW_NDIR];
static struct bw_limit		 limits[BW_MAX_LIMITS];
static size_t			 nlimits;
static struct event		*soon_ev, *tick_ev;

static void	service_cb(evutil_socket_t, short, void *);
static void	service_soon(void);

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Token buckets.
 */

static int64_t
bucket_cap(const struct bucket *b)
{
	return (int64_t)(b->rate / BURST_DIV) + 1;
}

static void
bucket_rate(struct bucket *b, uint64_t rate, uint64_t now)
{
	if (rate > RATE_MAX)
		rate = RATE_MAX;
	if (rate == b->rate)
		return;
	if (b->rate == 0) {
		/* A new limit starts empty: no burst beyond one tick's worth. */
		b->tokens = 0;
		b->at = now;
	}
	b->rate = rate;
	if (b->tokens > bucket_cap(b))
		b->tokens = bucket_cap(b);
}

static void
bucket_refill(struct bucket *b, uint64_t now)
{
	uint64_t	dt;

	if (b->rate == 0 || now <= b->at)
		return;
	dt = now - b->at;
	if (dt >= 1000000)
		b->tokens = bucket_cap(b);
	else
		b->tokens += (int64_t)(b->rate * dt / 1000000);
	b->at = now;
	if (b->tokens > bucket_cap(b))
		b->tokens = bucket_cap(b);
}

static bool
bucket_ok(const struct bucket *b)
{
	return b->rate == 0 || b->tokens > 0;
}

static void
bucket_take(struct bucket *b, size_t n)
{
	if (b->rate != 0)
		b->tokens -= (int64_t)n;
}

/* Note how long until b has tokens again, keeping the shortest wait. */
static void
bucket_wait(const struct bucket *b, uint64_t *wait)
{
	uint64_t	us;

	us = (uint64_t)(1 - b->tokens) * 1000000 / b->rate + 1;
	if (*wait == 0 || us < *wait)
		*wait = us;
}

/*
 * Explicit limits and node rates.
 */

static struct bw_limit *
limit_find(const struct bw_limit *key)
{
	size_t	i;

	for (i = 0; i < nlimits; i++) {
		if (limits[i].is_peer != key->is_peer)
			continue;
		if (key->is_peer ? netaddr_equal(&limits[i].addr, &key->addr) :
		    memcmp(limits[i].sha256, key->sha256, SHA256_LEN) == 0)
			return &limits[i];
	}
	return NULL;
}

/* A peer's limit: ADDRESS:PORT before ADDRESS, then the default. */
static uint64_t
node_rate(const struct bw_node *n, enum bw_dir d)
{
	const struct bw_limit	*best = NULL;
	size_t			 i;

	for (i = 0; i < nlimits; i++) {
		if (limits[i].is_peer != n->is_peer)
			continue;
		if (!n->is_peer) {
			if (memcmp(limits[i].sha256, n->sha256,
			    SHA256_LEN) == 0) {
				best = &limits[i];
				break;
			}
		} else if (netaddr_match(&limits[i].addr, peer_addr(n->peer),
		    peer_listen_port(n->peer)) &&
		    (best == NULL || limits[i].addr.port != 0))
			best = &limits[i];
	}
	if (best != NULL)
		return d == BW_UP ? best->up : best->down;
	return n->is_peer ? peer_default[d] : 0;
}

static struct bucket *
node_bucket(struct bw_node *n, enum bw_dir d, uint64_t now)
{
	bucket_rate(&n->b[d], node_rate(n, d), now);
	bucket_refill(&n->b[d], now);
	return &n->b[d];
}

/*
 * Nodes.
 */

static struct bw_node *
node_get(bool is_peer, const uint8_t *sha256, const struct peer *p)
{
	struct bw_node	*n;
	int		 d;

	LIST_FOREACH(n, &nodes, entry)
		if (n->is_peer == is_peer && (is_peer ? n->peer == p :
		    memcmp(n->sha256, sha256, SHA256_LEN) == 0)) {
			n->refs++;
			return n;
		}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->is_peer = is_peer;
	if (is_peer)
		n->peer = p;
	else
		memcpy(n->sha256, sha256, SHA256_LEN);
	for (d = 0; d < BW_NDIR; d++)
		TAILQ_INIT(&n->waiting[d]);
	n->refs = 1;
	LIST_INSERT_HEAD(&nodes, n, entry);
	return n;
}

static void
node_put(struct bw_node *n)
{
	int	d;

	if (n == NULL || --n->refs > 0)
		return;
	for (d = 0; d < BW_NDIR; d++)
		if (n->in_ring[d]) {
			TAILQ_REMOVE(&ring[d], n, ring[d]);
			nring[d]--;
		}
	LIST_REMOVE(n, entry);
	free(n);
}

int
bw_init(struct event_base *base)
{
	int	d;

	for (d = 0; d < BW_NDIR; d++)
		TAILQ_INIT(&ring[d]);
	soon_ev = evtimer_new(base, service_cb, NULL);
	tick_ev = evtimer_new(base, service_cb, NULL);
	return soon_ev != NULL && tick_ev != NULL ? 0 : -ENOMEM;
}

void
bw_shutdown(void)
{
	if (soon_ev != NULL)
		event_free(soon_ev);
	if (tick_ev != NULL)
		event_free(tick_ev);
	soon_ev = tick_ev = NULL;
	nlimits = 0;
}

int
bw_client_init(struct bw_client *c, const uint8_t sha256[SHA256_LEN],
    const struct peer *p, bw_grant_fn grant)
{
	memset(c, 0, sizeof(*c));
	c->grant = grant;
	if ((c->file = node_get(false, sha256, NULL)) == NULL)
		return -ENOMEM;
	if ((c->peer = node_get(true, NULL, p)) == NULL) {
		node_put(c->file);
		c->file = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void
client_unqueue(struct bw_client *c, enum bw_dir d)
{
	if (!c->waiting[d])
		return;
	TAILQ_REMOVE(&c->file->waiting[d], c, q[d]);
	c->file->nwaiting[d]--;
	c->waiting[d] = false;
}

void
bw_client_fini(struct bw_client *c)
{
	int	d;

	if (c->file == NULL)
		return;
	for (d = 0; d < BW_NDIR; d++)
		client_unqueue(c, (enum bw_dir)d);
	/* Reads still out for this link no longer hold the connection back. */
	c->peer->inflight -= c->inflight;
	reading -= c->inflight;
	c->inflight = 0;
	node_put(c->file);
	node_put(c->peer);
	c->file = c->peer = NULL;
	/* What this link was reading may have held others' turns. */
	if (nring[BW_UP] > 0)
		service_soon();
}

/* After each round of turns. */
static void	(*round_end)(void);

void
bw_set_round_end(void (*fn)(void))
{
	round_end = fn;
}

static void
service_soon(void)
{
	static const struct timeval	zero = { 0, 0 };

	if (soon_ev != NULL && !evtimer_pending(soon_ev, NULL))
		evtimer_add(soon_ev, &zero);
}

uint64_t
bw_pace(struct bw_client *c, enum bw_dir d)
{
	uint64_t	r[3], pace = 0;
	size_t		i;

	if (c->file == NULL)
		return 0;
	r[0] = global[d].rate;
	r[1] = node_rate(c->file, d);
	r[2] = node_rate(c->peer, d);
	for (i = 0; i < 3; i++)
		if (r[i] != 0 && (pace == 0 || r[i] < pace))
			pace = r[i];
	return pace;
}

void
bw_want(struct bw_client *c, enum bw_dir d)
{
	struct bw_node	*f = c->file;

	if (f == NULL || c->waiting[d])
		return;
	c->waiting[d] = true;
	TAILQ_INSERT_TAIL(&f->waiting[d], c, q[d]);
	f->nwaiting[d]++;
	if (!f->in_ring[d]) {
		f->in_ring[d] = true;
		TAILQ_INSERT_TAIL(&ring[d], f, ring[d]);
		nring[d]++;
	}
	service_soon();
}

void
bw_sent(struct bw_client *c, size_t n)
{
	if (c->file == NULL)
		return;
	if (n > c->inflight)
		n = (size_t)c->inflight;
	c->inflight -= n;
	c->peer->inflight -= n;
	reading -= n;
	if (nring[BW_UP] > 0)
		service_soon();
}

void
bw_output_drained(void)
{
	if (nring[BW_UP] > 0)
		service_soon();
}

/*
 * The scheduler.
 */

static bool
peer_full(const struct bw_node *p)
{
	return p->inflight + peer_output_len(p->peer) >= BW_BACKLOG;
}

/* One turn for file f: the first of its links that can go. */
static bool
serve_file(struct bw_node *f, enum bw_dir d, uint64_t now, uint64_t *wait)
{
	struct bw_client	*c;
	struct bucket		*fb, *pb;
	unsigned		 i, n = f->nwaiting[d];
	size_t			 len;

	fb = node_bucket(f, d, now);
	if (!bucket_ok(fb)) {
		bucket_wait(fb, wait);
		return false;
	}
	for (i = 0; i < n && (c = TAILQ_FIRST(&f->waiting[d])) != NULL; i++) {
		/* The link goes to the back whatever happens now. */
		TAILQ_REMOVE(&f->waiting[d], c, q[d]);
		TAILQ_INSERT_TAIL(&f->waiting[d], c, q[d]);
		pb = node_bucket(c->peer, d, now);
		if (!bucket_ok(pb)) {
			bucket_wait(pb, wait);
			continue;
		}
		/* A full connection wakes us when it drains. */
		if (d == BW_UP && peer_full(c->peer))
			continue;
		if ((len = c->grant(c, d)) == 0) {
			client_unqueue(c, d);
			continue;
		}
		bucket_take(&global[d], len);
		bucket_take(fb, len);
		bucket_take(pb, len);
		if (d == BW_UP) {
			c->inflight += len;
			c->peer->inflight += len;
			reading += len;
		}
		return true;
	}
	return false;
}

static void
service(enum bw_dir d, uint64_t now, uint64_t *wait)
{
	struct bw_node	*f;
	unsigned	 idle = 0;

	bucket_refill(&global[d], now);
	while ((f = TAILQ_FIRST(&ring[d])) != NULL && idle < nring[d]) {
		/* bw_sent wakes us when reads finish. */
		if (d == BW_UP && reading >= READ_BUDGET)
			break;
		if (!bucket_ok(&global[d])) {
			bucket_wait(&global[d], wait);
			break;
		}
		TAILQ_REMOVE(&ring[d], f, ring[d]);
		if (serve_file(f, d, now, wait))
			idle = 0;
		else
			idle++;
		if (f->nwaiting[d] > 0)
			TAILQ_INSERT_TAIL(&ring[d], f, ring[d]);
		else {
			f->in_ring[d] = false;
			nring[d]--;
		}
	}
}

static void
service_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv;
	uint64_t	wait = 0, now = now_us();

	service(BW_DOWN, now, &wait);
	service(BW_UP, now, &wait);
	if (round_end != NULL)
		round_end();
	if (wait == 0 || tick_ev == NULL)
		return;
	if (evtimer_pending(tick_ev, NULL))
		evtimer_del(tick_ev);
	tv.tv_sec = (time_t)(wait / 1000000);
	tv.tv_usec = (suseconds_t)(wait % 1000000);
	evtimer_add(tick_ev, &tv);
}

/*
 * Limits.
 */

void
bw_set_global(uint64_t down, uint64_t up)
{
	uint64_t	now = now_us();

	bucket_rate(&global[BW_DOWN], down, now);
	bucket_rate(&global[BW_UP], up, now);
	service_soon();
}

void
bw_set_peer_default(uint64_t down, uint64_t up)
{
	peer_default[BW_DOWN] = down;
	peer_default[BW_UP] = up;
	service_soon();
}

int
bw_limit_set(struct bw_limit *lim, int64_t down, int64_t up)
{
	struct bw_limit	*e = limit_find(lim);
	struct bw_limit	 v = *lim;

	v.down = e != NULL ? e->down : 0;
	v.up = e != NULL ? e->up : 0;
	if (down >= 0)
		v.down = (uint64_t)down;
	if (up >= 0)
		v.up = (uint64_t)up;
	if (v.down == 0 && v.up == 0) {
		if (e != NULL)
			*e = limits[--nlimits];
	} else if (e != NULL)
		*e = v;
	else if (nlimits == BW_MAX_LIMITS)
		return -ENOSPC;
	else
		limits[nlimits++] = v;
	*lim = v;
	service_soon();
	return 0;
}

void
bw_limit_foreach(void (*cb)(const struct bw_limit *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < nlimits; i++)
		cb(&limits[i], arg);
}
