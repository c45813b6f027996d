/* SPDX-License-Identifier: ISC */
/*
 * check_aptlists.c - unit tests for daemon/base/aptlists.c: which list
 * files belong to a credentialed source, and the hashes read from the
 * others.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "daemon/base/aptlists.h"

START_TEST(test_matches)
{
	const char	*n = "deb.example.org_private_dists_bookworm_main_"
	    "binary-amd64_Packages";
	const char	*np = "deb.example.org:8080_debian_dists_x_Packages";

	ck_assert(aptlists_source_matches(n, "deb.example.org"));
	ck_assert(aptlists_source_matches(n, "https://deb.example.org"));
	ck_assert(aptlists_source_matches(n, "deb.example.org/private"));
	ck_assert(aptlists_source_matches(n, "deb.example.org/private/"));
	ck_assert(!aptlists_source_matches(n, "deb.example.org/debian"));
	ck_assert(!aptlists_source_matches(n, "deb.example"));
	ck_assert(!aptlists_source_matches(n, "deb.example.org/priv"));
	ck_assert(aptlists_source_matches(np, "deb.example.org"));
	ck_assert(aptlists_source_matches(np, "deb.example.org:8080"));
	ck_assert(!aptlists_source_matches(np, "deb.example.org:80"));
	ck_assert(!aptlists_source_matches(n, ""));
}
END_TEST

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

START_TEST(test_load)
{
	char		 dir[] = "/tmp/check_aptlists.XXXXXX", cmd[64];
	char		 text[256], hex[3][65];
	char		*priv[] = { "secret.example.org" };
	uint8_t		 h[3][SHA256_LEN];
	struct aptlists	*l;
	unsigned	 files, skipped;
	int		 i, err = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < 3; i++) {
		memset(h[i], 0x11 * (i + 1), SHA256_LEN);
		hex_encode(h[i], SHA256_LEN, hex[i]);
	}
	snprintf(text, sizeof(text), "Package: a\nSHA256: %s\n\n", hex[0]);
	write_file(dir, "pub.example.org_debian_dists_x_main_binary-amd64_"
	    "Packages", text);
	snprintf(text, sizeof(text), "Package: b\nSHA256: %s\n\n", hex[1]);
	write_file(dir, "secret.example.org_debian_dists_x_main_"
	    "binary-amd64_Packages", text);
	/* Not a Packages file: not read. */
	snprintf(text, sizeof(text), "SHA256: %s\n", hex[2]);
	write_file(dir, "pub.example.org_debian_dists_x_Release", text);
	ck_assert_ptr_nonnull(l = aptlists_load(dir, priv, 1, &err));
	ck_assert(aptlists_has(l, h[0]));
	ck_assert(!aptlists_has(l, h[1]));
	ck_assert(!aptlists_has(l, h[2]));
	ck_assert_uint_eq(aptlists_count(l), 1);
	files = aptlists_files(l, &skipped);
	ck_assert_uint_eq(files, 1);
	ck_assert_uint_eq(skipped, 1);
	aptlists_free(l);
	ck_assert_ptr_null(aptlists_load("/nonexistent/lists", NULL, 0,
	    &err));
	ck_assert_int_lt(err, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("aptlists");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_matches);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
