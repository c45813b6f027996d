/* SPDX-License-Identifier: ISC */
/*
 * check_tracker.c - unit tests for daemon/share/tracker.c, the tracker
 * client's choices, with its transports replaced by a recorder: which
 * tracker a key goes to (localization order, absent trackers skipped for
 * every key, configured trackers only for zero-metadata keys), the
 * events, the peers handed on, and the seed rate cap.  Built with
 * SEED_SPREAD_MS=1 so seeds are due at once, and BATCH_NEW_MS=300 so a
 * round of new seeds comes quickly.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/lsdmsg.h"
#include "common/swarmkey.h"
#include "daemon/base/conf.h"
#include "daemon/meta/torrents.h"
#include "daemon/share/tracker.h"
#include "daemon/share/trkconn.h"

/* What tracker.c links against, here. */
struct aptbtd_conf	conf;
uint8_t			peer_self_id[20] = "-AB0100-unittestunit";

#define MAX_SENT	4096
static struct trk_req	*sent[MAX_SENT];
static size_t		 nsent;
static struct event_base *base;

static struct torrent	 tors[32];	/* the torrents known */
static size_t		 ntors;

const struct torrent *
torrents_by_sha256(const uint8_t sha256[SHA256_LEN])
{
	size_t	i;

	for (i = 0; i < ntors; i++)
		if (memcmp(sha256, tors[i].sha256, 32) == 0)
			return &tors[i];
	return NULL;
}

const struct torrent *
torrents_by_key(const uint8_t key[SWARMKEY_LEN])
{
	size_t	i;

	for (i = 0; i < ntors; i++)
		if (memcmp(key, tors[i].ih1, 20) == 0)
			return &tors[i];
	return NULL;
}

static int
record(struct trk_req *q)
{
	ck_assert_uint_lt(nsent, MAX_SENT);
	sent[nsent++] = q;
	return 0;
}

int	trk_http_send(struct trk_req *q) { return record(q); }
int	trk_udp_send(struct trk_req *q) { return record(q); }

static void
unrecord(struct trk_req *q)
{
	size_t	i;

	for (i = 0; i < nsent; i++)
		if (sent[i] == q)
			sent[i] = NULL;
}

void	trk_http_cancel(struct trk_req *q) { unrecord(q); }
void	trk_udp_cancel(struct trk_req *q) { unrecord(q); }
void	trk_udp_close(struct trk *t) { }
void	trk_udp_shutdown(void) { }

/* Peers the client handed on. */
static char	heard[64][64];
static size_t	nheard;

static void
on_peer(const struct sockaddr *sa, socklen_t len, const uint8_t key[20],
    bool presence)
{
	char	a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    a, sizeof(a));
	else
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof(a));
	if (nheard < 64)
		snprintf(heard[nheard++], sizeof(heard[0]), "%s%s", a,
		    presence ? " presence" : "");
}

/* Run the loop for ms milliseconds. */
static void
run(unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* The oldest request still unanswered (index into sent), or -1. */
static struct trk_req *
pending(size_t i)
{
	return i < nsent ? sent[i] : NULL;
}

static void
answer(size_t i, enum trk_status st, int64_t interval)
{
	struct trk_reply	*r = calloc(1, sizeof(*r));
	struct trk_req		*q = sent[i];

	r->interval = interval;
	r->min_interval = -1;
	sent[i] = NULL;
	trk_req_done(q, st, r);
	free(r);
}

static const uint8_t SHA_A[32] = { 0xa1 }, SHA_B[32] = { 0xb2 };

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	base = event_base_new();
	memset(&conf, 0, sizeof(conf));
	conf.trackers = strdup("");
	conf.tracker_announce_rate = 60;
	memset(tors, 0, sizeof(tors));
	ntors = 0;
	nsent = nheard = 0;
	ck_assert_int_eq(tracker_init(base, on_peer), 0);
}

