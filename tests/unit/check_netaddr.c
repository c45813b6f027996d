/* SPDX-License-Identifier: ISC */
/*
 * check_netaddr.c - unit tests for common/netaddr.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <string.h>

#include "common/netaddr.h"

/* Each good name and its canonical text. */
static const struct {
	const char	*in, *out;
} good[] = {
	{ "127.0.0.1", "127.0.0.1" },
	{ "192.168.1.5:6881", "192.168.1.5:6881" },
	{ "10.0.0.1:65535", "10.0.0.1:65535" },
	{ "fe80::1", "fe80::1" },
	{ "[fe80::1]", "fe80::1" },
	{ "[2001:db8::5]:6881", "[2001:db8::5]:6881" },
	{ "::ffff:10.1.2.3", "10.1.2.3" },
	{ "[::ffff:10.1.2.3]:80", "10.1.2.3:80" },
};

static const char *const bad[] = {
	"", "host", "example.org:80", "1.2.3", "1.2.3.4:", "1.2.3.4:0",
	"1.2.3.4:65536", "1.2.3.4:080", "1.2.3.4:+80", "1.2.3.4:8x",
	"[fe80::1", "[fe80::1]:", "[fe80::1]x", "[1.2.3.4]:80", "fe80::1:",
	"256.1.1.1", " 1.2.3.4", "1.2.3.4 ",
	"1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:1111:2222:3333",
};

START_TEST(test_good)
{
	struct netaddr	a, b;
	char		text[NETADDR_STRLEN];

	ck_assert_int_eq(netaddr_parse(good[_i].in, strlen(good[_i].in),
	    &a), 0);
	ck_assert_str_eq(netaddr_format(&a, text, sizeof(text)),
	    good[_i].out);
	ck_assert_int_eq(netaddr_parse(text, strlen(text), &b), 0);
	ck_assert(netaddr_equal(&a, &b));
}
END_TEST

START_TEST(test_bad)
{
	struct netaddr	a;

	ck_assert_int_ne(netaddr_parse(bad[_i], strlen(bad[_i]), &a), 0);
}
END_TEST

START_TEST(test_nul)
{
	struct netaddr	a;

	/* The length is the text: an embedded NUL is an error. */
	ck_assert_int_ne(netaddr_parse("1.2.3.4\0:80", 11, &a), 0);
	ck_assert_int_eq(netaddr_parse("1.2.3.4:80xyz", 10, &a), 0);
	ck_assert_int_eq(a.port, 80);
}
END_TEST

START_TEST(test_match)
{
	struct netaddr		a;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	inet_pton(AF_INET, "10.0.0.7", &sin.sin_addr);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40000);
	inet_pton(AF_INET6, "::ffff:10.0.0.7", &sin6.sin6_addr);

	ck_assert_int_eq(netaddr_parse("10.0.0.7", 8, &a), 0);
	ck_assert(netaddr_match(&a, (struct sockaddr *)&sin, 0));
	ck_assert(netaddr_match(&a, (struct sockaddr *)&sin6, 0));
	ck_assert_int_eq(netaddr_parse("10.0.0.7:6881", 13, &a), 0);
	ck_assert(!netaddr_match(&a, (struct sockaddr *)&sin, 0));
	/* The peer's listening port counts as its port too. */
	ck_assert(netaddr_match(&a, (struct sockaddr *)&sin, 6881));
	ck_assert_int_eq(netaddr_parse("10.0.0.8", 8, &a), 0);
	ck_assert(!netaddr_match(&a, (struct sockaddr *)&sin, 0));
	ck_assert_int_eq(netaddr_parse("::7", 3, &a), 0);
	ck_assert(!netaddr_match(&a, (struct sockaddr *)&sin6, 0));
}
END_TEST

/* A /24 or a /64 is one link; a mapped IPv4 address is IPv4. */
START_TEST(test_same_subnet)
{
	struct sockaddr_in	a = { .sin_family = AF_INET }, b = a;
	struct sockaddr_in6	c = { .sin6_family = AF_INET6 }, d = c, m = c;

	inet_pton(AF_INET, "10.0.1.2", &a.sin_addr);
	inet_pton(AF_INET, "10.0.1.254", &b.sin_addr);
	ck_assert(netaddr_same_subnet((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	inet_pton(AF_INET, "10.0.2.2", &b.sin_addr);
	ck_assert(!netaddr_same_subnet((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	inet_pton(AF_INET6, "2001:db8:0:1::7", &c.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:0:1:ffff::9", &d.sin6_addr);
	ck_assert(netaddr_same_subnet((struct sockaddr *)&c,
	    (struct sockaddr *)&d));
	inet_pton(AF_INET6, "2001:db8:0:2::7", &d.sin6_addr);
	ck_assert(!netaddr_same_subnet((struct sockaddr *)&c,
	    (struct sockaddr *)&d));
	inet_pton(AF_INET6, "::ffff:10.0.1.99", &m.sin6_addr);
	ck_assert(netaddr_same_subnet((struct sockaddr *)&a,
	    (struct sockaddr *)&m));
	ck_assert(!netaddr_same_subnet((struct sockaddr *)&a,
	    (struct sockaddr *)&c));
	ck_assert(!netaddr_same_subnet(NULL, (struct sockaddr *)&a));
}
END_TEST

/* Hosts, not connections: the port does not matter, the family does. */
START_TEST(test_same_host)
{
	struct sockaddr_in	a = { .sin_family = AF_INET }, b = a;
	struct sockaddr_in6	c = { .sin6_family = AF_INET6 }, d = c;

	inet_pton(AF_INET, "192.0.2.7", &a.sin_addr);
	b = a;
	a.sin_port = htons(6881);
	b.sin_port = htons(40000);
	ck_assert(netaddr_same_host((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	inet_pton(AF_INET, "192.0.2.8", &b.sin_addr);
	ck_assert(!netaddr_same_host((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	inet_pton(AF_INET6, "2001:db8::7", &c.sin6_addr);
	d = c;
	d.sin6_port = htons(1);
	ck_assert(netaddr_same_host((struct sockaddr *)&c,
	    (struct sockaddr *)&d));
	d.sin6_addr.s6_addr[15] ^= 1;
	ck_assert(!netaddr_same_host((struct sockaddr *)&c,
	    (struct sockaddr *)&d));
	ck_assert(!netaddr_same_host((struct sockaddr *)&a,
	    (struct sockaddr *)&c));
	ck_assert(!netaddr_same_host(NULL, (struct sockaddr *)&a));
	ck_assert(!netaddr_same_host((struct sockaddr *)&a, NULL));
}
END_TEST

static Suite *
netaddr_suite(void)
{
	Suite	*s = suite_create("netaddr");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_same_host);
	tcase_add_test(tc, test_same_subnet);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(netaddr_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
