/* SPDX-License-Identifier: ISC */
/*
 * gossip.c - a tracker cluster over authenticated UDP gossip (gossip.h).
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/gossipmsg.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "daemon/tracker/gossip.h"
#include "daemon/tracker/swarms.h"

#define TICK_MS		GOSSIP_FLUSH_MS	/* deltas out, paced packets, heartbeats */
#define RECV_BATCH	64		/* datagrams read per wake-up */

struct node {
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	struct netaddr		 na;
	char			 name[72];
	struct gossip_window	 win;
	uint64_t		 heard;		/* clock_ms(); 0: never */
	double			 tokens;
	uint64_t		 tokens_at;
	/* The whole state being sent to it, a snapshot, paced. */
	struct gossip_rec	*snap;
	size_t			 nsnap, at;
	struct gossip_node_stats st;
};

struct gossip {
	struct event_base	*base;
	struct swarms		*swarms;
	int			 fd;
	struct event		*rd, *tick;
	uint8_t			 mac[GOSSIP_KEY_LEN];
	uint8_t			 cid[GOSSIP_KEY_LEN];
	uint64_t		 run, seq;
	uint32_t		 ttl;
	struct node		 nodes[GOSSIP_MAX_NODES];
	size_t			 nnodes;
	struct gossip_builder	 delta;
	uint64_t		 last_sent;
	uint64_t		 logged;	/* clock_ms() of the last drop logged */
	struct gossip_stats	 st;
	/* The snapshot being collected by swarms_foreach. */
	struct node		*filling;
	size_t			 snapcap;
};

/* Packets carry wall-clock time: the nodes' clocks, not ours alone. */
static uint64_t
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t
now_s(void)
{
	return (uint32_t)clock_s();
}

static void
to_netaddr(const struct sockaddr *sa, struct netaddr *na)
{
	memset(na, 0, sizeof(*na));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		na->family = AF_INET;
		memcpy(na->addr, &s4->sin_addr, 4);
		na->port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		na->port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			na->family = AF_INET;
			memcpy(na->addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			na->family = AF_INET6;
			memcpy(na->addr, &s6->sin6_addr, 16);
		}
	}
}

/* The node a datagram came from: address and port, else address alone. */
static struct node *
node_of(struct gossip *g, const struct sockaddr *sa)
{
	struct netaddr	 from;
	struct node	*byaddr = NULL;
	size_t		 alen, i;

	to_netaddr(sa, &from);
	if (from.family == 0)
		return NULL;
	alen = from.family == AF_INET ? 4 : 16;
	for (i = 0; i < g->nnodes; i++) {
		struct netaddr *n = &g->nodes[i].na;

		if (n->family != from.family ||
		    memcmp(n->addr, from.addr, alen) != 0)
			continue;
		if (n->port == from.port)
			return &g->nodes[i];
		if (byaddr == NULL)
			byaddr = &g->nodes[i];
	}
	return byaddr;
}

static void
send_to(struct gossip *g, struct node *n, const uint8_t *p, size_t len)
{
	ssize_t	r;

	r = sendto(g->fd, p, len, MSG_DONTWAIT, (struct sockaddr *)&n->sa,
	    n->salen);
	if (r == (ssize_t)len)
		n->st.pkts_out++;
	else if (r == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != ECONNREFUSED && errno != EHOSTUNREACH &&
	    errno != ENETUNREACH)
		log_debug("tracker cluster: send to %s: %s", n->name,
		    strerror(errno));
}

static size_t
seal(struct gossip *g, struct gossip_builder *b)
{
	return gossip_seal(b, g->mac, g->run, wall_ms(), ++g->seq);
}

static void
broadcast(struct gossip *g, struct gossip_builder *b)
{
	size_t	len = seal(g, b), i;

	for (i = 0; i < g->nnodes; i++) {
		send_to(g, &g->nodes[i], b->buf, len);
		g->nodes[i].st.recs_out += b->nrec;
	}
	g->last_sent = clock_ms();
}

static void
flush_delta(struct gossip *g)
{
	if (g->delta.nrec == 0)
		return;
	broadcast(g, &g->delta);
	gossip_begin(&g->delta, GOSSIP_DELTA);
}

