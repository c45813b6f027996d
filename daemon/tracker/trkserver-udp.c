/* SPDX-License-Identifier: ISC */
/*
 * trkserver-udp.c - the embedded tracker over UDP (BEP 15).
 *
 * One socket on [::]:port taking IPv4 too (mapped), or 0.0.0.0:port where
 * IPv6 is off.  Each readable event reads up to BATCH datagrams, so a
 * flood cannot keep the loop from everything else.  A packet under 16
 * bytes gets no answer; any other bad one an error (action 3) with its
 * transaction id, never larger than 8 bytes more than the request could
 * be worth to an amplifier.  Connection ids are connid.h's MAC over the
 * source address and the wall clock's window: nothing is kept per client.
 *
 * Datagrams come in by recvmmsg and their replies go out by one sendmmsg
 * per batch: under load a system call per datagram each way cost more
 * than answering it.  A wakeup drains up to DRAIN batches.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "daemon/tracker/trkserver.h"
#include "daemon/tracker/udpmsg.h"

#define BATCH	64
#define DRAIN	8
/*
 * The socket's receive buffer: room for a few thousand announces (each
 * costs about a kilobyte of buffer), so a client's burst while the loop
 * is busy elsewhere waits instead of being dropped, and a dropped
 * announce costs its client a BEP 15 retry of 15 s.
 */
#define RCVBUF	(2 * 1024 * 1024)	/* the kernel counts twice that */

static struct {
	int		 fd;
	struct event	*ev;
} udp = { -1, NULL };

/* One batch: the datagrams read and the replies queued for them. */
static struct {
	uint8_t			in[BATCH][TUDP_MAX_PACKET];
	uint8_t			out[BATCH][TUDP_MAX_PACKET];
	struct sockaddr_storage	from[BATCH];
	struct iovec		iin[BATCH], iout[BATCH];
	struct mmsghdr		rmsg[BATCH], smsg[BATCH];
	unsigned int		nout;
	uint32_t		mono;	/* trk_now(), read once a batch */
} b;

/* Queue a reply; len 0 is none. */
static void
reply(const uint8_t *buf, size_t len, const struct sockaddr *sa,
    socklen_t salen)
{
	struct mmsghdr	*m;

	if (len == 0 || b.nout >= BATCH)
		return;
	m = &b.smsg[b.nout];
	if (buf != b.out[b.nout])
		memcpy(b.out[b.nout], buf, len);
	b.iout[b.nout].iov_base = b.out[b.nout];
	b.iout[b.nout].iov_len = len;
	memset(&m->msg_hdr, 0, sizeof(m->msg_hdr));
	m->msg_hdr.msg_name = (void *)sa;
	m->msg_hdr.msg_namelen = salen;
	m->msg_hdr.msg_iov = &b.iout[b.nout];
	m->msg_hdr.msg_iovlen = 1;
	b.nout++;
}

/* Where the next reply may be built in place. */
static uint8_t *
out_buf(void)
{
	return b.nout < BATCH ? b.out[b.nout] : b.out[0];
}

static void
flush(void)
{
	unsigned int	sent = 0;
	int		n;

	while (sent < b.nout) {
		n = sendmmsg(udp.fd, b.smsg + sent, b.nout - sent,
		    MSG_DONTWAIT);
		if (n <= 0) {
			/* A full buffer or an unreachable one: skip it. */
			if (n < 0 && errno == EINTR)
				continue;
			sent++;
			continue;
		}
		sent += (unsigned int)n;
	}
	b.nout = 0;
}

static void
error_reply(uint32_t tid, const char *why, const struct sockaddr *sa,
    socklen_t salen)
{
	uint8_t	out[128];

	reply(out, tudp_put_error(out, sizeof(out), tid, why), sa, salen);
}

static void
announce(const struct tudp_req *r, const struct sockaddr *sa,
    socklen_t salen)
{
	struct swarms_peer	 me;
	struct swarms_counts	 c;
	uint8_t			*out = out_buf();
	size_t			 n, want, len, plen;
	int			 rc;

	if (!trk_peer_of(sa, r->port, r->left == 0, &me))
		return;
	rc = swarms_announce(trk.swarms, r->info_hash, &me, r->event,
	    SWARMS_LOCAL, 0, b.mono);
	if (rc == -ENOSPC) {
		error_reply(r->tid, "tracker full", sa, salen);
		return;
	}
	trk.n.announces++;
	want = trk_numwant(r->numwant);
	/* The peers of the request's family that fit one datagram. */
	plen = me.family == 6 ? 18 : 6;
	if (want > (TUDP_MAX_PACKET - 20) / plen)
		want = (TUDP_MAX_PACKET - 20) / plen;
	swarms_scrape(trk.swarms, r->info_hash, &c);
	/* The header, then the peers in compact form straight after it. */
	len = tudp_put_announce(out, TUDP_MAX_PACKET, r->tid, trk.interval,
	    c.incomplete, c.complete, NULL, 0);
	n = r->event == TRK_EV_STOPPED ? 0 : swarms_select_compact(trk.swarms,
	    r->info_hash, &me, me.family, want, b.mono, out + len);
	reply(out, len + n * plen, sa, salen);
}

