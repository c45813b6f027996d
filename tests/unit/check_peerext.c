/* SPDX-License-Identifier: ISC */
/*
 * check_peerext.c - unit tests for common/peerext.c and common/swarmkey.c.
 *
 * The byte strings here are the examples of doc/peer-extensions.md: if
 * one changes, the document must change with it.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitfield.h"
#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/peerext.h"
#include "common/peerwire.h"
#include "common/swarmkey.h"

/* b holds one extended message; return its payload after the ext id. */
static const uint8_t *
ext_payload(const struct bytebuf *b, uint8_t ext_id, size_t *len)
{
	struct pw_msg	m;

	ck_assert(!bytebuf_failed(b));
	ck_assert_int_eq(pw_msg_next(b->data, b->len, &m), (ssize_t)b->len);
	ck_assert_int_eq(m.id, PW_EXTENDED);
	ck_assert_uint_eq(m.ext_id, ext_id);
	*len = m.len - 1;
	return m.payload + 1;
}

static int
hashes_parse(const char *s, size_t n, struct pext_hashes *h)
{
	return pext_hashes_parse((const uint8_t *)s, n, h);
}

static int
mux_parse(const char *s, size_t n, struct pext_mux *x)
{
	return pext_mux_parse((const uint8_t *)s, n, x);
}

#define S(lit)	lit, sizeof(lit) - 1

