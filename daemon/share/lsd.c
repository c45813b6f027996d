/* SPDX-License-Identifier: ISC */
/*
 * lsd.c - Local Service Discovery (BEP 14) on the daemon's event loop.
 *
 * Keys to announce live in one small table with the time each was last
 * sent.  A single timer fires when the next datagram may go out: the
 * earliest moment a pending key is due and a send token is free, or the
 * next presence announce.  With nothing pending and no presence key the
 * timer is not armed, so an idle daemon is never woken by LSD.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/lsdmsg.h"
#include "daemon/share/lsd.h"

#define KEY_INTERVAL_MS		60000	/* BEP 14: once a minute per key */
static uint64_t	key_interval_ms = KEY_INTERVAL_MS;
#define PRESENCE_INTERVAL_MS	300000
#define TOKEN_MS		1000	/* one datagram a second ... */
#define TOKEN_BURST		4	/* ... after a burst of this many */
#define MAX_TRACKED		2048	/* queued plus sent in the last minute */
#define MAX_HEARD		256	/* cookies of daemons we know */
#define READS_PER_EVENT		16	/* then let the loop breathe */
#define REPLY_QUIET_MS		500

struct tracked {
	uint8_t		key[LSD_KEY_LEN];
	uint64_t	last_sent;	/* ms; 0: never */
	bool		pending;
};

struct heard {
	char		cookie[LSDMSG_COOKIE_MAX + 1];
	uint64_t	at;
};

static struct {
	struct event_base	*base;
	struct event		*rd, *timer;
	int			 fd;
	uint16_t		 port;
	lsd_cb			 cb;
	void			*arg;
	char			 cookie[9];	/* 8 hex digits, as libtorrent */
	struct sockaddr_in	 group;

	struct tracked		 tab[MAX_TRACKED];
	size_t			 ntab;
	uint64_t		 tokens;	/* in ms of sending time */
	uint64_t		 tokens_at;

	bool			 has_presence;
	uint8_t			 presence[LSD_KEY_LEN];
	uint64_t		 presence_next;
	struct heard		 heard[MAX_HEARD];
	size_t			 nheard;
} lsd = { .fd = -1 };

static uint64_t
now_ms(void)
{
	/* Never 0, which means "never sent". */
	return clock_ms() + 1;
}

static struct tracked *
find(const uint8_t *key)
{
	size_t	i;

	for (i = 0; i < lsd.ntab; i++)
		if (memcmp(lsd.tab[i].key, key, LSD_KEY_LEN) == 0)
			return &lsd.tab[i];
	return NULL;
}

static uint64_t
due(const struct tracked *t)
{
	return t->last_sent == 0 ? 0 : t->last_sent + key_interval_ms;
}

/* Forget keys that are neither queued nor inside their minute. */
static void
prune(uint64_t now)
{
	size_t	i = 0;

	while (i < lsd.ntab) {
		if (!lsd.tab[i].pending && due(&lsd.tab[i]) <= now)
			lsd.tab[i] = lsd.tab[--lsd.ntab];
		else
			i++;
	}
}

static void
refill(uint64_t now)
{
	lsd.tokens += now - lsd.tokens_at;
	if (lsd.tokens > TOKEN_BURST * TOKEN_MS)
		lsd.tokens = TOKEN_BURST * TOKEN_MS;
	lsd.tokens_at = now;
}

static int
queue(const uint8_t *key)
{
	struct tracked	*t;

	if ((t = find(key)) == NULL) {
		if (lsd.ntab == MAX_TRACKED)
			prune(now_ms());
		if (lsd.ntab == MAX_TRACKED)
			return -ENOBUFS;
		t = &lsd.tab[lsd.ntab++];
		memcpy(t->key, key, LSD_KEY_LEN);
		t->last_sent = 0;
	}
	t->pending = true;
	return 0;
}

