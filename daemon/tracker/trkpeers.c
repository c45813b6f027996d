/* SPDX-License-Identifier: ISC */
/*
 * trkpeers.c - tracker peers: exchanges with the trackers of other sites
 * (see trkpeers.h).
 *
 * Both directions build their body the same way: one walk of the store
 * (swarms_foreach visits a swarm's peers one after the other), the local
 * peers of each wanted swarm gathered, then added to the body.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/xchgmsg.h"
#include "daemon/tracker/swarms.h"
#include "daemon/tracker/trkpeers.h"

struct trkpeers;

struct tpeer {
	struct trkpeers			*tp;
	char				 host[NETADDR_STRLEN];
	char				 path[256];
	struct netaddr			 na;	/* host, port 80 when none */
	struct evhttp_connection	*conn;
	bool				 busy;
	uint64_t			 ok_at;	/* clock_ms(); 0: never */
	struct trkstats_tpeer		 st;
};

struct trkpeers {
	struct event_base	*base;
	struct swarms		*swarms;
	bool			 share_private;
	uint32_t		 interval;	/* seconds between rounds */
	struct tpeer		 peers[TRKSTATS_TPEERS];
	size_t			 n;
	struct event		*timer;
	size_t			 skip;		/* swarms sent last round */
	uint64_t		 served, refused;
	struct xchg_builder	 b;		/* 64 KiB: one body at a time */
};

/* A walk of the store, gathering one body. */
struct collect {
	struct trkpeers		*tp;
	struct xchg_builder	*out;
	const uint8_t		*want;		/* sorted info-hashes; NULL: all */
	size_t			 nwant;
	bool			 empty_too;	/* list swarms with no peer to send */
	size_t			 skip, index;	/* rotation over rounds */
	bool			 full;
	bool			 have, wanted;
	uint8_t			 ih[20];
	struct xchg_peer	 p[2 * XCHG_MAX_PEERS];
	size_t			 n4, n6;
	uint64_t		 sent;		/* peers in the body */
};

static int
ih_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static void
flush(struct collect *c)
{
	if (!c->have || !c->wanted || c->full)
		return;
	if (c->n4 + c->n6 == 0 && !c->empty_too)
		return;
	if (xchg_add(c->out, c->ih, c->p, c->n4 + c->n6) != 0)
		c->full = true;
	else
		c->sent += c->n4 + c->n6;
}

static void
visit(void *arg, const uint8_t ih[SWARMS_IH_LEN], const struct swarms_peer *sp,
    enum swarms_origin origin, uint32_t expires)
{
	struct collect		*c = arg;
	struct xchg_peer	 x;

	(void)expires;
	/* Only what announced here: nothing heard is passed on. */
	if (origin != SWARMS_LOCAL || c->full)
		return;
	if (!c->have || memcmp(c->ih, ih, 20) != 0) {
		flush(c);
		c->have = true;
		memcpy(c->ih, ih, 20);
		c->n4 = c->n6 = 0;
		c->wanted = c->want == NULL ||
		    bsearch(ih, c->want, c->nwant, 20, ih_cmp) != NULL;
		if (c->wanted && c->want == NULL && c->index++ < c->skip)
			c->wanted = false;
	}
	if (!c->wanted)
		return;
	memset(&x, 0, sizeof(x));
	x.family = sp->family;
	x.port = sp->port;
	memcpy(x.addr, sp->addr, sp->family == 6 ? 16 : 4);
	if (!c->tp->share_private && xchg_private(&x))
		return;
	if (x.family == 4 && c->n4 < XCHG_MAX_PEERS)
		c->p[c->n4++ + c->n6] = x;
	else if (x.family == 6 && c->n6 < XCHG_MAX_PEERS)
		c->p[c->n4 + c->n6++] = x;
}

static void
collect(struct trkpeers *tp, struct collect *c)
{
	c->tp = tp;
	xchg_begin(c->out);
	swarms_foreach(tp->swarms, (uint32_t)clock_s(), visit, c);
	flush(c);
}

