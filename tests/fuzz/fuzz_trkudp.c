/* SPDX-License-Identifier: ISC */
/*
 * fuzz_trkudp.c - fuzz target for the embedded tracker's UDP packets
 * (daemon/tracker/udpmsg.c).
 *
 * The input is one datagram.  What the parser accepts must be whole
 * (a connect carries the magic, an announce a port and a known event, a
 * scrape 1 to TUDP_SCRAPE_MAX hashes inside the packet); a refusal of a
 * packet of 16 bytes or more must say why; and the reply built for it
 * must parse back with the client's parser, transaction id included.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/trackermsg.h"
#include "daemon/tracker/udpmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct trk_reply		 r;
	static struct trk_scrape	 ts[TUDP_SCRAPE_MAX];
	struct swarms_counts		 c[TUDP_SCRAPE_MAX] = { { 0 } };
	struct swarms_peer		 p = { .family = 4 };
	struct tudp_req			 q;
	uint8_t				 out[TUDP_MAX_PACKET];
	uint64_t			 cid;
	size_t				 n;
	int				 rc;

	rc = tudp_parse(data, len, &q);
	if (rc == -TUDP_ESHORT) {
		CHECK(len < 16);
		return 0;
	}
	if (rc != 0) {
		CHECK(q.why != NULL);
		n = tudp_put_error(out, sizeof(out), q.tid, q.why);
		CHECK(trk_udp_parse(out, n, q.tid, TRK_ACT_ANNOUNCE, false,
		    NULL, &r, NULL, 0) == TRK_ACT_ERROR && r.failed);
		return 0;
	}
	switch (q.action) {
	case TRK_ACT_CONNECT:
		CHECK(q.cid == TRK_UDP_MAGIC);
		n = tudp_put_connect(out, sizeof(out), q.tid, 42);
		CHECK(trk_udp_parse(out, n, q.tid, TRK_ACT_CONNECT, false,
		    &cid, NULL, NULL, 0) == TRK_ACT_CONNECT && cid == 42);
		break;
	case TRK_ACT_ANNOUNCE:
		CHECK(len >= TRK_UDP_ANNOUNCE_LEN);
		CHECK(q.port != 0 && q.event <= TRK_EV_STOPPED);
		p.port = q.port;
		memcpy(p.addr, q.info_hash, 4);
		n = tudp_put_announce(out, sizeof(out), q.tid, 1800, 1, 2, &p,
		    1);
		CHECK(trk_udp_parse(out, n, q.tid, TRK_ACT_ANNOUNCE, false,
		    NULL, &r, NULL, 0) == TRK_ACT_ANNOUNCE);
		CHECK(r.npeers == 1 && r.peers[0].port == q.port);
		break;
	case TRK_ACT_SCRAPE:
		CHECK(q.nhashes >= 1 && q.nhashes <= TUDP_SCRAPE_MAX);
		CHECK(q.hashes + 20 * q.nhashes <= data + len);
		n = tudp_put_scrape(out, sizeof(out), q.tid, c, q.nhashes);
		CHECK(trk_udp_parse(out, n, q.tid, TRK_ACT_SCRAPE, false,
		    NULL, NULL, ts, q.nhashes) == TRK_ACT_SCRAPE);
		break;
	default:
		CHECK(0);
	}
	return 0;
}
