/* SPDX-License-Identifier: ISC */
/*
 * check_metainfo.c - unit tests for common/metainfo.c, metainfo-build.c
 * and merkle.c: known info-hashes, build/parse round trips, tolerance of
 * other clients' torrents, and rejection of malformed ones.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/layout.h"
#include "common/merkle.h"
#include "common/metainfo.h"

/*
 * The fixed files: byte i is (i * 7 + i / 251) mod 256.  The expected
 * values were obtained once with python3-libtorrent 2.0.8 (/usr/bin/python3):
 * lt.torrent_info(path).info_hashes() and .files().root(0) on the
 * torrents aptbt-mkmeta built for these files, and independently
 * lt.create_torrent(fs, 262144) (flags=v1_only for v1) plus
 * lt.set_piece_hashes over the same files, which gave the same hashes.
 */
static const struct {
	const char	*name;
	size_t		 size;
	enum mi_form	 form;
	const char	*v1;
	const char	*v2;
	const char	*root;
} kat[] = {
	{ "kat-small", 20000, MI_FORM_V1,
	    "496270c2859bd4318116be0a3b5013eb94c2af3f", NULL, NULL },
	{ "kat-small", 20000, MI_FORM_HYBRID,
	    "df793ec4b73915b8b82b8af8a45481a793fda5fa",
	    "c7d9c6330b255d0ecc31328bb1e308259c7b90a59ef7d363bb9abbc7b3132aa8",
	    "4d71c9cf7ccf52b132e76c1e461f47374570840da6d840c7d8388f977237ee90" },
	{ "kat-multi", 1000000, MI_FORM_V1,
	    "39d631e0143e1656b11496f4c27042f6ace2d28b", NULL, NULL },
	{ "kat-multi", 1000000, MI_FORM_HYBRID,
	    "c6f80754232fa05372795e917fa82a9a4a447dc2",
	    "9e923c509020fe492d2116f5ec0a25554c03c1a10c95619ae9b0b52ea86db9a6",
	    "477cecee3649032a5441a1ae3dce00d47445a1b73d841bec0ea15fa5bef26d36" },
};

static uint8_t *
fixed_content(size_t size)
{
	uint8_t	*p = malloc(size ? size : 1);
	size_t	 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
	return p;
}

/* An unlinked temporary file holding data; returns its descriptor. */
static int
temp_file(const uint8_t *data, size_t size)
{
	char	path[] = "/tmp/check_metainfo.XXXXXX";
	int	fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	unlink(path);
	ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
	return fd;
}

static void
build(const uint8_t *data, size_t size, const struct mi_build *b,
    struct bytebuf *out)
{
	int	fd = temp_file(data, size);

	ck_assert_int_eq(metainfo_build(fd, b, out), 0);
	close(fd);
}

static void
assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char	hex[2 * HASH_MAX_LEN + 1];

	hex_encode(p, n, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_known_answers)
{
	struct mi_build	 b;
	struct metainfo	 mi;
	struct bytebuf	 out = BYTEBUF_INIT;
	uint8_t		*data;

	memset(&b, 0, sizeof(b));
	b.name = kat[_i].name;
	b.form = kat[_i].form;
	data = fixed_content(kat[_i].size);
	build(data, kat[_i].size, &b, &out);
	ck_assert_int_eq(metainfo_parse(&mi, out.data, out.len), 0);
	ck_assert(mi.has_v1);
	assert_hex(mi.info_hash_v1, SHA1_LEN, kat[_i].v1);
	/* The info dictionary's span, as BEP 9 serves it, hashes to it. */
	{
		uint8_t	h[SHA1_LEN];

		ck_assert_uint_le(mi.info_off + mi.info_len, out.len);
		ck_assert_int_eq(out.data[mi.info_off], 'd');
		sha1(out.data + mi.info_off, mi.info_len, h);
		ck_assert(memcmp(h, mi.info_hash_v1, SHA1_LEN) == 0);
	}
	ck_assert(mi.has_v2 == (kat[_i].v2 != NULL));
	if (kat[_i].v2 != NULL) {
		assert_hex(mi.info_hash_v2, SHA256_LEN, kat[_i].v2);
		assert_hex(mi.pieces_root, SHA256_LEN, kat[_i].root);
	}
	metainfo_free(&mi);
	bytebuf_free(&out);
	free(data);
}
END_TEST

