/* SPDX-License-Identifier: ISC */
/*
 * fuzz_peerwire.c - fuzz target for the peer wire stream parser.
 *
 * The input is what a connection would buffer: a handshake if the bytes
 * start like one, then messages.  Each framed message is copied into its
 * own allocation (so a read past it is caught) and handed to the parser
 * specific to it; a message with fixed fields must build back to the
 * same bytes, and an accepted extended handshake or ut_pex must survive
 * a build and parse round trip.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitfield.h"
#include "common/bytebuf.h"
#include "common/peerwire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
ext_handshake(const uint8_t *p, size_t len)
{
	struct pw_ext_handshake	h, r;
	struct bytebuf		b = BYTEBUF_INIT;
	struct pw_msg		m;
	size_t			i;

	if (pw_ext_handshake_parse(p, len, &h) != 0)
		return;
	CHECK(h.nm <= PW_EXT_MAX_NAMES);
	CHECK(h.yourip_len == 0 || h.yourip_len == 4 || h.yourip_len == 16);
	CHECK(strlen(h.client) <= PW_EXT_CLIENT_MAX);
	for (i = 0; i < h.nm; i++)
		CHECK(pw_ext_handshake_id(&h, h.m[i].name) == h.m[i].id ||
		    h.m[i].id == 0);
	CHECK(pw_ext_handshake_put(&b, &h) == 0);
	CHECK(pw_msg_next(b.data, b.len, &m) == (ssize_t)b.len);
	CHECK(m.id == PW_EXTENDED && m.ext_id == PW_EXT_HANDSHAKE);
	CHECK(pw_ext_handshake_parse(m.payload + 1, m.len - 1, &r) == 0);
	CHECK(r.nm == h.nm && r.port == h.port && r.reqq == h.reqq &&
	    r.metadata_size == h.metadata_size &&
	    r.yourip_len == h.yourip_len &&
	    strcmp(r.client, h.client) == 0);
	for (i = 0; i < h.nm; i++)
		CHECK(pw_ext_handshake_id(&r, h.m[i].name) ==
		    pw_ext_handshake_id(&h, h.m[i].name));
	bytebuf_free(&b);
}

static void
pex(const uint8_t *p, size_t len)
{
	static struct pw_pex	x, r;
	struct bytebuf		b = BYTEBUF_INIT;
	struct pw_msg		m;

	if (pw_pex_parse(p, len, &x) != 0)
		return;
	CHECK(x.nadded <= PW_PEX_MAX && x.ndropped <= PW_PEX_MAX);
	CHECK(pw_pex_put(&b, 1, &x) == 0);
	CHECK(pw_msg_next(b.data, b.len, &m) == (ssize_t)b.len);
	CHECK(pw_pex_parse(m.payload + 1, m.len - 1, &r) == 0);
	/* The builder groups by family; counts survive. */
	CHECK(r.nadded == x.nadded && r.ndropped == x.ndropped);
	bytebuf_free(&b);
}

/* Build the message again from its decoded fields: the same bytes. */
static void
rebuild(const struct pw_msg *m, const uint8_t *raw, size_t rawlen)
{
	struct bytebuf	b = BYTEBUF_INIT;
	size_t		mark;

	switch (m->id) {
	case PW_KEEPALIVE:
		pw_put_keepalive(&b);
		break;
	case PW_CHOKE:
	case PW_UNCHOKE:
	case PW_INTERESTED:
	case PW_NOT_INTERESTED:
	case PW_HAVE_ALL:
	case PW_HAVE_NONE:
		pw_put_simple(&b, (uint8_t)m->id);
		break;
	case PW_HAVE:
	case PW_SUGGEST:
	case PW_ALLOWED_FAST:
		pw_put_index(&b, (uint8_t)m->id, m->index);
		break;
	case PW_REQUEST:
	case PW_CANCEL:
	case PW_REJECT:
		pw_put_block(&b, (uint8_t)m->id, m->index, m->begin,
		    m->length);
		break;
	case PW_PIECE:
		CHECK(pw_put_piece(&b, m->index, m->begin, m->payload + 8,
		    m->len - 8) == 0);
		break;
	case PW_PORT:
		pw_put_port(&b, m->port);
		break;
	case PW_EXTENDED:
		CHECK(pw_put_extended(&b, m->ext_id, m->payload + 1,
		    m->len - 1) == 0);
		break;
	default:
		mark = pw_msg_begin(&b, (uint8_t)m->id);
		bytebuf_append(&b, m->payload, m->len);
		CHECK(pw_msg_end(&b, mark) == 0);
		break;
	}
	CHECK(!bytebuf_failed(&b));
	CHECK(b.len == rawlen && memcmp(b.data, raw, rawlen) == 0);
	bytebuf_free(&b);
}

static void
message(const struct pw_msg *m, uint32_t npieces)
{
	uint8_t		*copy;
	ssize_t		 span;

	copy = malloc(m->len ? m->len : 1);
	CHECK(copy != NULL);
	if (m->len > 0)
		memcpy(copy, m->payload, m->len);
	switch (m->id) {
	case PW_BITFIELD:
		if (bitfield_check(copy, m->len, npieces) == 0) {
			CHECK(m->len == bitfield_len(npieces));
			CHECK(bitfield_count(copy, npieces) <= npieces);
		}
		/* The length it announces, for any piece count that fits. */
		if (m->len > 0 && m->len < UINT32_MAX / 8)
			(void)bitfield_check(copy, m->len,
			    (uint32_t)m->len * 8 - (npieces & 7));
		break;
	case PW_EXTENDED:
		CHECK(m->len >= 1);
		span = pw_benc_span(copy + 1, m->len - 1);
		CHECK(span < 0 || (size_t)span <= m->len - 1);
		if (copy[0] == PW_EXT_HANDSHAKE)
			ext_handshake(copy + 1, m->len - 1);
		else
			pex(copy + 1, m->len - 1);
		break;
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_handshake	 h;
	struct pw_msg		 m;
	const uint8_t		*p = data;
	size_t			 left = size;
	uint32_t		 npieces = 0;
	ssize_t			 n;
	char			 name[16];

	n = pw_handshake_parse(p, left, &h);
	CHECK(n == 0 || n == PW_HANDSHAKE_LEN || n == -EPROTO);
	if (n == PW_HANDSHAKE_LEN) {
		/* Take a piece count from the info-hash to vary it. */
		npieces = (uint32_t)h.info_hash[0] << 8 | h.info_hash[1];
		p += n;
		left -= (size_t)n;
	}
	while ((n = pw_msg_next(p, left, &m)) > 0) {
		CHECK((size_t)n <= left && (size_t)n >= PW_LEN_PREFIX);
		CHECK(m.id == PW_KEEPALIVE ||
		    (size_t)n == PW_LEN_PREFIX + 1 + m.len);
		CHECK(pw_msg_name(m.id, name) != NULL);
		rebuild(&m, p, (size_t)n);
		message(&m, npieces);
		p += n;
		left -= (size_t)n;
	}
	CHECK(n == 0 || n == -EMSGSIZE || n == -EBADMSG);
	return 0;
}
