/* SPDX-License-Identifier: ISC */
/*
 * check_blockmatch.c - unit tests for common/blockmatch.c: which blocks
 * of a target the rolling match finds in a candidate, and that the bytes
 * it points at are the target's: an identical file, bytes inserted and
 * deleted, nothing in common, a weak-sum collision the strong sum
 * refuses, a partial file, and a short last block at the end.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockmatch.h"

#define B	512

static uint8_t *
data(size_t len, uint32_t seed)
{
	uint8_t		*p = malloc(len + 1);
	size_t		 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

struct run {
	struct blocks		 b;
	struct blockmatch	*m;
	uint64_t		*off;
	struct blockmatch_stats	 st;
	size_t			 found;
};

/*
 * Match target against cand; every block found must copy out as the
 * target's own bytes (the whole point), and the count is returned.
 */
static size_t
run(struct run *r, const uint8_t *target, size_t tlen, const uint8_t *cand,
    size_t clen)
{
	struct bytebuf	 out = BYTEBUF_INIT;
	uint8_t		 buf[B];
	size_t		 i;

	ck_assert_int_eq(blocks_encode(target, tlen, B, &out), 0);
	ck_assert_int_eq(blocks_parse(&r->b, out.data, out.len), 0);
	bytebuf_free(&out);
	ck_assert_ptr_nonnull(r->m = blockmatch_new(&r->b));
	r->off = malloc(r->b.n * sizeof(*r->off));
	for (i = 0; i < r->b.n; i++)
		r->off[i] = BLOCKMATCH_NONE;
	memset(&r->st, 0, sizeof(r->st));
	r->found = blockmatch_run(r->m, cand, clen, r->off, &r->st);
	for (i = 0; i < r->b.n; i++) {
		if (r->off[i] == BLOCKMATCH_NONE)
			continue;
		blockmatch_copy(&r->b, i, cand, clen, r->off[i], buf);
		ck_assert_mem_eq(buf, target + i * B, blocks_len(&r->b, i));
	}
	return r->found;
}

static void
run_free(struct run *r)
{
	blockmatch_free(r->m);
	blocks_free(&r->b);
	free(r->off);
}

START_TEST(test_identical)
{
	struct run	 r;
	size_t		 len = 100 * B + 77;
	uint8_t		*t = data(len, 1);

	ck_assert_uint_eq(run(&r, t, len, t, len), 101);
	ck_assert_uint_eq(r.st.strong_misses, 0);
	ck_assert_uint_eq(r.off[0], 0);
	ck_assert_uint_eq(r.off[100], 100 * B);
	run_free(&r);
	free(t);
}
END_TEST

/* 3 bytes inserted in block 10 of the old file: only that block is lost. */
START_TEST(test_inserted)
{
	struct run	 r;
	size_t		 len = 64 * B, i;
	uint8_t		*t = data(len, 2), *c = malloc(len + 3);

	memcpy(c, t, 10 * B + 100);
	memcpy(c + 10 * B + 100, "xyz", 3);
	memcpy(c + 10 * B + 103, t + 10 * B + 100, len - 10 * B - 100);
	ck_assert_uint_eq(run(&r, t, len, c, len + 3), 63);
	ck_assert_uint_eq(r.off[10], BLOCKMATCH_NONE);
	for (i = 11; i < 64; i++)
		ck_assert_uint_eq(r.off[i], i * B + 3);
	run_free(&r);
	free(t);
	free(c);
}
END_TEST

/* 200 bytes deleted from block 5: blocks 5 lost, the rest found shifted. */
START_TEST(test_deleted)
{
	struct run	 r;
	size_t		 len = 64 * B, i;
	uint8_t		*t = data(len, 3), *c = malloc(len);

	memcpy(c, t, 5 * B + 50);
	memcpy(c + 5 * B + 50, t + 5 * B + 250, len - 5 * B - 250);
	ck_assert_uint_eq(run(&r, t, len, c, len - 200), 63);
	ck_assert_uint_eq(r.off[5], BLOCKMATCH_NONE);
	for (i = 6; i < 64; i++)
		ck_assert_uint_eq(r.off[i], i * B - 200);
	run_free(&r);
	free(t);
	free(c);
}
END_TEST

START_TEST(test_no_match)
{
	struct run	 r;
	size_t		 len = 64 * B;
	uint8_t		*t = data(len, 4), *c = data(len, 5);

	ck_assert_uint_eq(run(&r, t, len, c, len), 0);
	run_free(&r);
	free(t);
	free(c);
}
END_TEST

/*
 * +1, -2, +1 on three consecutive bytes keeps both of rsync's sums
 * (a gains 0; b gains (n-i) - 2(n-i-1) + (n-i-2) = 0): the weak sum
 * hits, the strong sum must refuse it.
 */
START_TEST(test_weak_collision)
{
	struct run	 r;
	size_t		 len = 4 * B;
	uint8_t		*t = data(len, 6), *c = malloc(len);
	size_t		 k;

	/* Bytes that survive the change without wrapping. */
	for (k = 0; k < len; k++)
		t[k] = (uint8_t)(16 + t[k] % 200);
	memcpy(c, t, len);
	c[B + 10] += 1;
	c[B + 11] -= 2;
	c[B + 12] += 1;
	ck_assert_uint_eq(blocks_weak_sum(c + B, B), blocks_weak_sum(t + B, B));
	ck_assert_uint_eq(run(&r, t, len, c, len), 3);
	ck_assert_uint_eq(r.off[1], BLOCKMATCH_NONE);
	ck_assert_uint_ge(r.st.strong_misses, 1);
	run_free(&r);
	free(t);
	free(c);
}
END_TEST

