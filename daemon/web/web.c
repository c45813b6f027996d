/* SPDX-License-Identifier: ISC */
/*
 * web.c - the HTTP listener: limits, the route table, the answers.
 *
 * evhttp does the parsing; base/httpcap.h counts the connections and
 * pauses the listener while WEB_MAX_CONNS are open.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "common/log.h"
#include "common/netaddr.h"
#include "daemon/base/httpcap.h"
#include "daemon/web/render.h"
#include "daemon/web/web.h"

static struct {
	struct event_base		*base;
	struct evhttp			*http;
	struct httpcap			 cap;
	char				*addr;
} web = { .cap.max = WEB_MAX_CONNS };

static const struct route {
	const char	*path;
	const char	*type;
	void		(*render)(struct evbuffer *);
} routes[] = {
	{ "/", "text/html; charset=utf-8", render_page },
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8",
	    render_metrics },
};

/* The page fetches nothing; this makes a browser refuse to, too. */
#define CSP	"default-src 'none'; style-src 'unsafe-inline'; " \
		"form-action 'none'; frame-ancestors 'none'"

static void
send_error(struct evhttp_request *req, int code, const char *reason)
{
	struct evbuffer	*b = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(b, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, NULL);
}

static void
handle(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b;
	const char		*path;
	size_t			 i;

	(void)arg;
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		break;
	default:
		evhttp_add_header(h, "Allow", "GET, HEAD");
		send_error(req, 405, "Method Not Allowed");
		return;
	}
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	for (i = 0; path != NULL && i < sizeof(routes) / sizeof(routes[0]);
	    i++)
		if (strcmp(path, routes[i].path) == 0)
			break;
	if (path == NULL || i == sizeof(routes) / sizeof(routes[0])) {
		send_error(req, 404, "Not Found");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		send_error(req, 503, "Service Unavailable");
		return;
	}
	routes[i].render(b);
	evhttp_add_header(h, "Content-Type", routes[i].type);
	evhttp_add_header(h, "Content-Security-Policy", CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static bool
disabled(const char *addr)
{
	return addr == NULL || addr[0] == '\0' || strcmp(addr, "none") == 0;
}

static int
listen_on(const char *addr)
{
	struct netaddr		 na;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct evconnlistener	*l;
	socklen_t		 sslen;

	if (netaddr_parse(addr, strlen(addr), &na) != 0 || na.port == 0) {
		log_warnx("status_listen \"%s\" is not ADDRESS:PORT", addr);
		return -EINVAL;
	}
	/* Numeric already: no resolver on the loop. */
	memset(&ss, 0, sizeof(ss));
	if (na.family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, na.addr, 4);
		sin->sin_port = htons(na.port);
		sslen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, na.addr, 16);
		sin6->sin6_port = htons(na.port);
		sslen = sizeof(*sin6);
	}
	if ((web.http = evhttp_new(web.base)) == NULL)
		return -ENOMEM;
	httpcap_attach(&web.cap, web.http);
	evhttp_set_gencb(web.http, handle, NULL);
	evhttp_set_timeout(web.http, WEB_TIMEOUT_S);
	evhttp_set_max_headers_size(web.http, WEB_MAX_HEADERS);
	evhttp_set_max_body_size(web.http, WEB_MAX_BODY);
	/* Parse every method, so the others get a 405 from handle(). */
	evhttp_set_allowed_methods(web.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	l = evconnlistener_new_bind(web.base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    WEB_MAX_CONNS, (struct sockaddr *)&ss, (int)sslen);
	if (l == NULL || (web.cap.bound[0] = evhttp_bind_listener(web.http,
	    l)) == NULL) {
		int	e = errno != 0 ? errno : EADDRNOTAVAIL;

		if (l != NULL)
			evconnlistener_free(l);
		log_warnx("cannot serve the status page on %s: %s; running "
		    "without it", addr, strerror(e));
		httpcap_detach(&web.cap);
		evhttp_free(web.http);
		web.http = NULL;
		return -e;
	}
	log_info("status page on http://%s/", addr);
	return 0;
}

int
web_init(struct event_base *base, const char *addr)
{
	web.base = base;
	free(web.addr);
	web.addr = strdup(addr != NULL ? addr : "");
	if (disabled(addr))
		return 0;
	return listen_on(addr);
}

void
web_reload(const char *addr)
{
	if (web.addr != NULL && strcmp(web.addr, addr) == 0)
		return;
	web_shutdown();
	web_init(web.base, addr);
}

void
web_shutdown(void)
{
	/* Open connections are freed with the server (conn_closed runs). */
	if (web.http != NULL) {
		httpcap_detach(&web.cap);
		evhttp_free(web.http);
		web.http = NULL;
	}
	free(web.addr);
	web.addr = NULL;
}