/* The hash of piece i as BEP 52 defines it, straight from the data. */
static void
v2_piece_hash(const uint8_t *data, size_t size, uint32_t pl, uint32_t i,
    uint8_t out[SHA256_LEN])
{
	static const uint8_t	zero[SHA256_LEN];
	uint8_t			leaves[1024 * SHA256_LEN];
	size_t			off = (size_t)i * pl, n = 0, len;

	for (; off < size && off < (size_t)(i + 1) * pl; off += LAYOUT_BLOCK) {
		len = size - off < LAYOUT_BLOCK ? size - off : LAYOUT_BLOCK;
		sha256(data + off, len, leaves + n++ * SHA256_LEN);
	}
	merkle_root(leaves, n, pl / LAYOUT_BLOCK, zero, out);
}

START_TEST(test_round_trip)
{
	static char	*t1[] = { "udp://tracker.example:6969/announce",
			    "http://tracker2.example/announce" };
	static char	*t2[] = { "http://backup.example/announce" };
	static char	*ws[] = { "http://deb.example/debian/pool/f.deb",
			    "ftp://ftp.example/pool/" };
	static const size_t sizes[] = { 1, 16383, 16384, 16385, 262144,
			    262145, 1000000, 3 * 262144 + 5 };
	struct mi_tier	 tiers[] = { { t1, 2 }, { NULL, 0 }, { t2, 1 } };
	struct mi_build	 b;
	struct metainfo	 mi;
	struct bytebuf	 out = BYTEBUF_INIT, again = BYTEBUF_INIT;
	uint8_t		*data, h[SHA256_LEN];
	size_t		 size = sizes[_i / 2];
	uint32_t	 i;
	char		*url;

	memset(&b, 0, sizeof(b));
	b.name = "f.deb";
	b.form = _i % 2 ? MI_FORM_HYBRID : MI_FORM_V1;
	b.tiers = tiers;
	b.ntiers = 3;
	b.webseeds = ws;
	b.nwebseeds = 2;
	data = fixed_content(size);
	build(data, size, &b, &out);
	/* Deterministic: the same file and options give the same bytes. */
	build(data, size, &b, &again);
	ck_assert_uint_eq(out.len, again.len);
	ck_assert_mem_eq(out.data, again.data, out.len);
	/* Canonical: keys sorted at every level. */
	{
		struct benc_doc	d;

		ck_assert_int_eq(benc_parse(&d, out.data, out.len,
		    NULL, BENC_STRICT), 0);
		benc_free(&d);
	}

	ck_assert_int_eq(metainfo_parse(&mi, out.data, out.len), 0);
	ck_assert_str_eq(mi.name, "f.deb");
	ck_assert_uint_eq(mi.length, size);
	ck_assert_uint_eq(mi.piece_length, layout_piece_length(size));
	ck_assert_uint_eq(mi.npieces, layout_npieces(size));
	ck_assert(mi.has_v1);
	ck_assert(mi.has_v2 == (b.form == MI_FORM_HYBRID));
	for (i = 0; i < mi.npieces; i++) {
		ck_assert_uint_eq(metainfo_piece_size(&mi, i),
		    layout_piece_size(size, i));
		sha1(data + (size_t)i * mi.piece_length,
		    metainfo_piece_size(&mi, i), h);
		ck_assert_mem_eq(mi.pieces + i * SHA1_LEN, h, SHA1_LEN);
	}
	ck_assert_uint_eq(metainfo_piece_size(&mi, mi.npieces), 0);
	if (mi.has_v2 && mi.npieces > 1) {
		ck_assert_ptr_nonnull(mi.layer);
		for (i = 0; i < mi.npieces; i++) {
			v2_piece_hash(data, size, mi.piece_length, i, h);
			ck_assert_mem_eq(mi.layer + i * SHA256_LEN, h,
			    SHA256_LEN);
		}
	} else
		ck_assert_ptr_null(mi.layer);
	/* The empty tier is dropped; order is kept. */
	ck_assert_uint_eq(mi.ntiers, 2);
	ck_assert_uint_eq(mi.tiers[0].nurls, 2);
	ck_assert_str_eq(mi.tiers[0].urls[0], t1[0]);
	ck_assert_str_eq(mi.tiers[0].urls[1], t1[1]);
	ck_assert_uint_eq(mi.tiers[1].nurls, 1);
	ck_assert_str_eq(mi.tiers[1].urls[0], t2[0]);
	ck_assert_uint_eq(mi.nwebseeds, 2);
	ck_assert_str_eq(mi.webseeds[0], ws[0]);
	url = metainfo_webseed_url(&mi, 1);
	ck_assert_str_eq(url, "ftp://ftp.example/pool/f.deb");
	free(url);
	metainfo_free(&mi);
	bytebuf_free(&out);
	bytebuf_free(&again);
	free(data);
}
END_TEST

