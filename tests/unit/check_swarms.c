/* SPDX-License-Identifier: ISC */
/*
 * check_swarms.c - unit tests for daemon/tracker/swarms.c: announces,
 * expiry, proximity order, swarms of thousands, the memory bound, the
 * observer, and the bytes one IPv4 peer costs, counted on the heap.
 */
#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/tracker/swarms.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ASAN 1
#endif
#endif
#ifdef HEAP_ASAN
/* From the sanitizer's allocator interface (not every compiler ships it). */
size_t	__sanitizer_get_current_allocated_bytes(void);
#endif

#ifdef HEAP_ASAN
#define HEAP_EXACT	1	/* the bytes asked for, not malloc's chunks */
#else
#define HEAP_EXACT	0
#endif

#define TTL	600
#define MEG	(64u << 20)

/* Bytes the heap has handed out now (user bytes under ASan). */
static size_t
heap_bytes(void)
{
#ifdef HEAP_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	/* Large blocks (the map's table) are mmapped, outside uordblks. */
	struct mallinfo2	m = mallinfo2();

	return m.uordblks + m.hblkhd;
#endif
}

static void
ih_of(uint8_t ih[20], uint32_t i)
{
	memset(ih, 0xab, 20);
	memcpy(ih, &i, sizeof(i));
}

static struct swarms_peer
p4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port, bool seed)
{
	struct swarms_peer	p = { .family = 4, .port = port, .seed = seed };

	p.addr[0] = a;
	p.addr[1] = b;
	p.addr[2] = c;
	p.addr[3] = d;
	return p;
}

static struct swarms_peer
p6(uint16_t h2, uint16_t h3, uint8_t last, uint16_t port)
{
	struct swarms_peer	p = { .family = 6, .port = port };

	p.addr[0] = 0x20;
	p.addr[1] = 0x01;
	p.addr[2] = 0x0d;
	p.addr[3] = 0xb8;
	p.addr[4] = (uint8_t)(h2 >> 8);
	p.addr[5] = (uint8_t)h2;
	p.addr[6] = (uint8_t)(h3 >> 8);
	p.addr[7] = (uint8_t)h3;
	p.addr[15] = last;
	return p;
}

static int
ann(struct swarms *s, uint32_t i, struct swarms_peer p, enum trk_event ev,
    uint32_t now)
{
	uint8_t	ih[20];

	ih_of(ih, i);
	return swarms_announce(s, ih, &p, ev, SWARMS_LOCAL, 0, now);
}

/* The store's count with nothing in it: its own struct. */
static size_t
mem_empty(void)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_stats	 st;

	swarms_stats(s, &st);
	swarms_free(s);
	return st.mem_used;
}

static void
scrape_is(struct swarms *s, uint32_t i, uint32_t complete,
    uint32_t incomplete)
{
	struct swarms_counts	c;
	uint8_t			ih[20];

	ih_of(ih, i);
	ck_assert(swarms_scrape(s, ih, &c));
	ck_assert_uint_eq(c.complete, complete);
	ck_assert_uint_eq(c.incomplete, incomplete);
}

