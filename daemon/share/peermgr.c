/* SPDX-License-Identifier: ISC */
/*
 * peermgr.c - listening, connecting, daemons and their have-indexes.
 *
 * Between two daemons exactly one connection is kept: when both dial at
 * once, the connection opened by the side with the lower peer id wins on
 * both ends, so neither closes the one the other keeps.  Reconnection
 * uses a timer only while some known daemon is unreachable.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/peerext.h"
#include "common/queue-compat.h"
#include "common/shamap.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/share/hearsay.h"
#include "daemon/share/link.h"
#include "daemon/share/ownindex.h"
#include "daemon/share/redial.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/site.h"
#include "daemon/base/scope.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"

#define MAX_KNOWN	256
#define RETRY_MIN	2	/* seconds */
#define RETRY_MAX	300
#define BAN_SECONDS	3600
#define MAX_BANS	256
#define MAX_SELF	8	/* our own addresses, learnt by dialling them */
/*
 * A daemon's have-index entries we keep (PEXT_INDEX_KEPT): all of
 * Debian's packages for one architecture and suite (about 64,000) fit;
 * at 53 to 107 bytes an entry (shamap.h) that is 7 MiB at most per
 * daemon.  A daemon that claims more is flooding us: banned.  We list
 * at most PEXT_INDEX_ADVERTISED of our own files, so an honest daemon
 * never goes over.
 */
#define INDEX_MAX	PEXT_INDEX_KEPT
/*
 * Connections from one host.  Two daemons keep one; a standard client
 * opens one per file it fetches from us, so this allows 16 files at
 * once from one machine, and one host can never take the slots of all.
 */
#define MAX_PER_HOST	16
/*
 * Of max_connections, the part only outgoing dials and hosts we know
 * (configured, added by hand, heard by LSD) may use: 64 of the default
 * 512, so strangers filling the rest cannot lock the site out.
 */
#define RESERVED_DIV	8
/* A daemon heard by LSD and not heard again is forgotten after this. */
#define LSD_FORGET	(15 * 60)	/* seconds: three presence announces */

/* What a daemon said of a file: the values of its have-index. */
static uint8_t	whats[] = { PEERMGR_HAVE, PEERMGR_FETCHING };

struct daemon {
	TAILQ_ENTRY(daemon)	 entry;
	struct peer		*peer;
	struct shamap		 set;	/* its have-index: SHA-256 to whats[] */
	struct ownindex_cursor	 idx;	/* ours, on its way to it */
	TAILQ_ENTRY(daemon)	 ientry;	/* on indexing while idx is active */
	uint64_t		 ready_ms;	/* when it proved its id */
};

/*
 * Two daemons that dial each other at once both finish their handshakes
 * within this; a second connection to a daemon after it is a relay or a
 * replay, not a race, and the established link stays.
 */
#define DUP_RACE_MS	10000

/* An address we keep connected to. */
struct known {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct peer		*peer;
	enum peer_source	 source;	/* config, ctl or LSD */
	bool			 persistent;	/* config, ctl: retried forever */
	bool			 stale;		/* reload: no longer configured */
	unsigned		 backoff;
	time_t			 next_try;	/* clock_s() */
	time_t			 heard;		/* LSD: last announce, clock_s() */
};

/* Penalty points and bans, by host. */
struct ban {
	struct sockaddr_storage	 ss;
	int			 points;
	time_t			 until;		/* banned until; 0: not banned */
	time_t			 seen;
};

static void	no_holders(void) {}
static void	no_fetching(const uint8_t *s, const uint8_t *p) {}
static void	no_want(const uint8_t *s, uint64_t n, const char *u,
		    const char *w, const struct sockaddr *f) {}
static const struct peermgr_events no_events = {
	no_holders, no_fetching, no_want
};

static const struct peermgr_events *events = &no_events;
static struct event_base	*pm_base;
static struct evconnlistener	*listener;
static uint16_t			 listener_port;	/* the port it is bound to */
static TAILQ_HEAD(, daemon)	 daemons = TAILQ_HEAD_INITIALIZER(daemons);
static unsigned			 ndaemons;
static struct known		 known[MAX_KNOWN];
static unsigned			 nknown;
static struct ban		 bans[MAX_BANS];
static unsigned			 nbans;
/* Peers pass our own address on (PEX): not worth dialling twice. */
static struct sockaddr_storage	 selves[MAX_SELF];
static unsigned			 nselves;
static struct event		*retry_ev;
static struct event		*flush_ev;
static bool			 paused;
/* Index deltas waiting to go out (coalesced by flush_ev). */
static uint8_t			*pend[3];
static size_t			 npend[3], pendcap[3];

