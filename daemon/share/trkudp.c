/* SPDX-License-Identifier: ISC */
/*
 * trkudp.c - announces to UDP trackers (BEP 15) on the loop.
 *
 * Each tracker gets its own connected UDP socket: replies from anyone
 * else never reach us, and a host with nothing on the port answers with
 * an ICMP error that the socket reports at once (ECONNREFUSED), so an
 * absent tracker usually costs no timeout at all.  A connection id is
 * used for a minute, as BEP 15 says; requests wait for it together.
 *
 * Retries follow BEP 15 (15 * 2^n seconds) for a tracker that has
 * answered before, up to UDP_MAX_N, unless other configured trackers
 * share its tier (a cluster's nodes: the next one answers instead);
 * one that never answered gets a single timeout and is then absent: a tracker that is not there costs
 * one timeout, not eight.  Host names are resolved with evdns, off the
 * loop's critical path.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <sodium.h>

#include "common/bigend.h"
#include "common/clock.h"
#include "common/log.h"
#include "daemon/share/trkconn.h"

#define UDP_TIMEOUT_S	15	/* BEP 15: 15 * 2^n seconds */
#define UDP_MAX_N	3	/* 15 + 30 + 60 + 120 s, then give up */
#define CID_LIFE_MS	60000	/* BEP 15: a connection id lasts a minute */

static struct evdns_base	*dnsb;

static uint32_t
new_tid(void)
{
	return randombytes_random();
}

static void
arm(struct event **ev, unsigned n, event_callback_fn cb, void *arg)
{
	struct timeval	tv = { (time_t)UDP_TIMEOUT_S << n, 0 };

	if (*ev == NULL)
		*ev = evtimer_new(trk_base(), cb, arg);
	if (*ev != NULL)
		evtimer_add(*ev, &tv);
}

static void
disarm(struct event **ev)
{
	if (*ev != NULL)
		event_free(*ev);
	*ev = NULL;
}

/* End one request (it leaves the tracker's queue first). */
static void
req_end(struct trk_req *q, enum trk_status st, const struct trk_reply *r)
{
	TAILQ_REMOVE(&q->t->reqs, q, entry);
	disarm(&q->timer);
	q->sent = false;
	trk_req_done(q, st, r);
}

/* Every request of the tracker ends the same way. */
static void
fail_all(struct trk *t, enum trk_status st)
{
	struct trk_req	*q;

	disarm(&t->conn_timer);
	t->connecting = false;
	while ((q = TAILQ_FIRST(&t->reqs)) != NULL)
		req_end(q, st, NULL);
}

static bool
cid_valid(const struct trk *t)
{
	return t->cid_at != 0 && clock_ms() - t->cid_at < CID_LIFE_MS;
}

static void	req_timeout(evutil_socket_t, short, void *);

/* An announce, or a scrape of one key (both fit TRK_UDP_ANNOUNCE_LEN). */
static void
send_announce(struct trk_req *q)
{
	struct trk_announce	a;
	uint8_t			pkt[TRK_UDP_ANNOUNCE_LEN];

	trk_fill(q, &a);
	q->tid = new_tid();
	/* A lost datagram is what the timer is for. */
	if (q->scrape)
		(void)send(q->t->fd, pkt, trk_udp_scrape(pkt, sizeof(pkt),
		    q->t->cid, q->tid, (const uint8_t (*)[20])q->key, 1), 0);
	else {
		(void)trk_udp_announce(pkt, q->t->cid, q->tid, &a);
		(void)send(q->t->fd, pkt, sizeof(pkt), 0);
	}
	q->sent = true;
	q->t->sent++;
	arm(&q->timer, q->n, req_timeout, q);
}

static void	conn_timeout(evutil_socket_t, short, void *);

static void
send_connect(struct trk *t)
{
	uint8_t	pkt[TRK_UDP_CONNECT_LEN];

	t->connecting = true;
	t->conn_tid = new_tid();
	(void)trk_udp_connect(pkt, t->conn_tid);
	(void)send(t->fd, pkt, sizeof(pkt), 0);
	t->sent++;
	arm(&t->conn_timer, t->conn_n, conn_timeout, t);
}

/* Move every waiting request on: announce, or connect first. */
static void
pump(struct trk *t)
{
	struct trk_req	*q;

	if (t->fd == -1)
		return;
	if (!cid_valid(t)) {
		if (!t->connecting)
			send_connect(t);
		return;
	}
	TAILQ_FOREACH(q, &t->reqs, entry)
		if (!q->sent)
			send_announce(q);
}

