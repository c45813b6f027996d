/* SPDX-License-Identifier: ISC */
/*
 * proxy.c - the apt proxy front end: requests in, engine replies out.
 *
 * One preq per request handed to the engine.  It is the engine's reply
 * handle (fetch.h) and the HTTP response's state at once: the engine's
 * "start" gives the status line and headers, each "progress" lets the
 * verified prefix flow out, PROXY_CHUNK bytes at a time (the next chunk
 * is queued only once the client took the last, as a file segment the
 * socket is sent from, so a slow client holds a descriptor, not memory,
 * and the loop reads nothing), the final reply ends the body.  A preq lives
 * until both the engine released it and the client no longer needs it.
 *
 * libevent 2.1's evhttp has no hook for a new connection, so a
 * connection is known from its first request on (pconn), which is where
 * the connection bound applies; one that never sends a request costs
 * PROXY_TIMEOUT_S at most.
 *
 * evhttp answers one request of a connection at a time: the requests apt
 * pipelines after it wait in the connection's input until the reply
 * ends.  So each time a request comes in, the heads waiting behind it are
 * read (common/httphead.h, without taking them from the buffer) and their
 * fetches start at once, up to PROXY_AHEAD of them; when evhttp hands
 * one over, it takes the preq already under way (its engine events so far
 * kept) and the answer catches up.  Replies still go out in order.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "common/clock.h"
#include "common/httphead.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/proxyurl.h"
#include "daemon/base/conf.h"
#include "daemon/base/scope.h"
#include "daemon/base/state.h"
#include "daemon/base/webseed.h"
#include "daemon/engine/fetch.h"
#include "daemon/proxy/proxy.h"
#include "daemon/proxy/trust.h"

struct preq;

struct pconn {
	TAILQ_ENTRY(pconn)	 entry;
	struct evhttp_connection *evcon;
	struct preq		*cur;		/* the request being answered */
	/*
	 * The requests waiting in the input, in order, as read ahead: the
	 * fetch started for each, or NULL for one that is not fetched early
	 * (refused, or the usage page).  ahead[0] is the next one evhttp
	 * hands over.
	 */
	struct preq		*ahead[PROXY_AHEAD];
	unsigned		 nahead;
	bool			 ahead_stop;	/* a head it cannot read past */
};
TAILQ_HEAD(pconnq, pconn);

struct preq {
	struct fetch_reply	 reply;		/* first: the engine's handle */
	struct evhttp_request	*req;		/* NULL: answered or client gone */
	struct pconn		*pc;
	char			 url[PROXYURL_MAX + 1];
	bool			 head;
	bool			 released;	/* by the engine */
	bool			 started;	/* headers sent */
	bool			 writing;	/* a chunk on its way out */
	bool			 final;		/* the engine's final reply came */
	bool			 ahead;		/* read ahead, not handed over yet */
	bool			 held;		/* attach() still uses it */
	bool			 got_start;	/* the engine's start came */
	bool			 ims_hit;	/* ... and said "not modified" */
	int			 err_code;	/* the engine's error, as a status */
	char			 err_text[512];
	int			 fd;		/* the file, read-only */
	int64_t			 size;		/* -1 unknown */
	time_t			 lm;		/* Last-Modified, 0 unknown */
	time_t			 ims;		/* the client's If-Modified-Since */
	struct proxyurl		 u;
	struct trust_hit	 hit;		/* hashed: fetched by hash */
	bool			 learn;		/* trust_wants() it */
	bool			 defer;		/* headers once learnt */
	bool			 learning;	/* trust_learn() under way */
	uint64_t		 range;		/* first byte asked for */
	char			 if_range[64];
	uint64_t		 have;		/* verified prefix */
	uint64_t		 off;		/* next byte to send */
	uint64_t		 out_ms;	/* clock_ms() of the last bytes out */
};

static struct {
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	struct event		*silence;	/* PROXY_SILENCE_MS checks */
	struct pconnq		 conns;
	unsigned		 nconns;
	unsigned		 nreqs;
} px = { .conns = TAILQ_HEAD_INITIALIZER(px.conns) };

