/* SPDX-License-Identifier: ISC */
/*
 * swarms.c - the embedded tracker's swarm store (see swarms.h).
 *
 * A peer entry is its compact key (address then port, network order),
 * a flag byte, a pad byte and its expiry: memcmp of the key orders the
 * array, and the entry needs no pointer.
 *
 * A swarm's record moves in the slab when another swarm is freed (the
 * last takes its place): no pointer to one is kept across a call that
 * may free a swarm, and the one remembered for the next lookup is
 * forgotten then.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/tracker/ihslab.h"
#include "daemon/tracker/swarms.h"

#define F_SEED		0x01
#define F_LEARNED	0x02
#define F_FOREIGN	0x04	/* learned from another site's tracker */

/* Per family (index 0: IPv4, 1: IPv6): address, key and entry bytes. */
static const size_t	 alen[2] = { 4, 16 };
static const size_t	 klen[2] = { 6, 18 };
static const size_t	 elen[2] = { 12, 24 };

/*
 * A swarm of more than one peer, or of an IPv6 peer: the counts, and the
 * arrays of both families, the IPv4 one in the same allocation.
 * Capacities are powers of two, kept as their log2 plus one (0: none).
 */
struct plist {
	uint32_t	 n[2], nseeds;
	uint8_t		 capx[2];
	uint8_t		*v6;
	uint8_t		 v4[];
};

/*
 * 36 bytes in the slab, and its 4-byte table slot: a swarm of at most one
 * IPv4 peer (most swarms of a tracker of one file per swarm) has room
 * for that peer's entry in u ("inline": no allocation); any other holds
 * a struct plist pointer there, never NULL.  downloaded saturates.
 */
struct swarm {
	uint8_t		 ih[SWARMS_IH_LEN];
	uint32_t	 downloaded : 29;
	uint32_t	 inl : 1;
	uint32_t	 n1 : 1;	/* inline: the entry holds a peer */
	uint32_t	 foreign : 1;	/* has held a foreign peer */
	uint8_t		 u[12];
};
_Static_assert(sizeof(struct swarm) == 36, "a swarm is 36 bytes");
#define DOWNLOADED_MAX	((1u << 29) - 1)

struct swarms {
	struct ihslab	 slab;
	uint32_t	 ttl;
	size_t		 mem_max;
	size_t		 mem_lists;	/* bytes of every struct plist and v6 */
	size_t		 npeers[2], nseeds, nlearned;
	uint64_t	 refused, evicted, expired;
	uint64_t	 rng;
	swarms_observer	*observer;
	void		*observer_arg;
	/* The swarm looked up last: an announce asks for it three times. */
	struct swarm	*last;
};

static bool
expired(uint32_t expires, uint32_t now)
{
	return (int32_t)(expires - now) <= 0;
}

static struct plist *
pl_of(const struct swarm *sw)
{
	struct plist	*p;

	memcpy(&p, sw->u, sizeof(p));
	return p;
}

static void
pl_set(struct swarm *sw, struct plist *p)
{
	memcpy(sw->u, &p, sizeof(p));
}

/* Peers of family f. */
static uint32_t
nof(const struct swarm *sw, int f)
{
	const struct plist	*p;

	if (sw->inl)
		return f ? 0 : sw->n1;
	p = pl_of(sw);
	return p->n[f];
}

static void
n_set(struct swarm *sw, int f, uint32_t n)
{
	if (sw->inl)
		sw->n1 = n & 1;
	else
		pl_of(sw)->n[f] = n;
}

static void
n_add(struct swarm *sw, int f, int d)
{
	n_set(sw, f, nof(sw, f) + (uint32_t)d);
}

static uint32_t
seeds_of(const struct swarm *sw)
{
	const struct plist	*p;

	if (sw->inl)
		return sw->n1 && (sw->u[klen[0]] & F_SEED);
	p = pl_of(sw);
	return p->nseeds;
}

static uint32_t
cap_of(const struct swarm *sw, int f)
{
	const struct plist	*p;

	if (sw->inl)
		return f ? 0 : 1;
	p = pl_of(sw);
	return p->capx[f] ? 1u << (p->capx[f] - 1) : 0;
}

static uint8_t
capx_of(uint32_t cap)
{
	return cap ? (uint8_t)(__builtin_ctz(cap) + 1) : 0;
}

/*
 * What malloc takes for n bytes: its 8-byte header, rounded up to 16,
 * at least 32 (glibc's chunks), so the count is the heap's.
 */
