/* SPDX-License-Identifier: ISC */
/*
 * fuzz_blocks.c - fuzz target for the ".blocks" parser and the matcher.
 *
 * Beyond "does not crash": an accepted list is the canonical encoding of
 * what was parsed (written again, it is the same bytes), and the matcher
 * run with it over the input itself finds only offsets inside it.  Every
 * input is also taken as a file: its own list (64-byte blocks) matched
 * over the input shifted by one byte must copy out the file's own bytes
 * for every block found, and the plan of what to fetch must keep its
 * ranges inside the pieces found in part; so must its compact list
 * (version 2: 2-byte weak sums).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/blockmatch.h"
#include "common/blocks.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_canonical(const struct blocks *b, const uint8_t *data, size_t size)
{
	struct bytebuf	out = BYTEBUF_INIT;

	bool		shaped = b->wlen != BLOCKS_WEAK_LEN ||
			    b->slen != BLOCKS_STRONG_LEN;

	benc_put_dict(&out);
	benc_put_kv_int(&out, "block", b->block);
	benc_put_kv_int(&out, "length", (int64_t)b->length);
	if (shaped)
		benc_put_kv_int(&out, "slen", b->slen);
	benc_put_kv_bytes(&out, "strong", b->strong, b->n * b->slen);
	benc_put_kv_int(&out, "version", shaped ? BLOCKS_VERSION_SHAPED :
	    BLOCKS_VERSION);
	benc_put_kv_bytes(&out, "weak", b->weak, b->n * b->wlen);
	if (shaped)
		benc_put_kv_int(&out, "wlen", b->wlen);
	benc_put_end(&out);
	CHECK(!bytebuf_failed(&out));
	CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	bytebuf_free(&out);
}

/* The plan's ranges lie in PART pieces, inside the file, sum up right. */
static void
check_plan(const struct blocks *b, const uint64_t *off)
{
	struct blockmatch_plan	 pl;
	uint64_t		 sum = 0, piece = (uint64_t)b->block * 4;
	bool			*have;
	size_t			 i;

	CHECK((have = calloc(b->n, sizeof(*have))) != NULL);
	for (i = 0; i < b->n; i++)
		have[i] = off[i] != BLOCKMATCH_NONE;
	CHECK(blockmatch_plan(b, have, (uint32_t)piece, 1024, &pl) == 0);
	CHECK(pl.npieces == (b->length + piece - 1) / piece);
	for (i = 0; i < pl.nranges; i++) {
		const struct blockmatch_range	*r = &pl.ranges[i];

		CHECK(r->len > 0 && r->off + r->len <= b->length);
		CHECK(r->off / piece == r->piece &&
		    (r->off + r->len - 1) / piece == r->piece);
		CHECK(pl.piece[r->piece] == BLOCKMATCH_P_PART);
		CHECK(i == 0 || r->off >= pl.ranges[i - 1].off +
		    pl.ranges[i - 1].len);
		sum += r->len;
	}
	CHECK(sum == pl.range_bytes);
	blockmatch_plan_free(&pl);
	free(have);
}

static void
match(const struct blocks *b, const uint8_t *cand, size_t clen,
    const uint8_t *target)
{
	struct blockmatch	*m;
	uint64_t		*off;
	uint8_t			*buf;
	size_t			 i, n = 0, found;

	CHECK((m = blockmatch_new(b)) != NULL);
	CHECK((off = malloc(b->n * sizeof(*off))) != NULL);
	CHECK((buf = malloc(b->block)) != NULL);
	for (i = 0; i < b->n; i++)
		off[i] = BLOCKMATCH_NONE;
	found = blockmatch_run(m, cand, clen, off, NULL);
	for (i = 0; i < b->n; i++) {
		if (off[i] == BLOCKMATCH_NONE)
			continue;
		n++;
		CHECK(off[i] < clen);
		blockmatch_copy(b, i, cand, clen, off[i], buf);
		if (target != NULL)
			CHECK(memcmp(buf, target + i * b->block,
			    blocks_len(b, i)) == 0);
	}
	CHECK(n == found);
	check_plan(b, off);
	free(buf);
	free(off);
	blockmatch_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct blocks_shape shape = { 64, 2, BLOCKS_STRONG_LEN };
	struct bytebuf	 out = BYTEBUF_INIT;
	struct blocks	 b;
	int		 rv;

	rv = blocks_parse(&b, data, size);
	CHECK(rv <= 0 && rv > -BLOCKS_NERRORS);
	CHECK(blocks_strerror(rv) != NULL);
	if (rv == 0) {
		CHECK(b.n > 0 && b.n <= BLOCKS_MAX_BLOCKS);
		CHECK((b.n - 1) * (uint64_t)b.block < b.length &&
		    b.length <= b.n * (uint64_t)b.block);
		check_canonical(&b, data, size);
		if (b.n <= 65536)
			match(&b, data, size, NULL);
		blocks_free(&b);
		return 0;
	}
	CHECK(b.weak == NULL && b.strong == NULL);
	if (size == 0 || size > 1 << 16)
		return 0;
	CHECK(blocks_encode(data, size, 64, &out) == 0);
	CHECK(blocks_parse(&b, out.data, out.len) == 0);
	CHECK(b.length == size);
	match(&b, data + 1, size - 1, data);
	match(&b, data, size, data);
	blocks_free(&b);
	bytebuf_free(&out);
	/* A compact list: narrow weak sums, the strong ones in full. */
	CHECK(blocks_encode_shape(data, size, &shape, &out) == 0);
	CHECK(out.len == blocks_encoded_len_shape(size, &shape));
	CHECK(blocks_parse(&b, out.data, out.len) == 0);
	CHECK(b.wlen == 2 && b.slen == BLOCKS_STRONG_LEN);
	match(&b, data + 1, size - 1, data);
	blocks_free(&b);
	bytebuf_free(&out);
	return 0;
}