START_TEST(test_announce)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_counts	 c;
	struct swarms_stats	 st;
	struct swarms_peer	 bad = p4(10, 0, 0, 1, 0, false);
	uint8_t			 ih[20];

	ck_assert_ptr_nonnull(s);
	ih_of(ih, 1);
	ck_assert_int_eq(ann(s, 1, p4(10, 0, 0, 1, 6881, false), TRK_EV_STARTED,
	    100), SWARMS_ADDED);
	ck_assert_int_eq(ann(s, 1, p4(10, 0, 0, 1, 6881, false), TRK_EV_NONE,
	    110), SWARMS_REFRESHED);
	ck_assert_int_eq(ann(s, 1, p4(10, 0, 0, 2, 6881, true), TRK_EV_NONE,
	    110), SWARMS_ADDED);
	ck_assert_int_eq(ann(s, 1, p4(10, 0, 0, 1, 6881, true),
	    TRK_EV_COMPLETED, 120), SWARMS_REFRESHED);
	ck_assert_int_eq(ann(s, 1, p6(1, 1, 1, 6881), TRK_EV_NONE, 120),
	    SWARMS_ADDED);
	ck_assert(swarms_scrape(s, ih, &c));
	ck_assert_uint_eq(c.complete, 2);
	ck_assert_uint_eq(c.incomplete, 1);
	ck_assert_uint_eq(c.downloaded, 1);
	ck_assert_int_eq(swarms_announce(s, ih, &bad, TRK_EV_NONE,
	    SWARMS_LOCAL, 0, 120), -EINVAL);
	bad.port = 1;
	bad.family = 5;
	ck_assert_int_eq(swarms_announce(s, ih, &bad, TRK_EV_NONE,
	    SWARMS_LOCAL, 0, 120), -EINVAL);
	ck_assert_int_eq(ann(s, 1, p4(10, 0, 0, 9, 1, false), TRK_EV_STOPPED,
	    130), SWARMS_NONE);
	ck_assert_int_eq(ann(s, 2, p4(10, 0, 0, 9, 1, false), TRK_EV_STOPPED,
	    130), SWARMS_NONE);
	ck_assert_int_eq(ann(s, 1, p4(10, 0, 0, 2, 6881, true), TRK_EV_STOPPED,
	    130), SWARMS_REMOVED);
	ck_assert(swarms_scrape(s, ih, &c));
	ck_assert_uint_eq(c.complete, 1);
	ih_of(ih, 2);
	ck_assert(!swarms_scrape(s, ih, &c));
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.swarms, 1);
	ck_assert_uint_eq(st.peers4, 1);
	ck_assert_uint_eq(st.peers6, 1);
	ck_assert_uint_eq(st.seeds, 1);
	swarms_free(s);
}
END_TEST

START_TEST(test_expiry)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 asker = p4(10, 9, 9, 9, 1, false), out[8];
	struct swarms_peer	 l = p4(10, 0, 0, 3, 7000, false);
	struct swarms_stats	 st;
	uint8_t			 ih[20];

	ih_of(ih, 1);
	ann(s, 1, p4(10, 0, 0, 1, 6881, false), TRK_EV_STARTED, 1000);
	ann(s, 1, p4(10, 0, 0, 2, 6881, false), TRK_EV_STARTED, 1300);
	ck_assert_int_eq(swarms_announce(s, ih, &l, TRK_EV_NONE,
	    SWARMS_LEARNED, 1100, 1000), SWARMS_ADDED);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 8, 1050, out), 3);
	/* The learned one goes at its own expiry, the first at ttl. */
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 8, 1100, out), 2);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 8, 1000 + TTL, out),
	    1);
	ck_assert_uint_eq(swarms_expire(s, 1000 + TTL), 2);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.peers4, 1);
	ck_assert_uint_eq(st.expired, 2);
	ck_assert_uint_eq(swarms_expire(s, 1300 + TTL), 1);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.swarms, 0);
	ck_assert_uint_eq(st.peers4, 0);
	/* Nothing is left allocated but the store itself. */
	ck_assert_uint_eq(st.mem_used, mem_empty());
	swarms_free(s);
}
END_TEST

/*
 * A swarm's shapes: its one IPv4 peer inline, a list once a second peer
 * or an IPv6 one comes, inline again when only one IPv4 peer is left of
 * a list of one; counts, choice and the bytes counted follow each step.
 */
