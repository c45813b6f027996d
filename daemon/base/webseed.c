/* SPDX-License-Identifier: ISC */
/*
 * webseed.c - libcurl multi on libevent, per-mirror statistics and backoff.
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * its next timeout is due (CURLMOPT_TIMERFUNCTION); libevent tells curl
 * what happened through curl_multi_socket_action.  Curl forbids removing
 * a handle from inside its own callbacks, so a transfer stopped there is
 * only marked, and reaped once control is back with us.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/mirrorcurl.h"
#include "daemon/base/webseed.h"

#define WS_MAX_MIRRORS		128
#define WS_MAX_HOST_CONNS	6
#define WS_CONNECT_TIMEOUT	15L	/* seconds */
/*
 * Seconds under 1 byte/s before a mirror transfer counts as stalled.  apt's
 * http method (and a proxy client's) gives up after 30 s without a byte
 * (Acquire::http::Timeout), so the daemon must see a silent mirror well
 * before that, to take the rest from another source or end with a clean
 * error while the client still waits: a stall and the one retry of a
 * mirror that had made progress take 20 s.
 */
#define WS_STALL_TIME		10L
#define WS_BACKOFF_MAX		300	/* seconds */
#define WS_RATE_WINDOW_MS	1000

struct rate {
	uint64_t	 rate;		/* bytes/s of the last window */
	uint64_t	 acc;		/* bytes in the current window */
	uint64_t	 since_ms;	/* current window start */
};

struct ws_mirror {
	TAILQ_ENTRY(ws_mirror)	 entry;
	char			*base;	/* no trailing '/' */
	bool			 configured;
	bool			 restricted;	/* no local addresses */
	uint64_t		 bytes, requests, errors;
	struct rate		 rate;
	unsigned		 active;
	unsigned		 failures;
	time_t			 backoff_until;	/* clock_s(); 0 = usable */
};
TAILQ_HEAD(mirrorq, ws_mirror);

struct ws_xfer {
	TAILQ_ENTRY(ws_xfer)	 entry;
	CURL			*easy;
	struct ws_mirror	*mirror;
	const struct ws_callbacks *cb;
	void			*arg;
	uint64_t		 start;
	bool			 ranged;
	bool			 started;	/* start callback made */
	bool			 stopped;	/* by the owner */
	bool			 cancelled;	/* no more callbacks */
	bool			 paused;
	bool			 bad_range;	/* server ignored our Range */
	int64_t			 cr_start, cr_total;	/* Content-Range */
	struct rate		 rate;
	bool			(*allow)(const struct sockaddr *);
	char			 range[48];
	char			 errbuf[CURL_ERROR_SIZE];
	struct curl_slist	*hdrs;		/* ws_post's */
};
TAILQ_HEAD(xferq, ws_xfer);

struct sockctx {
	struct event	*ev;
	curl_socket_t	 fd;
};

static struct {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct mirrorq		 mirrors;
	unsigned		 nmirrors;
	struct xferq		 xfers;
	struct xferq		 dead;	/* cancelled inside a curl callback */
	int			 in_curl;
} ws;

static void	reap(void);


static void
rate_add(struct rate *r, uint64_t n)
{
	uint64_t	t = clock_ms(), el;

	if (r->since_ms == 0)
		r->since_ms = t;
	r->acc += n;
	el = t - r->since_ms;
	if (el >= WS_RATE_WINDOW_MS) {
		r->rate = r->acc * 1000 / el;
		r->acc = 0;
		r->since_ms = t;
	}
}

static uint64_t
rate_get(const struct rate *r)
{
	uint64_t	el;

	if (r->since_ms == 0)
		return 0;
	el = clock_ms() - r->since_ms;
	/* Idle for two windows: it is not moving any more. */
	if (el >= 2 * WS_RATE_WINDOW_MS)
		return 0;
	if (el >= WS_RATE_WINDOW_MS)
		return r->acc * 1000 / el;
	return r->rate > 0 ? r->rate : (el > 100 ? r->acc * 1000 / el : 0);
}

/*
 * Mirrors.
 */
static struct ws_mirror *
mirror_find(const char *base, size_t len)
{
	struct ws_mirror	*m;

	TAILQ_FOREACH(m, &ws.mirrors, entry)
		if (strlen(m->base) == len && strncmp(m->base, base, len) == 0)
			return m;
	return NULL;
}

