/* SPDX-License-Identifier: ISC */
/*
 * check_trkserver.c - unit tests for the embedded tracker's pure parts:
 * HTTP requests and replies (httpmsg.c), UDP packets (udpmsg.c),
 * connection ids (connid.c) and rate limits (ratelimit.c).  Replies are
 * read back with the tracker client's parsers (common/trackermsg.c), so
 * the two sides are held to one reading of the protocols.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/bencode.h"
#include "common/trackermsg.h"
#include "daemon/tracker/connid.h"
#include "daemon/tracker/httpmsg.h"
#include "daemon/tracker/ratelimit.h"
#include "daemon/tracker/udpmsg.h"

#define IH	"%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14"
#define PID	"-XX0001-abcdefghijkl"

static const char *
ann(const char *q, struct thttp_announce *a)
{
	return thttp_parse_announce(q, strlen(q), a);
}

START_TEST(test_http_announce)
{
	struct thttp_announce	a;
	char			long_q[THTTP_MAX_QUERY + 100];

	ck_assert_ptr_null(ann("info_hash=" IH "&peer_id=" PID "&port=6881"
	    "&uploaded=1&downloaded=2&left=0&event=completed&numwant=30"
	    "&compact=1&key=abc&ip=1.2.3.4", &a));
	ck_assert_uint_eq(a.info_hash[0], 1);
	ck_assert_uint_eq(a.info_hash[19], 0x14);
	ck_assert_uint_eq(a.port, 6881);
	ck_assert(a.has_left && a.left == 0);
	ck_assert_int_eq(a.event, TRK_EV_COMPLETED);
	ck_assert_int_eq(a.numwant, 30);
	ck_assert_uint_eq(a.downloaded, 2);
	ck_assert_ptr_null(ann("info_hash=" IH "&peer_id=" PID "&port=1", &a));
	ck_assert_int_eq(a.numwant, -1);
	ck_assert(!a.has_left);
	ck_assert_ptr_null(ann("info_hash=" IH "&peer_id=" PID "&port=1"
	    "&numwant=100000000000", &a));
	ck_assert_int_eq(a.numwant, INT32_MAX);
	ck_assert_str_eq(ann("info_hash=%01%02&peer_id=" PID "&port=1", &a),
	    "info_hash is not 20 bytes");
	ck_assert_str_eq(ann("info_hash=" IH IH IH IH "&peer_id=" PID
	    "&port=1", &a), "info_hash is not 20 bytes");
	ck_assert_str_eq(ann("info_hash=" IH "&peer_id=" PID "&port=0", &a),
	    "port is not 1 to 65535");
	ck_assert_str_eq(ann("info_hash=" IH "&peer_id=" PID "&port=65536",
	    &a), "port is not 1 to 65535");
	ck_assert_str_eq(ann("peer_id=" PID "&port=1", &a),
	    "missing info_hash");
	ck_assert_str_eq(ann("info_hash=" IH "&port=1", &a),
	    "missing peer_id");
	ck_assert_str_eq(ann("info_hash=" IH "&peer_id=" PID, &a),
	    "missing port");
	ck_assert_str_eq(ann("info_hash=" IH "&peer_id=" PID "&port=1"
	    "&event=bogus", &a), "unknown event");
	ck_assert_str_eq(ann("info_hash=%zz" IH "&peer_id=" PID "&port=1",
	    &a), "info_hash is not 20 bytes");
	ck_assert_str_eq(ann("info_hash=" IH "&peer_id=" PID "&port=1"
	    "&left=-1", &a), "a count is not a number");
	memset(long_q, 'x', sizeof(long_q) - 1);
	long_q[sizeof(long_q) - 1] = '\0';
	ck_assert_str_eq(ann(long_q, &a), "request too long");
	ck_assert_str_eq(thttp_parse_announce(NULL, 0, &a),
	    "missing info_hash");
	/* Hex digits of either case; an escape cut short is refused. */
	ck_assert_ptr_null(ann("info_hash=%aB%Cd%eF%00%01%02%03%04%05%06%07"
	    "%08%09%0A%0b%0C%0d%0E%0f%10&peer_id=" PID "&port=1", &a));
	ck_assert_uint_eq(a.info_hash[0], 0xab);
	ck_assert_uint_eq(a.info_hash[1], 0xcd);
	ck_assert_uint_eq(a.info_hash[2], 0xef);
	ck_assert_uint_eq(a.info_hash[13], 0x0a);
	ck_assert_str_eq(ann("peer_id=" PID "&port=1&info_hash=%01%02%03%04"
	    "%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%1", &a),
	    "info_hash is not 20 bytes");
	ck_assert_str_eq(ann("info_hash=" IH "&peer_id=" PID "&port=1&left=%",
	    &a), "a count is not a number");
	/* A key is known by its whole name only. */
	ck_assert_str_eq(ann("info_hashx=" IH "&peer_id=" PID "&port=1", &a),
	    "missing info_hash");
	ck_assert_str_eq(ann("info_has=" IH "&peer_id=" PID "&port=1", &a),
	    "missing info_hash");
}
END_TEST

