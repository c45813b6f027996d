/* SPDX-License-Identifier: ISC */
/*
 * blocks.c - the ".blocks" file: encoder, parser and the two sums.
 *
 * The format is canonical bencode, like the manifest, so the one strict
 * parser with tight limits reads it: a dictionary of five keys (seven
 * in version 2), two of them long strings of fixed-width records.  Parsing costs a handful of
 * tokens and two copies, whatever the file's size.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bigend.h"
#include "common/blocks.h"

static const struct benc_limits blocks_limits = {
	.max_input = BLOCKS_MAX_INPUT,
	.max_tokens = 64,
	.max_depth = 2,
};

static const char *const errstr[BLOCKS_NERRORS] = {
	[BLOCKS_OK] = "no error",
	[BLOCKS_EBENCODE] = "not canonical bencode, or too big",
	[BLOCKS_EVERSION] = "version missing or unknown",
	[BLOCKS_ESIZE] = "block size missing or out of bounds",
	[BLOCKS_ELENGTH] = "length missing, zero, or too many blocks",
	[BLOCKS_ESUMS] = "checksums missing or of the wrong size",
	[BLOCKS_ENOMEM] = "out of memory",
};

const char *
blocks_strerror(int err)
{
	if (err > 0 || err <= -BLOCKS_NERRORS)
		return "unknown error";
	return errstr[-err];
}

/* Names of compressed data; packages first (compact lists). */
#define NPACKAGES	3
static const char *const compressed[] = {
	".deb", ".udeb", ".ddeb", ".gz", ".xz", ".bz2", ".zst", ".lz",
	".lzma", ".lz4", ".tgz", ".tbz", ".txz", ".zip", ".jar", ".7z",
	".png", ".jpg", ".gpg", ".sig", ".asc",
};

static bool
size_ok(int64_t b)
{
	return b >= BLOCKS_MIN_SIZE && b <= BLOCKS_MAX_SIZE &&
	    (b & (b - 1)) == 0;
}

static bool
shape_ok(const struct blocks_shape *sh)
{
	return size_ok(sh->block) && sh->wlen >= BLOCKS_MIN_WEAK_LEN &&
	    sh->wlen <= BLOCKS_WEAK_LEN && sh->slen >= BLOCKS_MIN_STRONG_LEN &&
	    sh->slen <= BLOCKS_STRONG_LEN;
}

struct blocks_shape
blocks_shape_v1(uint32_t block)
{
	struct blocks_shape	sh = { block, BLOCKS_WEAK_LEN,
				    BLOCKS_STRONG_LEN };

	return sh;
}

/*
 * A compact list: weak sums only as wide as a window's chance of
 * hitting one by luck allows (at most a 3% chance per position with
 * 2 bytes, n / 2^16, at most 2048 blocks), and strong sums that then
 * leave about one false match in 30 candidates of the file's size (a
 * false match costs a piece fetched again, never a wrong file).
 */
static struct blocks_shape
shape_compact(uint64_t size)
{
	struct blocks_shape	sh = { BLOCKS_DEB_SIZE, 4, 4 };
	uint64_t		n = size / BLOCKS_DEB_SIZE + 1;

	if (n <= 2048)
		sh.wlen = 2, sh.slen = 3;
	else if (n <= 65536)
		sh.wlen = 3, sh.slen = 3;
	else if (n <= (1u << 20))
		sh.wlen = 3;
	return sh;
}

bool
blocks_shape_for(const char *filename, uint64_t size,
    struct blocks_shape *out)
{
	size_t	i, ls = strlen(filename), lx;

	if (size < BLOCKS_MIN_FILE)
		return false;
	*out = blocks_shape_v1(BLOCKS_SIZE);
	for (i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++) {
		lx = strlen(compressed[i]);
		if (ls < lx || strcmp(filename + ls - lx, compressed[i]) != 0)
			continue;
		if (i >= NPACKAGES)
			return false;
		*out = shape_compact(size);
		break;
	}
	return blocks_encoded_len_shape(size, out) != 0;
}

bool
blocks_wanted(const char *filename, uint64_t size)
{
	struct blocks_shape	sh;

	return blocks_shape_for(filename, size, &sh);
}

void
blocks_name(const uint8_t sha[SHA256_LEN], char *out)
{
	hex_fanout_name(sha, ".blocks", out);
}

static uint64_t
nblocks(uint64_t length, uint32_t block)
{
	return length / block + (length % block != 0);
}

uint32_t
blocks_weak_sum(const uint8_t *p, size_t len)
{
	uint32_t	a = 0, b = 0;
	size_t		i;

	for (i = 0; i < len; i++) {
		a += p[i];
		b += (uint32_t)(len - i) * p[i];
	}
	return (b & 0xffff) << 16 | (a & 0xffff);
}

void
blocks_strong_sum(const uint8_t *p, size_t len, uint32_t block,
    uint8_t out[BLOCKS_STRONG_LEN])
{
	uint8_t		 full[SHA256_LEN];
	uint8_t		*pad;

	if (len < block && (pad = calloc(1, block)) != NULL) {
		memcpy(pad, p, len);
		sha256(pad, block, full);
		free(pad);
	} else
		sha256(p, len, full);
	memcpy(out, full, BLOCKS_STRONG_LEN);
}

