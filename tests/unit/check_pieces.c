/*
 * check_pieces.c - unit tests for daemon/base/pieces.c: the canonical piece
 * size, have-bitmaps and the aria2-style range scheduler.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/layout.h"
#include "daemon/base/pieces.h"

#define KiB	1024ULL
#define MiB	(1024ULL * 1024)

START_TEST(test_piece_size)
{
	uint64_t	sizes[] = { 0, 1, 16 * KiB, 1 * MiB, 64 * MiB,
	    64 * MiB + 1, 200 * MiB, 4096 * MiB, 1ULL << 40 };
	size_t		i;
	uint32_t	ps;

	ck_assert_uint_eq(piece_size_for(1000), PIECE_DEFAULT);
	ck_assert_uint_eq(piece_size_for(256 * MiB), PIECE_DEFAULT);
	ck_assert_uint_gt(piece_size_for(257 * MiB), PIECE_DEFAULT);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ps = piece_size_for(sizes[i]);
		ck_assert_uint_ge(ps, PIECE_MIN);
		ck_assert_uint_le(ps, PIECE_MAX);
		ck_assert_uint_eq(ps & (ps - 1), 0);	/* a power of two */
		/* Deterministic: the same size always gives the same layout. */
		ck_assert_uint_eq(ps, piece_size_for(sizes[i]));
		/* The swarm's layout: piece i of a job is piece i of peers. */
		ck_assert_uint_eq(ps, layout_piece_length(sizes[i]));
		if (sizes[i] > 256 * MiB && ps < PIECE_MAX)
			ck_assert_uint_le(sizes[i] / ps, LAYOUT_TARGET_PIECES);
	}
}
END_TEST

START_TEST(test_map)
{
	struct piecemap	pm;
	uint64_t	size = 3 * PIECE_DEFAULT + 100;

	ck_assert_int_eq(piecemap_init(&pm, size), 0);
	ck_assert_uint_eq(pm.npieces, 4);
	ck_assert_uint_eq(piecemap_len(&pm, 3), 100);
	ck_assert_uint_eq(piecemap_prefix(&pm), 0);
	piecemap_set(&pm, 1);
	ck_assert_uint_eq(piecemap_prefix(&pm), 0);
	piecemap_set(&pm, 0);
	ck_assert_uint_eq(piecemap_prefix(&pm), 2 * PIECE_DEFAULT);
	piecemap_set(&pm, 3);
	piecemap_set(&pm, 3);		/* idempotent */
	ck_assert_uint_eq(pm.nhave, 3);
	ck_assert_uint_eq(piecemap_bytes(&pm), 2 * PIECE_DEFAULT + 100);
	ck_assert(!piecemap_complete(&pm));
	piecemap_set(&pm, 2);
	ck_assert(piecemap_complete(&pm));
	ck_assert_uint_eq(piecemap_prefix(&pm), size);
	piecemap_set(&pm, 99);		/* out of range: ignored */
	ck_assert_uint_eq(pm.nhave, 4);
	piecemap_free(&pm);

	ck_assert_int_eq(piecemap_init(&pm, 0), 0);
	ck_assert(piecemap_complete(&pm));
	piecemap_free(&pm);
}
END_TEST

START_TEST(test_sched_gaps)
{
	struct piecemap	pm;
	struct busy	act[2];
	struct span	out;
	size_t		victim;
	uint32_t	i;

	/* 10 pieces; 0-1 held, 5 held: gaps 2-4 (3) and 6-9 (4). */
	ck_assert_int_eq(piecemap_init(&pm, 10 * PIECE_DEFAULT), 0);
	piecemap_set(&pm, 0);
	piecemap_set(&pm, 1);
	piecemap_set(&pm, 5);
	ck_assert_int_eq(sched_pick(&pm, NULL, 0, MiB, &out, &victim), 1);
	ck_assert_uint_eq(out.start, 6 * PIECE_DEFAULT);
	ck_assert_uint_eq(out.end, 10 * PIECE_DEFAULT);

	/* Someone fetches 6-9: the next largest gap. */
	act[0].hold = act[0].pos = 6 * PIECE_DEFAULT;
	act[0].end = 10 * PIECE_DEFAULT;
	ck_assert_int_eq(sched_pick(&pm, act, 1, MiB, &out, &victim), 1);
	ck_assert_uint_eq(out.start, 2 * PIECE_DEFAULT);
	ck_assert_uint_eq(out.end, 5 * PIECE_DEFAULT);

	/* Bytes received but not yet on disk (hold < pos) stay covered. */
	act[1].hold = 2 * PIECE_DEFAULT + 10;
	act[1].pos = 4 * PIECE_DEFAULT + 7;
	act[1].end = 5 * PIECE_DEFAULT;
	ck_assert_int_eq(sched_pick(&pm, act, 2, 10 * MiB, &out, &victim), 0);

	/* With a small min_split the largest range in flight is halved. */
	ck_assert_int_eq(sched_pick(&pm, act, 2, 256 * KiB, &out, &victim), 2);
	ck_assert_uint_eq(victim, 0);
	ck_assert_uint_eq(out.start, 8 * PIECE_DEFAULT);
	ck_assert_uint_eq(out.end, 10 * PIECE_DEFAULT);
	ck_assert_uint_eq(out.start % PIECE_DEFAULT, 0);

	for (i = 0; i < pm.npieces; i++)
		piecemap_set(&pm, i);
	ck_assert_int_eq(sched_pick(&pm, NULL, 0, 0, &out, &victim), 0);
	piecemap_free(&pm);
}
END_TEST

START_TEST(test_sched_split_mid_piece)
{
	struct piecemap	pm;
	struct busy	act[1];
	struct span	out;
	size_t		victim = 9;
	uint64_t	size = 40 * PIECE_DEFAULT + 5;

	ck_assert_int_eq(piecemap_init(&pm, size), 0);
	act[0].hold = 0;
	act[0].pos = 3 * PIECE_DEFAULT + 1234;	/* mid-piece */
	act[0].end = size;
	ck_assert_int_eq(sched_pick(&pm, act, 1, MiB, &out, &victim), 2);
	ck_assert_uint_eq(victim, 0);
	ck_assert_uint_gt(out.start, act[0].pos);
	ck_assert_uint_eq(out.start % PIECE_DEFAULT, 0);
	ck_assert_uint_eq(out.end, size);
	/* Roughly half of what is left. */
	ck_assert_uint_le(out.start - act[0].pos,
	    (size - act[0].pos) / 2 + PIECE_DEFAULT);

	/* Too short to split. */
	act[0].pos = size - PIECE_DEFAULT;
	ck_assert_int_eq(sched_pick(&pm, act, 1, MiB, &out, &victim), 0);
	piecemap_free(&pm);
}
END_TEST

static Suite *
pieces_suite(void)
{
	Suite	*s = suite_create("pieces");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_piece_size);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_sched_gaps);
	tcase_add_test(tc, test_sched_split_mid_piece);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(pieces_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
