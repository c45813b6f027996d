/* SPDX-License-Identifier: ISC */
/*
 * check_gossip.c - tracker cluster nodes on loopback, one event loop:
 * a peer announced to one node is in every node's store within 2 s, a
 * node that starts late gets the whole state, and what an outsider or a
 * replayer sends is dropped and counted by reason.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/gossipmsg.h"
#include "daemon/tracker/gossip.h"
#include "daemon/tracker/swarms.h"

#define TTL	1800
#define NNODES	4	/* the last one is never started: the test speaks as it */

static char		 keyfile[300];
static char		 nodelist[256];
static uint16_t		 ports[NNODES];
static struct event_base *base;
static const uint8_t	 master[GOSSIP_KEY_LEN] =
    "cluster-key-cluster-key-cluster-";

static void
setup(void)
{
	const char	*t = getenv("TMPDIR");
	char		 dir[256];
	size_t		 i, off = 0;
	int		 fd;
	uint16_t	 p0;

	snprintf(dir, sizeof(dir), "%s/check_gossip.XXXXXX",
	    t != NULL && *t != '\0' && strlen(t) < 200 ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(keyfile, sizeof(keyfile), "%s/key", dir);
	fd = open(keyfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, master, sizeof(master)), sizeof(master));
	close(fd);
	/* Ports of our own, away from other tests running at once. */
	p0 = (uint16_t)(20000 + (getpid() % 2000) * 8);
	for (i = 0; i < NNODES; i++) {
		ports[i] = (uint16_t)(p0 + i);
		off += (size_t)snprintf(nodelist + off, sizeof(nodelist) - off,
		    "%s127.0.0.1:%u", i ? ", " : "", ports[i]);
	}
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
}

static void
teardown(void)
{
	char	dir[300];

	unlink(keyfile);
	snprintf(dir, sizeof(dir), "%s", keyfile);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	event_base_free(base);
}

static struct swarms_peer
peer(int i)
{
	struct swarms_peer	p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.port = (uint16_t)(6881 + i % 1000);
	p.addr[0] = 10;
	p.addr[1] = (uint8_t)(i >> 16);
	p.addr[2] = (uint8_t)(i >> 8);
	p.addr[3] = (uint8_t)i;
	return p;
}

static size_t
npeers(struct swarms *s, const uint8_t *ih)
{
	struct swarms_peer	out[600], asker;

	memset(&asker, 0, sizeof(asker));
	asker.family = 4;
	asker.port = 1;
	asker.addr[0] = 192;
	return swarms_select(s, ih, &asker, 4, 600, (uint32_t)clock_s(), out);
}

