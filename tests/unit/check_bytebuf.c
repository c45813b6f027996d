/* SPDX-License-Identifier: ISC */
/*
 * check_bytebuf.c - unit tests for common/bytebuf.c.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"

START_TEST(test_append)
{
	struct bytebuf	b;

	bytebuf_init(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(!bytebuf_failed(&b));
	bytebuf_append(&b, "abc", 3);
	bytebuf_putc(&b, 'd');
	bytebuf_puts(&b, "ef");
	bytebuf_append(&b, NULL, 0);
	bytebuf_puts(&b, "");
	ck_assert_uint_eq(b.len, 6);
	ck_assert_mem_eq(b.data, "abcdef", 6);
	ck_assert_uint_ge(b.cap, b.len);
	bytebuf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	/* Freeing twice, or an empty buffer, is harmless. */
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_grow)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	size_t		 i;
	uint8_t		 c;

	for (i = 0; i < 100000; i++)
		bytebuf_putc(&b, (uint8_t)(i % 251));
	ck_assert(!bytebuf_failed(&b));
	ck_assert_uint_eq(b.len, 100000);
	for (i = 0; i < b.len; i++) {
		c = (uint8_t)(i % 251);
		ck_assert_uint_eq(b.data[i], c);
	}
	/* Reserve leaves room without changing the contents. */
	ck_assert(bytebuf_reserve(&b, 1000000));
	ck_assert_uint_ge(b.cap - b.len, 1000000);
	ck_assert_uint_eq(b.len, 100000);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_printf)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	char		 big[1000];

	bytebuf_printf(&b, "%d-%s", 42, "x");
	ck_assert_uint_eq(b.len, 4);
	ck_assert_mem_eq(b.data, "42-x", 4);
	/* Longer than the room left: takes the second path. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bytebuf_printf(&b, "[%s]", big);
	ck_assert_uint_eq(b.len, 4 + 2 + 999);
	ck_assert_int_eq(b.data[4], '[');
	ck_assert_int_eq(b.data[b.len - 1], ']');
	ck_assert_int_eq(b.data[b.len - 2], 'z');
	bytebuf_printf(&b, "%s", "");
	ck_assert_uint_eq(b.len, 1005);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_consume_reset)
{
	struct bytebuf	b = BYTEBUF_INIT;
	size_t		cap;

	bytebuf_puts(&b, "hello world");
	bytebuf_consume(&b, 6);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_mem_eq(b.data, "world", 5);
	bytebuf_consume(&b, 0);
	ck_assert_uint_eq(b.len, 5);
	bytebuf_consume(&b, 100);
	ck_assert_uint_eq(b.len, 0);
	bytebuf_puts(&b, "again");
	cap = b.cap;
	bytebuf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, cap);
	bytebuf_puts(&b, "x");
	ck_assert_mem_eq(b.data, "x", 1);
	bytebuf_free(&b);
}
END_TEST

/* After a failed allocation every append is a no-op until reset. */
START_TEST(test_sticky_failure)
{
	struct bytebuf	b = BYTEBUF_INIT;

	bytebuf_puts(&b, "abc");
	ck_assert(!bytebuf_reserve(&b, SIZE_MAX));
	ck_assert(bytebuf_failed(&b));
	bytebuf_puts(&b, "def");
	bytebuf_putc(&b, 'g');
	bytebuf_printf(&b, "%d", 1);
	ck_assert_uint_eq(b.len, 3);
	ck_assert(!bytebuf_reserve(&b, 1));
	ck_assert(bytebuf_failed(&b));
	bytebuf_reset(&b);
	ck_assert(!bytebuf_failed(&b));
	bytebuf_puts(&b, "ok");
	ck_assert_uint_eq(b.len, 2);
	bytebuf_free(&b);
	ck_assert(!bytebuf_failed(&b));
}
END_TEST

static Suite *
bytebuf_suite(void)
{
	Suite	*s = suite_create("bytebuf");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_printf);
	tcase_add_test(tc, test_consume_reset);
	tcase_add_test(tc, test_sticky_failure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(bytebuf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