START_TEST(test_build_errors)
{
	static char	*bad[] = { "http://a b/" };
	struct mi_build	 b;
	struct bytebuf	 out = BYTEBUF_INIT;
	uint8_t		 one = 'x';
	int		 fd;

	memset(&b, 0, sizeof(b));
	b.name = "x";
	fd = temp_file(&one, 0);
	ck_assert_int_eq(metainfo_build(fd, &b, &out), -EINVAL);
	close(fd);
	fd = temp_file(&one, 1);
	b.name = "a/b";
	ck_assert_int_eq(metainfo_build(fd, &b, &out), -EINVAL);
	b.name = "..";
	ck_assert_int_eq(metainfo_build(fd, &b, &out), -EINVAL);
	b.name = "";
	ck_assert_int_eq(metainfo_build(fd, &b, &out), -EINVAL);
	b.name = "x";
	b.webseeds = bad;
	b.nwebseeds = 1;
	ck_assert_int_eq(metainfo_build(fd, &b, &out), -EINVAL);
	b.nwebseeds = 0;
	ck_assert_int_eq(metainfo_build(fd, &b, &out), 0);
	close(fd);
	ck_assert_int_eq(metainfo_build(fd, &b, &out), -EBADF);
	bytebuf_free(&out);
}
END_TEST

/*
 * Hand-made torrents.  V1(info) wraps an info dict; PIECES(n) is a v1
 * pieces string of n hashes.
 */
static int
parse_str(const char *s, size_t len)
{
	struct metainfo	mi;
	int		rv;

	rv = metainfo_parse(&mi, s, len);
	if (rv == 0)
		metainfo_free(&mi);
	return rv;
}
#define PARSE(lit)	parse_str(lit, sizeof(lit) - 1)
#define H20	"01234567890123456789"
#define H32	"0123456789abcdef0123456789abcdef"

START_TEST(test_malformed_v1)
{
	/* The baseline parses; each variant breaks one rule. */
	ck_assert_int_eq(PARSE("d4:infod6:lengthi16384e4:name1:x"
	    "12:piece lengthi16384e6:pieces20:" H20 "ee"), 0);
	/* Wrong pieces length: too few, too many, missing. */
	ck_assert_int_eq(PARSE("d4:infod6:lengthi16385e4:name1:x"
	    "12:piece lengthi16384e6:pieces20:" H20 "ee"), -MI_EPIECES);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi16384e4:name1:x"
	    "12:piece lengthi16384e6:pieces40:" H20 H20 "ee"), -MI_EPIECES);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi16384e4:name1:x"
	    "12:piece lengthi16384e6:pieces19:0123456789012345678ee"),
	    -MI_EPIECES);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi16384e4:name1:x"
	    "12:piece lengthi16384eee"), -MI_EPIECES);
	/* Multi-file. */
	ck_assert_int_eq(PARSE("d4:infod5:filesld6:lengthi1e4:pathl1:aeee"
	    "4:name1:x12:piece lengthi16384e6:pieces20:" H20 "ee"),
	    -MI_EMULTIFILE);
	/* Bad piece lengths: not a power of two, too small, absurd. */
	ck_assert_int_eq(PARSE("d4:infod6:lengthi16384e4:name1:x"
	    "12:piece lengthi16385e6:pieces20:" H20 "ee"), -MI_EPIECELEN);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi8192e4:name1:x"
	    "12:piece lengthi8192e6:pieces20:" H20 "ee"), -MI_EPIECELEN);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e4:name1:x"
	    "12:piece lengthi0e6:pieces20:" H20 "ee"), -MI_EPIECELEN);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e4:name1:x"
	    "12:piece lengthi-16384e6:pieces20:" H20 "ee"), -MI_EPIECELEN);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e4:name1:x"
	    "12:piece lengthi2147483648e6:pieces20:" H20 "ee"),
	    -MI_EPIECELEN);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e4:name1:x"
	    "12:piece length5:16384" "6:pieces20:" H20 "ee"), -MI_EPIECELEN);
	/* Length: zero, negative, missing, too many pieces. */
	ck_assert_int_eq(PARSE("d4:infod6:lengthi0e4:name1:x"
	    "12:piece lengthi16384e6:pieces0:ee"), -MI_ELENGTH);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi-1e4:name1:x"
	    "12:piece lengthi16384e6:pieces20:" H20 "ee"), -MI_ELENGTH);
	ck_assert_int_eq(PARSE("d4:infod4:name1:x"
	    "12:piece lengthi16384e6:pieces20:" H20 "ee"), -MI_ELENGTH);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi9223372036854775807e"
	    "4:name1:x12:piece lengthi16384e6:pieces20:" H20 "ee"),
	    -MI_ELENGTH);
	/* Name. */
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e4:name0:"
	    "12:piece lengthi16384e6:pieces20:" H20 "ee"), -MI_ENAME);
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e"
	    "12:piece lengthi16384e6:pieces20:" H20 "ee"), -MI_ENAME);
	/* No info, or not a dictionary at all. */
	ck_assert_int_eq(PARSE("d8:announce3:urle"), -MI_ENOINFO);
	ck_assert_int_eq(PARSE("d4:infoli1eee"), -MI_ENOINFO);
	ck_assert_int_eq(PARSE("li1ee"), -MI_ENOINFO);
	ck_assert_int_eq(PARSE("d4:infod"), -MI_EBENCODE);
	ck_assert_int_eq(parse_str("", 0), -MI_EBENCODE);
	/* Unknown meta version. */
	ck_assert_int_eq(PARSE("d4:infod6:lengthi1e12:meta versioni3e"
	    "4:name1:x12:piece lengthi16384e6:pieces20:" H20 "ee"),
	    -MI_EVERSION);
}
END_TEST

