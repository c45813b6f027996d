/* SPDX-License-Identifier: ISC */
/*
 * check_proxyurl.c - unit tests for common/proxyurl.c: which request
 * targets the proxy fetches, rebuilt as what URL, and which it refuses.
 */
#include <check.h>
#include <string.h>

#include "common/proxyurl.h"

static const struct {
	const char		*in, *url;
	enum proxyurl_kind	 kind;
	const char		*base;		/* the archive's top */
	bool			 local;
} good[] = {
	{ "http://deb.debian.org/debian/dists/bookworm/InRelease",
	  "http://deb.debian.org/debian/dists/bookworm/InRelease",
	  PROXYURL_RELEASE, "http://deb.debian.org/debian/", false },
	{ "HTTP://Deb.Debian.ORG:8080/debian/dists/sid/main/binary-amd64/Packages.xz",
	  "http://deb.debian.org:8080/debian/dists/sid/main/binary-amd64/Packages.xz",
	  PROXYURL_INDEX, "http://deb.debian.org:8080/debian/", false },
	{ "http://m.example/debian/dists/sid/main/binary-amd64/by-hash/SHA256/ab12",
	  "http://m.example/debian/dists/sid/main/binary-amd64/by-hash/SHA256/ab12",
	  PROXYURL_BYHASH, "http://m.example/debian/", false },
	{ "http://192.0.2.1/pool/main/h/hello/hello_2.10-3_amd64.deb",
	  "http://192.0.2.1/pool/main/h/hello/hello_2.10-3_amd64.deb",
	  PROXYURL_POOL, "http://192.0.2.1/", false },
	{ "/HTTPS///secure.example/debian/pool/main/a/a_1_all.deb",
	  "https://secure.example/debian/pool/main/a/a_1_all.deb",
	  PROXYURL_POOL, "https://secure.example/debian/", false },
	{ "http://proxy:3142/HTTPS///secure.example/debian/dists/x/Release",
	  "https://secure.example/debian/dists/x/Release",
	  PROXYURL_RELEASE, "https://secure.example/debian/", false },
	{ "/deb.debian.org/debian/dists/bookworm/Release.gpg",
	  "http://deb.debian.org/debian/dists/bookworm/Release.gpg",
	  PROXYURL_RELEASE, "http://deb.debian.org/debian/", false },
	{ "http://[2001:db8::1]:81/d/pool/x_1%2b2_all.deb",
	  "http://[2001:db8::1]:81/d/pool/x_1%2b2_all.deb",
	  PROXYURL_POOL, "http://[2001:db8::1]:81/d/", false },
	{ "http://127.0.0.1/debian/pool/a.deb", "http://127.0.0.1/debian/pool/a.deb",
	  PROXYURL_POOL, "http://127.0.0.1/debian/", true },
	{ "http://localhost/pool/a.deb", "http://localhost/pool/a.deb",
	  PROXYURL_POOL, "http://localhost/", true },
	{ "http://a.localhost/pool/a.deb", "http://a.localhost/pool/a.deb",
	  PROXYURL_POOL, "http://a.localhost/", true },
	{ "http://169.254.169.254/pool/a.deb", "http://169.254.169.254/pool/a.deb",
	  PROXYURL_POOL, "http://169.254.169.254/", true },
	{ "http://[::ffff:127.0.0.1]/pool/a", "http://[::ffff:127.0.0.1]/pool/a",
	  PROXYURL_POOL, "http://[::ffff:127.0.0.1]/", true },
	{ "http://[fe80::1]/pool/a", "http://[fe80::1]/pool/a",
	  PROXYURL_POOL, "http://[fe80::1]/", true },
};