static const char usage_page[] =
    "<html><head><title>aptbtd apt proxy</title></head><body>\n"
    "<h1>Usage Information</h1>\n"
    "<p>This is aptbtd's apt proxy.  Tell apt to use it with one line in\n"
    "/etc/apt/apt.conf.d/ (or install auto-apt-proxy, which finds it):</p>\n"
    "<pre>Acquire::http::Proxy \"http://THIS-HOST:3142\";</pre>\n"
    "<p>HTTPS repositories go through it as\n"
    "<tt>deb http://THIS-HOST:3142/HTTPS///HOST/PATH SUITE COMPONENT</tt>.\n"
    "Only Debian archive paths (dists/, pool/) are fetched.</p>\n"
    "</body></html>\n";

static void	pump(struct preq *);

static const char *
status_phrase(int code)
{
	static const struct {
		int		 code;
		const char	*phrase;
	} tab[] = {
		{ 200, "OK" }, { 206, "Partial Content" },
		{ 304, "Not Modified" }, { 400, "Bad Request" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Usage Information" },
		{ 414, "URI Too Long" }, { 416, "Range Not Satisfiable" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t	i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].code == code)
			return tab[i].phrase;
	return code < 500 ? "Client Error" : "Server Error";
}

static void
maybe_free(struct preq *p)
{
	if (!p->released || p->req != NULL || p->learning || p->ahead ||
	    p->held)
		return;
	if (p->fd >= 0)
		close(p->fd);
	px.nreqs--;
	free(p);
}

/* The response is complete or abandoned: the client is done with p. */
static void
detach(struct preq *p)
{
	if (p->pc != NULL && p->pc->cur == p)
		p->pc->cur = NULL;
	p->pc = NULL;
	p->req = NULL;
	maybe_free(p);
}

/* A request read ahead that the client will not ask for after all. */
static void
abandon(struct preq *p)
{
	if (p == NULL)
		return;
	p->ahead = false;
	maybe_free(p);
}

/* The request read ahead that evhttp hands over next (may be NULL). */
static struct preq *
take_ahead(struct pconn *pc)
{
	struct preq	*p;

	if (pc->nahead == 0)
		return NULL;
	p = pc->ahead[0];
	memmove(pc->ahead, pc->ahead + 1, --pc->nahead * sizeof(pc->ahead[0]));
	return p;
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct pconn	*pc = arg;

	while (pc->nahead > 0)
		abandon(take_ahead(pc));
	if (pc->cur != NULL) {
		log_debug("proxy %s: client left", pc->cur->url);
		/*
		 * evhttp detaches a request whose reply was not ended when its
		 * client leaves and leaves freeing it to us; one still attached
		 * (evhttp_free at shutdown) is freed by evhttp.
		 */
		if (pc->cur->req != NULL &&
		    evhttp_request_get_connection(pc->cur->req) == NULL)
			evhttp_request_free(pc->cur->req);
		pc->cur->pc = NULL;
		pc->cur->req = NULL;
		maybe_free(pc->cur);
	}
	TAILQ_REMOVE(&px.conns, pc, entry);
	px.nconns--;
	free(pc);
}

static struct pconn *
pconn_of(struct evhttp_connection *evcon, bool *full)
{
	const struct sockaddr	*sa = evhttp_connection_get_addr(evcon);
	struct pconn		*pc;
	unsigned		 mine = 0;

	*full = false;
	TAILQ_FOREACH(pc, &px.conns, entry) {
		if (pc->evcon == evcon)
			return pc;
		if (netaddr_same_host(sa, evhttp_connection_get_addr(pc->evcon)))
			mine++;
	}
	if (px.nconns >= PROXY_MAX_CONNS || mine >= PROXY_MAX_CONNS_CLIENT) {
		*full = true;
		return NULL;
	}
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return NULL;
	pc->evcon = evcon;
	TAILQ_INSERT_TAIL(&px.conns, pc, entry);
	px.nconns++;
	evhttp_connection_set_closecb(evcon, conn_closed, pc);
	return pc;
}

/* A short text answer; a 4xx or 5xx one also closes the connection. */
static void
answer_text(struct evhttp_request *req, int code, const char *type,
    const char *text)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();

	evhttp_add_header(h, "Content-Type", type);
	if (code >= 400)
		evhttp_add_header(h, "Connection", "close");
	if (b != NULL && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, status_phrase(code), b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
refuse(struct evhttp_request *req, int code, const char *why)
{
	const struct sockaddr	*sa;
	struct netaddr		 na;
	char			 who[NETADDR_STRLEN] = "?";
	char			 msg[256], target[201], *p;

	sa = evhttp_connection_get_addr(evhttp_request_get_connection(req));
	if (sa != NULL && (sa->sa_family == AF_INET ||
	    sa->sa_family == AF_INET6)) {
		memset(&na, 0, sizeof(na));
		na.family = sa->sa_family;
		if (sa->sa_family == AF_INET)
			memcpy(na.addr, &((const struct sockaddr_in *)sa)->
			    sin_addr, 4);
		else
			memcpy(na.addr, &((const struct sockaddr_in6 *)sa)->
			    sin6_addr, 16);
		netaddr_format(&na, who, sizeof(who));
	}
	/* The target is the client's: only printable bytes reach the log. */
	snprintf(target, sizeof(target), "%s", evhttp_request_get_uri(req) ?
	    evhttp_request_get_uri(req) : "");
	for (p = target; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	log_info("proxy: %s: %d %s (%s)", who, code, why, target);
	state.proxy_refused++;
	state_dirty();
	snprintf(msg, sizeof(msg), "%d %s: %s\n", code, status_phrase(code),
	    why);
	answer_text(req, code, "text/plain", msg);
}

static void
http_date(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		buf[0] = '\0';
}

/* The engine's reason word as an HTTP status for a client. */
static int
reason_status(const char *reason)
{
	char	*end;
	long	 code;

	if (strncmp(reason, "HttpError", 9) == 0) {
		code = strtol(reason + 9, &end, 10);
		if (*end == '\0' && code >= 400 && code <= 599)
			return (int)code;
	}
	if (strcmp(reason, "Timeout") == 0)
		return 504;
	if (strcmp(reason, "Shutdown") == 0)
		return 503;
	return 502;
}

/*
 * Stop a response whose headers are out: the client must not take what
 * it got as the whole file.  Shutting the socket down makes evhttp see
 * the error and free the connection from its own callbacks.
 */
static void
abort_response(struct preq *p)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct evhttp_request		*req = p->req;

	if (req == NULL)
		return;
	evcon = evhttp_request_get_connection(req);
	if (evcon != NULL && (bev = evhttp_connection_get_bufferevent(evcon))
	    != NULL && bufferevent_getfd(bev) >= 0)
		shutdown(bufferevent_getfd(bev), SHUT_RDWR);
	detach(p);
	evhttp_send_reply_end(req);
}

static void
chunk_written(struct evhttp_connection *evcon, void *arg)
{
	struct preq	*p = arg;

	p->writing = false;
	pump(p);
}

/* Send the next verified bytes, or end the body once all are out. */
static void
pump(struct preq *p)
{
	struct evhttp_request	*req = p->req;
	struct evbuffer		*b;
	struct evbuffer_file_segment *seg;
	uint64_t		 n, limit;
	int			 fd = -1;

	if (req == NULL || !p->started || p->writing)
		return;
	/*
	 * A file checked as a whole keeps its last byte back until it passed:
	 * a client never holds all of a file that failed.
	 */
	limit = p->have;
	if (!p->final && p->size > 0 && (p->hit.hashed || p->learn) &&
	    limit >= (uint64_t)p->size)
		limit = (uint64_t)p->size - 1;
	if (p->off < limit) {
		n = limit - p->off;
		if (n > PROXY_CHUNK)
			n = PROXY_CHUNK;
		/*
		 * The bytes go from the file to the socket by sendfile when
		 * the connection writes them, not read into memory here on
		 * the loop; the segment keeps its own descriptor.
		 */
		if ((fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
		    (seg = evbuffer_file_segment_new(fd, (ev_off_t)p->off,
		    (ev_off_t)n, EVBUF_FS_CLOSE_ON_FREE)) == NULL) {
			log_warnx("proxy %s: sending the file: %s", p->url,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			abort_response(p);
			return;
		}
		if ((b = evbuffer_new()) == NULL ||
		    evbuffer_add_file_segment(b, seg, 0, (ev_off_t)n) == -1) {
			if (b != NULL)
				evbuffer_free(b);
			evbuffer_file_segment_free(seg);
			abort_response(p);
			return;
		}
		evbuffer_file_segment_free(seg);	/* b holds it */
		p->off += n;
		p->out_ms = clock_ms();
		state.proxy_bytes += n;
		state_dirty();
		p->writing = true;
		evhttp_send_reply_chunk_with_cb(req, b, chunk_written, p);
		evbuffer_free(b);
		return;
	}
	if (p->final) {
		detach(p);
		evhttp_send_reply_end(req);
	}
}

static void
send_headers(struct preq *p)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(p->req);
	char			 buf[128], lm[64] = "";
	int			 code = 200;

	if (p->lm > 0)
		http_date(p->lm, lm, sizeof(lm));
	p->off = 0;
	if (p->range > 0 && p->size >= 0 && (p->if_range[0] == '\0' ||
	    strcmp(p->if_range, lm) == 0)) {
		if (p->range >= (uint64_t)p->size) {
			snprintf(buf, sizeof(buf), "bytes */%lld",
			    (long long)p->size);
			evhttp_add_header(h, "Content-Range", buf);
			state.proxy_requests++;
			state_dirty();
			answer_text(p->req, 416, "text/plain",
			    "416 Range Not Satisfiable\n");
			detach(p);
			return;
		}
		code = 206;
		p->off = p->range;
		snprintf(buf, sizeof(buf), "bytes %llu-%lld/%lld",
		    (unsigned long long)p->range, (long long)p->size - 1,
		    (long long)p->size);
		evhttp_add_header(h, "Content-Range", buf);
	}
	if (p->size >= 0) {
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)((uint64_t)p->size - p->off));
		evhttp_add_header(h, "Content-Length", buf);
	}
	if (lm[0] != '\0')
		evhttp_add_header(h, "Last-Modified", lm);
	evhttp_add_header(h, "Content-Type", "application/octet-stream");
	evhttp_add_header(h, "Accept-Ranges", "bytes");
	state.proxy_requests++;
	state_dirty();
	if (p->head) {
		evhttp_send_reply(p->req, code, status_phrase(code), NULL);
		detach(p);
		return;
	}
	evhttp_send_reply_start(p->req, code, status_phrase(code));
	p->started = true;
	p->out_ms = clock_ms();
}

/* The whole file is there and, if it teaches the chain, learnt from. */
static void
finish(struct preq *p)
{
	p->final = true;
	if (p->req == NULL)
		return;
	if (!p->started) {
		if (p->defer && p->ims > 0 && p->lm > 0 && p->lm <= p->ims) {
			state.proxy_requests++;
			state_dirty();
			evhttp_send_reply(p->req, 304, "Not Modified", NULL);
			detach(p);
			return;
		}
		send_headers(p);
	}
	pump(p);
}

static void
learnt(void *arg)
{
	struct preq	*p = arg;

	p->learning = false;
	if (p->req == NULL && !p->ahead)
		maybe_free(p);		/* the client left meanwhile */
	else
		finish(p);		/* may free p */
}

static void
reply_event(struct fetch_reply *fr, const struct fetchmsg_event *e, int fd)
{
	struct preq	*p = (struct preq *)fr;

	if (p->req == NULL && !p->learn && !p->ahead)
		return;
	switch (e->kind) {
	case FETCHMSG_START:
		if (p->started && p->off > p->range) {
			/* Restarted after a mismatch: what went out is bad. */
			log_warnx("proxy %s: download restarted, dropping the "
			    "client", p->url);
			abort_response(p);
			return;
		}
		if (p->fd >= 0)
			close(p->fd);
		p->fd = fd >= 0 ? dup(fd) : -1;
		p->have = 0;
		/* A cached file starts without its size: the chain knows it. */
		p->size = e->size >= 0 ? e->size :
		    p->hit.hashed ? p->hit.size : -1;
		p->lm = (time_t)e->last_modified;
		p->got_start = true;
		if (p->req != NULL && !p->started && !p->defer)
			send_headers(p);
		break;
	case FETCHMSG_PROGRESS:
		p->have = e->have;
		if (p->size >= 0 && p->have > (uint64_t)p->size)
			p->have = (uint64_t)p->size;
		pump(p);
		break;
	case FETCHMSG_DONE:
		if (e->ims_hit && !p->started) {
			p->ims_hit = true;
			if (p->req != NULL) {
				state.proxy_requests++;
				state_dirty();
				evhttp_send_reply(p->req, 304, "Not Modified",
				    NULL);
				detach(p);
			}
			return;
		}
		p->size = e->size;
		p->have = (uint64_t)e->size;
		if (e->last_modified > 0)
			p->lm = (time_t)e->last_modified;
		if (p->learn && p->fd >= 0) {
			p->learning = true;
			if (trust_learn(&p->u, &p->hit, p->fd, learnt, p) == 0)
				return;
			p->learning = false;
		}
		finish(p);
		break;
	case FETCHMSG_OTHER:
		break;
	}
}

/* The engine's error, as the answer to a request whose headers are not out. */
static void
answer_error(struct preq *p)
{
	struct evhttp_request *req = p->req;
	char		 text[sizeof(p->err_text)];
	int		 code = p->err_code;

	/* Detached first: the answer may close the connection, and free p. */
	memcpy(text, p->err_text, sizeof(text));
	detach(p);
	if (code >= 500)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "5");
	answer_text(req, code, "text/plain", text);
}