START_TEST(test_malformed_v2)
{
	/* A v2-only single-piece file parses (the root is not checkable). */
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi1e"
	    "11:pieces root32:" H32 "eee12:meta versioni2e4:name1:x"
	    "12:piece lengthi16384eee"), 0);
	/* Two files, or one in a directory. */
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi1e"
	    "11:pieces root32:" H32 "ee1:yd0:d6:lengthi1e"
	    "11:pieces root32:" H32 "eee12:meta versioni2e4:name1:x"
	    "12:piece lengthi16384eee"), -MI_EMULTIFILE);
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:dd1:xd0:d6:lengthi1e"
	    "11:pieces root32:" H32 "eeee12:meta versioni2e4:name1:x"
	    "12:piece lengthi16384eee"), -MI_EMULTIFILE);
	/* Malformed trees. */
	ck_assert_int_eq(PARSE("d4:infod9:file treede"
	    "12:meta versioni2e4:name1:x12:piece lengthi16384eee"),
	    -MI_EFILETREE);
	ck_assert_int_eq(PARSE("d4:infod"
	    "12:meta versioni2e4:name1:x12:piece lengthi16384eee"),
	    -MI_EFILETREE);
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xi1ee"
	    "12:meta versioni2e4:name1:x12:piece lengthi16384eee"),
	    -MI_EFILETREE);
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi1e"
	    "11:pieces root32:" H32 "e1:ydeee12:meta versioni2e4:name1:x"
	    "12:piece lengthi16384eee"), -MI_EFILETREE);
	/* Bad pieces root. */
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi1e"
	    "11:pieces root31:0123456789abcdef0123456789abcdeeee"
	    "12:meta versioni2e4:name1:x12:piece lengthi16384eee"),
	    -MI_EROOT);
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi1e"
	    "eee12:meta versioni2e4:name1:x12:piece lengthi16384eee"),
	    -MI_EROOT);
	/* Two pieces and no piece layer. */
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi16385e"
	    "11:pieces root32:" H32 "eee12:meta versioni2e4:name1:x"
	    "12:piece lengthi16384eee"), -MI_ELAYERS);
	/* Hybrid halves that disagree: name, then length. */
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:yd0:d6:lengthi1e"
	    "11:pieces root32:" H32 "eee6:lengthi1e12:meta versioni2e"
	    "4:name1:x12:piece lengthi16384e6:pieces20:" H20 "ee"),
	    -MI_EHYBRID);
	ck_assert_int_eq(PARSE("d4:infod9:file treed1:xd0:d6:lengthi2e"
	    "11:pieces root32:" H32 "eee6:lengthi1e12:meta versioni2e"
	    "4:name1:x12:piece lengthi16384e6:pieces20:" H20 "ee"),
	    -MI_EHYBRID);
}
END_TEST

