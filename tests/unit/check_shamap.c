/* SPDX-License-Identifier: ISC */
/*
 * check_shamap.c - unit tests for common/shamap.c: the keyed hash table
 * for SHA-256s and swarm keys, including keys chosen to collide.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/shamap.h"

#define NGROW		50000
#define NHOSTILE	100000
/* Linear probing under 3/4 load: a few slots per lookup on average. */
#define PROBES_MAX	4

/* A distinct key for i: i's bytes at the end, prefix filling the rest. */
static void
key_of(uint8_t *key, size_t len, uint8_t prefix, uint32_t i)
{
	memset(key, prefix, len);
	key[len - 4] = (uint8_t)(i >> 24);
	key[len - 3] = (uint8_t)(i >> 16);
	key[len - 2] = (uint8_t)(i >> 8);
	key[len - 1] = (uint8_t)i;
}

/* Values are the index plus one, never NULL. */
static void *
val_of(uint32_t i)
{
	return (void *)((uintptr_t)i + 1);
}

/* Put keys [from, to) of a prefix. */
static void
put_all(struct shamap *m, uint8_t prefix, uint32_t from, uint32_t to)
{
	uint8_t		key[SHAMAP_KEY_MAX];
	uint32_t	i;

	for (i = from; i < to; i++) {
		key_of(key, m->keylen, prefix, i);
		ck_assert_int_eq(shamap_put(m, key, val_of(i)), 0);
	}
}

/* Keys [from, to) of a prefix are there (or not). */
static void
get_all(struct shamap *m, uint8_t prefix, uint32_t from, uint32_t to,
    bool there)
{
	uint8_t		key[SHAMAP_KEY_MAX];
	uint32_t	i;

	for (i = from; i < to; i++) {
		key_of(key, m->keylen, prefix, i);
		ck_assert_ptr_eq(shamap_get(m, key), there ? val_of(i) : NULL);
	}
}

START_TEST(test_basic)
{
	struct shamap	m;
	uint8_t		a[32], b[32];
	int		x, y;

	ck_assert_int_eq(shamap_init(&m, 0), -EINVAL);
	ck_assert_int_eq(shamap_init(&m, SHAMAP_KEY_MAX + 1), -EINVAL);
	ck_assert_int_eq(shamap_init(&m, 32), 0);
	key_of(a, 32, 0xaa, 1);
	key_of(b, 32, 0xaa, 2);
	ck_assert_ptr_null(shamap_get(&m, a));
	ck_assert_ptr_null(shamap_remove(&m, a));
	ck_assert_int_eq(shamap_put(&m, a, NULL), -EINVAL);
	ck_assert_int_eq(shamap_put(&m, a, &x), 0);
	ck_assert_ptr_eq(shamap_get(&m, a), &x);
	ck_assert_ptr_null(shamap_get(&m, b));
	ck_assert_uint_eq(shamap_count(&m), 1);
	/* Put again replaces. */
	ck_assert_int_eq(shamap_put(&m, a, &y), 0);
	ck_assert_ptr_eq(shamap_get(&m, a), &y);
	ck_assert_uint_eq(shamap_count(&m), 1);
	ck_assert_int_eq(shamap_put(&m, b, &x), 0);
	ck_assert_uint_eq(shamap_count(&m), 2);
	ck_assert_ptr_eq(shamap_remove(&m, a), &y);
	ck_assert_ptr_null(shamap_remove(&m, a));
	ck_assert_ptr_null(shamap_get(&m, a));
	ck_assert_ptr_eq(shamap_get(&m, b), &x);
	ck_assert_uint_eq(shamap_count(&m), 1);
	/* A removed key comes back. */
	ck_assert_int_eq(shamap_put(&m, a, &x), 0);
	ck_assert_ptr_eq(shamap_get(&m, a), &x);
	ck_assert_uint_eq(shamap_count(&m), 2);
	shamap_free(&m);
	ck_assert_uint_eq(shamap_count(&m), 0);
	ck_assert_ptr_null(shamap_get(&m, a));
	/* Still usable after a free. */
	ck_assert_int_eq(shamap_put(&m, a, &x), 0);
	ck_assert_ptr_eq(shamap_get(&m, a), &x);
	shamap_free(&m);
}
END_TEST