static void
reply_error(struct fetch_reply *fr, const char *reason, bool transient,
    const char *msg)
{
	struct preq	*p = (struct preq *)fr;

	if (p->req == NULL && !p->ahead)
		return;
	log_info("proxy %s: %s: %s", p->url, reason, msg);
	if (p->started) {
		abort_response(p);
		return;
	}
	p->err_code = reason_status(reason);
	snprintf(p->err_text, sizeof(p->err_text), "%d %s: %s\n", p->err_code,
	    reason, msg);
	if (p->req != NULL)
		answer_error(p);
}

static bool
reply_gone(const struct fetch_reply *fr)
{
	const struct preq	*p = (const struct preq *)fr;

	return p->req == NULL && !p->ahead;
}

static void
reply_release(struct fetch_reply *fr)
{
	struct preq	*p = (struct preq *)fr;

	p->released = true;
	maybe_free(p);
}

static const struct fetch_reply_ops proxy_reply_ops = {
	reply_event, reply_error, reply_gone, reply_release
};

static bool
client_allowed(const struct sockaddr *sa)
{
	struct addrscope	*a;
	char			 err[256];
	bool			 ok;

	if (sa == NULL)
		return false;
	if (scope_allows(sa))
		return true;
	if ((a = addrscope_new(conf.proxy_allow, err, sizeof(err))) == NULL)
		return false;
	ok = addrscope_allows(a, sa);
	addrscope_free(a);
	return ok;
}

