/* SPDX-License-Identifier: ISC */
/*
 * check_lsdmsg.c - unit tests for common/lsdmsg.c: BEP 14 announces as
 * other clients really send them, our own built messages, and rejection
 * of malformed ones.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/lsdmsg.h"

/* Captured from python3-libtorrent 2.0.8 (one Infohash per datagram). */
#define LIBTORRENT_DGRAM						\
	"BT-SEARCH * HTTP/1.1\r\n"					\
	"Host: 239.192.152.143:6771\r\n"				\
	"Port: 6881\r\n"						\
	"Infohash: bf9926db24fb251cdeda9562990157f52d5aa8ac\r\n"	\
	"cookie: 59e94496\r\n"						\
	"\r\n"								\
	"\r\n"

/* Captured from transmission-cli 3.00: upper-case hex, no cookie. */
#define TRANSMISSION_DGRAM						\
	"BT-SEARCH * HTTP/1.1\r\n"					\
	"Host: 239.192.152.143:6771\r\n"				\
	"Port: 51413\r\n"						\
	"Infohash: 52FA4C9A478921F2D7A29A21DDF1D00169EC4882\r\n"	\
	"\r\n"								\
	"\r\n"

#define KEY_A	"bf9926db24fb251cdeda9562990157f52d5aa8ac"
#define KEY_B	"52fa4c9a478921f2d7a29a21ddf1d00169ec4882"

static void
key(const char *hex, uint8_t out[LSD_KEY_LEN])
{
	ck_assert(hex_decode(hex, 2 * LSD_KEY_LEN, out, LSD_KEY_LEN));
}

static int
parse(const char *s, struct lsdmsg *m)
{
	size_t	 len = strlen(s);
	char	*copy = malloc(len);	/* exact size, for ASan */
	int	 rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	rc = lsdmsg_parse(copy, len, m);
	free(copy);
	return rc;
}

START_TEST(test_libtorrent)
{
	struct lsdmsg	m;
	uint8_t		k[LSD_KEY_LEN];

	ck_assert_int_eq(parse(LIBTORRENT_DGRAM, &m), 0);
	ck_assert_uint_eq(m.port, 6881);
	ck_assert_uint_eq(m.nkeys, 1);
	ck_assert_uint_eq(m.dropped, 0);
	key(KEY_A, k);
	ck_assert_mem_eq(m.keys[0], k, LSD_KEY_LEN);
	ck_assert_str_eq(m.cookie, "59e94496");
}
END_TEST

START_TEST(test_transmission)
{
	struct lsdmsg	m;
	uint8_t		k[LSD_KEY_LEN];

	ck_assert_int_eq(parse(TRANSMISSION_DGRAM, &m), 0);
	ck_assert_uint_eq(m.port, 51413);
	ck_assert_uint_eq(m.nkeys, 1);
	key(KEY_B, k);
	ck_assert_mem_eq(m.keys[0], k, LSD_KEY_LEN);
	ck_assert_str_eq(m.cookie, "");
}
END_TEST

START_TEST(test_build)
{
	uint8_t		 keys[3][LSD_KEY_LEN];
	struct lsdmsg	 m;
	char		 buf[LSDMSG_DGRAM_MAX];
	ssize_t		 n;

	/* One key and a cookie: byte for byte what libtorrent sends. */
	key(KEY_A, keys[0]);
	n = lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, 6881, keys, 1,
	    "59e94496");
	ck_assert_int_eq(n, (ssize_t)strlen(LIBTORRENT_DGRAM));
	ck_assert_mem_eq(buf, LIBTORRENT_DGRAM, (size_t)n);

	/* Several keys, IPv6 host, no cookie; parses back. */
	key(KEY_B, keys[1]);
	memcpy(keys[2], lsd_presence_key, LSD_KEY_LEN);
	n = lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV6, 443, keys, 3, NULL);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "Host: [ff15::efc0:988f]:6771\r\n"));
	ck_assert_int_eq(lsdmsg_parse(buf, (size_t)n, &m), 0);
	ck_assert_uint_eq(m.port, 443);
	ck_assert_uint_eq(m.nkeys, 3);
	ck_assert_mem_eq(m.keys, keys, sizeof(keys));
	ck_assert_str_eq(m.cookie, "");

	/* Bad arguments. */
	ck_assert_int_eq(lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, 0, keys,
	    1, NULL), -EINVAL);
	ck_assert_int_eq(lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, 1, keys,
	    0, NULL), -EINVAL);
	ck_assert_int_eq(lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, 1, keys,
	    1, "a b"), -EINVAL);
	ck_assert_int_eq(lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, 1, keys,
	    1, ""), -EINVAL);
	ck_assert_int_eq(lsdmsg_build(buf, 100, LSDMSG_IPV4, 1, keys, 3,
	    NULL), -ENOSPC);
}
END_TEST

