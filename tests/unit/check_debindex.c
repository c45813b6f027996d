/* SPDX-License-Identifier: ISC */
/*
 * check_debindex.c - unit tests for common/debindex.c: Release and
 * clearsigned InRelease bodies, Packages and Sources stanzas, and the
 * paths, sizes and hashes a hostile index may get wrong.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debindex.h"

#define H1	"b57af5c2e0f6f09db2f027d2b30e695f3169740c420e9e54f2f747a10c1dcca6"
#define H2	"5286f74b1cd423655d5c4b5130f20900044a2716cc77cdc78a50ea60c4041c61"
#define H3	"d22cfe196fb4b762ea661b1e7410b7739eef6d9ca12d6dbf06a0bed1e872114a"

struct got {
	char		 path[8][DEBINDEX_MAX_PATH + 1];
	uint64_t	 size[8];
	uint8_t		 sha[8][SHA256_LEN];
	size_t		 n;
};

static int
collect(void *arg, const char *path, uint64_t size,
    const uint8_t sha[SHA256_LEN])
{
	struct got	*g = arg;

	ck_assert_uint_lt(g->n, 8);
	snprintf(g->path[g->n], sizeof(g->path[0]), "%s", path);
	g->size[g->n] = size;
	memcpy(g->sha[g->n], sha, SHA256_LEN);
	g->n++;
	return 0;
}

static size_t
parse(enum debindex_kind kind, const char *text, struct got *g)
{
	size_t	skipped;

	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(debindex_parse(kind, text, strlen(text), collect, g,
	    &skipped), 0);
	return skipped;
}

static bool
sha_is(const uint8_t *sha, const char *hex)
{
	uint8_t	want[SHA256_LEN];

	return hex_decode(hex, 2 * SHA256_LEN, want, SHA256_LEN) &&
	    memcmp(sha, want, SHA256_LEN) == 0;
}

START_TEST(test_release_plain)
{
	static const char text[] =
	    "Origin: Debian\n"
	    "Acquire-By-Hash: yes\n"
	    "MD5Sum:\n"
	    " 0123 12 main/binary-amd64/Packages\n"
	    "SHA256:\n"
	    " " H1 "  2208 main/binary-amd64/Packages\n"
	    " " H2 "   688 main/binary-amd64/Packages.gz\n"
	    " " H3 " 736 ../escape/Packages.xz\n"
	    " " H3 " 73x main/binary-amd64/Packages.xz\n"
	    " nothex 736 main/binary-amd64/Packages.xz\n"
	    " " H3 " 736 main/binary-amd64/Packages.xz extra\n"
	    " " H3 " 736 main/source/Sources.xz\n"
	    "Description: x\n";
	struct release	r;

	ck_assert_int_eq(release_parse(&r, text, strlen(text)), 0);
	ck_assert(r.by_hash);
	ck_assert(!r.signed_body);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_str_eq(r.v[0].path, "main/binary-amd64/Packages");
	ck_assert_uint_eq(r.v[0].size, 2208);
	ck_assert(sha_is(r.v[0].sha256, H1));
	ck_assert_str_eq(r.v[1].path, "main/binary-amd64/Packages.gz");
	ck_assert_uint_eq(r.v[1].size, 688);
	ck_assert_str_eq(r.v[2].path, "main/source/Sources.xz");
	release_free(&r);
}
END_TEST

START_TEST(test_release_clearsigned)
{
	static const char text[] =
	    "-----BEGIN PGP SIGNED MESSAGE-----\n"
	    "Hash: SHA512\n"
	    "\n"
	    "Origin: Debian\r\n"
	    "- Label: dash-escaped\n"
	    "SHA256:\n"
	    " " H1 " 2208 main/binary-amd64/Packages\n"
	    "-----BEGIN PGP SIGNATURE-----\n"
	    "\n"
	    "iHUEARYKAB0WIQ\n"
	    "-----END PGP SIGNATURE-----\n";
	static const char broken[] =
	    "-----BEGIN PGP SIGNED MESSAGE-----\n"
	    "Hash: SHA512\n"
	    "\n"
	    "SHA256:\n"
	    " " H1 " 2208 main/binary-amd64/Packages\n";
	struct release	r;

	ck_assert_int_eq(release_parse(&r, text, strlen(text)), 0);
	ck_assert(r.signed_body);
	ck_assert(!r.by_hash);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.v[0].path, "main/binary-amd64/Packages");
	release_free(&r);
	/* No signature: the body's end is unknown, so nothing is taken. */
	ck_assert_int_eq(release_parse(&r, broken, strlen(broken)), -EINVAL);
	ck_assert_ptr_null(r.v);
}
END_TEST