static struct ws_mirror *
mirror_new(const char *base, size_t len, bool configured)
{
	struct ws_mirror	*m;

	if ((m = mirror_find(base, len)) != NULL) {
		m->configured |= configured;
		return m;
	}
	if (ws.nmirrors >= WS_MAX_MIRRORS && !configured) {
		/* Reuse an idle host entry rather than grow without bound. */
		TAILQ_FOREACH(m, &ws.mirrors, entry)
			if (!m->configured && m->active == 0)
				break;
		if (m == NULL)
			return NULL;
		TAILQ_REMOVE(&ws.mirrors, m, entry);
		free(m->base);
		free(m);
		ws.nmirrors--;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->base = strndup(base, len)) == NULL) {
		free(m);
		return NULL;
	}
	m->configured = configured;
	if (configured)
		TAILQ_INSERT_HEAD(&ws.mirrors, m, entry);
	else
		TAILQ_INSERT_TAIL(&ws.mirrors, m, entry);
	ws.nmirrors++;
	return m;
}

/* Does url lie under base (at a path boundary)? */
static bool
under(const char *url, const char *base)
{
	size_t	n = strlen(base);

	return strncmp(url, base, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

int
webseed_set_mirrors(const char *list)
{
	struct ws_mirror	*m;
	const char		*p = list ? list : "";
	size_t			 len;

	TAILQ_FOREACH(m, &ws.mirrors, entry)
		m->configured = false;
	while (*p != '\0') {
		p += strspn(p, " \t\n,");
		len = strcspn(p, " \t\n,");
		if (len == 0)
			break;
		while (len > 0 && p[len - 1] == '/')
			len--;
		if (len > 0 && strstr(p, "://") != NULL &&
		    mirror_new(p, len, true) == NULL)
			return -ENOMEM;
		p += len;
		p += strcspn(p, " \t\n,");
	}
	return 0;
}

/* The scheme and host part of url, as its length; 0 if it has none. */
static size_t
origin_len(const char *url)
{
	const char	*host, *end;

	if ((host = strstr(url, "://")) == NULL)
		return 0;
	host += 3;
	end = host + strcspn(host, "/?#");
	return end == host ? 0 : (size_t)(end - url);
}

/* The configured mirror whose base the URL lies under, if any. */
static struct ws_mirror *
configured_for(const char *url)
{
	struct ws_mirror	*m;

	TAILQ_FOREACH(m, &ws.mirrors, entry)
		if (m->configured && under(url, m->base))
			return m;
	return NULL;
}

bool
ws_mirror_known(const char *url)
{
	size_t	n;

	return configured_for(url) != NULL ||
	    ((n = origin_len(url)) > 0 && mirror_find(url, n) != NULL);
}

struct ws_mirror *
ws_mirror_of(const char *url)
{
	struct ws_mirror	*m;
	size_t			 n;

	if ((m = configured_for(url)) != NULL)
		return m;
	if ((n = origin_len(url)) == 0)
		return NULL;
	return mirror_new(url, n, false);
}

size_t
ws_alternates(const char *url, char **out, struct ws_mirror **mout,
    size_t max)
{
	struct ws_mirror	*m, *self;
	const char		*rest;
	size_t			 n = 0;

	if ((self = configured_for(url)) == NULL)
		return 0;
	rest = url + strlen(self->base);
	TAILQ_FOREACH(m, &ws.mirrors, entry) {
		if (!m->configured || m == self || n == max)
			continue;
		if (asprintf(&out[n], "%s%s", m->base, rest) == -1)
			break;
		mout[n++] = m;
	}
	return n;
}

bool
ws_mirror_usable(const struct ws_mirror *m)
{
	return m->backoff_until == 0 || clock_s() >= m->backoff_until;
}

uint64_t
ws_mirror_rate(const struct ws_mirror *m)
{
	return rate_get(&m->rate);
}

void
ws_mirror_get_stats(const struct ws_mirror *m, struct ws_mirror_stats *st)
{
	st->name = m->base;
	st->configured = m->configured;
	st->bytes = m->bytes;
	st->requests = m->requests;
	st->errors = m->errors;
	st->rate = rate_get(&m->rate);
	st->active = m->active;
	st->failures = m->failures;
	/* Counted on the monotonic clock, shown as a date. */
	st->backoff_until = ws_mirror_usable(m) ? 0 :
	    time(NULL) + (m->backoff_until - clock_s());
}

void
ws_mirror_foreach(void (*cb)(const struct ws_mirror_stats *, void *),
    void *arg)
{
	struct ws_mirror	*m;
	struct ws_mirror_stats	 st;

	TAILQ_FOREACH(m, &ws.mirrors, entry) {
		ws_mirror_get_stats(m, &st);
		cb(&st, arg);
	}
}

static void
mirror_failed(struct ws_mirror *m)
{
	unsigned	shift;

	m->errors++;
	m->failures++;
	shift = m->failures > 9 ? 9 : m->failures - 1;
	m->backoff_until = clock_s() + ((1 << shift) < WS_BACKOFF_MAX ?
	    (1 << shift) : WS_BACKOFF_MAX);
}

static void
mirror_result(struct ws_mirror *m, const struct ws_result *r)
{
	m->active--;
	if (r->ok && !r->stopped && !r->not_modified)
		m->failures = 0, m->backoff_until = 0;
	else if (!r->ok && r->mirror_fault)
		mirror_failed(m);
	else if (!r->ok)
		m->errors++;
}

/*
 * The curl <-> libevent glue.
 */
static void
after_curl(void)
{
	CURLMsg		*msg;
	struct ws_xfer	*x;
	int		 left;
	struct ws_result r;
	struct mcurl_fail f;
	long		 code = 0;
	CURL		*easy;

	while ((msg = curl_multi_info_read(ws.multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		/* Cancelled ones sit on the dead list; reap() frees them. */
		if (x->cancelled)
			continue;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		memset(&r, 0, sizeof(r));
		r.code = code;
		if (msg->data.result == CURLE_OK) {
			long	unmet = 0;

			r.ok = true;
			curl_easy_getinfo(easy, CURLINFO_CONDITION_UNMET, &unmet);
			r.not_modified = code == 304 || unmet != 0;
		} else if (msg->data.result == CURLE_WRITE_ERROR &&
		    (x->stopped || x->cancelled)) {
			r.ok = true;
			r.stopped = true;
		} else {
			CURLcode	rc = msg->data.result;

			/*
			 * No status line at all (curl takes it for HTTP/0.9):
			 * the server's fault, not the URL's, as when a mirror
			 * sent more than its Content-Length down a connection
			 * kept alive.
			 */
			if (rc == CURLE_UNSUPPORTED_PROTOCOL && code == 0)
				rc = CURLE_WEIRD_SERVER_REPLY;
			/* Our write callback refused a body that ignored Range. */
			mcurl_fail(&f, x->bad_range ? CURLE_RANGE_ERROR : rc,
			    code);
			snprintf(r.reason, sizeof(r.reason), "%s", f.reason);
			r.transient = f.transient;
			r.mirror_fault = f.mirror_fault;
		}
		if (!r.ok)
			snprintf(r.msg, sizeof(r.msg), "%s: %s",
			    x->mirror != NULL ? x->mirror->base : "request",
			    x->errbuf[0] ? x->errbuf : f.text);
		curl_multi_remove_handle(ws.multi, easy);
		TAILQ_REMOVE(&ws.xfers, x, entry);
		if (x->mirror != NULL)	/* ws_get's belong to no mirror */
			mirror_result(x->mirror, &r);
		if (!x->cancelled && r.ok && !r.not_modified && !r.stopped &&
		    !x->started) {
			/* An empty body never reached the write callback. */
			struct ws_resp	resp = { code, x->start, 0, -1 };

			x->started = true;
			if (!x->cb->start(x->arg, &resp))
				r.stopped = true;
		}
		if (!x->cancelled)
			x->cb->done(x->arg, &r);
		curl_easy_cleanup(easy);
		curl_slist_free_all(x->hdrs);
		free(x);
	}
	reap();
}

static void
socket_action(curl_socket_t fd, int flags)
{
	int	running;

	ws.in_curl++;
	curl_multi_socket_action(ws.multi, fd, flags, &running);
	ws.in_curl--;
	after_curl();
}

static void
event_cb(evutil_socket_t fd, short what, void *arg)
{
	int	flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	socket_action(fd, flags);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	socket_action(CURL_SOCKET_TIMEOUT, 0);
}

static int
sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct sockctx	*sc = sockp;
	short		 kind;

	if (what == CURL_POLL_REMOVE) {
		if (sc != NULL) {
			event_free(sc->ev);
			free(sc);
			curl_multi_assign(ws.multi, fd, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (sc == NULL) {
		if ((sc = calloc(1, sizeof(*sc))) == NULL)
			return -1;
		sc->fd = fd;
		curl_multi_assign(ws.multi, fd, sc);
	} else {
		event_free(sc->ev);
	}
	sc->ev = event_new(ws.base, fd, kind, event_cb, NULL);
	if (sc->ev == NULL || event_add(sc->ev, NULL) == -1)
		return -1;
	return 0;
}

static int
timer_set_cb(CURLM *m, long ms, void *userp)
{
	struct timeval	tv;

	if (ms < 0) {
		evtimer_del(ws.timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ws.timer, &tv);
	return 0;
}

/* Content-Range tells where a 206 body starts and the file's size. */
static size_t
header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct ws_xfer	*x = arg;
	size_t		 len = size * n;
	char		 line[256];
	long long	 a, b, t;

	if (len >= sizeof(line))
		return len;
	memcpy(line, buf, len);
	line[len] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		x->cr_start = -1;
		x->cr_total = -1;
	} else if (strncasecmp(line, "Content-Range:", 14) == 0) {
		if (sscanf(line + 14, " bytes %lld-%lld/%lld", &a, &b, &t) == 3) {
			x->cr_start = a;
			x->cr_total = t;
		} else if (sscanf(line + 14, " bytes %lld-%lld/*", &a, &b) == 2) {
			x->cr_start = a;
		}
	}
	return len;
}

static bool
begin_body(struct ws_xfer *x)
{
	struct ws_resp	 r;
	curl_off_t	 len = -1;
	long		 ft = -1;
	const char	*scheme = NULL;
	bool		 http;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.code);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	curl_easy_getinfo(x->easy, CURLINFO_FILETIME, &ft);
	curl_easy_getinfo(x->easy, CURLINFO_SCHEME, &scheme);
	http = scheme != NULL && strncasecmp(scheme, "http", 4) == 0;
	r.last_modified = ft;
	r.start = 0;
	r.total = len;
	if (http && r.code == 206) {
		if (x->cr_start < 0 || (uint64_t)x->cr_start != x->start) {
			x->bad_range = true;
			return false;
		}
		r.start = x->start;
		r.total = x->cr_total;
	} else if (http && x->ranged && x->start > 0) {
		/* A 200 to a ranged request: this server ignores ranges. */
		x->bad_range = true;
		return false;
	} else if (!http) {
		r.start = x->start;
		/*
		 * FTP reports the size of what it sends: the file's rest for
		 * an open range ("a-"), only the range's length for a closed
		 * one ("a-b"), which says nothing of the file's size.
		 */
		if (x->range[0] != '\0' && x->range[strlen(x->range) - 1] != '-')
			r.total = -1;
		else
			r.total = len >= 0 ? (int64_t)x->start + len : -1;
	}
	x->started = true;
	return x->cb->start(x->arg, &r);
}

static void
count_bytes(struct ws_xfer *x, size_t len)
{
	if (x->mirror != NULL) {
		x->mirror->bytes += len;
		rate_add(&x->mirror->rate, len);
	}
	rate_add(&x->rate, len);
}

static size_t
write_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct ws_xfer	*x = arg;
	size_t		 len = size * n;

	if (x->cancelled || x->stopped)
		return 0;
	if (!x->started && !begin_body(x)) {
		if (!x->bad_range)
			x->stopped = true;
		return 0;
	}
	switch (x->cb->data(x->arg, (const uint8_t *)buf, len)) {
	case WS_DATA_TAKEN:
		break;
	case WS_DATA_PAUSE:
		x->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	case WS_DATA_STOP:
	default:
		x->stopped = true;
		/* Count what it did take: everything up to the stop. */
		count_bytes(x, len);
		return 0;
	}
	count_bytes(x, len);
	return len;
}

void
ws_mirror_restrict(struct ws_mirror *m)
{
	if (m != NULL && !m->configured)
		m->restricted = true;
}

/* Loopback, link-local, unspecified (also IPv4-mapped): not for strangers. */
static bool
addr_local(const struct sockaddr *sa)
{
	const uint8_t		*a;
	const struct in6_addr	*a6;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		return a[0] == 127 || a[0] == 0 || (a[0] == 169 && a[1] == 254);
	}
	if (sa->sa_family != AF_INET6)
		return true;
	a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6)) {
		a = a6->s6_addr + 12;
		return a[0] == 127 || a[0] == 0 || (a[0] == 169 && a[1] == 254);
	}
	return IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_UNSPECIFIED(a6) ||
	    IN6_IS_ADDR_LINKLOCAL(a6) || IN6_IS_ADDR_MULTICAST(a6);
}

