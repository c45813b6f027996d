/* SPDX-License-Identifier: ISC */
/*
 * check_bencode.c - unit tests for common/bencode.c.
 *
 * The decoder guards every byte from peers and trackers, so the malformed
 * cases here are the ones an attacker would try first; the spans tests
 * pin down that a value's raw bytes (an info dict) come back unchanged.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "common/hash.h"

static int
parse(struct benc_doc *d, const char *s, int flags)
{
	return benc_parse(d, s, strlen(s), NULL, flags);
}

/* Re-encode the subtree at token i; returns the token after it. */
static size_t
reencode(const struct benc_doc *d, size_t i, struct bytebuf *b)
{
	const struct benc_tok	*t = &d->toks[i];
	size_t			 j, n;

	switch (t->type) {
	case BENC_INT:
		benc_put_int(b, t->ival);
		return i + 1;
	case BENC_STR:
		benc_put_str(b, d->buf + t->sstart, t->slen);
		return i + 1;
	default:
		bytebuf_putc(b, t->type == BENC_LIST ? 'l' : 'd');
		n = t->type == BENC_DICT ? 2 * (size_t)t->count : t->count;
		for (j = i + 1; n > 0; n--)
			j = reencode(d, j, b);
		ck_assert_uint_eq(j, t->next);
		benc_put_end(b);
		return j;
	}
}

START_TEST(test_bep3_examples)
{
	struct benc_doc	 d;
	const uint8_t	*p;
	size_t		 n;
	int		 v, w;

	ck_assert_int_eq(parse(&d, "4:spam", BENC_STRICT), 0);
	ck_assert_uint_eq(d.ntoks, 1);
	ck_assert_int_eq(d.toks[0].type, BENC_STR);
	ck_assert(benc_str_eq(&d, 0, "spam"));
	p = benc_str(&d, 0, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(p, "spam", 4);
	ck_assert_uint_eq(d.toks[0].start, 0);
	ck_assert_uint_eq(d.toks[0].end, 6);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "i3e", BENC_STRICT), 0);
	ck_assert_int_eq(d.toks[0].type, BENC_INT);
	ck_assert_int_eq(d.toks[0].ival, 3);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "i-3e", BENC_STRICT), 0);
	ck_assert_int_eq(d.toks[0].ival, -3);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "i0e", BENC_STRICT), 0);
	ck_assert_int_eq(d.toks[0].ival, 0);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "0:", BENC_STRICT), 0);
	ck_assert(benc_str_eq(&d, 0, ""));
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "l4:spam4:eggse", BENC_STRICT), 0);
	ck_assert_uint_eq(d.ntoks, 3);
	ck_assert_int_eq(d.toks[0].type, BENC_LIST);
	ck_assert_uint_eq(d.toks[0].count, 2);
	ck_assert_uint_eq(d.toks[0].next, 3);
	v = benc_first(&d, 0);
	ck_assert_int_eq(v, 1);
	ck_assert(benc_str_eq(&d, v, "spam"));
	v = benc_next(&d, 0, v);
	ck_assert(benc_str_eq(&d, v, "eggs"));
	ck_assert_int_eq(benc_next(&d, 0, v), -1);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "d3:cow3:moo4:spam4:eggse", BENC_STRICT),
	    0);
	ck_assert_int_eq(d.toks[0].type, BENC_DICT);
	ck_assert_uint_eq(d.toks[0].count, 2);
	ck_assert(benc_dict_str(&d, 0, "cow", &p, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(p, "moo", 3);
	ck_assert(benc_dict_str(&d, 0, "spam", &p, &n));
	ck_assert_mem_eq(p, "eggs", 4);
	ck_assert_int_eq(benc_dict_get(&d, 0, "moo"), -1);
	ck_assert_int_eq(benc_dict_get(&d, 0, "co"), -1);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "d4:spaml1:a1:bee", BENC_STRICT), 0);
	v = benc_dict_get_type(&d, 0, "spam", BENC_LIST);
	ck_assert_int_ge(v, 0);
	ck_assert_uint_eq(d.toks[v].count, 2);
	w = benc_first(&d, v);
	ck_assert(benc_str_eq(&d, w, "a"));
	w = benc_next(&d, v, w);
	ck_assert(benc_str_eq(&d, w, "b"));
	ck_assert_int_eq(benc_next(&d, v, w), -1);
	ck_assert_int_eq(benc_dict_get_type(&d, 0, "spam", BENC_DICT), -1);
	benc_free(&d);

	ck_assert_int_eq(parse(&d, "le", BENC_STRICT), 0);
	ck_assert_uint_eq(d.toks[0].count, 0);
	ck_assert_int_eq(benc_first(&d, 0), -1);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "de", BENC_STRICT), 0);
	ck_assert_int_eq(benc_dict_get(&d, 0, "x"), -1);
	benc_free(&d);
}
END_TEST

