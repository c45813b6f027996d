/* SPDX-License-Identifier: ISC */
/*
 * check_peerwire.c - unit tests for common/peerwire.c and peerwire-ext.c.
 *
 * Every builder's output must frame as exactly one message and decode to
 * what was built; every malformed input must be an error value.  The
 * libtorrent vector is the byte stream python3-libtorrent 2.0.8 sent to a
 * plain socket on 127.0.0.1 (handshake, extended handshake, have all,
 * unchoke): our parser must accept a real client's bytes as they are.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitfield.h"
#include "common/bytebuf.h"
#include "common/peerwire.h"

static const uint8_t lt_stream[] = {
	0x13, 0x42, 0x69, 0x74, 0x54, 0x6f, 0x72, 0x72, 0x65, 0x6e, 0x74, 0x20,
	0x70, 0x72, 0x6f, 0x74, 0x6f, 0x63, 0x6f, 0x6c, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0x00, 0x15, 0x2f, 0xe7, 0x61, 0xd4, 0xf7, 0xa3, 0x57, 0xb3,
	0xa8, 0x46, 0x71, 0x52, 0xd7, 0x8b, 0xad, 0xa2, 0x67, 0xec, 0xd0, 0xde,
	0x2d, 0x4c, 0x54, 0x32, 0x30, 0x38, 0x30, 0x2d, 0x5f, 0x48, 0x67, 0x70,
	0x6a, 0x33, 0x56, 0x68, 0x63, 0x61, 0x4f, 0x50, 0x00, 0x00, 0x00, 0xde,
	0x14, 0x00, 0x64, 0x31, 0x32, 0x3a, 0x63, 0x6f, 0x6d, 0x70, 0x6c, 0x65,
	0x74, 0x65, 0x5f, 0x61, 0x67, 0x6f, 0x69, 0x2d, 0x31, 0x65, 0x31, 0x3a,
	0x6d, 0x64, 0x31, 0x31, 0x3a, 0x6c, 0x74, 0x5f, 0x64, 0x6f, 0x6e, 0x74,
	0x68, 0x61, 0x76, 0x65, 0x69, 0x37, 0x65, 0x31, 0x30, 0x3a, 0x73, 0x68,
	0x61, 0x72, 0x65, 0x5f, 0x6d, 0x6f, 0x64, 0x65, 0x69, 0x38, 0x65, 0x31,
	0x31, 0x3a, 0x75, 0x70, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6f, 0x6e, 0x6c,
	0x79, 0x69, 0x33, 0x65, 0x31, 0x32, 0x3a, 0x75, 0x74, 0x5f, 0x68, 0x6f,
	0x6c, 0x65, 0x70, 0x75, 0x6e, 0x63, 0x68, 0x69, 0x34, 0x65, 0x31, 0x31,
	0x3a, 0x75, 0x74, 0x5f, 0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74, 0x61,
	0x69, 0x32, 0x65, 0x36, 0x3a, 0x75, 0x74, 0x5f, 0x70, 0x65, 0x78, 0x69,
	0x31, 0x65, 0x65, 0x31, 0x33, 0x3a, 0x6d, 0x65, 0x74, 0x61, 0x64, 0x61,
	0x74, 0x61, 0x5f, 0x73, 0x69, 0x7a, 0x65, 0x69, 0x32, 0x31, 0x34, 0x65,
	0x31, 0x3a, 0x70, 0x69, 0x34, 0x32, 0x33, 0x31, 0x39, 0x65, 0x34, 0x3a,
	0x72, 0x65, 0x71, 0x71, 0x69, 0x32, 0x30, 0x30, 0x30, 0x65, 0x31, 0x31,
	0x3a, 0x75, 0x70, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6f, 0x6e, 0x6c, 0x79,
	0x69, 0x31, 0x65, 0x31, 0x3a, 0x76, 0x31, 0x38, 0x3a, 0x6c, 0x69, 0x62,
	0x74, 0x6f, 0x72, 0x72, 0x65, 0x6e, 0x74, 0x2f, 0x32, 0x2e, 0x30, 0x2e,
	0x38, 0x2e, 0x30, 0x36, 0x3a, 0x79, 0x6f, 0x75, 0x72, 0x69, 0x70, 0x34,
	0x3a, 0x7f, 0x00, 0x00, 0x01, 0x65, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x00,
	0x00, 0x00, 0x01, 0x01,
};

static const uint8_t lt_info_hash[PW_HASH_LEN] = {
	0x2f, 0xe7, 0x61, 0xd4, 0xf7, 0xa3, 0x57, 0xb3, 0xa8, 0x46,
	0x71, 0x52, 0xd7, 0x8b, 0xad, 0xa2, 0x67, 0xec, 0xd0, 0xde,
};

/* b holds exactly one message: frame it, checking every prefix first. */
static void
one_msg(const struct bytebuf *b, struct pw_msg *m)
{
	struct pw_msg	t;
	size_t		i;

	ck_assert(!bytebuf_failed(b));
	for (i = 0; i < b->len; i++)
		ck_assert_int_eq(pw_msg_next(b->data, i, &t), 0);
	ck_assert_int_eq(pw_msg_next(b->data, b->len, m), (ssize_t)b->len);
}