START_TEST(test_shapes)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 asker = p4(192, 168, 1, 1, 1, false), out[4];
	struct swarms_peer	 seed = p4(10, 0, 0, 1, 6881, true);
	struct swarms_peer	 leech = p4(10, 0, 0, 2, 6881, false);
	struct swarms_peer	 six = p6(1, 1, 1, 6881);
	struct swarms_stats	 st;
	uint8_t			 ih[20];
	size_t			 empty = mem_empty(), inline1;

	ih_of(ih, 1);
	ck_assert_int_eq(ann(s, 1, seed, TRK_EV_NONE, 1), SWARMS_ADDED);
	swarms_stats(s, &st);
	inline1 = st.mem_used;
	scrape_is(s, 1, 1, 0);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 4, 2, out), 1);
	ck_assert_mem_eq(out[0].addr, seed.addr, 4);
	ck_assert(out[0].seed);
	/* A second peer: a list, the seed still counted as one. */
	ck_assert_int_eq(ann(s, 1, leech, TRK_EV_NONE, 1), SWARMS_ADDED);
	scrape_is(s, 1, 1, 1);
	swarms_stats(s, &st);
	ck_assert_uint_gt(st.mem_used, inline1);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 4, 2, out), 2);
	ck_assert_int_eq(ann(s, 1, seed, TRK_EV_STOPPED, 2), SWARMS_REMOVED);
	scrape_is(s, 1, 0, 1);
	ck_assert_int_eq(ann(s, 1, leech, TRK_EV_STOPPED, 2), SWARMS_REMOVED);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.swarms, 0);
	ck_assert_uint_eq(st.mem_used, empty);
	/* An IPv6 peer alone is a list; an IPv4 one joins it. */
	ck_assert_int_eq(ann(s, 2, six, TRK_EV_NONE, 3), SWARMS_ADDED);
	ck_assert_int_eq(ann(s, 2, seed, TRK_EV_NONE, 3), SWARMS_ADDED);
	scrape_is(s, 2, 1, 1);
	ih_of(ih, 2);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 6, 4, 4, out), 1);
	ck_assert_mem_eq(out[0].addr, six.addr, 16);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 4, 4, out), 1);
	ck_assert_mem_eq(out[0].addr, seed.addr, 4);
	/* The IPv6 peer gone, the IPv4 one is inline again, still a seed. */
	ck_assert_int_eq(ann(s, 2, six, TRK_EV_STOPPED, 4), SWARMS_REMOVED);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.mem_used, inline1);
	scrape_is(s, 2, 1, 0);
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 4, 4, out), 1);
	ck_assert(out[0].seed);
	ck_assert_int_eq(ann(s, 2, seed, TRK_EV_NONE, 5), SWARMS_REFRESHED);
	ck_assert_int_eq(ann(s, 2, seed, TRK_EV_STOPPED, 5), SWARMS_REMOVED);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.swarms, 0);
	ck_assert_uint_eq(st.peers4 + st.peers6 + st.seeds, 0);
	swarms_free(s);
}
END_TEST

/*
 * Expiry over many swarms of every shape: those left keep their peers
 * (freeing a swarm moves another in the slab), and once all are gone
 * the count is back to the empty store's.
 */
START_TEST(test_expire_many)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 asker = p4(192, 168, 1, 1, 1, false), out[8];
	struct swarms_stats	 st;
	uint8_t			 ih[20];
	uint32_t		 i, k, per;

	/* Swarm i holds i % 4 + 1 peers; odd swarms' go 100 s later. */
	for (i = 0; i < 5000; i++)
		for (k = 0; k <= i % 4; k++)
			ck_assert_int_eq(ann(s, i, p4(10, (uint8_t)k,
			    (uint8_t)(i >> 8), (uint8_t)i, 6881, k == 0),
			    TRK_EV_NONE, i % 2 ? 200 : 100), SWARMS_ADDED);
	ck_assert_uint_gt(swarms_expire(s, 100 + TTL), 0);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.swarms, 2500);
	for (i = 0; i < 5000; i++) {
		ih_of(ih, i);
		per = i % 4 + 1;
		if (i % 2 == 0) {
			ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 8,
			    100 + TTL, out), 0);
			continue;
		}
		scrape_is(s, i, 1, per - 1);
		ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 8,
		    100 + TTL, out), per);
		for (k = 0; k < per; k++)
			ck_assert_uint_eq(out[k].addr[3], (uint8_t)i);
	}
	ck_assert_uint_eq(swarms_expire(s, 200 + TTL), 2500 / 2 * 6);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.swarms, 0);
	ck_assert_uint_eq(st.mem_used, mem_empty());
	swarms_free(s);
}
END_TEST