/* Flip one byte of a built hybrid torrent's piece layer. */
START_TEST(test_bad_layer)
{
	struct mi_build	 b;
	struct metainfo	 mi;
	struct bytebuf	 out = BYTEBUF_INIT;
	uint8_t		*data, *copy;
	size_t		 off, size = 1000000;

	memset(&b, 0, sizeof(b));
	b.name = "x";
	b.form = MI_FORM_HYBRID;
	data = fixed_content(size);
	build(data, size, &b, &out);
	ck_assert_int_eq(metainfo_parse(&mi, out.data, out.len), 0);
	ck_assert_ptr_nonnull(mi.layer);
	off = (size_t)(mi.layer - mi.raw);
	metainfo_free(&mi);
	copy = malloc(out.len);
	ck_assert_ptr_nonnull(copy);

	memcpy(copy, out.data, out.len);
	copy[off + 3 * SHA256_LEN + 7] ^= 1;	/* the last piece */
	ck_assert_int_eq(metainfo_parse(&mi, copy, out.len), -MI_ELAYERS);
	memcpy(copy, out.data, out.len);
	copy[off] ^= 0x80;			/* the first */
	ck_assert_int_eq(metainfo_parse(&mi, copy, out.len), -MI_ELAYERS);
	/* A layer keyed by a different root is no layer. */
	memcpy(copy, out.data, out.len);
	copy[off - 5] ^= 1;
	ck_assert_int_eq(metainfo_parse(&mi, copy, out.len), -MI_ELAYERS);

	/* Every truncation fails, and never reads past the end. */
	for (size_t n = 0; n < out.len; n++) {
		memcpy(copy, out.data, n);
		ck_assert_int_lt(metainfo_parse(&mi, copy, n), 0);
	}
	free(copy);
	bytebuf_free(&out);
	free(data);
}
END_TEST

/*
 * Another client's torrent: unsorted keys, junk tracker entries.  The
 * info-hash is the hash of the info bytes as they are, unsorted or not.
 */
START_TEST(test_tolerant)
{
	static const char info[] = "d4:name3:a\x01z12:piece lengthi16384e"
	    "6:lengthi5e6:pieces20:" H20 "7:comment2:hie";
	static const char doc[] = "d4:info%s13:announce-listll3:"
	    "a:bi5e0:4:c d\x7f" "el2:x:eli1eel4:y:/zee8:announce3:n:o"
	    "8:url-list7:w:/dir/10:created byi1ee";
	static const char fallback[] = "d8:announce3:n:o4:infod"
	    "6:lengthi5e4:name1:x12:piece lengthi16384e6:pieces20:" H20
	    "e13:announce-listlleee";
	char		 buf[512];
	struct metainfo	 mi;
	uint8_t		 h1[SHA1_LEN], h2[SHA256_LEN];
	char		*url;
	int		 n;

	n = snprintf(buf, sizeof(buf), doc, info);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(metainfo_parse(&mi, buf, (size_t)n), 0);
	sha1(info, sizeof(info) - 1, h1);
	sha256(info, sizeof(info) - 1, h2);
	ck_assert_mem_eq(mi.info_hash_v1, h1, SHA1_LEN);
	ck_assert_mem_eq(mi.info_hash_v2, h2, SHA256_LEN);
	ck_assert(mi.has_v1 && !mi.has_v2);
	ck_assert_str_eq(mi.name, "a?z");
	ck_assert_uint_eq(mi.length, 5);
	/* announce-list wins over announce; junk and empty tiers go. */
	ck_assert_uint_eq(mi.ntiers, 3);
	ck_assert_str_eq(mi.tiers[0].urls[0], "a:b");
	ck_assert_uint_eq(mi.tiers[0].nurls, 1);
	ck_assert_str_eq(mi.tiers[1].urls[0], "x:");
	ck_assert_str_eq(mi.tiers[2].urls[0], "y:/z");
	/* A single url-list string is a directory here: BEP 19 joining. */
	ck_assert_uint_eq(mi.nwebseeds, 1);
	url = metainfo_webseed_url(&mi, 0);
	ck_assert_str_eq(url, "w:/dir/a%3Fz");
	free(url);
	metainfo_free(&mi);

	/* With no usable announce-list, announce is the only tier. */
	ck_assert_int_eq(metainfo_parse(&mi, fallback, sizeof(fallback) - 1),
	    0);
	ck_assert_uint_eq(mi.ntiers, 1);
	ck_assert_str_eq(mi.tiers[0].urls[0], "n:o");
	ck_assert_uint_eq(mi.nwebseeds, 0);
	metainfo_free(&mi);
}
END_TEST