static const struct {
	const char	*in;
	int		 err;
} bad_cases[] = {
	{ "", BENC_ETRUNC },
	{ "i03e", BENC_EINT },
	{ "i00e", BENC_EINT },
	{ "i-0e", BENC_EINT },
	{ "i-03e", BENC_EINT },
	{ "i-e", BENC_EINT },
	{ "ie", BENC_EINT },
	{ "i+3e", BENC_EINT },
	{ "i3.0e", BENC_EINT },
	{ "i 3e", BENC_EINT },
	{ "i9223372036854775808e", BENC_EINT },
	{ "i-9223372036854775809e", BENC_EINT },
	{ "i99999999999999999999999e", BENC_EINT },
	{ "i3", BENC_ETRUNC },
	{ "i", BENC_ETRUNC },
	{ "i-", BENC_ETRUNC },
	{ "03:abc", BENC_ESTRLEN },
	{ "00:", BENC_ESTRLEN },
	{ "4:abc", BENC_ESTRLEN },
	{ "99999999999999999999999:a", BENC_ESTRLEN },
	{ "3x:abc", BENC_ESTRLEN },
	{ "-3:abc", BENC_ESYNTAX },
	{ "3", BENC_ESTRLEN },
	{ "1", BENC_ETRUNC },
	{ "3:", BENC_ESTRLEN },
	{ "l", BENC_ETRUNC },
	{ "l4:spam", BENC_ETRUNC },
	{ "li1e", BENC_ETRUNC },
	{ "d", BENC_ETRUNC },
	{ "d3:cow", BENC_ETRUNC },
	{ "d3:cow3:moo", BENC_ETRUNC },
	{ "d3:cowe", BENC_ESYNTAX },
	{ "di1e3:mooe", BENC_EKEY },
	{ "dle3:mooe", BENC_EKEY },
	{ "dde3:mooe", BENC_EKEY },
	{ "dx", BENC_ESYNTAX },
	{ "e", BENC_ESYNTAX },
	{ "x", BENC_ESYNTAX },
	{ "le3", BENC_ETRAILING },
	{ "i1ei2e", BENC_ETRAILING },
	{ "4:spam ", BENC_ETRAILING },
	{ "dee", BENC_ETRAILING },
	{ "lxe", BENC_ESYNTAX },
};

START_TEST(test_malformed)
{
	struct benc_doc	d;
	size_t		i;
	int		rv, flags;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		for (flags = 0; flags <= BENC_STRICT; flags += BENC_STRICT) {
			rv = parse(&d, bad_cases[i].in, flags);
			ck_assert_msg(rv == -bad_cases[i].err,
			    "\"%s\" flags %d: got %d (%s), want %d",
			    bad_cases[i].in, flags, rv, benc_strerror(rv),
			    -bad_cases[i].err);
			ck_assert_ptr_null(d.toks);
			ck_assert_uint_eq(d.ntoks, 0);
			benc_free(&d);
		}
	}
}
END_TEST