static const struct {
	const char	*in;
	int		 status;
} bad[] = {
	{ "", 400 },
	{ "*", 400 },
	{ "deb.debian.org:443", 403 },		/* CONNECT's target */
	{ "file:///etc/passwd", 403 },
	{ "file:/var/cache/aptbtd/x", 403 },
	{ "https://deb.debian.org/debian/pool/a.deb", 403 },
	{ "ftp://deb.debian.org/debian/pool/a.deb", 403 },
	{ "gopher://x/pool/a", 403 },
	{ "http://deb.debian.org/etc/passwd", 403 },
	{ "http://deb.debian.org/", 403 },
	{ "http://deb.debian.org", 403 },
	{ "http://deb.debian.org/debian/dists/", 400 },
	{ "http://deb.debian.org/debian/dists/bookworm", 403 },
	{ "http://deb.debian.org/debian/pool", 403 },
	{ "http://deb.debian.org/debian/pool/", 400 },
	{ "http://deb.debian.org/debian/pool/../../etc/passwd", 400 },
	{ "http://deb.debian.org/debian/pool/./a", 400 },
	{ "http://deb.debian.org/debian/pool//a", 400 },
	{ "http://deb.debian.org/debian/pool/%2e%2e/a", 400 },
	{ "http://deb.debian.org/debian/pool/a%2fb", 400 },
	{ "http://deb.debian.org/debian/pool/a%2", 400 },
	{ "http://deb.debian.org/debian/pool/a%zz", 400 },
	{ "http://deb.debian.org/debian/pool/a%00", 400 },
	{ "http://deb.debian.org/debian/pool/a\\b", 400 },
	{ "http://deb.debian.org/debian/pool/a?x=1", 403 },
	{ "http://deb.debian.org/debian/pool/a#x", 403 },
	{ "http://user@deb.debian.org/debian/pool/a", 400 },
	{ "http://a:b@deb.debian.org/debian/pool/a", 400 },
	{ "http://deb.debian.org:0/debian/pool/a", 400 },
	{ "http://deb.debian.org:65536/debian/pool/a", 400 },
	{ "http://deb.debian.org:/debian/pool/a", 400 },
	{ "http://deb.debian.org:80x/debian/pool/a", 400 },
	{ "http://deb..debian.org/debian/pool/a", 400 },
	{ "http://.debian.org/debian/pool/a", 400 },
	{ "http://debian.org./debian/pool/a", 400 },
	{ "http://-x.org/debian/pool/a", 400 },
	{ "http://127.1/pool/a", 400 },
	{ "http://2130706433/pool/a", 400 },
	{ "http://0x7f000001/pool/a", 400 },
	{ "http://1.2.3.0x4/pool/a", 400 },
	{ "http://[::1/pool/a", 400 },
	{ "http://[zz::1]/pool/a", 400 },
	{ "http://[::1]x/pool/a", 400 },
	{ "http:///pool/a", 400 },
	{ "/HTTPS///pool/a", 403 },
	{ "/HTTPS////pool/a", 400 },
	{ "/HTTPS///x/../pool/a", 400 },
	{ "/x", 403 },
	{ "/x/etc/passwd", 403 },
	{ "/etc/passwd", 403 },
	{ "http://a b/pool/a", 400 },
	{ "http://a/pool/\x01", 400 },
	{ "http://a/pool/\xc3\xa9", 400 },
};

START_TEST(test_good)
{
	struct proxyurl	 u;
	const char	*why;

	ck_assert_msg(proxyurl_parse(good[_i].in, strlen(good[_i].in), &u,
	    &why) == 0, "%s: %s", good[_i].in, why);
	ck_assert_str_eq(u.url, good[_i].url);
	ck_assert_int_eq(u.kind, good[_i].kind);
	ck_assert_uint_eq(u.base_len, strlen(good[_i].base));
	ck_assert(strncmp(u.url, good[_i].base, u.base_len) == 0);
	ck_assert_int_eq(u.host_local, good[_i].local);
	if (u.kind == PROXYURL_RELEASE)
		ck_assert(strncmp(u.url + u.suite_len, "/", 1) == 0);
}
END_TEST