/* One datagram with every due key that fits; false if none was due. */
static bool
send_batch(uint64_t now)
{
	uint8_t		 keys[LSDMSG_MAX_KEYS][LSD_KEY_LEN];
	struct tracked	*picked[LSDMSG_MAX_KEYS];
	char		 buf[LSDMSG_DGRAM_MAX];
	size_t		 fit, n = 0, i;
	ssize_t		 len;

	fit = lsdmsg_fit(sizeof(buf), LSDMSG_IPV4, lsd.port, lsd.cookie);
	if (fit > LSDMSG_MAX_KEYS)
		fit = LSDMSG_MAX_KEYS;
	for (i = 0; i < lsd.ntab && n < fit; i++) {
		if (!lsd.tab[i].pending || due(&lsd.tab[i]) > now)
			continue;
		memcpy(keys[n], lsd.tab[i].key, LSD_KEY_LEN);
		picked[n++] = &lsd.tab[i];
	}
	if (n == 0)
		return false;
	len = lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, lsd.port,
	    (const uint8_t (*)[LSD_KEY_LEN])keys, n, lsd.cookie);
	if (len < 0)
		log_warnx("lsd: cannot build announce: %s", strerror((int)-len));
	else if (sendto(lsd.fd, buf, (size_t)len, 0,
	    (struct sockaddr *)&lsd.group, sizeof(lsd.group)) == -1)
		log_warn("lsd: send to %s:%d", LSD_GROUP4, LSD_PORT);
	else
		log_debug("lsd: announced %zu key%s", n, n == 1 ? "" : "s");
	/*
	 * A failed send counts as sent: retrying at once would spin, and the
	 * key is due again in a minute anyway.
	 */
	for (i = 0; i < n; i++) {
		picked[i]->pending = false;
		picked[i]->last_sent = now;
	}
	lsd.tokens -= TOKEN_MS;
	return true;
}

static void
arm(uint64_t delay_ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(delay_ms / 1000);
	tv.tv_usec = (suseconds_t)(delay_ms % 1000) * 1000;
	evtimer_add(lsd.timer, &tv);
}

/* Arm the timer for the next thing to do, or leave it off. */
static void
reschedule(uint64_t now)
{
	uint64_t	next = UINT64_MAX, t;
	size_t		i;

	for (i = 0; i < lsd.ntab; i++) {
		if (!lsd.tab[i].pending)
			continue;
		t = due(&lsd.tab[i]);
		if (t < next)
			next = t;
	}
	if (next != UINT64_MAX && lsd.tokens < TOKEN_MS &&
	    next < now + TOKEN_MS - lsd.tokens)
		next = now + TOKEN_MS - lsd.tokens;
	if (lsd.has_presence && lsd.presence_next < next)
		next = lsd.presence_next;
	evtimer_del(lsd.timer);
	if (next != UINT64_MAX)
		arm(next > now ? next - now : 0);
}

static void
run(void)
{
	uint64_t	now = now_ms();

	refill(now);
	if (lsd.has_presence && lsd.presence_next <= now) {
		/* 4.5 to 5.5 minutes, so daemons started together drift apart. */
		lsd.presence_next = now + PRESENCE_INTERVAL_MS * 9 / 10 +
		    randombytes_uniform(PRESENCE_INTERVAL_MS / 5);
		if (queue(lsd.presence) != 0)
			log_debug("lsd: key table full, presence deferred");
	}
	while (lsd.tokens >= TOKEN_MS && send_batch(now))
		;
	prune(now);
	reschedule(now);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	run();
}

/* Run on the next loop pass, so announces made together share datagrams. */
static void
kick(void)
{
	evtimer_del(lsd.timer);
	arm(0);
}

/*
 * Someone announced our presence key: if it is a daemon we have not heard
 * before, announce ours so it learns of us now, not in five minutes.  A
 * new daemon that starts within REPLY_QUIET_MS after our announce and
 * missed it hears from us at our next periodic announce.
 */
static void
heard_presence(const char *cookie)
{
	struct tracked	*t;
	uint64_t	 now = now_ms();
	size_t		 i, oldest = 0;

	if (*cookie == '\0')
		return;
	for (i = 0; i < lsd.nheard; i++) {
		if (strcmp(lsd.heard[i].cookie, cookie) == 0) {
			lsd.heard[i].at = now;
			return;
		}
		if (lsd.heard[i].at < lsd.heard[oldest].at)
			oldest = i;
	}
	i = lsd.nheard < MAX_HEARD ? lsd.nheard++ : oldest;
	snprintf(lsd.heard[i].cookie, sizeof(lsd.heard[i].cookie), "%s",
	    cookie);
	lsd.heard[i].at = now;
	/*
	 * Just after our own announce, a new daemon is most likely answering
	 * it: staying quiet keeps a newcomer from answering every reply.
	 */
	t = find(lsd.presence);
	if (t != NULL && t->last_sent != 0 &&
	    now - t->last_sent < REPLY_QUIET_MS)
		return;
	if (queue(lsd.presence) != 0)
		return;
	/* Due now, despite the minute: this is rare, and tokens still apply. */
	find(lsd.presence)->last_sent = 0;
	kick();
}

