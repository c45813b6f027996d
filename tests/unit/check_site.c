/* SPDX-License-Identifier: ISC */
/*
 * check_site.c - unit tests for daemon/share/site.c: every daemon of a
 * site must name the same fetcher for a file from what it knows, and the
 * files must spread over the daemons.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "daemon/share/site.h"

#define NIDS	5

static void
make_id(uint8_t id[SITE_ID_LEN], unsigned n)
{
	memset(id, 0, SITE_ID_LEN);
	memcpy(id, "-AB0100-", 8);
	id[19] = (uint8_t)n;
	id[18] = (uint8_t)(n >> 8);
}

static void
make_sha(uint8_t sha[SHA256_LEN], unsigned n)
{
	memset(sha, 0, SHA256_LEN);
	memcpy(sha, &n, sizeof(n));
}

START_TEST(test_deterministic)
{
	uint8_t	a[SITE_ID_LEN], b[SITE_ID_LEN], sha[SHA256_LEN];

	make_id(a, 1);
	make_id(b, 2);
	make_sha(sha, 7);
	ck_assert_uint_eq(site_score(a, sha), site_score(a, sha));
	ck_assert_uint_ne(site_score(a, sha), site_score(b, sha));
	ck_assert(!site_outranks(a, a, sha));
}
END_TEST

/* Exactly one of two daemons outranks the other, for every file. */
START_TEST(test_antisymmetric)
{
	uint8_t		a[SITE_ID_LEN], b[SITE_ID_LEN], sha[SHA256_LEN];
	unsigned	f;

	make_id(a, 1);
	make_id(b, 2);
	for (f = 0; f < 1000; f++) {
		make_sha(sha, f);
		ck_assert(site_outranks(a, b, sha) != site_outranks(b, a, sha));
	}
}
END_TEST

/*
 * Each daemon walks the others in its own order and keeps the best it
 * has seen, starting from itself (as peermgr_delegate does): all name
 * the same one, and it outranks everyone.
 */
START_TEST(test_all_agree)
{
	uint8_t		ids[NIDS][SITE_ID_LEN], sha[SHA256_LEN];
	unsigned	f, me, k, other, winner, first = 0;

	for (k = 0; k < NIDS; k++)
		make_id(ids[k], k + 100);
	for (f = 0; f < 200; f++) {
		make_sha(sha, f);
		for (me = 0; me < NIDS; me++) {
			winner = me;
			for (k = 1; k < NIDS; k++) {
				other = (me + NIDS - k) % NIDS;
				if (site_outranks(ids[other], ids[winner], sha))
					winner = other;
			}
			if (me == 0)
				first = winner;
			ck_assert_uint_eq(winner, first);
		}
		for (k = 0; k < NIDS; k++)
			if (k != first)
				ck_assert(site_outranks(ids[first], ids[k], sha));
	}
}
END_TEST

/* Many files spread evenly: each of 5 daemons fetches about a fifth. */
START_TEST(test_spread)
{
	uint8_t		ids[NIDS][SITE_ID_LEN], sha[SHA256_LEN];
	unsigned	wins[NIDS] = { 0 }, f, k, w;

	for (k = 0; k < NIDS; k++)
		make_id(ids[k], k);
	for (f = 0; f < 5000; f++) {
		make_sha(sha, f);
		for (w = 0, k = 1; k < NIDS; k++)
			if (site_outranks(ids[k], ids[w], sha))
				w = k;
		wins[w]++;
	}
	for (k = 0; k < NIDS; k++) {
		ck_assert_uint_gt(wins[k], 800);
		ck_assert_uint_lt(wins[k], 1200);
	}
}
END_TEST

static Suite *
site_suite(void)
{
	Suite	*s = suite_create("site");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_antisymmetric);
	tcase_add_test(tc, test_all_agree);
	tcase_add_test(tc, test_spread);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(site_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