static void	schedule_retry(void);

/* What d said of the file: PEERMGR_HAVE, PEERMGR_FETCHING, or -1. */
static int
hget(struct daemon *d, const uint8_t *sha)
{
	const uint8_t	*w = shamap_get(&d->set, sha);

	return w != NULL ? *w : -1;
}

static void
hset(struct daemon *d, const uint8_t *sha, int what)
{
	if (what == PEERMGR_DROP)
		shamap_remove(&d->set, sha);
	else
		(void)shamap_put(&d->set, sha, &whats[what]);
}

static struct daemon *
daemon_of(const struct peer *p)
{
	struct daemon	*d;

	TAILQ_FOREACH(d, &daemons, entry)
		if (d->peer == p)
			return d;
	return NULL;
}

/* A daemon we may talk to about files: handshakes done, within scope. */
static bool
daemon_usable(const struct daemon *d)
{
	return peer_ready(d->peer) && scope_allows(peer_addr(d->peer));
}

static bool
same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (!netaddr_same_host(a, b))
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port ==
		    ((const struct sockaddr_in *)b)->sin_port;
	return ((const struct sockaddr_in6 *)a)->sin6_port ==
	    ((const struct sockaddr_in6 *)b)->sin6_port;
}

static uint16_t
known_port(const struct known *k)
{
	if (k->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&k->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&k->ss)->sin6_port);
}

static bool
banned(const struct sockaddr *sa)
{
	time_t		now = clock_s();
	unsigned	i;

	for (i = 0; i < nbans; i++)
		if (bans[i].until > now &&
		    netaddr_same_host((const struct sockaddr *)&bans[i].ss, sa))
			return true;
	return false;
}

static bool
is_self(const struct sockaddr *sa)
{
	unsigned	i;

	for (i = 0; i < nselves; i++)
		if (same_addr((const struct sockaddr *)&selves[i], sa))
			return true;
	return false;
}

