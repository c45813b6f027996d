/* SPDX-License-Identifier: ISC */
/*
 * web.h - the status page and /metrics over HTTP, on status_listen.
 *
 * A read-only front end like the control socket: GET and HEAD of "/"
 * (an HTML page with an inline SVG plot) and "/metrics" (Prometheus
 * text format 0.0.4); any other method is answered 405 and nothing over
 * HTTP changes the daemon.  It runs on the daemon's loop (libevent's
 * evhttp parses the requests) and is bounded for a hostile local user:
 * WEB_MAX_CONNS connections at once (the listener pauses at the limit),
 * WEB_MAX_HEADERS bytes of request head, WEB_MAX_BODY of body, WEB_TIMEOUT_S seconds
 * to send a request.  It has no timer of its own: a page costs only when
 * it is asked for.
 */
#ifndef APTBTD_WEB_H
#define APTBTD_WEB_H

struct event_base;

#define WEB_MAX_CONNS	16
#define WEB_MAX_HEADERS	8192
#define WEB_MAX_BODY	4096	/* read, then refused with 405 */
#define WEB_TIMEOUT_S	10

/*
 * Listen on addr ("ADDRESS:PORT"; "" or "none": no listener).  0, or
 * -errno when the address cannot be bound (logged; the daemon runs on
 * without the page).
 */
int	web_init(struct event_base *, const char *addr);
/* After a reload: listen again if status_listen changed. */
void	web_reload(const char *addr);
void	web_shutdown(void);

#endif
