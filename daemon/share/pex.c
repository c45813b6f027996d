/* SPDX-License-Identifier: ISC */
/*
 * pex.c - BEP 11 peer exchange on standard clients' connections.
 *
 * Each connection remembers which addresses it was told of, so a message
 * carries only the difference since the last one.  One timer serves all
 * connections, armed for the earliest one due, and only while some
 * connection takes ut_pex: a daemon without standard clients never wakes
 * up for this.  What we tell is limited to the share scope, so an address
 * outside it is never passed on, whoever it is sent to.
 */
#include "config.h"

#include "common/queue-compat.h"
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/bytebuf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/peerwire.h"
#include "daemon/share/link.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/pex.h"
#include "daemon/base/scope.h"
#include "daemon/share/swarm.h"

#define PEX_KEEP	200	/* addresses remembered as told, per peer */
#define PEX_RX_MIN	30	/* seconds; closer messages are ignored */

struct pexconn {
	LIST_ENTRY(pexconn)	 entry;
	struct peer		*peer;
	struct link		*link;
	time_t			 due;		/* next message no sooner */
	time_t			 heard;		/* last message taken; 0: none */
	struct pw_peer		 told[PEX_KEEP];
	size_t			 ntold;
};

static LIST_HEAD(, pexconn)	 conns = LIST_HEAD_INITIALIZER(conns);
static struct event		*tick_ev;

static void	pex_schedule(void);

static struct pexconn *
conn_of(const struct link *l)
{
	struct pexconn	*c;

	LIST_FOREACH(c, &conns, entry)
		if (c->link == l)
			return c;
	return NULL;
}

static bool
same_peer(const struct pw_peer *a, const struct pw_peer *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

static bool
in_list(const struct pw_peer *v, size_t n, const struct pw_peer *x)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (same_peer(&v[i], x))
			return true;
	return false;
}

/*
 * Where a peer of ours can be reached: the address we dialled, or, for a
 * peer that dialled us, the listening port from its extended handshake.
 * false when we do not know one.
 */
static bool
reachable_at(const struct peer *p, struct pw_peer *out)
{
	const struct sockaddr	*sa = peer_addr(p);
	uint16_t		 port;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		out->family = 4;
		memcpy(out->addr, &sin->sin_addr, 4);
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		out->family = 6;
		memcpy(out->addr, &sin6->sin6_addr, 16);
		port = ntohs(sin6->sin6_port);
	} else
		return false;
	if (!peer_outgoing(p))
		port = peer_listen_port(p);
	out->port = port;
	return port != 0;
}

/* The peers of c's swarm we may tell c of, at most max. */
static size_t
current_peers(const struct pexconn *c, struct pw_peer *out, size_t max)
{
	struct link *const	*links;
	struct peer		*p;
	unsigned		 nlinks, i;
	size_t			 n = 0;

	links = swarm_links(link_swarm(c->link), &nlinks);
	for (i = 0; i < nlinks && n < max; i++) {
		p = link_peer(links[i]);
		if (p == c->peer || !peer_ready(p) ||
		    !scope_allows(peer_addr(p)) || !reachable_at(p, &out[n]) ||
		    in_list(out, n, &out[n]))
			continue;
		out[n].flags = (link_is_seed(links[i]) ? PW_PEX_SEED : 0) |
		    (peer_outgoing(p) ? PW_PEX_REACHABLE : 0);
		n++;
	}
	return n;
}

/* Tell c what changed since the last message, if anything did. */
static void
pex_send(struct pexconn *c)
{
	static struct pw_pex	 x;
	static struct pw_peer	 now[PEX_KEEP];
	struct bytebuf		 b = BYTEBUF_INIT;
	size_t			 nnow, i, j;

	c->due = clock_s() + PEX_INTERVAL;
	if (!peer_ready(c->peer) || !scope_allows(peer_addr(c->peer)))
		return;
	nnow = current_peers(c, now, PEX_KEEP);
	x.nadded = x.ndropped = 0;
	for (i = 0; i < c->ntold && x.ndropped < PEX_MAX_SEND; i++)
		if (!in_list(now, nnow, &c->told[i]))
			x.dropped[x.ndropped++] = c->told[i];
	for (i = 0; i < nnow && x.nadded < PEX_MAX_SEND &&
	    c->ntold - x.ndropped + x.nadded < PEX_KEEP; i++)
		if (!in_list(c->told, c->ntold, &now[i]))
			x.added[x.nadded++] = now[i];
	if (x.nadded == 0 && x.ndropped == 0) {
		/* Nothing new: look again in a minute, not before. */
		return;
	}
	if (pw_pex_put(&b, peer_ext_pex(c->peer), &x) != 0 ||
	    bytebuf_failed(&b)) {
		bytebuf_free(&b);
		return;
	}
	peer_send(c->peer, 0, &b, NULL, 0, NULL, NULL);
	bytebuf_free(&b);
	log_debug("peer %s: ut_pex sent, %zu added, %zu dropped",
	    peer_name(c->peer), x.nadded, x.ndropped);
	/* What the peer knows now. */
	for (i = j = 0; i < c->ntold; i++)
		if (!in_list(x.dropped, x.ndropped, &c->told[i]))
			c->told[j++] = c->told[i];
	c->ntold = j;
	for (i = 0; i < x.nadded; i++)
		c->told[c->ntold++] = x.added[i];
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pexconn	*c, *next;
	time_t		 now = clock_s();

	LIST_FOREACH_SAFE(c, &conns, entry, next)
		if (c->due <= now)
			pex_send(c);
	pex_schedule();
}