/* The record for a host, made if need be (reusing the stalest). */
static struct ban *
ban_slot(const struct sockaddr *sa)
{
	time_t		now = clock_s();
	unsigned	i, oldest = 0;

	for (i = 0; i < nbans; i++)
		if (netaddr_same_host((struct sockaddr *)&bans[i].ss, sa))
			return &bans[i];
	if (nbans < MAX_BANS)
		i = nbans++;
	else {
		for (i = 1; i < nbans; i++)
			if (bans[i].until < now && bans[i].seen <
			    bans[oldest].seen)
				oldest = i;
		i = oldest;
	}
	memset(&bans[i], 0, sizeof(bans[i]));
	memcpy(&bans[i].ss, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	return &bans[i];
}

static int
peermgr_penalty(const struct sockaddr *sa, int points)
{
	struct ban	*b = ban_slot(sa);

	b->points += points;
	b->seen = clock_s();
	return b->points;
}

static void
peermgr_ban(const struct sockaddr *sa, const char *why)
{
	struct ban	*b = ban_slot(sa);

	b->until = clock_s() + BAN_SECONDS;
	b->points = 0;
	log_notice("banned a peer for an hour: %s", why);
}

uint16_t
peermgr_listen_port(void)
{
	/* A port that could not be bound on reload leaves the old one. */
	return listener != NULL ? listener_port : (uint16_t)conf.listen_port;
}

/* May one more connection be opened (by us) or accepted? */
static bool
room_for_peer(void)
{
	return peer_count() < conf.max_connections;
}

struct hostcount {
	const struct sockaddr	*sa;
	unsigned		 n;
};

static void
count_host(struct peer *p, void *arg)
{
	struct hostcount	*h = arg;

	if (netaddr_same_host(peer_addr(p), h->sa))
		h->n++;
}

/* Connections to or from sa's host. */
static unsigned
host_conns(const struct sockaddr *sa)
{
	struct hostcount	h = { sa, 0 };

	peer_foreach(count_host, &h);
	return h.n;
}

static bool
host_known(const struct sockaddr *sa)
{
	unsigned	i;

	for (i = 0; i < nknown; i++)
		if (netaddr_same_host((const struct sockaddr *)&known[i].ss, sa))
			return true;
	return false;
}

/* May a connection from sa be accepted? */
static bool
room_for_incoming(const struct sockaddr *sa)
{
	unsigned	reserved = conf.max_connections / RESERVED_DIV;

	if (host_conns(sa) >= MAX_PER_HOST)
		return false;
	if (host_known(sa))
		return room_for_peer();
	return peer_count() + reserved < conf.max_connections;
}

unsigned
peermgr_ndaemons(void)
{
	return ndaemons;
}

/*
 * Connecting.
 */

struct keyconn {
	const struct sockaddr	*sa;		/* NULL: count only */
	const struct swarm	*swarm;		/* NULL: key alone */
	const uint8_t		*key;
	bool			 found;
	unsigned		 n;
};

/* Standard clients' connections in the swarm of k, and one to k->sa. */
static void
find_keyconn(struct peer *p, void *arg)
{
	struct keyconn	*k = arg;

	if (peer_is_daemon(p))
		return;
	if (k->swarm != NULL ? !swarm_has_key(k->swarm, peer_key(p)) :
	    memcmp(peer_key(p), k->key, SWARMKEY_LEN) != 0)
		return;
	k->n++;
	if (k->sa != NULL && netaddr_same_host(peer_addr(p), k->sa))
		k->found = true;
}

static void
known_connect(struct known *k)
{
	if (paused || k->peer != NULL)
		return;
	/*
	 * Not to be called now (outside the share scope, banned, our own
	 * address in a shared "peers" list): look again rarely, not at
	 * every turn of the retry timer.
	 */
	if (scope_off() || !scope_allows((struct sockaddr *)&k->ss) ||
	    banned((struct sockaddr *)&k->ss) ||
	    is_self((struct sockaddr *)&k->ss)) {
		k->next_try = clock_s() + RETRY_MAX;
		return;
	}
	if (!room_for_peer()) {
		k->next_try = clock_s() + RETRY_MIN;
		return;
	}
	k->peer = peer_connect((struct sockaddr *)&k->ss, k->sslen,
	    PEER_DAEMON_KEY);
	if (k->peer != NULL)
		peer_set_source(k->peer, k->source);
	k->next_try = clock_s() + (k->backoff ? k->backoff : RETRY_MIN);
}

/* Forget the LSD daemon heard longest ago we are not connected to. */
static bool
forget_stalest_heard(void)
{
	unsigned	i, best = MAX_KNOWN;

	for (i = 0; i < nknown; i++)
		if (!known[i].persistent && known[i].peer == NULL &&
		    (best == MAX_KNOWN || known[i].heard < known[best].heard))
			best = i;
	if (best == MAX_KNOWN)
		return false;
	known[best] = known[--nknown];
	return true;
}

/* Daemons heard by LSD that fell silent are not dialled forever. */
static void
forget_silent(time_t now)
{
	unsigned	i = 0;

	while (i < nknown) {
		if (!known[i].persistent && known[i].peer == NULL &&
		    now - known[i].heard > LSD_FORGET)
			known[i] = known[--nknown];
		else
			i++;
	}
}

int
peermgr_add(const struct sockaddr *sa, socklen_t salen,
    enum peer_source source)
{
	struct known	*k;
	unsigned	 i;
	bool		 persistent = source != PEER_SRC_LSD &&
	    source != PEER_SRC_TRACKER;

	if (salen > sizeof(k->ss))
		return -EINVAL;
	/* An announce is hearsay: its sender's word for where it listens. */
	if (!persistent && !hearsay_dialable(sa))
		return -EPERM;
	for (i = 0; i < nknown; i++)
		if (same_addr((struct sockaddr *)&known[i].ss, sa)) {
			if (!persistent)
				known[i].heard = clock_s();
			known[i].persistent |= persistent;
			/* Configured beats added by hand beats heard. */
			if (persistent && (known[i].source != PEER_SRC_CONFIG ||
			    source == PEER_SRC_CONFIG))
				known[i].source = source;
			if (source == PEER_SRC_CONFIG)
				known[i].stale = false;
			if (known[i].peer == NULL) {
				known[i].backoff = 0;
				known_connect(&known[i]);
			}
			return 0;
		}
	if (!persistent && !hearsay_take(sa, clock_ms()))
		return -EAGAIN;
	if (nknown == MAX_KNOWN && !forget_stalest_heard())
		return -ENOSPC;
	k = &known[nknown++];
	memset(k, 0, sizeof(*k));
	memcpy(&k->ss, sa, salen);
	k->sslen = salen;
	k->persistent = persistent;
	k->source = source;
	k->heard = clock_s();
	known_connect(k);
	schedule_retry();
	return 0;
}

int
peermgr_add_string(const char *hostport, enum peer_source source)
{
	struct addrinfo	*res;
	int		 r;

	if ((r = netaddr_resolve(hostport, &res)) != 0)
		return r;
	r = peermgr_add(res->ai_addr, res->ai_addrlen, source);
	freeaddrinfo(res);
	return r;
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	time_t		now = clock_s();
	unsigned	i;

	forget_silent(now);
	for (i = 0; i < nknown; i++)
		if (known[i].peer == NULL && known[i].next_try <= now)
			known_connect(&known[i]);
	schedule_retry();
}

static void
schedule_retry(void)
{
	struct timeval	tv = { 0, 0 };
	time_t		now = clock_s(), soonest = 0;
	unsigned	i;

	if (paused || retry_ev == NULL)
		return;
	for (i = 0; i < nknown; i++)
		if (known[i].peer == NULL &&
		    (soonest == 0 || known[i].next_try < soonest))
			soonest = known[i].next_try;
	if (soonest == 0) {
		evtimer_del(retry_ev);
		return;
	}
	tv.tv_sec = soonest > now ? soonest - now : 1;
	evtimer_add(retry_ev, &tv);
}

/*
 * Accepting.
 */

/*
 * Out of descriptors, the connection stays in the backlog and the socket
 * readable: libevent would try again at once, for ever.  Stop for a while
 * and say so once per shortage.
 */
#define ACCEPT_PAUSE_MS	250

static struct event	*resume_ev;
static bool		 short_of_fds;

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	if (listener != NULL)
		evconnlistener_enable(listener);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	static const struct timeval	pause = { 0, ACCEPT_PAUSE_MS * 1000 };
	int				err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		log_warnx("peers: accept: %s", strerror(err));
		return;
	}
	if (!short_of_fds)
		log_warnx("peers: cannot accept: %s; pausing", strerror(err));
	short_of_fds = true;
	evconnlistener_disable(l);
	if (resume_ev == NULL)
		resume_ev = evtimer_new(pm_base, resume_cb, NULL);
	if (resume_ev != NULL)
		evtimer_add(resume_ev, &pause);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)sa;

	short_of_fds = false;
	/* Compare IPv4 peers of the dual-stack socket as IPv4. */
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		memcpy(&sin.sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	}
	if (paused || !scope_allows(sa) || banned(sa) ||
	    !room_for_incoming(sa)) {
		close(fd);
		return;
	}
	if (peer_accept(fd, sa, (socklen_t)salen) == NULL)
		close(fd);
}

