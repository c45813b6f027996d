/* SPDX-License-Identifier: ISC */
/*
 * check_trackermsg.c - unit tests for common/trackermsg.c: announce URLs,
 * HTTP replies as opentracker and others send them, UDP packets of BEP
 * 15, and the bounds a hostile tracker runs into.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/trackermsg.h"

static const uint8_t IH[20] = {
	0x00, 0x01, 0x02, 'a', 'b', '-', '.', '_', '~', ' ', 0xff,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };
static const uint8_t PID[20] = "-AB0100-abcdefghijkl";

static struct trk_announce
ann(void)
{
	struct trk_announce	a = {
		.info_hash = IH, .peer_id = PID, .port = 6881,
		.uploaded = 1, .downloaded = 2, .left = 3,
		.event = TRK_EV_STARTED, .key = 0xdeadbeef, .numwant = 50,
	};

	return a;
}

START_TEST(http_url)
{
	struct trk_announce	a = ann();
	char			url[TRK_URL_MAX];

	ck_assert_int_eq(trk_http_url(url, sizeof(url),
	    "http://t.example:6969/announce", &a), 0);
	ck_assert_str_eq(url, "http://t.example:6969/announce?info_hash="
	    "%00%01%02ab-._~%20%FF%10%11%12%13%14%15%16%17%18"
	    "&peer_id=-AB0100-abcdefghijkl&port=6881&uploaded=1"
	    "&downloaded=2&left=3&compact=1&key=deadbeef&numwant=50"
	    "&event=started");
	a.event = TRK_EV_NONE;
	a.numwant = -1;
	a.tracker_id = "x y";
	ck_assert_int_eq(trk_http_url(url, sizeof(url),
	    "http://t/a?passkey=1", &a), 0);
	ck_assert_ptr_nonnull(strstr(url, "/a?passkey=1&info_hash="));
	ck_assert_ptr_null(strstr(url, "event="));
	ck_assert_ptr_null(strstr(url, "numwant="));
	ck_assert_ptr_nonnull(strstr(url, "&trackerid=x%20y"));
	ck_assert_int_eq(trk_http_url(url, 40, "http://t/announce", &a),
	    -ENAMETOOLONG);
}
END_TEST

START_TEST(scrape_url)
{
	char	url[TRK_URL_MAX];

	ck_assert_int_eq(trk_http_scrape_url(url, sizeof(url),
	    "http://t/x/announce.php?k=1", IH), 0);
	ck_assert_ptr_nonnull(strstr(url, "http://t/x/scrape.php?k=1&"
	    "info_hash=%00"));
	ck_assert_int_eq(trk_http_scrape_url(url, sizeof(url),
	    "http://t/announce", IH), 0);
	ck_assert_ptr_nonnull(strstr(url, "http://t/scrape?info_hash="));
	ck_assert_int_eq(trk_http_scrape_url(url, sizeof(url),
	    "http://t/a", IH), -ENOTSUP);
	ck_assert_int_eq(trk_http_scrape_url(url, sizeof(url),
	    "http://t/announce/x", IH), -ENOTSUP);
}
END_TEST

START_TEST(http_compact)
{
	static struct trk_reply	r;
	/* As opentracker sends it, with peers6 added. */
	static const char	rep[] = "d8:completei1e10:downloadedi0e"
	    "10:incompletei2e8:intervali1800e12:min intervali900e"
	    "5:peers12:\x0a\x00\x00\x01\x1a\xe1\xc0\xa8\x01\x02\x00\x50"
	    "6:peers618:\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x1a\xe2"
	    "10:tracker id2:t1e";

	ck_assert_int_eq(trk_http_parse((const uint8_t *)rep, sizeof(rep) - 1,
	    &r), 0);
	ck_assert(!r.failed);
	ck_assert_int_eq(r.interval, 1800);
	ck_assert_int_eq(r.min_interval, 900);
	ck_assert_int_eq(r.complete, 1);
	ck_assert_int_eq(r.incomplete, 2);
	ck_assert_str_eq(r.tracker_id, "t1");
	ck_assert_uint_eq(r.npeers, 3);
	ck_assert_uint_eq(r.peers[0].family, 4);
	ck_assert_uint_eq(r.peers[0].port, 6881);
	ck_assert_mem_eq(r.peers[1].addr, "\xc0\xa8\x01\x02", 4);
	ck_assert_uint_eq(r.peers[1].port, 80);
	ck_assert_uint_eq(r.peers[2].family, 6);
	ck_assert_uint_eq(r.peers[2].port, 6882);
	ck_assert_uint_eq(r.peers[2].addr[15], 1);
	ck_assert_uint_eq(r.dropped, 0);
}
END_TEST

