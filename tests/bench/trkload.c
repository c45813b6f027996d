/* SPDX-License-Identifier: ISC */
/*
 * trkload.c - load generator for BitTorrent trackers (the tracker
 * benchmarks, tests/bench/tracker-*.sh): BEP 15 UDP connect + announce,
 * or BEP 3 HTTP announces, at a target rate or as fast as the tracker
 * answers, from many source ports and addresses, counting the answers.
 *
 *	trkload [-m udp|http] [-r RATE] [-d SECONDS] [-n COUNT] [-w WINDOW]
 *	    [-s SOCKETS] [-b ADDR[,ADDR...]] [-p POOL] [-S] [-P PATH] HOST:PORT
 *	trkload -l POOL		print the info-hash pool, hex, one a line
 *
 * Info-hashes come from a pool of POOL (default 1000) fixed pseudo-random
 * hashes (the same in every run: "-l" lists them for a tracker's
 * whitelist); peer ids are random.  Without -S each announce takes a
 * random hash and a random port.  With -S (sequential) announce i takes
 * hash i mod POOL and port 1024 + (i / POOL) mod 60000, and source
 * address (i / POOL / 60000) mod the addresses given: COUNT announces
 * are COUNT distinct peers, each announced once (a memory benchmark).
 *
 * UDP: SOCKETS sockets (default 64), bound round-robin to the -b
 * addresses, each with its own source port and connection id (renewed
 * every 60 s); at most WINDOW (default 256) announces unanswered in all
 * (a datagram unanswered after a second counts as lost and frees its
 * slot).  HTTP: WINDOW connections at once, one announce each (a new
 * connection for each announce, as BitTorrent clients do), path PATH
 * (default /announce).
 *
 * RATE 0 (the default) sends as fast as the window allows.  It stops
 * after COUNT announces have been answered or lost, or after SECONDS
 * (default 10).  Every second it prints "SECOND sent answered errors
 * lost" to stderr, and at the end one line to stdout:
 *
 *	sent N answered N errors N lost N seconds S rate R
 *
 * where rate is answered per second, errors counts failure replies
 * (UDP action 3, HTTP "failure reason" or not 200).
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/trackermsg.h"

#define MAX_SOCKS	1024
#define MAX_ADDRS	256
#define LOST_MS		1000
#define CID_MS		60000
#define HTTP_BUF	2048

struct usock {
	int		 fd;
	uint64_t	 cid;
	uint64_t	 cid_at;	/* ms; 0 = none */
	bool		 connecting;
	uint32_t	 conn_tid;
	uint64_t	 conn_sent;	/* ms */
	unsigned	 inflight;
	uint64_t	 last_rx;	/* ms */
};

struct hconn {
	int		 fd;		/* -1: free */
	char		 buf[HTTP_BUF];
	size_t		 len, off;
	bool		 sending;
	uint64_t	 started;	/* ms */
};

