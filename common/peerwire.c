/* SPDX-License-Identifier: ISC */
/*
 * peerwire.c - BitTorrent handshake, message framing and builders.
 *
 * The framing step already checks every known message's payload length
 * and decodes its fixed fields, so the connection code above it never
 * sees a choke with a payload or a short request.  Extended handshake
 * and ut_pex live in peerwire-ext.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/bigend.h"
#include "common/bitfield.h"
#include "common/peerwire.h"

/* Payload lengths (after the id byte) of the messages we know. */
struct pw_spec {
	const char	*name;
	uint32_t	 min;
	uint32_t	 max;
};

#define PW_ANY		PW_MAX_MSG_LEN

static const struct pw_spec pw_specs[] = {
	[PW_CHOKE] = { "choke", 0, 0 },
	[PW_UNCHOKE] = { "unchoke", 0, 0 },
	[PW_INTERESTED] = { "interested", 0, 0 },
	[PW_NOT_INTERESTED] = { "not interested", 0, 0 },
	[PW_HAVE] = { "have", 4, 4 },
	[PW_BITFIELD] = { "bitfield", 0, PW_ANY },
	[PW_REQUEST] = { "request", 12, 12 },
	[PW_PIECE] = { "piece", 9, PW_ANY },
	[PW_CANCEL] = { "cancel", 12, 12 },
	[PW_PORT] = { "port", 2, 2 },
	[PW_SUGGEST] = { "suggest", 4, 4 },
	[PW_HAVE_ALL] = { "have all", 0, 0 },
	[PW_HAVE_NONE] = { "have none", 0, 0 },
	[PW_REJECT] = { "reject", 12, 12 },
	[PW_ALLOWED_FAST] = { "allowed fast", 4, 4 },
	[PW_EXTENDED] = { "extended", 1, PW_ANY },
};

#define PW_NSPECS	(sizeof(pw_specs) / sizeof(pw_specs[0]))

static const struct pw_spec *
pw_spec(int id)
{
	if (id < 0 || (size_t)id >= PW_NSPECS || pw_specs[id].name == NULL)
		return NULL;
	return &pw_specs[id];
}

static void
append32(struct bytebuf *b, uint32_t v)
{
	uint8_t	p[4];

	be_put32(p, v);
	bytebuf_append(b, p, sizeof(p));
}

void
pw_peer_id_make(uint8_t out[PW_PEER_ID_LEN],
    const uint8_t rnd[PW_PEER_ID_RANDOM])
{
	memcpy(out, PW_PEER_ID_PREFIX, PW_PEER_ID_PREFIX_LEN);
	memcpy(out + PW_PEER_ID_PREFIX_LEN, rnd, PW_PEER_ID_RANDOM);
}

void
pw_handshake_init(struct pw_handshake *h, const uint8_t *info_hash,
    const uint8_t *peer_id)
{
	memset(h->reserved, 0, sizeof(h->reserved));
	h->reserved[PW_RES_EXTENDED_BYTE] |= PW_RES_EXTENDED_MASK;
	h->reserved[PW_RES_FAST_BYTE] |= PW_RES_FAST_MASK;
	memcpy(h->info_hash, info_hash, PW_HASH_LEN);
	memcpy(h->peer_id, peer_id, PW_PEER_ID_LEN);
}

void
pw_handshake_put(struct bytebuf *b, const struct pw_handshake *h)
{
	bytebuf_append(b, PW_PROTOCOL, PW_PROTOCOL_LEN);
	bytebuf_append(b, h->reserved, sizeof(h->reserved));
	bytebuf_append(b, h->info_hash, PW_HASH_LEN);
	bytebuf_append(b, h->peer_id, PW_PEER_ID_LEN);
}

ssize_t
pw_handshake_parse(const uint8_t *p, size_t len, struct pw_handshake *h)
{
	size_t	n = len < PW_PROTOCOL_LEN ? len : PW_PROTOCOL_LEN;

	if (memcmp(p, PW_PROTOCOL, n) != 0)
		return -EPROTO;
	if (len < PW_HANDSHAKE_LEN)
		return 0;
	memcpy(h->reserved, p + 20, sizeof(h->reserved));
	memcpy(h->info_hash, p + 28, PW_HASH_LEN);
	memcpy(h->peer_id, p + 48, PW_PEER_ID_LEN);
	return PW_HANDSHAKE_LEN;
}

bool
pw_handshake_extended(const struct pw_handshake *h)
{
	return (h->reserved[PW_RES_EXTENDED_BYTE] & PW_RES_EXTENDED_MASK) != 0;
}

bool
pw_handshake_fast(const struct pw_handshake *h)
{
	return (h->reserved[PW_RES_FAST_BYTE] & PW_RES_FAST_MASK) != 0;
}

ssize_t
pw_msg_next(const uint8_t *p, size_t len, struct pw_msg *m)
{
	const struct pw_spec	*s;
	uint32_t		 n;
	const uint8_t		*pl;

	if (len < PW_LEN_PREFIX)
		return 0;
	memset(m, 0, sizeof(*m));
	n = be_get32(p);
	if (n == 0) {
		m->id = PW_KEEPALIVE;
		return PW_LEN_PREFIX;
	}
	if (n > PW_MAX_MSG_LEN)
		return -EMSGSIZE;
	if (len - PW_LEN_PREFIX < n)
		return 0;
	m->id = p[PW_LEN_PREFIX];
	m->payload = pl = p + PW_LEN_PREFIX + 1;
	m->len = n - 1;
	if ((s = pw_spec(m->id)) == NULL)
		return PW_LEN_PREFIX + (ssize_t)n;
	if (m->len < s->min || m->len > s->max)
		return -EBADMSG;
	switch (m->id) {
	case PW_HAVE:
	case PW_SUGGEST:
	case PW_ALLOWED_FAST:
		m->index = be_get32(pl);
		break;
	case PW_REQUEST:
	case PW_CANCEL:
	case PW_REJECT:
		m->length = be_get32(pl + 8);
		/* FALLTHROUGH */
	case PW_PIECE:
		m->index = be_get32(pl);
		m->begin = be_get32(pl + 4);
		break;
	case PW_PORT:
		m->port = (uint16_t)(pl[0] << 8 | pl[1]);
		break;
	case PW_EXTENDED:
		m->ext_id = pl[0];
		break;
	}
	return PW_LEN_PREFIX + (ssize_t)n;
}

