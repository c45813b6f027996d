/* SPDX-License-Identifier: ISC */
/*
 * peer.c - peer connections: handshakes, framing, mux, limits.
 *
 * Each connection writes through a bufferevent (in one global rate-limit
 * group while a limit is set) and reads with an event of its own: libevent
 * 2.1's bufferevents read at most 4 KiB per call, which made the loop
 * thread's system calls the cost of a fast download.  Reads take what the
 * socket holds, up to READ_MAX, into the connection's input buffer; limits
 * on what we receive are kept by pacing our requests (bandwidth.c).  Input
 * is cut into messages with the codec in common/; a message for a swarm
 * goes to that swarm's link, everything about the connection itself is
 * handled here.
 */
#include "config.h"

#include "common/bigend.h"
#include "common/queue-compat.h"
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <sys/ioctl.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/identity.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/peerext.h"
#include "common/peerwire.h"
#include "daemon/share/bandwidth.h"
#include "daemon/share/link.h"
#include "daemon/share/meter.h"
#include "daemon/share/peer.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"
#include "daemon/share/utmeta.h"

#define HANDSHAKE_TIMEOUT	20	/* seconds: TCP connect */
/*
 * Both handshakes, from accept or connect on: a fixed deadline that
 * reads do not move, so a peer that trickles keep-alives or bytes of a
 * handshake cannot hold a slot.  On a LAN they take milliseconds.
 */
#define HANDSHAKE_DEADLINE	10	/* seconds */
#define IDLE_TIMEOUT		300
#define KEEPALIVE_INTERVAL	100
#define BAN_POINTS		100
#define READ_MAX		(1024 * 1024)	/* bytes taken per read */
/*
 * Output a peer can make us queue by what it asks.  Blocks are held to
 * BW_BACKLOG by the bandwidth tree; answers (hints, rejects, channel
 * answers) may add this much again, then we stop reading from the peer
 * until what is queued drains to BW_BACKLOG / 2 (the write watermark):
 * a peer that asks without reading gets TCP's back-pressure, not our
 * memory.
 */
#define OUT_STOP		(BW_BACKLOG + 1024 * 1024)
/* A peer that reads nothing for this long while we have output is gone. */
#define WRITE_STALL		60	/* seconds */
/*
 * Partial messages held for all connections together.  Honest peers
 * leave at most part of one block (16 KiB) between reads, so 512
 * connections need about 8 MiB; past the budget the connection holding
 * the most is closed.  A message may be 1 MiB, so without a budget 100
 * connections each one byte short of one held 100 MB.
 */
#define INPUT_BUDGET		(16 * 1024 * 1024)

/* The peer's end closed the connection (as opposed to us, or an error). */
#define PEER_WHY_HUNG_UP	"closed by peer"

uint8_t	PEER_DAEMON_KEY[SWARMKEY_LEN];
uint8_t	peer_self_id[20];

enum peer_phase {
	PH_CONNECTING,
	PH_HANDSHAKE,		/* waiting for theirs */
	PH_EXTENDED,		/* waiting for their extended handshake */
	PH_ACTIVE,
	PH_CLOSED,
};

struct channel {
	uint32_t	 sid;
	struct link	*link;
	bool		 attached;	/* both sides agree */
};

struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct bufferevent	*bev;		/* output, connect, write errors */
	struct event		*rev;		/* input */
	struct evbuffer		*inbuf;
	size_t			 inbuf_counted;	/* its part of input_total */
	bool			 rd_paused;	/* output over OUT_STOP */
	struct event		*keepalive;
	struct event		*deadline;	/* both handshakes */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[64];
	enum peer_phase		 phase;
	bool			 outgoing;
	bool			 daemon;	/* handshake key was the daemon key */
	bool			 near;		/* peer_near, once connected */
	enum peer_source	 source;
	bool			 ext_sent;
	uint8_t			 key[SWARMKEY_LEN];
	struct pw_handshake	 hs;		/* theirs */
	struct pw_ext_handshake	 ext;		/* theirs */
	bool			 have_ext;
	bool			 proven;	/* a daemon: its id is its key's */
	uint8_t			 nonce[IDENT_NONCE_LEN]; /* ours, for its proof */
	uint8_t			 ext_mux, ext_hashes, ext_pex; /* their ids */
	uint8_t			 ext_meta;
	struct utmeta_conn	*meta;		/* BEP 9 answers, once asked */
	struct link		*direct;	/* the handshake's swarm */
	struct channel		*chans;
	size_t			 nchans, chancap;
	uint32_t		 next_sid;
	struct meter		 in, out;
	unsigned		 refs;		/* handlers running */
	uint64_t		 connected_ms;	/* our dial's TCP connect */
	bool			 hung_up;	/* closed by the peer's end */
};

static TAILQ_HEAD(, peer)	 peers = TAILQ_HEAD_INITIALIZER(peers);
static unsigned			 npeers;
static const struct peer_events	*events;
static struct ident		 self;
static struct event_base	*peer_base;
static struct bufferevent_rate_limit_group *rate_group;
static struct ev_token_bucket_cfg *rate_cfg;
static size_t			 input_total;	/* bytes in every inbuf */

static void	peer_read_cb(evutil_socket_t, short, void *);
static void	peer_write_cb(struct bufferevent *, void *);
static void	peer_event_cb(struct bufferevent *, short, void *);
static void	peer_send_handshake(struct peer *);
static int	peer_start_reading(struct peer *);
static void	peer_process(struct peer *);