/* curl's socket for a restricted mirror: refused for a local address. */
static curl_socket_t
open_public(void *arg, curlsocktype purpose, struct curl_sockaddr *ca)
{
	struct ws_xfer	*x = arg;

	if (addr_local(&ca->addr)) {
		log_warnx("webseed %s: refusing to connect to a local address "
		    "(its name or a redirect points there)", x->mirror->base);
		return CURL_SOCKET_BAD;
	}
	return socket(ca->family, ca->socktype | SOCK_CLOEXEC, ca->protocol);
}

/*
 * A transfer on the multi handle, set up as every one is: our curl
 * options (common/mirrorcurl.h), the body and headers to write_cb and
 * header_cb, curl's message in errbuf, HTTP errors as failures.  NULL on
 * ENOMEM or a URL curl refuses.
 */
static struct ws_xfer *
xfer_new(const char *url, long connect_timeout, long stall_time,
    const struct ws_callbacks *cb, void *arg)
{
	struct ws_xfer	*x;
	CURL		*e;

	if (ws.multi == NULL || (x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((e = curl_easy_init()) == NULL) {
		free(x);
		return NULL;
	}
	x->easy = e;
	x->cb = cb;
	x->arg = arg;
	x->cr_start = x->cr_total = -1;
	if (mcurl_setup(e, url, connect_timeout, stall_time) < 0) {
		curl_easy_cleanup(e);
		free(x);
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	return x;
}

struct ws_xfer *
ws_fetch(struct ws_mirror *m, const char *url, uint64_t start, uint64_t end,
    time_t ims, const struct ws_callbacks *cb, void *arg)
{
	struct ws_xfer	*x;
	CURL		*e;

	if ((x = xfer_new(url, WS_CONNECT_TIMEOUT, WS_STALL_TIME, cb,
	    arg)) == NULL)
		return NULL;
	e = x->easy;
	x->mirror = m;
	x->start = start;
	if (m->restricted) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_public);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	}
	if (start > 0 || end > 0) {
		if (end > 0)
			snprintf(x->range, sizeof(x->range), "%llu-%llu",
			    (unsigned long long)start,
			    (unsigned long long)end - 1);
		else
			snprintf(x->range, sizeof(x->range), "%llu-",
			    (unsigned long long)start);
		curl_easy_setopt(e, CURLOPT_RANGE, x->range);
		x->ranged = true;
	}
	if (ims > 0) {
		curl_easy_setopt(e, CURLOPT_TIMECONDITION,
		    (long)CURL_TIMECOND_IFMODSINCE);
		curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)ims);
	}
	if (curl_multi_add_handle(ws.multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		free(x);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ws.xfers, x, entry);
	m->requests++;
	m->active++;
	return x;
}