START_TEST(test_int_range)
{
	struct benc_doc	d;

	ck_assert_int_eq(parse(&d, "i9223372036854775807e", 0), 0);
	ck_assert(d.toks[0].ival == INT64_MAX);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "i-9223372036854775808e", 0), 0);
	ck_assert(d.toks[0].ival == INT64_MIN);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "i10e", 0), 0);
	ck_assert_int_eq(d.toks[0].ival, 10);
	benc_free(&d);
}
END_TEST

/* A NUL inside a string is data, and the input need not end in one. */
START_TEST(test_binary)
{
	static const uint8_t	in[] = { '3', ':', 'a', 0, 'b' };
	struct benc_doc		d;
	const uint8_t		*p;
	size_t			n;

	ck_assert_int_eq(benc_parse(&d, in, sizeof(in), NULL, BENC_STRICT), 0);
	p = benc_str(&d, 0, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(p, "a\0b", 3);
	ck_assert(!benc_str_eq(&d, 0, "a"));
	benc_free(&d);
	/* "i1" followed by what would be the terminator past len. */
	ck_assert_int_eq(benc_parse(&d, "i1e", 2, NULL, 0), -BENC_ETRUNC);
	ck_assert_int_eq(benc_parse(&d, "4:spam", 5, NULL, 0), -BENC_ESTRLEN);
}
END_TEST

static char *
nested(unsigned depth, char open)
{
	char	*s = malloc(2 * (size_t)depth + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, open, depth);
	memset(s + depth, 'e', depth);
	s[2 * depth] = '\0';
	return s;
}

START_TEST(test_depth_limit)
{
	struct benc_limits	lim = benc_default_limits;
	struct benc_doc		d;
	char			*s;

	s = nested(benc_default_limits.max_depth, 'l');
	ck_assert_int_eq(parse(&d, s, 0), 0);
	ck_assert_uint_eq(d.ntoks, benc_default_limits.max_depth);
	ck_assert_uint_eq(d.toks[0].next, d.ntoks);
	benc_free(&d);
	free(s);

	s = nested(benc_default_limits.max_depth + 1, 'l');
	ck_assert_int_eq(parse(&d, s, 0), -BENC_EDEPTH);
	free(s);

	/* Deep hostile input fails fast, without recursion. */
	s = nested(500000, 'l');
	ck_assert_int_eq(parse(&d, s, 0), -BENC_EDEPTH);
	free(s);

	/* A limit above the built-in stack works too. */
	lim.max_depth = 1000;
	s = nested(1000, 'l');
	ck_assert_int_eq(benc_parse(&d, s, strlen(s), &lim, 0), 0);
	benc_free(&d);
	free(s);
	s = nested(1001, 'l');
	ck_assert_int_eq(benc_parse(&d, s, strlen(s), &lim, 0), -BENC_EDEPTH);
	free(s);

	lim.max_depth = 2;
	ck_assert_int_eq(benc_parse(&d, "d1:ali1eee", 10, &lim, 0), 0);
	benc_free(&d);
	ck_assert_int_eq(benc_parse(&d, "d1:alleee", 9, &lim, 0),
	    -BENC_EDEPTH);
	/* Scalars need no depth. */
	lim.max_depth = 0;
	ck_assert_int_eq(benc_parse(&d, "i1e", 3, &lim, 0), 0);
	benc_free(&d);
	ck_assert_int_eq(benc_parse(&d, "le", 2, &lim, 0), -BENC_EDEPTH);
}
END_TEST

START_TEST(test_token_and_size_limits)
{
	struct benc_limits	 lim = benc_default_limits;
	struct benc_doc		 d;
	struct bytebuf		 b = BYTEBUF_INIT;
	size_t			 i;

	/* Many tokens: the array grows well past its first size. */
	benc_put_list(&b);
	for (i = 0; i < 20000; i++)
		benc_put_int(&b, (int64_t)i);
	benc_put_end(&b);
	ck_assert_int_eq(benc_parse(&d, b.data, b.len, NULL, BENC_STRICT), 0);
	ck_assert_uint_eq(d.ntoks, 20001);
	ck_assert_uint_eq(d.toks[0].count, 20000);
	ck_assert_int_eq(d.toks[20000].ival, 19999);
	benc_free(&d);

	lim.max_tokens = 20001;
	ck_assert_int_eq(benc_parse(&d, b.data, b.len, &lim, 0), 0);
	benc_free(&d);
	lim.max_tokens = 20000;
	ck_assert_int_eq(benc_parse(&d, b.data, b.len, &lim, 0),
	    -BENC_ETOOBIG);
	ck_assert_ptr_null(d.toks);

	lim = benc_default_limits;
	lim.max_input = b.len;
	ck_assert_int_eq(benc_parse(&d, b.data, b.len, &lim, 0), 0);
	benc_free(&d);
	lim.max_input = b.len - 1;
	ck_assert_int_eq(benc_parse(&d, b.data, b.len, &lim, 0),
	    -BENC_ETOOBIG);
	bytebuf_free(&b);

	/* The default input limit is 1 MiB. */
	ck_assert_uint_eq(benc_default_limits.max_input, 1024 * 1024);
	{
		size_t	 n = 1024 * 1024 + 1;
		char	*s = malloc(n);

		ck_assert_ptr_nonnull(s);
		memset(s, 'x', n);
		ck_assert_int_eq(benc_parse(&d, s, n, NULL, 0),
		    -BENC_ETOOBIG);
		free(s);
	}
}
END_TEST

START_TEST(test_key_order)
{
	struct benc_doc	 d;
	const uint8_t	*p;
	size_t		 n;
	int64_t		 v;

	/* Unsorted keys: fine for other people's data, not for ours. */
	ck_assert_int_eq(parse(&d, "d1:b1:x1:a1:ye", 0), 0);
	ck_assert(benc_dict_str(&d, 0, "a", &p, &n));
	ck_assert_mem_eq(p, "y", 1);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "d1:b1:x1:a1:ye", BENC_STRICT),
	    -BENC_EKEY);

	/* Duplicates: lookup returns the first. */
	ck_assert_int_eq(parse(&d, "d1:ai1e1:ai2ee", 0), 0);
	ck_assert(benc_dict_int(&d, 0, "a", &v));
	ck_assert_int_eq(v, 1);
	ck_assert_uint_eq(d.toks[0].count, 2);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "d1:ai1e1:ai2ee", BENC_STRICT),
	    -BENC_EKEY);

	/* A proper prefix sorts first; bytes compare unsigned. */
	ck_assert_int_eq(parse(&d, "d1:ai1e2:aai2ee", BENC_STRICT), 0);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "d2:aai2e1:ai1ee", BENC_STRICT),
	    -BENC_EKEY);
	ck_assert_int_eq(parse(&d, "d0:i0e1:ai1ee", BENC_STRICT), 0);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "d1:Zi0e1:ai1e1:\xffi2ee", BENC_STRICT),
	    0);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "d1:\xffi2e1:ai1ee", BENC_STRICT),
	    -BENC_EKEY);

	/* Order is per dict: nested dicts start afresh. */
	ck_assert_int_eq(parse(&d, "d1:bd1:ai1ee1:cd1:ai1eee", BENC_STRICT),
	    0);
	benc_free(&d);
	ck_assert_int_eq(parse(&d, "d1:bd1:bi1e1:ai1eee", BENC_STRICT),
	    -BENC_EKEY);
	ck_assert_int_eq(parse(&d, "d1:bd1:bi1e1:ai1eee", 0), 0);
	benc_free(&d);
}
END_TEST

