/* SPDX-License-Identifier: ISC */
/*
 * check_units.c - unit tests for common/units.c.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/units.h"

static const struct {
	const char	*in;
	uint64_t	 want;
} good_bytes[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "500", 500 },
	{ "500B", 500 },
	{ "500b", 500 },
	{ "1K", 1024 },
	{ "1k", 1024 },
	{ "500K", 500 * 1024 },
	{ "500KB", 500 * 1024 },
	{ "500KiB", 500 * 1024 },
	{ "500kib", 500 * 1024 },
	{ "500KIB", 500 * 1024 },
	{ "10M", 10ULL << 20 },
	{ "10MiB/s", 10ULL << 20 },
	{ "10m/s", 10ULL << 20 },
	{ "10mb/s", 10ULL << 20 },
	{ "100/s", 100 },
	{ "0/s", 0 },
	{ "2G", 2ULL << 30 },
	{ "3T", 3ULL << 40 },
	{ "3tib", 3ULL << 40 },
	{ "1.5M", 3ULL << 19 },
	{ "1.5 MiB", 3ULL << 19 },
	{ "0.5K", 512 },
	{ "1.25k", 1280 },
	{ "1.0G", 1ULL << 30 },
	{ "0.001K", 1 },		/* 1.024 bytes, rounded down */
	{ "1.1234567891234K", 1150 },	/* extra digits ignored */
	{ "18446744073709551615", UINT64_MAX },
	{ "16777215T", 16777215ULL << 40 },
	{ "16777215.5T", (16777215ULL << 40) + (1ULL << 39) },
	{ "007", 7 },
};

static const char *const bad_bytes[] = {
	"", " ", "K", "B", "-1", "+1", " 1", "1X", "1KK", "1iB", "1Ki",
	"1KiBB", "1K/", "1K/m", "1K/s/s", "1.", ".5K", "1.5", "1.5B",
	"1..5K", "1,5K", "0x10", "1e3",
	"18446744073709551616", "99999999999999999999999",
	"16777216T", "16777215.99999999999T0",
	"17179869184G", "1 K B",
};

START_TEST(test_bytes)
{
	uint64_t	v;
	size_t		i;

	for (i = 0; i < sizeof(good_bytes) / sizeof(good_bytes[0]); i++) {
		v = 12345;
		ck_assert_msg(units_parse_bytes(good_bytes[i].in, &v),
		    "\"%s\" rejected", good_bytes[i].in);
		ck_assert_msg(v == good_bytes[i].want,
		    "\"%s\" = %llu, want %llu", good_bytes[i].in,
		    (unsigned long long)v,
		    (unsigned long long)good_bytes[i].want);
	}
	for (i = 0; i < sizeof(bad_bytes) / sizeof(bad_bytes[0]); i++)
		ck_assert_msg(!units_parse_bytes(bad_bytes[i], &v),
		    "\"%s\" accepted", bad_bytes[i]);
}
END_TEST

static const struct {
	const char	*in;
	uint64_t	 want;
} good_secs[] = {
	{ "0", 0 },
	{ "30", 30 },
	{ "30s", 30 },
	{ "30S", 30 },
	{ "5m", 300 },
	{ "5M", 300 },
	{ "2h", 7200 },
	{ "1d", 86400 },
	{ "1.5h", 5400 },
	{ "0.5m", 30 },
	{ "10 s", 10 },
	{ "18446744073709551615", UINT64_MAX },
};

static const char *const bad_secs[] = {
	"", "s", "-1", "1x", "1w", "1ms", "1.5", "1.5s5", "1 h m",
	"18446744073709551616", "213503982334602d", "1hs",
};

START_TEST(test_seconds)
{
	uint64_t	v;
	size_t		i;

	for (i = 0; i < sizeof(good_secs) / sizeof(good_secs[0]); i++) {
		ck_assert_msg(units_parse_seconds(good_secs[i].in, &v),
		    "\"%s\" rejected", good_secs[i].in);
		ck_assert_msg(v == good_secs[i].want, "\"%s\" = %llu",
		    good_secs[i].in, (unsigned long long)v);
	}
	for (i = 0; i < sizeof(bad_secs) / sizeof(bad_secs[0]); i++)
		ck_assert_msg(!units_parse_seconds(bad_secs[i], &v),
		    "\"%s\" accepted", bad_secs[i]);
}
END_TEST

static const struct {
	uint64_t	 v;
	const char	*want;
} formats[] = {
	{ 0, "0 B" },
	{ 1023, "1023 B" },
	{ 1024, "1 KiB" },
	{ 1536, "1.5 KiB" },
	{ 3ULL << 19, "1.5 MiB" },
	{ 10ULL << 20, "10 MiB" },
	{ (1ULL << 20) - 1, "1 MiB" },		/* not "1024.0 KiB" */
	{ (1ULL << 30) + (1ULL << 29), "1.5 GiB" },
	{ 5ULL << 40, "5 TiB" },
	{ UINT64_MAX, "16 EiB" },
};

START_TEST(test_format)
{
	char	buf[32];
	size_t	i;
	uint64_t v;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		ck_assert_str_eq(units_format_bytes(formats[i].v, buf,
		    sizeof(buf)), formats[i].want);
	/* Small buffers truncate safely. */
	ck_assert_str_eq(units_format_bytes(3ULL << 19, buf, 4), "1.5");
	buf[0] = 'x';
	units_format_bytes(1, buf, 0);
	ck_assert_int_eq(buf[0], 'x');
	/* What it prints parses back (to within the rounding). */
	ck_assert(units_parse_bytes(units_format_bytes(3ULL << 19, buf,
	    sizeof(buf)), &v));
	ck_assert(v == 3ULL << 19);
}
END_TEST

static Suite *
units_suite(void)
{
	Suite	*s = suite_create("units");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_seconds);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(units_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