static void
teardown(void)
{
	tracker_shutdown();
	free(conf.trackers);
	event_base_free(base);
}

static void
use_trackers(const char *list)
{
	free(conf.trackers);
	conf.trackers = strdup(list);
	tracker_apply(true, 6881);
}

/* A torrent for SHA_A with host trackers, a two-tier announce-list. */
static char *host_urls[] = { "udp://h.example:6969/announce" };
static char *tor_urls[] = { "http://t1.example/announce",
    "http://t2.example/announce" };
static uint8_t tor_tiers[] = { 0, 1 };
static struct torrent_trackers host_list = { host_urls, (uint8_t[]){ 0 }, 1 };
static struct torrent_trackers tor_list = { tor_urls, tor_tiers, 2 };

/* A torrent for the file sha, with info-hash ih repeated. */
static const struct torrent *
know_torrent(const uint8_t *sha, int ih)
{
	struct torrent	*t = &tors[ntors++];

	memcpy(t->sha256, sha, 32);
	t->size = 1000;
	t->has_v1 = true;
	memset(t->ih1, ih, 20);
	t->trackers = &tor_list;
	t->host_trackers = &host_list;
	return t;
}

START_TEST(zero_metadata_private)
{
	tracker_apply(true, 6881);
	/* No trackers configured: a file without metadata goes nowhere. */
	tracker_file(SHA_A, 1000, true);
	run(50);
	ck_assert_uint_eq(nsent, 0);
}
END_TEST

START_TEST(zero_metadata_configured)
{
	uint8_t	zk[20];

	use_trackers("udp://mine.example:6969/announce");
	run(20);
	/* The daemons' presence key first. */
	ck_assert_uint_eq(nsent, 1);
	ck_assert_mem_eq(pending(0)->key, lsd_presence_key, 20);
	tracker_file(SHA_A, 1000, true);
	run(20);
	ck_assert_uint_eq(nsent, 2);
	swarmkey_from_sha256(SHA_A, zk);
	ck_assert_mem_eq(pending(1)->key, zk, 20);
	ck_assert_str_eq(pending(1)->t->url, "udp://mine.example:6969/announce");
	ck_assert_int_eq(pending(1)->event, TRK_EV_STARTED);
	ck_assert_uint_eq(pending(1)->left, 1000);
	ck_assert_int_eq(pending(1)->numwant, 50);
}
END_TEST