const char *
pw_msg_name(int id, char buf[16])
{
	const struct pw_spec	*s;

	if (id == PW_KEEPALIVE)
		return "keep-alive";
	if ((s = pw_spec(id)) != NULL)
		return s->name;
	snprintf(buf, 16, "id %d", id);
	return buf;
}

size_t
pw_msg_begin(struct bytebuf *b, uint8_t id)
{
	size_t	mark = b->len;

	append32(b, 0);
	bytebuf_putc(b, id);
	return mark;
}

int
pw_msg_end(struct bytebuf *b, size_t mark)
{
	size_t	n;

	if (bytebuf_failed(b))
		return -ENOMEM;
	n = b->len - mark - PW_LEN_PREFIX;
	if (n > PW_MAX_MSG_LEN) {
		b->len = mark;
		return -EMSGSIZE;
	}
	be_put32(b->data + mark, (uint32_t)n);
	return 0;
}

void
pw_put_keepalive(struct bytebuf *b)
{
	append32(b, 0);
}

void
pw_put_simple(struct bytebuf *b, uint8_t id)
{
	append32(b, 1);
	bytebuf_putc(b, id);
}

void
pw_put_index(struct bytebuf *b, uint8_t id, uint32_t index)
{
	append32(b, 5);
	bytebuf_putc(b, id);
	append32(b, index);
}

void
pw_put_block(struct bytebuf *b, uint8_t id, uint32_t index, uint32_t begin,
    uint32_t length)
{
	append32(b, 13);
	bytebuf_putc(b, id);
	append32(b, index);
	append32(b, begin);
	append32(b, length);
}

int
pw_put_bitfield(struct bytebuf *b, const uint8_t *bits, uint32_t npieces)
{
	size_t	n = bitfield_len(npieces), mark;

	if (n + 1 > PW_MAX_MSG_LEN)
		return -EMSGSIZE;
	mark = pw_msg_begin(b, PW_BITFIELD);
	bytebuf_append(b, bits, n);
	if (!bytebuf_failed(b))
		bitfield_trim(b->data + b->len - n, npieces);
	return pw_msg_end(b, mark);
}

void
pw_put_piece_header(struct bytebuf *b, uint32_t index, uint32_t begin,
    uint32_t len)
{
	append32(b, 9 + len);
	bytebuf_putc(b, PW_PIECE);
	append32(b, index);
	append32(b, begin);
}

int
pw_put_piece(struct bytebuf *b, uint32_t index, uint32_t begin,
    const void *data, size_t len)
{
	size_t	mark;

	if (len == 0 || len > PW_MAX_MSG_LEN - 9)
		return -EMSGSIZE;
	mark = b->len;
	pw_put_piece_header(b, index, begin, (uint32_t)len);
	bytebuf_append(b, data, len);
	return pw_msg_end(b, mark);
}

void
pw_put_port(struct bytebuf *b, uint16_t port)
{
	append32(b, 3);
	bytebuf_putc(b, PW_PORT);
	bytebuf_putc(b, port >> 8);
	bytebuf_putc(b, port & 0xff);
}

int
pw_put_extended(struct bytebuf *b, uint8_t ext_id, const void *p, size_t len)
{
	size_t	mark;

	if (len > PW_MAX_MSG_LEN - 2)
		return -EMSGSIZE;
	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, ext_id);
	bytebuf_append(b, p, len);
	return pw_msg_end(b, mark);
}

/* Skip a bencoded integer or string starting at p[*pos]. */
static int
pw_benc_skip_atom(const uint8_t *p, size_t len, size_t *pos)
{
	size_t		i = *pos, digits = 0;
	uint64_t	n = 0;	/* ten digits overflow a 32-bit size_t */

	if (p[i] == 'i') {
		i++;
		if (i < len && p[i] == '-')
			i++;
		for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			digits++;
		if (digits == 0 || digits > 20 || i >= len || p[i] != 'e')
			return -EBADMSG;
		*pos = i + 1;
		return 0;
	}
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		if (++digits > 10)
			return -EBADMSG;
		n = n * 10 + (uint64_t)(p[i] - '0');
	}
	if (digits == 0 || i >= len || p[i] != ':' || n > len - i - 1)
		return -EBADMSG;
	*pos = i + 1 + (size_t)n;
	return 0;
}

ssize_t
pw_benc_span(const uint8_t *p, size_t len)
{
	size_t		pos = 0;
	unsigned	depth = 0;

	do {
		if (pos >= len)
			return -EBADMSG;
		switch (p[pos]) {
		case 'l':
		case 'd':
			if (++depth > PW_BENC_DEPTH)
				return -EBADMSG;
			pos++;
			break;
		case 'e':
			if (depth == 0)
				return -EBADMSG;
			depth--;
			pos++;
			break;
		default:
			if (pw_benc_skip_atom(p, len, &pos) != 0)
				return -EBADMSG;
			break;
		}
	} while (depth > 0);
	return pos > (size_t)SSIZE_MAX ? -EBADMSG : (ssize_t)pos;
}