uint32_t
blocks_weak(const struct blocks *b, size_t i)
{
	const uint8_t	*w = b->weak + i * b->wlen;
	uint32_t	 v = 0;
	unsigned	 k;

	for (k = 0; k < b->wlen; k++)
		v = v << 8 | w[k];
	return v;
}

uint32_t
blocks_weak_cut(const struct blocks *b, uint32_t weak)
{
	return b->wlen >= 4 ? weak : weak >> (8 * (4 - b->wlen));
}

uint32_t
blocks_len(const struct blocks *b, size_t i)
{
	if (i + 1 < b->n || b->length % b->block == 0)
		return b->block;
	return (uint32_t)(b->length % b->block);
}

int
blocks_parse(struct blocks *b, const void *buf, size_t len)
{
	struct benc_doc	 d;
	const uint8_t	*weak, *strong;
	size_t		 wlen, slen;
	int64_t		 v, block, length, ww, sw;
	uint64_t	 n;
	int		 rv;

	memset(b, 0, sizeof(*b));
	if (benc_parse(&d, buf, len, &blocks_limits, BENC_STRICT) != 0)
		return -BLOCKS_EBENCODE;
	if (d.toks[0].type != BENC_DICT) {
		rv = -BLOCKS_EBENCODE;
		goto out;
	}
	if (!benc_dict_int(&d, 0, "version", &v) || (v != BLOCKS_VERSION &&
	    v != BLOCKS_VERSION_SHAPED)) {
		rv = -BLOCKS_EVERSION;
		goto out;
	}
	ww = BLOCKS_WEAK_LEN;
	sw = BLOCKS_STRONG_LEN;
	/*
	 * Version 2 says its widths, which must not be version 1's: one
	 * encoding per list, and no key beyond the version's.
	 */
	if (v == BLOCKS_VERSION_SHAPED &&
	    (!benc_dict_int(&d, 0, "wlen", &ww) ||
	    !benc_dict_int(&d, 0, "slen", &sw) ||
	    ww < BLOCKS_MIN_WEAK_LEN || ww > BLOCKS_WEAK_LEN ||
	    sw < BLOCKS_MIN_STRONG_LEN || sw > BLOCKS_STRONG_LEN ||
	    (ww == BLOCKS_WEAK_LEN && sw == BLOCKS_STRONG_LEN))) {
		rv = -BLOCKS_ESUMS;
		goto out;
	}
	if (!benc_dict_int(&d, 0, "block", &block) || !size_ok(block)) {
		rv = -BLOCKS_ESIZE;
		goto out;
	}
	if (!benc_dict_int(&d, 0, "length", &length) || length <= 0 ||
	    (n = nblocks((uint64_t)length, (uint32_t)block)) >
	    BLOCKS_MAX_BLOCKS) {
		rv = -BLOCKS_ELENGTH;
		goto out;
	}
	if (!benc_dict_str(&d, 0, "weak", &weak, &wlen) ||
	    !benc_dict_str(&d, 0, "strong", &strong, &slen) ||
	    wlen != n * (uint64_t)ww || slen != n * (uint64_t)sw) {
		rv = -BLOCKS_ESUMS;
		goto out;
	}
	if (d.toks[0].count != (v == BLOCKS_VERSION ? 5u : 7u)) {
		rv = -BLOCKS_EBENCODE;
		goto out;
	}
	b->wlen = (uint8_t)ww;
	b->slen = (uint8_t)sw;
	b->block = (uint32_t)block;
	b->length = (uint64_t)length;
	b->n = (size_t)n;
	if ((b->weak = malloc(wlen)) == NULL ||
	    (b->strong = malloc(slen)) == NULL) {
		blocks_free(b);
		rv = -BLOCKS_ENOMEM;
		goto out;
	}
	memcpy(b->weak, weak, wlen);
	memcpy(b->strong, strong, slen);
	rv = 0;
out:
	benc_free(&d);
	return rv;
}

void
blocks_free(struct blocks *b)
{
	free(b->weak);
	free(b->strong);
	memset(b, 0, sizeof(*b));
}

int
blocks_enc_init(struct blocks_enc *e, uint32_t block)
{
	struct blocks_shape	sh = blocks_shape_v1(block);

	return blocks_enc_init_shape(e, &sh);
}

int
blocks_enc_init_shape(struct blocks_enc *e, const struct blocks_shape *sh)
{
	memset(e, 0, sizeof(*e));
	if (!size_ok(sh->block))
		return -BLOCKS_ESIZE;
	if (!shape_ok(sh))
		return -BLOCKS_ESUMS;
	e->block = sh->block;
	e->wlen = sh->wlen;
	e->slen = sh->slen;
	bytebuf_init(&e->weak);
	bytebuf_init(&e->strong);
	if ((e->pend = malloc(sh->block)) == NULL)
		return -BLOCKS_ENOMEM;
	return 0;
}

