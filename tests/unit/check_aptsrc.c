/* SPDX-License-Identifier: ISC */
/*
 * check_aptsrc.c - unit tests for client/ctl/aptsrc.c: which URIs of a
 * sources file are found, what each is, and what enable and disable make
 * of the file.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "client/ctl/aptsrc.h"
#include "common/bytebuf.h"

static const struct {
	const char		*uri;
	enum aptsrc_kind	 kind;
} kinds[] = {
	{ "http://deb.debian.org/debian", APTSRC_OFF },
	{ "https://deb.debian.org/debian", APTSRC_OFF },
	{ "ftp://ftp.debian.org/debian", APTSRC_OFF },
	{ "http://[::1]:8080/debian", APTSRC_OFF },
	{ "http://h/a@b", APTSRC_OFF },		/* @ in the path only */
	{ "aptbt+http://deb.debian.org/debian", APTSRC_ON },
	{ "aptbt+https://h/", APTSRC_ON },
	{ "aptbt+ftp://h/", APTSRC_ON },
	{ "https://user:secret@h/debian", APTSRC_CREDENTIALS },
	{ "http://user@h/debian", APTSRC_CREDENTIALS },
	{ "file:/srv/repo", APTSRC_LOCAL },
	{ "file:///srv/repo", APTSRC_LOCAL },
	{ "cdrom:[Debian 12]/", APTSRC_LOCAL },
	{ "copy:/srv/repo", APTSRC_LOCAL },
	{ "mirror://h/list", APTSRC_WRAPPED },
	{ "mirror+http://h/list", APTSRC_WRAPPED },
	{ "mirror+file:/etc/apt/mirrors", APTSRC_WRAPPED },
	{ "tor+http://h.onion/debian", APTSRC_WRAPPED },
	{ "s3://bucket/debian", APTSRC_OTHER },
	{ "HTTP://h/debian", APTSRC_OTHER },
	{ "http:h/debian", APTSRC_OTHER },
	{ "aptbt+tor+http://h/", APTSRC_OTHER },
	{ "aptbt+file:/srv", APTSRC_OTHER },
	{ "/srv/repo", APTSRC_OTHER },
	{ "", APTSRC_OTHER },
};

START_TEST(test_classify)
{
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		ck_assert_msg(aptsrc_classify(kinds[i].uri,
		    strlen(kinds[i].uri)) == kinds[i].kind, "%s: kind %d",
		    kinds[i].uri, aptsrc_classify(kinds[i].uri,
		    strlen(kinds[i].uri)));
}
END_TEST

/* Each visited URI as "LINE KIND URI\n", for comparing with a string. */
static void
log_uri(void *arg, const struct aptsrc_uri *u)
{
	bytebuf_printf(arg, "%zu %d %.*s\n", u->line, (int)u->kind,
	    (int)u->len, u->uri);
}

/* enable in, check it gives want and the URIs seen; disable gives in back. */
static void
check_file(const char *in, enum aptsrc_format fmt, const char *want,
    int nchanged, const char *seen)
{
	struct bytebuf	out = BYTEBUF_INIT, back = BYTEBUF_INIT,
			log = BYTEBUF_INIT;

	ck_assert_int_eq(aptsrc_rewrite(in, strlen(in), fmt, APTSRC_ENABLE,
	    &out, log_uri, &log), nchanged);
	bytebuf_putc(&out, 0);
	ck_assert_str_eq((const char *)out.data, want);
	bytebuf_putc(&log, 0);
	ck_assert_str_eq((const char *)log.data, seen);
	ck_assert_int_eq(aptsrc_rewrite((const char *)out.data, out.len - 1,
	    fmt, APTSRC_DISABLE, &back, NULL, NULL), nchanged);
	bytebuf_putc(&back, 0);
	ck_assert_str_eq((const char *)back.data, in);
	bytebuf_free(&out);
	bytebuf_free(&back);
	bytebuf_free(&log);
}

START_TEST(test_oneline)
{
	check_file(
	    "# deb http://commented.example/ x main\n"
	    "deb http://deb.debian.org/debian bookworm main\n"
	    "deb-src [ arch=amd64 signed-by=/k.gpg ] https://a.example/d x c\n"
	    "\tdeb  ftp://f.example/debian x main # trailing\n"
	    "deb https://u:p@private.example/d x main\n"
	    "deb file:/srv/repo ./\n"
	    "deb [arch=amd64 http://unclosed.example/ x main\n"
	    "rpm http://not-deb.example/ x main\n"
	    "deb tor+http://o.example/debian x main\r\n"
	    "deb http://no-newline.example/debian x main",
	    APTSRC_ONELINE,
	    "# deb http://commented.example/ x main\n"
	    "deb aptbt+http://deb.debian.org/debian bookworm main\n"
	    "deb-src [ arch=amd64 signed-by=/k.gpg ] aptbt+https://a.example/d x c\n"
	    "\tdeb  aptbt+ftp://f.example/debian x main # trailing\n"
	    "deb https://u:p@private.example/d x main\n"
	    "deb file:/srv/repo ./\n"
	    "deb [arch=amd64 http://unclosed.example/ x main\n"
	    "rpm http://not-deb.example/ x main\n"
	    "deb tor+http://o.example/debian x main\r\n"
	    "deb aptbt+http://no-newline.example/debian x main",
	    4,
	    "2 1 http://deb.debian.org/debian\n"
	    "3 1 https://a.example/d\n"
	    "4 1 ftp://f.example/debian\n"
	    "5 2 https://u:p@private.example/d\n"
	    "6 3 file:/srv/repo\n"
	    "9 4 tor+http://o.example/debian\n"
	    "10 1 http://no-newline.example/debian\n");
}
END_TEST