/* A download cut at 60%, mid-block: every whole block before the cut. */
START_TEST(test_partial)
{
	struct run	 r;
	size_t		 len = 100 * B + 300, cut = len * 6 / 10, i;
	uint8_t		*t = data(len, 7);

	ck_assert_uint_eq(run(&r, t, len, t, cut), cut / B);
	for (i = 0; i < r.b.n; i++)
		ck_assert(r.off[i] == (i < cut / B ? i * B : BLOCKMATCH_NONE));
	run_free(&r);
	free(t);
}
END_TEST

/* A short last block found at the candidate's end, after other data. */
START_TEST(test_short_tail)
{
	struct run	 r;
	size_t		 len = 3 * B + 100;
	uint8_t		*t = data(len, 8), *c = data(1000 + 100, 9);

	memcpy(c + 1000, t + 3 * B, 100);
	ck_assert_uint_eq(run(&r, t, len, c, 1100), 1);
	ck_assert_uint_eq(r.off[3], 1000);
	run_free(&r);
	free(t);
	free(c);
}
END_TEST

/* Blocks already held are left alone, and a second candidate adds. */
START_TEST(test_have_and_second)
{
	struct run	 r;
	size_t		 len = 8 * B;
	uint8_t		*t = data(len, 10);

	ck_assert_uint_eq(run(&r, t, len, t, 4 * B), 4);
	r.off[0] = BLOCKMATCH_HAVE;
	ck_assert_uint_eq(blockmatch_run(r.m, t + 4 * B, 4 * B, r.off, NULL),
	    4);
	ck_assert_uint_eq(r.off[0], BLOCKMATCH_HAVE);
	ck_assert_uint_eq(r.off[4], 0);
	ck_assert_uint_eq(r.off[7], 3 * B);
	run_free(&r);
	free(t);
}
END_TEST

/* The plan: pieces whole, in part, or not at all; ranges merged. */
START_TEST(test_plan)
{
	struct blockmatch_plan	 pl;
	struct run		 r;
	size_t			 len = 64 * B + 100, i;
	uint8_t			*t = data(len, 11);
	bool			 have[65];

	ck_assert_uint_eq(run(&r, t, len, t, len), 65);
	for (i = 0; i < 65; i++)
		have[i] = true;
	ck_assert_int_eq(blockmatch_plan(&r.b, have, 8 * B, 0, &pl), 0);
	ck_assert_uint_eq(pl.npieces, 9);
	for (i = 0; i < 9; i++)
		ck_assert_uint_eq(pl.piece[i], BLOCKMATCH_P_WHOLE);
	ck_assert_uint_eq(pl.nranges, 0);
	blockmatch_plan_free(&pl);
	/* Blocks 10 and 12 missing (piece 1), 24-31 (piece 3), 64 (last). */
	have[10] = have[12] = have[64] = false;
	for (i = 24; i < 32; i++)
		have[i] = false;
	ck_assert_int_eq(blockmatch_plan(&r.b, have, 8 * B, 0, &pl), 0);
	ck_assert_uint_eq(pl.piece[0], BLOCKMATCH_P_WHOLE);
	ck_assert_uint_eq(pl.piece[1], BLOCKMATCH_P_PART);
	ck_assert_uint_eq(pl.piece[3], BLOCKMATCH_P_NONE);
	ck_assert_uint_eq(pl.piece[8], BLOCKMATCH_P_NONE);
	ck_assert_uint_eq(pl.none_bytes, 8 * B + 100);
	ck_assert_uint_eq(pl.nranges, 2);
	ck_assert_uint_eq(pl.ranges[0].off, 10 * B);
	ck_assert_uint_eq(pl.ranges[0].len, B);
	ck_assert_uint_eq(pl.ranges[1].off, 12 * B);
	ck_assert_uint_eq(pl.range_bytes, 2 * B);
	blockmatch_plan_free(&pl);
	/* 512 bytes found between them: fetched again under merge 1024. */
	ck_assert_int_eq(blockmatch_plan(&r.b, have, 8 * B, 1024, &pl), 0);
	ck_assert_uint_eq(pl.nranges, 1);
	ck_assert_uint_eq(pl.ranges[0].off, 10 * B);
	ck_assert_uint_eq(pl.ranges[0].len, 3 * B);
	ck_assert_uint_eq(pl.range_bytes, 3 * B);
	blockmatch_plan_free(&pl);
	/* Ranges never cross pieces: 15 and 16 are in pieces 1 and 2. */
	have[10] = have[12] = true;
	have[15] = have[16] = false;
	ck_assert_int_eq(blockmatch_plan(&r.b, have, 8 * B, 1 << 20, &pl), 0);
	ck_assert_uint_eq(pl.nranges, 2);
	ck_assert_uint_eq(pl.ranges[0].piece, 1);
	ck_assert_uint_eq(pl.ranges[1].piece, 2);
	blockmatch_plan_free(&pl);
	ck_assert_int_eq(blockmatch_plan(&r.b, have, 8 * B + 1, 0, &pl),
	    -EINVAL);
	ck_assert_int_eq(blockmatch_plan(&r.b, have, B / 2, 0, &pl), -EINVAL);
	run_free(&r);
	free(t);
}
END_TEST

static Suite *
blockmatch_suite(void)
{
	Suite	*s = suite_create("blockmatch");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_identical);
	tcase_add_test(tc, test_inserted);
	tcase_add_test(tc, test_deleted);
	tcase_add_test(tc, test_no_match);
	tcase_add_test(tc, test_weak_collision);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_short_tail);
	tcase_add_test(tc, test_have_and_second);
	tcase_add_test(tc, test_plan);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(blockmatch_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
