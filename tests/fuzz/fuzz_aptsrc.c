/* SPDX-License-Identifier: ISC */
/*
 * fuzz_aptsrc.c - fuzz target for the apt sources rewriter
 * (client/ctl/aptsrc.c).
 *
 * The first byte picks the format (even: one-line, odd: deb822), the rest
 * is the file.  For every input, in both formats: enable and disable are
 * idempotent, a rewrite changes exactly the URIs it reports as changed and
 * only by the six bytes of "aptbt+" each, and show copies the input.  For
 * every input it accepts for the round trip (no URI already through
 * aptbt), disable(enable(x)) == x byte for byte.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/ctl/aptsrc.h"
#include "common/bytebuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

struct tally {
	size_t	on, changed;
};

static void
count(void *arg, const struct aptsrc_uri *u)
{
	struct tally	*t = arg;

	CHECK(u->line >= 1);
	CHECK((unsigned)u->kind < APTSRC_NKINDS);
	CHECK(u->len > 0);
	if (u->kind == APTSRC_ON)
		t->on++;
	if (u->changed)
		t->changed++;
}

static void
same(const struct bytebuf *a, const void *b, size_t blen)
{
	CHECK(a->len == blen);
	CHECK(blen == 0 || memcmp(a->data, b, blen) == 0);
}

static void
one(const char *in, size_t len, enum aptsrc_format fmt)
{
	struct bytebuf	shown = BYTEBUF_INIT, en = BYTEBUF_INIT,
			en2 = BYTEBUF_INIT, back = BYTEBUF_INIT,
			dis = BYTEBUF_INIT, dis2 = BYTEBUF_INIT;
	struct tally	t0 = { 0, 0 }, t1 = { 0, 0 }, t2 = { 0, 0 };
	int		n;

	CHECK(aptsrc_rewrite(in, len, fmt, APTSRC_SHOW, &shown, count,
	    &t0) == 0);
	same(&shown, in, len);
	CHECK(t0.changed == 0);

	n = aptsrc_rewrite(in, len, fmt, APTSRC_ENABLE, &en, count, &t1);
	CHECK(n >= 0 && (size_t)n == t1.changed);
	CHECK(en.len == len + 6 * (size_t)n);
	CHECK(aptsrc_rewrite((const char *)en.data, en.len, fmt,
	    APTSRC_ENABLE, &en2, NULL, NULL) == 0);
	same(&en2, en.data, en.len);

	n = aptsrc_rewrite(in, len, fmt, APTSRC_DISABLE, &dis, count, &t2);
	CHECK(n >= 0 && (size_t)n == t2.changed && (size_t)n == t0.on);
	CHECK(dis.len + 6 * (size_t)n == len);
	CHECK(aptsrc_rewrite((const char *)dis.data, dis.len, fmt,
	    APTSRC_DISABLE, &dis2, NULL, NULL) == 0);
	same(&dis2, dis.data, dis.len);

	if (t0.on == 0) {
		n = aptsrc_rewrite((const char *)en.data, en.len, fmt,
		    APTSRC_DISABLE, &back, NULL, NULL);
		CHECK((size_t)n == t1.changed);
		same(&back, in, len);
	}
	bytebuf_free(&shown);
	bytebuf_free(&en);
	bytebuf_free(&en2);
	bytebuf_free(&back);
	bytebuf_free(&dis);
	bytebuf_free(&dis2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	one((const char *)data + 1, len - 1,
	    (data[0] & 1) ? APTSRC_DEB822 : APTSRC_ONELINE);
	return 0;
}