START_TEST(test_url_join)
{
	static const struct {
		const char	*base, *name, *want;
	} t[] = {
		{ "http://m/pool/", "a_1.0-1+b1_amd64.deb",
		    "http://m/pool/a_1.0-1%2Bb1_amd64.deb" },
		{ "http://m/pool/", "x y%~", "http://m/pool/x%20y%25~" },
		{ "http://m/pool/f.deb", "ignored", "http://m/pool/f.deb" },
	};
	size_t	i;
	char	*u;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u = metainfo_url_join(t[i].base, t[i].name);
		ck_assert_str_eq(u, t[i].want);
		free(u);
	}
	ck_assert(metainfo_url_ok("a", 1));
	ck_assert(!metainfo_url_ok("", 0));
	ck_assert(!metainfo_url_ok("a b", 3));
	ck_assert(!metainfo_url_ok("a\nb", 3));
}
END_TEST

START_TEST(test_merkle)
{
	static const uint8_t	zero[SHA256_LEN];
	uint8_t			nodes[3 * SHA256_LEN], pair[2 * SHA256_LEN];
	uint8_t			a[SHA256_LEN], b[SHA256_LEN], root[SHA256_LEN];

	ck_assert_uint_eq(merkle_pow2(0), 1);
	ck_assert_uint_eq(merkle_pow2(1), 1);
	ck_assert_uint_eq(merkle_pow2(3), 4);
	ck_assert_uint_eq(merkle_pow2(1024), 1024);
	ck_assert_uint_eq(merkle_pow2(1025), 2048);
	/* One leaf in a tree of one is the root. */
	memset(nodes, 7, sizeof(nodes));
	merkle_root(nodes, 1, 1, zero, root);
	memset(a, 7, SHA256_LEN);
	ck_assert_mem_eq(root, a, SHA256_LEN);
	/* Three leaves, width 4: H(H(l0 l1) H(l2 0)). */
	memset(nodes, 1, SHA256_LEN);
	memset(nodes + SHA256_LEN, 2, SHA256_LEN);
	memset(nodes + 2 * SHA256_LEN, 3, SHA256_LEN);
	memcpy(pair, nodes, 2 * SHA256_LEN);
	sha256(pair, sizeof(pair), a);
	memcpy(pair, nodes + 2 * SHA256_LEN, SHA256_LEN);
	memset(pair + SHA256_LEN, 0, SHA256_LEN);
	sha256(pair, sizeof(pair), b);
	memcpy(pair, a, SHA256_LEN);
	memcpy(pair + SHA256_LEN, b, SHA256_LEN);
	sha256(pair, sizeof(pair), a);
	merkle_root(nodes, 3, 4, zero, root);
	ck_assert_mem_eq(root, a, SHA256_LEN);
	/* Padding a subtree of zeros. */
	memset(pair, 0, sizeof(pair));
	sha256(pair, sizeof(pair), a);
	merkle_pad(2, b);
	ck_assert_mem_eq(a, b, SHA256_LEN);
	merkle_pad(1, b);
	ck_assert_mem_eq(zero, b, SHA256_LEN);
}
END_TEST

static Suite *
metainfo_suite(void)
{
	Suite	*s = suite_create("metainfo");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_known_answers, 0,
	    sizeof(kat) / sizeof(kat[0]));
	tcase_add_loop_test(tc, test_round_trip, 0, 16);
	tcase_add_test(tc, test_build_errors);
	tcase_add_test(tc, test_malformed_v1);
	tcase_add_test(tc, test_malformed_v2);
	tcase_add_test(tc, test_bad_layer);
	tcase_add_test(tc, test_tolerant);
	tcase_add_test(tc, test_url_join);
	tcase_add_test(tc, test_merkle);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(metainfo_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