/*
 * No answer in time: retry, or give up (once only if never answered, or
 * if another tracker of its tier can answer instead).
 */
static bool
give_up(const struct trk *t, unsigned n)
{
	return !t->answered || t->tier_mates || n >= UDP_MAX_N;
}

static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct trk	*t = arg;

	t->connecting = false;
	if (give_up(t, t->conn_n)) {
		log_info("tracker %s: no answer to connect", t->url);
		t->conn_n = 0;
		fail_all(t, t->answered ? TRK_ST_FAILED : TRK_ST_ABSENT);
		return;
	}
	t->conn_n++;
	send_connect(t);
}

static void
req_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct trk_req	*q = arg;

	if (give_up(q->t, q->n)) {
		log_info("tracker %s: no answer to announce", q->t->url);
		req_end(q, q->t->answered ? TRK_ST_FAILED : TRK_ST_ABSENT,
		    NULL);
		return;
	}
	q->n++;
	q->sent = false;
	/* The id may have expired meanwhile: pump connects again if so. */
	pump(q->t);
}

static struct trk_req *
find_tid(struct trk *t, uint32_t tid)
{
	struct trk_req	*q;

	TAILQ_FOREACH(q, &t->reqs, entry)
		if (q->sent && q->tid == tid)
			return q;
	return NULL;
}

static void
on_datagram(struct trk *t, const uint8_t *buf, size_t len)
{
	struct trk_req	*q;
	uint32_t	 tid;
	uint64_t	 cid;
	int		 rc;
	bool		 v6 = t->ss.ss_family == AF_INET6;

	if (len < 8)
		return;
	tid = be_get32(buf + 4);
	if (t->connecting && tid == t->conn_tid) {
		struct trk_reply	*r;

		if ((r = malloc(sizeof(*r))) == NULL)
			return;
		rc = trk_udp_parse(buf, len, tid, TRK_ACT_CONNECT, v6, &cid,
		    r, NULL, 0);
		if (rc == TRK_ACT_CONNECT) {
			disarm(&t->conn_timer);
			t->connecting = false;
			t->answered = true;
			t->conn_n = 0;
			t->cid = cid;
			t->cid_at = clock_ms();
			pump(t);
		} else if (rc == TRK_ACT_ERROR) {
			log_info("tracker %s: %s", t->url, r->message);
			t->answered = true;
			fail_all(t, TRK_ST_REFUSED);
		}
		free(r);
		return;
	}
	if ((q = find_tid(t, tid)) == NULL)
		return;
	rc = trk_udp_parse(buf, len, tid, q->scrape ? TRK_ACT_SCRAPE :
	    TRK_ACT_ANNOUNCE, v6, NULL, &q->reply, &q->scr, 1);
	if (rc == TRK_ACT_ANNOUNCE || rc == TRK_ACT_SCRAPE)
		req_end(q, TRK_ST_OK, &q->reply);
	else if (rc == TRK_ACT_ERROR)
		req_end(q, TRK_ST_REFUSED, &q->reply);
	/* Anything else with our id is noise; the timer still runs. */
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct trk	*t = arg;
	uint8_t		 buf[2048];	/* 200 peers and more: bounded anyway */
	ssize_t		 n;
	int		 i;

	/* A few datagrams per wake-up, so one tracker cannot hog the loop. */
	for (i = 0; i < 16 && t->fd != -1; i++) {
		n = recv(t->fd, buf, sizeof(buf), MSG_TRUNC);
		if (n == -1 && (errno == ECONNREFUSED ||
		    errno == EHOSTUNREACH || errno == ENETUNREACH)) {
			log_info("tracker %s: %s", t->url, strerror(errno));
			fail_all(t, TRK_ST_ABSENT);
			return;
		}
		if (n < 0)
			return;
		on_datagram(t, buf, (size_t)n > sizeof(buf) ? sizeof(buf) :
		    (size_t)n);
	}
}

static int
open_socket(struct trk *t)
{
	int	fd;

	fd = socket(t->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&t->ss, t->sslen) == -1) {
		int	e = errno;

		close(fd);
		return -e;
	}
	if ((t->ev = event_new(trk_base(), fd, EV_READ | EV_PERSIST, on_read,
	    t)) == NULL || event_add(t->ev, NULL) == -1) {
		if (t->ev != NULL)
			event_free(t->ev);
		t->ev = NULL;
		close(fd);
		return -ENOMEM;
	}
	t->fd = fd;
	return 0;
}