static void
rec_from_peer(struct gossip_rec *r, const uint8_t *ih,
    const struct swarms_peer *p, uint32_t expires, uint32_t now)
{
	uint32_t	left = expires > now ? expires - now : 0;

	memset(r, 0, sizeof(*r));
	memcpy(r->hash, ih, 20);
	r->flags = (p->seed ? GOSSIP_F_SEED : 0) |
	    (p->family == 6 ? GOSSIP_F_V6 : 0);
	r->port = p->port;
	r->ttl = left > 0xffff ? 0xffff : (uint16_t)left;
	memcpy(r->addr, p->addr, p->family == 6 ? 16 : 4);
}

/* The store tells us every change a client made here: a delta. */
static void
observe(void *arg, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *p, enum swarms_change ch, uint32_t expires)
{
	struct gossip		*g = arg;
	struct gossip_rec	 r;

	if (g->nnodes == 0)
		return;
	rec_from_peer(&r, ih, p, expires, now_s());
	if (ch == SWARMS_CH_REMOVE)
		r.flags |= GOSSIP_F_REMOVE;
	if (gossip_add(&g->delta, &r) != 0) {
		flush_delta(g);
		gossip_add(&g->delta, &r);
	}
	g->st.deltas_out++;
}

static void
snap_visit(void *arg, const uint8_t ih[SWARMS_IH_LEN],
    const struct swarms_peer *p, enum swarms_origin origin, uint32_t expires)
{
	struct gossip	*g = arg;
	struct node	*n = g->filling;
	void		*m;

	/* Learned peers are each node's own to tell. */
	if (origin != SWARMS_LOCAL || n == NULL)
		return;
	if (n->nsnap == g->snapcap) {
		size_t cap = g->snapcap ? g->snapcap * 2 : 256;

		if ((m = reallocarray(n->snap, cap, sizeof(*n->snap))) ==
		    NULL) {
			g->filling = NULL;	/* what we have is sent */
			return;
		}
		n->snap = m;
		g->snapcap = cap;
	}
	rec_from_peer(&n->snap[n->nsnap++], ih, p, expires, now_s());
}

static void
start_full(struct gossip *g, struct node *n)
{
	free(n->snap);
	n->snap = NULL;
	n->nsnap = n->at = 0;
	g->filling = n;
	g->snapcap = 0;
	swarms_foreach(g->swarms, now_s(), snap_visit, g);
	g->filling = NULL;
	log_info("tracker cluster: sending %zu peers to %s", n->nsnap,
	    n->name);
	if (n->nsnap == 0) {
		n->st.full_sent++;
		free(n->snap);
		n->snap = NULL;
	}
}

/* A tick's share of the whole state to n. */
static void
pace_full(struct gossip *g, struct node *n)
{
	struct gossip_builder	b;
	size_t			pkts, len;

	for (pkts = 0; pkts < GOSSIP_FULL_PPS * TICK_MS / 1000 &&
	    n->at < n->nsnap; pkts++) {
		gossip_begin(&b, GOSSIP_FULL);
		while (n->at < n->nsnap && gossip_add(&b, &n->snap[n->at]) == 0)
			n->at++;
		len = seal(g, &b);
		send_to(g, n, b.buf, len);
		n->st.recs_out += b.nrec;
	}
	if (n->at == n->nsnap) {
		n->st.full_sent++;
		free(n->snap);
		n->snap = NULL;
		n->nsnap = n->at = 0;
	}
}

static bool
rate_ok(struct node *n, uint64_t now)
{
	n->tokens += (double)(now - n->tokens_at) * GOSSIP_RATE_PPS / 1000.0;
	n->tokens_at = now;
	if (n->tokens > GOSSIP_BURST)
		n->tokens = GOSSIP_BURST;
	if (n->tokens < 1.0)
		return false;
	n->tokens -= 1.0;
	return true;
}