START_TEST(http_dict_peers)
{
	static struct trk_reply	r;
	static const char	rep[] = "d8:intervali60e5:peersl"
	    "d2:ip8:10.0.0.1";		/* truncated */
	static const char	rep2[] = "d8:intervali60e5:peersl"
	    "d2:ip8:10.0.0.14:porti7ee"
	    "d2:ip7:2001::14:porti8ee"
	    "d2:ip11:example.org4:porti9ee"	/* names are not dialled */
	    "d2:ip8:10.0.0.14:porti70000ee"	/* bad port */
	    "i5e"
	    "ee";

	/* A malformed document is refused as a whole. */
	ck_assert_int_eq(trk_http_parse((const uint8_t *)rep, sizeof(rep) - 1,
	    &r), -TRK_EBENCODE);
	ck_assert_int_eq(trk_http_parse((const uint8_t *)rep2,
	    sizeof(rep2) - 1, &r), 0);
	ck_assert_uint_eq(r.npeers, 2);
	ck_assert_uint_eq(r.peers[0].port, 7);
	ck_assert_uint_eq(r.peers[1].family, 6);
	ck_assert_uint_eq(r.dropped, 3);
}
END_TEST

START_TEST(http_failure_warning)
{
	static struct trk_reply	r;
	static const char	fail[] =
	    "d14:failure reason36:Requested download is not authorizede";
	static const char	warn[] =
	    "d8:intervali30e15:warning message6:slow\x01\x7f"
	    "5:peers0:e";

	ck_assert_int_eq(trk_http_parse((const uint8_t *)fail,
	    sizeof(fail) - 1, &r), 0);
	ck_assert(r.failed);
	ck_assert_str_eq(r.message, "Requested download is not authorized");
	ck_assert_int_eq(trk_http_parse((const uint8_t *)warn,
	    sizeof(warn) - 1, &r), 0);
	ck_assert(!r.failed && r.warning);
	ck_assert_str_eq(r.message, "slow??");
	ck_assert_int_eq(r.interval, 30);
	ck_assert_uint_eq(r.npeers, 0);
}
END_TEST

START_TEST(http_bad)
{
	static struct trk_reply	r;
	static const char *const bad[] = {
		"", "<html>404</html>", "le", "i1e",
		"d5:peers0:e",				/* no interval */
		"d8:interval3:abc5:peers0:e",		/* interval not int */
		"d8:intervali5e5:peersi1ee",		/* peers not str/list */
		"d8:intervali5e6:peers6i1ee",
		"d14:failure reasoni1ee",
	};
	size_t			i;
	uint8_t			*big;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_lt(trk_http_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &r), 0);
	big = calloc(1, TRK_MAX_REPLY + 1);
	ck_assert_int_eq(trk_http_parse(big, TRK_MAX_REPLY + 1, &r),
	    -TRK_ETOOBIG);
	free(big);
}
END_TEST