/* "bytes=N-" as apt asks to resume; anything else is answered whole. */
static uint64_t
parse_range(const char *v)
{
	char			*end;
	unsigned long long	 n;

	if (v == NULL || strncmp(v, "bytes=", 6) != 0 || v[6] < '0' ||
	    v[6] > '9')
		return 0;
	errno = 0;
	n = strtoull(v + 6, &end, 10);
	if (errno != 0 || strcmp(end, "-") != 0)
		return 0;
	return n;
}

/* What a GET or HEAD asks for, from evhttp or from a head read ahead. */
struct pargs {
	bool		 head;
	const char	*target;
	size_t		 tlen;
	const char	*range;		/* NULL: absent */
	const char	*if_range;
	const char	*ims;
};

static time_t
parse_ims(const char *v, uint64_t range)
{
	time_t	t;

	if (v == NULL || range != 0 || (t = curl_getdate(v, NULL)) <= 0)
		return 0;
	return t;
}

/*
 * Check a request and start its fetch, answered on req, or read ahead
 * (req NULL: *slot takes it).  Returns 0, or the status to refuse it with
 * and *why (406: the usage page).  p may be gone when this returns: the
 * engine can answer at once.
 */
static int
begin(struct pconn *pc, struct evhttp_request *req, const struct pargs *in,
    struct preq **slot, const char **why)
{
	struct fetchmsg_req	 a;
	struct proxyurl		 u;
	struct preq		*p;
	int			 rc;