int
peer_init(struct event_base *base, const struct peer_events *ev,
    const struct ident *id)
{
	static const char	daemon_key_label[] = "aptbt-daemon-v1";
	uint8_t			h[SHA256_LEN];

	_Static_assert(PEXT_SIG_LEN == IDENT_SIG_LEN, "one signature size");
	peer_base = base;
	events = ev;
	sha256(daemon_key_label, sizeof(daemon_key_label) - 1, h);
	memcpy(PEER_DAEMON_KEY, h, SWARMKEY_LEN);
	self = *id;
	memcpy(peer_self_id, self.id, sizeof(peer_self_id));
	return 0;
}

static void
group_remove(struct peer *p, void *arg)
{
	if (p->bev != NULL)
		bufferevent_remove_from_rate_limit_group(p->bev);
}

static void
group_add(struct peer *p, void *arg)
{
	if (p->bev != NULL)
		bufferevent_add_to_rate_limit_group(p->bev, rate_group);
}

/*
 * A rate-limit group refills its buckets on a timer even when idle, so
 * there is one only while a limit is set: an unlimited daemon with
 * nothing to do sleeps.
 */
void
peer_set_limits(uint64_t down, uint64_t up)
{
	static const struct timeval	tick = { 0, 100 * 1000 };
	size_t				r, w;

	if (down == 0 && up == 0) {
		if (rate_group != NULL) {
			peer_foreach(group_remove, NULL);
			bufferevent_rate_limit_group_free(rate_group);
			rate_group = NULL;
		}
		if (rate_cfg != NULL)
			ev_token_bucket_cfg_free(rate_cfg);
		rate_cfg = NULL;
		return;
	}

	/* libevent needs a finite rate; "unlimited" is a huge one. */
	r = down != 0 ? (size_t)(down / 10) : EV_RATE_LIMIT_MAX / 4;
	w = up != 0 ? (size_t)(up / 10) : EV_RATE_LIMIT_MAX / 4;
	if (r == 0)
		r = 1;
	if (w == 0)
		w = 1;
	if (rate_cfg != NULL)
		ev_token_bucket_cfg_free(rate_cfg);
	/* Per 100 ms tick, bursts of one tick's worth. */
	rate_cfg = ev_token_bucket_cfg_new(r, r, w, w, &tick);
	if (rate_cfg == NULL)
		return;
	if (rate_group == NULL) {
		rate_group = bufferevent_rate_limit_group_new(peer_base,
		    rate_cfg);
		if (rate_group != NULL)
			peer_foreach(group_add, NULL);
	} else
		bufferevent_rate_limit_group_set_cfg(rate_group, rate_cfg);
}

static void
peer_fmt_name(struct peer *p)
{
	char	host[INET6_ADDRSTRLEN] = "?";
	int	port = 0;

	if (p->ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(p->name, sizeof(p->name), "%s:%d", host, port);
	} else if (p->ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(p->name, sizeof(p->name), "[%s]:%d", host, port);
	}
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;

	if (p->phase != PH_ACTIVE)
		peer_close(p, "handshake deadline passed");
}

static void
keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	struct bytebuf	 b = BYTEBUF_INIT;

	pw_put_keepalive(&b);
	peer_send(p, 0, &b, NULL, 0, NULL, NULL);
	bytebuf_free(&b);
}

/* An IPv4 peer on our dual-stack socket is an IPv4 peer, for bans too. */
static void
addr_normalize(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in	 sin;

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = sin6->sin6_port;
	memcpy(&sin.sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin, sizeof(sin));
	*len = sizeof(sin);
}

static struct peer *
peer_new(int fd, const struct sockaddr *sa, socklen_t salen, bool outgoing)
{
	static const struct timeval	ka = { KEEPALIVE_INTERVAL, 0 };
	static const struct timeval	hs = { HANDSHAKE_DEADLINE, 0 };
	struct peer			*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	memcpy(&p->ss, sa, salen);
	p->sslen = salen;
	addr_normalize(&p->ss, &p->sslen);
	p->outgoing = outgoing;
	p->next_sid = outgoing ? 2 : 1;
	peer_fmt_name(p);
	p->bev = bufferevent_socket_new(peer_base, fd,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	p->keepalive = event_new(peer_base, -1, EV_PERSIST, keepalive_cb, p);
	p->deadline = evtimer_new(peer_base, deadline_cb, p);
	p->inbuf = evbuffer_new();
	if (p->bev == NULL || p->keepalive == NULL || p->deadline == NULL ||
	    p->inbuf == NULL) {
		if (p->bev != NULL)
			bufferevent_free(p->bev);
		else if (fd != -1)
			close(fd);
		if (p->keepalive != NULL)
			event_free(p->keepalive);
		if (p->deadline != NULL)
			event_free(p->deadline);
		if (p->inbuf != NULL)
			evbuffer_free(p->inbuf);
		free(p);
		return NULL;
	}
	if (rate_group != NULL)
		bufferevent_add_to_rate_limit_group(p->bev, rate_group);
	bufferevent_setcb(p->bev, NULL, peer_write_cb, peer_event_cb, p);
	/* Uploads wait in the bandwidth tree, not here: refill at half. */
	bufferevent_setwatermark(p->bev, EV_WRITE, BW_BACKLOG / 2, 0);
	bufferevent_set_max_single_write(p->bev, 1024 * 1024);
	event_add(p->keepalive, &ka);
	evtimer_add(p->deadline, &hs);
	TAILQ_INSERT_TAIL(&peers, p, entry);
	npeers++;
	return p;
}

static const struct timeval	write_stall = { WRITE_STALL, 0 };

struct peer *
peer_accept(int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct peer	*p;

	if ((p = peer_new(fd, sa, salen, false)) == NULL)
		return NULL;
	p->phase = PH_HANDSHAKE;
	if (peer_start_reading(p) != 0) {
		peer_close(p, "out of memory");
		return NULL;
	}
	bufferevent_set_timeouts(p->bev, NULL, &write_stall);
	bufferevent_enable(p->bev, EV_WRITE);
	log_debug("peer %s: incoming connection", p->name);
	return p;
}

struct peer *
peer_connect(const struct sockaddr *sa, socklen_t salen,
    const uint8_t key[SWARMKEY_LEN])
{
	static const struct timeval	connect_timeout = {
		HANDSHAKE_TIMEOUT, 0
	};
	struct peer			*p;

	if ((p = peer_new(-1, sa, salen, true)) == NULL)
		return NULL;
	memcpy(p->key, key, SWARMKEY_LEN);
	p->daemon = memcmp(key, PEER_DAEMON_KEY, SWARMKEY_LEN) == 0;
	p->phase = PH_CONNECTING;
	/* Until connected, a write timeout stands for the handshake's. */
	bufferevent_set_timeouts(p->bev, NULL, &connect_timeout);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&p->ss,
	    (int)salen) == -1) {
		peer_close(p, "connect failed");
		return NULL;
	}
	bufferevent_enable(p->bev, EV_WRITE);
	log_debug("peer %s: connecting", p->name);
	return p;
}