/* Ask the owner before connecting anywhere (ws_get's allow). */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct ws_xfer	*x = arg;

	if (x->allow != NULL && !x->allow(&a->addr))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ws_get and ws_post: body NULL for a GET. */
static struct ws_xfer *
plain_xfer(const char *url, long timeout,
    bool (*allow)(const struct sockaddr *), const uint8_t *body, size_t len,
    const struct ws_callbacks *cb, void *arg)
{
	struct ws_xfer	*x;
	CURL		*e;

	if ((x = xfer_new(url, timeout, timeout, cb, arg)) == NULL)
		return NULL;
	e = x->easy;
	x->allow = allow;
	/* Whoever answers must answer here, not send us elsewhere. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout);
	if (allow != NULL) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	}
	if (body != NULL) {
		/* No "Expect: 100-continue" round trip for a small body. */
		if ((x->hdrs = curl_slist_append(NULL, "Expect:")) == NULL ||
		    curl_slist_append(x->hdrs, "Content-Type: "
		    "application/x-bittorrent") == NULL) {
			curl_slist_free_all(x->hdrs);
			curl_easy_cleanup(e);
			free(x);
			return NULL;
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
	}
	if (curl_multi_add_handle(ws.multi, e) != CURLM_OK) {
		curl_slist_free_all(x->hdrs);
		curl_easy_cleanup(e);
		free(x);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ws.xfers, x, entry);
	return x;
}