/* What we write, the client's parser reads back the same. */
START_TEST(test_http_reply)
{
	struct bytebuf			 b = BYTEBUF_INIT, ref = BYTEBUF_INIT;
	struct thttp_reply		 r = { 0 };
	struct swarms_peer		 p4[2] = { 0 }, p6[1] = { 0 };
	struct swarms_peer		 many[20] = { 0 };
	static struct trk_reply		 tr;
	size_t				 i;

	p4[0].family = p4[1].family = 4;
	memcpy(p4[0].addr, "\x0a\x00\x00\x01", 4);
	p4[0].port = 6881;
	memcpy(p4[1].addr, "\x0a\x00\x00\x02", 4);
	p4[1].port = 6882;
	p6[0].family = 6;
	p6[0].addr[0] = 0x20;
	p6[0].addr[15] = 1;
	p6[0].port = 7000;
	r.interval = 1800;
	r.min_interval = 900;
	r.complete = 3;
	r.incomplete = 4;
	r.peers4 = p4;
	r.n4 = 2;
	r.peers6 = p6;
	r.n6 = 1;
	thttp_put_announce(&b, &r);
	ck_assert(!bytebuf_failed(&b));
	ck_assert_int_eq(trk_http_parse(b.data, b.len, &tr), 0);
	ck_assert(!tr.failed);
	ck_assert_int_eq(tr.interval, 1800);
	ck_assert_int_eq(tr.min_interval, 900);
	ck_assert_int_eq(tr.complete, 3);
	ck_assert_int_eq(tr.incomplete, 4);
	ck_assert_uint_eq(tr.npeers, 3);
	ck_assert_uint_eq(tr.peers[1].port, 6882);
	ck_assert_uint_eq(tr.peers[2].family, 6);
	ck_assert_uint_eq(tr.peers[2].port, 7000);
	ck_assert_ptr_nonnull(memmem(b.data, b.len, "11:aptbt seeds12:"
	    "/aptbt/seeds", 29));
	/* The same bytes as the general encoder's, keys in order. */
	bytebuf_reset(&ref);
	benc_put_dict(&ref);
	benc_put_kv_str(&ref, THTTP_SEEDS_KEY, THTTP_SEEDS_PATH);
	benc_put_kv_int(&ref, "complete", 3);
	benc_put_kv_int(&ref, "incomplete", 4);
	benc_put_kv_int(&ref, "interval", 1800);
	benc_put_kv_int(&ref, "min interval", 900);
	benc_put_kv_bytes(&ref, "peers", "\x0a\x00\x00\x01\x1a\xe1"
	    "\x0a\x00\x00\x02\x1a\xe2", 12);
	benc_put_cstr(&ref, "peers6");
	benc_put_str(&ref, "\x20\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x1b\x58",
	    18);
	benc_put_end(&ref);
	ck_assert_uint_eq(b.len, ref.len);
	ck_assert_mem_eq(b.data, ref.data, ref.len);
	/* A negative interval (never sent) would still be an integer. */
	bytebuf_reset(&b);
	r.interval = -5;
	thttp_put_announce(&b, &r);
	ck_assert_ptr_nonnull(memmem(b.data, b.len, "8:intervali-5e", 14));
	r.interval = 1800;
	/* No peers: empty strings; many: a length of several digits. */
	bytebuf_reset(&b);
	r.n4 = r.n6 = 0;
	thttp_put_announce(&b, &r);
	ck_assert_ptr_nonnull(memmem(b.data, b.len, "5:peers0:6:peers60:e",
	    20));
	bytebuf_reset(&b);
	r.peers4 = many;
	r.n4 = sizeof(many) / sizeof(many[0]);
	for (i = 0; i < r.n4; i++) {
		many[i].family = 4;
		many[i].addr[3] = (uint8_t)i;
		many[i].port = (uint16_t)(1000 + i);
	}
	thttp_put_announce(&b, &r);
	ck_assert_ptr_nonnull(memmem(b.data, b.len, "5:peers120:", 11));
	ck_assert_int_eq(trk_http_parse(b.data, b.len, &tr), 0);
	ck_assert_uint_eq(tr.npeers, 20);
	ck_assert_uint_eq(tr.peers[19].port, 1019);
	ck_assert_uint_eq(tr.peers[19].addr[3], 19);
	bytebuf_reset(&b);
	thttp_put_failure(&b, "port is not 1 to 65535");
	ck_assert_int_eq(trk_http_parse(b.data, b.len, &tr), 0);
	ck_assert(tr.failed);
	ck_assert_str_eq(tr.message, "port is not 1 to 65535");
	bytebuf_free(&b);
	bytebuf_free(&ref);
}
END_TEST

