/* SPDX-License-Identifier: ISC */
/*
 * check_blocks.c - unit tests for common/blocks.c: the ".blocks" list
 * round trip, streaming in any chunking, the sums it carries, and the
 * parser refusing each kind of malformed list.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/blockmatch.h"
#include "common/blocks.h"

static uint8_t *
data(size_t len, uint32_t seed)
{
	uint8_t		*p = malloc(len);
	size_t		 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

START_TEST(test_roundtrip)
{
	static const size_t	 lens[] = { 1, 511, 512, 513, 4096, 100001 };
	struct bytebuf		 out = BYTEBUF_INIT;
	struct blocks		 b;
	uint8_t			*p, s[BLOCKS_STRONG_LEN], pad[512];
	size_t			 k, i, len;

	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		len = lens[k];
		p = data(len, (uint32_t)k);
		bytebuf_reset(&out);
		ck_assert_int_eq(blocks_encode(p, len, 512, &out), 0);
		ck_assert_int_eq(blocks_parse(&b, out.data, out.len), 0);
		ck_assert_uint_eq(blocks_encoded_len(len, 512), out.len);
		ck_assert_uint_eq(b.block, 512);
		ck_assert_uint_eq(b.length, len);
		ck_assert_uint_eq(b.n, (len + 511) / 512);
		/* The list costs 12 bytes a block and a few dozen more. */
		ck_assert_uint_le(out.len, b.n * BLOCKS_PER_BLOCK + 80);
		for (i = 0; i < b.n; i++) {
			uint32_t	bl = blocks_len(&b, i);

			ck_assert_uint_eq(bl, i + 1 < b.n ? 512 :
			    len - 512 * i);
			memset(pad, 0, sizeof(pad));
			memcpy(pad, p + 512 * i, bl);
			ck_assert_uint_eq(blocks_weak(&b, i),
			    blocks_weak_sum(pad, 512));
			blocks_strong_sum(p + 512 * i, bl, 512, s);
			ck_assert_mem_eq(s, b.strong + i * 8, 8);
		}
		blocks_free(&b);
		free(p);
	}
	bytebuf_free(&out);
}
END_TEST

/*
 * Compact lists (version 2): the weak sum's first wlen bytes, the strong
 * sum's first slen; the shape each kind of file gets; the matcher finds
 * a package's blocks with them; version 1's widths only as version 1.
 */
START_TEST(test_shaped)
{
	struct blocks_shape	 sh = { 2048, 2, 3 }, got;
	struct bytebuf		 out = BYTEBUF_INIT;
	struct blockmatch	*m;
	struct blocks		 b;
	uint8_t			*p, s[BLOCKS_STRONG_LEN];
	uint64_t		 off[64];
	size_t			 len = 100000, i, n;

	p = data(len, 77);
	ck_assert_int_eq(blocks_encode_shape(p, len, &sh, &out), 0);
	ck_assert_uint_eq(blocks_encoded_len_shape(len, &sh), out.len);
	ck_assert_int_eq(blocks_parse(&b, out.data, out.len), 0);
	n = (len + 2047) / 2048;
	ck_assert_uint_eq(b.n, n);
	ck_assert_uint_eq(b.wlen, 2);
	ck_assert_uint_eq(b.slen, 3);
	/* 5 bytes a block and a few dozen more: zsync's 2,2,4 costs 6. */
	ck_assert_uint_le(out.len, n * 5 + 100);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			ck_assert_uint_eq(blocks_weak(&b, i),
			    blocks_weak_cut(&b, blocks_weak_sum(p + 2048 * i,
			    2048)));
		blocks_strong_sum(p + 2048 * i, blocks_len(&b, i), 2048, s);
		ck_assert_mem_eq(s, b.strong + i * 3, 3);
	}
	/* Found over the data shifted by 100 bytes. */
	ck_assert_ptr_nonnull(m = blockmatch_new(&b));
	for (i = 0; i < n; i++)
		off[i] = BLOCKMATCH_NONE;
	memmove(p + 100, p, len - 100);
	ck_assert_uint_ge(blockmatch_run(m, p, len, off, NULL), n - 2);
	ck_assert_uint_eq(off[1], 2048 + 100);
	blockmatch_free(m);
	blocks_free(&b);
	/* Which file gets which. */
	ck_assert(blocks_shape_for("x_1_amd64.deb", 3u << 20, &got));
	ck_assert_uint_eq(got.block, 2048);
	ck_assert_uint_eq(got.wlen, 2);
	ck_assert_uint_eq(got.slen, 3);
	ck_assert(blocks_shape_for("x_1_amd64.deb", 64u << 20, &got));
	ck_assert_uint_eq(got.wlen, 3);
	ck_assert(blocks_shape_for("Packages", 3u << 20, &got));
	ck_assert_uint_eq(got.block, 512);
	ck_assert_uint_eq(got.wlen, 4);
	ck_assert_uint_eq(got.slen, 8);
	ck_assert(!blocks_shape_for("Packages.xz", 3u << 20, &got));
	ck_assert(!blocks_shape_for("x_1_amd64.deb", 60000, &got));
	/* Bad widths; version 1's widths written as version 1. */
	sh.wlen = 1;
	ck_assert_int_eq(blocks_encode_shape(p, len, &sh, &out),
	    -BLOCKS_ESUMS);
	sh.wlen = 4, sh.slen = 9;
	ck_assert_int_eq(blocks_encode_shape(p, len, &sh, &out),
	    -BLOCKS_ESUMS);
	sh.slen = 8;
	bytebuf_reset(&out);
	ck_assert_int_eq(blocks_encode_shape(p, len, &sh, &out), 0);
	ck_assert_uint_eq(out.len, blocks_encoded_len(len, 2048));
	ck_assert_int_eq(blocks_parse(&b, out.data, out.len), 0);
	blocks_free(&b);
	bytebuf_free(&out);
	free(p);
}
END_TEST