static void
learn(struct gossip *g, const struct gossip_rec *r, uint32_t now)
{
	struct swarms_peer	p;
	struct swarms_stats	ss;
	uint32_t		ttl;

	memset(&p, 0, sizeof(p));
	p.family = (r->flags & GOSSIP_F_V6) ? 6 : 4;
	p.seed = (r->flags & GOSSIP_F_SEED) != 0;
	p.port = r->port;
	memcpy(p.addr, r->addr, p.family == 6 ? 16 : 4);
	if (r->flags & GOSSIP_F_REMOVE) {
		swarms_announce(g->swarms, r->hash, &p, TRK_EV_STOPPED,
		    SWARMS_LEARNED, now, now);
		return;
	}
	if (p.port == 0 || r->ttl == 0)
		return;
	swarms_stats(g->swarms, &ss);
	if (ss.learned >= GOSSIP_MAX_LEARNED) {
		g->st.drops[GOSSIP_DROP_LEARNED]++;
		return;
	}
	ttl = r->ttl;
	if (ttl > g->ttl)
		ttl = g->ttl;
	if (ttl > GOSSIP_MAX_TTL)
		ttl = GOSSIP_MAX_TTL;
	swarms_announce(g->swarms, r->hash, &p, TRK_EV_NONE, SWARMS_LEARNED,
	    now + ttl, now);
}

static void
receive(struct gossip *g, const uint8_t *p, size_t len,
    const struct sockaddr *from)
{
	struct gossip_hdr	 h;
	struct gossip_rec	 r;
	enum gossip_verdict	 v;
	struct node		*n;
	uint64_t		 mono = clock_ms();
	uint32_t		 now;
	bool			 newrun, silent;
	size_t			 i;

	if ((n = node_of(g, from)) == NULL) {
		g->st.drops[GOSSIP_DROP_UNKNOWN]++;
		return;
	}
	if (!rate_ok(n, mono)) {
		g->st.drops[GOSSIP_DROP_RATE]++;
		n->st.rejected++;
		return;
	}
	v = gossip_open(p, len, g->mac, &h);
	if (v == GOSSIP_OK)
		v = gossip_accept(&n->win, &h, wall_ms(), mono, &newrun);
	g->st.verdicts[v]++;
	if (v != GOSSIP_OK) {
		n->st.rejected++;
		/* Counted always; logged once a minute, not at the sender's rate. */
		if (g->logged == 0 || mono - g->logged >= 60000) {
			log_info("tracker cluster: %s packet from %s dropped "
			    "(all are counted: aptbt-ctl tracker)",
			    gossip_verdict_name(v), n->name);
			g->logged = mono;
		} else
			log_debug("tracker cluster: %s packet from %s dropped",
			    gossip_verdict_name(v), n->name);
		return;
	}
	silent = n->heard == 0 || mono - n->heard > GOSSIP_SILENT_MS;
	n->heard = mono;
	n->st.pkts_in++;
	n->st.recs_in += h.nrec;
	now = now_s();
	for (i = 0; i < h.nrec; i++)
		if (gossip_record(p, len, i, &r) == 0)
			learn(g, &r, now);
	/* It started, came back, or asks: it may have missed everything. */
	if (newrun || silent || h.type == GOSSIP_HELLO) {
		if (newrun && !silent)
			log_info("tracker cluster: %s restarted", n->name);
		start_full(g, n);
	}
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gossip		*g = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	uint8_t			 buf[GOSSIP_MAX_DGRAM + 1];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < RECV_BATCH; i++) {
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &sl);
		if (n == -1)
			return;
		receive(g, buf, (size_t)n, (struct sockaddr *)&ss);
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gossip		*g = arg;
	struct gossip_builder	 b;
	size_t			 i;

	(void)fd;
	(void)what;
	flush_delta(g);
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i].snap != NULL)
			pace_full(g, &g->nodes[i]);
	if (clock_ms() - g->last_sent >= GOSSIP_HEARTBEAT_MS) {
		gossip_begin(&b, GOSSIP_DELTA);
		broadcast(g, &b);
	}
}