	if ((rc = proxyurl_parse(in->target, in->tlen, &u, why)) != 0)
		return rc;
	if (u.kind == PROXYURL_USAGE)
		return 406;
	if (!proxyurl_host_allowed(&u, conf.proxy_upstreams)) {
		*why = u.host_local ? "local upstream not listed in "
		    "proxy_upstreams" : "upstream not in proxy_upstreams";
		return 403;
	}
	if (px.nreqs >= PROXY_MAX_REQS) {
		*why = "too many requests in flight";
		return 503;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*why = "out of memory";
		return 503;
	}
	px.nreqs++;
	p->reply.ops = &proxy_reply_ops;
	p->fd = -1;
	p->size = -1;
	p->head = in->head;
	p->range = parse_range(in->range);
	if (in->if_range != NULL)
		snprintf(p->if_range, sizeof(p->if_range), "%s", in->if_range);
	p->ims = parse_ims(in->ims, p->range);
	snprintf(p->url, sizeof(p->url), "%s", u.url);
	if (req != NULL) {
		p->req = req;
		p->pc = pc;
		pc->cur = p;
	} else {
		p->ahead = true;
		*slot = p;
	}

	/*
	 * A host the administrator did not name may resolve, or redirect,
	 * to this machine's own services: its transfers are kept off local
	 * addresses.
	 */
	if (!proxyurl_host_listed(&u, conf.proxy_upstreams))
		ws_mirror_restrict(ws_mirror_of(u.url));
	p->u = u;
	trust_lookup(&u, &p->hit);
	p->learn = trust_wants(&u, &p->hit);
	/* An InRelease reaches the client only once gpgv has seen it. */
	p->defer = p->learn && !p->hit.hashed;

