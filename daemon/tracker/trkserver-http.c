/* SPDX-License-Identifier: ISC */
/*
 * trkserver-http.c - the embedded tracker over HTTP: GET /announce,
 * GET /scrape, POST /aptbt/seeds (httpmsg.h says what each carries).
 *
 * evhttp parses; its bounds refuse what is too big before we see it
 * (HTTP_MAX_HEADERS of request head, THTTP_SEEDS_BODY of body: 413).
 * base/httpcap.h counts the connections and pauses the listener at
 * HTTP_MAX_CONNS.  Every answer a tracker client reads is a 200 with a
 * bencoded body, a failure reason when the request was bad or over its
 * rate (BEP 3); paths we do not serve are 404 and other methods 405.
 *
 * Cost: an announce is mostly evhttp's (a connection, a request, their
 * buffers and events, the URI it parses); what is ours stays small.
 * The query is parsed once, by httpmsg.c, from the URI evhttp parsed;
 * a bencoded reply has no header beyond what HTTP/1.1 needs, its Date
 * made once a second; IPv4 clients have a listener of their own; a new
 * connection is not watched for writing before it has a reply
 * (base/httpcap.c).  tests/bench/tracker-udp.sh counts the instructions.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "common/bencode.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xchgmsg.h"
#include "daemon/base/httpcap.h"
#include "daemon/tracker/cluster.h"
#include "daemon/tracker/httpmsg.h"
#include "daemon/tracker/trkserver.h"

#define HTTP_MAX_CONNS		256
#define HTTP_MAX_HEADERS	8192
#define HTTP_TIMEOUT_S		10

static struct {
	struct evhttp			*http;
	struct httpcap			 cap;
	struct bytebuf			 out;
	struct swarms_peer		 p4[1000], p6[1000];
} web = { .cap.max = HTTP_MAX_CONNS };

/* type NULL: no Content-Type (evhttp adds none: see trkhttp_start). */
static void
send_body(struct evhttp_request *req, int code, const char *reason,
    const char *type, const void *body, size_t len)
{
	struct evbuffer		*b = evhttp_request_get_output_buffer(req);

	if (type != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", type);
	evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason, NULL);
}

/*
 * The two headers evhttp adds to an HTTP/1.1 reply, Date and
 * Content-Length, made cheaper: evhttp formats the date with gmtime and
 * a printf for every reply (a tenth of an announce), here it is made
 * again only when a second has passed on the monotonic clock (the date
 * itself is libevent's reading of the wall clock).  The version is read
 * from the request's structure: libevent 2.1 has no accessor for it.
 */
static void
add_http11_headers(struct evhttp_request *req, size_t len)
{
	static char		 date[64];
	static bool		 dated;
	static time_t		 date_at;
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 n[24], *p = n + sizeof(n);
	time_t			 now = clock_s();

	if (req->major != 1 || req->minor < 1)
		return;
	if ((!dated || now != date_at) &&
	    evutil_date_rfc1123(date, sizeof(date), NULL) > 0) {
		dated = true;
		date_at = now;
	}
	if (dated)
		evhttp_add_header(h, "Date", date);
	*--p = '\0';
	do {
		*--p = (char)('0' + len % 10);
		len /= 10;
	} while (len != 0);
	evhttp_add_header(h, "Content-Length", p);
}

/*
 * A bencoded 200: the reply built in web.out, with no header of ours
 * beyond what HTTP/1.1 needs.  BitTorrent clients read the body whatever
 * its type, and each header costs evhttp three allocations and a printf.
 */
static void
send_benc(struct evhttp_request *req)
{
	if (bytebuf_failed(&web.out)) {
		send_body(req, 503, "Service Unavailable", NULL, "", 0);
		return;
	}
	add_http11_headers(req, web.out.len);
	send_body(req, 200, "OK", NULL, web.out.data, web.out.len);
}

static void
send_failure(struct evhttp_request *req, const char *why)
{
	bytebuf_reset(&web.out);
	thttp_put_failure(&web.out, why);
	send_benc(req);
}

static void
send_status(struct evhttp_request *req, int code, const char *reason)
{
	char	line[64];
	int	n = snprintf(line, sizeof(line), "%d %s\n", code, reason);

	send_body(req, code, reason, "text/plain; charset=utf-8", line,
	    (size_t)n);
}

static const struct sockaddr *
source(struct evhttp_request *req)
{
	struct evhttp_connection	*c = evhttp_request_get_connection(req);

	return c != NULL ? evhttp_connection_get_addr(c) : NULL;
}

static const char *
query_of(struct evhttp_request *req, size_t *len)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*q = uri != NULL ? evhttp_uri_get_query(uri) :
				    NULL;

	*len = q != NULL ? strlen(q) : 0;
	return q;
}