/* lsdmsg_fit is exact: that many keys fit, one more does not. */
START_TEST(test_fit)
{
	static uint8_t	 keys[LSDMSG_MAX_KEYS][LSD_KEY_LEN];
	char		 buf[LSDMSG_DGRAM_MAX];
	const char	*cookies[] = { NULL, "1", "0123456789abcdef" };
	size_t		 i, fit, size;
	ssize_t		 n;

	for (i = 0; i < LSDMSG_MAX_KEYS; i++)
		memset(keys[i], (int)i, LSD_KEY_LEN);
	for (i = 0; i < 3; i++) {
		for (size = 60; size <= sizeof(buf); size += 37) {
			fit = lsdmsg_fit(size, LSDMSG_IPV4, 65535, cookies[i]);
			ck_assert_uint_lt(fit, LSDMSG_MAX_KEYS);
			if (fit > 0) {
				n = lsdmsg_build(buf, size, LSDMSG_IPV4, 65535,
				    keys, fit, cookies[i]);
				ck_assert_int_gt(n, 0);
				ck_assert_int_le(n, (ssize_t)size);
			}
			n = lsdmsg_build(buf, size, LSDMSG_IPV4, 65535, keys,
			    fit + 1, cookies[i]);
			ck_assert_int_eq(n, -ENOSPC);
		}
	}
	/* A full datagram carries a useful batch. */
	ck_assert_uint_ge(lsdmsg_fit(LSDMSG_DGRAM_MAX, LSDMSG_IPV6, 65535,
	    "ffffffff"), 24);
}
END_TEST

START_TEST(test_tolerant)
{
	struct lsdmsg	m;

	/* Bare LF, any case, blanks around values, other headers, no Host. */
	ck_assert_int_eq(parse("bt-search * http/1.0\nPORT:\t80 \n"
	    "X-Other: y\ninfohash:" KEY_B "\n\n", &m), 0);
	ck_assert_uint_eq(m.port, 80);
	ck_assert_uint_eq(m.nkeys, 1);
	/* No blank line at the end; the last line without LF. */
	ck_assert_int_eq(parse("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n"
	    "Infohash: " KEY_B, &m), 0);
	ck_assert_uint_eq(m.nkeys, 1);
	/* A bad key is skipped; duplicates count once. */
	ck_assert_int_eq(parse("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n"
	    "Infohash: " KEY_B "0\r\nInfohash: xyz\r\nInfohash: " KEY_B "\r\n"
	    "Infohash: " KEY_A "\r\nInfohash: " KEY_B "\r\n\r\n", &m), 0);
	ck_assert_uint_eq(m.nkeys, 2);
	/* After the blank line anything goes, and is not read. */
	ck_assert_int_eq(parse("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n"
	    "Infohash: " KEY_A "\r\n\r\nPort: 2\r\n\x01\x02", &m), 0);
	ck_assert_uint_eq(m.port, 1);
}
END_TEST

START_TEST(test_many_keys)
{
	char		*buf;
	struct lsdmsg	 m;
	size_t		 off = 0, i, n = LSDMSG_MAX_KEYS + 5, size;

	size = 64 + n * 64;
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	off += (size_t)snprintf(buf, size, "BT-SEARCH * HTTP/1.1\r\n"
	    "Port: 9\r\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, size - off,
		    "Infohash: %040zx\r\n", i);
	ck_assert_int_eq(lsdmsg_parse(buf, off, &m), 0);
	ck_assert_uint_eq(m.nkeys, LSDMSG_MAX_KEYS);
	ck_assert_uint_eq(m.dropped, 5);
	ck_assert_uint_eq(m.keys[LSDMSG_MAX_KEYS - 1][19], LSDMSG_MAX_KEYS - 1);
	free(buf);
}
END_TEST

START_TEST(test_reject)
{
	static const char *const bad[] = {
		"",
		"\r\n\r\n",
		"GET / HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\n\r\n",
		"BT-SEARCH / HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\n\r\n",
		"BT-SEARCH * HTTP/2\r\nPort: 1\r\nInfohash: " KEY_A "\r\n\r\n",
		"BT-SEARCH * HTTP/1.1 x\r\nPort: 1\r\nInfohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nInfohash: " KEY_A "\r\n\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: abc\r\n\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: " KEY_A "\r\n\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 65536\r\nInfohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 000001\r\nInfohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: -1\r\nInfohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1 2\r\nInfohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort:\r\nInfohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nPort: 1\r\n"
		    "Infohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\n"
		    "cookie: a\r\ncookie: a\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\n"
		    "cookie: a b\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\n"
		    "cookie:\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\n"
		    "cookie: 01234567890123456789012345678901234567890123456789"
		    "012345678901234\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n Infohash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfo hash: " KEY_A "\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n: x\r\nInfohash: " KEY_A,
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nno colon\r\n"
		    "Infohash: " KEY_A,
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: " KEY_A "\r\r\n",
		"BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nX: \x7f\r\n"
		    "Infohash: " KEY_A "\r\n",
	};
	static const char nul[] = "BT-SEARCH * HTTP/1.1\r\nPort: 1\0\r\n"
	    "Infohash: " KEY_A "\r\n";
	struct lsdmsg	m;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &m) == -EBADMSG, "bad[%zu] parsed",
		    i);
	/* A NUL inside a header line. */
	ck_assert_int_eq(lsdmsg_parse(nul, sizeof(nul) - 1, &m), -EBADMSG);
}
END_TEST

START_TEST(test_presence_key)
{
	const char	*s = "aptbt-lsd-v1";
	uint8_t		 h[SHA256_LEN];

	sha256(s, strlen(s), h);
	ck_assert_mem_eq(lsd_presence_key, h, LSD_KEY_LEN);
}
END_TEST

static Suite *
lsdmsg_suite(void)
{
	Suite	*s = suite_create("lsdmsg");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_libtorrent);
	tcase_add_test(tc, test_transmission);
	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_tolerant);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_reject);
	tcase_add_test(tc, test_presence_key);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(lsdmsg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