static void
log_announce(const struct sockaddr_in *sin, const struct lsdmsg *m)
{
	char	addr[INET_ADDRSTRLEN], hex[2 * LSD_KEY_LEN + 1];

	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	if (inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	hex_encode(m->keys[0], LSD_KEY_LEN, hex);
	log_debug("lsd: %s:%u announces port %u, %zu key%s: %s%s%s%s", addr,
	    (unsigned)ntohs(sin->sin_port), (unsigned)m->port, m->nkeys,
	    m->nkeys == 1 ? "" : "s", hex, m->nkeys > 1 ? " ..." : "",
	    m->cookie[0] != '\0' ? ", cookie " : "", m->cookie);
}

/*
 * Was the datagram sent to the group?  Our socket is bound to the port
 * on every address, so unicast datagrams to it arrive too: anyone could
 * send those from anywhere they can route to us, and pose as many
 * daemons.  IP_PKTINFO gives the destination in the IP header.
 */
static bool
sent_to_group(struct msghdr *mh)
{
	struct cmsghdr	*c;
	struct in_pktinfo pi;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return pi.ipi_addr.s_addr == lsd.group.sin_addr.s_addr;
		}
	return false;
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	static struct lsdmsg	m;
	static char		buf[4096];
	struct sockaddr_in	sin;
	ssize_t			n;
	size_t			i, k;
	char			addr[INET_ADDRSTRLEN];
	union {
		struct cmsghdr	hdr;
		char		space[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			cbuf;
	struct iovec		iov;
	struct msghdr		mh;

	(void)what;
	(void)arg;
	for (i = 0; i < READS_PER_EVENT; i++) {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sin;
		mh.msg_namelen = sizeof(sin);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.space;
		mh.msg_controllen = sizeof(cbuf.space);
		/* MSG_TRUNC: the true length, so an oversized datagram shows. */
		n = recvmsg(fd, &mh, MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("lsd: receive");
			return;
		}
		if (mh.msg_namelen < sizeof(sin) || sin.sin_family != AF_INET)
			continue;
		if (!sent_to_group(&mh)) {
			if (inet_ntop(AF_INET, &sin.sin_addr, addr,
			    sizeof(addr)) != NULL)
				log_debug("lsd: %s:%u: not sent to %s, ignored",
				    addr, (unsigned)ntohs(sin.sin_port),
				    LSD_GROUP4);
			continue;
		}
		if ((size_t)n > sizeof(buf) ||
		    lsdmsg_parse(buf, (size_t)n, &m) != 0) {
			if (inet_ntop(AF_INET, &sin.sin_addr, addr,
			    sizeof(addr)) != NULL)
				log_debug("lsd: %s:%u: not an announce, "
				    "%zd bytes", addr,
				    (unsigned)ntohs(sin.sin_port), n);
			continue;
		}
		if (strcmp(m.cookie, lsd.cookie) == 0)
			continue;
		log_announce(&sin, &m);
		for (k = 0; lsd.has_presence && k < m.nkeys; k++)
			if (memcmp(m.keys[k], lsd.presence, LSD_KEY_LEN) == 0)
				heard_presence(m.cookie);
		if (lsd.cb != NULL)
			lsd.cb((struct sockaddr *)&sin, sizeof(sin), m.port,
			    (const uint8_t (*)[LSD_KEY_LEN])m.keys, m.nkeys,
			    lsd.arg);
		if (lsd.rd == NULL)
			return;
	}
}

static int
sockopt(int fd, int level, int name, const void *val, socklen_t len,
    const char *what)
{
	int	saved;

	if (setsockopt(fd, level, name, val, len) == 0)
		return 0;
	saved = errno;
	log_warn("lsd: setsockopt %s", what);
	return -saved;
}

static int
open_socket(void)
{
	struct sockaddr_in	sin;
	struct ip_mreqn		mreq;
	int			fd, one = 1, zero = 0, ttl = 1, rc;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		rc = -errno;
		log_warn("lsd: socket");
		return rc;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(LSD_PORT);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_multiaddr = lsd.group.sin_addr;
	mreq.imr_address.s_addr = htonl(INADDR_ANY);
	if ((rc = sockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one),
	    "SO_REUSEADDR")) != 0 ||
	    (rc = sockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one),
	    "SO_REUSEPORT")) != 0 ||
	    (rc = sockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one),
	    "IP_PKTINFO")) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		rc = -errno;
		log_warn("lsd: bind to port %d", LSD_PORT);
		goto fail;
	}
	if ((rc = sockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
	    sizeof(mreq), "IP_ADD_MEMBERSHIP " LSD_GROUP4)) != 0 ||
	    (rc = sockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one,
	    sizeof(one), "IP_MULTICAST_LOOP")) != 0 ||
	    (rc = sockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
	    sizeof(ttl), "IP_MULTICAST_TTL")) != 0)
		goto fail;
	/* Only our group's traffic, not every group joined on the host. */
	(void)setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero,
	    sizeof(zero));
	return fd;