START_TEST(http_peer_cap)
{
	static struct trk_reply	r;
	size_t			n = 300 * 6 + 3, i;
	char			head[64];
	int			hl;
	uint8_t			*buf;

	hl = snprintf(head, sizeof(head), "d8:intervali60e5:peers%zu:", n);
	buf = malloc((size_t)hl + n + 1);
	memcpy(buf, head, (size_t)hl);
	for (i = 0; i < n; i++)
		buf[hl + i] = (uint8_t)(i | 1);
	buf[hl + n] = 'e';
	ck_assert_int_eq(trk_http_parse(buf, (size_t)hl + n + 1, &r), 0);
	ck_assert_uint_eq(r.npeers, TRK_MAX_PEERS);
	/* 100 whole entries over the cap, and the 3 stray bytes. */
	ck_assert_uint_eq(r.dropped, 101);
	free(buf);
}
END_TEST

START_TEST(http_scrape)
{
	static const char	rep[] = "d5:filesd"
	    "20:bbbbbbbbbbbbbbbbbbbbd8:completei1ee"
	    "20:\x00\x01\x02\x61\x62\x2d\x2e\x5f\x7e\x20\xff\x10\x11\x12\x13"
	    "\x14\x15\x16\x17\x18"
	    "d8:completei5e10:downloadedi9e10:incompletei2eeee";
	struct trk_scrape	s;
	bool			failed;

	ck_assert_int_eq(trk_http_scrape_parse((const uint8_t *)rep,
	    sizeof(rep) - 1, IH, &s, &failed), 0);
	ck_assert(!failed);
	ck_assert_int_eq(s.complete, 5);
	ck_assert_int_eq(s.downloaded, 9);
	ck_assert_int_eq(s.incomplete, 2);
	ck_assert_int_eq(trk_http_scrape_parse((const uint8_t *)"d5:filesdee",
	    11, IH, &s, &failed), 0);
	ck_assert_int_eq(s.complete, -1);
	ck_assert_int_eq(trk_http_scrape_parse((const uint8_t *)"de", 2, IH,
	    &s, &failed), -TRK_EFORM);
}
END_TEST

START_TEST(udp_packets)
{
	struct trk_announce	a = ann();
	uint8_t			p[TRK_UDP_ANNOUNCE_LEN], sc[16 + 40];
	uint8_t			ihs[2][20];

	ck_assert_uint_eq(trk_udp_connect(p, 0x01020304), 16);
	ck_assert_mem_eq(p, "\x00\x00\x04\x17\x27\x10\x19\x80"
	    "\x00\x00\x00\x00\x01\x02\x03\x04", 16);
	ck_assert_uint_eq(trk_udp_announce(p, 0x1122334455667788ULL, 7, &a),
	    98);
	ck_assert_mem_eq(p, "\x11\x22\x33\x44\x55\x66\x77\x88"
	    "\x00\x00\x00\x01\x00\x00\x00\x07", 16);
	ck_assert_mem_eq(p + 16, IH, 20);
	ck_assert_mem_eq(p + 36, PID, 20);
	ck_assert_mem_eq(p + 56, "\0\0\0\0\0\0\0\x02", 8);	/* downloaded */
	ck_assert_mem_eq(p + 64, "\0\0\0\0\0\0\0\x03", 8);	/* left */
	ck_assert_mem_eq(p + 72, "\0\0\0\0\0\0\0\x01", 8);	/* uploaded */
	ck_assert_mem_eq(p + 80, "\0\0\0\x02", 4);		/* started */
	ck_assert_mem_eq(p + 88, "\xde\xad\xbe\xef", 4);
	ck_assert_mem_eq(p + 92, "\0\0\0\x32", 4);
	ck_assert_mem_eq(p + 96, "\x1a\xe1", 2);
	memset(ihs, 'x', sizeof(ihs));
	ck_assert_uint_eq(trk_udp_scrape(sc, sizeof(sc), 1, 2,
	    (const uint8_t (*)[20])ihs, 2), 56);
	ck_assert_uint_eq(trk_udp_scrape(sc, 40, 1, 2,
	    (const uint8_t (*)[20])ihs, 2), 0);
}
END_TEST