static void
do_announce(struct evhttp_request *req, const struct sockaddr *sa)
{
	struct thttp_announce	 a;
	struct thttp_reply	 r = { 0 };
	struct swarms_counts	 c;
	struct swarms_peer	 me;
	const char		*q, *why;
	size_t			 qlen, want;
	uint32_t		 now = trk_now();
	int			 rc;

	q = query_of(req, &qlen);
	if ((why = thttp_parse_announce(q, qlen, &a)) != NULL) {
		trk.n.malformed++;
		send_failure(req, why);
		return;
	}
	if (!trk_peer_of(sa, a.port, a.has_left && a.left == 0, &me)) {
		send_failure(req, "no source address");
		return;
	}
	rc = swarms_announce(trk.swarms, a.info_hash, &me, a.event,
	    SWARMS_LOCAL, 0, now);
	if (rc == -ENOSPC) {
		send_failure(req, "tracker full");
		return;
	}
	trk.n.announces++;
	want = a.event == TRK_EV_STOPPED ? 0 : trk_numwant(a.numwant);
	r.peers4 = web.p4;
	r.peers6 = web.p6;
	r.n4 = swarms_select(trk.swarms, a.info_hash, &me, 4, want, now,
	    web.p4);
	r.n6 = swarms_select(trk.swarms, a.info_hash, &me, 6, want, now,
	    web.p6);
	swarms_scrape(trk.swarms, a.info_hash, &c);
	r.complete = c.complete;
	r.incomplete = c.incomplete;
	r.interval = trk.interval;
	r.min_interval = trk.interval / 2;
	bytebuf_reset(&web.out);
	thttp_put_announce(&web.out, &r);
	send_benc(req);
}

static void
do_scrape(struct evhttp_request *req, const struct sockaddr *sa)
{
	uint8_t			 h[THTTP_SCRAPE_MAX][20];
	struct swarms_counts	 c[THTTP_SCRAPE_MAX];
	const char		*q, *why;
	size_t			 qlen, n, i;

	(void)sa;
	q = query_of(req, &qlen);
	if ((why = thttp_parse_scrape(q, qlen, h, &n)) != NULL) {
		trk.n.malformed++;
		send_failure(req, why);
		return;
	}
	trk.n.scrapes++;
	for (i = 0; i < n; i++)
		swarms_scrape(trk.swarms, h[i], &c[i]);
	bytebuf_reset(&web.out);
	thttp_put_scrape(&web.out, (const uint8_t (*)[20])h, c, n);
	send_benc(req);
}

static void
do_seeds(struct evhttp_request *req, const struct sockaddr *sa)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct thttp_seeds	 s;
	struct swarms_peer	 me;
	const uint8_t		*body;
	const char		*why;
	size_t			 len = evbuffer_get_length(in), i, count = 0;
	uint32_t		 now = trk_now();
	int			 rc;

	if (len > THTTP_SEEDS_BODY) {
		trk.n.malformed++;
		send_status(req, 413, "Payload Too Large");
		return;
	}
	body = evbuffer_pullup(in, -1);
	if ((why = thttp_parse_seeds(body, len, &s)) != NULL) {
		trk.n.malformed++;
		send_failure(req, why);
		return;
	}
	if (!trk_peer_of(sa, s.port, true, &me)) {
		send_failure(req, "no source address");
		return;
	}
	trk.n.seed_batches++;
	for (i = 0; i < s.n; i++) {
		rc = swarms_announce(trk.swarms, s.hashes + 20 * i, &me,
		    s.event, SWARMS_LOCAL, 0, now);
		count += rc > 0;
	}
	trk.n.seed_hashes += count;
	bytebuf_reset(&web.out);
	thttp_put_seeds(&web.out, trk.interval, count);
	send_benc(req);
}

/* Another site's tracker (tracker_peers): trkpeers.h. */
static void
do_exchange(struct evhttp_request *req, const struct sockaddr *sa)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	size_t			 len = evbuffer_get_length(in), outlen = 0;
	const uint8_t		*body, *out = NULL;
	int			 code;

	if (len > XCHG_MAX_BODY) {
		send_status(req, 413, "Payload Too Large");
		return;
	}
	body = evbuffer_pullup(in, -1);
	code = cluster_exchange(sa, body != NULL ? body : (const uint8_t *)"",
	    len, &out, &outlen);
	if (code == 200)
		send_body(req, 200, "OK", XCHG_CONTENT_TYPE, out, outlen);
	else if (code == 403)
		send_status(req, 403, "Forbidden");
	else if (code == 404)
		send_status(req, 404, "Not Found");
	else
		send_status(req, 400, "Bad Request");
}