/* The peers of a body, for the swarms we know; returns peers taken. */
static uint64_t
learn(struct trkpeers *tp, const uint8_t *body, size_t len)
{
	struct xchg_swarm	 s;
	struct swarms_counts	 sc;
	struct swarms_stats	 st;
	struct swarms_peer	 p;
	size_t			 off = XCHG_HDR_LEN, i;
	uint32_t		 now = (uint32_t)clock_s();
	uint64_t		 got = 0;

	swarms_stats(tp->swarms, &st);
	while (xchg_next(body, len, &off, &s) == 0) {
		if (!swarms_scrape(tp->swarms, s.ih, &sc))
			continue;	/* both must know it */
		for (i = 0; i < (size_t)s.n4 + s.n6; i++) {
			if (st.learned + got >= TRKPEERS_MAX_LEARNED)
				return got;
			memset(&p, 0, sizeof(p));
			p.family = s.peers[i].family;
			p.port = s.peers[i].port;
			memcpy(p.addr, s.peers[i].addr, 16);
			if (swarms_announce(tp->swarms, s.ih, &p, TRK_EV_NONE,
			    SWARMS_FOREIGN, now + 3 * tp->interval, now) > 0)
				got++;
		}
	}
	return got;
}

static void
answered(struct evhttp_request *req, void *arg)
{
	struct tpeer		*t = arg;
	struct trkpeers		*tp = t->tp;
	struct evbuffer		*in;
	const uint8_t		*body;
	size_t			 len;
	uint64_t		 got;

	t->busy = false;
	if (req == NULL || evhttp_request_get_response_code(req) != 200) {
		t->st.failures++;
		log_info("tracker peer %s: %s", t->st.url, req == NULL ?
		    "no answer" : evhttp_request_get_response_code_line(req));
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = evbuffer_pullup(in, -1);
	if (len > XCHG_MAX_BODY || body == NULL || xchg_check(body, len) < 0) {
		t->st.failures++;
		log_info("tracker peer %s: an answer we cannot read",
		    t->st.url);
		return;
	}
	got = learn(tp, body, len);
	t->st.learned += got;
	t->ok_at = clock_ms();
	log_debug("tracker peer %s: %llu peers learned", t->st.url,
	    (unsigned long long)got);
}

/* Returns whether the request went out. */
static bool
send_round(struct tpeer *t, const uint8_t *body, size_t len)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;

	if (t->busy)
		return false;
	if (t->conn == NULL) {
		t->conn = evhttp_connection_base_new(t->tp->base, NULL,
		    t->host, t->na.port);
		if (t->conn == NULL)
			return false;
		evhttp_connection_set_timeout(t->conn, TRKPEERS_TIMEOUT_S);
		evhttp_connection_set_max_body_size(t->conn, XCHG_MAX_BODY);
	}
	if ((req = evhttp_request_new(answered, t)) == NULL)
		return false;
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", t->host);
	evhttp_add_header(h, "Content-Type", XCHG_CONTENT_TYPE);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	if (evhttp_make_request(t->conn, req, EVHTTP_REQ_POST, t->path) != 0) {
		t->st.failures++;
		return false;
	}
	t->busy = true;
	t->st.rounds++;
	return true;
}

static void
arm(struct trkpeers *tp, uint32_t base_ms)
{
	uint32_t	spread = base_ms / 5;
	uint64_t	ms = base_ms - spread + randombytes_uniform(2 * spread + 1);
	struct timeval	tv = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000 };

	evtimer_add(tp->timer, &tv);
}

static void
round_cb(evutil_socket_t fd, short what, void *arg)
{
	struct trkpeers	*tp = arg;
	struct collect	 c;
	size_t		 i, len;

	(void)fd;
	(void)what;
	memset(&c, 0, sizeof(c));
	c.out = &tp->b;
	c.empty_too = true;
	c.skip = tp->skip;
	collect(tp, &c);
	/* The next round goes on where this one stopped. */
	tp->skip = c.full ? tp->skip + tp->b.nswarms : 0;
	len = xchg_finish(&tp->b);
	for (i = 0; i < tp->n; i++)
		if (send_round(&tp->peers[i], tp->b.buf, len))
			tp->peers[i].st.sent += c.sent;
	arm(tp, tp->interval * 1000);
}

static bool
same_host(const struct netaddr *a, const struct sockaddr *sa)
{
	struct netaddr	b = *a;

	b.port = 0;	/* any port: the exchange comes from a client port */
	return netaddr_match(&b, sa, 0);
}

int
trkpeers_serve(struct trkpeers *tp, const struct sockaddr *sa,
    const uint8_t *body, size_t len, struct xchg_builder *out)
{
	struct collect	 c;
	uint8_t		*want;
	size_t		 off = XCHG_HDR_LEN, i;
	int		 n;
	struct xchg_swarm s;

	for (i = 0; i < tp->n; i++)
		if (same_host(&tp->peers[i].na, sa))
			break;
	if (i == tp->n) {
		tp->refused++;
		return 403;
	}
	if ((n = xchg_check(body, len)) < 0) {
		tp->refused++;
		return 400;
	}
	if ((want = malloc((size_t)n * 20 + 1)) == NULL)
		return 400;
	for (i = 0; i < (size_t)n && xchg_next(body, len, &off, &s) == 0; i++)
		memcpy(want + 20 * i, s.ih, 20);
	qsort(want, i, 20, ih_cmp);
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.want = want;
	c.nwant = i;
	collect(tp, &c);
	free(want);
	xchg_finish(out);
	/* Theirs after ours: what they told us is not sent back. */
	for (i = 0; i < tp->n; i++)
		if (same_host(&tp->peers[i].na, sa)) {
			tp->peers[i].st.learned += learn(tp, body, len);
			tp->peers[i].st.sent += c.sent;
			tp->peers[i].ok_at = clock_ms();
			break;
		}
	tp->served++;
	return 200;
}