/* The group of a selected IPv4 peer for asker 10.1.2.3: its third byte. */
START_TEST(test_proximity4)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 asker = p4(10, 1, 2, 3, 6881, false), out[16];
	uint8_t			 ih[20];
	size_t			 n, i, hits[4] = { 0 };
	int			 round;

	ih_of(ih, 7);
	for (i = 0; i < 4; i++) {
		ann(s, 7, p4(10, 1, 2, (uint8_t)(10 + i), 6881, false),
		    TRK_EV_NONE, 1);
		ann(s, 7, p4(10, 1, 77, (uint8_t)(10 + i), 6881, false),
		    TRK_EV_NONE, 1);
		ann(s, 7, p4(172, 16, 5, (uint8_t)(10 + i), 6881, false),
		    TRK_EV_NONE, 1);
	}
	ann(s, 7, asker, TRK_EV_NONE, 1);
	n = swarms_select(s, ih, &asker, 4, 16, 2, out);
	ck_assert_uint_eq(n, 12);
	for (i = 0; i < 12; i++) {
		ck_assert(!(out[i].addr[3] == 3 && out[i].addr[2] == 2));
		if (i < 4)
			ck_assert_uint_eq(out[i].addr[2], 2);
		else if (i < 8)
			ck_assert_uint_eq(out[i].addr[2], 77);
		else
			ck_assert_uint_eq(out[i].addr[0], 172);
	}
	/* Two of four nearest: each of them is chosen about half the time. */
	for (round = 0; round < 4000; round++) {
		n = swarms_select(s, ih, &asker, 4, 2, 2, out);
		ck_assert_uint_eq(n, 2);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(out[i].addr[2], 2);
			hits[out[i].addr[3] - 10]++;
		}
	}
	for (i = 0; i < 4; i++)
		ck_assert(hits[i] > 1700 && hits[i] < 2300);
	/* Five: the four nearest, then one of the /16. */
	n = swarms_select(s, ih, &asker, 4, 5, 2, out);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(out[4].addr[2], 77);
	/* No IPv6 peers: none for an IPv6 list. */
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 6, 5, 2, out), 0);
	swarms_free(s);
}
END_TEST

START_TEST(test_proximity6)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 asker = p6(1, 7, 1, 6881), out[8];
	uint8_t			 ih[20];
	size_t			 n;

	ih_of(ih, 3);
	ann(s, 3, p6(1, 9, 2, 6881), TRK_EV_NONE, 1);	/* /48 only */
	ann(s, 3, p6(100, 7, 2, 6881), TRK_EV_NONE, 1);	/* other /48 */
	ann(s, 3, p6(1, 7, 2, 6881), TRK_EV_NONE, 1);	/* same /64 */
	ann(s, 3, p4(10, 0, 0, 1, 6881, false), TRK_EV_NONE, 1);
	n = swarms_select(s, ih, &asker, 6, 8, 2, out);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(out[0].addr[7], 7);
	ck_assert_uint_eq(out[0].addr[5], 1);
	ck_assert_uint_eq(out[1].addr[7], 9);
	ck_assert_uint_eq(out[2].addr[5], 100);
	/* An IPv6 asker gets IPv4 peers too, when it asks for them. */
	ck_assert_uint_eq(swarms_select(s, ih, &asker, 4, 8, 2, out), 1);
	swarms_free(s);
}
END_TEST

START_TEST(test_seed_asker)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 seed = p4(10, 0, 0, 1, 1, true), out[4];
	uint8_t			 ih[20];

	ih_of(ih, 4);
	ann(s, 4, p4(10, 0, 0, 2, 1, true), TRK_EV_NONE, 1);
	ann(s, 4, p4(10, 0, 0, 3, 1, false), TRK_EV_NONE, 1);
	/* Seeds too: daemons announce their presence key as seeds. */
	ck_assert_uint_eq(swarms_select(s, ih, &seed, 4, 4, 2, out), 2);
	ck_assert(out[0].seed != out[1].seed);
	swarms_free(s);
}
END_TEST