START_TEST(test_bad)
{
	struct proxyurl	 u;
	const char	*why = NULL;

	ck_assert_msg(proxyurl_parse(bad[_i].in, strlen(bad[_i].in), &u,
	    &why) == bad[_i].status, "%s", bad[_i].in);
	ck_assert(why != NULL && why[0] != '\0');
}
END_TEST

START_TEST(test_usage_and_length)
{
	struct proxyurl	 u;
	const char	*why;
	static char	 big[PROXYURL_MAX + 2];

	ck_assert_int_eq(proxyurl_parse("/", 1, &u, &why), 0);
	ck_assert_int_eq(u.kind, PROXYURL_USAGE);
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "http://x/pool/", 14);
	ck_assert_int_eq(proxyurl_parse(big, PROXYURL_MAX + 1, &u, &why), 414);
	ck_assert_int_eq(proxyurl_parse(big, PROXYURL_MAX, &u, &why), 0);
	/* The length is the target: what follows is not read. */
	ck_assert_int_eq(proxyurl_parse("http://x/pool/a/../b", 15, &u,
	    &why), 0);
	ck_assert_str_eq(u.url, "http://x/pool/a");
	/* The suite of a Release file. */
	ck_assert_int_eq(proxyurl_parse("http://x/d/dists/sid/InRelease", 30,
	    &u, &why), 0);
	ck_assert(strncmp(u.url, "http://x/d/dists/sid", u.suite_len) == 0);
	ck_assert_uint_eq(u.suite_len, strlen("http://x/d/dists/sid"));
}
END_TEST

START_TEST(test_hosts)
{
	struct proxyurl	 u;
	const char	*why;

	ck_assert_int_eq(proxyurl_parse("http://Deb.Example/pool/a", 25, &u,
	    &why), 0);
	ck_assert(proxyurl_host_allowed(&u, "any"));
	ck_assert(proxyurl_host_allowed(&u, "other, deb.example"));
	ck_assert(proxyurl_host_allowed(&u, "deb.example:80"));
	ck_assert(!proxyurl_host_allowed(&u, "deb.example:8080"));
	ck_assert(!proxyurl_host_allowed(&u, "example"));
	ck_assert(!proxyurl_host_allowed(&u, "x.deb.example"));
	ck_assert(!proxyurl_host_allowed(&u, "deb.example:"));
	ck_assert(!proxyurl_host_allowed(&u, ""));
	ck_assert(!proxyurl_host_listed(&u, "any"));
	ck_assert(proxyurl_host_listed(&u, "any deb.example"));
	ck_assert_int_eq(proxyurl_parse("/HTTPS///s.example/pool/a", 25, &u,
	    &why), 0);
	ck_assert(proxyurl_host_allowed(&u, "s.example:443"));
	ck_assert(!proxyurl_host_allowed(&u, "s.example:80"));
	/* Local hosts only when named. */
	ck_assert_int_eq(proxyurl_parse("http://127.0.0.1:8080/pool/a", 28,
	    &u, &why), 0);
	ck_assert(!proxyurl_host_allowed(&u, "any"));
	ck_assert(proxyurl_host_allowed(&u, "any 127.0.0.1:8080"));
	ck_assert(!proxyurl_host_allowed(&u, "127.0.0.1:80"));
	ck_assert_int_eq(proxyurl_parse("http://[::1]:81/pool/a", 22, &u,
	    &why), 0);
	ck_assert(!proxyurl_host_allowed(&u, "any"));
	ck_assert(proxyurl_host_allowed(&u, "[::1]:81"));
	ck_assert(proxyurl_host_allowed(&u, "::1"));
	ck_assert(!proxyurl_host_allowed(&u, "[::1]:80"));
}
END_TEST

static Suite *
proxyurl_suite(void)
{
	Suite	*s = suite_create("proxyurl");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_usage_and_length);
	tcase_add_test(tc, test_hosts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(proxyurl_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