START_TEST(udp_replies)
{
	static struct trk_reply	r;
	struct trk_scrape	s[2];
	uint64_t		cid = 0;
	static const uint8_t	conn[] = { 0, 0, 0, 0, 1, 2, 3, 4,
	    1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t	ann4[] = { 0, 0, 0, 1, 1, 2, 3, 4,
	    0, 0, 7, 8, 0, 0, 0, 3, 0, 0, 0, 4,
	    10, 0, 0, 2, 0x1a, 0xe1, 10, 0, 0, 3, 0x1a };
	static const uint8_t	err[] = { 0, 0, 0, 3, 1, 2, 3, 4,
	    'n', 'o', '\n' };
	static const uint8_t	scr[] = { 0, 0, 0, 2, 1, 2, 3, 4,
	    0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 2 };

	ck_assert_int_eq(trk_udp_parse(conn, sizeof(conn), 0x01020304,
	    TRK_ACT_CONNECT, false, &cid, NULL, NULL, 0), TRK_ACT_CONNECT);
	ck_assert(cid == 0x0102030405060708ULL);
	ck_assert_int_eq(trk_udp_parse(conn, sizeof(conn), 0x01020305,
	    TRK_ACT_CONNECT, false, &cid, NULL, NULL, 0), -TRK_ETID);
	ck_assert_int_eq(trk_udp_parse(conn, 15, 0x01020304,
	    TRK_ACT_CONNECT, false, &cid, NULL, NULL, 0), -TRK_ESHORT);
	ck_assert_int_eq(trk_udp_parse(conn, sizeof(conn), 0x01020304,
	    TRK_ACT_ANNOUNCE, false, NULL, &r, NULL, 0), -TRK_EACTION);
	ck_assert_int_eq(trk_udp_parse(ann4, sizeof(ann4), 0x01020304,
	    TRK_ACT_ANNOUNCE, false, NULL, &r, NULL, 0), TRK_ACT_ANNOUNCE);
	ck_assert_int_eq(r.interval, 0x708);
	ck_assert_int_eq(r.incomplete, 3);
	ck_assert_int_eq(r.complete, 4);
	ck_assert_uint_eq(r.npeers, 1);
	ck_assert_uint_eq(r.dropped, 1);	/* 5 stray bytes */
	ck_assert_uint_eq(r.peers[0].port, 6881);
	ck_assert_int_eq(trk_udp_parse(err, sizeof(err), 0x01020304,
	    TRK_ACT_ANNOUNCE, false, NULL, &r, NULL, 0), TRK_ACT_ERROR);
	ck_assert(r.failed);
	ck_assert_str_eq(r.message, "no?");
	ck_assert_int_eq(trk_udp_parse(scr, sizeof(scr), 0x01020304,
	    TRK_ACT_SCRAPE, false, NULL, NULL, s, 2), TRK_ACT_SCRAPE);
	ck_assert_int_eq(s[0].complete, 5);
	ck_assert_int_eq(s[0].downloaded, 9);
	ck_assert_int_eq(s[0].incomplete, 2);
	ck_assert_int_eq(s[1].complete, -1);
}
END_TEST

static bool
dialable(int family, const char *addr, uint16_t port)
{
	struct trk_peer	p = { .family = (uint8_t)family, .port = port };

	memcpy(p.addr, addr, family == 4 ? 4 : 16);
	return trk_peer_dialable(&p);
}

START_TEST(peer_dialable)
{
	ck_assert(dialable(4, "\x0a\x00\x00\x01", 1));
	ck_assert(!dialable(4, "\x0a\x00\x00\x01", 0));
	ck_assert(!dialable(4, "\x7f\x00\x00\x01", 6881));
	ck_assert(!dialable(4, "\x00\x00\x00\x00", 6881));
	ck_assert(!dialable(4, "\xa9\xfe\x01\x01", 6881));
	ck_assert(!dialable(4, "\xe0\x00\x00\x01", 6881));
	ck_assert(!dialable(4, "\xff\xff\xff\xff", 6881));
	ck_assert(dialable(6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
	    6881));
	ck_assert(!dialable(6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 6881));
	ck_assert(!dialable(6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 6881));
	ck_assert(!dialable(6, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
	    6881));
	ck_assert(!dialable(6, "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
	    6881));
	ck_assert(!dialable(6, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01",
	    6881));
	ck_assert(dialable(6, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01",
	    6881));
}
END_TEST

START_TEST(addr_public)
{
	struct sockaddr_in	s4 = { .sin_family = AF_INET };
	struct sockaddr_in6	s6 = { .sin6_family = AF_INET6 };
	struct sockaddr		un = { .sa_family = AF_UNIX };

	inet_pton(AF_INET, "192.0.2.3", &s4.sin_addr);
	ck_assert(trk_addr_public((struct sockaddr *)&s4));
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	ck_assert(!trk_addr_public((struct sockaddr *)&s4));
	inet_pton(AF_INET, "169.254.169.254", &s4.sin_addr);
	ck_assert(!trk_addr_public((struct sockaddr *)&s4));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
	ck_assert(!trk_addr_public((struct sockaddr *)&s6));
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	ck_assert(trk_addr_public((struct sockaddr *)&s6));
	ck_assert(!trk_addr_public(&un));
}
END_TEST

START_TEST(clamp)
{
	ck_assert_int_eq(trk_clamp_interval(5, 1800, 60, 14400), 60);
	ck_assert_int_eq(trk_clamp_interval(-1, 1800, 60, 14400), 1800);
	ck_assert_int_eq(trk_clamp_interval(1 << 30, 1800, 60, 14400), 14400);
	ck_assert_int_eq(trk_clamp_interval(900, 1800, 60, 14400), 900);
}
END_TEST

START_TEST(seeds_advert)
{
	static struct trk_reply	r;
	static const char	ok[] =
	    "d11:aptbt seeds12:/aptbt/seeds8:intervali60e5:peers0:e";
	static const char	*const bad[] = {
		"d11:aptbt seeds11:aptbt/seeds8:intervali60ee",	/* relative */
		"d11:aptbt seeds12://evil/seeds8:intervali60ee",	/* host */
		"d11:aptbt seeds8:/a?b=c#d8:intervali60ee",	/* query */
		"d11:aptbt seeds4:/a b8:intervali60ee",		/* space */
		"d11:aptbt seedsi1e8:intervali60ee",		/* not text */
		"d8:intervali60ee",				/* none */
	};
	size_t			i;

	ck_assert_int_eq(trk_http_parse((const uint8_t *)ok, sizeof(ok) - 1,
	    &r), 0);
	ck_assert_str_eq(r.seeds_path, "/aptbt/seeds");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(trk_http_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &r), 0);
		ck_assert_str_eq(r.seeds_path, "");
	}
}
END_TEST