START_TEST(test_handshake)
{
	struct pw_handshake	 h, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	uint8_t			 ih[PW_HASH_LEN], id[PW_PEER_ID_LEN];
	uint8_t			 rnd[PW_PEER_ID_RANDOM];
	size_t			 i;

	memset(ih, 0xab, sizeof(ih));
	memset(rnd, 0x5a, sizeof(rnd));
	pw_peer_id_make(id, rnd);
	ck_assert(memcmp(id, "-AP0100-", 8) == 0);
	ck_assert(memcmp(id + 8, rnd, sizeof(rnd)) == 0);
	pw_handshake_init(&h, ih, id);
	ck_assert(pw_handshake_extended(&h));
	ck_assert(pw_handshake_fast(&h));
	ck_assert_uint_eq(h.reserved[5], 0x10);
	ck_assert_uint_eq(h.reserved[7], 0x04);
	pw_handshake_put(&b, &h);
	ck_assert_uint_eq(b.len, PW_HANDSHAKE_LEN);
	ck_assert(memcmp(b.data, "\x13" "BitTorrent protocol", 20) == 0);
	for (i = 0; i < PW_HANDSHAKE_LEN; i++)
		ck_assert_int_eq(pw_handshake_parse(b.data, i, &r), 0);
	ck_assert_int_eq(pw_handshake_parse(b.data, b.len, &r),
	    PW_HANDSHAKE_LEN);
	ck_assert(memcmp(&h, &r, sizeof(h)) == 0);

	/* A stranger is turned away at the first wrong byte. */
	b.data[0] = 'G';
	ck_assert_int_eq(pw_handshake_parse(b.data, 1, &r), -EPROTO);
	b.data[0] = 0x13;
	b.data[19] = 'L';
	ck_assert_int_eq(pw_handshake_parse(b.data, 18, &r), 0);
	ck_assert_int_eq(pw_handshake_parse(b.data, 20, &r), -EPROTO);

	memset(h.reserved, 0, sizeof(h.reserved));
	ck_assert(!pw_handshake_extended(&h));
	ck_assert(!pw_handshake_fast(&h));
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_libtorrent_stream)
{
	struct pw_handshake	 h;
	struct pw_ext_handshake	 x;
	struct pw_msg		 m;
	const uint8_t		*p = lt_stream;
	size_t			 left = sizeof(lt_stream);
	ssize_t			 n;

	ck_assert_int_eq(pw_handshake_parse(p, left, &h), PW_HANDSHAKE_LEN);
	ck_assert(pw_handshake_extended(&h));
	ck_assert(pw_handshake_fast(&h));
	ck_assert(memcmp(h.info_hash, lt_info_hash, PW_HASH_LEN) == 0);
	ck_assert(memcmp(h.peer_id, "-LT2080-", 8) == 0);
	p += PW_HANDSHAKE_LEN;
	left -= PW_HANDSHAKE_LEN;

	n = pw_msg_next(p, left, &m);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(m.id, PW_EXTENDED);
	ck_assert_uint_eq(m.ext_id, PW_EXT_HANDSHAKE);
	ck_assert_int_eq(pw_ext_handshake_parse(m.payload + 1, m.len - 1, &x),
	    0);
	ck_assert_uint_eq(pw_ext_handshake_id(&x, "ut_metadata"), 2);
	ck_assert_uint_eq(pw_ext_handshake_id(&x, "ut_pex"), 1);
	ck_assert_uint_eq(pw_ext_handshake_id(&x, "lt_donthave"), 7);
	ck_assert_uint_eq(pw_ext_handshake_id(&x, "ut_holepunch"), 4);
	ck_assert_uint_eq(pw_ext_handshake_id(&x, "aptbt_mux"), 0);
	ck_assert_uint_eq(x.nm, 6);
	ck_assert_uint_eq(x.port, 42319);
	ck_assert_uint_eq(x.reqq, 2000);
	ck_assert_int_eq(x.metadata_size, 214);
	ck_assert_str_eq(x.client, "libtorrent/2.0.8.0");
	ck_assert_uint_eq(x.yourip_len, 4);
	ck_assert(memcmp(x.yourip, "\x7f\0\0\x01", 4) == 0);
	p += n;
	left -= (size_t)n;

	n = pw_msg_next(p, left, &m);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(m.id, PW_HAVE_ALL);
	p += n;
	left -= (size_t)n;
	n = pw_msg_next(p, left, &m);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(m.id, PW_UNCHOKE);
	ck_assert_uint_eq(left, 5);
}
END_TEST