START_TEST(test_raw_spans)
{
	static const char torrent[] =
	    "d8:announce31:http://tracker.example/announce"
	    "10:created by5:aptbt"
	    "4:infod6:lengthi12345e4:name9:hello.deb"
	    "12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAAe"
	    "8:url-listl26:http://deb.example/pool/x/ee";
	static const char info[] =
	    "d6:lengthi12345e4:name9:hello.deb"
	    "12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAAe";
	struct benc_doc	 d;
	uint8_t		 h1[SHA1_LEN], h2[SHA1_LEN];
	const uint8_t	*p;
	size_t		 n;
	int64_t		 len;
	int		 i, u;

	ck_assert_int_eq(parse(&d, torrent, BENC_STRICT), 0);
	i = benc_dict_get_type(&d, 0, "info", BENC_DICT);
	ck_assert_int_gt(i, 0);
	n = d.toks[i].end - d.toks[i].start;
	ck_assert_uint_eq(n, strlen(info));
	ck_assert_mem_eq(d.buf + d.toks[i].start, info, n);
	sha1(d.buf + d.toks[i].start, n, h1);
	sha1(info, strlen(info), h2);
	ck_assert_mem_eq(h1, h2, SHA1_LEN);

	ck_assert(benc_dict_int(&d, i, "length", &len));
	ck_assert_int_eq(len, 12345);
	ck_assert(benc_dict_str(&d, i, "pieces", &p, &n));
	ck_assert_uint_eq(n, 20);
	ck_assert(!benc_dict_int(&d, i, "name", &len));
	ck_assert(!benc_dict_str(&d, i, "length", &p, &n));
	ck_assert(benc_dict_str(&d, 0, "created by", &p, &n));
	ck_assert_mem_eq(p, "aptbt", 5);
	/* The top level spans the whole input. */
	ck_assert_uint_eq(d.toks[0].start, 0);
	ck_assert_uint_eq(d.toks[0].end, strlen(torrent));
	ck_assert_uint_eq(d.toks[0].next, d.ntoks);

	u = benc_dict_get_type(&d, 0, "url-list", BENC_LIST);
	ck_assert_int_gt(u, i);
	ck_assert_uint_eq(d.toks[u].count, 1);
	ck_assert_uint_eq(d.toks[u].end - d.toks[u].start, 31);
	/* Keys can be walked too: key, value, key, value. */
	ck_assert(benc_str_eq(&d, benc_first(&d, 0), "announce"));
	ck_assert_int_eq(benc_next(&d, 0, benc_first(&d, 0)), 2);
	benc_free(&d);
}
END_TEST