struct ws_xfer *
ws_get(const char *url, long timeout,
    bool (*allow)(const struct sockaddr *), const struct ws_callbacks *cb,
    void *arg)
{
	return plain_xfer(url, timeout, allow, NULL, 0, cb, arg);
}

struct ws_xfer *
ws_post(const char *url, long timeout,
    bool (*allow)(const struct sockaddr *), const uint8_t *body, size_t len,
    const struct ws_callbacks *cb, void *arg)
{
	return plain_xfer(url, timeout, allow, body, len, cb, arg);
}

static void
xfer_free(struct ws_xfer *x)
{
	curl_multi_remove_handle(ws.multi, x->easy);
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	if (x->mirror != NULL)
		x->mirror->active--;
	free(x);
}

static void
reap(void)
{
	struct ws_xfer	*x;

	if (ws.in_curl)
		return;
	while ((x = TAILQ_FIRST(&ws.dead)) != NULL) {
		TAILQ_REMOVE(&ws.dead, x, entry);
		xfer_free(x);
	}
}

void
ws_cancel(struct ws_xfer *x)
{
	if (x == NULL || x->cancelled)
		return;
	x->cancelled = true;
	TAILQ_REMOVE(&ws.xfers, x, entry);
	TAILQ_INSERT_TAIL(&ws.dead, x, entry);
	reap();
}