/* Runs the loop until every store has want peers of ih; the ms it took. */
static int64_t
until(struct swarms **s, size_t n, const uint8_t *ih, size_t want,
    uint64_t limit_ms)
{
	struct timeval	tv = { 0, 10000 };
	uint64_t	t0 = clock_ms();
	size_t		i;

	for (;;) {
		for (i = 0; i < n; i++)
			if (npeers(s[i], ih) != want)
				break;
		if (i == n)
			return (int64_t)(clock_ms() - t0);
		if (clock_ms() - t0 > limit_ms)
			return -1;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

static void
spin_loop(int ms)
{
	struct timeval	tv = { 0, ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

START_TEST(test_converge)
{
	struct swarms		*s[3];
	struct gossip		*g[3];
	struct gossip_node_stats ns[GOSSIP_MAX_NODES];
	struct swarms_peer	 p = peer(7);
	uint8_t			 ih[20];
	char			 err[256];
	int64_t			 ms;
	size_t			 i, n;

	memset(ih, 0x42, sizeof(ih));
	for (i = 0; i < 3; i++) {
		s[i] = swarms_new(TTL, 1 << 20);
		g[i] = gossip_new(base, s[i], nodelist, keyfile, TTL, err,
		    sizeof(err));
		ck_assert_msg(g[i] != NULL, "%s", err);
	}
	/* A client announces to node 0; nodes 1 and 2 learn it. */
	ck_assert_int_eq(swarms_announce(s[0], ih, &p, TRK_EV_STARTED,
	    SWARMS_LOCAL, 0, (uint32_t)clock_s()), SWARMS_ADDED);
	ms = until(s, 3, ih, 1, 2000);
	ck_assert_msg(ms >= 0, "not every node learned the peer in 2 s");
	printf("check_gossip: converged in %lld ms\n", (long long)ms);
	/* "stopped" to node 0: gone everywhere. */
	ck_assert_int_eq(swarms_announce(s[0], ih, &p, TRK_EV_STOPPED,
	    SWARMS_LOCAL, 0, (uint32_t)clock_s()), SWARMS_REMOVED);
	ck_assert_int_ge(until(s, 3, ih, 0, 2000), 0);
	/* Node 1 hears nodes 0 and 2, and a node that never runs (3). */
	n = gossip_nodes(g[1], ns, GOSSIP_MAX_NODES);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_ge(ns[0].heard_ms_ago, 0);
	ck_assert_uint_ge(ns[0].pkts_in, 1);
	ck_assert_uint_ge(ns[0].pkts_out, 1);
	ck_assert_int_eq(ns[2].heard_ms_ago, -1);
	for (i = 0; i < 3; i++) {
		gossip_free(g[i]);
		swarms_free(s[i]);
	}
}
END_TEST

/*
 * A node that starts late is sent everything, in paced packets: 5,000
 * peers in 109 packets, 400 a second, a little over a quarter second.
 */
#define JOIN_PEERS	5000
START_TEST(test_join)
{
	struct swarms		*s[2];
	struct gossip		*g[2];
	struct gossip_node_stats ns[GOSSIP_MAX_NODES];
	struct swarms_stats	 st;
	struct swarms_peer	 p;
	struct timeval		 tv = { 0, 10000 };
	uint8_t			 ih[20];
	char			 err[256];
	uint64_t		 t0;
	int			 i;

	s[0] = swarms_new(TTL, 1 << 22);
	g[0] = gossip_new(base, s[0], nodelist, keyfile, TTL, err, sizeof(err));
	ck_assert_msg(g[0] != NULL, "%s", err);
	memset(ih, 0x17, sizeof(ih));
	for (i = 0; i < JOIN_PEERS; i++) {
		ih[0] = (uint8_t)(i % 50);	/* 50 swarms of 100 */
		p = peer(i);
		ck_assert_int_eq(swarms_announce(s[0], ih, &p, TRK_EV_NONE,
		    SWARMS_LOCAL, 0, (uint32_t)clock_s()), SWARMS_ADDED);
	}
	spin_loop(200);		/* the deltas go out to nobody */
	s[1] = swarms_new(TTL, 1 << 22);
	t0 = clock_ms();
	g[1] = gossip_new(base, s[1], nodelist, keyfile, TTL, err, sizeof(err));
	ck_assert_msg(g[1] != NULL, "%s", err);
	do {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
		swarms_stats(s[1], &st);
	} while (st.learned < JOIN_PEERS && clock_ms() - t0 < 5000);
	ck_assert_msg(st.learned == JOIN_PEERS, "the late node has %zu of %d "
	    "peers", st.learned, JOIN_PEERS);
	printf("check_gossip: %d peers to a late node in %llu ms\n",
	    JOIN_PEERS, (unsigned long long)(clock_ms() - t0));
	ih[0] = 7;
	ck_assert_uint_eq(npeers(s[1], ih), 100);
	ck_assert_uint_ge(gossip_nodes(g[0], ns, GOSSIP_MAX_NODES), 1);
	ck_assert_uint_ge(ns[0].full_sent, 1);
	ck_assert_uint_ge(ns[0].recs_out, JOIN_PEERS);
	for (i = 0; i < 2; i++) {
		gossip_free(g[i]);
		swarms_free(s[i]);
	}
}
END_TEST

/* A node that restarts (an empty store) is sent everything again. */
START_TEST(test_restart)
{
	struct swarms		*s[2];
	struct gossip		*g[2];
	struct gossip_node_stats ns[GOSSIP_MAX_NODES];
	struct swarms_peer	 p;
	uint8_t			 ih[20];
	char			 err[256];
	int			 i;

	memset(ih, 0x33, sizeof(ih));
	for (i = 0; i < 2; i++) {
		s[i] = swarms_new(TTL, 1 << 22);
		g[i] = gossip_new(base, s[i], nodelist, keyfile, TTL, err,
		    sizeof(err));
		ck_assert_msg(g[i] != NULL, "%s", err);
	}
	for (i = 0; i < 100; i++) {
		p = peer(i);
		swarms_announce(s[0], ih, &p, TRK_EV_NONE, SWARMS_LOCAL, 0,
		    (uint32_t)clock_s());
	}
	ck_assert_int_ge(until(s, 2, ih, 100, 2000), 0);
	gossip_free(g[1]);
	swarms_free(s[1]);
	s[1] = swarms_new(TTL, 1 << 22);
	g[1] = gossip_new(base, s[1], nodelist, keyfile, TTL, err, sizeof(err));
	ck_assert_msg(g[1] != NULL, "%s", err);
	ck_assert_msg(until(s, 2, ih, 100, 2000) >= 0,
	    "the restarted node has %zu of 100 peers", npeers(s[1], ih));
	gossip_nodes(g[0], ns, GOSSIP_MAX_NODES);
	ck_assert_uint_ge(ns[0].full_sent, 2);
	for (i = 0; i < 2; i++) {
		gossip_free(g[i]);
		swarms_free(s[i]);
	}
}
END_TEST

static int
sender(const char *addr, uint16_t port)
{
	struct sockaddr_in	sin;
	int			fd, on = 1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
send_to(int fd, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(fd, p, len, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), (ssize_t)len);
}

static void
spin(int ms)
{
	struct timeval	tv = { 0, ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

START_TEST(test_reject)
{
	struct swarms		*s;
	struct gossip		*g;
	struct gossip_stats	 st;
	struct gossip_builder	 b;
	struct gossip_rec	 r;
	struct timespec		 ts;
	uint8_t			 mac[GOSSIP_KEY_LEN], cid[GOSSIP_KEY_LEN];
	uint8_t			 tampered[GOSSIP_MAX_DGRAM], ih[20];
	uint64_t		 now, run;
	size_t			 len;
	char			 err[256];
	int			 fd, out;

	memset(ih, 0x99, sizeof(ih));
	s = swarms_new(TTL, 1 << 20);
	g = gossip_new(base, s, nodelist, keyfile, TTL, err, sizeof(err));
	ck_assert_msg(g != NULL, "%s", err);
	gossip_derive(master, mac, cid);
	ck_assert_mem_eq(gossip_connid_key(g), cid, sizeof(cid));
	/* The test speaks as node 3, which never runs. */
	fd = sender("127.0.0.1", ports[NNODES - 1]);
	out = sender("127.0.0.2", 0);

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	run = now << 16 | 5;
	memset(&r, 0, sizeof(r));
	memcpy(r.hash, ih, 20);
	r.port = 7000;
	r.ttl = 600;
	r.addr[0] = 10; r.addr[3] = 9;
	gossip_begin(&b, GOSSIP_DELTA);
	ck_assert_int_eq(gossip_add(&b, &r), 0);
	len = gossip_seal(&b, mac, run, now, 1);
	memcpy(tampered, b.buf, len);
	tampered[GOSSIP_HDR_LEN + 3] ^= 1;

	send_to(fd, ports[0], tampered, len);		/* forged */
	send_to(out, ports[0], b.buf, len);		/* not a node */
	spin(100);
	ck_assert_uint_eq(npeers(s, ih), 0);
	send_to(fd, ports[0], b.buf, len);		/* good */
	spin(100);
	ck_assert_uint_eq(npeers(s, ih), 1);
	send_to(fd, ports[0], b.buf, len);		/* replayed */
	gossip_seal(&b, mac, run, now - 31000, 2);	/* stale */
	send_to(fd, ports[0], b.buf, len);
	gossip_seal(&b, mac, run - (1 << 16), now, 3);	/* an older run */
	send_to(fd, ports[0], b.buf, len);
	send_to(fd, ports[0], "garbage", 7);		/* malformed */
	spin(100);

	gossip_stats(g, &st);
	ck_assert_uint_eq(st.verdicts[GOSSIP_OK], 1);
	ck_assert_uint_eq(st.verdicts[GOSSIP_EFORGED], 1);
	ck_assert_uint_eq(st.verdicts[GOSSIP_EREPLAY], 1);
	ck_assert_uint_eq(st.verdicts[GOSSIP_ESTALE], 1);
	ck_assert_uint_eq(st.verdicts[GOSSIP_EOLDRUN], 1);
	ck_assert_uint_eq(st.verdicts[GOSSIP_EMALFORMED], 1);
	ck_assert_uint_eq(st.drops[GOSSIP_DROP_UNKNOWN], 1);
	close(fd);
	close(out);
	gossip_free(g);
	swarms_free(s);
}
END_TEST

START_TEST(test_config_errors)
{
	struct swarms	*s = swarms_new(TTL, 1 << 20);
	char		 err[256];

	chmod(keyfile, 0640);
	ck_assert_ptr_null(gossip_new(base, s, nodelist, keyfile, TTL, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	chmod(keyfile, 0600);
	ck_assert_ptr_null(gossip_new(base, s, "127.0.0.1", keyfile, TTL, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "ADDRESS:PORT"));
	ck_assert_ptr_null(gossip_new(base, s, nodelist, "", TTL, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "tracker_cluster_key"));
	/* Not listed, and the others' ports differ. */
	ck_assert_ptr_null(gossip_new(base, s, "198.51.100.1:1, 198.51.100.2:2",
	    keyfile, TTL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "list this node too"));
	swarms_free(s);
}
END_TEST

static Suite *
gossip_suite(void)
{
	Suite	*su = suite_create("gossip");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_converge);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_reject);
	tcase_add_test(tc, test_config_errors);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner	*sr = srunner_create(gossip_suite());
	int	 failed;

	if (sodium_init() < 0)
		return 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
