/* SPDX-License-Identifier: ISC */
/*
 * check_ihslab.c - unit tests for daemon/tracker/ihslab.c: records found
 * by info-hash, removal that moves the last record, the table's shift
 * back on removal, the bytes it counts, and lookups under many keys.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/tracker/ihslab.h"

#define RECLEN		28	/* the key, a number, a check word */
#define NGROW		50000
/* Linear probing under 3/4 load: a few slots per lookup on average. */
#define PROBES_MAX	4

struct rec {
	uint8_t		 ih[IHSLAB_KEY_LEN];
	uint32_t	 i;
	uint32_t	 check;
};
_Static_assert(sizeof(struct rec) == RECLEN, "a test record is 28 bytes");

/* A distinct key for i: i's bytes at the end, the same prefix before. */
static void
key_of(uint8_t *key, uint32_t i)
{
	memset(key, 0x5a, IHSLAB_KEY_LEN);
	key[16] = (uint8_t)(i >> 24);
	key[17] = (uint8_t)(i >> 16);
	key[18] = (uint8_t)(i >> 8);
	key[19] = (uint8_t)i;
}

static void
add(struct ihslab *sl, uint32_t i)
{
	uint8_t		 key[IHSLAB_KEY_LEN];
	struct rec	*r;
	size_t		 peak = ihslab_bytes_peak(sl);

	key_of(key, i);
	ck_assert_ptr_null(ihslab_get(sl, key));
	r = ihslab_add(sl, key);
	ck_assert_ptr_nonnull(r);
	ck_assert_mem_eq(r->ih, key, IHSLAB_KEY_LEN);
	ck_assert_uint_eq(r->i, 0);		/* zeroed */
	ck_assert_uint_eq(r->check, 0);
	r->i = i;
	r->check = ~i;
	/* The peak told beforehand covers what the add took. */
	ck_assert_uint_le(ihslab_bytes(sl), peak);
}

/* Record i is there, intact, or not there. */
static void
expect(struct ihslab *sl, uint32_t i, int there)
{
	uint8_t		 key[IHSLAB_KEY_LEN];
	struct rec	*r;

	key_of(key, i);
	r = ihslab_get(sl, key);
	if (!there) {
		ck_assert_ptr_null(r);
		return;
	}
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->i, i);
	ck_assert_uint_eq(r->check, ~i);
}

static void
del(struct ihslab *sl, uint32_t i)
{
	uint8_t		key[IHSLAB_KEY_LEN];
	void		*r;
	uint32_t	n = ihslab_count(sl);

	key_of(key, i);
	r = ihslab_get(sl, key);
	ck_assert_ptr_nonnull(r);
	ihslab_remove(sl, r);
	ck_assert_uint_eq(ihslab_count(sl), n - 1);
}

START_TEST(test_basic)
{
	struct ihslab	sl;
	uint8_t		key[IHSLAB_KEY_LEN];

	ck_assert_int_eq(ihslab_init(&sl, 19), -EINVAL);
	ck_assert_int_eq(ihslab_init(&sl, 22), -EINVAL);
	ck_assert_int_eq(ihslab_init(&sl, RECLEN), 0);
	ck_assert_uint_eq(ihslab_bytes(&sl), 0);
	key_of(key, 1);
	ck_assert_ptr_null(ihslab_get(&sl, key));
	add(&sl, 1);
	add(&sl, 2);
	ck_assert_uint_eq(ihslab_count(&sl), 2);
	expect(&sl, 1, 1);
	expect(&sl, 2, 1);
	expect(&sl, 3, 0);
	/* Removing the first moves the last into its place. */
	ck_assert_uint_eq(((struct rec *)ihslab_at(&sl, 0))->i, 1);
	del(&sl, 1);
	ck_assert_uint_eq(((struct rec *)ihslab_at(&sl, 0))->i, 2);
	expect(&sl, 1, 0);
	expect(&sl, 2, 1);
	/* The last one gone, nothing is left allocated. */
	del(&sl, 2);
	ck_assert_uint_eq(ihslab_bytes(&sl), 0);
	expect(&sl, 2, 0);
	/* Still usable. */
	add(&sl, 2);
	expect(&sl, 2, 1);
	ihslab_free(&sl);
	ck_assert_uint_eq(ihslab_count(&sl), 0);
	ck_assert_uint_eq(ihslab_bytes(&sl), 0);
	expect(&sl, 2, 0);
}
END_TEST

/*
 * Many records: all found, lookups a few slots each, and the bytes are
 * the records', a chunk not yet full, the chunk list and at most 8/3
 * slots of 4 bytes a record.
 */