	memset(&a, 0, sizeof(a));
	a.uri = p->url;
	a.size = -1;
	if (p->hit.hashed) {
		a.has_sha256 = true;
		memcpy(a.sha256, p->hit.sha256, SHA256_LEN);
		a.size = p->hit.size;
	} else if (!p->defer)
		a.ims = p->ims;
	log_debug("proxy: %s %s (%s%s)", p->head ? "HEAD" : "GET", p->url,
	    p->hit.hashed ? "verified hash" : "passed through",
	    req == NULL ? ", read ahead" : "");
	fetch_request(&p->reply, &a);
	return 0;
}

/* Is the request read ahead the one evhttp handed over? */
static bool
same_request(const struct preq *p, const struct pargs *in)
{
	struct proxyurl	 u;
	const char	*why;
	uint64_t	 range = parse_range(in->range);

	return p->head == in->head && p->range == range &&
	    strncmp(p->if_range, in->if_range != NULL ? in->if_range : "",
	    sizeof(p->if_range) - 1) == 0 &&
	    p->ims == parse_ims(in->ims, range) &&
	    proxyurl_parse(in->target, in->tlen, &u, &why) == 0 &&
	    strcmp(p->url, u.url) == 0;
}

static void
catch_up(struct preq *p)
{
	if (p->err_code != 0) {
		answer_error(p);
		return;
	}
	if (p->ims_hit) {
		state.proxy_requests++;
		state_dirty();
		evhttp_send_reply(p->req, 304, "Not Modified", NULL);
		detach(p);
		return;
	}
	if (p->final) {
		finish(p);
		return;
	}
	if (!p->got_start || p->learning || p->defer)
		return;			/* the engine's events will come */
	send_headers(p);
	pump(p);
}

/*
 * The client asks for p, read ahead: what the engine said so far goes
 * out.  The engine may be done with p already, so the answer's end could
 * free it midway: it is held until catch_up returns.
 */
static void
attach(struct pconn *pc, struct preq *p, struct evhttp_request *req)
{
	p->ahead = false;
	p->req = req;
	p->pc = pc;
	pc->cur = p;
	p->held = true;
	catch_up(p);
	p->held = false;
	maybe_free(p);
}

/* A field of a head read ahead, as a string, or NULL when absent. */
static const char *
head_field(const struct httphead_str *f, char *buf, size_t len, bool *ok)
{
	if (f->p == NULL)
		return NULL;
	if (f->len >= len) {
		*ok = false;
		return NULL;
	}
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	return buf;
}

/*
 * Start the fetches of the requests waiting in the connection's input
 * behind the one being answered.  evhttp reads nothing more from the
 * socket until that reply ends, so the input holds whole heads after it.
 */