START_TEST(test_deb822)
{
	check_file(
	    "# Debian\n"
	    "Types: deb deb-src\n"
	    "URIs: http://deb.debian.org/debian\n"
	    "# between the lines of a field\n"
	    "  http://ftp.de.debian.org/debian  s3://b/x\n"
	    "Suites: bookworm\n"
	    "Components: main\n"
	    "\n"
	    "Enabled: no\n"
	    "Types: deb\n"
	    "URIs: http://off.example/debian\n"
	    "Suites: x\n"
	    "\n"
	    "\n"
	    "Types: deb\n"
	    "uris:https://a.example/d\thttps://u@b.example/d\r\n"
	    "Suites: x\r\n"
	    " http://continues-suites.example/\n"
	    "X-URIs: http://not-the-field.example/\n"
	    "Enabled: yes\n",
	    APTSRC_DEB822,
	    "# Debian\n"
	    "Types: deb deb-src\n"
	    "URIs: aptbt+http://deb.debian.org/debian\n"
	    "# between the lines of a field\n"
	    "  aptbt+http://ftp.de.debian.org/debian  s3://b/x\n"
	    "Suites: bookworm\n"
	    "Components: main\n"
	    "\n"
	    "Enabled: no\n"
	    "Types: deb\n"
	    "URIs: http://off.example/debian\n"
	    "Suites: x\n"
	    "\n"
	    "\n"
	    "Types: deb\n"
	    "uris:aptbt+https://a.example/d\thttps://u@b.example/d\r\n"
	    "Suites: x\r\n"
	    " http://continues-suites.example/\n"
	    "X-URIs: http://not-the-field.example/\n"
	    "Enabled: yes\n",
	    3,
	    "3 1 http://deb.debian.org/debian\n"
	    "5 1 http://ftp.de.debian.org/debian\n"
	    "5 5 s3://b/x\n"
	    "11 6 http://off.example/debian\n"
	    "16 1 https://a.example/d\n"
	    "16 2 https://u@b.example/d\n");
}
END_TEST

START_TEST(test_idempotent)
{
	static const char	in[] = "deb http://a/ x y\n"
	    "deb aptbt+http://b/ x y\n";
	struct bytebuf		once = BYTEBUF_INIT, twice = BYTEBUF_INIT;

	ck_assert_int_eq(aptsrc_rewrite(in, sizeof(in) - 1, APTSRC_ONELINE,
	    APTSRC_ENABLE, &once, NULL, NULL), 1);
	ck_assert_int_eq(aptsrc_rewrite((const char *)once.data, once.len,
	    APTSRC_ONELINE, APTSRC_ENABLE, &twice, NULL, NULL), 0);
	ck_assert(once.len == twice.len &&
	    memcmp(once.data, twice.data, once.len) == 0);
	bytebuf_reset(&twice);
	/* disable strips every aptbt+, also the one that was there before. */
	ck_assert_int_eq(aptsrc_rewrite((const char *)once.data, once.len,
	    APTSRC_ONELINE, APTSRC_DISABLE, &twice, NULL, NULL), 2);
	bytebuf_putc(&twice, 0);
	ck_assert_str_eq((const char *)twice.data,
	    "deb http://a/ x y\ndeb http://b/ x y\n");
	bytebuf_free(&once);
	bytebuf_free(&twice);
}
END_TEST

START_TEST(test_format_of)
{
	ck_assert_int_eq(aptsrc_format_of("/etc/apt/sources.list"),
	    APTSRC_ONELINE);
	ck_assert_int_eq(aptsrc_format_of("/etc/apt/sources.list.d/a.list"),
	    APTSRC_ONELINE);
	ck_assert_int_eq(aptsrc_format_of("/etc/apt/sources.list.d/"
	    "debian.sources"), APTSRC_DEB822);
	ck_assert_str_eq(aptsrc_kind_reason(APTSRC_ON), "through aptbt");
	ck_assert(strstr(aptsrc_kind_reason(APTSRC_CREDENTIALS),
	    "credentials") != NULL);
}
END_TEST

static Suite *
aptsrc_suite(void)
{
	Suite	*s = suite_create("aptsrc");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_oneline);
	tcase_add_test(tc, test_deb822);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_format_of);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(aptsrc_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