/* A listener on port, IPv6 and IPv4 if we can, else IPv4 alone. */
static struct evconnlistener *
listen_bind(uint16_t port)
{
	struct evconnlistener	*l;
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	const unsigned		 flags = LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	l = evconnlistener_new_bind(pm_base, accept_cb, NULL, flags, 64,
	    (struct sockaddr *)&sin6, sizeof(sin6));
	if (l == NULL && errno != EADDRINUSE) {
		/* No IPv6 here: IPv4 only. */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		l = evconnlistener_new_bind(pm_base, accept_cb, NULL, flags,
		    64, (struct sockaddr *)&sin, sizeof(sin));
	}
	if (l != NULL)
		evconnlistener_set_error_cb(l, accept_error_cb);
	return l;
}

static int
listen_start(void)
{
	uint16_t	port = (uint16_t)conf.listen_port;

	if (listener != NULL || scope_off())
		return 0;
	if ((listener = listen_bind(port)) == NULL) {
		log_warn("peers: cannot listen on port %u", port);
		return -1;
	}
	listener_port = port;
	log_info("peers: listening on port %u", port);
	return 0;
}

/*
 * listen_port changed on reload: move to the new port, or keep the old
 * one (and say so) when the new one cannot be had, so a typo never cuts
 * the daemon off from its peers.
 */
