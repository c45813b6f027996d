/* SPDX-License-Identifier: ISC */
/*
 * fuzz_trkannounce.c - fuzz target for the embedded tracker's HTTP
 * requests (daemon/tracker/httpmsg.c).
 *
 * The first byte picks the parser: 0 an announce query, 1 a scrape
 * query, 2 a seed-batch body; the rest is the input.  What an announce
 * parser accepts must be whole (port 1 to 65535); what a seed batch
 * accepts must lie inside the body (1 to 1000 hashes); every reply
 * built from what was read must parse back with the client's parser.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/trackermsg.h"
#include "daemon/tracker/httpmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
announce(const char *q, size_t len)
{
	static struct trk_reply	 r;
	struct thttp_announce	 a;
	struct thttp_reply	 rep = { 0 };
	struct swarms_peer	 p = { .family = 4 };
	struct bytebuf		 b = BYTEBUF_INIT;

	if (thttp_parse_announce(q, len, &a) != NULL)
		return;
	CHECK(a.port != 0);
	CHECK(a.event <= TRK_EV_STOPPED);
	CHECK(a.numwant >= -1 && a.numwant <= INT32_MAX);
	/* The asker as a peer of the reply: it must come back. */
	p.port = a.port;
	memcpy(p.addr, a.info_hash, 4);
	rep.peers4 = &p;
	rep.n4 = 1;
	rep.interval = 1800;
	thttp_put_announce(&b, &rep);
	CHECK(!bytebuf_failed(&b));
	CHECK(trk_http_parse(b.data, b.len, &r) == 0);
	CHECK(r.npeers == 1 && r.peers[0].port == a.port);
	bytebuf_free(&b);
}

static void
scrape(const char *q, size_t len)
{
	static uint8_t		 h[THTTP_SCRAPE_MAX][20];
	struct swarms_counts	 c[THTTP_SCRAPE_MAX] = { { 0 } };
	struct trk_scrape	 s;
	struct bytebuf		 b = BYTEBUF_INIT;
	size_t			 n, i;
	bool			 failed;

	if (thttp_parse_scrape(q, len, h, &n) != NULL)
		return;
	CHECK(n >= 1 && n <= THTTP_SCRAPE_MAX);
	for (i = 0; i < n; i++)
		c[i].complete = (uint32_t)i + 1;
	thttp_put_scrape(&b, (const uint8_t (*)[20])h, c, n);
	CHECK(!bytebuf_failed(&b));
	CHECK(trk_http_scrape_parse(b.data, b.len, h[0], &s, &failed) == 0);
	CHECK(!failed && s.complete >= 1);
	bytebuf_free(&b);
}

static void
seeds(const uint8_t *body, size_t len)
{
	struct thttp_seeds	s;

	if (thttp_parse_seeds(body, len, &s) != NULL)
		return;
	CHECK(s.port != 0);
	CHECK(s.n >= 1 && s.n <= THTTP_SEEDS_MAX);
	CHECK(s.hashes >= body && s.hashes + 20 * s.n <= body + len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*q;

	if (len < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
	case 1:
		/* evhttp hands over a NUL-terminated query without NULs. */
		if ((q = malloc(len)) == NULL)
			return 0;
		memcpy(q, data + 1, len - 1);
		q[len - 1] = '\0';
		if (data[0] % 3 == 0)
			announce(q, strlen(q));
		else
			scrape(q, strlen(q));
		free(q);
		break;
	default:
		seeds(data + 1, len - 1);
		break;
	}
	return 0;
}