START_TEST(test_fixed_messages)
{
	static const uint8_t	simple[] = { PW_CHOKE, PW_UNCHOKE,
	    PW_INTERESTED, PW_NOT_INTERESTED, PW_HAVE_ALL, PW_HAVE_NONE };
	static const uint8_t	indexed[] = { PW_HAVE, PW_SUGGEST,
	    PW_ALLOWED_FAST };
	static const uint8_t	blocks[] = { PW_REQUEST, PW_CANCEL,
	    PW_REJECT };
	struct bytebuf		b = BYTEBUF_INIT;
	struct pw_msg		m;
	char			name[16];
	size_t			i;

	pw_put_keepalive(&b);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, PW_KEEPALIVE);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_str_eq(pw_msg_name(m.id, name), "keep-alive");

	for (i = 0; i < sizeof(simple); i++) {
		bytebuf_reset(&b);
		pw_put_simple(&b, simple[i]);
		one_msg(&b, &m);
		ck_assert_int_eq(m.id, simple[i]);
		ck_assert_uint_eq(m.len, 0);
	}
	for (i = 0; i < sizeof(indexed); i++) {
		bytebuf_reset(&b);
		pw_put_index(&b, indexed[i], 0xdeadbeef);
		one_msg(&b, &m);
		ck_assert_int_eq(m.id, indexed[i]);
		ck_assert_uint_eq(m.index, 0xdeadbeef);
	}
	for (i = 0; i < sizeof(blocks); i++) {
		bytebuf_reset(&b);
		pw_put_block(&b, blocks[i], 7, 16384, 16384);
		one_msg(&b, &m);
		ck_assert_int_eq(m.id, blocks[i]);
		ck_assert_uint_eq(m.index, 7);
		ck_assert_uint_eq(m.begin, 16384);
		ck_assert_uint_eq(m.length, 16384);
	}
	bytebuf_reset(&b);
	pw_put_port(&b, 6881);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, PW_PORT);
	ck_assert_uint_eq(m.port, 6881);
	ck_assert_str_eq(pw_msg_name(PW_REQUEST, name), "request");
	ck_assert_str_eq(pw_msg_name(42, name), "id 42");
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_piece_bitfield_extended)
{
	struct bytebuf	b = BYTEBUF_INIT;
	struct pw_msg	m;
	uint8_t		block[100], bits[3] = { 0xff, 0xff, 0xff };
	size_t		mark;

	memset(block, 'x', sizeof(block));
	ck_assert_int_eq(pw_put_piece(&b, 3, 32768, block, sizeof(block)), 0);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, PW_PIECE);
	ck_assert_uint_eq(m.index, 3);
	ck_assert_uint_eq(m.begin, 32768);
	ck_assert_uint_eq(m.len, 8 + sizeof(block));
	ck_assert(memcmp(m.payload + 8, block, sizeof(block)) == 0);
	ck_assert_int_eq(pw_put_piece(&b, 3, 0, block, 0), -EMSGSIZE);

	/* The header alone, for a block sent from elsewhere. */
	bytebuf_reset(&b);
	pw_put_piece_header(&b, 1, 0, sizeof(block));
	ck_assert_int_eq(pw_msg_next(b.data, b.len, &m), 0);
	bytebuf_append(&b, block, sizeof(block));
	one_msg(&b, &m);

	/* 17 pieces: 3 bytes, the builder clears the 7 spare bits. */
	bytebuf_reset(&b);
	ck_assert_int_eq(pw_put_bitfield(&b, bits, 17), 0);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, PW_BITFIELD);
	ck_assert_uint_eq(m.len, 3);
	ck_assert_uint_eq(m.payload[2], 0x80);
	ck_assert_int_eq(bitfield_check(m.payload, m.len, 17), 0);
	/* The caller's bits are left as they were. */
	ck_assert_uint_eq(bits[2], 0xff);

	bytebuf_reset(&b);
	ck_assert_int_eq(pw_put_extended(&b, 3, "de" "raw", 5), 0);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, PW_EXTENDED);
	ck_assert_uint_eq(m.ext_id, 3);
	ck_assert_uint_eq(m.len, 6);
	ck_assert_int_eq(pw_benc_span(m.payload + 1, m.len - 1), 2);

	/* An unknown id passes through with its payload. */
	bytebuf_reset(&b);
	mark = pw_msg_begin(&b, 42);
	bytebuf_puts(&b, "abc");
	ck_assert_int_eq(pw_msg_end(&b, mark), 0);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, 42);
	ck_assert_uint_eq(m.len, 3);

	/* Too big for the wire: the builder drops it. */
	bytebuf_reset(&b);
	mark = pw_msg_begin(&b, PW_PIECE);
	ck_assert(bytebuf_reserve(&b, PW_MAX_MSG_LEN));
	b.len += PW_MAX_MSG_LEN;
	ck_assert_int_eq(pw_msg_end(&b, mark), -EMSGSIZE);
	ck_assert_uint_eq(b.len, 0);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_bad_lengths)
{
	/* id, a payload length that must be refused */
	static const struct { uint8_t id; uint32_t len; } bad[] = {
		{ PW_CHOKE, 1 }, { PW_UNCHOKE, 4 }, { PW_INTERESTED, 1 },
		{ PW_NOT_INTERESTED, 2 }, { PW_HAVE, 3 }, { PW_HAVE, 5 },
		{ PW_REQUEST, 11 }, { PW_REQUEST, 13 }, { PW_PIECE, 8 },
		{ PW_PIECE, 0 }, { PW_CANCEL, 0 }, { PW_PORT, 1 },
		{ PW_PORT, 3 }, { PW_SUGGEST, 8 }, { PW_HAVE_ALL, 1 },
		{ PW_HAVE_NONE, 4 }, { PW_REJECT, 12 + 4 },
		{ PW_ALLOWED_FAST, 0 }, { PW_EXTENDED, 0 },
	};
	uint8_t		buf[64];
	struct pw_msg	m;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0, sizeof(buf));
		buf[3] = (uint8_t)(bad[i].len + 1);
		buf[4] = bad[i].id;
		ck_assert_int_eq(pw_msg_next(buf, 5 + bad[i].len, &m),
		    -EBADMSG);
		/* Until the whole message is here, it is just incomplete. */
		ck_assert_int_eq(pw_msg_next(buf, 4 + bad[i].len, &m), 0);
	}
	/* Oversized: refused from the length prefix alone. */
	memset(buf, 0, sizeof(buf));
	buf[1] = 0x10;
	buf[3] = 14;	/* 1 MiB + 14 */
	buf[4] = PW_PIECE;
	ck_assert_int_eq(pw_msg_next(buf, 4, &m), -EMSGSIZE);
	buf[3] = 13;
	ck_assert_int_eq(pw_msg_next(buf, 5, &m), 0);
	buf[0] = 0xff;
	ck_assert_int_eq(pw_msg_next(buf, 4, &m), -EMSGSIZE);
	ck_assert_int_eq(pw_msg_next(buf, 3, &m), 0);
}
END_TEST