START_TEST(test_bad_indexes)
{
	struct benc_doc	 d;
	size_t		 n;
	int64_t		 v;

	ck_assert_int_eq(parse(&d, "d1:ai1ee", BENC_STRICT), 0);
	ck_assert_int_eq(benc_dict_get(&d, -1, "a"), -1);
	ck_assert_int_eq(benc_dict_get(&d, 3, "a"), -1);
	ck_assert_int_eq(benc_dict_get(&d, 1, "a"), -1);
	ck_assert_int_eq(benc_first(&d, 2), -1);
	ck_assert_int_eq(benc_first(&d, 99), -1);
	ck_assert_int_eq(benc_next(&d, 0, 99), -1);
	ck_assert_int_eq(benc_next(&d, 0, 0), -1);
	ck_assert_int_eq(benc_next(&d, 1, 2), -1);
	ck_assert_ptr_null(benc_str(&d, 2, &n));
	ck_assert_ptr_null(benc_str(&d, -5, &n));
	ck_assert(!benc_str_eq(&d, 2, "1"));
	ck_assert(!benc_dict_int(&d, 0, "b", &v));
	ck_assert(!benc_dict_int(&d, 1, "a", &v));
	benc_free(&d);
	benc_free(&d);
}
END_TEST

START_TEST(test_encoder)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct benc_doc	 d;
	static const char want[] =
	    "d4:argsd1:ni-7ee3:bin3:a\0b3:cmd6:status2:idi42e"
	    "3:maxi9223372036854775807e3:mini-9223372036854775808e"
	    "4:zerol0:i0eee";
	int64_t		 v;

	benc_put_dict(&b);
	benc_put_cstr(&b, "args");
	benc_put_dict(&b);
	benc_put_kv_int(&b, "n", -7);
	benc_put_end(&b);
	benc_put_kv_bytes(&b, "bin", "a\0b", 3);
	benc_put_kv_str(&b, "cmd", "status");
	benc_put_kv_int(&b, "id", 42);
	benc_put_kv_int(&b, "max", INT64_MAX);
	benc_put_kv_int(&b, "min", INT64_MIN);
	benc_put_cstr(&b, "zero");
	benc_put_list(&b);
	benc_put_str(&b, "", 0);
	benc_put_int(&b, 0);
	benc_put_end(&b);
	benc_put_end(&b);
	ck_assert(!bytebuf_failed(&b));
	ck_assert_uint_eq(b.len, sizeof(want) - 1);
	ck_assert_mem_eq(b.data, want, b.len);

	ck_assert_int_eq(benc_parse(&d, b.data, b.len, NULL, BENC_STRICT), 0);
	ck_assert(benc_dict_int(&d, 0, "min", &v));
	ck_assert(v == INT64_MIN);
	ck_assert(benc_dict_int(&d, 0, "max", &v));
	ck_assert(v == INT64_MAX);
	ck_assert(benc_dict_int(&d, benc_dict_get(&d, 0, "args"), "n", &v));
	ck_assert_int_eq(v, -7);
	benc_free(&d);
	bytebuf_free(&b);
}
END_TEST

