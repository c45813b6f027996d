/* SPDX-License-Identifier: ISC */
/*
 * check_hearsay.c - unit tests for daemon/share/hearsay.c: which
 * addresses a peer's word may make us dial, and how many a minute.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "daemon/share/hearsay.h"

static struct sockaddr_storage	ss;

static const struct sockaddr *
v4(const char *a)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(6881);
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	return (const struct sockaddr *)&ss;
}

static const struct sockaddr *
v6(const char *a)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(6881);
	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	return (const struct sockaddr *)&ss;
}

START_TEST(test_never_dialled)
{
	static const char *const no4[] = {
		"127.0.0.1", "127.0.0.50", "0.0.0.0", "169.254.1.2",
		"224.0.0.1", "239.192.152.143", "255.255.255.255",
	};
	static const char *const no6[] = {
		"::1", "::", "fe80::1", "febf::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:169.254.0.9",
	};
	size_t	i;

	hearsay_reset();
	for (i = 0; i < sizeof(no4) / sizeof(no4[0]); i++)
		ck_assert_msg(!hearsay_dialable(v4(no4[i])), "%s", no4[i]);
	for (i = 0; i < sizeof(no6) / sizeof(no6[0]); i++)
		ck_assert_msg(!hearsay_dialable(v6(no6[i])), "%s", no6[i]);
	/* Other private ranges are what a LAN is made of. */
	ck_assert(hearsay_dialable(v4("192.0.2.77")));
	ck_assert(hearsay_dialable(v4("10.1.2.3")));
	ck_assert(hearsay_dialable(v6("fd00::5")));
	ck_assert(hearsay_dialable(v6("::ffff:10.0.0.1")));
}
END_TEST

START_TEST(test_own_loopback_is_local)
{
	/* Every Linux machine has lo up in a test namespace and here. */
	hearsay_reset();
	ck_assert(hearsay_is_local(v4("127.0.0.1")));
	ck_assert(!hearsay_is_local(v4("192.0.2.250")));
}
END_TEST

START_TEST(test_source_rate)
{
	struct sockaddr_storage	a, b;
	uint64_t		now = 1000000;
	unsigned		n, i;

	hearsay_reset();
	memcpy(&a, v4("192.0.2.10"), sizeof(a));
	memcpy(&b, v4("192.0.2.11"), sizeof(b));
	for (n = 0; hearsay_take((struct sockaddr *)&a, now); n++)
		ck_assert_uint_le(n, 1000);
	ck_assert_uint_eq(n, HEARSAY_SOURCE_DIALS);
	ck_assert_uint_eq(hearsay_refused(), 1);
	/* Another source has its own budget. */
	ck_assert(hearsay_take((struct sockaddr *)&b, now));
	/* A minute refills one source's budget, at its rate. */
	now += 60000 / HEARSAY_SOURCE_DIALS;
	ck_assert(hearsay_take((struct sockaddr *)&a, now));
	ck_assert(!hearsay_take((struct sockaddr *)&a, now));
	/* Never above a full minute's worth, however long the pause. */
	now += 3600 * 1000;
	for (i = 0; i < 1000 && hearsay_take((struct sockaddr *)&a, now); i++)
		;
	ck_assert_uint_eq(i, HEARSAY_SOURCE_DIALS);
}
END_TEST

START_TEST(test_global_rate)
{
	struct sockaddr_storage	src;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&src;
	uint64_t		now = 5000000;
	unsigned		i, ok = 0;

	hearsay_reset();
	memcpy(&src, v4("10.0.0.0"), sizeof(src));
	/* Many sources, a few dials each: the sum is capped. */
	for (i = 0; i < 200; i++) {
		sin->sin_addr.s_addr = htonl(0x0a000000u + i);
		ok += hearsay_take((struct sockaddr *)&src, now);
		ok += hearsay_take((struct sockaddr *)&src, now);
	}
	ck_assert_uint_eq(ok, HEARSAY_WORD_DIALS);
	ck_assert_uint_eq(hearsay_refused(), 400 - HEARSAY_WORD_DIALS);
}
END_TEST

static Suite *
hearsay_suite(void)
{
	Suite	*s = suite_create("hearsay");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_never_dialled);
	tcase_add_test(tc, test_own_loopback_is_local);
	tcase_add_test(tc, test_source_rate);
	tcase_add_test(tc, test_global_rate);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hearsay_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
