/* SPDX-License-Identifier: ISC */
/*
 * fuzz_trackermsg.c - fuzz target for tracker replies (HTTP and UDP).
 *
 * The first byte picks the parser: below 240, its value modulo 6: 0 an
 * HTTP announce reply (with the "aptbt seeds" advertisement), 1 an HTTP
 * scrape reply, 2..5 a UDP reply to a connect, an IPv4 announce, an IPv6
 * announce or a scrape (transaction id 0x01020304); from 240 on, a
 * batched seed announce reply.  Whatever a parser accepts must be
 * bounded: at most TRK_MAX_PEERS peers of a known
 * family, NUL-terminated texts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/trackermsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_reply(const struct trk_reply *r)
{
	size_t	i;

	CHECK(r->npeers <= TRK_MAX_PEERS);
	CHECK(memchr(r->message, '\0', sizeof(r->message)) != NULL);
	CHECK(memchr(r->tracker_id, '\0', sizeof(r->tracker_id)) != NULL);
	CHECK(memchr(r->seeds_path, '\0', sizeof(r->seeds_path)) != NULL);
	CHECK(r->seeds_path[0] == '\0' || (r->seeds_path[0] == '/' &&
	    strpbrk(r->seeds_path, "?#: ") == NULL));
	for (i = 0; i < r->npeers; i++) {
		CHECK(r->peers[i].family == 4 || r->peers[i].family == 6);
		(void)trk_peer_dialable(&r->peers[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct trk_reply	r;
	struct trk_scrape	s[4];
	static const uint8_t	ih[20] = "aaaaaaaaaaaaaaaaaaaa";
	uint64_t		cid;
	bool			failed;
	int			rc;

	if (len < 1)
		return 0;
	if (data[0] >= 240) {
		struct trk_batch_reply	b;

		if (trk_batch_parse(data + 1, len - 1, &b) == 0) {
			CHECK(memchr(b.message, '\0', sizeof(b.message)) != NULL);
			CHECK(b.failed || b.interval >= 0);
		}
		return 0;
	}
	switch (data[0] % 6) {
	case 0:
		if (trk_http_parse(data + 1, len - 1, &r) == 0)
			check_reply(&r);
		break;
	case 1:
		(void)trk_http_scrape_parse(data + 1, len - 1, ih, s, &failed);
		break;
	case 2:
		(void)trk_udp_parse(data + 1, len - 1, 0x01020304,
		    TRK_ACT_CONNECT, false, &cid, &r, NULL, 0);
		break;
	case 3:
	case 4:
		rc = trk_udp_parse(data + 1, len - 1, 0x01020304,
		    TRK_ACT_ANNOUNCE, data[0] % 6 == 4, NULL, &r, NULL, 0);
		if (rc >= 0)
			check_reply(&r);
		break;
	case 5:
		(void)trk_udp_parse(data + 1, len - 1, 0x01020304,
		    TRK_ACT_SCRAPE, false, NULL, &r, s, 4);
		break;
	}
	return 0;
}
