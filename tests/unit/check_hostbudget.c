/* SPDX-License-Identifier: ISC */
/*
 * check_hostbudget.c - unit tests for daemon/base/hostbudget.c: budgets
 * per host (not per port), per hour, and a bounded table.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/hostbudget.h"

#define MiB	(1024ULL * 1024)
#define HOUR	((uint64_t)HOSTBUDGET_WINDOW_MS)

static struct sockaddr_in
v4(const char *a, uint16_t port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

#define SA(x)	((const struct sockaddr *)&(x))

START_TEST(test_files_and_bytes)
{
	struct hostbudget_limits	lim = { 3, 10 * MiB };
	struct sockaddr_in		a = v4("192.0.2.4", 6881);
	struct sockaddr_in		a2 = v4("192.0.2.4", 40000);
	struct sockaddr_in		b = v4("192.0.2.5", 6881);
	uint64_t			f, n;

	hostbudget_reset();
	ck_assert(hostbudget_take(&lim, SA(a), 4 * MiB, 1000));
	/* Another port of the same host shares its budget. */
	ck_assert(hostbudget_take(&lim, SA(a2), 4 * MiB, 1000));
	ck_assert(!hostbudget_take(&lim, SA(a), 4 * MiB, 1000));
	hostbudget_spent(SA(a), 1000, &f, &n);
	ck_assert_uint_eq(f, 2);
	ck_assert_uint_eq(n, 8 * MiB);
	ck_assert(hostbudget_take(&lim, SA(a), 2 * MiB, 1000));
	/* Three files: no fourth, however small. */
	ck_assert(!hostbudget_take(&lim, SA(a), 1, 2000));
	/* Another host has its own. */
	ck_assert(hostbudget_take(&lim, SA(b), 10 * MiB, 2000));
	ck_assert(!hostbudget_take(&lim, SA(b), 10 * MiB + 1, 2000));
	/* An hour later, a fresh window. */
	ck_assert(hostbudget_take(&lim, SA(a), 10 * MiB, 1000 + HOUR));
	hostbudget_spent(SA(a), 1000 + HOUR, &f, &n);
	ck_assert_uint_eq(f, 1);
	ck_assert_uint_eq(n, 10 * MiB);
}
END_TEST

START_TEST(test_zero_and_huge)
{
	struct hostbudget_limits	none = { 0, 10 * MiB };
	struct hostbudget_limits	lim = { 10, 10 * MiB };
	struct sockaddr_in		a = v4("192.0.2.4", 1);

	hostbudget_reset();
	ck_assert(!hostbudget_take(&none, SA(a), 1, 0));
	/* No overflow with a size near 2^64. */
	ck_assert(!hostbudget_take(&lim, SA(a), UINT64_MAX, 0));
	ck_assert(hostbudget_take(&lim, SA(a), 5 * MiB, 0));
	ck_assert(!hostbudget_take(&lim, SA(a), UINT64_MAX - MiB, 0));
}
END_TEST

START_TEST(test_bounded_table)
{
	struct hostbudget_limits	lim = { 1, MiB };
	struct sockaddr_in		a;
	char				addr[32];
	unsigned			i;

	hostbudget_reset();
	/* Many hosts: the table stays bounded and each keeps its budget. */
	for (i = 0; i < 2 * HOSTBUDGET_HOSTS; i++) {
		snprintf(addr, sizeof(addr), "10.0.%u.%u", i / 256, i % 256);
		a = v4(addr, 1);
		ck_assert(hostbudget_take(&lim, SA(a), MiB, 10 + i));
		ck_assert(!hostbudget_take(&lim, SA(a), 1, 10 + i));
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hostbudget");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_files_and_bytes);
	tcase_add_test(tc, test_zero_and_huge);
	tcase_add_test(tc, test_bounded_table);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