START_TEST(test_hashes_round_trip)
{
	struct pext_hashes	 h, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	const uint8_t		*p;
	uint8_t			 hashes[3 * 32];
	size_t			 n, i;
	static const int	 types[] = { PEXT_HASHES_REQUEST,
	    PEXT_HASHES_REJECT };

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.type = types[i];
		h.piece = 4;
		bytebuf_reset(&b);
		ck_assert_int_eq(pext_hashes_put(&b, 7, &h), 0);
		p = ext_payload(&b, 7, &n);
		ck_assert_int_eq(pext_hashes_parse(p, n, &r), 0);
		ck_assert_int_eq(r.type, types[i]);
		ck_assert_uint_eq(r.piece, 4);
		ck_assert_uint_eq(r.count, 0);
	}
	bytebuf_reset(&b);
	memset(&h, 0, sizeof(h));
	h.type = PEXT_HASHES_REQUEST;
	h.piece = 2;
	ck_assert_int_eq(pext_hashes_put(&b, 7, &h), 0);
	p = ext_payload(&b, 7, &n);
	ck_assert_uint_eq(n, sizeof("d8:msg_typei0e5:piecei2ee") - 1);
	ck_assert(memcmp(p, "d8:msg_typei0e5:piecei2ee", n) == 0);

	for (i = 0; i < sizeof(hashes); i++)
		hashes[i] = (uint8_t)i;
	h.type = PEXT_HASHES_DATA;
	h.piece = 1;
	h.hashes = hashes;
	h.count = 3;
	bytebuf_reset(&b);
	ck_assert_int_eq(pext_hashes_put(&b, 7, &h), 0);
	p = ext_payload(&b, 7, &n);
	ck_assert(memcmp(p, "d6:hashes96:", 12) == 0);
	ck_assert_int_eq(pext_hashes_parse(p, n, &r), 0);
	ck_assert_int_eq(r.type, PEXT_HASHES_DATA);
	ck_assert_uint_eq(r.piece, 1);
	ck_assert_uint_eq(r.count, 3);
	ck_assert(memcmp(r.hashes, hashes, sizeof(hashes)) == 0);

	/* Builders refuse what the parser would. */
	h.count = 0;
	ck_assert_int_eq(pext_hashes_put(&b, 7, &h), -EINVAL);
	h.count = PEXT_HASHES_MAX + 1;
	ck_assert_int_eq(pext_hashes_put(&b, 7, &h), -EINVAL);
	h.count = 2;
	h.piece = UINT32_MAX;
	ck_assert_int_eq(pext_hashes_put(&b, 7, &h), -EINVAL);
	h.type = 3;
	ck_assert_int_eq(pext_hashes_put(&b, 7, &h), -EINVAL);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_hashes_malformed)
{
	struct pext_hashes	h;
	struct bytebuf		b = BYTEBUF_INIT;
	size_t			i;

	ck_assert_int_eq(hashes_parse(S("d8:msg_typei9e5:piecei0ee"), &h),
	    -ENOTSUP);
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei-1e5:piecei0ee"), &h),
	    -EBADMSG);
	/* missing piece, piece out of range, unsorted, trailing bytes */
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei0ee"), &h), -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei0e5:piecei-1ee"), &h),
	    -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei0e5:piecei4294967296ee"),
	    &h), -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d5:piecei0e8:msg_typei0ee"), &h),
	    -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei0e5:piecei0eeX"), &h),
	    -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei0e5:piecei0e"), &h),
	    -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("le"), &h), -EBADMSG);
	/* data: no hashes, empty, not a multiple of 32, past the index space */
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei1e5:piecei0ee"), &h),
	    -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d6:hashes0:8:msg_typei1e"
	    "5:piecei0ee"), &h), -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d6:hashes3:abc8:msg_typei1e"
	    "5:piecei0ee"), &h), -EBADMSG);
	ck_assert_int_eq(hashes_parse(S("d6:hashes64:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "8:msg_typei1e5:piecei4294967295ee"), &h), -EBADMSG);
	/* Unknown keys are ignored (a later version may add some). */
	ck_assert_int_eq(hashes_parse(S("d8:msg_typei2e5:piecei7e"
	    "5:zzzzzi1ee"), &h), 0);
	ck_assert_uint_eq(h.piece, 7);

	/* One hash too many. */
	bytebuf_printf(&b, "d6:hashes%u:", (PEXT_HASHES_MAX + 1) * 32);
	for (i = 0; i < (PEXT_HASHES_MAX + 1) * 32; i++)
		bytebuf_putc(&b, 'h');
	bytebuf_puts(&b, "8:msg_typei1e5:piecei0ee");
	ck_assert_int_eq(pext_hashes_parse(b.data, b.len, &h), -EBADMSG);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_mux_control)
{
	static const int	 types[] = { PEXT_MUX_ATTACHED,
	    PEXT_MUX_REFUSED, PEXT_MUX_DETACH };
	struct pext_mux		 x, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	const uint8_t		*p;
	uint8_t			 key[PEXT_KEY_LEN];
	size_t			 n, i;
	static const char	 attach[] = "d3:key20:"
	    "\x14\x71\x81\x4c\x90\xb4\x5a\x75\x48\x40"
	    "\xf0\x1a\x21\x71\x37\x3c\x49\x1c\x95\x0a"
	    "8:msg_typei0e3:sidi2ee";

	memcpy(key, attach + 9, sizeof(key));
	memset(&x, 0, sizeof(x));
	x.type = PEXT_MUX_ATTACH;
	x.sid = 2;
	x.key = key;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert_uint_eq(n, sizeof(attach) - 1);
	ck_assert(memcmp(p, attach, n) == 0);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.type, PEXT_MUX_ATTACH);
	ck_assert_uint_eq(r.sid, 2);
	ck_assert(memcmp(r.key, key, sizeof(key)) == 0);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&x, 0, sizeof(x));
		x.type = types[i];
		x.sid = UINT32_MAX;
		bytebuf_reset(&b);
		ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
		p = ext_payload(&b, 9, &n);
		ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
		ck_assert_int_eq(r.type, types[i]);
		ck_assert_uint_eq(r.sid, UINT32_MAX);
	}
	x.type = PEXT_MUX_FRAME;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), -EINVAL);
	x.type = PEXT_MUX_ATTACH;
	x.key = NULL;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), -EINVAL);

	ck_assert_int_eq(mux_parse(S("d8:msg_typei1e3:sidi5ee"), &r), 0);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei8e3:sidi5ee"), &r),
	    -ENOTSUP);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei1ee"), &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei1e3:sidi-5ee"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei4e3:sidi4294967296ee"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei1e3:sid1:5e"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei1e3:sidi5eeXX"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d3:key19:0123456789abcdefghi"
	    "8:msg_typei0e3:sidi5ee"), &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei0e3:sidi5ee"), &r),
	    -EBADMSG);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_mux_frame)
{
	struct pext_mux	 r;
	struct bytebuf	 b = BYTEBUF_INIT;
	const uint8_t	*p;
	size_t		 n, mark;
	uint8_t		 bits[2] = { 0xff, 0xc0 };
	static const char want[] = "d8:msg_typei3e3:sidi4ee"
	    "\0\0\0\x0d\x06\0\0\0\x01\0\0\x40\0\0\0\x40\0";

	mark = pext_mux_frame_begin(&b, 9, 4);
	pw_put_block(&b, PW_REQUEST, 1, 16384, 16384);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert(memcmp(p, want, n) == 0);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.type, PEXT_MUX_FRAME);
	ck_assert_uint_eq(r.sid, 4);
	ck_assert_int_eq(r.msg.id, PW_REQUEST);
	ck_assert_uint_eq(r.msg.index, 1);
	ck_assert_uint_eq(r.msg.begin, 16384);
	ck_assert_uint_eq(r.framelen, 17);

	bytebuf_reset(&b);
	mark = pext_mux_frame_begin(&b, 9, 6);
	ck_assert_int_eq(pw_put_bitfield(&b, bits, 10), 0);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.msg.id, PW_BITFIELD);
	ck_assert_int_eq(bitfield_check(r.msg.payload, r.msg.len, 10), 0);

	bytebuf_reset(&b);
	mark = pext_mux_frame_begin(&b, 9, 6);
	ck_assert_int_eq(pw_put_piece(&b, 0, 0, "data", 4), 0);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.msg.id, PW_PIECE);
	ck_assert(memcmp(r.msg.payload + 8, "data", 4) == 0);

	/* The builder refuses nothing, two messages, or one it may not carry. */
	bytebuf_reset(&b);
	bytebuf_puts(&b, "keep");
	mark = pext_mux_frame_begin(&b, 9, 6);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), -EINVAL);
	ck_assert_uint_eq(b.len, 4);
	mark = pext_mux_frame_begin(&b, 9, 6);
	pw_put_simple(&b, PW_CHOKE);
	pw_put_simple(&b, PW_UNCHOKE);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), -EINVAL);
	mark = pext_mux_frame_begin(&b, 9, 6);
	pw_put_keepalive(&b);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), -EINVAL);
	mark = pext_mux_frame_begin(&b, 9, 6);
	pw_put_port(&b, 1);
	ck_assert_int_eq(pext_mux_frame_end(&b, mark), -EINVAL);
	ck_assert_uint_eq(b.len, 4);

	/* The parser too: and a truncated or malformed inner message. */
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee\0\0\0\x01"),
	    &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee\0\0\0\0"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee\0\0\0\x02\0\0"),
	    &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee\0\0\0\x01\x63"),
	    &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee"
	    "\0\0\0\x01\x01\0\0\0\x01\x01"), &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei3e3:sidi4ee\0\0\0\x01\x0e"),
	    &r), 0);
	ck_assert_int_eq(r.msg.id, PW_HAVE_ALL);
	ck_assert(pext_mux_frame_allows(PW_EXTENDED));
	ck_assert(!pext_mux_frame_allows(PW_PORT));
	ck_assert(!pext_mux_frame_allows(PW_KEEPALIVE));
	ck_assert(!pext_mux_frame_allows(99));
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_mux_index)
{
	struct pext_mux	 x, r;
	struct bytebuf	 b = BYTEBUF_INIT;
	const uint8_t	*p;
	uint8_t		 have[2 * 32], fetching[32], *big;
	size_t		 n;

	memset(have, 'a', sizeof(have));
	memset(fetching, 'f', sizeof(fetching));
	memset(&x, 0, sizeof(x));
	x.type = PEXT_MUX_INDEX;
	x.have = have;
	x.nhave = 2;
	x.fetching = fetching;
	x.nfetching = 1;
	x.full = true;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert(memcmp(p, "d8:fetching32:ffff", 18) == 0);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.type, PEXT_MUX_INDEX);
	ck_assert(r.full);
	ck_assert_uint_eq(r.nhave, 2);
	ck_assert_uint_eq(r.nfetching, 1);
	ck_assert_uint_eq(r.ndrop, 0);
	ck_assert_ptr_null(r.drop);
	ck_assert(memcmp(r.have, have, sizeof(have)) == 0);
	ck_assert(memcmp(r.fetching, fetching, sizeof(fetching)) == 0);

	/* A delta dropping one file. */
	memset(&x, 0, sizeof(x));
	x.type = PEXT_MUX_INDEX;
	x.drop = have;
	x.ndrop = 1;
	bytebuf_reset(&b);
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert(!r.full);
	ck_assert_uint_eq(r.ndrop, 1);
	ck_assert_uint_eq(r.nhave, 0);

	ck_assert_int_eq(mux_parse(S("d8:msg_typei5ee"), &r), 0);
	ck_assert_int_eq(mux_parse(S("d4:fulli2e8:msg_typei5ee"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d4:have3:abc8:msg_typei5ee"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d4:havei1e8:msg_typei5ee"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei5eeX"), &r), -EBADMSG);

	/* Over the entry bound, in the builder and the parser. */
	big = calloc(PEXT_INDEX_MAX + 1, 32);
	ck_assert_ptr_nonnull(big);
	memset(&x, 0, sizeof(x));
	x.type = PEXT_MUX_INDEX;
	x.have = big;
	x.nhave = PEXT_INDEX_MAX;
	x.drop = big;
	x.ndrop = 1;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), -EINVAL);
	x.ndrop = 0;
	bytebuf_reset(&b);
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
	bytebuf_reset(&b);
	bytebuf_printf(&b, "d4:have%u:", (PEXT_INDEX_MAX + 1) * 32);
	bytebuf_append(&b, big, (PEXT_INDEX_MAX + 1) * 32);
	bytebuf_puts(&b, "8:msg_typei5ee");
	ck_assert_int_eq(pext_mux_parse(b.data, b.len, &r), -EBADMSG);
	free(big);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_mux_want)
{
	struct pext_mux		 x, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	const uint8_t		*p;
	uint8_t			 sha[PEXT_SHA256_LEN];
	size_t			 n;
	static const char	 url[] = "http://192.0.2.1/debian/pool/a.deb";
	static const char	 want[] = "d8:msg_typei6e6:sha25632:"
	    "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
	    "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
	    "4:sizei1234e3:url34:http://192.0.2.1/debian/pool/a.debe";

	memset(sha, 0xaa, sizeof(sha));
	memset(&x, 0, sizeof(x));
	x.type = PEXT_MUX_WANT;
	x.sha256 = sha;
	x.size = 1234;
	x.url = url;
	x.urllen = strlen(url);
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert(memcmp(p, want, n) == 0);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.type, PEXT_MUX_WANT);
	ck_assert(memcmp(r.sha256, sha, sizeof(sha)) == 0);
	ck_assert_uint_eq(r.size, 1234);
	ck_assert_uint_eq(r.urllen, strlen(url));
	ck_assert(memcmp(r.url, url, r.urllen) == 0);

	/* Nothing to fetch, no hash or a short one: refused both ways. */
	x.urllen = 0;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), -EINVAL);
	x.urllen = strlen(url);
	x.sha256 = NULL;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), -EINVAL);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei6e6:sha2562:ab"
	    "4:sizei1e3:url1:xe"), &r), -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei6e4:sizei1e3:url1:xe"), &r),
	    -EBADMSG);
	bytebuf_reset(&b);
	bytebuf_puts(&b, "d8:msg_typei6e6:sha25632:");
	bytebuf_append(&b, sha, sizeof(sha));
	bytebuf_puts(&b, "4:sizei-1e3:url1:xe");
	ck_assert_int_eq(pext_mux_parse(b.data, b.len, &r), -EBADMSG);
	bytebuf_reset(&b);
	bytebuf_puts(&b, "d8:msg_typei6e6:sha25632:");
	bytebuf_append(&b, sha, sizeof(sha));
	bytebuf_puts(&b, "4:sizei1e3:url0:e");
	ck_assert_int_eq(pext_mux_parse(b.data, b.len, &r), -EBADMSG);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_mux_prove)
{
	struct pext_mux		 x, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	const uint8_t		*p;
	uint8_t			 sig[PEXT_SIG_LEN];
	size_t			 n;

	memset(sig, 0x5a, sizeof(sig));
	memset(&x, 0, sizeof(x));
	x.type = PEXT_MUX_PROVE;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), -EINVAL);
	x.sig = sig;
	ck_assert_int_eq(pext_mux_put(&b, 9, &x), 0);
	p = ext_payload(&b, 9, &n);
	ck_assert(memcmp(p, "d8:msg_typei7e3:sig64:", 22) == 0);
	ck_assert_int_eq(pext_mux_parse(p, n, &r), 0);
	ck_assert_int_eq(r.type, PEXT_MUX_PROVE);
	ck_assert(memcmp(r.sig, sig, sizeof(sig)) == 0);
	/* A signature of any other length is malformed. */
	ck_assert_int_eq(mux_parse(S("d8:msg_typei7e3:sig2:abe"), &r),
	    -EBADMSG);
	ck_assert_int_eq(mux_parse(S("d8:msg_typei7ee"), &r), -EBADMSG);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_swarmkey)
{
	static const uint8_t	want_empty[SWARMKEY_LEN] = {
		0x14, 0x71, 0x81, 0x4c, 0x90, 0xb4, 0x5a, 0x75, 0x48, 0x40,
		0xf0, 0x1a, 0x21, 0x71, 0x37, 0x3c, 0x49, 0x1c, 0x95, 0x0a,
	};
	static const uint8_t	want_hello[SWARMKEY_LEN] = {
		0x9e, 0xf9, 0xee, 0xf4, 0x3b, 0xe7, 0xfd, 0xfd, 0x7b, 0xcb,
		0x54, 0x26, 0x6c, 0x12, 0xab, 0x2d, 0x8e, 0xf3, 0xc9, 0x48,
	};
	uint8_t			h[SHA256_LEN], key[SWARMKEY_LEN];

	/* The file is empty: SHA-256 e3b0c442... */
	sha256("", 0, h);
	swarmkey_from_sha256(h, key);
	ck_assert(memcmp(key, want_empty, sizeof(key)) == 0);
	/* The file is "hello\n": SHA-256 5891b5b5... */
	sha256("hello\n", 6, h);
	swarmkey_from_sha256(h, key);
	ck_assert(memcmp(key, want_hello, sizeof(key)) == 0);
}
END_TEST

static Suite *
peerext_suite(void)
{
	Suite	*s = suite_create("peerext");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_hashes_round_trip);
	tcase_add_test(tc, test_hashes_malformed);
	tcase_add_test(tc, test_mux_control);
	tcase_add_test(tc, test_mux_frame);
	tcase_add_test(tc, test_mux_index);
	tcase_add_test(tc, test_mux_want);
	tcase_add_test(tc, test_mux_prove);
	tcase_add_test(tc, test_swarmkey);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(peerext_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
