/* SPDX-License-Identifier: ISC */
/*
 * proxy.h - the apt proxy front end: HTTP/1.1 on "proxy_listen".
 *
 * Machines without aptbt (containers, chroots, installers) point apt at
 * aptbtd with one line, Acquire::http::Proxy "http://HOST:3142";, or
 * find it with auto-apt-proxy, which probes for the "Usage Information"
 * page a bare "/" answers with (status 406, as apt-cacher-ng does).
 * Every file served comes from the engine (engine/fetch.h), through a
 * reply handle of this room that streams the verified bytes to the
 * client as the engine reports them.
 *
 * Only clients in the share scope or "proxy_allow" are answered, only
 * GET and HEAD of archive paths on "proxy_upstreams" hosts are fetched
 * (common/proxyurl.h decides), and anything else gets a 4xx and the
 * connection closes.  Bounds: PROXY_MAX_CONNS connections (of which
 * PROXY_MAX_CONNS_CLIENT from one address), PROXY_MAX_REQS
 * requests waiting on the engine (PROXY_AHEAD of a connection's
 * pipelined requests among them, started before their turn),
 * PROXY_HEADERS_MAX bytes of headers,
 * PROXY_TIMEOUT_S seconds for a client to send a request or take bytes.
 */
#ifndef APTBTD_PROXY_H
#define APTBTD_PROXY_H

#include <stdint.h>

struct event_base;

#define PROXY_MAX_CONNS		256
#define PROXY_MAX_CONNS_CLIENT	32	/* from one address */
#define PROXY_MAX_REQS		512
#define PROXY_HEADERS_MAX	8192
#define PROXY_TIMEOUT_S		60
#define PROXY_CHUNK		(256 * 1024)	/* bytes queued per client */
/* A body with no byte out for this long is broken off (apt: 30 s). */
#define PROXY_SILENCE_MS	20000
/*
 * Pipelined requests fetched early, per connection.  More is not faster:
 * eight machines fetching the same set through a thin mirror link took
 * 20-22 s with 2, 4 or 8 and 24 s with 16, whose many files at once
 * outwait the site's hold on the mirror (engine/picker.h), so daemons
 * fetched the same files twice (1.54 x the set from the mirror).
 */
#define PROXY_AHEAD		4

/*
 * Listen on conf.proxy_listen ("none": do nothing).  Before privileges
 * are dropped (the port may be privileged); requests are answered once
 * the loop runs.  Returns 0, or -errno.
 */
int	proxy_init(struct event_base *);
/* Close the listener and every client connection. */
void	proxy_shutdown(void);
/* Its counters are the state's (base/state.h): proxy_requests, ... */

#endif