static void
listen_move(void)
{
	struct evconnlistener	*l;
	uint16_t		 port = (uint16_t)conf.listen_port;

	if (listener == NULL || listener_port == port)
		return;
	if ((l = listen_bind(port)) == NULL) {
		log_warn("peers: cannot listen on port %u; still listening on "
		    "port %u", port, listener_port);
		return;
	}
	evconnlistener_free(listener);
	listener = l;
	log_info("peers: listening on port %u instead of %u", port,
	    listener_port);
	listener_port = port;
}

static void
listen_stop(void)
{
	if (listener != NULL)
		evconnlistener_free(listener);
	listener = NULL;
}

/*
 * Peer callbacks.
 */

static bool
peermgr_peer_handshaken(struct peer *p)
{
	if (!peer_is_daemon(p)) {
		/* Incoming: within the limit per file (ours were checked). */
		struct keyconn	k = { NULL, NULL, peer_key(p), false, 0 };

		if (peer_outgoing(p))
			return true;
		k.swarm = swarm_find(peer_key(p), false);
		peer_foreach(find_keyconn, &k);
		return k.n <= conf.max_connections_per_file;
	}
	/* A daemon counts once it proved its id (peermgr_daemon_ready). */
	return true;
}

/*
 * A daemon proved its id.  A second connection to it is a real one, so
 * the rule below may drop an established link; an unproven connection
 * never reaches here.  Returns false if p itself was closed.
 */
static bool
daemon_register(struct peer *p)
{
	struct daemon	*d, *next;
	int		 cmp;

	TAILQ_FOREACH_SAFE(d, &daemons, entry, next) {
		if (memcmp(peer_id(d->peer), peer_id(p), 20) != 0)
			continue;
		/*
		 * Two connections to one daemon at once: keep the one dialled
		 * by the side with the lower id; both ends reach the same
		 * verdict.  Later, the established link stays: a proof can be
		 * relayed by a host between us (identity.h), so a second
		 * connection is not the daemon's word that the first is dead.
		 */
		cmp = memcmp(peer_self_id, peer_id(p), 20);
		if (clock_ms() - d->ready_ms < DUP_RACE_MS &&
		    (cmp < 0) == peer_outgoing(p)) {
			peer_close(d->peer, "duplicate connection");
			break;
		}
		peer_close(p, "duplicate connection");
		return false;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		peer_close(p, "out of memory");
		return false;
	}
	if (shamap_init(&d->set, SHA256_LEN) < 0) {
		free(d);
		peer_close(p, "out of memory");
		return false;
	}
	d->peer = p;
	d->ready_ms = clock_ms();
	TAILQ_INSERT_TAIL(&daemons, d, entry);
	ndaemons++;
	return true;
}

/* Past PEXT_INDEX_ADVERTISED cached files, new ones are not listed. */
static bool
index_full(void)
{
	struct cache_stats	cs;

	cache_get_stats(&cs);
	return cs.count > PEXT_INDEX_ADVERTISED;
}

/*
 * Our index goes a message at a time as the daemon's output drains
 * (ownindex.h): these daemons are still being sent it.
 */
static TAILQ_HEAD(, daemon) indexing = TAILQ_HEAD_INITIALIZER(indexing);

static void
index_stop(struct daemon *d)
{
	if (!d->idx.active)
		return;
	ownindex_stop(&d->idx);
	TAILQ_REMOVE(&indexing, d, ientry);
}

static void
send_full_index(struct daemon *d)
{
	index_stop(d);
	ownindex_start(d->peer, &d->idx);
	if (d->idx.active)
		TAILQ_INSERT_TAIL(&indexing, d, ientry);
}

static void
peermgr_drained(struct peer *p)
{
	struct daemon	*d;

	TAILQ_FOREACH(d, &indexing, ientry)
		if (d->peer == p) {
			if (!ownindex_more(p, &d->idx))
				TAILQ_REMOVE(&indexing, d, ientry);
			return;
		}
}

