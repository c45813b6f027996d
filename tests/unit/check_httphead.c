/* SPDX-License-Identifier: ISC */
/*
 * check_httphead.c - unit tests for common/httphead.c: the request heads
 * the proxy reads ahead, what it takes from them and what it refuses.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/httphead.h"

static bool
is(const struct httphead_str *s, const char *want)
{
	if (want == NULL)
		return s->p == NULL;
	return s->p != NULL && s->len == strlen(want) &&
	    memcmp(s->p, want, s->len) == 0;
}

START_TEST(test_apt_pipeline)
{
	static const char in[] =
	    "GET http://deb.example/debian/pool/main/a/a_1_all.deb HTTP/1.1\r\n"
	    "Host: deb.example\r\n"
	    "User-Agent: Debian APT-HTTP/1.3 (2.6.1)\r\n"
	    "\r\n"
	    "HEAD /HTTPS///s.example/debian/pool/b.deb HTTP/1.0\r\n"
	    "range:  bytes=1000- \r\n"
	    "If-Range: Sun, 06 Dec 2026 06:00:00 GMT\r\n"
	    "If-Modified-Since: Sat, 05 Dec 2026 06:00:00 GMT\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "GET /x HTTP/1.1\r\nHost: a";
	struct httphead	h;
	long		n, m;

	n = httphead_parse(in, sizeof(in) - 1, &h);
	ck_assert_int_eq(n, strstr(in, "HEAD") - in);
	ck_assert(is(&h.method, "GET"));
	ck_assert(is(&h.target,
	    "http://deb.example/debian/pool/main/a/a_1_all.deb"));
	ck_assert_int_eq(h.minor, 1);
	ck_assert(is(&h.range, NULL) && !h.body && !h.close);

	m = httphead_parse(in + n, sizeof(in) - 1 - (size_t)n, &h);
	ck_assert_int_eq(n + m, strstr(in, "GET /x") - in);
	ck_assert(is(&h.method, "HEAD"));
	ck_assert(is(&h.target, "/HTTPS///s.example/debian/pool/b.deb"));
	ck_assert_int_eq(h.minor, 0);
	ck_assert(is(&h.range, "bytes=1000-"));
	ck_assert(is(&h.if_range, "Sun, 06 Dec 2026 06:00:00 GMT"));
	ck_assert(is(&h.if_modified_since, "Sat, 05 Dec 2026 06:00:00 GMT"));
	ck_assert(h.close && !h.body);

	/* The third has not all come yet. */
	ck_assert_int_eq(httphead_parse(in + n + m,
	    sizeof(in) - 1 - (size_t)(n + m), &h), 0);
}
END_TEST

START_TEST(test_body)
{
	static const char cl[] = "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n";
	static const char cl0[] = "GET /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
	static const char te[] =
	    "GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	struct httphead	h;

	ck_assert_int_gt(httphead_parse(cl, strlen(cl), &h), 0);
	ck_assert(h.body);
	ck_assert_int_gt(httphead_parse(cl0, strlen(cl0), &h), 0);
	ck_assert(!h.body);
	ck_assert_int_gt(httphead_parse(te, strlen(te), &h), 0);
	ck_assert(h.body);
}
END_TEST

static const char *const bad[] = {
	"GET /x HTTP/1.1\nHost: a\n\n",			/* bare LF */
	"GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",	/* obs-fold */
	"GET /x HTTP/2.0\r\n\r\n",
	"GET /x HTTP/1.1 \r\n\r\n",
	"GET  /x HTTP/1.1\r\n\r\n",
	"G(T /x HTTP/1.1\r\n\r\n",
	"GET /a\x01 HTTP/1.1\r\n\r\n",
	"GET /x HTTP/1.1\r\nNo-Colon\r\n\r\n",
	"GET /x HTTP/1.1\r\n: empty name\r\n\r\n",
	"GET /x HTTP/1.1\r\nRange: bytes=1-\r\nRange: bytes=2-\r\n\r\n",
	"GET /x HTTP/1.1\r\nX: a\x7f\r\n\r\n",
	"\r\nGET /x HTTP/1.1\r\n\r\n",
};

START_TEST(test_bad)
{
	struct httphead	h;

	ck_assert_int_eq(httphead_parse(bad[_i], strlen(bad[_i]), &h), -1);
}
END_TEST

START_TEST(test_bounds)
{
	static char	buf[HTTPHEAD_MAX + 64];
	struct httphead	h;
	size_t		n;
	int		i;

	/* A head of more than HTTPHEAD_MAX bytes is refused, complete or not. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET /x HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', HTTPHEAD_MAX);
	ck_assert_int_eq(httphead_parse(buf, HTTPHEAD_MAX, &h), -1);
	memcpy(buf + HTTPHEAD_MAX, "\r\n\r\n", 4);
	ck_assert_int_eq(httphead_parse(buf, HTTPHEAD_MAX + 4, &h), -1);
	/* Under it, a beginning waits. */
	ck_assert_int_eq(httphead_parse(buf, HTTPHEAD_MAX - 1, &h), 0);
	/* More than HTTPHEAD_FIELDS fields. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET /x HTTP/1.1\r\n");
	for (i = 0; i <= HTTPHEAD_FIELDS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "A: b\r\n");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	ck_assert_int_eq(httphead_parse(buf, n, &h), -1);
}
END_TEST

static Suite *
httphead_suite(void)
{
	Suite	*s = suite_create("httphead");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_apt_pipeline);
	tcase_add_test(tc, test_body);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(httphead_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