static struct {
	bool		 http, seq;
	double		 rate;
	double		 secs;
	uint64_t	 count;
	unsigned	 window, nsocks, pool;
	const char	*path;
	struct sockaddr_in dst;
	struct in_addr	 addrs[MAX_ADDRS];
	unsigned	 naddrs;
	uint8_t		(*hashes)[20];
	uint64_t	 sent, answered, errors, lost, next;
	uint64_t	 why[4];	/* HTTP lost: send, recv, empty, time */
	uint64_t	 rng;
} g = { .secs = 10, .window = 256, .nsocks = 64, .pool = 1000,
    .path = "/announce" };

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* splitmix64: fast, and the same pool for the same index every run. */
static uint64_t
mix(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
make_pool(void)
{
	uint64_t	s = 0x61707462742d6c64ULL, v;
	unsigned	i, j;

	if ((g.hashes = calloc(g.pool, 20)) == NULL) {
		perror("trkload");
		exit(2);
	}
	for (i = 0; i < g.pool; i++)
		for (j = 0; j < 20; j += 4) {
			v = mix(&s);
			memcpy(g.hashes[i] + j, &v, 4);
		}
}

/* What announce number i says: its hash, port, source address index. */
static void
pick(uint64_t i, const uint8_t **ih, uint16_t *port, unsigned *addr)
{
	if (g.seq) {
		*ih = g.hashes[i % g.pool];
		*port = (uint16_t)(1024 + (i / g.pool) % 60000);
		*addr = (unsigned)((i / g.pool / 60000) % g.naddrs);
	} else {
		uint64_t	r = mix(&g.rng);

		*ih = g.hashes[r % g.pool];
		*port = (uint16_t)(1024 + (r >> 32) % 60000);
		*addr = (unsigned)((r >> 48) % g.naddrs);
	}
}

static void
peer_id(uint8_t id[20])
{
	uint64_t	v;
	int		i;

	memcpy(id, "-TL0001-", 8);
	for (i = 8; i < 20; i += 4) {
		v = mix(&g.rng);
		memcpy(id + i, &v, 4);
	}
}

static int
bound_socket(int type, unsigned addr)
{
	struct sockaddr_in	sa;
	int			fd;

	if ((fd = socket(AF_INET, type | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr = g.addrs[addr];
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
done(uint64_t t0)
{
	if (g.count > 0 && g.answered + g.errors + g.lost >= g.count)
		return true;
	return g.count == 0 && now_ms() - t0 >= (uint64_t)(g.secs * 1000);
}

/* May another announce go out now (count, rate)? */
static bool
may_send(uint64_t t0)
{
	double	el;

	if (g.count > 0 && g.sent >= g.count)
		return false;
	if (g.rate <= 0)
		return true;
	el = (double)(now_ms() - t0) / 1000.0;
	return (double)g.sent < g.rate * el + 1;
}

static void
progress(uint64_t t0, uint64_t *tick)
{
	static uint64_t	last_sent, last_ans, last_err, last_lost;
	uint64_t	t = now_ms();

	if (t < *tick)
		return;
	fprintf(stderr, "%llu %llu %llu %llu %llu\n",
	    (unsigned long long)((t - t0) / 1000),
	    (unsigned long long)(g.sent - last_sent),
	    (unsigned long long)(g.answered - last_ans),
	    (unsigned long long)(g.errors - last_err),
	    (unsigned long long)(g.lost - last_lost));
	last_sent = g.sent;
	last_ans = g.answered;
	last_err = g.errors;
	last_lost = g.lost;
	*tick += 1000;
}

/*
 * UDP.
 */
static void
udp_connect(struct usock *u, uint64_t t)
{
	uint8_t	pkt[TRK_UDP_CONNECT_LEN];

	u->conn_tid = (uint32_t)mix(&g.rng);
	trk_udp_connect(pkt, u->conn_tid);
	(void)sendto(u->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&g.dst,
	    sizeof(g.dst));
	u->connecting = true;
	u->conn_sent = t;
}

static void
udp_announce(struct usock *u)
{
	uint8_t			pkt[TRK_UDP_ANNOUNCE_LEN], id[20];
	struct trk_announce	a;
	unsigned		addr;

	memset(&a, 0, sizeof(a));
	pick(g.next++, &a.info_hash, &a.port, &addr);
	peer_id(id);
	a.peer_id = id;
	a.left = 1000;
	a.event = TRK_EV_STARTED;
	a.key = (uint32_t)mix(&g.rng);
	a.numwant = 50;
	trk_udp_announce(pkt, u->cid, (uint32_t)g.sent, &a);
	if (sendto(u->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&g.dst,
	    sizeof(g.dst)) == (ssize_t)sizeof(pkt)) {
		g.sent++;
		u->inflight++;
	} else
		g.next--;
}

static void
udp_read(struct usock *u, uint64_t t)
{
	static struct trk_reply	r;
	uint8_t			buf[4096];
	ssize_t			n;
	uint32_t		tid;
	int			act;

	while ((n = recv(u->fd, buf, sizeof(buf), 0)) > 0) {
		u->last_rx = t;
		if (n < 8)
			continue;
		act = (int)ntohl(*(uint32_t *)(void *)buf);
		tid = ntohl(*(uint32_t *)(void *)(buf + 4));
		if (act == TRK_ACT_CONNECT && u->connecting &&
		    tid == u->conn_tid &&
		    trk_udp_parse(buf, (size_t)n, tid, TRK_ACT_CONNECT, false,
		    &u->cid, NULL, NULL, 0) == TRK_ACT_CONNECT) {
			u->connecting = false;
			u->cid_at = t;
			continue;
		}
		if (act == TRK_ACT_CONNECT)
			continue;
		if (u->inflight > 0)
			u->inflight--;
		if (act == TRK_ACT_ANNOUNCE &&
		    trk_udp_parse(buf, (size_t)n, tid, TRK_ACT_ANNOUNCE, false,
		    NULL, &r, NULL, 0) == TRK_ACT_ANNOUNCE)
			g.answered++;
		else
			g.errors++;
	}
}

static int
run_udp(void)
{
	struct usock	*u;
	struct pollfd	*pf;
	uint64_t	 t0 = now_ms(), tick = t0 + 1000, t;
	unsigned	 i, inflight;

	if ((u = calloc(g.nsocks, sizeof(*u))) == NULL ||
	    (pf = calloc(g.nsocks, sizeof(*pf))) == NULL)
		return 2;
	for (i = 0; i < g.nsocks; i++) {
		if ((u[i].fd = bound_socket(SOCK_DGRAM, i % g.naddrs)) == -1) {
			perror("trkload: socket");
			return 2;
		}
		pf[i].fd = u[i].fd;
		pf[i].events = POLLIN;
	}
	while (!done(t0)) {
		t = now_ms();
		inflight = 0;
		for (i = 0; i < g.nsocks; i++) {
			struct usock	*s = &u[i];

			/* A second without an answer: what is out is lost. */
			if (s->inflight > 0 && t - s->last_rx > LOST_MS &&
			    t - s->conn_sent > LOST_MS) {
				g.lost += s->inflight;
				s->inflight = 0;
				s->last_rx = t;
			}
			if ((s->cid_at == 0 || t - s->cid_at > CID_MS) &&
			    (!s->connecting || t - s->conn_sent > LOST_MS))
				udp_connect(s, t);
			inflight += s->inflight;
		}
		/* Spread the window over the sockets that are connected. */
		for (i = 0; i < g.nsocks * 4 && inflight < g.window &&
		    may_send(t0); i++) {
			struct usock	*s = &u[(g.sent + i) % g.nsocks];

			if (s->cid_at == 0 || s->connecting ||
			    s->inflight >= (g.window + g.nsocks - 1) / g.nsocks)
				continue;
			if (s->inflight == 0)
				s->last_rx = t;
			udp_announce(s);
			inflight++;
		}
		if (poll(pf, g.nsocks, g.rate > 0 ? 1 : 10) > 0)
			for (i = 0; i < g.nsocks; i++)
				if (pf[i].revents & POLLIN)
					udp_read(&u[i], now_ms());
		progress(t0, &tick);
	}
	t = now_ms() - t0;
	printf("sent %llu answered %llu errors %llu lost %llu seconds %.3f "
	    "rate %.0f\n", (unsigned long long)g.sent,
	    (unsigned long long)g.answered, (unsigned long long)g.errors,
	    (unsigned long long)g.lost, (double)t / 1000,
	    (double)g.answered * 1000 / (double)(t ? t : 1));
	for (i = 0; i < g.nsocks; i++)
		close(u[i].fd);
	free(u);
	free(pf);
	return 0;
}

/*
 * HTTP: one connection per announce.
 */
static void
http_escape(char *out, const uint8_t *p, size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i;

	for (i = 0; i < n; i++) {
		*out++ = '%';
		*out++ = hex[p[i] >> 4];
		*out++ = hex[p[i] & 15];
	}
	*out = '\0';
}

static void
http_start(struct hconn *c)
{
	const uint8_t	*ih;
	uint8_t		 id[20];
	char		 eih[61], eid[61];
	uint16_t	 port;
	unsigned	 addr;
	int		 n;

	pick(g.next++, &ih, &port, &addr);
	peer_id(id);
	http_escape(eih, ih, 20);
	http_escape(eid, id, 20);
	n = snprintf(c->buf, sizeof(c->buf), "GET %s?info_hash=%s&peer_id=%s"
	    "&port=%u&uploaded=0&downloaded=0&left=1000&compact=1"
	    "&event=started&numwant=50 HTTP/1.0\r\nHost: %s:%u\r\n\r\n",
	    g.path, eih, eid, port, inet_ntoa(g.dst.sin_addr),
	    ntohs(g.dst.sin_port));
	if ((c->fd = bound_socket(SOCK_STREAM, addr)) == -1) {
		g.next--;
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&g.dst, sizeof(g.dst)) == -1 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		g.errors++;
		g.sent++;
		return;
	}
	c->len = (size_t)n;
	c->off = 0;
	c->sending = true;
	c->started = now_ms();
	g.sent++;
}

static void
http_end(struct hconn *c, bool ok, bool failed)
{
	struct linger	l = { 1, 0 };

	/* No TIME_WAIT on our side: a reset, not a close. */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(c->fd);
	c->fd = -1;
	if (!ok)
		g.lost++;
	else if (failed)
		g.errors++;
	else
		g.answered++;
}

static void
http_io(struct hconn *c, short rev)
{
	ssize_t	n;

	if (c->sending) {
		n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN) {
				g.why[0]++;
				http_end(c, false, false);
			}
			return;
		}
		c->off += (size_t)n;
		if (c->off == c->len) {
			c->sending = false;
			c->len = 0;
		}
		return;
	}
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0)
		g.why[1]++;
	else if (n == 0 && c->len <= 12)
		g.why[2]++;
	if (n > 0) {
		c->len += (size_t)n;
		if (c->len < sizeof(c->buf) - 1)
			return;
	}
	/* Closed (or our buffer is full): judge what came. */
	c->buf[c->len] = '\0';
	http_end(c, c->len > 12, strncmp(c->buf + 9, "200", 3) != 0 ||
	    strstr(c->buf, "failure reason") != NULL);
}

static int
run_http(void)
{
	struct hconn	*c;
	struct pollfd	*pf;
	uint64_t	 t0 = now_ms(), tick = t0 + 1000, t;
	unsigned	 i, n;

	if ((c = calloc(g.window, sizeof(*c))) == NULL ||
	    (pf = calloc(g.window, sizeof(*pf))) == NULL)
		return 2;
	for (i = 0; i < g.window; i++)
		c[i].fd = -1;
	while (!done(t0)) {
		t = now_ms();
		for (i = 0, n = 0; i < g.window; i++) {
			if (c[i].fd == -1 && may_send(t0))
				http_start(&c[i]);
			if (c[i].fd != -1 && c[i].started + 10 * LOST_MS < t) {
				g.why[3]++;
				http_end(&c[i], false, false);
			}
			if (c[i].fd == -1)
				continue;
			pf[n].fd = c[i].fd;
			pf[n].events = c[i].sending ? POLLOUT : POLLIN;
			pf[n++].revents = 0;
		}
		if (n > 0 && poll(pf, n, 10) > 0)
			for (i = 0, n = 0; i < g.window; i++) {
				if (c[i].fd == -1)
					continue;
				if (pf[n].revents != 0)
					http_io(&c[i], pf[n].revents);
				n++;
			}
		else if (n == 0)
			usleep(1000);
		progress(t0, &tick);
	}
	t = now_ms() - t0;
	printf("sent %llu answered %llu errors %llu lost %llu seconds %.3f "
	    "rate %.0f\n", (unsigned long long)g.sent,
	    (unsigned long long)g.answered, (unsigned long long)g.errors,
	    (unsigned long long)g.lost, (double)t / 1000,
	    (double)g.answered * 1000 / (double)(t ? t : 1));
	if (g.lost > 0)
		fprintf(stderr, "lost: %llu at send, %llu reset, %llu closed "
		    "empty, %llu timed out\n", (unsigned long long)g.why[0],
		    (unsigned long long)g.why[1], (unsigned long long)g.why[2],
		    (unsigned long long)g.why[3]);
	for (i = 0; i < g.window; i++)
		if (c[i].fd != -1)
			close(c[i].fd);
	free(c);
	free(pf);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: trkload [-m udp|http] [-r RATE] "
	    "[-d SECONDS] [-n COUNT] [-w WINDOW] [-s SOCKETS]\n"
	    "\t[-b ADDR[,ADDR...]] [-p POOL] [-S] [-P PATH] HOST:PORT\n"
	    "       trkload [-p POOL] -l\n");
	exit(2);
}

