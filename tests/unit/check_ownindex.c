/* SPDX-License-Identifier: ISC */
/*
 * check_ownindex.c - unit tests for daemon/share/ownindex.c: our
 * have-index reaches a daemon whole, a message at a time, and a peer
 * that reads nothing makes us queue no more than the bound.
 *
 * The cache and the connection are stand-ins: a table of held files,
 * and a byte count of queued output that the test drains.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/cache.h"
#include "daemon/share/ownindex.h"
#include "daemon/share/peer.h"

#define MAXHELD		4096
#define MSG_BYTES(n)	(64 + (size_t)(n) * SHA256_LEN)	/* about */

static struct cache_entry	held[MAXHELD];
static size_t			nheld;
static bool			ready;
static size_t			queued, most_queued;
/* What the peer knows: a count per hash id, as its index set would. */
static unsigned			got[2 * MAXHELD];
static unsigned			nmsgs, nfull, largest;
static bool			first_full;

static struct peer *const	P = (struct peer *)&held;	/* opaque */

static void
make_hash(unsigned id, uint8_t *out)
{
	/* Not in id order, so the snapshot's sort matters. */
	uint32_t	x = id * 2654435761u;

	memset(out, 0, SHA256_LEN);
	memcpy(out, &x, sizeof(x));
	memcpy(out + 28, &id, sizeof(id));
}

static unsigned
hash_id(const uint8_t *h)
{
	unsigned	id;

	memcpy(&id, h + 28, sizeof(id));
	return id;
}

static void
hold(unsigned id)
{
	memset(&held[nheld], 0, sizeof(held[0]));
	make_hash(id, held[nheld].sha256);
	held[nheld++].size = 1;
}

static void
drop(unsigned id)
{
	size_t	i;

	for (i = 0; i < nheld; i++)
		if (hash_id(held[i].sha256) == id) {
			held[i] = held[--nheld];
			return;
		}
}

void
cache_foreach(bool (*cb)(const struct cache_entry *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < nheld; i++)
		if (!cb(&held[i], arg))
			break;
}

bool
peer_ready(const struct peer *p)
{
	return ready;
}

size_t
peer_output_len(const struct peer *p)
{
	return queued;
}

void
peer_send_index(struct peer *p, const uint8_t *have, size_t nhave,
    const uint8_t *fetching, size_t nfetching, const uint8_t *dropped,
    size_t ndrop, bool full)
{
	size_t	i;

	ck_assert_ptr_eq(p, P);
	ck_assert_uint_eq(nfetching + ndrop, 0);
	if (nmsgs == 0)
		first_full = full;
	if (full) {
		nfull++;
		memset(got, 0, sizeof(got));
	}
	nmsgs++;
	if (nhave > largest)
		largest = (unsigned)nhave;
	for (i = 0; i < nhave; i++)
		got[hash_id(have + i * SHA256_LEN)]++;
	queued += MSG_BYTES(nhave);
	if (queued > most_queued)
		most_queued = queued;
}

static void
setup(void)
{
	nheld = 0;
	ready = true;
	queued = most_queued = 0;
	memset(got, 0, sizeof(got));
	nmsgs = nfull = largest = 0;
	first_full = false;
}

static void
teardown(void)
{
	ownindex_shutdown();
}

/* Drain the connection until the cursor is done; the drains it took. */
static unsigned
drain_all(struct ownindex_cursor *c)
{
	unsigned	n = 0;

	while (c->active) {
		queued = 0;
		(void)ownindex_more(P, c);
		ck_assert_uint_lt(++n, 100000);
	}
	return n;
}