/* The bound: refuse new swarms when full; evict within a swarm. */
START_TEST(test_bound)
{
	struct swarms		*s = swarms_new(TTL, 16384);
	struct swarms_stats	 st;
	struct swarms_counts	 c;
	uint8_t			 ih[20];
	uint32_t		 i;
	int			 rc, refused = 0;

	for (i = 0; i < 1000; i++) {
		rc = ann(s, i, p4(10, 0, 0, 1, 1, false), TRK_EV_NONE, i);
		ck_assert(rc == SWARMS_ADDED || rc == -ENOSPC);
		refused += rc == -ENOSPC;
		swarms_stats(s, &st);
		ck_assert_uint_le(st.mem_used, 16384);
	}
	ck_assert_int_gt(refused, 0);
	ck_assert_uint_eq(st.refused, (uint64_t)refused);
	ck_assert_uint_eq(st.swarms, 1000 - (uint32_t)refused);
	/* Swarm 0 is in: more peers there evict its oldest, not refuse. */
	for (i = 2; i < 300; i++) {
		rc = ann(s, 0, p4(10, 0, (uint8_t)(i >> 8), (uint8_t)i, 1,
		    false), TRK_EV_NONE, 2000 + i);
		ck_assert(rc == SWARMS_ADDED);
		swarms_stats(s, &st);
		ck_assert_uint_le(st.mem_used, 16384);
	}
	ck_assert_uint_gt(st.evicted, 0);
	ih_of(ih, 0);
	ck_assert(swarms_scrape(s, ih, &c));
	ck_assert_uint_eq(c.incomplete + st.evicted, 299);
	swarms_free(s);
}
END_TEST

struct seen {
	int	add, refresh, remove;
	uint32_t expires;
};

static void
observe(void *arg, const uint8_t ih[20], const struct swarms_peer *p,
    enum swarms_change ch, uint32_t expires)
{
	struct seen	*w = arg;

	(void)ih;
	ck_assert_uint_eq(p->port, 6881);
	w->add += ch == SWARMS_CH_ADD;
	w->refresh += ch == SWARMS_CH_REFRESH;
	w->remove += ch == SWARMS_CH_REMOVE;
	w->expires = expires;
}

struct tally {
	int	local, learned;
};

static void
visit(void *arg, const uint8_t ih[20], const struct swarms_peer *p,
    enum swarms_origin o, uint32_t expires)
{
	struct tally	*t = arg;

	(void)ih;
	(void)p;
	(void)expires;
	if (o == SWARMS_LOCAL)
		t->local++;
	else
		t->learned++;
}

START_TEST(test_observer)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct seen		 w = { 0 };
	struct tally		 t = { 0 };
	struct swarms_peer	 a = p4(10, 0, 0, 1, 6881, false);
	struct swarms_peer	 b = p4(10, 0, 0, 2, 6881, false);
	uint8_t			 ih[20];

	swarms_set_observer(s, observe, &w);
	ih_of(ih, 5);
	ck_assert_int_eq(swarms_announce(s, ih, &a, TRK_EV_STARTED,
	    SWARMS_LOCAL, 0, 10), SWARMS_ADDED);
	ck_assert_int_eq(w.expires, 10 + TTL);
	swarms_announce(s, ih, &a, TRK_EV_NONE, SWARMS_LOCAL, 0, 20);
	/* Learned ones are not told; a learned one turning local is an add. */
	swarms_announce(s, ih, &b, TRK_EV_NONE, SWARMS_LEARNED, 500, 20);
	swarms_announce(s, ih, &b, TRK_EV_STOPPED, SWARMS_LEARNED, 0, 20);
	swarms_announce(s, ih, &b, TRK_EV_NONE, SWARMS_LEARNED, 500, 20);
	ck_assert_int_eq(w.add, 1);
	ck_assert_int_eq(w.refresh, 1);
	ck_assert_int_eq(w.remove, 0);
	swarms_foreach(s, 30, visit, &t);
	ck_assert_int_eq(t.local, 1);
	ck_assert_int_eq(t.learned, 1);
	swarms_announce(s, ih, &b, TRK_EV_NONE, SWARMS_LOCAL, 0, 30);
	ck_assert_int_eq(w.add, 2);
	/* Another node cannot stop a peer that announced here. */
	ck_assert_int_eq(swarms_announce(s, ih, &a, TRK_EV_STOPPED,
	    SWARMS_LEARNED, 0, 40), SWARMS_NONE);
	ck_assert_int_eq(swarms_announce(s, ih, &a, TRK_EV_STOPPED,
	    SWARMS_LOCAL, 0, 40), SWARMS_REMOVED);
	ck_assert_int_eq(w.remove, 1);
	memset(&t, 0, sizeof(t));
	swarms_foreach(s, 40, visit, &t);
	ck_assert_int_eq(t.local, 1);
	ck_assert_int_eq(t.learned, 0);
	swarms_free(s);
}
END_TEST