START_TEST(test_http_scrape)
{
	uint8_t			 h[THTTP_SCRAPE_MAX][20], ih[20];
	struct swarms_counts	 c[2] = { { 5, 6, 7 }, { 1, 2, 3 } };
	struct trk_scrape	 s;
	struct bytebuf		 b = BYTEBUF_INIT;
	struct benc_doc		 doc;
	const char		*q = "info_hash=" IH "&info_hash=" IH
				    "&info_hash=%ff%ff%ff%ff%ff%ff%ff%ff%ff"
				    "%ff%ff%ff%ff%ff%ff%ff%ff%ff%ff%ff";
	bool			 failed;
	size_t			 n, i;
	char			 many[THTTP_MAX_QUERY];

	ck_assert_ptr_null(thttp_parse_scrape(q, strlen(q), h, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(thttp_parse_scrape("", 0, h, &n),
	    "a scrape names info_hash (no full scrape)");
	ck_assert_str_eq(thttp_parse_scrape("info_hash=ab", 12, h, &n),
	    "info_hash is not 20 bytes");
	many[0] = '\0';
	for (i = 0; i <= THTTP_SCRAPE_MAX; i++)
		strcat(many, "info_hash=aaaaaaaaaaaaaaaaaaaa&");
	ck_assert_str_eq(thttp_parse_scrape(many, strlen(many), h, &n),
	    "too many info_hash in one scrape");
	/* The duplicate once; each hash with its counts. */
	ck_assert_ptr_null(thttp_parse_scrape(q, strlen(q), h, &n));
	memcpy(h[1], h[2], 20);
	thttp_put_scrape(&b, (const uint8_t (*)[20])h, (struct swarms_counts[]){
	    c[0], c[1], c[1] }, 3);
	/* Canonical: keys sorted and each once. */
	ck_assert_int_eq(benc_parse(&doc, b.data, b.len, NULL, BENC_STRICT),
	    0);
	benc_free(&doc);
	for (i = 0; i < 20; i++)
		ih[i] = (uint8_t)(i + 1);
	ck_assert_int_eq(trk_http_scrape_parse(b.data, b.len, ih, &s,
	    &failed), 0);
	ck_assert_int_eq(s.complete, 5);
	ck_assert_int_eq(s.downloaded, 7);
	ck_assert_int_eq(s.incomplete, 6);
	memset(ih, 0xff, 20);
	ck_assert_int_eq(trk_http_scrape_parse(b.data, b.len, ih, &s,
	    &failed), 0);
	ck_assert_int_eq(s.complete, 1);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_http_seeds)
{
	struct thttp_seeds	 s;
	struct bytebuf		 b = BYTEBUF_INIT;
	uint8_t			 hashes[20 * 1700];

	memset(hashes, 7, sizeof(hashes));
	benc_put_dict(&b);
	benc_put_kv_str(&b, "event", "started");
	benc_put_kv_bytes(&b, "hashes", hashes, 60);
	benc_put_kv_str(&b, "key", "k");
	benc_put_kv_bytes(&b, "peer_id", PID, 20);
	benc_put_kv_int(&b, "port", 6881);
	benc_put_end(&b);
	ck_assert_ptr_null(thttp_parse_seeds(b.data, b.len, &s));
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.port, 6881);
	ck_assert_int_eq(s.event, TRK_EV_STARTED);
	bytebuf_reset(&b);
	benc_put_dict(&b);
	benc_put_kv_bytes(&b, "hashes", hashes, sizeof(hashes));
	benc_put_kv_bytes(&b, "peer_id", PID, 20);
	benc_put_kv_int(&b, "port", 6881);
	benc_put_end(&b);
	ck_assert_str_eq(thttp_parse_seeds(b.data, b.len, &s),
	    "body too large");
	bytebuf_reset(&b);
	benc_put_dict(&b);
	benc_put_kv_bytes(&b, "hashes", hashes, 21);
	benc_put_kv_bytes(&b, "peer_id", PID, 20);
	benc_put_kv_int(&b, "port", 6881);
	benc_put_end(&b);
	ck_assert_str_eq(thttp_parse_seeds(b.data, b.len, &s),
	    "hashes is not 1 to 1000 20-byte hashes");
	bytebuf_reset(&b);
	benc_put_dict(&b);
	benc_put_kv_str(&b, "event", "completed");
	benc_put_kv_bytes(&b, "hashes", hashes, 20);
	benc_put_kv_bytes(&b, "peer_id", PID, 20);
	benc_put_kv_int(&b, "port", 6881);
	benc_put_end(&b);
	ck_assert_str_eq(thttp_parse_seeds(b.data, b.len, &s),
	    "event is not started, stopped or empty");
	ck_assert_str_eq(thttp_parse_seeds((const uint8_t *)"d4:porti0ee", 11,
	    &s), "port is not 1 to 65535");
	ck_assert_str_eq(thttp_parse_seeds((const uint8_t *)"xx", 2, &s),
	    "body is not bencode");
	bytebuf_reset(&b);
	thttp_put_seeds(&b, 1800, 3);
	ck_assert_int_eq(b.len, strlen("d5:counti3e8:intervali1800ee"));
	ck_assert(memcmp(b.data, "d5:counti3e8:intervali1800ee", b.len) == 0);
	bytebuf_free(&b);
}
END_TEST

/* Requests built by the client's builders; replies read by its parser. */
START_TEST(test_udp)
{
	uint8_t			 ih[20], pid[20], pkt[TUDP_MAX_PACKET];
	uint8_t			 hashes[3][20];
	struct trk_announce	 a = { ih, pid, 6881, 1, 2, 3, TRK_EV_STARTED,
				    9, 40, NULL };
	struct tudp_req		 r;
	static struct trk_reply	 tr;
	struct trk_scrape	 ts[3];
	struct swarms_peer	 p[2] = { 0 };
	struct swarms_counts	 c[3] = { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } };
	uint64_t		 cid;
	size_t			 n;

	memset(ih, 1, 20);
	memset(pid, 2, 20);
	n = trk_udp_connect(pkt, 77);
	ck_assert_int_eq(tudp_parse(pkt, n, &r), 0);
	ck_assert_uint_eq(r.action, TRK_ACT_CONNECT);
	ck_assert_uint_eq(r.tid, 77);
	n = tudp_put_connect(pkt, sizeof(pkt), 77, 0x1234);
	ck_assert_int_eq(trk_udp_parse(pkt, n, 77, TRK_ACT_CONNECT, false,
	    &cid, NULL, NULL, 0), TRK_ACT_CONNECT);
	ck_assert_uint_eq(cid, 0x1234);

	n = trk_udp_announce(pkt, 0x1234, 78, &a);
	ck_assert_int_eq(tudp_parse(pkt, n, &r), 0);
	ck_assert_uint_eq(r.action, TRK_ACT_ANNOUNCE);
	ck_assert_uint_eq(r.cid, 0x1234);
	ck_assert_uint_eq(r.port, 6881);
	ck_assert_int_eq(r.event, TRK_EV_STARTED);
	ck_assert_int_eq(r.numwant, 40);
	ck_assert_uint_eq(r.left, 3);
	ck_assert(memcmp(r.info_hash, ih, 20) == 0);
	ck_assert_int_eq(tudp_parse(pkt, n - 1, &r), -TUDP_EFORM);
	ck_assert_str_eq(r.why, "announce too short");
	pkt[96] = pkt[97] = 0;
	ck_assert_int_eq(tudp_parse(pkt, n, &r), -TUDP_EFORM);
	ck_assert_str_eq(r.why, "port 0");
	ck_assert_int_eq(tudp_parse(pkt, 15, &r), -TUDP_ESHORT);
	pkt[11] = 9;
	ck_assert_int_eq(tudp_parse(pkt, n, &r), -TUDP_EACTION);
	ck_assert_uint_eq(r.tid, 78);

	p[0].family = p[1].family = 4;
	memcpy(p[0].addr, "\x0a\x00\x00\x01", 4);
	p[0].port = 1;
	memcpy(p[1].addr, "\x0a\x00\x00\x02", 4);
	p[1].port = 2;
	n = tudp_put_announce(pkt, sizeof(pkt), 78, 1800, 5, 6, p, 2);
	ck_assert_uint_eq(n, 32);
	ck_assert_int_eq(trk_udp_parse(pkt, n, 78, TRK_ACT_ANNOUNCE, false,
	    NULL, &tr, NULL, 0), TRK_ACT_ANNOUNCE);
	ck_assert_int_eq(tr.interval, 1800);
	ck_assert_int_eq(tr.incomplete, 5);
	ck_assert_int_eq(tr.complete, 6);
	ck_assert_uint_eq(tr.npeers, 2);
	ck_assert_uint_eq(tr.peers[1].port, 2);
	/* As many peers as fit. */
	ck_assert_uint_eq(tudp_put_announce(pkt, 27, 78, 1, 1, 1, p, 2), 26);

	memset(hashes, 3, sizeof(hashes));
	n = trk_udp_scrape(pkt, sizeof(pkt), 0x1234, 79,
	    (const uint8_t (*)[20])hashes, 3);
	ck_assert_int_eq(tudp_parse(pkt, n, &r), 0);
	ck_assert_uint_eq(r.nhashes, 3);
	ck_assert_int_eq(tudp_parse(pkt, 16, &r), -TUDP_EFORM);
	n = tudp_put_scrape(pkt, sizeof(pkt), 79, c, 3);
	ck_assert_int_eq(trk_udp_parse(pkt, n, 79, TRK_ACT_SCRAPE, false,
	    NULL, NULL, ts, 3), TRK_ACT_SCRAPE);
	ck_assert_int_eq(ts[2].complete, 7);
	ck_assert_int_eq(ts[2].downloaded, 9);
	ck_assert_int_eq(ts[2].incomplete, 8);

	n = tudp_put_error(pkt, sizeof(pkt), 80, "bad connection id");
	ck_assert_int_eq(trk_udp_parse(pkt, n, 80, TRK_ACT_ANNOUNCE, false,
	    NULL, &tr, NULL, 0), TRK_ACT_ERROR);
	ck_assert(tr.failed);
	ck_assert_str_eq(tr.message, "bad connection id");
}
END_TEST

