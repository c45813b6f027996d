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
	make(&o, 2, 512, 1000, 8, 16);
	ck_assert_int_eq(blocks_parse(&b, o.data, o.len), -BLOCKS_EVERSION);
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
