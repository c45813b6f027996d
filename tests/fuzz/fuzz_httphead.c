/* SPDX-License-Identifier: ISC */
/*
 * fuzz_httphead.c - fuzz target for the proxy's read-ahead request heads.
 *
 * The input is what a client sent on a connection.  A head that is taken
 * must end in an empty line within the input and HTTPHEAD_MAX bytes, its
 * method and target must lie inside it, and the same bytes with more
 * after them must give the same head (the next pipelined request does
 * not change the one before); a beginning of it must not be taken.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/httphead.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
inside(const struct httphead_str *s, const char *buf, size_t n)
{
	if (s->p == NULL)
		return;
	CHECK(s->p >= buf && s->p + s->len <= buf + n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*buf = (const char *)data;
	struct httphead	 h, again;
	long		 n;
	size_t		 i;

	n = httphead_parse(buf, len, &h);
	CHECK(n >= -1 && n <= (long)len && n <= HTTPHEAD_MAX);
	if (n == 0)
		CHECK(len < HTTPHEAD_MAX);
	if (n <= 0)
		return 0;
	CHECK(n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	CHECK(h.method.p == buf && h.method.len > 0);
	CHECK(h.target.len > 0 && h.minor >= 0 && h.minor <= 1);
	inside(&h.target, buf, (size_t)n);
	for (i = 0; i < h.target.len; i++)
		CHECK(h.target.p[i] > 0x20 && h.target.p[i] < 0x7f);
	inside(&h.range, buf, (size_t)n);
	inside(&h.if_range, buf, (size_t)n);
	inside(&h.if_modified_since, buf, (size_t)n);
	CHECK(httphead_parse(buf, (size_t)n - 1, &again) == 0);
	CHECK(httphead_parse(buf, (size_t)n, &again) == n);
	CHECK(again.target.p == h.target.p && again.target.len ==
	    h.target.len && again.body == h.body && again.close == h.close &&
	    again.range.p == h.range.p && again.range.len == h.range.len);
	return 0;
}