static size_t
chunk_of(size_t n)
{
	n = (n + 8 + 15) & ~(size_t)15;
	return n < 32 ? 32 : n;
}

/* Heap bytes of the lists of a swarm with these capacities. */
static size_t
heap_of(uint32_t c4, uint32_t c6)
{
	if (c4 <= 1 && c6 == 0)
		return 0;		/* inline */
	return chunk_of(sizeof(struct plist) + (size_t)c4 * elen[0]) +
	    (c6 ? chunk_of((size_t)c6 * elen[1]) : 0);
}

static uint8_t *
entry(struct swarm *sw, int f, size_t i)
{
	struct plist	*p;

	if (sw->inl)
		return sw->u + i * elen[0];
	p = pl_of(sw);
	return (f ? p->v6 : p->v4) + i * elen[f];
}

static uint8_t *
e_flags(uint8_t *e, int f)
{
	return e + klen[f];
}

static uint32_t
e_expires(const uint8_t *e, int f)
{
	uint32_t	x;

	memcpy(&x, e + klen[f] + 2, sizeof(x));
	return x;
}

static void
e_set_expires(uint8_t *e, int f, uint32_t x)
{
	memcpy(e + klen[f] + 2, &x, sizeof(x));
}

static void
e_to_peer(const uint8_t *e, int f, struct swarms_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->family = f ? 6 : 4;
	/* Constant sizes: the copy is a move or two, not a call. */
	if (f)
		memcpy(p->addr, e, 16);
	else
		memcpy(p->addr, e, 4);
	p->port = (uint16_t)(e[alen[f]] << 8 | e[alen[f] + 1]);
	p->seed = (e[klen[f]] & F_SEED) != 0;
}

static void
peer_key(const struct swarms_peer *p, int f, uint8_t *key)
{
	if (f)
		memcpy(key, p->addr, 16);
	else
		memcpy(key, p->addr, 4);
	key[alen[f]] = (uint8_t)(p->port >> 8);
	key[alen[f] + 1] = (uint8_t)p->port;
}

/* xorshift64*: the choice among equals needs speed, not secrecy. */
static uint64_t
rng_next(struct swarms *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

static size_t
rng_below(struct swarms *s, size_t bound)
{
	return (size_t)(((rng_next(s) >> 32) * (uint64_t)bound) >> 32);
}

static struct swarm *
get(struct swarms *s, const uint8_t *ih)
{
	struct swarm	*sw;

	if (s->last != NULL && memcmp(s->last->ih, ih, SWARMS_IH_LEN) == 0)
		return s->last;
	if ((sw = ihslab_get(&s->slab, ih)) != NULL)
		s->last = sw;
	return sw;
}

static size_t
mem_used(const struct swarms *s)
{
	return sizeof(*s) + ihslab_bytes(&s->slab) + s->mem_lists;
}

struct swarms *
swarms_new(uint32_t ttl, size_t max_memory)
{
	struct swarms	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (ihslab_init(&s->slab, sizeof(struct swarm)) != 0) {
		free(s);
		return NULL;
	}
	randombytes_buf(&s->rng, sizeof(s->rng));
	s->rng |= 1;
	swarms_configure(s, ttl, max_memory);
	return s;
}

static void
lists_free(struct swarms *s, struct swarm *sw)
{
	struct plist	*p;

	s->mem_lists -= heap_of(cap_of(sw, 0), cap_of(sw, 1));
	if (!sw->inl) {
		p = pl_of(sw);
		free(p->v6);
		free(p);
	}
}

/*
 * Free sw's lists and take it out of the slab, whose last swarm then
 * moves to where sw was.
 */
static void
swarm_free(struct swarms *s, struct swarm *sw)
{
	s->last = NULL;
	lists_free(s, sw);
	ihslab_remove(&s->slab, sw);
}

void
swarms_free(struct swarms *s)
{
	uint32_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < ihslab_count(&s->slab); i++)
		lists_free(s, ihslab_at(&s->slab, i));
	ihslab_free(&s->slab);
	free(s);
}

void
swarms_configure(struct swarms *s, uint32_t ttl, size_t max_memory)
{
	s->ttl = ttl;
	s->mem_max = max_memory;
}

void
swarms_set_observer(struct swarms *s, swarms_observer *fn, void *arg)
{
	s->observer = fn;
	s->observer_arg = arg;
}

/*
 * Resize family f's array to cap entries (a power of two or 0); the
 * bound was checked.  A swarm goes inline when its capacities become at
 * most one IPv4 entry and no IPv6, and has a list otherwise.
 */
