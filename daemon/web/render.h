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

/* html.c: text escaped for HTML element content and quoted attributes. */
void	html_put(struct evbuffer *, const char *);
/* A byte count for people: "1.5 MiB". */
void	html_put_bytes(struct evbuffer *, uint64_t);

#endif