static void
sum_block(struct blocks_enc *e, const uint8_t *p, size_t len)
{
	uint8_t		w[BLOCKS_WEAK_LEN], s[BLOCKS_STRONG_LEN];
	uint32_t	ws;

	if (e->weak.len / e->wlen >= BLOCKS_MAX_BLOCKS) {
		e->err = -BLOCKS_ELENGTH;
		return;
	}
	if (len < e->block) {
		memset(e->pend + len, 0, e->block - len);
		if (p != e->pend)
			memcpy(e->pend, p, len);
		p = e->pend;
	}
	ws = blocks_weak_sum(p, e->block);
	be_put32(w, ws);
	blocks_strong_sum(p, e->block, e->block, s);
	bytebuf_append(&e->weak, w, e->wlen);
	bytebuf_append(&e->strong, s, e->slen);
}

void
blocks_enc_feed(struct blocks_enc *e, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	size_t		 take;

	if (e->pend == NULL || e->err != 0)
		return;
	e->length += len;
	if (e->npend > 0) {
		take = e->block - e->npend < len ? e->block - e->npend : len;
		memcpy(e->pend + e->npend, p, take);
		e->npend += take;
		p += take;
		len -= take;
		if (e->npend < e->block)
			return;
		sum_block(e, e->pend, e->block);
		e->npend = 0;
	}
	for (; len >= e->block && e->err == 0; p += e->block, len -= e->block)
		sum_block(e, p, e->block);
	memcpy(e->pend, p, len);
	e->npend = len;
}

int
blocks_enc_finish(struct blocks_enc *e, struct bytebuf *out)
{
	int	rv = e->err;
	bool	shaped;

	if (rv == 0 && e->pend == NULL)
		rv = -BLOCKS_ENOMEM;
	if (rv == 0 && e->npend > 0)
		sum_block(e, e->pend, e->npend);
	if (rv == 0 && (rv = e->err) == 0 && e->length == 0)
		rv = -BLOCKS_ELENGTH;
	if (rv == 0 && (bytebuf_failed(&e->weak) ||
	    bytebuf_failed(&e->strong)))
		rv = -BLOCKS_ENOMEM;
	if (rv == 0) {
		/* Keys in byte order: canonical bencode. */
		shaped = e->wlen != BLOCKS_WEAK_LEN ||
		    e->slen != BLOCKS_STRONG_LEN;
		benc_put_dict(out);
		benc_put_kv_int(out, "block", e->block);
		benc_put_kv_int(out, "length", (int64_t)e->length);
		if (shaped)
			benc_put_kv_int(out, "slen", e->slen);
		benc_put_kv_bytes(out, "strong", e->strong.data,
		    e->strong.len);
		benc_put_kv_int(out, "version", shaped ?
		    BLOCKS_VERSION_SHAPED : BLOCKS_VERSION);
		benc_put_kv_bytes(out, "weak", e->weak.data, e->weak.len);
		if (shaped)
			benc_put_kv_int(out, "wlen", e->wlen);
		benc_put_end(out);
		if (bytebuf_failed(out))
			rv = -BLOCKS_ENOMEM;
	}
	blocks_enc_free(e);
	return rv;
}

void
blocks_enc_free(struct blocks_enc *e)
{
	bytebuf_free(&e->weak);
	bytebuf_free(&e->strong);
	free(e->pend);
	e->pend = NULL;
	e->npend = 0;
}

static size_t
digits(uint64_t v)
{
	size_t	n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

size_t
blocks_encoded_len(uint64_t length, uint32_t block)
{
	struct blocks_shape	sh = blocks_shape_v1(block);

	return blocks_encoded_len_shape(length, &sh);
}

size_t
blocks_encoded_len_shape(uint64_t length, const struct blocks_shape *sh)
{
	uint64_t	n;
	size_t		extra = 0;

	if (!shape_ok(sh) || length == 0 || length > INT64_MAX ||
	    (n = nblocks(length, sh->block)) > BLOCKS_MAX_BLOCKS)
		return 0;
	/* 4:slenie 4:wlenie (one digit each), in version 2 only */
	if (sh->wlen != BLOCKS_WEAK_LEN || sh->slen != BLOCKS_STRONG_LEN)
		extra = 2 * (6 + 3);
	/* d 5:block iBe 6:length iLe 6:strong S 7:version iVe 4:weak W e */
	return 2 + 7 + 2 + digits(sh->block) + 8 + 2 + digits(length) +
	    8 + digits(n * sh->slen) + 1 + n * sh->slen +
	    9 + 3 + 6 + digits(n * sh->wlen) + 1 + n * sh->wlen + extra;
}

int
blocks_encode(const void *buf, size_t len, uint32_t block,
    struct bytebuf *out)
{
	struct blocks_shape	sh = blocks_shape_v1(block);

	return blocks_encode_shape(buf, len, &sh, out);
}

int
blocks_encode_shape(const void *buf, size_t len,
    const struct blocks_shape *sh, struct bytebuf *out)
{
	struct blocks_enc	e;
	int			r;

	if ((r = blocks_enc_init_shape(&e, sh)) != 0) {
		blocks_enc_free(&e);
		return r;
	}
	blocks_enc_feed(&e, buf, len);
	return blocks_enc_finish(&e, out);
}