fail:
	close(fd);
	return rc;
}

int
lsd_init(struct event_base *base, uint16_t port, lsd_cb cb, void *arg)
{
	uint8_t	rnd[4];
	int	fd;

	if (lsd.base != NULL)
		return -EALREADY;
	if (port == 0)
		return -EINVAL;
	if (sodium_init() == -1)
		return -EIO;
	memset(&lsd.group, 0, sizeof(lsd.group));
	lsd.group.sin_family = AF_INET;
	lsd.group.sin_port = htons(LSD_PORT);
	inet_pton(AF_INET, LSD_GROUP4, &lsd.group.sin_addr);
	if ((fd = open_socket()) < 0)
		return fd;
	lsd.rd = event_new(base, fd, EV_READ | EV_PERSIST, read_cb, NULL);
	lsd.timer = evtimer_new(base, timer_cb, NULL);
	if (lsd.rd == NULL || lsd.timer == NULL || event_add(lsd.rd, NULL)) {
		log_warnx("lsd: cannot add events");
		if (lsd.rd != NULL)
			event_free(lsd.rd);
		if (lsd.timer != NULL)
			event_free(lsd.timer);
		lsd.rd = lsd.timer = NULL;
		close(fd);
		return -ENOMEM;
	}
	lsd.base = base;
	lsd.fd = fd;
	lsd.port = port;
	lsd.cb = cb;
	lsd.arg = arg;
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(lsd.cookie, sizeof(lsd.cookie), "%02x%02x%02x%02x", rnd[0],
	    rnd[1], rnd[2], rnd[3]);
	lsd.ntab = lsd.nheard = 0;
	lsd.tokens = TOKEN_BURST * TOKEN_MS;
	lsd.tokens_at = now_ms();
	lsd.has_presence = false;
	log_info("lsd: listening on %s:%d, announcing port %u", LSD_GROUP4,
	    LSD_PORT, (unsigned)port);
	return 0;
}

void
lsd_shutdown(void)
{
	if (lsd.base == NULL)
		return;
	event_free(lsd.rd);
	event_free(lsd.timer);
	close(lsd.fd);
	lsd.rd = lsd.timer = NULL;
	lsd.fd = -1;
	lsd.base = NULL;
	lsd.cb = NULL;
	lsd.has_presence = false;
}

int
lsd_announce(const uint8_t (*keys)[LSD_KEY_LEN], size_t nkeys)
{
	size_t	i;
	int	rc = 0;

	if (lsd.base == NULL)
		return -ENOTCONN;
	for (i = 0; i < nkeys; i++)
		if (queue(keys[i]) != 0)
			rc = -ENOBUFS;
	if (rc != 0)
		log_debug("lsd: key table full, some keys not announced");
	kick();
	return rc;
}

void
lsd_set_key_interval(uint64_t ms)
{
	key_interval_ms = ms > 0 && ms < KEY_INTERVAL_MS ? ms : KEY_INTERVAL_MS;
}

void
lsd_presence(const uint8_t *key)
{
	if (lsd.base == NULL)
		return;
	if (key == NULL) {
		lsd.has_presence = false;
		run();
		return;
	}
	lsd.has_presence = true;
	memcpy(lsd.presence, key, LSD_KEY_LEN);
	lsd.presence_next = 0;	/* now */
	kick();
}
