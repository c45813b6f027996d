/* SPDX-License-Identifier: ISC */
/*
 * fuzz_bencode.c - fuzz target for the bencode decoder and encoder.
 *
 * Beyond "does not crash", it checks what callers rely on: spans nest
 * and cover the input, lookups agree with a walk, strict mode accepts
 * exactly the documents whose keys are sorted and unique, and since the
 * decoder admits one spelling per value, re-encoding any accepted input
 * gives back the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bytebuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static const struct benc_doc	*sort_doc;

static int
keycmp(const struct benc_doc *d, uint32_t a, uint32_t b)
{
	const struct benc_tok	*ta = &d->toks[a], *tb = &d->toks[b];
	size_t			 n = ta->slen < tb->slen ? ta->slen : tb->slen;
	int			 c;

	if (n > 0 && (c = memcmp(d->buf + ta->sstart, d->buf + tb->sstart,
	    n)) != 0)
		return c;
	return (ta->slen > tb->slen) - (ta->slen < tb->slen);
}

/* Order key indices by key, then by position, so the first copy wins. */
static int
sort_cmp(const void *a, const void *b)
{
	uint32_t	ka = *(const uint32_t *)a, kb = *(const uint32_t *)b;
	int		c = keycmp(sort_doc, ka, kb);

	return c != 0 ? c : (ka > kb) - (ka < kb);
}

/* Keys whose lookups are checked per dict; lookups are linear. */
#define LOOKUPS	32

static void
check_lookup(const struct benc_doc *d, uint32_t dict, uint32_t key,
    uint32_t first)
{
	const struct benc_tok	*k = &d->toks[key];
	char			 name[64];

	if (k->slen >= sizeof(name) ||
	    memchr(d->buf + k->sstart, 0, k->slen) != NULL)
		return;
	memcpy(name, d->buf + k->sstart, k->slen);
	name[k->slen] = '\0';
	CHECK(benc_dict_get(d, (int)dict, name) == (int)d->toks[first].next);
	CHECK(benc_str_eq(d, (int)key, name));
}

/*
 * Check the subtree at i and re-encode it into out as it is; returns the
 * next token.  *sorted is cleared when a dict's keys are out of order or
 * repeated.
 */
static uint32_t
walk(const struct benc_doc *d, uint32_t i, struct bytebuf *out, bool *sorted)
{
	const struct benc_tok	*t = &d->toks[i];
	uint32_t		 j, n, prev = 0;
	int			 child;

	CHECK(i < d->ntoks);
	CHECK(t->start < t->end && t->end <= d->len);
	switch (t->type) {
	case BENC_INT:
		CHECK(t->next == i + 1 && d->buf[t->start] == 'i');
		benc_put_int(out, t->ival);
		return i + 1;
	case BENC_STR:
		CHECK(t->next == i + 1);
		CHECK((uint64_t)t->sstart + t->slen == t->end);
		CHECK(benc_str(d, (int)i, NULL) == d->buf + t->sstart);
		benc_put_str(out, d->buf + t->sstart, t->slen);
		return i + 1;
	case BENC_LIST:
	case BENC_DICT:
		break;
	default:
		abort();
	}
	bytebuf_putc(out, t->type == BENC_LIST ? 'l' : 'd');
	n = t->type == BENC_DICT ? 2 * t->count : t->count;
	child = benc_first(d, (int)i);
	for (j = i + 1; n > 0; n--) {
		CHECK(child == (int)j);
		CHECK(d->toks[j].start > t->start);
		if (t->type == BENC_DICT && (n & 1) == 0) {
			CHECK(d->toks[j].type == BENC_STR);
			if (j > i + 1 && keycmp(d, prev, j) >= 0)
				*sorted = false;
			prev = j;
		}
		j = walk(d, j, out, sorted);
		CHECK(d->toks[j - 1].end < t->end);
		child = benc_next(d, (int)i, child);
	}
	CHECK(child == -1 && j == t->next);
	benc_put_end(out);
	return j;
}

/* Re-encode with dict keys sorted, the first of each duplicate kept. */
static void
canon(const struct benc_doc *d, uint32_t i, struct bytebuf *out)
{
	const struct benc_tok	*t = &d->toks[i];
	uint32_t		*keys, j, n, g = 0;

	switch (t->type) {
	case BENC_INT:
		benc_put_int(out, t->ival);
		return;
	case BENC_STR:
		benc_put_str(out, d->buf + t->sstart, t->slen);
		return;
	case BENC_LIST:
		benc_put_list(out);
		for (j = i + 1; j < t->next; j = d->toks[j].next)
			canon(d, j, out);
		benc_put_end(out);
		return;
	}
	keys = calloc(t->count ? t->count : 1, sizeof(*keys));
	CHECK(keys != NULL);
	for (j = i + 1, n = 0; n < t->count; n++) {
		keys[n] = j;
		j = d->toks[d->toks[j].next].next;
	}
	sort_doc = d;
	qsort(keys, t->count, sizeof(*keys), sort_cmp);
	benc_put_dict(out);
	for (n = 0; n < t->count; n++) {
		if (n > 0 && keycmp(d, keys[g], keys[n]) == 0) {
			if (n < LOOKUPS)
				check_lookup(d, i, keys[n], keys[g]);
			continue;
		}
		g = n;
		if (n < LOOKUPS)
			check_lookup(d, i, keys[n], keys[n]);
		benc_put_str(out, d->buf + d->toks[keys[n]].sstart,
		    d->toks[keys[n]].slen);
		canon(d, d->toks[keys[n]].next, out);
	}
	benc_put_end(out);
	free(keys);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct benc_doc	 loose, strict, again;
	struct bytebuf	 out = BYTEBUF_INIT, cout = BYTEBUF_INIT;
	bool		 sorted = true;
	int		 rl, rs;

	rl = benc_parse(&loose, data, size, NULL, 0);
	rs = benc_parse(&strict, data, size, NULL, BENC_STRICT);
	CHECK(benc_strerror(rl) != NULL && benc_strerror(rs) != NULL);
	CHECK(rl <= 0 && rs <= 0);
	if (rl != 0) {
		/* Strict mode only adds rules. */
		CHECK(rs != 0 && loose.toks == NULL && strict.toks == NULL);
		return 0;
	}
	CHECK(loose.ntoks > 0 && loose.toks[0].start == 0 &&
	    loose.toks[0].end == size && loose.toks[0].next == loose.ntoks);
	CHECK(walk(&loose, 0, &out, &sorted) == loose.ntoks);
	canon(&loose, 0, &cout);
	CHECK(!bytebuf_failed(&out) && !bytebuf_failed(&cout));

	/* One spelling per value: re-encoding gives the input back. */
	CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	/* Strict accepts exactly the sorted, duplicate-free documents. */
	CHECK(sorted == (rs == 0));
	CHECK(rs == 0 || rs == -BENC_EKEY);
	if (rs == 0) {
		CHECK(strict.ntoks == loose.ntoks);
		CHECK(memcmp(strict.toks, loose.toks,
		    loose.ntoks * sizeof(*loose.toks)) == 0);
		CHECK(cout.len == size && memcmp(cout.data, data, size) == 0);
	}
	/* The canonical form of anything parses strictly. */
	CHECK(cout.len <= size);
	CHECK(benc_parse(&again, cout.data, cout.len, NULL, BENC_STRICT) ==
	    0);
	benc_free(&again);

	benc_free(&loose);
	benc_free(&strict);
	bytebuf_free(&out);
	bytebuf_free(&cout);
	return 0;
}