static const struct route {
	const char	*path;
	enum evhttp_cmd_type method;
	void		(*run)(struct evhttp_request *, const struct sockaddr *);
} routes[] = {
	{ "/announce", EVHTTP_REQ_GET, do_announce },
	{ "/scrape", EVHTTP_REQ_GET, do_scrape },
	{ THTTP_SEEDS_PATH, EVHTTP_REQ_POST, do_seeds },
	{ XCHG_PATH, EVHTTP_REQ_POST, do_exchange },
};

static void
handle(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const struct sockaddr	*sa = source(req);
	const char		*path;
	size_t			 i;

	(void)arg;
	if (sa == NULL) {
		send_status(req, 400, "Bad Request");
		return;
	}
	if (!trk_admit(sa, false)) {
		send_failure(req, "rate limited: try again later");
		return;
	}
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	for (i = 0; path != NULL && i < sizeof(routes) / sizeof(routes[0]);
	    i++)
		if (strcmp(path, routes[i].path) == 0)
			break;
	if (path == NULL || i == sizeof(routes) / sizeof(routes[0])) {
		trk.n.malformed++;
		send_status(req, 404, "Not Found");
		return;
	}
	if (evhttp_request_get_command(req) != routes[i].method) {
		trk.n.malformed++;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", routes[i].method == EVHTTP_REQ_GET ? "GET" :
		    "POST");
		send_status(req, 405, "Method Not Allowed");
		return;
	}
	routes[i].run(req, sa);
}

/*
 * A listener on port of one family, bound to any address; IPv6 only
 * takes IPv6 (IPV6_V6ONLY): IPv4 clients come to their own socket, and
 * evhttp names each of them with getnameinfo of an IPv4 address, half
 * the work of an IPv4-mapped one.  NULL (errno set) when it cannot be.
 */
static struct evconnlistener *
listen_on(struct event_base *base, int family, uint16_t port)
{
	struct sockaddr_in6	 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	struct evconnlistener	*l;
	int			 fd, on = 1, e;

	sin6.sin6_port = sin.sin_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if ((fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return NULL;
	if (evutil_make_listen_socket_reuseable(fd) == -1 ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1) ||
	    (family == AF_INET6 ? bind(fd, (struct sockaddr *)&sin6,
	    sizeof(sin6)) : bind(fd, (struct sockaddr *)&sin,
	    sizeof(sin))) == -1 ||
	    (l = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC, 128, fd)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	return l;
}

/*
 * IPv4 and IPv6 each on its own listener; either may be missing (a
 * host without IPv6, or without IPv4), not both.
 */
int
trkhttp_start(struct event_base *base, uint16_t port)
{
	static const int	 families[HTTPCAP_BOUND] = { AF_INET, AF_INET6 };
	struct evconnlistener	*l;
	size_t			 i, n = 0;
	int			 e = EADDRNOTAVAIL;

	if ((web.http = evhttp_new(base)) == NULL)
		return -ENOMEM;
	httpcap_attach(&web.cap, web.http);
	evhttp_set_gencb(web.http, handle, NULL);
	/* Not "text/html; charset=ISO-8859-1" to every reply: none. */
	evhttp_set_default_content_type(web.http, NULL);
	evhttp_set_timeout(web.http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(web.http, HTTP_MAX_HEADERS);
	/* The larger of the two bodies; each checks its own bound. */
	evhttp_set_max_body_size(web.http, XCHG_MAX_BODY > THTTP_SEEDS_BODY ?
	    XCHG_MAX_BODY : THTTP_SEEDS_BODY);
	evhttp_set_allowed_methods(web.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS);
	for (i = 0; i < HTTPCAP_BOUND; i++) {
		if ((l = listen_on(base, families[i], port)) == NULL) {
			/* The IPv4 error is the one to tell. */
			if (n == 0 && i == 0)
				e = errno != 0 ? errno : EADDRNOTAVAIL;
			if (i == 0)
				log_warnx("embedded tracker: no HTTP over IPv4 "
				    "on port %u: %s", port, strerror(errno));
			continue;
		}
		if ((web.cap.bound[i] = evhttp_bind_listener(web.http,
		    l)) == NULL) {
			e = errno != 0 ? errno : ENOMEM;
			evconnlistener_free(l);
			continue;
		}
		n++;
	}
	if (n == 0) {
		log_warnx("embedded tracker: no HTTP on port %u: %s", port,
		    strerror(e));
		httpcap_detach(&web.cap);
		evhttp_free(web.http);
		web.http = NULL;
		return -e;
	}
	return 0;
}

void
trkhttp_stop(void)
{
	if (web.http != NULL) {
		httpcap_detach(&web.cap);
		evhttp_free(web.http);
		web.http = NULL;
	}
	bytebuf_free(&web.out);
}