START_TEST(test_benc_span)
{
	static const struct { const char *s; ssize_t want; } v[] = {
		{ "de", 2 }, { "d1:ai1ee", 8 }, { "d1:ai1eeXYZ", 8 },
		{ "li-3e4:spame", 12 }, { "3:abc", 5 }, { "i0e", 3 },
		{ "d1:ml1:xee", 10 },
		{ "", -EBADMSG }, { "d", -EBADMSG }, { "e", -EBADMSG },
		{ "d1:ai1e", -EBADMSG }, { "5:abc", -EBADMSG },
		{ "ie", -EBADMSG }, { "i-e", -EBADMSG }, { "x", -EBADMSG },
		{ "99999999999:a", -EBADMSG }, { ":a", -EBADMSG },
		{ "i12", -EBADMSG },
	};
	char	deep[2 * PW_BENC_DEPTH + 3];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(pw_benc_span((const uint8_t *)v[i].s,
		    strlen(v[i].s)) == v[i].want, "%s", v[i].s);
	memset(deep, 'l', PW_BENC_DEPTH);
	memset(deep + PW_BENC_DEPTH, 'e', PW_BENC_DEPTH);
	ck_assert_int_eq(pw_benc_span((uint8_t *)deep, 2 * PW_BENC_DEPTH),
	    2 * PW_BENC_DEPTH);
	memset(deep, 'l', PW_BENC_DEPTH + 1);
	memset(deep + PW_BENC_DEPTH + 1, 'e', PW_BENC_DEPTH + 1);
	ck_assert_int_eq(pw_benc_span((uint8_t *)deep,
	    2 * PW_BENC_DEPTH + 2), -EBADMSG);
}
END_TEST