static void
peer_free(struct peer *p)
{
	input_total -= p->inbuf_counted;
	evbuffer_free(p->inbuf);
	free(p->chans);
	free(p);
}

void
peer_close(struct peer *p, const char *why)
{
	size_t	i;

	if (p->phase == PH_CLOSED)
		return;
	log_debug("peer %s: closed: %s", p->name, why);
	p->phase = PH_CLOSED;
	p->hung_up = strcmp(why, PEER_WHY_HUNG_UP) == 0 ||
	    strcmp(why, strerror(ECONNRESET)) == 0 ||
	    strcmp(why, strerror(EPIPE)) == 0;
	TAILQ_REMOVE(&peers, p, entry);
	npeers--;
	if (p->direct != NULL)
		link_free(p->direct, why);
	p->direct = NULL;
	for (i = 0; i < p->nchans; i++)
		if (p->chans[i].link != NULL)
			link_free(p->chans[i].link, why);
	p->nchans = 0;
	utmeta_conn_free(p->meta);
	p->meta = NULL;
	events->closed(p, why);
	event_free(p->keepalive);
	event_free(p->deadline);
	if (p->rev != NULL)
		event_free(p->rev);
	p->rev = NULL;
	if (rate_group != NULL)
		bufferevent_remove_from_rate_limit_group(p->bev);
	bufferevent_free(p->bev);
	p->bev = NULL;
	if (p->refs == 0)
		peer_free(p);
}

void
peer_shutdown(void)
{
	struct peer	*p;

	while ((p = TAILQ_FIRST(&peers)) != NULL)
		peer_close(p, "shutting down");
	if (rate_group != NULL)
		bufferevent_rate_limit_group_free(rate_group);
	if (rate_cfg != NULL)
		ev_token_bucket_cfg_free(rate_cfg);
	rate_group = NULL;
	rate_cfg = NULL;
	utmeta_shutdown();
}

bool
peer_is_daemon(const struct peer *p)
{
	return p->daemon;
}

bool
peer_outgoing(const struct peer *p)
{
	return p->outgoing;
}

bool
peer_fast(const struct peer *p)
{
	return p->daemon || pw_handshake_fast(&p->hs);
}

bool
peer_ready(const struct peer *p)
{
	return p->phase == PH_ACTIVE;
}

const char *
peer_name(const struct peer *p)
{
	return p->name;
}

const uint8_t *
peer_id(const struct peer *p)
{
	return p->hs.peer_id;
}

const struct sockaddr *
peer_addr(const struct peer *p)
{
	return (const struct sockaddr *)&p->ss;
}

bool
peer_near(const struct peer *p)
{
	return p->near || peer_source(p) == PEER_SRC_LSD;
}

const uint8_t *
peer_key(const struct peer *p)
{
	return p->key;
}

uint16_t
peer_listen_port(const struct peer *p)
{
	return p->have_ext ? p->ext.port : 0;
}

uint8_t
peer_ext_hashes(const struct peer *p)
{
	return p->ext_hashes;
}

uint8_t
peer_ext_pex(const struct peer *p)
{
	return p->ext_pex;
}

bool
peer_hung_up_within(const struct peer *p, uint64_t ms)
{
	return p->outgoing && p->hung_up && p->connected_ms != 0 &&
	    clock_ms() - p->connected_ms <= ms;
}

uint32_t
peer_reqq(const struct peer *p)
{
	return p->have_ext && p->ext.reqq != 0 ? p->ext.reqq :
	    PEER_REQQ_DEFAULT;
}

void
peer_set_source(struct peer *p, enum peer_source src)
{
	p->source = src;
}

enum peer_source
peer_source(const struct peer *p)
{
	return p->source;
}

size_t
peer_output_len(const struct peer *p)
{
	return p->bev != NULL ?
	    evbuffer_get_length(bufferevent_get_output(p->bev)) : 0;
}