START_TEST(batch_body)
{
	static uint8_t	hashes[TRK_BATCH_MAX + 1][20];
	static uint8_t	out[TRK_BATCH_BODY_MAX];
	struct trk_batch b = {
		.peer_id = PID, .port = 6881, .key = 0xdeadbeef,
		.event = TRK_EV_STARTED,
		.hashes = (const uint8_t (*)[20])hashes, .n = 2,
	};
	static const char	want[] = "d5:event7:started6:hashes40:"
	    "AAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBBBBB"
	    "3:key8:deadbeef7:peer_id20:-AB0100-abcdefghijkl"
	    "4:porti6881ee";
	int		n;

	memset(hashes[0], 'A', 20);
	memset(hashes[1], 'B', 20);
	n = trk_batch_body(out, sizeof(out), &b);
	ck_assert_int_eq(n, (int)sizeof(want) - 1);
	ck_assert_mem_eq(out, want, sizeof(want) - 1);
	b.event = TRK_EV_NONE;
	n = trk_batch_body(out, sizeof(out), &b);
	ck_assert_int_gt(n, 0);
	ck_assert_mem_eq(out, "d5:event0:6:hashes40:", 21);
	/* The largest batch fits the server's 32 KiB. */
	b.n = TRK_BATCH_MAX;
	ck_assert_int_gt(trk_batch_body(out, sizeof(out), &b), 20000);
	b.n = TRK_BATCH_MAX + 1;
	ck_assert_int_eq(trk_batch_body(out, sizeof(out), &b), -EINVAL);
	b.n = 0;
	ck_assert_int_eq(trk_batch_body(out, sizeof(out), &b), -EINVAL);
	b.n = 1;
	b.event = TRK_EV_COMPLETED;
	ck_assert_int_eq(trk_batch_body(out, sizeof(out), &b), -EINVAL);
	b.event = TRK_EV_STOPPED;
	ck_assert_int_eq(trk_batch_body(out, 40, &b), -ENAMETOOLONG);
}
END_TEST