START_TEST(test_ext_handshake)
{
	struct pw_ext_handshake	 h, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	struct pw_msg		 m;
	static const char	 want[] = "d1:md12:aptbt_hashesi1e9:aptbt_muxi2e"
	    "6:ut_pexi3ee13:metadata_sizei0e1:pi6881e4:reqqi250e"
	    "1:v11:aptbt 0.1.06:yourip4:\x0a\0\0\x02" "e";

	pw_ext_handshake_init(&h);
	ck_assert_int_eq(h.metadata_size, -1);
	ck_assert_int_eq(pw_ext_handshake_add(&h, "ut_pex", 3), 0);
	ck_assert_int_eq(pw_ext_handshake_add(&h, "aptbt_hashes", 1), 0);
	ck_assert_int_eq(pw_ext_handshake_add(&h, "aptbt_mux", 2), 0);
	ck_assert_int_eq(pw_ext_handshake_add(&h, "x", 0), -EINVAL);
	ck_assert_int_eq(pw_ext_handshake_add(&h, "", 5), -EINVAL);
	h.port = 6881;
	h.reqq = 250;
	h.metadata_size = 0;
	strcpy(h.client, "aptbt 0.1.0");
	memcpy(h.yourip, "\x0a\0\0\x02", 4);
	h.yourip_len = 4;
	ck_assert_int_eq(pw_ext_handshake_put(&b, &h), 0);
	one_msg(&b, &m);
	ck_assert_int_eq(m.id, PW_EXTENDED);
	ck_assert_uint_eq(m.ext_id, 0);
	/* Names come out sorted, as bencode requires. */
	ck_assert_uint_eq(m.len - 1, sizeof(want) - 1);
	ck_assert(memcmp(m.payload + 1, want, sizeof(want) - 1) == 0);
	ck_assert_int_eq(pw_ext_handshake_parse(m.payload + 1, m.len - 1, &r),
	    0);
	ck_assert_uint_eq(r.nm, 3);
	ck_assert_uint_eq(pw_ext_handshake_id(&r, "aptbt_mux"), 2);
	ck_assert_uint_eq(pw_ext_handshake_id(&r, "aptbt_hashes"), 1);
	ck_assert_uint_eq(pw_ext_handshake_id(&r, "ut_pex"), 3);
	ck_assert_uint_eq(r.port, 6881);
	ck_assert_uint_eq(r.reqq, 250);
	ck_assert_int_eq(r.metadata_size, 0);
	ck_assert_str_eq(r.client, "aptbt 0.1.0");
	ck_assert_uint_eq(r.yourip_len, 4);

	/* A duplicate name cannot be built. */
	ck_assert_int_eq(pw_ext_handshake_add(&h, "ut_pex", 9), 0);
	bytebuf_reset(&b);
	ck_assert_int_eq(pw_ext_handshake_put(&b, &h), -EINVAL);
	bytebuf_free(&b);
}
END_TEST