unsigned
peer_count(void)
{
	return npeers;
}

void
peer_foreach(void (*cb)(struct peer *, void *), void *arg)
{
	struct peer	*p, *next;

	TAILQ_FOREACH_SAFE(p, &peers, entry, next)
		cb(p, arg);
}

void
peer_get_stats(const struct peer *cp, struct peer_stats *st)
{
	struct peer	*p = (struct peer *)cp;	/* meters advance on read */
	size_t		 i;

	memset(st, 0, sizeof(*st));
	snprintf(st->addr, sizeof(st->addr), "%s", p->name);
	snprintf(st->client, sizeof(st->client), "%s",
	    p->have_ext && p->ext.client[0] != '\0' ? p->ext.client : "-");
	st->daemon = p->daemon;
	st->outgoing = p->outgoing;
	st->nlinks = p->direct != NULL ? 1 : 0;
	for (i = 0; i < p->nchans; i++)
		if (p->chans[i].link != NULL)
			st->nlinks++;
	st->bytes_in = p->in.total;
	st->bytes_out = p->out.total;
	st->rate_in = meter_rate(&p->in);
	st->rate_out = meter_rate(&p->out);
}

void
peer_ban(struct peer *p, const char *why)
{
	peer_penalise(p, BAN_POINTS, why);
}

void
peer_penalise(struct peer *p, int points, const char *why)
{
	int	total;

	if (p->phase == PH_CLOSED)
		return;
	/* Kept by address: reconnecting does not wipe the slate. */
	total = events->penalty(peer_addr(p), points);
	log_info("peer %s: %s (penalty %d)", p->name, why, total);
	if (total >= BAN_POINTS) {
		events->ban(peer_addr(p), why);
		peer_close(p, "banned");
	}
}

void
peer_penalise_host(const struct sockaddr *sa, int points, const char *why)
{
	struct peer	*p, *next;
	int		 total;
	char		 host[INET6_ADDRSTRLEN];

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return;
	inet_ntop(sa->sa_family, sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
	    host, sizeof(host));
	total = events->penalty(sa, points);
	log_info("host %s: %s (penalty %d)", host, why, total);
	if (total < BAN_POINTS)
		return;
	events->ban(sa, why);
	TAILQ_FOREACH_SAFE(p, &peers, entry, next)
		if (p->phase != PH_CLOSED &&
		    netaddr_same_host(peer_addr(p), sa))
			peer_close(p, "banned");
}

/*
 * Output.
 */

struct send_ref {
	void	(*free_cb)(void *);
	void	*arg;
};

static void
send_ref_cleanup(const void *data, size_t len, void *arg)
{
	struct send_ref	*r = arg;

	if (r->free_cb != NULL)
		r->free_cb(r->arg);
	free(r);
}

static int
peer_write(struct peer *p, const void *msg, size_t len, const void *data,
    size_t dlen, void (*free_cb)(void *), void *arg)
{
	struct evbuffer	*out;
	struct send_ref	*r;

	if (p->phase == PH_CLOSED || p->bev == NULL) {
		if (free_cb != NULL)
			free_cb(arg);
		return -1;
	}
	out = bufferevent_get_output(p->bev);
	if (len > 0)
		evbuffer_add(out, msg, len);
	if (dlen > 0) {
		/* The block goes out from the reader's buffer, not a copy. */
		if ((r = malloc(sizeof(*r))) == NULL ||
		    evbuffer_add_reference(out, data, dlen, send_ref_cleanup,
		    r) == -1) {
			free(r);
			evbuffer_add(out, data, dlen);
			if (free_cb != NULL)
				free_cb(arg);
		} else {
			r->free_cb = free_cb;
			r->arg = arg;
		}
	} else if (free_cb != NULL)
		free_cb(arg);
	meter_add(&p->out, len + dlen);
	return 0;
}

int
peer_send(struct peer *p, uint32_t sid, const struct bytebuf *msg,
    const void *data, size_t len, void (*free_cb)(void *), void *arg)
{
	struct bytebuf	 frame = BYTEBUF_INIT;
	size_t		 mark;
	uint32_t	 total;
	int		 rc;

	if (sid == 0)
		return peer_write(p, msg->data, msg->len, data, len, free_cb,
		    arg);
	/*
	 * A frame is one extended message: its length covers the mux dict,
	 * the carried message and any trailing block, so build the header
	 * and patch the outer and inner lengths to include the block.
	 */
	mark = pext_mux_frame_begin(&frame, p->ext_mux, sid);
	bytebuf_append(&frame, msg->data, msg->len);
	if (len == 0) {
		if (pext_mux_frame_end(&frame, mark) != 0) {
			bytebuf_free(&frame);
			if (free_cb != NULL)
				free_cb(arg);
			return -1;
		}
	} else {
		total = (uint32_t)(frame.len - mark - PW_LEN_PREFIX + len);
		be_put32(frame.data + mark, total);
	}
	if (bytebuf_failed(&frame)) {
		bytebuf_free(&frame);
		if (free_cb != NULL)
			free_cb(arg);
		return -1;
	}
	rc = peer_write(p, frame.data, frame.len, data, len, free_cb, arg);
	bytebuf_free(&frame);
	return rc;
}

/*
 * Handshakes.
 */

static void
peer_send_handshake(struct peer *p)
{
	struct pw_handshake	hs;
	struct bytebuf		b = BYTEBUF_INIT;

	pw_handshake_init(&hs, p->key, peer_self_id);
	pw_handshake_put(&b, &hs);
	peer_write(p, b.data, b.len, NULL, 0, NULL, NULL);
	bytebuf_free(&b);
}

