/* SPDX-License-Identifier: ISC */
/*
 * render.h - the bodies web.c serves, written into an evbuffer.
 *
 * Each renderer reads the daemon through engine/report.h (as aptbt-ctl
 * does) at the moment of the request.  Anything that came from outside
 * (URLs, client names, addresses) goes through html_put or metrics
 * label escaping, never straight into the output.
 */
#ifndef APTBTD_RENDER_H
#define APTBTD_RENDER_H

#include <stdint.h>

struct evbuffer;

/* The status page (page.c); refresh_s is its meta refresh. */
#define PAGE_REFRESH_S	10
void	render_page(struct evbuffer *);
/* The rate plot of the last hour as inline SVG (plot.c). */
void	render_plot(struct evbuffer *);
/* Prometheus text exposition format 0.0.4 (metrics.c). */
void	render_metrics(struct evbuffer *);

/*
 * html.c.  Rows are written without printf, which was a third of a page
 * view's time.  html_put: text escaped for HTML element content and
 * quoted attributes.  html_lit: text known to need no escaping.
 */
void	html_put(struct evbuffer *, const char *);
void	html_lit(struct evbuffer *, const char *);
/* A number in decimal. */
void	html_put_u64(struct evbuffer *, uint64_t);
/* A byte count for people: "1.5 MiB", "512 B". */
void	html_put_bytes(struct evbuffer *, uint64_t);
/* part / whole as a percentage with one decimal, "62.5" (whole 0: 100). */
void	html_put_percent(struct evbuffer *, uint64_t part, uint64_t whole);

#endif