/* Is this address one of ours?  Binding to it says. */
static bool
is_local(const struct netaddr *na)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	struct netaddr		a = *na;
	int			fd;
	bool			ok;

	a.port = 0;
	memset(&ss, 0, sizeof(ss));
	if (a.family == AF_INET) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a.addr, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a.addr, 16);
		sl = sizeof(*s6);
	}
	if ((fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
	close(fd);
	return ok;
}

static int
open_socket(uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in6	s6;
	struct sockaddr_in	s4;
	int			fd, off = 0;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_any;
	s6.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd != -1) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0)
			return fd;
		close(fd);
	}
	/* No IPv6 here: IPv4 alone. */
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(INADDR_ANY);
	s4.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd != -1 && bind(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0)
		return fd;
	snprintf(err, errlen, "tracker_cluster: cannot bind UDP port %u: %s",
	    port, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static void
node_sockaddr(struct node *n)
{
	memset(&n->sa, 0, sizeof(n->sa));
	if (n->na.family == AF_INET) {
		struct sockaddr_in6 *s6 = (void *)&n->sa;

		/* Sent from a dual-stack socket: IPv4-mapped. */
		s6->sin6_family = AF_INET6;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(s6->sin6_addr.s6_addr + 12, n->na.addr, 4);
		s6->sin6_port = htons(n->na.port);
	} else {
		struct sockaddr_in6 *s6 = (void *)&n->sa;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, n->na.addr, 16);
		s6->sin6_port = htons(n->na.port);
	}
	n->salen = sizeof(struct sockaddr_in6);
}

/* The IPv4-only socket needs plain IPv4 addresses. */
static void
node_sockaddr4(struct node *n)
{
	struct sockaddr_in *s4 = (void *)&n->sa;

	memset(&n->sa, 0, sizeof(n->sa));
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, n->na.addr, 4);
	s4->sin_port = htons(n->na.port);
	n->salen = sizeof(*s4);
}

static int
parse_nodes(struct gossip *g, const char *list, struct netaddr *all,
    size_t *nall, char *err, size_t errlen)
{
	const char	*p = list;
	size_t		 len;

	*nall = 0;
	while (*(p += strspn(p, " \t,")) != '\0') {
		len = strcspn(p, " \t,");
		if (*nall == GOSSIP_MAX_NODES + 1) {
			snprintf(err, errlen, "tracker_cluster: more than %d "
			    "nodes", GOSSIP_MAX_NODES);
			return -1;
		}
		if (netaddr_parse(p, len, &all[*nall]) < 0 ||
		    all[*nall].port == 0) {
			snprintf(err, errlen, "tracker_cluster: \"%.*s\" is "
			    "not a numeric ADDRESS:PORT (10.0.0.1:6970, "
			    "[fd00::1]:6970)", (int)(len > 80 ? 80 : len), p);
			return -1;
		}
		(*nall)++;
		p += len;
	}
	(void)g;
	return 0;
}

