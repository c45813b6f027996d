/* SPDX-License-Identifier: ISC */
/*
 * check_debver.c - unit tests for common/debver.c: dpkg's version order
 * (the cases of dpkg's own test suite that matter for pool names) and
 * the parts of pool file names.
 */
#include <check.h>
#include <string.h>

#include "common/debver.h"

START_TEST(test_order)
{
	static const struct {
		const char	*a, *b;
		int		 sign;
	} v[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0", "1.1", -1 },
		{ "1.10", "1.9", 1 },
		{ "1.0~rc1", "1.0", -1 },
		{ "1.0", "1.0+b1", -1 },
		{ "1.0-1", "1.0-2", -1 },
		{ "1.0-10", "1.0-9", 1 },
		{ "1:0.1", "2.0", 1 },
		{ "0:2.0", "2.0", 0 },
		{ "3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1 },
		{ "3.0.11-1~deb12u2", "3.0.11-1", -1 },
		{ "1.0a", "1.0", 1 },
		{ "1.0.", "1.0", 1 },
		{ "1.00", "1.0", 0 },
		{ "1.2.3", "1.2.3-1", -1 },
	};
	size_t	i;
	int	r;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		r = debver_cmp(v[i].a, v[i].b);
		ck_assert_msg((r > 0) - (r < 0) == v[i].sign,
		    "%s vs %s: %d", v[i].a, v[i].b, r);
		r = debver_cmp(v[i].b, v[i].a);
		ck_assert_msg((r > 0) - (r < 0) == -v[i].sign,
		    "%s vs %s: %d", v[i].b, v[i].a, r);
	}
}
END_TEST

START_TEST(test_split)
{
	static const struct {
		const char	*file, *name, *ver, *ext;
	} v[] = {
		{ "libssl3_3.0.11-1~deb12u2_amd64.deb", "libssl3",
		    "3.0.11-1~deb12u2", "_amd64.deb" },
		{ "x_1.0.tar", "x", "1.0", ".tar" },
		{ "x_1.0~rc1.tar", "x", "1.0~rc1", ".tar" },
		{ "hello_2.10-3.debian.tar.xz", "hello", "2.10-3",
		    ".debian.tar.xz" },
		{ "hello_2.10.orig.tar.gz", "hello", "2.10", ".orig.tar.gz" },
		{ "bash_5.2-2.dsc", "bash", "5.2-2", ".dsc" },
		{ "e_1%3a2.0-1_all.deb", "e", "1:2.0-1", "_all.deb" },
	};
	char	name[64], ver[64], ext[64];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_msg(debver_split(v[i].file, name, sizeof(name), ver,
		    sizeof(ver), ext, sizeof(ext)), "%s", v[i].file);
		ck_assert_str_eq(name, v[i].name);
		ck_assert_str_eq(ver, v[i].ver);
		ck_assert_str_eq(ext, v[i].ext);
	}
	ck_assert(!debver_split("noversion.tar", name, sizeof(name), ver,
	    sizeof(ver), ext, sizeof(ext)));
	ck_assert(!debver_split("_1.0.tar", name, sizeof(name), ver,
	    sizeof(ver), ext, sizeof(ext)));
	ck_assert(!debver_split("x_1.0", name, sizeof(name), ver,
	    sizeof(ver), ext, sizeof(ext)));
	ck_assert(!debver_split("x_.tar", name, sizeof(name), ver,
	    sizeof(ver), ext, sizeof(ext)));
	ck_assert(!debver_split("x_1.0.tar", name, 1, ver, sizeof(ver), ext,
	    sizeof(ext)));
}
END_TEST

static Suite *
debver_suite(void)
{
	Suite	*s = suite_create("debver");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_split);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(debver_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