START_TEST(test_release_valid_until)
{
	static const struct {
		const char	*field;		/* NULL: none */
		long long	 want;
	} cases[] = {
		{ NULL, 0 },
		{ "Sat, 05 Dec 2026 12:00:00 UTC", 1796472000LL },
		{ "Wed, 01 Jan 2020 00:00:00 GMT", 1577836800LL },
		{ "01 Jan 2020 00:00:00 Z", 1577836800LL },
		{ "Wed, 01 Jan 2020 00:00:00 +0000", 1577836800LL },
		{ "Wed, 01 Jan 2020 00:00:00 CET", -1 },
		{ "Wed, 01 Foo 2020 00:00:00 UTC", -1 },
		{ "Wed, 32 Jan 2020 00:00:00 UTC", -1 },
		{ "Wed, 01 Jan 2020 24:00:00 UTC", -1 },
		{ "Wed, 01 Jan 2020 00:00:00 UTC x", -1 },
		{ "soon", -1 },
		{ "", -1 },
	};
	char		text[256];
	struct release	r;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "Origin: x\n%s%s%sSHA256:\n"
		    " " H1 " 2208 main/binary-amd64/Packages\n",
		    cases[i].field != NULL ? "Valid-Until: " : "",
		    cases[i].field != NULL ? cases[i].field : "",
		    cases[i].field != NULL ? "\n" : "");
		ck_assert_int_eq(release_parse(&r, text, strlen(text)), 0);
		ck_assert_msg(r.valid_until == cases[i].want,
		    "%s: %lld, want %lld", cases[i].field,
		    (long long)r.valid_until, cases[i].want);
		release_free(&r);
	}
}
END_TEST

START_TEST(test_release_errors)
{
	struct release	r;

	ck_assert_int_eq(release_parse(&r, "", 0), -EINVAL);
	ck_assert_int_eq(release_parse(&r, "Origin: x\n", 10), -EINVAL);
	/* An empty SHA256 field is a Release of no files. */
	ck_assert_int_eq(release_parse(&r, "SHA256:\n", 8), 0);
	ck_assert_uint_eq(r.n, 0);
	release_free(&r);
	/* Only the first stanza is the Release. */
	ck_assert_int_eq(release_parse(&r, "Origin: x\n\nSHA256:\n", 19),
	    -EINVAL);
	/* No trailing newline, bounded by the length, not a NUL. */
	ck_assert_int_eq(release_parse(&r, "SHA256:\n " H1 " 1 a/b" "XYZ",
	    8 + 1 + 64 + 6), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.v[0].path, "a/b");
	release_free(&r);
}
END_TEST

START_TEST(test_packages)
{
	static const char text[] =
	    "\n\n"
	    "Package: a\n"
	    "Filename: pool/main/a/a_1_all.deb\n"
	    "Size: 1234\n"
	    "Description: first\n"
	    " long text\n"
	    " .\n"
	    "SHA256: " H1 "\n"
	    "\n"
	    "Package: nosha\n"
	    "Filename: pool/main/n/n.deb\n"
	    "Size: 5\n"
	    "\n"
	    "Package: badpath\n"
	    "Filename: ../../etc/passwd\n"
	    "Size: 5\n"
	    "SHA256: " H2 "\n"
	    "\n"
	    "Package: zero\n"
	    "Filename: pool/z.deb\n"
	    "Size: 0\n"
	    "SHA256: " H2 "\n"
	    "\n"
	    "Package: negative\n"
	    "Filename: pool/neg.deb\n"
	    "Size: -5\n"
	    "SHA256: " H2 "\n"
	    "\r\n"
	    "Package: crlf\r\n"
	    "filename: pool/c.deb\r\n"
	    "SIZE: 99\r\n"
	    "Sha256: " H3 "\r\n"
	    "Filename: pool/second-ignored.deb\r\n"
	    "\n"
	    "Package: last-without-newline\n"
	    "Filename: pool/l.deb\n"
	    "Size: 18446744073709551615\n"
	    "SHA256: " H1;
	struct got	g;

	ck_assert_uint_eq(parse(DEBINDEX_PACKAGES, text, &g), 5);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_str_eq(g.path[0], "pool/main/a/a_1_all.deb");
	ck_assert_uint_eq(g.size[0], 1234);
	ck_assert(sha_is(g.sha[0], H1));
	ck_assert_str_eq(g.path[1], "pool/c.deb");
	ck_assert_uint_eq(g.size[1], 99);
	ck_assert(sha_is(g.sha[1], H3));
}
END_TEST