static void
scrape(const struct tudp_req *r, const struct sockaddr *sa, socklen_t salen)
{
	struct swarms_counts	c[TUDP_SCRAPE_MAX];
	uint8_t			*out = out_buf();
	size_t			i;

	trk.n.scrapes++;
	for (i = 0; i < r->nhashes; i++)
		swarms_scrape(trk.swarms, r->hashes + 20 * i, &c[i]);
	reply(out, tudp_put_scrape(out, TUDP_MAX_PACKET, r->tid, c, r->nhashes),
	    sa, salen);
}

static void
packet(const uint8_t *buf, size_t len, const struct sockaddr *sa,
    socklen_t salen, uint64_t now)
{
	struct tudp_req	 r;
	uint8_t		 a[16], out[16];
	int		 rc;

	if (!trk_admit(sa, true)) {
		if (len >= 16) {
			tudp_parse(buf, len, &r);
			error_reply(r.tid, "rate limited", sa, salen);
		}
		return;
	}
	if ((rc = tudp_parse(buf, len, &r)) == -TUDP_ESHORT) {
		trk.n.malformed++;
		return;
	}
	if (rc != 0) {
		trk.n.malformed++;
		error_reply(r.tid, r.why, sa, salen);
		return;
	}
	if (!trk_addr16(sa, a))
		return;
	if (r.action == TRK_ACT_CONNECT) {
		reply(out, tudp_put_connect(out, sizeof(out), r.tid,
		    connid_make(trk.connid_key, a, now)), sa, salen);
		return;
	}
	if (!connid_ok(trk.connid_key, a, r.cid, now)) {
		trk.n.malformed++;
		error_reply(r.tid, "bad connection id", sa, salen);
		return;
	}
	if (r.action == TRK_ACT_ANNOUNCE)
		announce(&r, sa, salen);
	else
		scrape(&r, sa, salen);
}

/* The read side's headers point at the batch's buffers once and for all. */
static void
batch_init(void)
{
	int	i;

	memset(b.rmsg, 0, sizeof(b.rmsg));
	for (i = 0; i < BATCH; i++) {
		b.iin[i].iov_base = b.in[i];
		b.iin[i].iov_len = sizeof(b.in[i]);
		b.rmsg[i].msg_hdr.msg_name = &b.from[i];
		b.rmsg[i].msg_hdr.msg_namelen = sizeof(b.from[i]);
		b.rmsg[i].msg_hdr.msg_iov = &b.iin[i];
		b.rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	b.nout = 0;
}

static void
readable(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	now = (uint64_t)time(NULL);
	int		i, n, d;

	(void)what;
	(void)arg;
	for (d = 0; d < DRAIN; d++) {
		n = recvmmsg(fd, b.rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		b.mono = trk_now();
		for (i = 0; i < n; i++) {
			packet(b.in[i], b.rmsg[i].msg_len,
			    (struct sockaddr *)&b.from[i],
			    b.rmsg[i].msg_hdr.msg_namelen, now);
		}
		flush();
		/* recvmmsg set the lengths of the addresses it wrote. */
		for (i = 0; i < n; i++)
			b.rmsg[i].msg_hdr.msg_namelen = sizeof(b.from[i]);
		if (n < BATCH)
			break;
	}
}

/*
 * As large a buffer as we may have: SO_RCVBUFFORCE goes past
 * net.core.rmem_max with CAP_NET_ADMIN; without it SO_RCVBUF takes
 * what rmem_max allows, still twice the default.
 */
static void
grow_rcvbuf(int fd)
{
	int	n = RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &n, sizeof(n)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &n, sizeof(n));
}

static int
bind_any(uint16_t port)
{
	struct sockaddr_in6	sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	int			fd, off = 0;

	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) != -1) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off));
		if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0)
			return fd;
		close(fd);
	}
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	close(fd);
	return -1;
}

int
trkudp_start(struct event_base *base, uint16_t port)
{
	int	e;

	batch_init();
	if ((udp.fd = bind_any(port)) == -1) {
		e = errno;
		log_warnx("embedded tracker: no UDP on port %u: %s", port,
		    strerror(e));
		return -e;
	}
	grow_rcvbuf(udp.fd);
	if ((udp.ev = event_new(base, udp.fd, EV_READ | EV_PERSIST, readable,
	    NULL)) == NULL || event_add(udp.ev, NULL) == -1) {
		trkudp_stop();
		return -ENOMEM;
	}
	return 0;
}

void
trkudp_stop(void)
{
	if (udp.ev != NULL) {
		event_free(udp.ev);
		udp.ev = NULL;
	}
	if (udp.fd != -1) {
		close(udp.fd);
		udp.fd = -1;
	}
}
