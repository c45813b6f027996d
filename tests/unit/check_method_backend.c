/* SPDX-License-Identifier: ISC */
/*
 * check_method_backend.c - unit tests for client/method/method-item.c
 * driven through backend.h by two fake backends (no sockets, no curl
 * transfers): what apt is told for a start/progress/done sequence, the
 * one fallback after a backend failure, and a source that starts over.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/method/aptmsg.h"
#include "client/method/backend.h"
#include "client/method/item.h"
#include "client/method/method.h"

#define FILE_SIZE	(700 * 1024 + 123)	/* several copy chunks */

/* A fake backend: counts calls, keeps the item it was given. */
struct fake {
	int		 starts, cancels;
	int		 start_result;	/* what start returns */
	struct item	*it;
};

static struct fake	 fk_first, fk_fallback;
static char		 dir[64], dst[128];
static unsigned char	*good;
static char		 good_hex[65];

static int
fake_first_start(struct item *it)
{
	fk_first.starts++;
	if (fk_first.start_result == 0)
		fk_first.it = it;
	return fk_first.start_result;
}

static void
fake_first_cancel(struct item *it)
{
	ck_assert_ptr_eq(it, fk_first.it);
	fk_first.cancels++;
	fk_first.it = NULL;
}

static int
fake_fallback_start(struct item *it)
{
	fk_fallback.starts++;
	fk_fallback.it = it;
	return 0;
}

static void
fake_fallback_cancel(struct item *it)
{
	ck_assert_ptr_eq(it, fk_fallback.it);
	fk_fallback.cancels++;
	fk_fallback.it = NULL;
}

static const struct method_backend fake_first = {
	.name = "fake",
	.start = fake_first_start,
	.cancel = fake_first_cancel,
};
static const struct method_backend fake_fallback = {
	.name = "fake mirror",
	.start = fake_fallback_start,
	.cancel = fake_fallback_cancel,
};

/* What apt has been told so far, as a string; then forgotten. */
static char *
apt_said(void)
{
	char	*s;

	ck_assert(!bytebuf_failed(&method.out));
	s = method.out.len == 0 ? strdup("") :
	    strndup((const char *)method.out.data, method.out.len);
	ck_assert_ptr_nonnull(s);
	bytebuf_reset(&method.out);
	return s;
}