static int
resize(struct swarms *s, struct swarm *sw, int f, uint32_t cap)
{
	uint32_t	 c[2] = { cap_of(sw, 0), cap_of(sw, 1) };
	size_t		 before = heap_of(c[0], c[1]);
	struct plist	*p = sw->inl ? NULL : pl_of(sw), *np;
	uint8_t		*v6, tmp[12];
	uint32_t	 n4 = nof(sw, 0);

	c[f] = cap;
	if (c[0] <= 1 && c[1] == 0) {
		/* At most one IPv4 peer: inline, kept in place. */
		if (n4 > 0)
			memcpy(tmp, entry(sw, 0, 0), sizeof(tmp));
		if (p != NULL) {
			free(p->v6);
			free(p);
			p = NULL;
		}
		memset(sw->u, 0, sizeof(sw->u));
		sw->inl = 1;
		sw->n1 = n4 > 0;
		if (n4 > 0)
			memcpy(sw->u, tmp, sizeof(tmp));
	} else if (p == NULL) {
		/* From inline to a list. */
		if ((np = malloc(sizeof(*np) + (size_t)c[0] * elen[0])) == NULL)
			return -ENOMEM;
		v6 = NULL;
		if (c[1] > 0 && (v6 = malloc((size_t)c[1] * elen[1])) == NULL) {
			free(np);
			return -ENOMEM;
		}
		np->n[0] = n4;
		np->n[1] = 0;
		np->nseeds = seeds_of(sw);
		np->v6 = v6;
		if (n4 > 0)
			memcpy(np->v4, sw->u, elen[0]);
		sw->inl = 0;
		sw->n1 = 0;
		pl_set(sw, np);
		p = np;
	} else if (f == 0) {
		if ((np = realloc(p, sizeof(*p) + (size_t)cap * elen[0])) == NULL)
			return -ENOMEM;
		pl_set(sw, np);
		p = np;
	} else if (cap == 0) {
		free(p->v6);
		p->v6 = NULL;
	} else {
		if ((v6 = realloc(p->v6, (size_t)cap * elen[1])) == NULL)
			return -ENOMEM;
		p->v6 = v6;
	}
	if (p != NULL) {
		p->capx[0] = capx_of(c[0]);
		p->capx[1] = capx_of(c[1]);
	}
	s->mem_lists -= before;
	s->mem_lists += heap_of(c[0], c[1]);
	return 0;
}

/*
 * An IPv4 key (6 bytes) as a number that orders as memcmp does: one load
 * of 8 bytes (an entry's key, flags and pad; a key buffer holds 18).
 */