static void
peer_send_ext_handshake(struct peer *p)
{
	struct pw_ext_handshake	h;
	struct bytebuf		b = BYTEBUF_INIT;

	pw_ext_handshake_init(&h);
	/* Daemons learn of each other from their have-indexes instead. */
	if (!p->daemon)
		pw_ext_handshake_add(&h, "ut_pex", PEER_EXT_PEX);
	/* Daemons have the torrent from the mirror as we do. */
	if (!p->daemon && (h.metadata_size = utmeta_size(p->key)) > 0)
		pw_ext_handshake_add(&h, "ut_metadata", PEER_EXT_METADATA);
	pw_ext_handshake_add(&h, PEXT_HASHES_NAME, PEER_EXT_HASHES);
	if (p->daemon) {
		pw_ext_handshake_add(&h, PEXT_MUX_NAME, PEER_EXT_MUX);
		randombytes_buf(p->nonce, sizeof(p->nonce));
		memcpy(h.id_pk, self.pk, sizeof(h.id_pk));
		memcpy(h.id_nonce, p->nonce, sizeof(h.id_nonce));
		h.has_id = true;
	}
	h.port = events->listen_port();
	h.reqq = 1024;
	snprintf(h.client, sizeof(h.client), "aptbt %s", APTBT_VERSION);
	if (pw_ext_handshake_put(&b, &h) == 0)
		peer_write(p, b.data, b.len, NULL, 0, NULL, NULL);
	bytebuf_free(&b);
	p->ext_sent = true;
}

/* Both handshakes done: the connection is usable. */
static void
peer_activate(struct peer *p)
{
	static const struct timeval	idle = { IDLE_TIMEOUT, 0 };

	p->phase = PH_ACTIVE;
	evtimer_del(p->deadline);
	if (!p->rd_paused)
		event_add(p->rev, &idle);
	if (p->daemon)
		events->daemon_ready(p);
	else if (p->direct != NULL)
		link_start(p->direct);
}

static int
peer_on_handshake(struct peer *p)
{
	struct evbuffer	*in = p->inbuf;
	uint8_t		*data;
	size_t		 avail = evbuffer_get_length(in);
	ssize_t		 r;
	struct swarm	*s;

	if (avail == 0)
		return 0;
	if (avail > PW_HANDSHAKE_LEN)
		avail = PW_HANDSHAKE_LEN;
	data = evbuffer_pullup(in, (ssize_t)avail);
	r = pw_handshake_parse(data, avail, &p->hs);
	if (r == 0)
		return 0;
	if (r < 0) {
		peer_close(p, "not a BitTorrent handshake");
		return -1;
	}
	evbuffer_drain(in, PW_HANDSHAKE_LEN);
	if (memcmp(p->hs.peer_id, peer_self_id, 20) == 0) {
		peer_close(p, PEER_WHY_SELF);
		return -1;
	}
	if (!p->outgoing) {
		memcpy(p->key, p->hs.info_hash, SWARMKEY_LEN);
		p->daemon = memcmp(p->key, PEER_DAEMON_KEY,
		    SWARMKEY_LEN) == 0;
	} else if (memcmp(p->key, p->hs.info_hash, SWARMKEY_LEN) != 0) {
		peer_close(p, "handshake for another swarm");
		return -1;
	}
	if (p->daemon && !pw_handshake_extended(&p->hs)) {
		peer_close(p, "daemon key without extensions");
		return -1;
	}
	if (!p->daemon) {
		if ((s = swarm_find(p->key, true)) == NULL) {
			peer_close(p, "unknown swarm");
			return -1;
		}
		if ((p->direct = link_new(p, 0, s)) == NULL) {
			peer_close(p, "out of memory");
			return -1;
		}
	}
	if (!events->handshaken(p)) {
		peer_close(p, "refused by the peer manager");
		return -1;
	}
	if (!p->outgoing)
		peer_send_handshake(p);
	if (pw_handshake_extended(&p->hs)) {
		p->phase = PH_EXTENDED;
		peer_send_ext_handshake(p);
	} else
		peer_activate(p);
	return 1;
}

/*
 * Mux channels.
 */

static struct channel *
chan_find(struct peer *p, uint32_t sid)
{
	size_t	i;

	for (i = 0; i < p->nchans; i++)
		if (p->chans[i].sid == sid && p->chans[i].link != NULL)
			return &p->chans[i];
	return NULL;
}

static struct channel *
chan_add(struct peer *p, uint32_t sid, struct link *l)
{
	struct channel	*c;
	size_t		 i, cap;

	for (i = 0; i < p->nchans; i++)
		if (p->chans[i].link == NULL)
			break;
	if (i == p->nchans) {
		if (p->nchans >= PEXT_MUX_MAX_CHANNELS)
			return NULL;
		if (p->nchans == p->chancap) {
			cap = p->chancap ? p->chancap * 2 : 8;
			c = reallocarray(p->chans, cap, sizeof(*c));
			if (c == NULL)
				return NULL;
			p->chans = c;
			p->chancap = cap;
		}
		p->nchans++;
	}
	c = &p->chans[i];
	c->sid = sid;
	c->link = l;
	c->attached = false;
	return c;
}