START_TEST(test_whole_once)
{
	struct ownindex_cursor	c;
	unsigned		i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 3000; i++)
		hold(i);
	ownindex_start(P, &c);
	drain_all(&c);
	for (i = 0; i < 3000; i++)
		ck_assert_msg(got[i] == 1, "hash %u sent %u times", i, got[i]);
	ck_assert(first_full);
	ck_assert_uint_eq(nfull, 1);
	ck_assert_uint_le(largest, OWNINDEX_BATCH);
	ck_assert_uint_ge(nmsgs, (3000 + OWNINDEX_BATCH - 1) / OWNINDEX_BATCH);
	/* One message over the low mark at most. */
	ck_assert_uint_le(most_queued, OWNINDEX_LOW + MSG_BYTES(OWNINDEX_BATCH));
}
END_TEST

START_TEST(test_not_reading)
{
	struct ownindex_cursor	c;
	unsigned		i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 3000; i++)
		hold(i);
	ownindex_start(P, &c);
	/* Drain events without the output going down change nothing. */
	for (i = 0; i < 50; i++)
		(void)ownindex_more(P, &c);
	ck_assert(c.active);
	ck_assert_uint_le(queued, OWNINDEX_LOW + MSG_BYTES(OWNINDEX_BATCH));
	ck_assert_uint_le(nmsgs, 2);
	/* 3,000 hashes queued at once would have been 96,000 bytes. */
	ck_assert_uint_lt(queued, 3000 * SHA256_LEN / 2);
	ownindex_stop(&c);
	ck_assert(!c.active);
}
END_TEST

START_TEST(test_changes_midway)
{
	struct ownindex_cursor	c;
	unsigned		i, before[2000];

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 2000; i++)
		hold(i);
	ownindex_start(P, &c);
	queued = 0;
	(void)ownindex_more(P, &c);
	ck_assert(c.active);
	memcpy(before, got, sizeof(before));
	/* Files come and go while the rest is on its way. */
	for (i = 0; i < 2000; i += 7)
		drop(i);
	for (i = 2000; i < 2500; i++)
		hold(i);
	ownindex_changed();
	drain_all(&c);
	for (i = 0; i < 2000; i++) {
		if (i % 7 != 0)
			ck_assert_msg(got[i] == 1, "held %u sent %u times", i,
			    got[i]);
		else
			/* Dropped: sent only if it went before the drop. */
			ck_assert_msg(got[i] == before[i], "dropped %u sent "
			    "after its drop", i);
	}
	/*
	 * New files after the cursor come with the rest; those before it
	 * reach the peer as deltas, not from here: each at most once.
	 */
	for (i = 2000; i < 2500; i++)
		ck_assert_uint_le(got[i], 1);
	ck_assert_uint_eq(nfull, 1);
}
END_TEST

START_TEST(test_private)
{
	struct ownindex_cursor	c;
	unsigned		i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 600; i++)
		hold(i);
	for (i = 0; i < 600; i += 3)
		held[i].private = true;
	ownindex_start(P, &c);
	drain_all(&c);
	for (i = 0; i < 600; i++)
		ck_assert_msg(got[i] == (i % 3 != 0), "hash %u sent %u times",
		    i, got[i]);
}
END_TEST

START_TEST(test_empty)
{
	struct ownindex_cursor	c;

	memset(&c, 0, sizeof(c));
	ownindex_start(P, &c);
	/* One empty full index: it clears what the peer knew of us. */
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_uint_eq(nfull, 1);
	ck_assert(!c.active);
}
END_TEST

START_TEST(test_peer_gone)
{
	struct ownindex_cursor	c;
	unsigned		i, n;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 3000; i++)
		hold(i);
	ownindex_start(P, &c);
	n = nmsgs;
	ready = false;
	queued = 0;
	ck_assert(!ownindex_more(P, &c));
	ck_assert(!c.active);
	ck_assert_uint_eq(nmsgs, n);
}
END_TEST

static Suite *
ownindex_suite(void)
{
	Suite	*s = suite_create("ownindex");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whole_once);
	tcase_add_test(tc, test_not_reading);
	tcase_add_test(tc, test_changes_midway);
	tcase_add_test(tc, test_private);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_peer_gone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ownindex_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
