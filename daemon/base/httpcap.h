/* SPDX-License-Identifier: ISC */
/*
 * httpcap.h - an evhttp server that holds at most max connections.
 *
 * libevent 2.1's evhttp has no hook for a new connection, so one is made
 * from its bufferevent callback: the bufferevent of each accepted
 * connection is kept (a reference) until the loop runs once more, when
 * evhttp has made the connection and it can be told to report its
 * close.  Every connection is counted from then to its close, and the
 * listener is paused while max are open: further clients wait in the
 * kernel's backlog, the daemon's descriptors are not theirs to take.
 *
 * Used by the status page (web/) and the embedded tracker (tracker/); all
 * of it runs on the loop.
 */
#ifndef APTBT_HTTPCAP_H
#define APTBT_HTTPCAP_H

#include <stdbool.h>

struct evhttp;
struct evhttp_bound_socket;

#define HTTPCAP_BOUND	2	/* listeners of one server: IPv4, IPv6 */

struct httpcap {
	unsigned			 max;		/* set before attach */
	unsigned			 nconns;	/* open now */
	struct evhttp_bound_socket	*bound[HTTPCAP_BOUND]; /* paused at max */
	bool				 live;		/* attached, not detached */
};

/*
 * Count the connections of http against cap->max from now on; bound[]
 * are the listeners to pause (evhttp_bind_listener's, NULL for none),
 * which may be set later.
 */
void	httpcap_attach(struct httpcap *, struct evhttp *);

/* Before http is freed: connections still being adopted are let go. */
void	httpcap_detach(struct httpcap *);

#endif