static void
peermgr_daemon_ready(struct peer *p)
{
	const struct sockaddr	*sa = peer_addr(p);
	uint16_t		 port = peer_listen_port(p);
	struct daemon		*d;
	unsigned		 i;

	if (!daemon_register(p))
		return;
	log_info("peers: daemon %s connected", peer_name(p));
	/*
	 * A daemon that dialled us is the one we know by its listening
	 * port: it needs no connection of ours.
	 */
	for (i = 0; i < nknown && port != 0; i++)
		if (known[i].peer == NULL && netaddr_same_host((struct sockaddr *)
		    &known[i].ss, sa) && known_port(&known[i]) == port) {
			known[i].peer = p;
			known[i].backoff = 0;
		}
	if (scope_allows(peer_addr(p)) && (d = daemon_of(p)) != NULL)
		send_full_index(d);
}

static void
peermgr_index(struct peer *p, const struct pext_mux *m)
{
	struct daemon	*d;
	size_t		 i;

	if ((d = daemon_of(p)) == NULL)
		return;
	if (m->full)
		shamap_free(&d->set);
	for (i = 0; i < m->nhave; i++)
		hset(d, m->have + i * SHA256_LEN, PEERMGR_HAVE);
	for (i = 0; i < m->nfetching; i++)
		hset(d, m->fetching + i * SHA256_LEN, PEERMGR_FETCHING);
	for (i = 0; i < m->ndrop; i++)
		hset(d, m->drop + i * SHA256_LEN, PEERMGR_DROP);
	/* A message adds 1,024 at most: the map never holds much more. */
	if (shamap_count(&d->set) > INDEX_MAX) {
		log_notice("peers: daemon %s claims over %u files", peer_name(p),
		    INDEX_MAX);
		peer_ban(p, "have-index over its limit");
		return;
	}
	for (i = 0; i < m->nfetching; i++)
		events->peer_fetching(m->fetching + i * SHA256_LEN,
		    peer_id(p));
	events->holders_changed();
}

static void
peermgr_want(struct peer *p, const struct pext_mux *m)
{
	char	url[PEXT_URL_MAX + 1];

	if (paused || daemon_of(p) == NULL || !scope_allows(peer_addr(p)))
		return;
	memcpy(url, m->url, m->urllen);
	url[m->urllen] = '\0';
	events->peer_want(m->sha256, m->size, url, peer_name(p), peer_addr(p));
}

static void
peermgr_peer_closed(struct peer *p, const char *why)
{
	struct daemon	*d;
	unsigned	 i;

	if (peer_outgoing(p) && strcmp(why, PEER_WHY_SELF) == 0 &&
	    !is_self(peer_addr(p)))
		memcpy(&selves[nselves < MAX_SELF ? nselves++ : 0],
		    peer_addr(p), sizeof(selves[0]));
	redial_closed(p);
	if ((d = daemon_of(p)) != NULL) {
		log_info("peers: daemon %s disconnected: %s", peer_name(p),
		    why);
		TAILQ_REMOVE(&daemons, d, entry);
		ndaemons--;
		index_stop(d);
		shamap_free(&d->set);
		free(d);
	}
	for (i = 0; i < nknown; i++)
		if (known[i].peer == p) {
			known[i].peer = NULL;
			known[i].backoff = known[i].backoff ?
			    known[i].backoff * 2 : RETRY_MIN;
			if (known[i].backoff > RETRY_MAX)
				known[i].backoff = RETRY_MAX;
			known[i].next_try = clock_s() + known[i].backoff;
		}
	schedule_retry();
}

/*
 * Our index deltas, coalesced into one message per peer per loop turn.
 */

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d;
	int		 i;

	TAILQ_FOREACH(d, &daemons, entry)
		if (daemon_usable(d))
			peer_send_index(d->peer, pend[0], npend[0], pend[1],
			    npend[1], pend[2], npend[2], false);
	for (i = 0; i < 3; i++)
		npend[i] = 0;
}