static int
ext_parse(const char *s, struct pw_ext_handshake *h)
{
	return pw_ext_handshake_parse((const uint8_t *)s, strlen(s), h);
}

START_TEST(test_ext_handshake_tolerant)
{
	struct pw_ext_handshake	h;
	char			big[4096];
	size_t			i, n;

	/* Wrong types and odd values are ignored, not fatal. */
	ck_assert_int_eq(ext_parse("d1:mi3e1:p3:abc4:reqqi-1e1:vi1e"
	    "6:yourip3:abce", &h), 0);
	ck_assert_uint_eq(h.nm, 0);
	ck_assert_uint_eq(h.port, 0);
	ck_assert_uint_eq(h.reqq, 0);
	ck_assert_str_eq(h.client, "");
	ck_assert_uint_eq(h.yourip_len, 0);
	ck_assert_int_eq(ext_parse("d1:pi70000ee", &h), 0);
	ck_assert_uint_eq(h.port, 0);
	/* Unsorted keys, bad ids skipped, a repeated name keeps its first id. */
	ck_assert_int_eq(ext_parse("d1:v4:a\x01\xff" "b1:md1:bi300e1:ai5e"
	    "1:ci-1e1:di3e1:ai6eee" "trailing raw data", &h), 0);
	ck_assert_uint_eq(h.nm, 2);
	ck_assert_uint_eq(pw_ext_handshake_id(&h, "a"), 5);
	ck_assert_uint_eq(pw_ext_handshake_id(&h, "d"), 3);
	ck_assert_uint_eq(pw_ext_handshake_id(&h, "b"), 0);
	ck_assert_str_eq(h.client, "a??b");
	/* Also when the first id is 0 (disabled): found by the fuzzer. */
	ck_assert_int_eq(ext_parse("d1:md1:ai0e1:ai6eee", &h), 0);
	ck_assert_uint_eq(h.nm, 1);
	ck_assert_uint_eq(pw_ext_handshake_id(&h, "a"), 0);
	/* Not a dict, or broken: refused. */
	ck_assert_int_eq(ext_parse("le", &h), -EBADMSG);
	ck_assert_int_eq(ext_parse("d1:m", &h), -EBADMSG);
	ck_assert_int_eq(ext_parse("", &h), -EBADMSG);
	ck_assert_int_eq(ext_parse("d1:ai01ee", &h), -EBADMSG);
	/* Only PW_EXT_MAX_NAMES names are kept. */
	n = (size_t)snprintf(big, sizeof(big), "d1:md");
	for (i = 0; i < 50; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
		    "3:x%02zui%zue", i, i + 1);
	snprintf(big + n, sizeof(big) - n, "ee");
	ck_assert_int_eq(ext_parse(big, &h), 0);
	ck_assert_uint_eq(h.nm, PW_EXT_MAX_NAMES);
	ck_assert_uint_eq(pw_ext_handshake_id(&h, "x31"), 32);
	ck_assert_uint_eq(pw_ext_handshake_id(&h, "x32"), 0);
}
END_TEST