/* Encode one aptbt_mux message and queue it. */
static void
mux_write(struct peer *p, const struct pext_mux *m)
{
	struct bytebuf	b = BYTEBUF_INIT;

	if (pext_mux_put(&b, p->ext_mux, m) == 0)
		peer_write(p, b.data, b.len, NULL, 0, NULL, NULL);
	bytebuf_free(&b);
}

static void
mux_send(struct peer *p, int type, uint32_t sid, const uint8_t *key)
{
	struct pext_mux	m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.sid = sid;
	m.key = key;
	mux_write(p, &m);
}

int
peer_attach(struct peer *p, struct link *l, uint32_t *sid)
{
	struct channel	*c;

	if (!p->daemon || p->ext_mux == 0 || p->phase != PH_ACTIVE)
		return -ENOTCONN;
	if ((c = chan_add(p, p->next_sid, l)) == NULL)
		return -ENOSPC;
	*sid = p->next_sid;
	p->next_sid += 2;
	mux_send(p, PEXT_MUX_ATTACH, *sid, link_key(l));
	return 0;
}

void
peer_detach(struct peer *p, uint32_t sid)
{
	struct channel	*c;

	if ((c = chan_find(p, sid)) == NULL)
		return;
	c->link = NULL;
	if (p->phase == PH_ACTIVE)
		mux_send(p, PEXT_MUX_DETACH, sid, NULL);
}

void
peer_send_index(struct peer *p, const uint8_t *have, size_t nhave,
    const uint8_t *fetching, size_t nfetching, const uint8_t *drop,
    size_t ndrop, bool full)
{
	struct pext_mux	m;

	if (p->ext_mux == 0 || p->phase != PH_ACTIVE)
		return;
	memset(&m, 0, sizeof(m));
	m.type = PEXT_MUX_INDEX;
	m.have = have;
	m.nhave = nhave;
	m.fetching = fetching;
	m.nfetching = nfetching;
	m.drop = drop;
	m.ndrop = ndrop;
	m.full = full;
	mux_write(p, &m);
}

void
peer_send_want(struct peer *p, const uint8_t sha256[32], uint64_t size,
    const char *url)
{
	struct pext_mux	m;

	if (p->ext_mux == 0 || p->phase != PH_ACTIVE)
		return;
	memset(&m, 0, sizeof(m));
	m.type = PEXT_MUX_WANT;
	m.sha256 = sha256;
	m.size = size;
	m.url = url;
	m.urllen = strlen(url);
	mux_write(p, &m);
}

static void
mux_on_attach(struct peer *p, const struct pext_mux *m)
{
	struct swarm	*s;
	struct link	*l;
	struct channel	*c;

	/* The other side picks sids of its own parity. */
	if ((m->sid & 1) == (p->outgoing ? 0u : 1u) || chan_find(p, m->sid) ||
	    (s = swarm_find(m->key, true)) == NULL ||
	    !swarm_shared_with(s, p)) {
		mux_send(p, PEXT_MUX_REFUSED, m->sid, NULL);
		return;
	}
	if ((l = link_new(p, m->sid, s)) == NULL) {
		mux_send(p, PEXT_MUX_REFUSED, m->sid, NULL);
		return;
	}
	if ((c = chan_add(p, m->sid, l)) == NULL) {
		link_free(l, "too many channels");
		mux_send(p, PEXT_MUX_REFUSED, m->sid, NULL);
		return;
	}
	c->attached = true;
	mux_send(p, PEXT_MUX_ATTACHED, m->sid, NULL);
	link_start(l);
}

/*
 * Identity (common/identity.h).  A daemon's id must be its key's, and it
 * must sign our nonce before it is one: until then it is not told of our
 * files, may not open channels and cannot displace an established link.
 */
static void
peer_send_proof(struct peer *p)
{
	struct pext_mux	m;
	uint8_t		sig[IDENT_SIG_LEN];

	if (p->phase != PH_EXTENDED || !p->ext_sent) {
		peer_close(p, "extended handshake repeated");
		return;
	}
	if (!p->ext.has_id) {
		peer_close(p, "daemon without an identity (an older aptbt)");
		return;
	}
	if (!ident_names(p->ext.id_pk, p->hs.peer_id)) {
		peer_penalise(p, BAN_POINTS, "peer id not its key's");
		if (p->phase != PH_CLOSED)
			peer_close(p, "peer id not its key's");
		return;
	}
	ident_prove(&self, p->ext.id_nonce, p->nonce, p->hs.peer_id, sig);
	memset(&m, 0, sizeof(m));
	m.type = PEXT_MUX_PROVE;
	m.sig = sig;
	mux_write(p, &m);
}

static void
peer_on_proof(struct peer *p, const struct pext_mux *m)
{
	if (p->proven || p->phase != PH_EXTENDED || !p->have_ext)
		return;
	if (!ident_check(p->ext.id_pk, p->ext.id_nonce, p->hs.peer_id,
	    p->nonce, peer_self_id, m->sig)) {
		peer_penalise(p, BAN_POINTS, "identity proof failed");
		if (p->phase != PH_CLOSED)
			peer_close(p, "identity proof failed");
		return;
	}
	p->proven = true;
	peer_activate(p);
}