/*
 * Bytes per IPv4 peer, counted twice: by the store and by the heap, at
 * most budget.  100,000 peers in 1,000 swarms of 100, in 100 swarms of
 * 1,000, in 50,000 swarms of 2, and alone in 100,000 swarms (a swarm
 * holding its one peer inline, 36 bytes in the slab, and its table
 * slot, 4 bytes x at most 8/3, and a chunk not yet full: 47.7 at most).
 * The store counts malloc's chunks as glibc makes them: under ASan,
 * which counts the bytes asked for, it counts at least those; else the
 * heap's figure within 2%.
 */
static void
measure(uint32_t nswarms, uint32_t per, size_t budget)
{
	struct swarms		*s;
	struct swarms_stats	 st;
	size_t			 before, heap;
	uint32_t		 i, j, n = nswarms * per;

	before = heap_bytes();
	s = swarms_new(TTL, 1u << 30);
	for (i = 0; i < nswarms; i++)
		for (j = 0; j < per; j++)
			ck_assert_int_eq(ann(s, i, p4(10, (uint8_t)(j >> 16),
			    (uint8_t)(j >> 8), (uint8_t)j, 6881, false),
			    TRK_EV_NONE, 1), SWARMS_ADDED);
	heap = heap_bytes() - before;
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.peers4, n);
	fprintf(stderr, "swarms: %u peers in %u swarms: %zu heap bytes "
	    "(%.1f a peer), %zu counted (%.1f a peer)\n", n, nswarms, heap,
	    (double)heap / n, st.mem_used, (double)st.mem_used / n);
	ck_assert_uint_le(heap, (size_t)n * budget);
	ck_assert_uint_le(st.mem_used, (size_t)n * budget);
	ck_assert_uint_ge(st.mem_used, heap - (HEAP_EXACT ? 0 : heap / 50));
	ck_assert_uint_le(st.mem_used, heap + (HEAP_EXACT ? heap : heap / 50));
	swarms_free(s);
	/* All given back (glibc's figure moves with Check's own). */
	if (HEAP_EXACT)
		ck_assert_uint_eq(heap_bytes(), before);
}

/*
 * The compact choice: the same peers in BEP 23 form, nearest first, the
 * asker left out; IPv4 6 bytes a peer, IPv6 18.
 */
START_TEST(test_compact)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 me = p4(10, 1, 2, 3, 7000, false);
	uint8_t			 ih[20], out[18 * 4];
	static const uint8_t	 near[6] = { 10, 1, 2, 9, 0x1a, 0xe1 };
	static const uint8_t	 far[6] = { 192, 0, 2, 1, 0x1a, 0xe1 };
	struct swarms_peer	 a6 = p6(1, 1, 1, 6881);
	size_t			 n;

	ih_of(ih, 7);
	ck_assert_int_eq(ann(s, 7, me, TRK_EV_NONE, 1), SWARMS_ADDED);
	ck_assert_int_eq(ann(s, 7, p4(192, 0, 2, 1, 6881, false), TRK_EV_NONE,
	    1), SWARMS_ADDED);
	ck_assert_int_eq(ann(s, 7, p4(10, 1, 2, 9, 6881, true), TRK_EV_NONE,
	    1), SWARMS_ADDED);
	ck_assert_int_eq(ann(s, 7, a6, TRK_EV_NONE, 1), SWARMS_ADDED);
	n = swarms_select_compact(s, ih, &me, 4, 10, 2, out);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(out, near, 6);
	ck_assert_mem_eq(out + 6, far, 6);
	n = swarms_select_compact(s, ih, &me, 4, 1, 2, out);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(out, near, 6);
	n = swarms_select_compact(s, ih, &me, 6, 10, 2, out);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(out, a6.addr, 16);
	ck_assert_uint_eq(out[16] << 8 | out[17], 6881);
	swarms_free(s);
}
END_TEST

/*
 * A large swarm (the sorted ranges, random draws): the asker's /24
 * first, then its /16, then the rest, never twice the same peer, never
 * the asker, and every far peer drawn in the end.
 */