static const char *const canonical[] = {
	"4:spam", "i3e", "i-3e", "i0e", "0:", "le", "de",
	"l4:spam4:eggse", "d3:cow3:moo4:spam4:eggse", "d4:spaml1:a1:bee",
	"lli1eeli2eelleee", "d1:ad1:bd1:cleeee",
	"d0:0:1:a0:2:aa0:1:b0:e",
};

/* Canonical input re-encodes to itself and parses in strict mode. */
START_TEST(test_round_trip)
{
	struct bytebuf	b = BYTEBUF_INIT;
	struct benc_doc	d, d2;
	size_t		i;

	for (i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		ck_assert_int_eq(parse(&d, canonical[i], BENC_STRICT), 0);
		bytebuf_reset(&b);
		ck_assert_uint_eq(reencode(&d, 0, &b), d.ntoks);
		ck_assert_uint_eq(b.len, strlen(canonical[i]));
		ck_assert_mem_eq(b.data, canonical[i], b.len);
		ck_assert_int_eq(benc_parse(&d2, b.data, b.len, NULL,
		    BENC_STRICT), 0);
		ck_assert_uint_eq(d2.ntoks, d.ntoks);
		benc_free(&d2);
		benc_free(&d);
	}
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_strerror)
{
	int	e, f;

	for (e = BENC_OK; e <= BENC_ENOMEM; e++) {
		ck_assert_ptr_nonnull(benc_strerror(-e));
		ck_assert_int_gt(strlen(benc_strerror(-e)), 0);
		ck_assert_str_eq(benc_strerror(-e), benc_strerror(e));
		for (f = BENC_OK; f < e; f++)
			ck_assert_str_ne(benc_strerror(-e),
			    benc_strerror(-f));
	}
	ck_assert_ptr_nonnull(benc_strerror(-1000));
	ck_assert_ptr_nonnull(benc_strerror(INT32_MIN));
}
END_TEST

static Suite *
bencode_suite(void)
{
	Suite	*s = suite_create("bencode");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_bep3_examples);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_int_range);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_token_and_size_limits);
	tcase_add_test(tc, test_key_order);
	tcase_add_test(tc, test_raw_spans);
	tcase_add_test(tc, test_bad_indexes);
	tcase_add_test(tc, test_encoder);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(bencode_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
