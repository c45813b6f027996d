/* SPDX-License-Identifier: ISC */
/*
 * httpcap.c - the connection count of an evhttp server (httpcap.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon/base/httpcap.h"

/* A connection accepted, until the loop comes round to adopt it. */
struct adoption {
	struct bufferevent	*bev;
	struct httpcap		*cap;
};

/* Accept on every listener, or on none (at max). */
static void
listen_all(struct httpcap *cap, bool on)
{
	struct evconnlistener	*l;
	size_t			 i;

	for (i = 0; i < HTTPCAP_BOUND; i++) {
		if (cap->bound[i] == NULL)
			continue;
		l = evhttp_bound_socket_get_listener(cap->bound[i]);
		if (on)
			evconnlistener_enable(l);
		else
			evconnlistener_disable(l);
	}
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct httpcap	*cap = arg;

	(void)evcon;
	if (cap->nconns-- == cap->max)
		listen_all(cap, true);
}

/*
 * Run once the accept is through: evhttp has made the connection and
 * set itself as the bufferevent's callback argument.  The reference taken
 * in conn_new keeps bev valid even if evhttp gave up on it meanwhile
 * (then its callbacks are gone and it is only released).
 */
static void
conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct adoption		*a = arg;
	struct httpcap		*cap = a->cap;
	bufferevent_data_cb	 rd;
	void			*evcon;

	(void)fd;
	(void)what;
	bufferevent_getcb(a->bev, &rd, NULL, NULL, &evcon);
	if (rd != NULL && evcon != NULL && cap->live) {
		evhttp_connection_set_closecb(evcon, conn_closed, cap);
		if (++cap->nconns == cap->max)
			listen_all(cap, false);
	}
	bufferevent_decref(a->bev);
	free(a);
}

static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct adoption		*a;
	struct bufferevent	*bev;

	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(a);
		return NULL;
	}
	/*
	 * Not writing until there is a reply: evhttp enables EV_WRITE when
	 * it sends one.  Enabled (the default), setting the descriptor adds
	 * EPOLLOUT and evhttp takes it off again at once, two epoll_ctl
	 * calls for every connection to no purpose.
	 */
	bufferevent_disable(bev, EV_WRITE);
	a->bev = bev;
	a->cap = arg;
	/* Made active at once: no timer is armed. */
	bufferevent_incref(bev);
	if (event_base_once(base, -1, EV_TIMEOUT, conn_adopt, a, NULL) ==
	    -1) {
		bufferevent_decref(bev);
		free(a);
	}
	return bev;
}

void
httpcap_attach(struct httpcap *cap, struct evhttp *http)
{
	cap->nconns = 0;
	memset(cap->bound, 0, sizeof(cap->bound));
	cap->live = true;
	evhttp_set_bevcb(http, conn_new, cap);
}

void
httpcap_detach(struct httpcap *cap)
{
	cap->live = false;
	memset(cap->bound, 0, sizeof(cap->bound));
}