START_TEST(test_large)
{
	struct swarms		*s = swarms_new(TTL, MEG * 8);
	struct swarms_peer	 me = p4(10, 1, 2, 3, 7000, false);
	struct swarms_peer	 out[50];
	uint8_t			 ih[20];
	static uint32_t		 hits[400];
	size_t			 n, i, j, r;

	ih_of(ih, 9);
	ck_assert_int_eq(ann(s, 9, me, TRK_EV_NONE, 1), SWARMS_ADDED);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(ann(s, 9, p4(10, 1, 2, (uint8_t)(10 + i),
		    6881, false), TRK_EV_NONE, 1), SWARMS_ADDED);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(ann(s, 9, p4(10, 1, (uint8_t)(100 + i), 1,
		    6881, false), TRK_EV_NONE, 1), SWARMS_ADDED);
	for (i = 0; i < 400; i++)
		ck_assert_int_eq(ann(s, 9, p4((uint8_t)(20 + i / 200),
		    (uint8_t)(i % 200), 0, 1, 6881, false), TRK_EV_NONE, 1),
		    SWARMS_ADDED);
	n = swarms_select(s, ih, &me, 4, 50, 2, out);
	ck_assert_uint_eq(n, 50);
	for (i = 0; i < n; i++) {
		ck_assert(!(out[i].addr[3] == 3 && out[i].port == 7000));
		if (i < 5)
			ck_assert(memcmp(out[i].addr, me.addr, 3) == 0);
		else if (i < 25)
			ck_assert(memcmp(out[i].addr, me.addr, 2) == 0 &&
			    out[i].addr[2] != 2);
		else
			ck_assert_uint_ne(out[i].addr[0], 10);
		for (j = 0; j < i; j++)
			ck_assert(memcmp(out[i].addr, out[j].addr, 4) != 0);
	}
	for (r = 0; r < 2000; r++) {
		n = swarms_select(s, ih, &me, 4, 30, 2, out);
		ck_assert_uint_eq(n, 30);
		for (i = 25; i < n; i++)
			hits[(out[i].addr[0] - 20) * 200 + out[i].addr[1]]++;
	}
	/* 10,000 draws of 400: 25 each on average. */
	for (i = 0; i < 400; i++)
		ck_assert_uint_gt(hits[i], 0);
	swarms_free(s);
}
END_TEST

/*
 * A swarm of thousands, announced in a scrambled order: every peer is
 * found again (a refresh, not a second entry), in both families; a
 * selection with half the swarm expired draws only live peers, each
 * once, and every live peer in its turn.
 */
START_TEST(test_many)
{
	struct swarms		*s = swarms_new(TTL, MEG * 8);
	struct swarms_peer	 me = p4(10, 7, 7, 250, 1, false), out[50], p;
	struct swarms_stats	 st;
	uint8_t			 ih[20];
	static uint32_t		 hits[3000];
	size_t			 n, i, j, r;
	uint32_t		 k;

	ih_of(ih, 3);
	/* 3000 IPv4 peers of 10.7.7.0/24 (the asker's), ports scrambled. */
	for (i = 0; i < 3000; i++) {
		k = (uint32_t)(i * 1597 % 3000);
		ck_assert_int_eq(ann(s, 3, p4(10, 7, 7, (uint8_t)(k % 200),
		    (uint16_t)(1000 + k / 200), false), TRK_EV_NONE,
		    k < 1500 ? 1 : 500), SWARMS_ADDED);
	}
	for (i = 0; i < 300; i++) {
		k = (uint32_t)(i * 7919 % 300);
		ck_assert_int_eq(ann(s, 3, p6((uint16_t)k, 1, (uint8_t)k,
		    (uint16_t)(2000 + k)), TRK_EV_NONE, 1), SWARMS_ADDED);
	}
	for (i = 0; i < 3000; i++) {
		k = (uint32_t)(i * 2003 % 3000);
		ck_assert_int_eq(ann(s, 3, p4(10, 7, 7, (uint8_t)(k % 200),
		    (uint16_t)(1000 + k / 200), false), TRK_EV_NONE,
		    k < 1500 ? 1 : 500), SWARMS_REFRESHED);
	}
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(ann(s, 3, p6((uint16_t)i, 1, (uint8_t)i,
		    (uint16_t)(2000 + i)), TRK_EV_NONE, 1),
		    SWARMS_REFRESHED);
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.peers4, 3000);
	ck_assert_uint_eq(st.peers6, 300);
	/* At 700 the first 1500 (k < 1500, expiring at 601) are dead. */
	for (r = 0; r < 600; r++) {
		n = swarms_select(s, ih, &me, 4, 50, 700, out);
		ck_assert_uint_eq(n, 50);
		for (i = 0; i < n; i++) {
			k = (uint32_t)(out[i].port - 1000) * 200 + out[i].addr[3];
			ck_assert_uint_ge(k, 1500);
			ck_assert_uint_lt(k, 3000);
			hits[k]++;
			for (j = 0; j < i; j++)
				ck_assert(out[i].port != out[j].port ||
				    out[i].addr[3] != out[j].addr[3]);
		}
	}
	/* 30,000 draws of 1500: 20 each on average. */
	for (k = 1500; k < 3000; k++)
		ck_assert_uint_gt(hits[k], 0);
	/* Stopped, each is found and goes. */
	for (i = 0; i < 3000; i++) {
		p = p4(10, 7, 7, (uint8_t)(i % 200), (uint16_t)(1000 + i / 200),
		    false);
		ck_assert_int_eq(ann(s, 3, p, TRK_EV_STOPPED, 700),
		    SWARMS_REMOVED);
	}
	swarms_stats(s, &st);
	ck_assert_uint_eq(st.peers4, 0);
	swarms_free(s);
}
END_TEST