static void
read_ahead(struct pconn *pc)
{
	struct bufferevent	*bev;
	struct evbuffer		*in;
	struct httphead		 h;
	struct pargs		 a;
	const char		*buf, *why;
	char			 target[PROXYURL_MAX + 1], range[64], ifr[64];
	char			 ims[64];
	size_t			 len, off = 0;
	unsigned		 i;
	long			 n;
	bool			 ok;

	if (pc->ahead_stop || pc->nahead >= PROXY_AHEAD ||
	    (bev = evhttp_connection_get_bufferevent(pc->evcon)) == NULL)
		return;
	in = bufferevent_get_input(bev);
	if ((len = evbuffer_get_length(in)) == 0)
		return;
	if (len > PROXY_AHEAD * PROXY_HEADERS_MAX)
		len = PROXY_AHEAD * PROXY_HEADERS_MAX;
	if ((buf = (const char *)evbuffer_pullup(in, (ev_ssize_t)len)) == NULL)
		return;
	for (i = 0; i < PROXY_AHEAD && off < len; i++) {
		if ((n = httphead_parse(buf + off, len - off, &h)) <= 0) {
			/* Half a head waits for the rest; a bad one, forever. */
			pc->ahead_stop = n < 0;
			return;
		}
		off += (size_t)n;
		if (i < pc->nahead)
			continue;		/* started before */
		if (h.body) {
			/* Its body would be taken for the next head. */
			pc->ahead_stop = true;
			return;
		}
		pc->ahead[pc->nahead++] = NULL;
		ok = h.target.len <= PROXYURL_MAX;
		memset(&a, 0, sizeof(a));
		a.head = h.method.len == 4 && memcmp(h.method.p, "HEAD", 4) == 0;
		a.range = head_field(&h.range, range, sizeof(range), &ok);
		a.if_range = head_field(&h.if_range, ifr, sizeof(ifr), &ok);
		a.ims = head_field(&h.if_modified_since, ims, sizeof(ims), &ok);
		a.target = head_field(&h.target, target, sizeof(target), &ok);
		a.tlen = h.target.len;
		if (!ok || (!a.head && (h.method.len != 3 ||
		    memcmp(h.method.p, "GET", 3) != 0)))
			continue;		/* answered when its turn comes */
		(void)begin(pc, NULL, &a, &pc->ahead[pc->nahead - 1], &why);
		if (h.close) {
			/* Nothing after it will be answered. */
			pc->ahead_stop = true;
			return;
		}
	}
}

static void
handle(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	const char		*target = evhttp_request_get_uri(req);
	const char		*why, *v;
	struct pargs		 a;
	struct pconn		*pc;
	struct preq		*ahead;
	bool			 full;
	int			 rc;

	/*
	 * evhttp marks an absolute-URI request as a proxy request and then
	 * keeps the connection only on "Proxy-Connection: keep-alive", which
	 * apt does not send: without the mark, HTTP/1.1 keep-alive and
	 * "Connection: close" apply as to any request.
	 */
	req->flags &= ~EVHTTP_PROXY_REQUEST;
	if (!client_allowed(evhttp_connection_get_addr(evcon))) {
		refuse(req, 403, "client not in the share scope or proxy_allow");
		return;
	}
	if ((pc = pconn_of(evcon, &full)) == NULL) {
		refuse(req, 503, full ? "too many connections" :
		    "out of memory");
		return;
	}
	ahead = take_ahead(pc);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		abandon(ahead);
		refuse(req, 405, "only GET and HEAD");
		return;
	}
	if (target == NULL) {
		abandon(ahead);
		refuse(req, 400, "no request target");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.head = cmd == EVHTTP_REQ_HEAD;
	a.target = target;
	a.tlen = strlen(target);
	a.range = evhttp_find_header(in, "Range");
	a.if_range = evhttp_find_header(in, "If-Range");
	a.ims = evhttp_find_header(in, "If-Modified-Since");
	if (ahead != NULL && !same_request(ahead, &a)) {
		log_debug("proxy %s: read ahead, but asked for %s", ahead->url,
		    target);
		abandon(ahead);
		ahead = NULL;
	}
	/*
	 * The ones behind first: this one's answer may end the connection.
	 * None when this one ends it anyway.
	 */
	v = evhttp_find_header(in, "Connection");
	if (v != NULL ? strcasecmp(v, "close") != 0 : req->minor >= 1)
		read_ahead(pc);
	if (ahead != NULL) {
		attach(pc, ahead, req);
		return;
	}
	if ((rc = begin(pc, req, &a, NULL, &why)) == 406)
		answer_text(req, 406, "text/html", usage_page);
	else if (rc != 0)
		refuse(req, rc, why);
}