START_TEST(batch_url_reply)
{
	static struct trk_batch_reply	r;
	char				u[64];
	static const char		*const bad[] = {
		"d8:intervali-1ee", "d5:counti3ee", "d8:interval1:xe",
		"d8:intervali60e5:counti-1ee", "le", "x",
	};
	size_t				i;

	ck_assert_int_eq(trk_batch_url(u, sizeof(u),
	    "http://10.0.0.1:6969/announce?passkey=x", "/aptbt/seeds"), 0);
	ck_assert_str_eq(u, "http://10.0.0.1:6969/aptbt/seeds");
	ck_assert_int_eq(trk_batch_url(u, sizeof(u), "http://[::1]:80",
	    "/s"), 0);
	ck_assert_str_eq(u, "http://[::1]:80/s");
	ck_assert_int_eq(trk_batch_url(u, sizeof(u), "http:///announce",
	    "/s"), -EINVAL);
	ck_assert_int_eq(trk_batch_url(u, sizeof(u), "announce", "/s"),
	    -EINVAL);
	ck_assert_int_eq(trk_batch_url(u, 16, "http://example.org/a",
	    "/aptbt/seeds"), -ENAMETOOLONG);

	ck_assert_int_eq(trk_batch_parse((const uint8_t *)
	    "d5:counti2000e8:intervali1800ee", 31, &r), 0);
	ck_assert(!r.failed);
	ck_assert_int_eq(r.interval, 1800);
	ck_assert_int_eq(r.count, 2000);
	ck_assert_int_eq(trk_batch_parse((const uint8_t *)
	    "d14:failure reason4:nopee", 25, &r), 0);
	ck_assert(r.failed);
	ck_assert_str_eq(r.message, "nope");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_lt(trk_batch_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &r), 0);
}
END_TEST

static Suite *
trackermsg_suite(void)
{
	Suite	*s = suite_create("trackermsg");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, http_url);
	tcase_add_test(tc, scrape_url);
	tcase_add_test(tc, http_compact);
	tcase_add_test(tc, http_dict_peers);
	tcase_add_test(tc, http_failure_warning);
	tcase_add_test(tc, http_bad);
	tcase_add_test(tc, http_peer_cap);
	tcase_add_test(tc, http_scrape);
	tcase_add_test(tc, udp_packets);
	tcase_add_test(tc, udp_replies);
	tcase_add_test(tc, peer_dialable);
	tcase_add_test(tc, addr_public);
	tcase_add_test(tc, clamp);
	tcase_add_test(tc, seeds_advert);
	tcase_add_test(tc, batch_body);
	tcase_add_test(tc, batch_url_reply);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(trackermsg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