void
ws_resume(struct ws_xfer *x)
{
	if (x == NULL || !x->paused || x->cancelled)
		return;
	x->paused = false;
	/* Unpausing may deliver data at once, through our callbacks. */
	ws.in_curl++;
	curl_easy_pause(x->easy, CURLPAUSE_CONT);
	ws.in_curl--;
	after_curl();
}

uint64_t
ws_xfer_rate(const struct ws_xfer *x)
{
	return rate_get(&x->rate);
}

int
webseed_init(struct event_base *base)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	ws.base = base;
	TAILQ_INIT(&ws.mirrors);
	TAILQ_INIT(&ws.xfers);
	TAILQ_INIT(&ws.dead);
	if ((ws.multi = curl_multi_init()) == NULL ||
	    (ws.timer = evtimer_new(base, timer_cb, NULL)) == NULL) {
		webseed_shutdown();
		return -ENOMEM;
	}
	curl_multi_setopt(ws.multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(ws.multi, CURLMOPT_TIMERFUNCTION, timer_set_cb);
	curl_multi_setopt(ws.multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)WS_MAX_HOST_CONNS);
	/*
	 * curl's default cache keeps four connections per transfer running,
	 * so between bursts of apt's requests it closed connections it would
	 * open again a moment later; keep idle ones for reuse instead.
	 */
	curl_multi_setopt(ws.multi, CURLMOPT_MAXCONNECTS, 64L);
	return 0;
}

void
webseed_shutdown(void)
{
	struct ws_xfer		*x;
	struct ws_mirror	*m;

	while ((x = TAILQ_FIRST(&ws.xfers)) != NULL) {
		TAILQ_REMOVE(&ws.xfers, x, entry);
		xfer_free(x);
	}
	reap();
	if (ws.multi != NULL)
		curl_multi_cleanup(ws.multi);
	if (ws.timer != NULL)
		event_free(ws.timer);
	while ((m = TAILQ_FIRST(&ws.mirrors)) != NULL) {
		TAILQ_REMOVE(&ws.mirrors, m, entry);
		free(m->base);
		free(m);
	}
	memset(&ws, 0, sizeof(ws));
	curl_global_cleanup();
}