START_TEST(test_grow)
{
	struct shamap	m;
	uint8_t		key[32];
	uint32_t	i;

	ck_assert_int_eq(shamap_init(&m, 32), 0);
	put_all(&m, 0x11, 0, NGROW);
	ck_assert_uint_eq(shamap_count(&m), NGROW);
	get_all(&m, 0x11, 0, NGROW, true);
	get_all(&m, 0x11, NGROW, NGROW + 1, false);
	/* Remove the even ones: the odd ones stay found. */
	for (i = 0; i < NGROW; i += 2) {
		key_of(key, 32, 0x11, i);
		ck_assert_ptr_eq(shamap_remove(&m, key), val_of(i));
	}
	ck_assert_uint_eq(shamap_count(&m), NGROW / 2);
	for (i = 0; i < NGROW; i++) {
		key_of(key, 32, 0x11, i);
		ck_assert_ptr_eq(shamap_get(&m, key),
		    i % 2 ? val_of(i) : NULL);
	}
	shamap_free(&m);
}
END_TEST

/* Insert and remove forever with few live entries: the table stays small. */
START_TEST(test_churn)
{
	struct shamap	m;
	uint8_t		key[20];
	uint32_t	i;

	ck_assert_int_eq(shamap_init(&m, 20), 0);
	for (i = 0; i < NGROW; i++) {
		key_of(key, 20, 0x22, i);
		ck_assert_int_eq(shamap_put(&m, key, val_of(i)), 0);
		if (i >= 8) {
			key_of(key, 20, 0x22, i - 8);
			ck_assert_ptr_eq(shamap_remove(&m, key),
			    val_of(i - 8));
		}
	}
	ck_assert_uint_eq(shamap_count(&m), 8);
	ck_assert_uint_le(m.cap, 64);
	shamap_free(&m);
}
END_TEST

START_TEST(test_iterate_remove)
{
	struct shamap	 m;
	uint8_t		 key[32], seen[1000] = { 0 };
	const uint8_t	*k;
	void		*v;
	size_t		 pos = 0, n = 0;
	uint32_t	 i;

	ck_assert_int_eq(shamap_init(&m, 32), 0);
	put_all(&m, 0x33, 0, 1000);
	/* Remove the current entry when it is even, and its successor. */
	while (shamap_next(&m, &pos, &k, &v)) {
		i = (uint32_t)((uintptr_t)v - 1);
		ck_assert_uint_lt(i, 1000);
		ck_assert_uint_eq(seen[i], 0);
		seen[i] = 1;
		n++;
		if (i % 2 == 0) {
			ck_assert_ptr_eq(shamap_remove(&m, k), v);
			key_of(key, 32, 0x33, i + 1);
			if (shamap_remove(&m, key) != NULL)
				seen[i + 1] = 2;
		}
	}
	/* Every entry was seen exactly once, unless removed before its turn. */
	for (i = 0; i < 1000; i++)
		ck_assert_uint_ne(seen[i], 0);
	ck_assert_uint_le(n, 1000);
	for (i = 0; i < 1000; i++) {
		key_of(key, 32, 0x33, i);
		ck_assert_ptr_eq(shamap_get(&m, key),
		    i % 2 == 0 || seen[i] == 2 ? NULL : val_of(i));
	}
	/* Remove everything while walking. */
	pos = 0;
	while (shamap_next(&m, &pos, &k, &v))
		ck_assert_ptr_eq(shamap_remove(&m, k), v);
	ck_assert_uint_eq(shamap_count(&m), 0);
	pos = 0;
	ck_assert(!shamap_next(&m, &pos, &k, &v));
	shamap_free(&m);
}
END_TEST

