/* SPDX-License-Identifier: ISC */
/*
 * check_names.c - unit tests for daemon/base/names.c: a name per cached
 * file, as a link into the cache; the newest few per package kept,
 * links to evicted files dropped, names that are no pool file refused.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "daemon/base/names.h"

static char	root[512];

static void
setup(void)
{
	const char	*t = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/check_names.XXXXXX",
	    t != NULL ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void
teardown(void)
{
	char	cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static bool
named(const char *pkg, const char *file)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/names/%s/%s", root, pkg, file);
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* The SHA-256 of a cache entry made up for i, its file in the cache. */
static void
sha_of(int i, uint8_t *sha)
{
	char	hex[2 * SHA256_LEN + 1], path[PATH_MAX];
	FILE	*f;

	memset(sha, 0, SHA256_LEN);
	sha[0] = (uint8_t)i;
	hex_encode(sha, SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/sha256", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sha256/%.2s", root, hex);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sha256/%.2s/%s", root, hex, hex);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
}

/* Evict entry i: its file leaves the cache. */
static void
evict(int i)
{
	char	hex[2 * SHA256_LEN + 1], path[PATH_MAX];
	uint8_t	sha[SHA256_LEN];

	memset(sha, 0, SHA256_LEN);
	sha[0] = (uint8_t)i;
	hex_encode(sha, SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/sha256/%.2s/%s", root, hex, hex);
	ck_assert_int_eq(unlink(path), 0);
}

START_TEST(test_link)
{
	uint8_t	sha[SHA256_LEN];
	char	path[PATH_MAX], target[256], hex[2 * SHA256_LEN + 1];
	ssize_t	n;

	sha_of(0xab, sha);
	hex_encode(sha, SHA256_LEN, hex);
	ck_assert_int_eq(names_add(root,
	    "http://m/debian/pool/main/h/hello/hello_2.10-3_amd64.deb?x#y",
	    sha), 0);
	snprintf(path, sizeof(path), "%s/names/hello/hello_2.10-3_amd64.deb",
	    root);
	n = readlink(path, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	ck_assert_str_eq(target + strlen("../../sha256/ab/"), hex);
	ck_assert_int_eq(strncmp(target, "../../sha256/ab/", 16), 0);
	/* Again: replaced in place. */
	ck_assert_int_eq(names_add(root,
	    "http://m/pool/hello_2.10-3_amd64.deb", sha), 0);
	ck_assert(named("hello", "hello_2.10-3_amd64.deb"));
}
END_TEST

START_TEST(test_refused)
{
	uint8_t		 sha[SHA256_LEN];
	static const char *bad[] = {
		"http://m/dists/s/main/binary-amd64/Packages",
		"http://m/pool/.hidden_1.0.tar",
		"http://m/pool/a%20b_1.0 .tar",
		"http://m/pool/x_1.0.tar/",
		"http://m/pool/_1.0.tar",
		"http://m/pool/x$y_1.0.tar",
	};
	char		 path[PATH_MAX];
	size_t		 i;

	sha_of(1, sha);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(names_add(root, bad[i], sha), -EINVAL);
	ck_assert(!names_dir(root, "../x", path, sizeof(path)));
	ck_assert(!names_dir(root, "", path, sizeof(path)));
	ck_assert(names_dir(root, "libc6", path, sizeof(path)));
}
END_TEST

/* The newest NAMES_PER_PACKAGE per kind; dangling links dropped. */
START_TEST(test_bounded)
{
	uint8_t		 sha[SHA256_LEN];
	char		 url[128];
	int		 v;

	for (v = 1; v <= 6; v++) {
		sha_of(v, sha);
		snprintf(url, sizeof(url), "http://m/pool/x_1.%d_amd64.deb", v);
		ck_assert_int_eq(names_add(root, url, sha), 0);
	}
	sha_of(9, sha);
	ck_assert_int_eq(names_add(root, "http://m/pool/x_0.9.tar", sha), 0);
	for (v = 1; v <= 6; v++) {
		snprintf(url, sizeof(url), "x_1.%d_amd64.deb", v);
		ck_assert(named("x", url) == (v > 6 - NAMES_PER_PACKAGE));
	}
	ck_assert(named("x", "x_0.9.tar"));	/* another kind */
	/* The kept ones evicted: the next name of the kind drops them. */
	for (v = 4; v <= 6; v++)
		evict(v);
	sha_of(7, sha);
	ck_assert_int_eq(names_add(root, "http://m/pool/x_1.7_amd64.deb",
	    sha), 0);
	ck_assert(named("x", "x_1.7_amd64.deb"));
	for (v = 1; v <= 6; v++) {
		snprintf(url, sizeof(url), "x_1.%d_amd64.deb", v);
		ck_assert(!named("x", url));
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("names");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_link);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