static void
parse_addrs(char *s)
{
	char	*a;

	g.naddrs = 0;
	for (a = strtok(s, ","); a != NULL; a = strtok(NULL, ","))
		if (g.naddrs == MAX_ADDRS ||
		    inet_pton(AF_INET, a, &g.addrs[g.naddrs++]) != 1) {
			fprintf(stderr, "trkload: bad address %s\n", a);
			exit(2);
		}
}

int
main(int argc, char *argv[])
{
	char		*host, *port;
	unsigned	 i;
	int		 ch;
	bool		 list = false;

	g.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	g.naddrs = 1;
	while ((ch = getopt(argc, argv, "b:d:lm:n:p:P:r:Ss:w:")) != -1) {
		switch (ch) {
		case 'b': parse_addrs(optarg); break;
		case 'd': g.secs = atof(optarg); break;
		case 'l': list = true; break;
		case 'm': g.http = strcmp(optarg, "http") == 0; break;
		case 'n': g.count = strtoull(optarg, NULL, 10); break;
		case 'p': g.pool = (unsigned)atoi(optarg); break;
		case 'P': g.path = optarg; break;
		case 'r': g.rate = atof(optarg); break;
		case 'S': g.seq = true; break;
		case 's': g.nsocks = (unsigned)atoi(optarg); break;
		case 'w': g.window = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (g.pool == 0 || g.window == 0 || g.nsocks == 0 ||
	    g.nsocks > MAX_SOCKS)
		usage();
	make_pool();
	if (list) {
		for (i = 0; i < g.pool; i++) {
			unsigned	j;

			for (j = 0; j < 20; j++)
				printf("%02x", g.hashes[i][j]);
			putchar('\n');
		}
		free(g.hashes);
		return 0;
	}
	if (optind != argc - 1 || (port = strrchr(argv[optind], ':')) == NULL)
		usage();
	host = argv[optind];
	*port++ = '\0';
	g.dst.sin_family = AF_INET;
	g.dst.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &g.dst.sin_addr) != 1) {
		fprintf(stderr, "trkload: %s is not an IPv4 address\n", host);
		return 2;
	}
	ch = g.http ? run_http() : run_udp();
	free(g.hashes);
	return ch;
}