START_TEST(test_grow)
{
	struct ihslab	sl;
	uint32_t	i;
	uint64_t	probes;
	size_t		full;

	ck_assert_int_eq(ihslab_init(&sl, RECLEN), 0);
	for (i = 0; i < NGROW; i++)
		add(&sl, i);
	ck_assert_uint_eq(ihslab_count(&sl), NGROW);
	probes = ihslab_probes(&sl);
	for (i = 0; i < NGROW; i++)
		expect(&sl, i, 1);
	ck_assert_uint_le(ihslab_probes(&sl) - probes,
	    (uint64_t)NGROW * PROBES_MAX);
	expect(&sl, NGROW, 0);
	full = ihslab_bytes(&sl);
	ck_assert_uint_le(full, (size_t)NGROW * (RECLEN + 4 * 8 / 3 + 1) +
	    IHSLAB_CHUNK * RECLEN + 8 * (NGROW / IHSLAB_CHUNK + 1) * 2);
	/* Remove the even ones: the odd ones stay found, intact. */
	for (i = 0; i < NGROW; i += 2)
		del(&sl, i);
	for (i = 0; i < NGROW; i++)
		expect(&sl, i, i % 2);
	/* Emptied chunks and table halves are freed. */
	for (i = 1; i < NGROW - 2000; i += 2)
		del(&sl, i);
	ck_assert_uint_eq(ihslab_count(&sl), 1000);
	ck_assert_uint_le(ihslab_bytes(&sl), full / 16);
	for (i = NGROW - 2000; i < NGROW; i++)
		expect(&sl, i, i % 2);
	ihslab_free(&sl);
}
END_TEST

/* Add and remove forever with few live records: the slab stays small. */
START_TEST(test_churn)
{
	struct ihslab	sl;
	uint32_t	i;

	ck_assert_int_eq(ihslab_init(&sl, RECLEN), 0);
	for (i = 0; i < NGROW; i++) {
		add(&sl, i);
		if (i >= 8)
			del(&sl, i - 8);
	}
	ck_assert_uint_eq(ihslab_count(&sl), 8);
	ck_assert_uint_le(ihslab_bytes(&sl),
	    IHSLAB_CHUNK * RECLEN + 8 * 8 + 32 * 4);
	for (i = NGROW - 8; i < NGROW; i++)
		expect(&sl, i, 1);
	ihslab_free(&sl);
}
END_TEST

/*
 * Random adds and removals of keys from a small set, against a plain
 * record of which are in: the shift back on removal must leave every
 * other key findable, whichever run of slots it was in.
 */
START_TEST(test_random)
{
	enum { KEYS = 3000, OPS = 200000 };
	struct ihslab	 sl;
	uint8_t		*in = calloc(KEYS, 1);
	uint32_t	 i, k, x = 12345;
	uint32_t	 n = 0;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(ihslab_init(&sl, RECLEN), 0);
	for (i = 0; i < OPS; i++) {
		x = x * 1103515245u + 12345u;
		k = (x >> 8) % KEYS;
		if (in[k]) {
			del(&sl, k);
			n--;
		} else {
			add(&sl, k);
			n++;
		}
		in[k] = !in[k];
		if (i % 10000 == 0)
			for (k = 0; k < KEYS; k++)
				expect(&sl, k, in[k]);
	}
	ck_assert_uint_eq(ihslab_count(&sl), n);
	for (k = 0; k < KEYS; k++)
		expect(&sl, k, in[k]);
	ihslab_free(&sl);
	free(in);
}
END_TEST

/* A walk by number that removes looks at the same number again. */
START_TEST(test_walk_remove)
{
	struct ihslab	 sl;
	uint8_t		 seen[1000] = { 0 };
	struct rec	*r;
	uint32_t	 i;

	ck_assert_int_eq(ihslab_init(&sl, RECLEN), 0);
	for (i = 0; i < 1000; i++)
		add(&sl, i);
	i = 0;
	while (i < ihslab_count(&sl)) {
		r = ihslab_at(&sl, i);
		ck_assert_uint_lt(r->i, 1000);
		ck_assert_uint_eq(seen[r->i], 0);
		seen[r->i] = 1;
		if (r->i % 3 == 0)
			ihslab_remove(&sl, r);
		else
			i++;
	}
	for (i = 0; i < 1000; i++) {
		ck_assert_uint_eq(seen[i], 1);
		expect(&sl, i, i % 3 != 0);
	}
	ihslab_free(&sl);
}
END_TEST

static Suite *
ihslab_suite(void)
{
	Suite	*s = suite_create("ihslab");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_churn);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_walk_remove);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ihslab_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
