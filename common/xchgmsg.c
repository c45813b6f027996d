/* SPDX-License-Identifier: ISC */
/*
 * xchgmsg.c - the body of a tracker peer exchange (see xchgmsg.h).
 */
#include "config.h"

#include <string.h>

#include "common/bigend.h"
#include "common/xchgmsg.h"

void
xchg_begin(struct xchg_builder *b)
{
	b->buf[0] = 'a';
	b->buf[1] = 'p';
	b->buf[2] = 't';
	b->buf[3] = 'x';
	b->buf[4] = XCHG_VERSION;
	b->buf[5] = 0;
	be_put16(b->buf + 6, 0);
	b->len = XCHG_HDR_LEN;
	b->nswarms = 0;
}

int
xchg_add(struct xchg_builder *b, const uint8_t ih[20],
    const struct xchg_peer *p, size_t n)
{
	size_t		 i, n4 = 0, n6 = 0, need;
	uint8_t		*o;

	for (i = 0; i < n; i++) {
		if (p[i].family == 4 && n4 < XCHG_MAX_PEERS)
			n4++;
		else if (p[i].family == 6 && n6 < XCHG_MAX_PEERS)
			n6++;
	}
	need = 22 + n4 * 6 + n6 * 18;
	if (b->nswarms >= XCHG_MAX_SWARMS || b->len + need > XCHG_MAX_BODY)
		return -1;
	o = b->buf + b->len;
	memcpy(o, ih, 20);
	o[20] = (uint8_t)n4;
	o[21] = (uint8_t)n6;
	o += 22;
	/* IPv4 first, then IPv6, each up to the bound. */
	for (i = 0, n4 = 0; i < n; i++)
		if (p[i].family == 4 && n4++ < XCHG_MAX_PEERS) {
			memcpy(o, p[i].addr, 4);
			be_put16(o + 4, p[i].port);
			o += 6;
		}
	for (i = 0, n6 = 0; i < n; i++)
		if (p[i].family == 6 && n6++ < XCHG_MAX_PEERS) {
			memcpy(o, p[i].addr, 16);
			be_put16(o + 16, p[i].port);
			o += 18;
		}
	b->len += need;
	b->nswarms++;
	return 0;
}

size_t
xchg_finish(struct xchg_builder *b)
{
	be_put16(b->buf + 6, b->nswarms);
	return b->len;
}

static bool
zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return false;
	return true;
}

int
xchg_check(const uint8_t *p, size_t len)
{
	size_t		 off = XCHG_HDR_LEN, i, j, k, n4, n6, ns;

	if (len < XCHG_HDR_LEN || len > XCHG_MAX_BODY)
		return -1;
	if (memcmp(p, "aptx", 4) != 0 || p[4] != XCHG_VERSION || p[5] != 0)
		return -1;
	ns = be_get16(p + 6);
	if (ns > XCHG_MAX_SWARMS)
		return -1;
	for (i = 0; i < ns; i++) {
		if (len - off < 22)
			return -1;
		n4 = p[off + 20];
		n6 = p[off + 21];
		if (n4 > XCHG_MAX_PEERS || n6 > XCHG_MAX_PEERS ||
		    len - off - 22 < n4 * 6 + n6 * 18)
			return -1;
		/* Each swarm once: a body cannot weigh one swarm twice. */
		for (j = XCHG_HDR_LEN, k = 0; k < i; k++) {
			if (memcmp(p + j, p + off, 20) == 0)
				return -1;
			j += 22 + (size_t)p[j + 20] * 6 + (size_t)p[j + 21] * 18;
		}
		for (j = 0; j < n4; j++) {
			const uint8_t *q = p + off + 22 + j * 6;

			if (zero(q, 4) || be_get16(q + 4) == 0)
				return -1;
		}
		for (j = 0; j < n6; j++) {
			const uint8_t *q = p + off + 22 + n4 * 6 + j * 18;

			if (zero(q, 16) || be_get16(q + 16) == 0)
				return -1;
		}
		off += 22 + n4 * 6 + n6 * 18;
	}
	return off == len ? (int)ns : -1;
}

int
xchg_next(const uint8_t *p, size_t len, size_t *off, struct xchg_swarm *s)
{
	const uint8_t	*q;
	size_t		 i, o = *off;

	if (o + 22 > len)
		return -1;
	memcpy(s->ih, p + o, 20);
	s->n4 = p[o + 20];
	s->n6 = p[o + 21];
	if (s->n4 > XCHG_MAX_PEERS || s->n6 > XCHG_MAX_PEERS ||
	    o + 22 + (size_t)s->n4 * 6 + (size_t)s->n6 * 18 > len)
		return -1;
	q = p + o + 22;
	for (i = 0; i < s->n4; i++, q += 6) {
		memset(&s->peers[i], 0, sizeof(s->peers[i]));
		s->peers[i].family = 4;
		memcpy(s->peers[i].addr, q, 4);
		s->peers[i].port = be_get16(q + 4);
	}
	for (i = 0; i < s->n6; i++, q += 18) {
		struct xchg_peer *x = &s->peers[s->n4 + i];

		x->family = 6;
		memcpy(x->addr, q, 16);
		x->port = be_get16(q + 16);
	}
	*off = (size_t)(q - p);
	return 0;
}

static bool
private4(const uint8_t *a)
{
	return a[0] == 10 || a[0] == 127 ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64);
}

bool
xchg_private(const struct xchg_peer *p)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t	loop6[16] = { [15] = 1 };

	if (p->family == 4)
		return private4(p->addr);
	if (memcmp(p->addr, mapped, 12) == 0)
		return private4(p->addr + 12);
	return (p->addr[0] & 0xfe) == 0xfc ||			/* ULA */
	    (p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80) || /* link */
	    memcmp(p->addr, loop6, 16) == 0;
}