void
peermgr_notify(const uint8_t sha256[SHA256_LEN], int what)
{
	static const struct timeval	now = { 0, 0 };
	uint8_t				*n;
	size_t				 cap;

	if (what == PEERMGR_HAVE || what == PEERMGR_DROP)
		ownindex_changed();
	if (what < 0 || what > 2 || ndaemons == 0)
		return;
	if (what == PEERMGR_HAVE && index_full())
		return;
	if (npend[what] + npend[0] + npend[1] + npend[2] >= PEXT_INDEX_MAX)
		flush_cb(-1, 0, NULL);
	if (npend[what] == pendcap[what]) {
		cap = pendcap[what] ? pendcap[what] * 2 : 16;
		if ((n = reallocarray(pend[what], cap, SHA256_LEN)) == NULL)
			return;
		pend[what] = n;
		pendcap[what] = cap;
	}
	memcpy(pend[what] + npend[what] * SHA256_LEN, sha256, SHA256_LEN);
	npend[what]++;
	if (flush_ev != NULL && !evtimer_pending(flush_ev, NULL))
		evtimer_add(flush_ev, &now);
}


int
peermgr_connect_key(const struct sockaddr *sa, socklen_t salen,
    const uint8_t key[SWARMKEY_LEN], enum peer_source source,
    const struct sockaddr *teller)
{
	struct keyconn	 k = { sa, NULL, key, false, 0 };
	struct peer	*p;

	if (paused || scope_off() || !scope_allows(sa) || banned(sa) ||
	    !room_for_peer() || is_self(sa) || !hearsay_dialable(sa) ||
	    host_conns(sa) >= MAX_PER_HOST)
		return -EPERM;
	/* All keys of the file count: v1 and v2 are one swarm here. */
	k.swarm = swarm_find(key, false);
	peer_foreach(find_keyconn, &k);
	if (k.found)
		return 0;
	if (k.n >= conf.max_connections_per_file)
		return -EPERM;
	if (!hearsay_take(teller, clock_ms()))
		return -EAGAIN;
	if ((p = peer_connect(sa, salen, key)) == NULL)
		return -ENOMEM;
	peer_set_source(p, source);
	return 1;
}

enum peermgr_wait
peermgr_should_wait(const uint8_t sha256[SHA256_LEN], uint8_t *fetcher)
{
	struct daemon		*d;
	enum peermgr_wait	 w = PEERMGR_WAIT_NO;
	const uint8_t		*top = peer_self_id;
	int			 what;

	TAILQ_FOREACH(d, &daemons, entry) {
		if (!daemon_usable(d))
			continue;
		if ((what = hget(d, sha256)) == -1)
			continue;
		if (what == PEERMGR_HAVE)
			return PEERMGR_WAIT_HOLDER;
		if (site_outranks(peer_id(d->peer), top, sha256)) {
			top = peer_id(d->peer);
			w = PEERMGR_WAIT_FETCHER;
		}
	}
	if (w == PEERMGR_WAIT_FETCHER && fetcher != NULL)
		memcpy(fetcher, top, SITE_ID_LEN);
	return w;
}

void
peermgr_rank(const uint8_t sha256[SHA256_LEN], uint32_t *k, uint32_t *n,
    uint32_t *near_k, uint32_t *near_n)
{
	struct daemon	*d;
	bool		 above, near;

	*k = *near_k = 0;
	*n = *near_n = 1;
	TAILQ_FOREACH(d, &daemons, entry) {
		if (!daemon_usable(d) || hget(d, sha256) != PEERMGR_FETCHING)
			continue;
		above = site_outranks(peer_id(d->peer), peer_self_id, sha256);
		near = peer_near(d->peer);
		*n += 1;
		*k += above;
		*near_n += near;
		*near_k += near && above;
	}
}

bool
peermgr_delegate(const uint8_t sha256[SHA256_LEN], uint64_t size,
    const char *url)
{
	struct daemon	*d, *best = NULL;
	const uint8_t	*top = peer_self_id;

	if (paused)
		return false;
	TAILQ_FOREACH(d, &daemons, entry) {
		if (!daemon_usable(d))
			continue;
		if (site_outranks(peer_id(d->peer), top, sha256)) {
			top = peer_id(d->peer);
			best = d;
		}
	}
	if (best == NULL)
		return false;
	peer_send_want(best->peer, sha256, size, url);
	return true;
}

const struct peer_events peermgr_peer_events = {
	.handshaken = peermgr_peer_handshaken,
	.daemon_ready = peermgr_daemon_ready,
	.index = peermgr_index,
	.want = peermgr_want,
	.closed = peermgr_peer_closed,
	.drained = peermgr_drained,
	.penalty = peermgr_penalty,
	.ban = peermgr_ban,
	.listen_port = peermgr_listen_port,
};