START_TEST(test_two_lengths)
{
	struct shamap	sha, swarm;
	uint8_t		k32[32], k20[20];
	int		a, b;

	ck_assert_int_eq(shamap_init(&sha, 32), 0);
	ck_assert_int_eq(shamap_init(&swarm, 20), 0);
	/* The swarm key is the SHA-256's first 20 bytes: still two keys. */
	key_of(k32, 32, 0x44, 7);
	memcpy(k20, k32, 20);
	ck_assert_int_eq(shamap_put(&sha, k32, &a), 0);
	ck_assert_int_eq(shamap_put(&swarm, k20, &b), 0);
	ck_assert_ptr_eq(shamap_get(&sha, k32), &a);
	ck_assert_ptr_eq(shamap_get(&swarm, k20), &b);
	/* Bytes past a key's length are not part of it. */
	k32[31] ^= 1;
	ck_assert_ptr_null(shamap_get(&sha, k32));
	ck_assert_ptr_eq(shamap_get(&swarm, k32), &b);
	ck_assert_ptr_eq(shamap_remove(&swarm, k20), &b);
	ck_assert_uint_eq(shamap_count(&swarm), 0);
	ck_assert_uint_eq(shamap_count(&sha), 1);
	shamap_free(&sha);
	shamap_free(&swarm);
}
END_TEST

/*
 * Keys a peer chose to share their first 8 bytes (the old tables took
 * their bucket from those): every insert and find still looks at a few
 * slots, not at every key before it.
 */
/*
 * Keys kept in the values: a slot is a pointer alone, and growth,
 * removal with its markers, and iteration find every key where the
 * value holds it.
 */
struct held {
	uint32_t	 i;
	uint8_t		 key[20];
};

START_TEST(test_in_value)
{
	struct shamap	 m;
	struct held	*v;
	const uint8_t	*k;
	void		*val;
	uint8_t		 key[20];
	size_t		 pos = 0, n = 0;
	uint32_t	 i;

	v = calloc(NGROW, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(shamap_init_in_value(&m, 20,
	    offsetof(struct held, key)), 0);
	for (i = 0; i < NGROW; i++) {
		v[i].i = i;
		key_of(v[i].key, 20, 0x33, i);
		ck_assert_int_eq(shamap_put(&m, v[i].key, &v[i]), 0);
	}
	ck_assert_uint_eq(shamap_count(&m), NGROW);
	ck_assert_uint_eq(shamap_bytes(&m), m.cap * sizeof(void *));
	for (i = 0; i < NGROW; i += 2)
		ck_assert_ptr_eq(shamap_remove(&m, v[i].key), &v[i]);
	for (i = 0; i < NGROW; i++) {
		key_of(key, 20, 0x33, i);
		ck_assert_ptr_eq(shamap_get(&m, key), i % 2 ? &v[i] : NULL);
	}
	while (shamap_next(&m, &pos, &k, &val)) {
		ck_assert_ptr_eq(k, ((struct held *)val)->key);
		ck_assert_uint_eq(((struct held *)val)->i % 2, 1);
		n++;
	}
	ck_assert_uint_eq(n, NGROW / 2);
	shamap_free(&m);
	free(v);
}
END_TEST

START_TEST(test_hostile_keys)
{
	struct shamap	m;
	uint64_t	before;

	ck_assert_int_eq(shamap_init(&m, 32), 0);
	before = shamap_probes(&m);
	put_all(&m, 0x55, 0, NHOSTILE);
	ck_assert_uint_le(shamap_probes(&m) - before,
	    (uint64_t)PROBES_MAX * NHOSTILE);
	before = shamap_probes(&m);
	get_all(&m, 0x55, 0, NHOSTILE, true);
	ck_assert_uint_le(shamap_probes(&m) - before,
	    (uint64_t)PROBES_MAX * NHOSTILE);
	/* Misses too. */
	before = shamap_probes(&m);
	get_all(&m, 0x55, NHOSTILE, 2 * NHOSTILE, false);
	ck_assert_uint_le(shamap_probes(&m) - before,
	    (uint64_t)2 * PROBES_MAX * NHOSTILE);
	shamap_free(&m);
}
END_TEST

static Suite *
shamap_suite(void)
{
	Suite	*s = suite_create("shamap");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_churn);
	tcase_add_test(tc, test_iterate_remove);
	tcase_add_test(tc, test_two_lengths);
	tcase_add_test(tc, test_hostile_keys);
	tcase_add_test(tc, test_in_value);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(shamap_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