struct gossip *
gossip_new(struct event_base *base, struct swarms *swarms, const char *list,
    const char *keyfile, uint32_t ttl, char *err, size_t errlen)
{
	struct gossip		*g;
	struct netaddr		 all[GOSSIP_MAX_NODES + 1];
	struct timeval		 tv = { 0, TICK_MS * 1000 };
	uint8_t			 key[GOSSIP_KEY_LEN];
	struct gossip_builder	 b;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	size_t			 nall, i, self = (size_t)-1;
	uint16_t		 port = 0;
	char			 txt[NETADDR_STRLEN];
	bool			 v4only;

	if (keyfile == NULL || keyfile[0] == '\0') {
		snprintf(err, errlen, "tracker_cluster needs "
		    "tracker_cluster_key, a file of 32 random bytes");
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->fd = -1;
	g->base = base;
	g->swarms = swarms;
	g->ttl = ttl;
	if (parse_nodes(g, list, all, &nall, err, errlen) == -1)
		goto fail;
	if (gossip_key_load(keyfile, key, err, errlen) == -1)
		goto fail;
	gossip_derive(key, g->mac, g->cid);
	sodium_memzero(key, sizeof(key));

	/* This node: an address of ours whose port we can have. */
	for (i = 0; i < nall && self == (size_t)-1; i++) {
		if (!is_local(&all[i]))
			continue;
		if ((g->fd = open_socket(all[i].port, err, errlen)) != -1) {
			self = i;
			port = all[i].port;
		}
	}
	if (self == (size_t)-1) {
		/* Not listed: the port the others share is ours. */
		for (i = 0; i < nall; i++) {
			if (port != 0 && all[i].port != port) {
				snprintf(err, errlen, "tracker_cluster: this "
				    "node is not in the list and the nodes "
				    "use different ports; list this node too");
				goto fail;
			}
			port = all[i].port;
		}
		if (port == 0) {
			snprintf(err, errlen, "tracker_cluster: no node");
			goto fail;
		}
		if ((g->fd = open_socket(port, err, errlen)) == -1)
			goto fail;
	}
	v4only = getsockname(g->fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    ss.ss_family == AF_INET;
	for (i = 0; i < nall; i++) {
		struct node *n;

		if (i == self)
			continue;
		if (v4only && all[i].family != AF_INET) {
			log_warnx("tracker_cluster: %s skipped: no IPv6 "
			    "here", netaddr_format(&all[i], txt, sizeof(txt)));
			continue;
		}
		n = &g->nodes[g->nnodes++];
		n->na = all[i];
		netaddr_format(&all[i], n->name, sizeof(n->name));
		if (v4only)
			node_sockaddr4(n);
		else
			node_sockaddr(n);
		n->tokens = GOSSIP_BURST;
		n->tokens_at = clock_ms();
		memcpy(n->st.name, n->name, sizeof(n->st.name));
	}
	if (self != (size_t)-1)
		netaddr_format(&all[self], g->st.self, sizeof(g->st.self));
	else
		snprintf(g->st.self, sizeof(g->st.self), ":%u", port);
	g->st.nodes = g->nnodes;

	/* A run id that grows with each start: see gossipmsg.h. */
	randombytes_buf(&g->run, sizeof(g->run));
	g->run = wall_ms() << 16 | (g->run & 0xffff) | 1;
	gossip_begin(&g->delta, GOSSIP_DELTA);
	if ((g->rd = event_new(base, g->fd, EV_READ | EV_PERSIST, read_cb,
	    g)) == NULL || event_add(g->rd, NULL) == -1 ||
	    (g->tick = event_new(base, -1, EV_PERSIST, tick_cb, g)) == NULL ||
	    event_add(g->tick, &tv) == -1) {
		snprintf(err, errlen, "tracker_cluster: libevent failed");
		goto fail;
	}
	swarms_set_observer(swarms, observe, g);
	gossip_begin(&b, GOSSIP_HELLO);
	broadcast(g, &b);
	log_notice("tracker cluster: node %s, %zu other node%s", g->st.self,
	    g->nnodes, g->nnodes == 1 ? "" : "s");
	return g;
fail:
	sodium_memzero(key, sizeof(key));
	gossip_free(g);
	return NULL;
}

void
gossip_free(struct gossip *g)
{
	size_t	i;

	if (g == NULL)
		return;
	if (g->swarms != NULL && g->rd != NULL)
		swarms_set_observer(g->swarms, NULL, NULL);
	if (g->rd != NULL)
		event_free(g->rd);
	if (g->tick != NULL)
		event_free(g->tick);
	if (g->fd != -1)
		close(g->fd);
	for (i = 0; i < g->nnodes; i++)
		free(g->nodes[i].snap);
	sodium_memzero(g->mac, sizeof(g->mac));
	sodium_memzero(g->cid, sizeof(g->cid));
	free(g);
}

const uint8_t *
gossip_connid_key(const struct gossip *g)
{
	return g->cid;
}

void
gossip_stats(const struct gossip *g, struct gossip_stats *st)
{
	*st = g->st;
}

size_t
gossip_nodes(const struct gossip *g, struct gossip_node_stats *out,
    size_t max)
{
	uint64_t	now = clock_ms();
	size_t		i;

	for (i = 0; i < g->nnodes && i < max; i++) {
		out[i] = g->nodes[i].st;
		out[i].heard_ms_ago = g->nodes[i].heard == 0 ? -1 :
		    (int64_t)(now - g->nodes[i].heard);
	}
	return i;
}