START_TEST(test_pex)
{
	struct pw_pex	*x, *r;
	struct bytebuf	 b = BYTEBUF_INIT;
	struct pw_msg	 m;
	static const char want[] = "d5:added6:\x0a\0\0\x01\x1a\xe1"
	    "7:added.f1:\x12" "6:added618:"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07\x1a\xe2"
	    "8:added6.f1:\x01" "7:dropped6:\xc0\xa8\x01\x02\0\x50" "e";

	x = calloc(1, sizeof(*x));
	r = calloc(1, sizeof(*r));
	ck_assert(x != NULL && r != NULL);
	x->added[0].family = 6;
	memcpy(x->added[0].addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07",
	    16);
	x->added[0].port = 6882;
	x->added[0].flags = PW_PEX_ENCRYPT;
	x->added[1].family = 4;
	memcpy(x->added[1].addr, "\x0a\0\0\x01", 4);
	x->added[1].port = 6881;
	x->added[1].flags = PW_PEX_SEED | PW_PEX_REACHABLE;
	x->nadded = 2;
	x->dropped[0].family = 4;
	memcpy(x->dropped[0].addr, "\xc0\xa8\x01\x02", 4);
	x->dropped[0].port = 80;
	x->ndropped = 1;
	ck_assert_int_eq(pw_pex_put(&b, 1, x), 0);
	one_msg(&b, &m);
	ck_assert_uint_eq(m.ext_id, 1);
	ck_assert_uint_eq(m.len - 1, sizeof(want) - 1);
	ck_assert(memcmp(m.payload + 1, want, sizeof(want) - 1) == 0);
	ck_assert_int_eq(pw_pex_parse(m.payload + 1, m.len - 1, r), 0);
	ck_assert_uint_eq(r->nadded, 2);
	ck_assert_uint_eq(r->ndropped, 1);
	/* IPv4 first, then IPv6. */
	ck_assert_uint_eq(r->added[0].family, 4);
	ck_assert_uint_eq(r->added[0].port, 6881);
	ck_assert_uint_eq(r->added[0].flags, 0x12);
	ck_assert(memcmp(r->added[0].addr, "\x0a\0\0\x01", 4) == 0);
	ck_assert_uint_eq(r->added[1].family, 6);
	ck_assert_uint_eq(r->added[1].port, 6882);
	ck_assert_uint_eq(r->added[1].flags, 1);
	ck_assert_uint_eq(r->dropped[0].port, 80);

	/* Bad compact lengths and types are refused. */
	ck_assert_int_eq(pw_pex_parse((const uint8_t *)"d5:added5:abcdee",
	    16, r), -EBADMSG);
	ck_assert_int_eq(pw_pex_parse((const uint8_t *)"d5:addedi1ee",
	    12, r), -EBADMSG);
	ck_assert_int_eq(pw_pex_parse((const uint8_t *)"d8:dropped67:abcdefge",
	    21, r), -EBADMSG);
	ck_assert_uint_eq(r->nadded + r->ndropped, 0);
	/* Missing flags are zero; empty is fine. */
	ck_assert_int_eq(pw_pex_parse((const uint8_t *)"d5:added6:abcdefe",
	    17, r), 0);
	ck_assert_uint_eq(r->nadded, 1);
	ck_assert_uint_eq(r->added[0].flags, 0);
	ck_assert_int_eq(pw_pex_parse((const uint8_t *)"de", 2, r), 0);

	x->added[0].family = 5;
	ck_assert_int_eq(pw_pex_put(&b, 1, x), -EINVAL);
	x->added[0].family = 4;
	x->nadded = PW_PEX_MAX + 1;
	ck_assert_int_eq(pw_pex_put(&b, 1, x), -EINVAL);
	free(x);
	free(r);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_pex_bounded)
{
	struct pw_pex	*r;
	struct bytebuf	 b = BYTEBUF_INIT;
	size_t		 i;

	r = calloc(1, sizeof(*r));
	ck_assert(r != NULL);
	/* 150 added peers: the first PW_PEX_MAX are kept. */
	bytebuf_printf(&b, "d5:added%d:", 150 * 6);
	for (i = 0; i < 150; i++)
		bytebuf_append(&b, "\x0a\0\0\x01\0\x01", 6);
	bytebuf_puts(&b, "e");
	ck_assert_int_eq(pw_pex_parse(b.data, b.len, r), 0);
	ck_assert_uint_eq(r->nadded, PW_PEX_MAX);
	free(r);
	bytebuf_free(&b);
}
END_TEST