START_TEST(test_connid)
{
	uint8_t		key[CONNID_KEY_LEN], other[CONNID_KEY_LEN];
	uint8_t		a[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	uint8_t		b[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 };
	uint64_t	t = 1700000000, cid;

	ck_assert_int_ge(sodium_init(), 0);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(other, sizeof(other));
	cid = connid_make(key, a, t);
	ck_assert_uint_ne(cid, TRK_UDP_MAGIC);
	ck_assert(connid_ok(key, a, cid, t));
	ck_assert(connid_ok(key, a, cid, t + CONNID_WINDOW_S));
	ck_assert(!connid_ok(key, a, cid, t + 2 * CONNID_WINDOW_S));
	ck_assert(!connid_ok(key, a, cid, t - 2 * CONNID_WINDOW_S));
	ck_assert(!connid_ok(key, b, cid, t));
	ck_assert(!connid_ok(other, a, cid, t));
	/* A node with the same key accepts it: nothing else is kept. */
	memcpy(other, key, sizeof(key));
	ck_assert(connid_ok(other, a, cid, t));
	/* Remembered ids answer as their MAC would. */
	ck_assert(connid_ok(key, a, cid, t + 1));
	ck_assert(!connid_ok(key, a, cid ^ 1, t));
	ck_assert(!connid_ok(key, b, cid, t));
	ck_assert(connid_ok(key, a, cid, t + CONNID_WINDOW_S));
	ck_assert(!connid_ok(key, a, cid, t + 2 * CONNID_WINDOW_S));
	ck_assert(connid_ok(key, a, cid, t));
	ck_assert(!connid_ok(key, a, cid, t - CONNID_WINDOW_S));
	randombytes_buf(other, sizeof(other));
	ck_assert(!connid_ok(other, a, cid, t));
	ck_assert(connid_ok(key, a, cid, t));
}
END_TEST

START_TEST(test_ratelimit)
{
	struct ratelimit	*rl = ratelimit_new(8);
	uint8_t			 a[16] = { 1 }, b[16] = { 2 }, x[16] = { 0 };
	int			 i, ok = 0;
	uint32_t		 k;

	ck_assert_ptr_nonnull(rl);
	ratelimit_configure(rl, 60, 5);		/* one a second, five at once */
	for (i = 0; i < 10; i++)
		ok += ratelimit_take(rl, a, 1000);
	ck_assert_int_eq(ok, 5);
	ck_assert(ratelimit_take(rl, b, 1000));
	ck_assert(!ratelimit_take(rl, a, 1500));
	ck_assert(ratelimit_take(rl, a, 2000));
	ck_assert(!ratelimit_take(rl, a, 2000));
	/* Many addresses: the table stays its size, each starts full. */
	for (k = 0; k < 10000; k++) {
		memcpy(x, &k, sizeof(k));
		ck_assert(ratelimit_take(rl, x, 3000));
	}
	ratelimit_configure(rl, 0, 0);
	for (i = 0; i < 100; i++)
		ck_assert(ratelimit_take(rl, a, 3000));
	ratelimit_free(rl);
}
END_TEST

static Suite *
trkserver_suite(void)
{
	Suite	*s = suite_create("trkserver");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_http_announce);
	tcase_add_test(tc, test_http_reply);
	tcase_add_test(tc, test_http_scrape);
	tcase_add_test(tc, test_http_seeds);
	tcase_add_test(tc, test_udp);
	tcase_add_test(tc, test_connid);
	tcase_add_test(tc, test_ratelimit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(trkserver_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