static uint64_t
key4(const uint8_t *k)
{
	uint64_t	x;

	memcpy(&x, k, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x >> 16;
}

/*
 * Does the key of entry e order before key (y: key4's)?  IPv4's keys
 * compare as numbers, without a call.
 */
static inline bool
below(const uint8_t *e, int f, const uint8_t *key, uint64_t y)
{
	return f ? memcmp(e, key, klen[1]) < 0 : key4(e) < y;
}

/*
 * A binary search without a branch on the comparison, which fetches the
 * two entries the next step may read while this one compares: the
 * misses of a swarm larger than the cache overlap instead of following
 * each other.
 */
static bool
find(struct swarm *sw, int f, const uint8_t *key, size_t *pos)
{
	size_t		 n = nof(sw, f), all = n, base = 0, half, el = elen[f];
	uint64_t	 y = f ? 0 : key4(key);
	uint8_t		*v;

	if (n == 0) {
		*pos = 0;
		return false;
	}
	v = entry(sw, f, 0);
	/* A few cache lines are read soon enough without a prefetch. */
	while (n > 64) {
		half = n / 2;
		__builtin_prefetch(v + (base + (n - half) / 2) * el);
		__builtin_prefetch(v + (base + half + (n - half) / 2) * el);
		base = below(v + (base + half) * el, f, key, y) ?
		    base + half : base;
		n -= half;
	}
	while (n > 1) {
		half = n / 2;
		base = below(v + (base + half) * el, f, key, y) ?
		    base + half : base;
		n -= half;
	}
	if (below(v + base * el, f, key, y))
		base++;
	*pos = base;
	return base < all && (f ? memcmp(v + base * el, key, klen[1]) == 0 :
	    key4(v + base * el) == y);
}

static void
count(struct swarms *s, struct swarm *sw, int f, uint8_t flags, int d)
{
	s->npeers[f] += (size_t)d;
	if (flags & F_SEED) {
		if (!sw->inl)
			pl_of(sw)->nseeds += (uint32_t)d;
		s->nseeds += (size_t)d;
	}
	if (flags & F_LEARNED)
		s->nlearned += (size_t)d;
}

/* Remove entry i of family f; shrink the array when a quarter full. */
static void
remove_at(struct swarms *s, struct swarm *sw, int f, size_t i)
{
	count(s, sw, f, *e_flags(entry(sw, f, i), f), -1);
	memmove(entry(sw, f, i), entry(sw, f, i + 1),
	    (nof(sw, f) - i - 1) * elen[f]);
	n_add(sw, f, -1);
	if (cap_of(sw, f) > 4 && nof(sw, f) <= cap_of(sw, f) / 4)
		(void)resize(s, sw, f, cap_of(sw, f) / 2);
	else if (nof(sw, f) == 0)
		(void)resize(s, sw, f, 0);
}

static void
drop_if_empty(struct swarms *s, struct swarm *sw)
{
	if (nof(sw, 0) == 0 && nof(sw, 1) == 0 && sw->downloaded == 0)
		swarm_free(s, sw);
}

/* The entry that expires first: the one the bound evicts. */
static size_t
oldest(struct swarm *sw, int f)
{
	size_t		i, best = 0;
	uint32_t	x, bx = e_expires(entry(sw, f, 0), f);

	for (i = 1; i < nof(sw, f); i++) {
		x = e_expires(entry(sw, f, i), f);
		if ((int32_t)(x - bx) < 0) {
			bx = x;
			best = i;
		}
	}
	return best;
}

static void
tell(struct swarms *s, const uint8_t *ih, const struct swarms_peer *p,
    enum swarms_origin origin, enum swarms_change ch, uint32_t expires)
{
	if (origin == SWARMS_LOCAL && s->observer != NULL)
		s->observer(s->observer_arg, ih, p, ch, expires);
}

/* A new swarm for ih, if the bound allows it and its first peer. */
static struct swarm *
swarm_new(struct swarms *s, const uint8_t *ih, int f)
{
	struct swarm	*sw;
	size_t		 need;

	need = sizeof(*s) + ihslab_bytes_peak(&s->slab) + s->mem_lists +
	    heap_of(1, f ? 1 : 0);
	if (need > s->mem_max)
		return NULL;
	if ((sw = ihslab_add(&s->slab, ih)) == NULL)
		return NULL;
	sw->inl = 1;
	return sw;
}

static int
stop(struct swarms *s, const uint8_t *ih, const struct swarms_peer *p,
    int f, const uint8_t *key, enum swarms_origin origin)
{
	struct swarm	*sw;
	size_t		 pos;
	uint8_t		 fl;

	if ((sw = get(s, ih)) == NULL || !find(sw, f, key, &pos))
		return SWARMS_NONE;
	fl = *e_flags(entry(sw, f, pos), f);
	/* Another node cannot take away a peer that announced here. */
	if (origin != SWARMS_LOCAL && !(fl & F_LEARNED))
		return SWARMS_NONE;
	remove_at(s, sw, f, pos);
	tell(s, ih, p, origin, SWARMS_CH_REMOVE, 0);
	drop_if_empty(s, sw);
	return SWARMS_REMOVED;
}

/* Room for one more entry at *pos: grow, or evict under the bound. */
static int
make_room(struct swarms *s, struct swarm *sw, int f, size_t *pos)
{
	uint32_t	old = cap_of(sw, f), cap = old ? old * 2 : 1;
	uint32_t	c[2] = { cap_of(sw, 0), cap_of(sw, 1) };
	size_t		i, before = heap_of(c[0], c[1]);

	if (nof(sw, f) < old)
		return 0;
	c[f] = cap;
	if (mem_used(s) + heap_of(c[0], c[1]) - before <= s->mem_max)
		return resize(s, sw, f, cap);
	if (nof(sw, f) == 0)
		return -ENOSPC;
	i = oldest(sw, f);
	count(s, sw, f, *e_flags(entry(sw, f, i), f), -1);
	memmove(entry(sw, f, i), entry(sw, f, i + 1),
	    (nof(sw, f) - i - 1) * elen[f]);
	n_add(sw, f, -1);
	if (i < *pos)
		(*pos)--;
	s->evicted++;
	return 0;
}

int
swarms_announce(struct swarms *s, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *p, enum trk_event ev,
    enum swarms_origin origin, uint32_t expires, uint32_t now)
{
	struct swarm	*sw;
	uint8_t		 key[18], *e, fl, nfl;
	size_t		 pos;
	uint32_t	 n;
	int		 f, rc;
	bool		 was_learned;

	if ((p->family != 4 && p->family != 6) || p->port == 0)
		return -EINVAL;
	f = p->family == 6;
	peer_key(p, f, key);
	if (ev == TRK_EV_STOPPED)
		return stop(s, ih, p, f, key, origin);
	if (origin == SWARMS_LOCAL)
		expires = now + s->ttl;
	nfl = (p->seed ? F_SEED : 0) | (origin != SWARMS_LOCAL ? F_LEARNED : 0) |
	    (origin == SWARMS_FOREIGN ? F_FOREIGN : 0);
	if ((sw = get(s, ih)) == NULL &&
	    (sw = swarm_new(s, ih, f)) == NULL) {
		s->refused++;
		return -ENOSPC;
	}
	if (ev == TRK_EV_COMPLETED && sw->downloaded < DOWNLOADED_MAX)
		sw->downloaded++;
	if (origin == SWARMS_FOREIGN)
		sw->foreign = 1;
	if (find(sw, f, key, &pos)) {
		e = entry(sw, f, pos);
		fl = *e_flags(e, f);
		was_learned = (fl & F_LEARNED) != 0;
		if (origin != SWARMS_LOCAL && !was_learned) {
			/* Ours stays ours; it lives at least as long as told. */
			nfl &= (uint8_t)~(F_LEARNED | F_FOREIGN);
			if ((int32_t)(expires - e_expires(e, f)) < 0)
				expires = e_expires(e, f);
		}
		if (fl != nfl) {
			count(s, sw, f, fl, -1);
			count(s, sw, f, nfl, 1);
			*e_flags(e, f) = nfl;
		}
		e_set_expires(e, f, expires);
		tell(s, ih, p, origin, was_learned ? SWARMS_CH_ADD :
		    SWARMS_CH_REFRESH, expires);
		return SWARMS_REFRESHED;
	}
	if ((rc = make_room(s, sw, f, &pos)) != 0) {
		if (rc == -ENOSPC)
			s->refused++;
		drop_if_empty(s, sw);
		return rc;
	}
	e = entry(sw, f, pos);
	n = nof(sw, f);
	memmove(e + elen[f], e, (n - pos) * elen[f]);
	memcpy(e, key, klen[f]);
	e[klen[f]] = nfl;
	e[klen[f] + 1] = 0;
	e_set_expires(e, f, expires);
	n_set(sw, f, n + 1);
	count(s, sw, f, nfl, 1);
	tell(s, ih, p, origin, SWARMS_CH_ADD, expires);
	return SWARMS_ADDED;
}

static uint32_t
load32(const uint8_t *p)
{
	uint32_t	x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static uint64_t
load64(const uint8_t *p)
{
	uint64_t	x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/*
 * The asker, as select compares it to every entry: masks taken from
 * bytes in memory order, so the integer compares need no byte swap.
 */
struct near {
	uint64_t	 addr, m_near, m_mid;
	bool		 same_family;
	uint8_t		 self[18];
};

static void
near_of(struct near *nr, const struct swarms_peer *asker, int f)
{
	static const uint8_t	ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff };
	static const size_t	near[2] = { 3, 8 }, mid[2] = { 2, 6 };
	uint8_t			m[8] = { 0 };

	memset(nr, 0, sizeof(*nr));
	nr->same_family = asker->family == (f ? 6 : 4);
	if (!nr->same_family)
		return;
	peer_key(asker, f, nr->self);
	nr->addr = f ? load64(asker->addr) : load32(asker->addr);
	memcpy(m, ones, near[f]);
	nr->m_near = load64(m);
	memset(m, 0, sizeof(m));
	memcpy(m, ones, mid[f]);
	nr->m_mid = load64(m);
}

/* 0: same /24 or /64; 1: same /16 or /48; 2: the rest. */
static int
group(const struct near *nr, int f, const uint8_t *e)
{
	uint64_t	x;

	if (!nr->same_family)
		return 2;
	x = (f ? load64(e) : load32(e)) ^ nr->addr;
	if ((x & nr->m_near) == 0)
		return 0;
	if ((x & nr->m_mid) == 0)
		return 1;
	return 2;
}

static bool
is_self(const struct near *nr, int f, const uint8_t *e)
{
	if (!nr->same_family)
		return false;
	if (f == 0)
		return load32(e) == load32(nr->self) && e[4] == nr->self[4] &&
		    e[5] == nr->self[5];
	return memcmp(e, nr->self, klen[1]) == 0;
}

/*
 * Entry indexes sampled per group (the three of swarms_select's order,
 * then the foreign peers): one pass over the swarm fills them all.
 */
#define GROUPS	4
static uint32_t	 picked[GROUPS][SWARMS_SELECT_MAX];

static uint32_t	 chosen[SWARMS_SELECT_MAX];

/*
 * swarms_select's choice, as indexes of sw's entries of family f in
 * chosen[] (numwant at most SWARMS_SELECT_MAX); returns how many.
 */
/* The first entry of family f whose first p bytes are >= (or >) pre. */
static size_t
bound(struct swarm *sw, int f, const uint8_t *pre, size_t p, bool after)
{
	size_t	 lo = 0, hi = nof(sw, f), mid;
	uint8_t	*v;
	int	 c;

	/*
	 * The ends first: when every peer is in the asker's network (a
	 * swarm of one site), or none, no search touches the middle.
	 */
	if (hi == 0)
		return 0;
	v = entry(sw, f, 0);
	c = memcmp(v, pre, p);
	if (c > 0 || (!after && c == 0))
		return 0;
	c = memcmp(v + (hi - 1) * elen[f], pre, p);
	if (c < 0 || (after && c == 0))
		return hi;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(v + mid * elen[f], pre, p);
		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The indexes take() drew in its current call, as an open-addressed set
 * tagged with the call's generation: no clearing between calls, and a
 * membership test costs one probe, not a pass over what was drawn.
 */
#define DRAWN_SLOTS	1024	/* > 2 x the draws of one call (8 x 64 + 32) */
static uint64_t	 drawn[DRAWN_SLOTS];
static uint32_t	 drawn_gen;

/* Add i to the set; false if it was there. */
static bool
drawn_add(uint32_t i)
{
	uint64_t	v = (uint64_t)drawn_gen << 32 | i;
	size_t		h = (uint32_t)(i * 0x9e3779b1u) >> 22;

	while (drawn[h] >> 32 == drawn_gen) {
		if (drawn[h] == v)
			return false;
		h = (h + 1) & (DRAWN_SLOTS - 1);
	}
	drawn[h] = v;
	return true;
}

/*
 * Up to t live entries, not the asker, of the indexes [a, b) and [c, d),
 * a uniform choice in a random order, appended to chosen[] from got.
 */
static size_t
take(struct swarms *s, struct swarm *sw, int f, const struct near *nr,
    size_t a, size_t b, size_t c, size_t d, size_t t, uint32_t now,
    size_t got, bool scan)
{
	static uint32_t	 cand[64];
	size_t		 m = (b - a) + (d - c), seen = 0, i, j, k, r, tries, n0;
	uint8_t		*e;
	uint32_t	 x;

	if (t == 0 || m == 0)
		return got;
	/* Few: a reservoir over all of them. */
	if (scan || m <= 4 * t || t > 64) {
		for (r = 0; r < m; r++) {
			i = r < b - a ? a + r : c + (r - (b - a));
			e = entry(sw, f, i);
			if (expired(e_expires(e, f), now) || is_self(nr, f, e))
				continue;
			if (seen < t)
				picked[0][seen] = (uint32_t)i;
			else if ((j = rng_below(s, seen + 1)) < t)
				picked[0][j] = (uint32_t)i;
			seen++;
		}
		k = seen < t ? seen : t;
		for (i = 0; i < k; i++) {
			j = i + rng_below(s, k - i);
			x = picked[0][j];
			picked[0][j] = picked[0][i];
			picked[0][i] = x;
			chosen[got++] = x;
		}
		return got;
	}
	/*
	 * Many: draw distinct indexes at random and keep the live ones that
	 * are not the asker (a uniform choice all the same), in rounds of
	 * what is still missing; too many draws and the reservoir decides.
	 * A round prefetches every entry it drew before it reads one: the
	 * draws land all over a large swarm, and waiting for each cache
	 * miss in turn cost more than the rest of an announce.
	 */
	n0 = got;
	if (++drawn_gen == 0)
		drawn_gen = 1;
	for (tries = 0; got - n0 < t && tries < 8 * t + 32;) {
		for (k = 0; k < t - (got - n0) && tries < 8 * t + 32; tries++) {
			r = rng_below(s, m);
			i = r < b - a ? a + r : c + (r - (b - a));
			if (!drawn_add((uint32_t)i))
				continue;
			e = entry(sw, f, i);
			__builtin_prefetch(e);
			__builtin_prefetch(e + elen[f] - 1);
			cand[k++] = (uint32_t)i;
		}
		for (j = 0; j < k; j++) {
			e = entry(sw, f, cand[j]);
			if (!expired(e_expires(e, f), now) && !is_self(nr, f, e))
				chosen[got++] = cand[j];
		}
	}
	if (got - n0 < t)
		return take(s, sw, f, nr, a, b, c, d, t, now, n0, true);
	return got;
}

/*
 * sample() for a swarm without foreign peers and an asker of its family:
 * the array is sorted by address, so the same /24 (/64) and the same
 * /16 (/48) are ranges found by binary search, and no pass over the
 * whole swarm is needed.
 */
static size_t
sample_sorted(struct swarms *s, struct swarm *sw, const struct near *nr,
    const struct swarms_peer *asker, int f, size_t numwant, uint32_t now)
{
	static const size_t	near[2] = { 3, 8 }, mid[2] = { 2, 6 };
	size_t			a0, b0, a1, b1, n = nof(sw, f), got;

	a0 = bound(sw, f, asker->addr, near[f], false);
	b0 = bound(sw, f, asker->addr, near[f], true);
	a1 = bound(sw, f, asker->addr, mid[f], false);
	b1 = bound(sw, f, asker->addr, mid[f], true);
	got = take(s, sw, f, nr, a0, b0, b0, b0, numwant, now, 0, false);
	got = take(s, sw, f, nr, a1, a0, b0, b1, numwant - got, now, got,
	    false);
	return take(s, sw, f, nr, 0, a1, b1, n, numwant - got, now, got,
	    false);
}

static size_t
sample(struct swarms *s, struct swarm *sw, const struct swarms_peer *asker,
    int f, size_t numwant, uint32_t now)
{
	struct near	 nr;
	uint8_t		*e;
	size_t		 got = 0, seen[GROUPS] = { 0 }, i, j, k, t, n, el = elen[f];
	uint32_t	 x;
	int		 g;

	near_of(&nr, asker, f);
	if ((n = nof(sw, f)) == 0)
		return 0;
	if (!sw->foreign && nr.same_family && n > 4 * numwant)
		return sample_sorted(s, sw, &nr, asker, f, numwant, now);
	/*
	 * A reservoir sample of numwant per group; the reply then takes a
	 * random part of each in turn, nearest group first, peers from
	 * other sites' trackers last and at most half the reply.
	 */
	for (i = 0, e = entry(sw, f, 0); i < n; i++, e += el) {
		if (expired(e_expires(e, f), now))
			continue;
		g = (e[klen[f]] & F_FOREIGN) ? 3 : group(&nr, f, e);
		if (g != 1 && g != 2 && is_self(&nr, f, e))
			continue;
		if (seen[g] < numwant)
			picked[g][seen[g]] = (uint32_t)i;
		else if ((j = rng_below(s, seen[g] + 1)) < numwant)
			picked[g][j] = (uint32_t)i;
		seen[g]++;
	}
	for (g = 0; g < GROUPS; g++) {
		if (seen[g] == 0)
			continue;
		if (got == numwant)
			break;
		k = seen[g] < numwant ? seen[g] : numwant;
		t = numwant - got;
		if (g == 3 && t > (numwant + 1) / 2)
			t = (numwant + 1) / 2;
		if (t > k)
			t = k;
		/* A partial Fisher-Yates: t of the k, in a random order. */
		for (i = 0; i < t; i++) {
			j = i + rng_below(s, k - i);
			x = picked[g][j];
			picked[g][j] = picked[g][i];
			picked[g][i] = x;
			chosen[got++] = x;
		}
	}
	return got;
}

/* The peers of ih's swarm to answer with, in chosen[]: their count. */
static size_t
select_peers(struct swarms *s, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *asker, int f, size_t numwant, uint32_t now,
    struct swarm **sw)
{
	if ((*sw = get(s, ih)) == NULL || numwant == 0)
		return 0;
	if (numwant > SWARMS_SELECT_MAX)
		numwant = SWARMS_SELECT_MAX;
	return sample(s, *sw, asker, f, numwant, now);
}

size_t
swarms_select(struct swarms *s, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *asker, int family, size_t numwant,
    uint32_t now, struct swarms_peer *out)
{
	struct swarm	*sw;
	size_t		 n, i;
	int		 f = family == 6;

	n = select_peers(s, ih, asker, f, numwant, now, &sw);
	for (i = 0; i < n; i++)
		e_to_peer(entry(sw, f, chosen[i]), f, &out[i]);
	return n;
}

size_t
swarms_select_compact(struct swarms *s, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *asker, int family, size_t numwant,
    uint32_t now, uint8_t *out)
{
	struct swarm	*sw;
	size_t		 n, i;
	int		 f = family == 6;

	n = select_peers(s, ih, asker, f, numwant, now, &sw);
	/* An entry starts with the compact form: constant-size copies. */
	if (f)
		for (i = 0; i < n; i++)
			memcpy(out + 18 * i, entry(sw, 1, chosen[i]), 18);
	else
		for (i = 0; i < n; i++)
			memcpy(out + 6 * i, entry(sw, 0, chosen[i]), 6);
	return n;
}

bool
swarms_scrape(struct swarms *s, const uint8_t ih[SWARMS_IH_LEN],
    struct swarms_counts *c)
{
	struct swarm	*sw;
	struct plist	*p;

	memset(c, 0, sizeof(*c));
	if ((sw = get(s, ih)) == NULL)
		return false;
	if (sw->inl) {
		c->complete = seeds_of(sw);
		c->incomplete = sw->n1 - c->complete;
	} else {
		p = pl_of(sw);
		c->complete = p->nseeds;
		c->incomplete = p->n[0] + p->n[1] - p->nseeds;
	}
	c->downloaded = sw->downloaded;
	return true;
}

/* Keep the live entries of family f in place; shrink what is left over. */
static size_t
sweep(struct swarms *s, struct swarm *sw, int f, uint32_t now)
{
	size_t		 i, kept = 0, gone, n = nof(sw, f);
	uint8_t		*e;
	uint32_t	 cap;

	for (i = 0; i < n; i++) {
		e = entry(sw, f, i);
		if (expired(e_expires(e, f), now)) {
			count(s, sw, f, e[klen[f]], -1);
			continue;
		}
		if (kept != i)
			memcpy(entry(sw, f, kept), e, elen[f]);
		kept++;
	}
	gone = n - kept;
	if (gone == 0)
		return 0;
	n_set(sw, f, (uint32_t)kept);
	for (cap = cap_of(sw, f); cap > 4 && kept <= cap / 4; cap /= 2)
		;
	if (kept == 0)
		cap = 0;
	if (cap != cap_of(sw, f))
		(void)resize(s, sw, f, cap);
	return gone;
}

/*
 * Swarms are walked by their number in the slab: freeing one moves the
 * last into its place, to be looked at next.
 */
size_t
swarms_expire(struct swarms *s, uint32_t now)
{
	size_t		 gone = 0;
	uint32_t	 i = 0;
	struct swarm	*sw;

	while (i < ihslab_count(&s->slab)) {
		sw = ihslab_at(&s->slab, i);
		gone += sweep(s, sw, 0, now) + sweep(s, sw, 1, now);
		if (nof(sw, 0) == 0 && nof(sw, 1) == 0)
			swarm_free(s, sw);
		else
			i++;
	}
	s->expired += gone;
	return gone;
}

void
swarms_foreach(struct swarms *s, uint32_t now, swarms_visit *fn, void *arg)
{
	size_t			 i, n;
	uint32_t		 k;
	struct swarm		*sw;
	struct swarms_peer	 p;
	uint8_t			*e;
	int			 f;

	for (k = 0; k < ihslab_count(&s->slab); k++) {
		sw = ihslab_at(&s->slab, k);
		for (f = 0; f < 2; f++)
			for (i = 0, n = nof(sw, f); i < n; i++) {
				e = entry(sw, f, i);
				if (expired(e_expires(e, f), now))
					continue;
				e_to_peer(e, f, &p);
				fn(arg, sw->ih, &p, (e[klen[f]] & F_FOREIGN) ?
				    SWARMS_FOREIGN : (e[klen[f]] & F_LEARNED) ?
				    SWARMS_LEARNED : SWARMS_LOCAL,
				    e_expires(e, f));
			}
	}
}

void
swarms_stats(const struct swarms *s, struct swarms_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->swarms = ihslab_count(&s->slab);
	st->peers4 = s->npeers[0];
	st->peers6 = s->npeers[1];
	st->seeds = s->nseeds;
	st->learned = s->nlearned;
	st->mem_used = mem_used(s);
	st->mem_max = s->mem_max;
	st->refused = s->refused;
	st->evicted = s->evicted;
	st->expired = s->expired;
}