/*
 * A body that stopped flowing: apt gives up on a connection that brought
 * no byte for 30 s (Acquire::http::Timeout) and reports a timeout, as if
 * the proxy hung.  Before that, the reply is broken off, a clean error
 * apt retries at once; the fetch goes on into the cache, so the retry
 * takes what arrived meanwhile, from any source.
 */
static void
silence_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pconn	*pc, *next;
	struct preq	*p;
	uint64_t	 now = clock_ms();

	(void)fd;
	(void)what;
	(void)arg;
	for (pc = TAILQ_FIRST(&px.conns); pc != NULL; pc = next) {
		next = TAILQ_NEXT(pc, entry);
		p = pc->cur;
		if (p == NULL || p->req == NULL || !p->started || p->final ||
		    p->writing || now - p->out_ms < PROXY_SILENCE_MS)
			continue;
		log_info("proxy %s: no byte for the client in %u s: broken "
		    "off (%llu of %lld bytes sent)", p->url,
		    PROXY_SILENCE_MS / 1000, (unsigned long long)p->off,
		    (long long)p->size);
		state.proxy_silences++;
		state_dirty();
		abort_response(p);
	}
}

static void
restore_cb(evutil_socket_t fd, short what, void *arg)
{
	trust_restore();
}

int
proxy_init(struct event_base *base)
{
	static const struct timeval now = { 0, 0 };
	static const struct timeval tick = { 1, 0 };
	struct netaddr	a;
	char		host[NETADDR_STRLEN];
	const char	*l = conf.proxy_listen;

	if (strcmp(l, "none") == 0)
		return 0;
	if (netaddr_parse(l, strlen(l), &a) < 0 || a.port == 0)
		return -EINVAL;
	a.port = 0;
	netaddr_format(&a, host, sizeof(host));
	if ((px.http = evhttp_new(base)) == NULL)
		return -ENOMEM;
	evhttp_set_max_headers_size(px.http, PROXY_HEADERS_MAX);
	evhttp_set_max_body_size(px.http, 0);
	evhttp_set_timeout(px.http, PROXY_TIMEOUT_S);
	/* Every method reaches handle(), which answers 405, not 501. */
	evhttp_set_allowed_methods(px.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(px.http, "text/plain");
	evhttp_set_gencb(px.http, handle, NULL);
	netaddr_parse(l, strlen(l), &a);
	if ((px.bound = evhttp_bind_socket_with_handle(px.http, host,
	    a.port)) == NULL) {
		evhttp_free(px.http);
		px.http = NULL;
		return errno != 0 ? -errno : -EADDRINUSE;
	}
	if ((px.silence = event_new(base, -1, EV_PERSIST, silence_cb,
	    NULL)) == NULL || event_add(px.silence, &tick) == -1) {
		evhttp_free(px.http);
		px.http = NULL;
		return -ENOMEM;
	}
	log_info("apt proxy listening on %s", l);
	/* Once the loop runs, so are the workers and the cache. */
	event_base_once(base, -1, EV_TIMEOUT, restore_cb, NULL, &now);
	return 0;
}

void
proxy_shutdown(void)
{
	struct pconn	*pc;

	if (px.http == NULL)
		return;
	if (px.silence != NULL) {
		event_free(px.silence);
		px.silence = NULL;
	}
	/* evhttp_free frees every connection; each closecb detaches. */
	evhttp_free(px.http);
	px.http = NULL;
	while ((pc = TAILQ_FIRST(&px.conns)) != NULL) {
		if (pc->cur != NULL)
			pc->cur->req = NULL;	/* freed with its connection */
		conn_closed(pc->evcon, pc);
	}
	trust_shutdown();
}
