/* SPDX-License-Identifier: ISC */
/*
 * check_bitfield.c - unit tests for common/bitfield.c: BEP 3 bit order,
 * counts, spare bits.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/bitfield.h"

START_TEST(test_order)
{
	uint8_t		bits[3] = { 0 };
	uint32_t	i;

	/* Piece 0 is the high bit of byte 0, piece 9 bit 6 of byte 1. */
	bitfield_set(bits, 0);
	bitfield_set(bits, 9);
	bitfield_set(bits, 23);
	ck_assert_uint_eq(bits[0], 0x80);
	ck_assert_uint_eq(bits[1], 0x40);
	ck_assert_uint_eq(bits[2], 0x01);
	for (i = 0; i < 24; i++)
		ck_assert(bitfield_get(bits, i) == (i == 0 || i == 9 ||
		    i == 23));
	bitfield_set(bits, 9);		/* idempotent */
	ck_assert_uint_eq(bits[1], 0x40);
	bitfield_clear(bits, 9);
	bitfield_clear(bits, 10);	/* already clear */
	ck_assert_uint_eq(bits[1], 0);
	ck_assert(bitfield_get(bits, 0) && bitfield_get(bits, 23));
}
END_TEST

START_TEST(test_len)
{
	ck_assert_uint_eq(bitfield_len(0), 0);
	ck_assert_uint_eq(bitfield_len(1), 1);
	ck_assert_uint_eq(bitfield_len(8), 1);
	ck_assert_uint_eq(bitfield_len(9), 2);
	ck_assert_uint_eq(bitfield_len(UINT32_MAX), 536870912);
}
END_TEST

START_TEST(test_count_fill)
{
	uint8_t		bits[4];
	uint32_t	n;

	for (n = 0; n <= 32; n++) {
		memset(bits, 0, sizeof(bits));
		ck_assert_uint_eq(bitfield_count(bits, n), 0);
		ck_assert(bitfield_all(bits, n) == (n == 0));
		bitfield_fill(bits, n);
		ck_assert_uint_eq(bitfield_count(bits, n), n);
		ck_assert(bitfield_all(bits, n));
		ck_assert_int_eq(bitfield_check(bits, bitfield_len(n), n), 0);
		if (n > 0) {
			bitfield_clear(bits, n - 1);
			ck_assert(!bitfield_all(bits, n));
			ck_assert_uint_eq(bitfield_count(bits, n), n - 1);
		}
	}
	/* Spare bits are not counted. */
	memset(bits, 0xff, sizeof(bits));
	ck_assert_uint_eq(bitfield_count(bits, 17), 17);
	ck_assert(bitfield_all(bits, 17));
	bitfield_trim(bits, 17);
	ck_assert_uint_eq(bits[2], 0x80);
	ck_assert_uint_eq(bits[3], 0xff);	/* past the length: untouched */
	bitfield_trim(bits, 16);
	ck_assert_uint_eq(bits[1], 0xff);
	bitfield_trim(bits, 0);
	ck_assert_uint_eq(bits[0], 0xff);
}
END_TEST

START_TEST(test_check)
{
	uint8_t	bits[3] = { 0xff, 0xff, 0x80 }, ones[3] = { 0xff, 0xff, 0xff };

	ck_assert_int_eq(bitfield_check(bits, 3, 17), 0);
	ck_assert_int_eq(bitfield_check(bits, 3, 24), 0);
	/* Wrong length for the piece count. */
	ck_assert_int_eq(bitfield_check(bits, 3, 16), -EBADMSG);
	ck_assert_int_eq(bitfield_check(bits, 3, 25), -EBADMSG);
	ck_assert_int_eq(bitfield_check(bits, 2, 17), -EBADMSG);
	/* A spare bit set. */
	ck_assert_int_eq(bitfield_check(ones, 3, 17), -EBADMSG);
	ck_assert_int_eq(bitfield_check(ones, 3, 23), -EBADMSG);
	ck_assert_int_eq(bitfield_check(ones, 3, 24), 0);
	ck_assert_int_eq(bitfield_check(bits, 0, 0), 0);
	ck_assert_int_eq(bitfield_check(bits, 1, 0), -EBADMSG);
}
END_TEST

static Suite *
bitfield_suite(void)
{
	Suite	*s = suite_create("bitfield");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_len);
	tcase_add_test(tc, test_count_fill);
	tcase_add_test(tc, test_check);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(bitfield_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