static void
pex_schedule(void)
{
	struct pexconn	*c;
	struct timeval	 tv = { 0, 0 };
	time_t		 now = clock_s(), soonest = 0;

	if (tick_ev == NULL)
		return;
	LIST_FOREACH(c, &conns, entry)
		if (soonest == 0 || c->due < soonest)
			soonest = c->due;
	if (soonest == 0) {
		evtimer_del(tick_ev);
		return;
	}
	tv.tv_sec = soonest > now ? soonest - now : 0;
	evtimer_add(tick_ev, &tv);
}

void
pex_link_start(struct link *l)
{
	struct peer	*p = link_peer(l);
	struct pexconn	*c;

	if (peer_is_daemon(p) || peer_ext_pex(p) == 0 || conn_of(l) != NULL)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->peer = p;
	c->link = l;
	LIST_INSERT_HEAD(&conns, c, entry);
	/* The first message at once: a new peer gains most from it. */
	pex_send(c);
	pex_schedule();
}

void
pex_link_free(struct link *l)
{
	struct pexconn	*c;

	if ((c = conn_of(l)) == NULL)
		return;
	LIST_REMOVE(c, entry);
	free(c);
	pex_schedule();
}

static socklen_t
to_sockaddr(const struct pw_peer *pp, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (pp->family == 4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(pp->port);
		memcpy(&sin->sin_addr, pp->addr, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(pp->port);
	memcpy(&sin6->sin6_addr, pp->addr, 16);
	return sizeof(*sin6);
}

void
pex_received(struct link *l, const uint8_t *payload, size_t len)
{
	static struct pw_pex	 x;
	struct peer		*p = link_peer(l);
	struct swarm		*s = link_swarm(l);
	struct pexconn		*c = conn_of(l);
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	time_t			 now = clock_s();
	size_t			 i;
	unsigned		 tried = 0;

	if (peer_is_daemon(p))
		return;
	if (pw_pex_parse(payload, len, &x) != 0) {
		peer_penalise(p, 20, "malformed ut_pex");
		return;
	}
	/* BEP 11 allows one a minute; a flood costs us nothing but this. */
	if (c != NULL) {
		if (c->heard != 0 && now - c->heard < PEX_RX_MIN) {
			log_debug("peer %s: ut_pex too soon, ignored",
			    peer_name(p));
			return;
		}
		c->heard = now;
	}
	for (i = 0; i < x.nadded; i++) {
		if (x.added[i].port == 0)
			continue;
		/* A seed has nothing to gain from another seed. */
		if (swarm_complete(s) && (x.added[i].flags & PW_PEX_SEED))
			continue;
		sslen = to_sockaddr(&x.added[i], &ss);
		if (peermgr_connect_key((struct sockaddr *)&ss, sslen,
		    peer_key(p), PEER_SRC_PEX, peer_addr(p)) == 1)
			tried++;
	}
	log_debug("peer %s: ut_pex with %zu added, %zu dropped; %u new "
	    "connections", peer_name(p), x.nadded, x.ndropped, tried);
}

int
pex_init(struct event_base *base)
{
	tick_ev = evtimer_new(base, tick_cb, NULL);
	return tick_ev != NULL ? 0 : -1;
}

void
pex_shutdown(void)
{
	struct pexconn	*c;

	while ((c = LIST_FIRST(&conns)) != NULL) {
		LIST_REMOVE(c, entry);
		free(c);
	}
	if (tick_ev != NULL)
		event_free(tick_ev);
	tick_ev = NULL;
}
