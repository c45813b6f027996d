/* SPDX-License-Identifier: ISC */
/*
 * fuzz_metainfo.c - fuzz target for the torrent parser.
 *
 * Beyond "does not crash", an accepted torrent must satisfy what the
 * transfer engine takes for granted: sizes that agree with each other,
 * hash arrays inside the parsed copy, a piece layer that really hashes up
 * to the pieces root, info-hashes of the raw info bytes, and tracker and
 * webseed URLs fit to use.  Parsing is also a pure function of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/hash.h"
#include "common/layout.h"
#include "common/merkle.h"
#include "common/metainfo.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_inside(const struct metainfo *mi, const uint8_t *p, uint64_t len)
{
	CHECK(p >= mi->raw && (uint64_t)(p - mi->raw) + len <= mi->rawlen);
}

static void
check_url(const char *url)
{
	CHECK(url != NULL && metainfo_url_ok(url, strlen(url)));
}

/* The info-hashes are those of the raw info value. */
static void
check_info_hashes(const struct metainfo *mi)
{
	static const struct benc_limits lim = { MI_MAX_INPUT, 65536, 32 };
	struct benc_doc		 d;
	const struct benc_tok	*t;
	uint8_t			 h1[SHA1_LEN], h2[SHA256_LEN];
	int			 info;

	CHECK(benc_parse(&d, mi->raw, mi->rawlen, &lim, 0) == 0);
	info = benc_dict_get_type(&d, 0, "info", BENC_DICT);
	CHECK(info > 0);
	t = &d.toks[info];
	sha1(mi->raw + t->start, t->end - t->start, h1);
	sha256(mi->raw + t->start, t->end - t->start, h2);
	CHECK(memcmp(h1, mi->info_hash_v1, SHA1_LEN) == 0);
	CHECK(memcmp(h2, mi->info_hash_v2, SHA256_LEN) == 0);
	benc_free(&d);
}

static void
check_layer(const struct metainfo *mi)
{
	uint8_t	*tmp, pad[SHA256_LEN], root[SHA256_LEN];
	size_t	 len = (size_t)mi->npieces * SHA256_LEN;

	if (mi->npieces == 1) {
		CHECK(mi->layer == NULL);
		return;
	}
	CHECK(mi->layer != NULL);
	check_inside(mi, mi->layer, len);
	tmp = malloc(len);
	CHECK(tmp != NULL);
	memcpy(tmp, mi->layer, len);
	merkle_pad(mi->piece_length / LAYOUT_BLOCK, pad);
	merkle_root(tmp, mi->npieces, merkle_pow2(mi->npieces), pad, root);
	CHECK(memcmp(root, mi->pieces_root, SHA256_LEN) == 0);
	free(tmp);
}

static void
check(const struct metainfo *mi, const uint8_t *data, size_t size)
{
	size_t	i, j, total = 0;
	char	*url;
	const char *c;

	CHECK(mi->rawlen == size && memcmp(mi->raw, data, size) == 0);
	CHECK(mi->has_v1 || mi->has_v2);
	CHECK(mi->piece_length >= MI_MIN_PIECE &&
	    mi->piece_length <= MI_MAX_PIECE &&
	    (mi->piece_length & (mi->piece_length - 1)) == 0);
	CHECK(mi->length > 0 && mi->npieces > 0);
	CHECK((mi->length + mi->piece_length - 1) / mi->piece_length ==
	    mi->npieces);
	CHECK(metainfo_piece_size(mi, mi->npieces - 1) > 0);
	CHECK(metainfo_piece_size(mi, mi->npieces) == 0);
	CHECK(mi->npieces == 1 ||
	    metainfo_piece_size(mi, 0) == mi->piece_length);
	CHECK(mi->name != NULL && mi->name[0] != '\0');
	for (c = mi->name; *c != '\0'; c++)
		CHECK((uint8_t)*c >= ' ' && *c != 0x7f);
	if (mi->has_v1) {
		CHECK(mi->pieces != NULL);
		check_inside(mi, mi->pieces, (uint64_t)mi->npieces * SHA1_LEN);
	} else
		CHECK(mi->pieces == NULL);
	if (mi->has_v2)
		check_layer(mi);
	else
		CHECK(mi->layer == NULL);
	check_info_hashes(mi);
	for (i = 0; i < mi->ntiers; i++) {
		CHECK(mi->tiers[i].nurls > 0);
		for (j = 0; j < mi->tiers[i].nurls; j++, total++)
			check_url(mi->tiers[i].urls[j]);
	}
	CHECK(total <= MI_MAX_TRACKERS);
	CHECK(mi->nwebseeds <= MI_MAX_WEBSEEDS);
	for (i = 0; i < mi->nwebseeds; i++) {
		check_url(mi->webseeds[i]);
		url = metainfo_webseed_url(mi, i);
		CHECK(url != NULL && strncmp(url, mi->webseeds[i],
		    strlen(mi->webseeds[i])) == 0);
		free(url);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metainfo	mi, again;
	int		rv, rv2;

	rv = metainfo_parse(&mi, data, size);
	CHECK(rv <= 0 && rv > -MI_NERRORS);
	CHECK(metainfo_strerror(rv) != NULL);
	rv2 = metainfo_parse(&again, data, size);
	CHECK(rv2 == rv);
	if (rv != 0) {
		CHECK(mi.raw == NULL && mi.name == NULL && mi.tiers == NULL);
		return 0;
	}
	check(&mi, data, size);
	CHECK(memcmp(mi.info_hash_v1, again.info_hash_v1, SHA1_LEN) == 0);
	CHECK(mi.ntiers == again.ntiers && mi.nwebseeds == again.nwebseeds);
	metainfo_free(&again);
	metainfo_free(&mi);
	return 0;
}