void
peermgr_set_events(const struct peermgr_events *ev)
{
	events = ev != NULL ? ev : &no_events;
}

unsigned
peermgr_attach_holders(struct swarm *s)
{
	struct daemon	*d;
	struct link	*l;
	uint32_t	 sid;
	unsigned	 n = 0;
	const uint8_t	*sha = swarm_sha256(s);

	if (paused)
		return 0;
	TAILQ_FOREACH(d, &daemons, entry) {
		if (!daemon_usable(d) ||
		    hget(d, sha) == -1 || swarm_linked(s, d->peer))
			continue;
		if ((l = link_new(d->peer, 0, s)) == NULL)
			continue;
		if (peer_attach(d->peer, l, &sid) != 0) {
			link_free(l, "attach failed");
			continue;
		}
		link_set_sid(l, sid);
		if (hget(d, sha) == PEERMGR_HAVE)
			link_presume_seed(l);
		n++;
	}
	return n;
}

/*
 * Set-up.
 */

/*
 * Forget the configured daemons the new "peers" no longer lists, and
 * close our connections to them (they may still dial us).
 */
static void
drop_stale(void)
{
	struct peer	*p;
	unsigned	 i = 0;

	while (i < nknown) {
		if (!known[i].stale) {
			i++;
			continue;
		}
		p = known[i].peer;
		log_info("peers: %s is no longer in \"peers\"",
		    p != NULL ? peer_name(p) : "a daemon");
		known[i] = known[--nknown];
		if (p != NULL)
			peer_close(p, "removed from peers");
	}
	schedule_retry();
}

static void
close_out_of_scope(struct peer *p, void *arg)
{
	if (scope_off() || !scope_allows(peer_addr(p)))
		peer_close(p, "outside the share scope");
}

int
peermgr_configure(char *err, size_t errlen)
{
	char		*list, *tok, *save;
	unsigned	 i;
	int		 r = 0;

	if (!scope_set(conf.share, err, errlen))
		return -1;
	/* A narrower scope ends what it no longer allows. */
	peer_foreach(close_out_of_scope, NULL);
	if (scope_off())
		listen_stop();
	else if (!paused) {
		listen_move();
		listen_start();
	}
	if ((list = strdup(conf.peers)) == NULL)
		return -1;
	for (i = 0; i < nknown; i++)
		known[i].stale = known[i].source == PEER_SRC_CONFIG;
	for (tok = strtok_r(list, " ,\t", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,\t", &save))
		if (peermgr_add_string(tok, PEER_SRC_CONFIG) != 0) {
			snprintf(err, errlen, "peers: \"%s\" is not "
			    "ADDRESS:PORT", tok);
			r = -1;
		}
	free(list);
	drop_stale();
	return r;
}

int
peermgr_init(struct event_base *base)
{
	pm_base = base;
	retry_ev = evtimer_new(base, retry_cb, NULL);
	flush_ev = evtimer_new(base, flush_cb, NULL);
	if (redial_init(base) != 0)
		return -ENOMEM;
	return retry_ev != NULL && flush_ev != NULL ? 0 : -ENOMEM;
}

static void
close_each(struct peer *p, void *arg)
{
	peer_close(p, arg);
}

void
peermgr_pause(bool p)
{
	unsigned	i;

	if (p == paused)
		return;
	paused = p;
	if (paused) {
		listen_stop();
		peer_foreach(close_each, "paused");
		return;
	}
	listen_start();
	for (i = 0; i < nknown; i++) {
		known[i].backoff = 0;
		known_connect(&known[i]);
	}
	schedule_retry();
}

void
peermgr_shutdown(void)
{
	int	i;

	listen_stop();
	if (resume_ev != NULL)
		event_free(resume_ev);
	resume_ev = NULL;
	peer_foreach(close_each, "shutting down");
	if (retry_ev != NULL)
		event_free(retry_ev);
	if (flush_ev != NULL)
		event_free(flush_ev);
	retry_ev = flush_ev = NULL;
	redial_shutdown();
	ownindex_shutdown();
	for (i = 0; i < 3; i++) {
		free(pend[i]);
		pend[i] = NULL;
		npend[i] = pendcap[i] = 0;
	}
}