static void
peer_on_mux(struct peer *p, const uint8_t *payload, size_t len)
{
	struct pext_mux	 m;
	struct channel	*c;
	struct link	*l;
	int		 r;

	if ((r = pext_mux_parse(payload, len, &m)) == -ENOTSUP)
		return;
	if (r != 0) {
		peer_penalise(p, BAN_POINTS, "malformed aptbt_mux message");
		if (p->phase != PH_CLOSED)
			peer_close(p, "malformed aptbt_mux message");
		return;
	}
	if (!p->proven && m.type != PEXT_MUX_PROVE) {
		peer_close(p, "aptbt_mux before its identity proof");
		return;
	}
	switch (m.type) {
	case PEXT_MUX_PROVE:
		peer_on_proof(p, &m);
		break;
	case PEXT_MUX_ATTACH:
		mux_on_attach(p, &m);
		break;
	case PEXT_MUX_ATTACHED:
		if ((c = chan_find(p, m.sid)) != NULL && !c->attached) {
			c->attached = true;
			link_attached(c->link, true);
		}
		break;
	case PEXT_MUX_REFUSED:
	case PEXT_MUX_DETACH:
		if ((c = chan_find(p, m.sid)) != NULL) {
			l = c->link;
			c->link = NULL;
			if (m.type == PEXT_MUX_REFUSED && !c->attached)
				link_attached(l, false);
			link_free(l, m.type == PEXT_MUX_DETACH ? "detached" :
			    "refused");
		}
		break;
	case PEXT_MUX_FRAME:
		/* A frame may have crossed our detach: ignore it. */
		if ((c = chan_find(p, m.sid)) != NULL && c->attached)
			link_handle(c->link, &m.msg);
		break;
	case PEXT_MUX_INDEX:
		events->index(p, &m);
		break;
	case PEXT_MUX_WANT:
		events->want(p, &m);
		break;
	}
}

static void
peer_on_extended(struct peer *p, const struct pw_msg *msg)
{
	if (msg->ext_id == PW_EXT_HANDSHAKE) {
		if (pw_ext_handshake_parse(msg->payload + 1, msg->len - 1,
		    &p->ext) != 0) {
			peer_close(p, "malformed extended handshake");
			return;
		}
		p->have_ext = true;
		p->ext_mux = pw_ext_handshake_id(&p->ext, PEXT_MUX_NAME);
		p->ext_hashes = pw_ext_handshake_id(&p->ext, PEXT_HASHES_NAME);
		p->ext_pex = pw_ext_handshake_id(&p->ext, "ut_pex");
		p->ext_meta = pw_ext_handshake_id(&p->ext, "ut_metadata");
		if (p->daemon && p->ext_mux == 0) {
			peer_close(p, "daemon without aptbt_mux");
			return;
		}
		if (p->daemon)
			peer_send_proof(p);
		else if (p->phase != PH_ACTIVE)
			peer_activate(p);
		return;
	}
	switch (msg->ext_id) {
	case PEER_EXT_MUX:
		if (p->daemon)
			peer_on_mux(p, msg->payload + 1, msg->len - 1);
		break;
	case PEER_EXT_METADATA:
		if (!p->daemon)
			utmeta_handle(p, &p->meta, p->ext_meta,
			    msg->payload + 1, msg->len - 1);
		break;
	case PEER_EXT_HASHES:
	case PEER_EXT_PEX:
		if (p->direct != NULL)
			link_handle(p->direct, msg);
		break;
	default:
		break;		/* an extension we did not offer */
	}
}

static void
peer_on_message(struct peer *p, const struct pw_msg *msg)
{
	if (msg->id == PW_KEEPALIVE)
		return;
	if (msg->id == PW_EXTENDED) {
		peer_on_extended(p, msg);
		return;
	}
	if (p->phase != PH_ACTIVE) {
		peer_close(p, "message before the extended handshake");
		return;
	}
	if (p->direct != NULL)
		link_handle(p->direct, msg);
	/* A daemon connection's own swarm is empty: nothing to do. */
}

/*
 * Read what the socket holds, up to READ_MAX, into the input buffer.  The
 * space reserved is what FIONREAD reports, so an idle connection keeps no
 * large buffer.  Returns false once the connection is closed.
 */