/* BEP 9's own examples, byte for byte, and what is refused. */
START_TEST(test_utmeta)
{
	static const char	req[] = "d8:msg_typei0e5:piecei0ee";
	static const char	data[] =
	    "d8:msg_typei1e5:piecei0e10:total_sizei8eexxxxxxxx";
	static const char	*const bad[] = {
		"d8:msg_typei0ee",			/* no piece */
		"d5:piecei0ee",				/* no msg_type */
		"d8:msg_typei0e5:piecei-1ee",		/* negative */
		"d8:msg_typei0e5:piecei1024ee",		/* past 16 MiB */
		"d8:msg_typei2e5:piecei0eex",		/* bytes after reject */
		"d8:msg_typei1e5:piecei0ee",		/* data, no total_size */
		"d8:msg_typei1e5:piecei0e10:total_sizei0ee",
		"li1ee",
	};
	struct pw_utmeta	u;
	struct bytebuf		b = BYTEBUF_INIT;
	struct pw_msg		m;
	size_t			i;

	ck_assert_int_eq(pw_utmeta_parse((const uint8_t *)req,
	    sizeof(req) - 1, &u), 0);
	ck_assert_int_eq(u.type, PW_UTMETA_REQUEST);
	ck_assert_uint_eq(u.piece, 0);
	ck_assert_int_eq(pw_utmeta_parse((const uint8_t *)data,
	    sizeof(data) - 1, &u), 0);
	ck_assert_int_eq(u.type, PW_UTMETA_DATA);
	ck_assert_int_eq(u.total_size, 8);
	ck_assert_uint_eq(u.len, 8);
	ck_assert(memcmp(u.data, "xxxxxxxx", 8) == 0);
	/* Built back: the same bytes under the receiver's id. */
	ck_assert_int_eq(pw_utmeta_put(&b, 3, &u), 0);
	ck_assert_int_eq(pw_msg_next(b.data, b.len, &m), (ssize_t)b.len);
	ck_assert_uint_eq(m.ext_id, 3);
	ck_assert_uint_eq(m.len - 1, sizeof(data) - 1);
	ck_assert(memcmp(m.payload + 1, data, sizeof(data) - 1) == 0);
	bytebuf_free(&b);
	/* A later msg_type is ignored, not an error. */
	ck_assert_int_eq(pw_utmeta_parse((const uint8_t *)
	    "d8:msg_typei7e5:piecei0ee", 25, &u), -ENOTSUP);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pw_utmeta_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &u) == -EBADMSG, "accepted %s", bad[i]);
}
END_TEST

static Suite *
peerwire_suite(void)
{
	Suite	*s = suite_create("peerwire");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_handshake);
	tcase_add_test(tc, test_libtorrent_stream);
	tcase_add_test(tc, test_fixed_messages);
	tcase_add_test(tc, test_piece_bitfield_extended);
	tcase_add_test(tc, test_bad_lengths);
	tcase_add_test(tc, test_benc_span);
	tcase_add_test(tc, test_ext_handshake);
	tcase_add_test(tc, test_ext_handshake_tolerant);
	tcase_add_test(tc, test_pex);
	tcase_add_test(tc, test_pex_bounded);
	tcase_add_test(tc, test_utmeta);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(peerwire_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
