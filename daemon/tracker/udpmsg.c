/* SPDX-License-Identifier: ISC */
/*
 * udpmsg.c - BEP 15 packets, server side (see udpmsg.h).
 */
#include <string.h>

#include "common/bigend.h"
#include "daemon/tracker/udpmsg.h"

static int
form(struct tudp_req *r, const char *why)
{
	r->why = why;
	return -TUDP_EFORM;
}

static int
announce(const uint8_t *b, size_t len, struct tudp_req *r)
{
	uint32_t	ev;

	if (len < TRK_UDP_ANNOUNCE_LEN)
		return form(r, "announce too short");
	memcpy(r->info_hash, b + 16, 20);
	memcpy(r->peer_id, b + 36, 20);
	r->downloaded = be_get64(b + 56);
	r->left = be_get64(b + 64);
	r->uploaded = be_get64(b + 72);
	ev = be_get32(b + 80);
	/* b + 84: ip (ignored: the source address counts), b + 88: key. */
	r->numwant = (int32_t)be_get32(b + 92);
	r->port = (uint16_t)(b[96] << 8 | b[97]);
	if (ev > TRK_EV_STOPPED)
		return form(r, "unknown event");
	r->event = (enum trk_event)ev;
	if (r->port == 0)
		return form(r, "port 0");
	return 0;
}

int
tudp_parse(const uint8_t *b, size_t len, struct tudp_req *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 16)
		return -TUDP_ESHORT;
	r->cid = be_get64(b);
	r->action = be_get32(b + 8);
	r->tid = be_get32(b + 12);
	switch (r->action) {
	case TRK_ACT_CONNECT:
		if (r->cid != TRK_UDP_MAGIC)
			return form(r, "connect without the protocol id");
		return 0;
	case TRK_ACT_ANNOUNCE:
		return announce(b, len, r);
	case TRK_ACT_SCRAPE:
		r->nhashes = (len - 16) / 20;
		if (r->nhashes == 0)
			return form(r, "scrape without info-hash");
		if (r->nhashes > TUDP_SCRAPE_MAX)
			r->nhashes = TUDP_SCRAPE_MAX;
		r->hashes = b + 16;
		return 0;
	default:
		r->why = "unknown action";
		return -TUDP_EACTION;
	}
}

size_t
tudp_put_connect(uint8_t *out, size_t outlen, uint32_t tid, uint64_t cid)
{
	if (outlen < 16)
		return 0;
	be_put32(out, TRK_ACT_CONNECT);
	be_put32(out + 4, tid);
	be_put64(out + 8, cid);
	return 16;
}

size_t
tudp_put_announce(uint8_t *out, size_t outlen, uint32_t tid,
    uint32_t interval, uint32_t leechers, uint32_t seeders,
    const struct swarms_peer *p, size_t n)
{
	size_t	i, at = 20, alen;

	if (outlen < 20)
		return 0;
	be_put32(out, TRK_ACT_ANNOUNCE);
	be_put32(out + 4, tid);
	be_put32(out + 8, interval);
	be_put32(out + 12, leechers);
	be_put32(out + 16, seeders);
	for (i = 0; i < n; i++) {
		alen = p[i].family == 6 ? 16 : 4;
		if (outlen - at < alen + 2)
			break;
		/* Constant sizes: the copy is two moves, not a call. */
		if (alen == 4)
			memcpy(out + at, p[i].addr, 4);
		else
			memcpy(out + at, p[i].addr, 16);
		out[at + alen] = (uint8_t)(p[i].port >> 8);
		out[at + alen + 1] = (uint8_t)p[i].port;
		at += alen + 2;
	}
	return at;
}

size_t
tudp_put_scrape(uint8_t *out, size_t outlen, uint32_t tid,
    const struct swarms_counts *c, size_t n)
{
	size_t	i;

	if (outlen < 8 + 12 * n)
		return 0;
	be_put32(out, TRK_ACT_SCRAPE);
	be_put32(out + 4, tid);
	for (i = 0; i < n; i++) {
		be_put32(out + 8 + 12 * i, c[i].complete);
		be_put32(out + 12 + 12 * i, c[i].downloaded);
		be_put32(out + 16 + 12 * i, c[i].incomplete);
	}
	return 8 + 12 * n;
}

size_t
tudp_put_error(uint8_t *out, size_t outlen, uint32_t tid, const char *msg)
{
	size_t	n = strlen(msg);

	if (outlen < 8)
		return 0;
	if (n > outlen - 8)
		n = outlen - 8;
	be_put32(out, TRK_ACT_ERROR);
	be_put32(out + 4, tid);
	memcpy(out + 8, msg, n);
	return 8 + n;
}