/* "udp://host:port/..." into host and port text. */
static int
split_url(const char *url, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*h = url + 6, *end, *colon;
	size_t		 len;

	if (strncmp(url, "udp://", 6) != 0)
		return -EINVAL;
	end = h + strcspn(h, "/?#");
	if (*h == '[') {
		if ((colon = memchr(h, ']', (size_t)(end - h))) == NULL)
			return -EINVAL;
		len = (size_t)(colon - h - 1);
		h++;
		colon++;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		len = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (colon == NULL || *colon != ':' || len == 0 || len >= hostlen ||
	    (size_t)(end - colon - 1) >= portlen || end == colon + 1)
		return -EINVAL;
	memcpy(host, h, len);
	host[len] = '\0';
	memcpy(port, colon + 1, (size_t)(end - colon - 1));
	port[end - colon - 1] = '\0';
	return 0;
}

static void
resolved(int err, struct evutil_addrinfo *res, void *arg)
{
	struct trk	*t = arg;
	int		 rc;

	if (err == EVUTIL_EAI_CANCEL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	t->resolving = false;
	t->dns = NULL;
	if (err != 0 || res == NULL || res->ai_addrlen > sizeof(t->ss)) {
		log_info("tracker %s: %s", t->url, err != 0 ?
		    evutil_gai_strerror(err) : "no address");
		if (res != NULL)
			evutil_freeaddrinfo(res);
		fail_all(t, TRK_ST_ABSENT);
		return;
	}
	if (!t->trusted && !trk_addr_public(res->ai_addr)) {
		log_info("tracker %s: a torrent's tracker on a local address; "
		    "not used", t->url);
		evutil_freeaddrinfo(res);
		fail_all(t, TRK_ST_ABSENT);
		return;
	}
	memcpy(&t->ss, res->ai_addr, res->ai_addrlen);
	t->sslen = (socklen_t)res->ai_addrlen;
	evutil_freeaddrinfo(res);
	if ((rc = open_socket(t)) != 0) {
		log_info("tracker %s: %s", t->url, strerror(-rc));
		t->sslen = 0;
		fail_all(t, TRK_ST_ABSENT);
		return;
	}
	pump(t);
}

static void
resolve(struct trk *t)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*r;
	char					 host[256], port[8];

	if (t->resolving)
		return;
	if (split_url(t->url, host, sizeof(host), port, sizeof(port)) != 0) {
		log_info("tracker %s: not a udp://HOST:PORT URL", t->url);
		fail_all(t, TRK_ST_ABSENT);
		return;
	}
	if (dnsb == NULL &&
	    (dnsb = evdns_base_new(trk_base(),
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (dnsb = evdns_base_new(trk_base(), 0)) == NULL) {
		fail_all(t, TRK_ST_FAILED);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	t->resolving = true;
	/* A numeric host is answered inside the call. */
	r = evdns_getaddrinfo(dnsb, host, port, &hints, resolved, t);
	if (t->resolving)
		t->dns = r;
}

int
trk_udp_send(struct trk_req *q)
{
	struct trk	*t = q->t;

	q->n = 0;
	q->sent = false;
	TAILQ_INSERT_TAIL(&t->reqs, q, entry);
	if (t->sslen == 0)
		resolve(t);
	else if (t->fd == -1 && open_socket(t) != 0) {
		t->sslen = 0;
		resolve(t);
	} else
		pump(t);
	return 0;
}

void
trk_udp_cancel(struct trk_req *q)
{
	TAILQ_REMOVE(&q->t->reqs, q, entry);
	disarm(&q->timer);
	q->sent = false;
}

void
trk_udp_close(struct trk *t)
{
	if (t->dns != NULL)
		evdns_getaddrinfo_cancel(t->dns);
	t->dns = NULL;
	t->resolving = false;
	disarm(&t->conn_timer);
	t->connecting = false;
	if (t->ev != NULL)
		event_free(t->ev);
	t->ev = NULL;
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
	t->cid_at = 0;
	t->sslen = 0;
}

void
trk_udp_shutdown(void)
{
	if (dnsb != NULL)
		evdns_base_free(dnsb, 0);
	dnsb = NULL;
}