/* "http://HOST[:PORT]/PATH", HOST numeric. */
static int
parse_url(struct tpeer *t, const char *url, size_t len)
{
	const char	*p = url + 7, *slash, *end = url + len;
	char		 hp[NETADDR_STRLEN + 8];

	if (len < 8 || strncmp(url, "http://", 7) != 0)
		return -1;
	if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL)
		return -1;
	if ((size_t)(slash - p) >= sizeof(hp) ||
	    (size_t)(end - slash) >= sizeof(t->path) ||
	    len >= sizeof(t->st.url))
		return -1;
	memcpy(hp, p, (size_t)(slash - p));
	hp[slash - p] = '\0';
	if (netaddr_parse(hp, strlen(hp), &t->na) < 0)
		return -1;
	if (t->na.port == 0)
		t->na.port = 80;
	memcpy(t->path, slash, (size_t)(end - slash));
	t->path[end - slash] = '\0';
	memcpy(t->st.url, url, len);
	t->st.url[len] = '\0';
	{
		struct netaddr	a = t->na;

		a.port = 0;
		netaddr_format(&a, t->host, sizeof(t->host));
	}
	return 0;
}

struct trkpeers *
trkpeers_new(struct event_base *base, struct swarms *swarms, const char *urls,
    bool share_private, uint32_t interval_s, char *err, size_t errlen)
{
	struct trkpeers	*tp;
	const char	*p = urls;
	size_t		 len;

	if ((tp = calloc(1, sizeof(*tp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tp->base = base;
	tp->swarms = swarms;
	tp->share_private = share_private;
	tp->interval = interval_s > 0 ? interval_s : 30;
	while (*(p += strspn(p, " \t,")) != '\0') {
		len = strcspn(p, " \t,");
		if (tp->n == TRKSTATS_TPEERS) {
			snprintf(err, errlen, "tracker_peers: more than %d",
			    TRKSTATS_TPEERS);
			goto fail;
		}
		if (parse_url(&tp->peers[tp->n], p, len) == -1) {
			snprintf(err, errlen, "tracker_peers: \"%.*s\" is not "
			    "http://ADDRESS[:PORT]/PATH with a numeric address",
			    (int)(len > 100 ? 100 : len), p);
			goto fail;
		}
		tp->peers[tp->n].tp = tp;
		tp->peers[tp->n].st.ok_ms_ago = -1;
		tp->n++;
		p += len;
	}
	if ((tp->timer = evtimer_new(base, round_cb, tp)) == NULL) {
		snprintf(err, errlen, "libevent failed");
		goto fail;
	}
	/* The first round soon: a restarted tracker has nothing foreign. */
	arm(tp, tp->interval * 1000 < 2000 ? tp->interval * 1000 : 2000);
	log_notice("tracker peers: %zu, a round every %u s%s", tp->n,
	    tp->interval, share_private ? ", private addresses shared" : "");
	return tp;
fail:
	trkpeers_free(tp);
	return NULL;
}

void
trkpeers_free(struct trkpeers *tp)
{
	size_t	i;

	if (tp == NULL)
		return;
	for (i = 0; i < tp->n; i++)
		if (tp->peers[i].conn != NULL)
			evhttp_connection_free(tp->peers[i].conn);
	if (tp->timer != NULL)
		event_free(tp->timer);
	free(tp);
}

void
trkpeers_fill(const struct trkpeers *tp, struct trkstats_cluster *c)
{
	uint64_t	now = clock_ms();
	size_t		i;

	c->xchg_served = tp->served;
	c->xchg_refused = tp->refused;
	for (i = 0; i < tp->n && i < TRKSTATS_TPEERS; i++) {
		c->tpeers[i] = tp->peers[i].st;
		c->tpeers[i].ok_ms_ago = tp->peers[i].ok_at == 0 ? -1 :
		    (int64_t)(now - tp->peers[i].ok_at);
	}
	c->ntpeers = i;
}