START_TEST(localization_order)
{
	const struct torrent	*t;

	use_trackers("http://mine.example/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);		/* presence */
	t = know_torrent(SHA_A, 0x11);
	tracker_file(SHA_A, 1000, true);
	run(20);
	/* The tracker on the metadata host first. */
	ck_assert_uint_eq(nsent, 2);
	ck_assert_str_eq(pending(1)->t->url, "udp://h.example:6969/announce");
	ck_assert_mem_eq(pending(1)->key, t->ih1, 20);
	/* It is not there: then the torrent's first tier, at once. */
	answer(1, TRK_ST_ABSENT, 0);
	run(20);
	ck_assert_uint_eq(nsent, 3);
	ck_assert_str_eq(pending(2)->t->url, "http://t1.example/announce");
	/* t1 refuses the key: t2, then ours. */
	answer(2, TRK_ST_REFUSED, 0);
	run(20);
	ck_assert_str_eq(pending(3)->t->url, "http://t2.example/announce");
	answer(3, TRK_ST_FAILED, 0);
	run(20);
	ck_assert_str_eq(pending(4)->t->url, "http://mine.example/announce");
	ck_assert_int_eq(pending(4)->event, TRK_EV_STARTED);
	answer(4, TRK_ST_OK, 1800);
	/* Held now: "completed" to the same tracker, at once. */
	tracker_file(SHA_A, 1000, false);
	run(20);
	ck_assert_uint_eq(nsent, 6);
	ck_assert_str_eq(pending(5)->t->url, "http://mine.example/announce");
	ck_assert_int_eq(pending(5)->event, TRK_EV_COMPLETED);
	ck_assert_uint_eq(pending(5)->left, 0);
}
END_TEST

START_TEST(absent_once_for_all)
{
	struct tracker_stats	st;
	uint8_t			sha[32];
	size_t			i, to_h = 0;

	use_trackers("udp://mine.example:6969/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);
	know_torrent(SHA_A, 0x11);
	tracker_file(SHA_A, 1000, true);
	run(20);
	ck_assert_str_eq(pending(1)->t->url, "udp://h.example:6969/announce");
	answer(1, TRK_ST_ABSENT, 0);
	run(20);
	/* Other files from the same metadata host: h is skipped for all. */
	for (i = 0; i < 20; i++) {
		memset(sha, (int)i + 1, sizeof(sha));
		know_torrent(sha, (int)i + 0x40);
		tracker_file(sha, 1000, true);
	}
	run(50);
	for (i = 2; i < nsent; i++)
		if (sent[i] != NULL &&
		    strcmp(sent[i]->t->url, "udp://h.example:6969/announce") == 0)
			to_h++;
	ck_assert_uint_eq(to_h, 0);
	ck_assert_uint_ge(nsent, 22);
	tracker_get_stats(&st);
	ck_assert_uint_eq(st.absent, 1);
}
END_TEST

/*
 * "trackers" with "|": a cluster's nodes are one tier, a failing node
 * costs one retry (at once, to another node of the tier), and the
 * next tier is tried only when the whole first one failed.
 */
START_TEST(configured_tiers)
{
	const char	*first, *second;

	use_trackers("udp://n1.example:6969/announce "
	    "udp://n2.example:6969/announce | http://backup.example/announce");
	run(20);
	ck_assert_uint_eq(nsent, 1);
	first = pending(0)->t->url;
	ck_assert(strstr(first, "://n") != NULL);
	ck_assert(pending(0)->t->tier_mates);
	/* That node died (ICMP: refused): the other node, at once. */
	answer(0, TRK_ST_ABSENT, 0);
	run(20);
	ck_assert_uint_eq(nsent, 2);
	second = pending(1)->t->url;
	ck_assert(strstr(second, "://n") != NULL);
	ck_assert_str_ne(first, second);
	/* Both nodes gone: the next tier. */
	answer(1, TRK_ST_FAILED, 0);
	run(20);
	ck_assert_uint_eq(nsent, 3);
	ck_assert_str_eq(pending(2)->t->url, "http://backup.example/announce");
	ck_assert(!pending(2)->t->tier_mates);
}
END_TEST

START_TEST(hostile_peers)
{
	struct trk_reply	*r = calloc(1, sizeof(*r));
	struct trk_req		*q;
	static const uint8_t	addrs[][4] = {
		{ 127, 0, 0, 1 }, { 169, 254, 1, 1 }, { 0, 0, 0, 0 },
		{ 224, 0, 0, 1 }, { 10, 1, 2, 3 }, { 10, 1, 2, 4 },
	};
	size_t			i;

	use_trackers("udp://mine.example:6969/announce");
	run(20);
	q = sent[0];
	sent[0] = NULL;
	r->interval = 1;	/* clamped to a minute */
	r->min_interval = -1;
	for (i = 0; i < 6; i++) {
		r->peers[i].family = 4;
		memcpy(r->peers[i].addr, addrs[i], 4);
		r->peers[i].port = i == 5 ? 0 : 6881;
	}
	r->npeers = 6;
	trk_req_done(q, TRK_ST_OK, r);
	free(r);
	ck_assert_uint_eq(nheard, 1);
	ck_assert_str_eq(heard[0], "10.1.2.3 presence");
	/* Not again within the clamped minute. */
	run(200);
	ck_assert_uint_eq(nsent, 1);
}
END_TEST

START_TEST(seed_rate_cap)
{
	uint8_t		sha[32];
	size_t		i, n;
	uint64_t	t0;

	use_trackers("udp://mine.example:6969/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);
	/* 6000 a minute: one every 10 ms. */
	conf.tracker_announce_rate = 6000;
	for (i = 0; i < 200; i++) {
		memset(sha, 0, sizeof(sha));
		memcpy(sha, &i, sizeof(i));
		tracker_file(sha, 1000, false);
	}
	t0 = clock_ms();
	while (clock_ms() - t0 < 300) {
		run(20);
		/* Answer whatever went out, so only the cap holds them. */
		for (i = 1; i < nsent; i++)
			if (sent[i] != NULL)
				answer(i, TRK_ST_OK, 1800);
	}
	n = nsent - 1;
	/* At most one per 10 ms (and the first at once), at least some. */
	ck_assert_uint_le(n, (clock_ms() - t0) / 10 + 2);
	ck_assert_uint_ge(n, 5);
}
END_TEST

START_TEST(seed_numwant)
{
	use_trackers("udp://mine.example:6969/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);
	tracker_file(SHA_B, 5000, false);
	run(30);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_int_eq(pending(1)->numwant, 0);
	ck_assert_uint_eq(pending(1)->left, 0);
	ck_assert_int_eq(pending(1)->event, TRK_EV_STARTED);
	/* A seed leaving the cache goes quiet: no "stopped". */
	tracker_file_gone(SHA_B);
	run(20);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_ptr_null(sent[1]);	/* its request was cancelled */
}
END_TEST

START_TEST(failed_fetch_stops)
{
	use_trackers("udp://mine.example:6969/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);
	tracker_file(SHA_B, 5000, true);
	run(20);
	answer(1, TRK_ST_OK, 1800);
	tracker_file_gone(SHA_B);
	ck_assert_uint_eq(nsent, 3);
	ck_assert_int_eq(pending(2)->event, TRK_EV_STOPPED);
	ck_assert_ptr_null(pending(2)->owner);
	answer(2, TRK_ST_OK, 1800);
}
END_TEST

/*
 * The torrent of a file we fetch becomes known only as the fetch ends
 * (while the file is checked and stored): its keys are new, but the fetch
 * was ours, so the tracker hears "started" (with what was to fetch) and
 * "completed", at once, not a seed's announce a minute later.
 */
START_TEST(torrent_known_after_fetch)
{
	tracker_apply(true, 6881);
	tracker_file(SHA_A, 1000, true);
	run(20);
	ck_assert_uint_eq(nsent, 0);	/* no key may be announced yet */
	know_torrent(SHA_A, 0x11);
	tracker_file(SHA_A, 1000, false);
	run(20);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_int_eq(pending(0)->event, TRK_EV_STARTED);
	ck_assert_uint_eq(pending(0)->left, 1000);
	ck_assert_str_eq(pending(0)->t->url, "udp://h.example:6969/announce");
	answer(0, TRK_ST_OK, 1800);
	run(20);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_int_eq(pending(1)->event, TRK_EV_COMPLETED);
	ck_assert_uint_eq(pending(1)->left, 0);
	ck_assert_str_eq(pending(1)->t->url, "udp://h.example:6969/announce");
	answer(1, TRK_ST_OK, 1800);
	/* Told again (cache and swarm both say so): nothing more. */
	tracker_file(SHA_A, 1000, false);
	run(20);
	ck_assert_uint_eq(nsent, 2);
	/* A file only held, never fetched here, is a seed: no "completed". */
	know_torrent(SHA_B, 0x22);
	tracker_file(SHA_B, 1000, false);
	run(20);
	ck_assert_uint_eq(nsent, 3);
	ck_assert_int_eq(pending(2)->event, TRK_EV_STARTED);
	ck_assert_uint_eq(pending(2)->left, 0);
	answer(2, TRK_ST_OK, 1800);
	run(20);
	ck_assert_uint_eq(nsent, 3);
}
END_TEST

/* Answer request i as a tracker that takes batches at /aptbt/seeds. */
static void
answer_advert(size_t i)
{
	struct trk_reply	*r = calloc(1, sizeof(*r));
	struct trk_req		*q = sent[i];

	r->interval = 1800;
	r->min_interval = -1;
	strcpy(r->seeds_path, "/aptbt/seeds");
	sent[i] = NULL;
	trk_req_done(q, TRK_ST_OK, r);
	free(r);
}

/* Seeds n files (SHA-256 first bytes 0x5e, then i). */
static void
seed_files(size_t n)
{
	uint8_t	sha[32];
	size_t	i;

	for (i = 0; i < n; i++) {
		memset(sha, 0x5e, sizeof(sha));
		memcpy(sha + 1, &i, sizeof(i));
		tracker_file(sha, 1000, false);
	}
}

/* Requests sent so far: batches and seeds' own announces. */
static void
count_sent(size_t from, size_t *batches, size_t *hashes, size_t *single)
{
	size_t	i;

	*batches = *hashes = *single = 0;
	for (i = from; i < nsent; i++) {
		if (sent[i] == NULL)
			continue;
		if (sent[i]->batch) {
			(*batches)++;
			*hashes += sent[i]->nhashes;
		} else
			(*single)++;
	}
}

/*
 * A tracker that advertised "aptbt seeds" gets every seed in one round
 * of batches (TRK_BATCH_MAX each), not one announce per file; a second
 * round waits for its interval; a fetch is still announced at once on
 * its own; a batch that fails sends the seeds back to the paced
 * schedule.
 */
START_TEST(seed_batches)
{
	size_t	b, h, one, i, first;

	use_trackers("http://mine.example/announce");
	seed_files(2500);
	run(20);
	/* The presence key and, under the cap, one seed. */
	count_sent(0, &b, &h, &one);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(one, 2);
	answer_advert(0);
	answer_advert(1);
	run(2200);
	count_sent(0, &b, &h, &one);
	/* "started": 1000 + 1000 + 499; "": the one announced alone. */
	ck_assert_uint_eq(b, 4);
	ck_assert_uint_eq(h, 2500);
	ck_assert_uint_eq(one, 0);
	for (i = 2; i < nsent; i++) {
		ck_assert(sent[i]->batch);
		ck_assert_int_eq(sent[i]->event,
		    sent[i]->nhashes == 1 ? TRK_EV_NONE : TRK_EV_STARTED);
		ck_assert_uint_le(sent[i]->nhashes, TRK_BATCH_MAX);
	}
	first = nsent;
	for (i = 2; i < first; i++)
		answer(i, TRK_ST_OK, 1800);
	/* The next round at the interval, not before. */
	run(400);
	ck_assert_uint_eq(nsent, first);
	/* Seeds added since go out soon, in a round of their own. */
	for (i = 0; i < 5; i++) {
		uint8_t	sha[32];

		memset(sha, 0x6f, sizeof(sha));
		memcpy(sha + 1, &i, sizeof(i));
		tracker_file(sha, 1000, false);
	}
	run(100);
	ck_assert_uint_eq(nsent, first);	/* gathering */
	run(2500);
	ck_assert_uint_eq(nsent, first + 1);
	ck_assert(sent[first]->batch);
	ck_assert_int_eq(sent[first]->event, TRK_EV_STARTED);
	ck_assert_uint_eq(sent[first]->nhashes, 5);
	answer(first, TRK_ST_OK, 1800);
	run(500);
	ck_assert_uint_eq(nsent, first + 1);
	first = nsent;
	/* A fetch goes out at once on its own. */
	tracker_file(SHA_B, 5000, true);
	run(20);
	ck_assert_uint_eq(nsent, first + 1);
	ck_assert(!sent[first]->batch);
	ck_assert_int_eq(sent[first]->event, TRK_EV_STARTED);
	answer(first, TRK_ST_OK, 1800);
}
END_TEST

START_TEST(seed_batch_refused)
{
	size_t	b, h, one, i, n;

	use_trackers("http://mine.example/announce");
	seed_files(50);
	run(20);
	answer_advert(0);
	answer_advert(1);
	run(2200);
	count_sent(0, &b, &h, &one);
	ck_assert_uint_ge(b, 1);
	n = nsent;
	for (i = 2; i < n; i++)
		if (sent[i] != NULL && sent[i]->batch) {
			struct trk_reply	*r = calloc(1, sizeof(*r));
			struct trk_req		*q = sent[i];

			r->failed = true;
			strcpy(r->message, "no batches here");
			sent[i] = NULL;
			trk_req_done(q, TRK_ST_REFUSED, r);
			free(r);
		}
	/* Back on the paced schedule: one at a time, on their own. */
	run(50);
	count_sent(n, &b, &h, &one);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(one, 1);
}
END_TEST

/* A seed that leaves: "stopped" to the tracker that had its "started". */
START_TEST(seed_gone_stopped)
{
	use_trackers("udp://mine.example:6969/announce");
	conf.tracker_announce_rate = 6000;
	run(20);
	answer(0, TRK_ST_OK, 1800);
	tracker_file(SHA_B, 5000, false);
	run(30);
	ck_assert_uint_eq(nsent, 2);
	answer(1, TRK_ST_OK, 1800);
	tracker_file_gone(SHA_B);
	run(30);
	ck_assert_uint_eq(nsent, 3);
	ck_assert_int_eq(pending(2)->event, TRK_EV_STOPPED);
	ck_assert_ptr_null(pending(2)->owner);
	ck_assert_uint_eq(pending(2)->left, 0);
	answer(2, TRK_ST_OK, 1800);
}
END_TEST

static int	stop_calls;
static void	on_stop(void *arg) { stop_calls++; }

/*
 * Toward a batch tracker: seeds that leave go in one "stopped" batch;
 * at shutdown every seed does, a fetch on its own, and the callback
 * comes with the last answer.
 */
START_TEST(batch_stopped)
{
	uint8_t	sha[32], zb[20];
	size_t	i, n, b, h, one;

	swarmkey_from_sha256(SHA_B, zb);
	use_trackers("http://mine.example/announce");
	seed_files(50);
	run(20);
	answer_advert(0);
	answer_advert(1);
	run(2200);
	for (i = 2; i < nsent; i++)
		answer(i, TRK_ST_OK, 1800);
	n = nsent;
	for (i = 0; i < 3; i++) {
		memset(sha, 0x5e, sizeof(sha));
		memcpy(sha + 1, &i, sizeof(i));
		tracker_file_gone(sha);
	}
	run(1200);
	ck_assert_uint_eq(nsent, n + 1);
	ck_assert(sent[n]->batch);
	ck_assert_int_eq(sent[n]->event, TRK_EV_STOPPED);
	ck_assert_uint_eq(sent[n]->nhashes, 3);
	answer(n, TRK_ST_OK, 1800);
	/* A fetch, answered (every reply names the batch path). */
	tracker_file(SHA_B, 5000, true);
	run(20);
	answer_advert(n + 1);
	n = nsent;
	stop_calls = 0;
	ck_assert(tracker_stop(on_stop, NULL));
	count_sent(n, &b, &h, &one);
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(h, 47);
	ck_assert_uint_eq(one, 2);	/* the fetch, the presence key */
	for (i = n; i < nsent; i++) {
		ck_assert_int_eq(sent[i]->event, TRK_EV_STOPPED);
		if (sent[i]->batch)
			continue;
		ck_assert_uint_eq(sent[i]->left, memcmp(sent[i]->key, zb,
		    20) == 0 ? 5000 : 0);
	}
	answer(n, TRK_ST_OK, 1800);
	answer(n + 1, TRK_ST_OK, 1800);
	ck_assert_int_eq(stop_calls, 0);
	answer(n + 2, TRK_ST_OK, 1800);
	ck_assert_int_eq(stop_calls, 1);
	/* Stopped: nothing more goes out. */
	tracker_file(SHA_A, 1000, true);
	run(50);
	ck_assert_uint_eq(nsent, n + 3);
	ck_assert(!tracker_stop(on_stop, NULL));
}
END_TEST

/* No answer: the callback comes when the time is up, once. */
START_TEST(stop_bounded)
{
	uint64_t	t0;

	use_trackers("udp://mine.example:6969/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);
	stop_calls = 0;
	t0 = clock_ms();
	ck_assert(tracker_stop(on_stop, NULL));
	ck_assert_uint_eq(nsent, 2);
	ck_assert_int_eq(pending(1)->event, TRK_EV_STOPPED);
	while (stop_calls == 0 && clock_ms() - t0 < 5000)
		run(100);
	ck_assert_int_eq(stop_calls, 1);
	ck_assert_uint_le(clock_ms() - t0, 2500);
}
END_TEST

static int			 scraped;
static struct trk_scrape	 scraped_counts;

static void
on_scrape(void *arg, const struct trk_scrape *s)
{
	scraped++;
	if (s != NULL)
		scraped_counts = *s;
	else
		scraped_counts.complete = -2;
}

START_TEST(scrape)
{
	uint8_t		zk[20];
	struct trk_req	*q;

	swarmkey_from_sha256(SHA_A, zk);
	tracker_apply(true, 6881);
	/* A zero-metadata key is scraped only where it may be announced. */
	ck_assert_int_eq(tracker_scrape(zk, on_scrape, NULL), -ENOENT);
	use_trackers("http://mine.example/announce");
	run(20);
	answer(0, TRK_ST_OK, 1800);
	ck_assert_int_eq(tracker_scrape(zk, on_scrape, NULL), 0);
	ck_assert_uint_eq(nsent, 2);
	q = sent[1];
	ck_assert(q->scrape);
	ck_assert_mem_eq(q->key, zk, 20);
	ck_assert_str_eq(q->t->url, "http://mine.example/announce");
	q->scr.complete = 3;
	q->scr.downloaded = 7;
	q->scr.incomplete = 1;
	sent[1] = NULL;
	trk_req_done(q, TRK_ST_OK, NULL);
	ck_assert_int_eq(scraped, 1);
	ck_assert_int_eq(scraped_counts.complete, 3);
	ck_assert_int_eq(scraped_counts.downloaded, 7);
	/* Cancelled: never called back. */
	ck_assert_int_eq(tracker_scrape(zk, on_scrape, NULL), 0);
	tracker_scrape_cancel(on_scrape, NULL);
	ck_assert_ptr_null(sent[2]);
	ck_assert_int_eq(scraped, 1);
}
END_TEST

static Suite *
tracker_suite(void)
{
	Suite	*s = suite_create("tracker");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, zero_metadata_private);
	tcase_add_test(tc, zero_metadata_configured);
	tcase_add_test(tc, localization_order);
	tcase_add_test(tc, absent_once_for_all);
	tcase_add_test(tc, configured_tiers);
	tcase_add_test(tc, hostile_peers);
	tcase_add_test(tc, seed_rate_cap);
	tcase_add_test(tc, seed_numwant);
	tcase_add_test(tc, failed_fetch_stops);
	tcase_add_test(tc, scrape);
	tcase_add_test(tc, torrent_known_after_fetch);
	tcase_add_test(tc, seed_batches);
	tcase_add_test(tc, seed_batch_refused);
	tcase_add_test(tc, seed_gone_stopped);
	tcase_add_test(tc, batch_stopped);
	tcase_add_test(tc, stop_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(tracker_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
