/* SPDX-License-Identifier: ISC */
/*
 * check_pieces.c - unit tests for daemon/base/pieces.c: the canonical piece
 * size and have-bitmaps (ranges are check_picker.c's).
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

static Suite *
pieces_suite(void)
{
	Suite	*s = suite_create("pieces");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_piece_size);
	tcase_add_test(tc, test_map);
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