static bool
peer_fill(struct peer *p, evutil_socket_t fd)
{
	struct evbuffer_iovec	v[2];
	struct iovec		iov[2];
	int			avail = 0, n, i;
	ssize_t			r;
	size_t			left;

	if (ioctl(fd, FIONREAD, &avail) == -1 || avail <= 0)
		avail = 4096;
	if (avail > READ_MAX)
		avail = READ_MAX;
	if ((n = evbuffer_reserve_space(p->inbuf, avail, v, 2)) <= 0) {
		peer_close(p, "out of memory");
		return false;
	}
	for (i = 0; i < n; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	while ((r = readv(fd, iov, n)) == -1 && errno == EINTR)
		;
	if (r == 0) {
		peer_close(p, PEER_WHY_HUNG_UP);
		return false;
	}
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		peer_close(p, strerror(errno));
		return false;
	}
	for (i = 0, left = (size_t)r; i < n; i++) {
		if (v[i].iov_len > left)
			v[i].iov_len = left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(p->inbuf, v, n);
	return true;
}

/* The deadline covers the handshakes; the idle timeout starts after. */
/*
 * The socket is connected: read from it.  Its own address is fixed from
 * now on, so whether the peer shares our subnet is settled here, once,
 * not by a getsockname() each time the engine ranks or lists peers.
 */
static int
peer_start_reading(struct peer *p)
{
	struct sockaddr_storage	 mine;
	socklen_t		 len = sizeof(mine);

	p->near = getsockname(bufferevent_getfd(p->bev),
	    (struct sockaddr *)&mine, &len) == 0 &&
	    netaddr_same_subnet((const struct sockaddr *)&mine, peer_addr(p));
	p->rev = event_new(peer_base, bufferevent_getfd(p->bev),
	    EV_READ | EV_PERSIST, peer_read_cb, p);
	if (p->rev == NULL)
		return -1;
	return event_add(p->rev, NULL);
}

/* (Re)start reading: the idle timeout once active, none before. */
static void
peer_rev_add(struct peer *p)
{
	static const struct timeval	idle = { IDLE_TIMEOUT, 0 };

	event_add(p->rev, p->phase == PH_ACTIVE ? &idle : NULL);
}

/*
 * Output over OUT_STOP: read nothing more and leave what is buffered
 * until the peer takes what we queued.  True when stopped.
 */
static bool
peer_output_full(struct peer *p)
{
	if (p->rd_paused)
		return true;
	if (peer_output_len(p) <= OUT_STOP)
		return false;
	p->rd_paused = true;
	if (p->rev != NULL)
		event_del(p->rev);
	log_debug("peer %s: %zu bytes queued; reading paused", p->name,
	    peer_output_len(p));
	return true;
}

static void
peer_largest_input(struct peer *p, void *arg)
{
	struct peer	**max = arg;

	if (*max == NULL || evbuffer_get_length(p->inbuf) >
	    evbuffer_get_length((*max)->inbuf))
		*max = p;
}

/*
 * Account for p's buffered input; over INPUT_BUDGET, close whichever
 * connection holds the most.  False when p itself was closed.
 */
static bool
peer_input_budget(struct peer *p)
{
	struct peer	*max = NULL;
	size_t		 len = evbuffer_get_length(p->inbuf);

	input_total = input_total - p->inbuf_counted + len;
	p->inbuf_counted = len;
	while (input_total > INPUT_BUDGET) {
		max = NULL;
		peer_foreach(peer_largest_input, &max);
		if (max == NULL || evbuffer_get_length(max->inbuf) == 0)
			break;
		log_info("peer %s: %zu bytes of partial messages held, over "
		    "the budget of all peers; closed", max->name,
		    evbuffer_get_length(max->inbuf));
		input_total -= max->inbuf_counted;
		max->inbuf_counted = 0;
		peer_close(max, "input budget");
		if (max == p)
			return false;
	}
	return true;
}

static void
peer_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;

	if (what & EV_TIMEOUT) {
		peer_close(p, "idle");
		return;
	}
	if (peer_output_full(p))
		return;
	if (!peer_fill(p, fd))
		return;
	peer_process(p);
}

/* Handle the complete messages buffered, as long as output has room. */
static void
peer_process(struct peer *p)
{
	struct evbuffer	*in = p->inbuf;
	struct pw_msg	 msg;
	uint8_t		*data, hdr[PW_LEN_PREFIX];
	size_t		 avail, need;
	ssize_t		 r;

	p->refs++;
	while (p->phase != PH_CLOSED && !peer_output_full(p)) {
		if (p->phase == PH_HANDSHAKE) {
			if (peer_on_handshake(p) <= 0)
				break;
			continue;
		}
		avail = evbuffer_get_length(in);
		if (avail < PW_LEN_PREFIX)
			break;
		evbuffer_copyout(in, hdr, PW_LEN_PREFIX);
		need = PW_LEN_PREFIX + (size_t)be_get32(hdr);
		if (need > PW_LEN_PREFIX + PW_MAX_MSG_LEN) {
			peer_penalise(p, BAN_POINTS, "oversized message");
			if (p->phase != PH_CLOSED)
				peer_close(p, "oversized message");
			break;
		}
		if (avail < need)
			break;
		data = evbuffer_pullup(in, (ssize_t)need);
		r = pw_msg_next(data, need, &msg);
		if (r <= 0) {
			peer_penalise(p, BAN_POINTS, "malformed message");
			if (p->phase != PH_CLOSED)
				peer_close(p, "malformed message");
			break;
		}
		meter_add(&p->in, (uint64_t)r);
		peer_on_message(p, &msg);
		if (p->phase != PH_CLOSED)
			evbuffer_drain(in, (size_t)r);
	}
	if (p->phase != PH_CLOSED)
		(void)peer_input_budget(p);
	if (--p->refs == 0 && p->phase == PH_CLOSED)
		peer_free(p);
}

static void
peer_write_cb(struct bufferevent *bev, void *arg)
{
	struct peer	*p = arg;

	/* Drained to the watermark: what the peer asked may go on. */
	if (p->rd_paused && p->phase != PH_CLOSED) {
		p->rd_paused = false;
		log_debug("peer %s: reading resumed", p->name);
		peer_rev_add(p);
		peer_process(p);
	}
	if (p->phase == PH_ACTIVE && events->drained != NULL)
		events->drained(p);
	bw_output_drained();
}

static void
peer_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct peer	*p = arg;

	if (what & BEV_EVENT_CONNECTED) {
		int	one = 1;

		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one));
		p->phase = PH_HANDSHAKE;
		p->connected_ms = clock_ms();
		bufferevent_set_timeouts(bev, NULL, &write_stall);
		if (peer_start_reading(p) != 0) {
			peer_close(p, "out of memory");
			return;
		}
		peer_send_handshake(p);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		peer_close(p, p->phase == PH_CONNECTING ? "connect timed out" :
		    "not reading what we send");
	else if (what & BEV_EVENT_EOF)
		peer_close(p, PEER_WHY_HUNG_UP);
	else if (what & BEV_EVENT_ERROR)
		peer_close(p, strerror(EVUTIL_SOCKET_ERROR()));
}