static void
refused(const char *list, int err)
{
	struct blocks	b;

	ck_assert_int_eq(blocks_parse(&b, list, strlen(list)), err);
	if (err == 0)
		blocks_free(&b);
}

/* Version 2's keys, widths and counts. */
START_TEST(test_shaped_refused)
{
	/* One block of 64 bytes, sums 2 and 3 bytes wide. */
	refused("d5:blocki64e6:lengthi64e4:sleni3e6:strong3:abc"
	    "7:versioni2e4:weak2:ab4:wleni2ee", 0);
	refused("d5:blocki64e6:lengthi64e4:sleni3e6:strong3:abc"
	    "7:versioni2e4:weak2:abe", -BLOCKS_ESUMS);
	refused("d5:blocki64e6:lengthi64e4:sleni1e6:strong1:a"
	    "7:versioni2e4:weak2:ab4:wleni2ee", -BLOCKS_ESUMS);
	refused("d5:blocki64e6:lengthi64e4:sleni3e6:strong3:abc"
	    "7:versioni2e4:weak5:abcde4:wleni5ee", -BLOCKS_ESUMS);
	refused("d5:blocki64e6:lengthi64e4:sleni8e6:strong8:abcdefgh"
	    "7:versioni2e4:weak4:abcd4:wleni4ee", -BLOCKS_ESUMS);
	refused("d5:blocki64e6:lengthi64e4:sleni3e6:strong3:abc"
	    "7:versioni2e4:weak3:abc4:wleni2ee", -BLOCKS_ESUMS);
	/* Version 1 with version 2's keys, or another key. */
	refused("d5:blocki64e6:lengthi64e4:sleni8e6:strong8:abcdefgh"
	    "7:versioni1e4:weak4:abcde", -BLOCKS_EBENCODE);
	refused("d5:blocki64e6:lengthi64e6:strong8:abcdefgh"
	    "7:versioni1e4:weak4:abcd1:xi0ee", -BLOCKS_EBENCODE);
}
END_TEST

/* The streaming encoder writes the same bytes whatever the chunking. */
START_TEST(test_streaming)
{
	static const size_t	 chunks[] = { 1, 7, 511, 512, 513, 65536 };
	struct bytebuf		 one = BYTEBUF_INIT, two = BYTEBUF_INIT;
	struct blocks_enc	 e;
	uint8_t			*p;
	size_t			 k, off, len = 70000, c;

	p = data(len, 42);
	ck_assert_int_eq(blocks_encode(p, len, 1024, &one), 0);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		bytebuf_reset(&two);
		ck_assert_int_eq(blocks_enc_init(&e, 1024), 0);
		for (off = 0; off < len; off += c) {
			c = chunks[k] < len - off ? chunks[k] : len - off;
			blocks_enc_feed(&e, p + off, c);
		}
		ck_assert_int_eq(blocks_enc_finish(&e, &two), 0);
		ck_assert_uint_eq(two.len, one.len);
		ck_assert_mem_eq(two.data, one.data, one.len);
	}
	bytebuf_free(&one);
	bytebuf_free(&two);
	free(p);
}
END_TEST