START_TEST(test_memory)
{
	measure(1000, 100, SWARMS_PEER4_BUDGET);
	measure(100, 1000, SWARMS_PEER4_BUDGET);
	measure(50000, 2, SWARMS_PEER4_BUDGET);
	measure(100000, 1, 48);
}
END_TEST

/*
 * Peers from another site's tracker come after every other peer, even
 * far ones, and fill at most half a reply.
 */
START_TEST(test_foreign)
{
	struct swarms		*s = swarms_new(TTL, MEG);
	struct swarms_peer	 asker = p4(10, 1, 1, 1, 1, false), out[16], p;
	uint8_t			 ih[20];
	size_t			 n, i, foreign;
	int			 k;

	ih_of(ih, 1);
	for (k = 0; k < 10; k++) {
		p = p4(10, 1, 1, (uint8_t)(100 + k), 6881, false);
		ck_assert_int_eq(swarms_announce(s, ih, &p, TRK_EV_NONE,
		    SWARMS_FOREIGN, 200, 100), SWARMS_ADDED);
	}
	p = p4(172, 20, 0, 1, 6881, false);	/* far, but from here */
	ck_assert_int_eq(swarms_announce(s, ih, &p, TRK_EV_NONE,
	    SWARMS_LEARNED, 200, 100), SWARMS_ADDED);
	n = swarms_select(s, ih, &asker, 4, 4, 100, out);
	ck_assert_uint_eq(n, 3);		/* 1 learned + half of 4 */
	ck_assert_int_eq(out[0].addr[0], 172);
	n = swarms_select(s, ih, &asker, 4, 16, 100, out);
	for (i = 0, foreign = 0; i < n; i++)
		foreign += out[i].addr[0] == 10;
	ck_assert_uint_eq(foreign, 8);
	ck_assert_uint_eq(n, 9);
	/* A client announcing here makes a foreign peer ours. */
	p = p4(10, 1, 1, 100, 6881, false);
	ck_assert_int_eq(swarms_announce(s, ih, &p, TRK_EV_NONE,
	    SWARMS_LOCAL, 0, 100), SWARMS_REFRESHED);
	n = swarms_select(s, ih, &asker, 4, 1, 100, out);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(out[0].addr[3], 100);
	swarms_free(s);
}
END_TEST

static Suite *
swarms_suite(void)
{
	Suite	*s = suite_create("swarms");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_announce);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_shapes);
	tcase_add_test(tc, test_expire_many);
	tcase_add_test(tc, test_proximity4);
	tcase_add_test(tc, test_proximity6);
	tcase_add_test(tc, test_seed_asker);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_observer);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(swarms_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