static unsigned int
count(const char *hay, const char *needle)
{
	unsigned int	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* A read-only descriptor of a file holding len bytes of p. */
static int
source(const char *name, const unsigned char *p, size_t len)
{
	char	 path[128];
	FILE	*f;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(p, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	return fd;
}

static struct item *
acquire(void)
{
	struct aptmsg	 msg;
	struct item	*it;
	char		 text[512], err[128];

	snprintf(text, sizeof(text), "600 URI Acquire\n"
	    "URI: aptbt+http://mirror.example/debian/f.deb\n"
	    "Filename: %s\nExpected-SHA256: %s\n"
	    "Expected-Checksum-FileSize: %d\n", dst, good_hex, FILE_SIZE);
	ck_assert_int_eq(aptmsg_parse(&msg, text, strlen(text)), 0);
	it = item_new(&msg, err, sizeof(err));
	ck_assert_ptr_nonnull(it);
	aptmsg_free(&msg);
	return it;
}

static void
assert_dst_is(const unsigned char *p, size_t len)
{
	unsigned char	*buf;
	struct stat	 st;
	FILE		*f;

	ck_assert_int_eq(stat(dst, &st), 0);
	ck_assert_uint_eq(st.st_size, len);
	ck_assert_ptr_nonnull(buf = malloc(len));
	ck_assert_ptr_nonnull(f = fopen(dst, "r"));
	ck_assert_uint_eq(fread(buf, 1, len, f), len);
	fclose(f);
	ck_assert(memcmp(buf, p, len) == 0);
	free(buf);
}

/*
 * apt was told the file is done, with the right digest and size, and
 * the file is right: what apt was told (free it).
 */
static char *
assert_done_good(void)
{
	char	*said, want[128];

	said = apt_said();
	ck_assert_ptr_eq(strstr(said, "201 URI Done\n"), said);
	ck_assert_uint_eq(count(said, "\n\n"), 1);
	snprintf(want, sizeof(want), "\nSHA256-Hash: %s\n", good_hex);
	ck_assert_ptr_nonnull(strstr(said, want));
	snprintf(want, sizeof(want), "\nSize: %d\n", FILE_SIZE);
	ck_assert_ptr_nonnull(strstr(said, want));
	assert_dst_is(good, FILE_SIZE);
	return said;
}

static void
setup(void)
{
	unsigned char	 md[32];
	unsigned int	 mdlen, i;

	snprintf(dir, sizeof(dir), "/tmp/check_method_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dst, sizeof(dst), "%s/f.deb", dir);
	ck_assert_ptr_nonnull(good = malloc(FILE_SIZE));
	for (i = 0; i < FILE_SIZE; i++)
		good[i] = (unsigned char)(i * 7 + i / 251);
	EVP_Digest(good, FILE_SIZE, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen; i++)
		snprintf(good_hex + 2 * i, 3, "%02x", md[i]);
	memset(&fk_first, 0, sizeof(fk_first));
	memset(&fk_fallback, 0, sizeof(fk_fallback));
	bytebuf_init(&method.out);
	item_setup(&fake_first, &fake_fallback);
}

static void
teardown(void)
{
	char	 cmd[128];

	item_finish_all();
	prep_shutdown();
	bytebuf_free(&method.out);
	free(good);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_start_progress_done)
{
	struct item	*it = acquire();
	char		*said, want[128];
	int		 fd = source("cache", good, FILE_SIZE);

	item_fetch(it);
	ck_assert_int_eq(fk_first.starts, 1);
	ck_assert_int_eq(fk_fallback.starts, 0);
	ck_assert_int_eq(item_source(it, fd), 0);
	item_start(it, FILE_SIZE, 0);
	said = apt_said();
	snprintf(want, sizeof(want), "200 URI Start\nURI: %s\nSize: %d\n\n",
	    "aptbt+http://mirror.example/debian/f.deb", FILE_SIZE);
	ck_assert_str_eq(said, want);
	free(said);

	/* Progress: the file grows in order, as apt's progress bar reads. */
	ck_assert_int_eq(item_have(it, 300000), 0);
	assert_dst_is(good, 300000);
	ck_assert_int_eq(item_have(it, 300000), 0);	/* said again */
	ck_assert_int_eq(item_have(it, FILE_SIZE), 0);
	item_complete(it, 1700000000);
	ck_assert_int_eq(fk_first.cancels, 1);
	said = assert_done_good();
	ck_assert_ptr_nonnull(strstr(said,
	    "\nLast-Modified: Tue, 14 Nov 2023 22:13:20 GMT\n"));
	free(said);
	ck_assert_int_eq(fk_fallback.starts, 0);
}
END_TEST

START_TEST(test_source_short)
{
	struct item	*it = acquire();

	item_fetch(it);
	ck_assert_int_eq(item_source(it, source("cache", good, 1000)), 0);
	/* Bytes promised but not in the file are the backend's fault. */
	ck_assert_int_eq(item_have(it, 5000), -EBADMSG);
	ck_assert_int_eq(item_have(it, -1), -EBADMSG);
	item_fallback(it, false, "fake failed");
	ck_assert_int_eq(fk_fallback.starts, 1);
}
END_TEST

START_TEST(test_fallback_once)
{
	struct item	*it = acquire();
	char		*said;

	item_fetch(it);
	free(apt_said());
	item_fallback(it, false, "fake failed, fetching directly");
	ck_assert_int_eq(fk_first.cancels, 1);
	ck_assert_int_eq(fk_fallback.starts, 1);
	said = apt_said();
	ck_assert_str_eq(said, "102 Status\n"
	    "URI: aptbt+http://mirror.example/debian/f.deb\n"
	    "Message: fake failed, fetching directly\n\n");
	free(said);

	/* The fallback's bytes are wrong: once more, then 400. */
	item_start(it, FILE_SIZE, 0);
	ck_assert_int_eq(item_write(it, good + 1, FILE_SIZE - 1), 0);
	ck_assert_int_eq(item_write(it, good, 1), 0);
	item_complete(it, 0);
	ck_assert_int_eq(fk_fallback.cancels, 1);
	ck_assert_int_eq(fk_fallback.starts, 2);
	ck_assert_int_eq(access(dst, F_OK), -1);
	said = apt_said();
	ck_assert_ptr_nonnull(strstr(said, "102 Status\n"));
	ck_assert_ptr_nonnull(strstr(said, "Message: Hash Sum mismatch, "
	    "fetching again from the mirror\n"));
	ck_assert_ptr_null(strstr(said, "201 URI Done"));
	free(said);

	ck_assert_int_eq(item_write(it, good + 1, FILE_SIZE - 1), 0);
	item_complete(it, 0);
	ck_assert_int_eq(fk_fallback.starts, 2);
	ck_assert_int_eq(fk_fallback.cancels, 2);
	said = apt_said();
	ck_assert_ptr_eq(strstr(said, "400 URI Failure\n"), said);
	ck_assert_ptr_nonnull(strstr(said, "\nFailReason: HashSumMismatch\n"));
	ck_assert_ptr_null(strstr(said, "201 URI Done"));
	free(said);
	ck_assert_int_eq(access(dst, F_OK), -1);
}
END_TEST

START_TEST(test_first_cannot_start)
{
	struct item	*it = acquire();
	char		*said;

	fk_first.start_result = -ENOTCONN;
	item_fetch(it);
	ck_assert_int_eq(fk_first.starts, 1);
	ck_assert_int_eq(fk_first.cancels, 0);
	ck_assert_int_eq(fk_fallback.starts, 1);
	said = apt_said();
	ck_assert_ptr_nonnull(strstr(said,
	    "Message: fake not running, fetching directly\n"));
	free(said);
	item_start(it, -1, 0);
	free(apt_said());
	ck_assert_int_eq(item_write(it, good, FILE_SIZE), 0);
	item_complete(it, 0);
	free(assert_done_good());
}
END_TEST

START_TEST(test_restart)
{
	struct item	*it = acquire();
	unsigned char	*bad;

	ck_assert_ptr_nonnull(bad = malloc(FILE_SIZE));
	memset(bad, 'x', FILE_SIZE);
	item_fetch(it);
	ck_assert_int_eq(item_source(it, source("bad", bad, FILE_SIZE)), 0);
	item_start(it, FILE_SIZE, 0);
	ck_assert_int_eq(item_have(it, 400000), 0);
	assert_dst_is(bad, 400000);

	/* A new start: what came from the first descriptor is gone. */
	ck_assert_int_eq(item_source(it, source("good", good, FILE_SIZE)), 0);
	assert_dst_is(good, 0);
	item_start(it, FILE_SIZE, 0);
	ck_assert_int_eq(item_have(it, 100), 0);
	assert_dst_is(good, 100);
	ck_assert_int_eq(item_have(it, FILE_SIZE), 0);
	free(apt_said());	/* the two 200 URI Start */
	item_complete(it, 0);
	free(assert_done_good());
	ck_assert_int_eq(fk_fallback.starts, 0);
	free(bad);
}
END_TEST

static Suite *
method_backend_suite(void)
{
	Suite	*s = suite_create("method_backend");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_start_progress_done);
	tcase_add_test(tc, test_source_short);
	tcase_add_test(tc, test_fallback_once);
	tcase_add_test(tc, test_first_cannot_start);
	tcase_add_test(tc, test_restart);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(method_backend_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