START_TEST(test_sources)
{
	static const char text[] =
	    "Package: hello\n"
	    "Checksums-Sha256:\n"
	    " " H1 " 1950 hello_2.10-3.dsc\n"
	    " " H2 " 725946 hello_2.10.orig.tar.gz\n"
	    " " H3 " 0 empty.txt\n"
	    " " H3 " 12 sub/dir.txt\n"
	    "Directory: pool/main/h/hello\n"
	    "\n"
	    "Package: nodir\n"
	    "Checksums-Sha256:\n"
	    " " H1 " 1950 x.dsc\n"
	    "\n"
	    "Package: escape\n"
	    "Directory: pool/../../x\n"
	    "Checksums-Sha256:\n"
	    " " H1 " 1950 x.dsc\n";
	struct got	g;

	/* empty.txt and sub/dir.txt, then two whole stanzas. */
	ck_assert_uint_eq(parse(DEBINDEX_SOURCES, text, &g), 4);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_str_eq(g.path[0], "pool/main/h/hello/hello_2.10-3.dsc");
	ck_assert_uint_eq(g.size[0], 1950);
	ck_assert_str_eq(g.path[1], "pool/main/h/hello/hello_2.10.orig.tar.gz");
	ck_assert(sha_is(g.sha[1], H2));
}
END_TEST

static int
stop_at_two(void *arg, const char *path, uint64_t size,
    const uint8_t sha[SHA256_LEN])
{
	size_t	*n = arg;

	(void)path;
	(void)size;
	(void)sha;
	return ++*n == 2 ? -ECANCELED : 0;
}

START_TEST(test_callback_stops)
{
	static const char text[] =
	    "Filename: a\nSize: 1\nSHA256: " H1 "\n\n"
	    "Filename: b\nSize: 1\nSHA256: " H1 "\n\n"
	    "Filename: c\nSize: 1\nSHA256: " H1 "\n";
	size_t	n = 0, skipped;

	ck_assert_int_eq(debindex_parse(DEBINDEX_PACKAGES, text, strlen(text),
	    stop_at_two, &n, &skipped), -ECANCELED);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_relpath)
{
	static const char *const good[] = {
		"a", "pool/main/a.deb", "a/.hidden", "a/..b", "a+b:c~d",
	};
	static const char *const bad[] = {
		"", "/abs", "a//b", "a/", "./a", "a/./b", "a/..", "..",
		"a b", "a\tb", "a\nb",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(debindex_relpath_ok(good[i], strlen(good[i])),
		    "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!debindex_relpath_ok(bad[i], strlen(bad[i])),
		    "%s", bad[i]);
	ck_assert(!debindex_relpath_ok("a\0b", 3));
}
END_TEST

static Suite *
debindex_suite(void)
{
	Suite	*s = suite_create("debindex");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_release_plain);
	tcase_add_test(tc, test_release_clearsigned);
	tcase_add_test(tc, test_release_errors);
	tcase_add_test(tc, test_release_valid_until);
	tcase_add_test(tc, test_packages);
	tcase_add_test(tc, test_sources);
	tcase_add_test(tc, test_callback_stops);
	tcase_add_test(tc, test_relpath);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(debindex_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