/* rsync's sums: a the byte sum, b the position-weighted one. */
START_TEST(test_weak_sum)
{
	const uint8_t	 x[4] = { 1, 2, 3, 4 };

	/* a = 10; b = 4*1 + 3*2 + 2*3 + 1*4 = 20. */
	ck_assert_uint_eq(blocks_weak_sum(x, 4), 20u << 16 | 10u);
}
END_TEST

START_TEST(test_encoder_refuses)
{
	struct bytebuf		 out = BYTEBUF_INIT;
	struct blocks_enc	 e;

	ck_assert_uint_eq(blocks_encoded_len(0, 512), 0);
	ck_assert_uint_eq(blocks_encoded_len(1, 500), 0);
	ck_assert_uint_eq(blocks_encoded_len((uint64_t)BLOCKS_MAX_BLOCKS * 512
	    + 1, 512), 0);
	ck_assert_int_eq(blocks_encode("x", 1, 500, &out), -BLOCKS_ESIZE);
	ck_assert_int_eq(blocks_encode("x", 1, 32, &out), -BLOCKS_ESIZE);
	ck_assert_int_eq(blocks_enc_init(&e, 512), 0);
	ck_assert_int_eq(blocks_enc_finish(&e, &out), -BLOCKS_ELENGTH);
	blocks_enc_free(&e);
	ck_assert_uint_eq(out.len, 0);
	bytebuf_free(&out);
}
END_TEST

/* A hand-made list: keys in order, each field as given. */
static void
make(struct bytebuf *o, int64_t version, int64_t block, int64_t length,
    size_t nweak, size_t nstrong)
{
	uint8_t	*z = calloc(1, nweak + nstrong + 1);

	bytebuf_reset(o);
	benc_put_dict(o);
	if (block >= 0)
		benc_put_kv_int(o, "block", block);
	if (length >= 0)
		benc_put_kv_int(o, "length", length);
	benc_put_kv_bytes(o, "strong", z, nstrong);
	if (version >= 0)
		benc_put_kv_int(o, "version", version);
	benc_put_kv_bytes(o, "weak", z, nweak);
	benc_put_end(o);
	free(z);
}

START_TEST(test_parse_refuses)
{
	struct bytebuf	 o = BYTEBUF_INIT;
	struct blocks	 b;

	make(&o, 1, 512, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), 0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_eq(blocks_len(&b, 1), 1000 - 512);
	blocks_free(&b);
	make(&o, 3, 512, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_EVERSION);
	/* Version 2 without its widths. */
	make(&o, 2, 512, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ESUMS);
	make(&o, -1, 512, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_EVERSION);
	make(&o, 1, 513, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ESIZE);
	make(&o, 1, 32, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ESIZE);
	make(&o, 1, -1, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ESIZE);
	make(&o, 1, 512, 0, 0, 0);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ELENGTH);
	/* More blocks than the bound, whatever the sums say. */
	make(&o, 1, 64, (int64_t)BLOCKS_MAX_BLOCKS * 64 + 1, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ELENGTH);
	make(&o, 1, 512, 1000, 4, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ESUMS);
	make(&o, 1, 512, 1000, 8, 17);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_ESUMS);
	ck_assert_int_eq(blocks_parse(&b, "le", 2), -BLOCKS_EBENCODE);
	ck_assert_int_eq(blocks_parse(&b, "d5:blocki512e", 13),
	    -BLOCKS_EBENCODE);
	/* Unsorted keys are not canonical. */
	ck_assert_int_eq(blocks_parse(&b, "d7:versioni1e5:blocki512ee", 26),
	    -BLOCKS_EBENCODE);
	ck_assert_str_ne(blocks_strerror(-BLOCKS_ESUMS), "unknown error");
	ck_assert_str_eq(blocks_strerror(-BLOCKS_NERRORS), "unknown error");
	bytebuf_free(&o);
}
END_TEST

START_TEST(test_name)
{
	uint8_t	sha[SHA256_LEN];
	char	name[BLOCKS_NAME_LEN + 1];

	memset(sha, 0xab, sizeof(sha));
	blocks_name(sha, name);
	ck_assert_uint_eq(strlen(name), BLOCKS_NAME_LEN);
	ck_assert_int_eq(strncmp(name, "ab/abab", 7), 0);
	ck_assert_str_eq(name + BLOCKS_NAME_LEN - 7, ".blocks");
}
END_TEST

static Suite *
blocks_suite(void)
{
	Suite	*s = suite_create("blocks");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_streaming);
	tcase_add_test(tc, test_shaped);
	tcase_add_test(tc, test_shaped_refused);
	tcase_add_test(tc, test_weak_sum);
	tcase_add_test(tc, test_encoder_refuses);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(blocks_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
