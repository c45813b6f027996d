/* SPDX-License-Identifier: ISC */
/*
 * lsd.h - Local Service Discovery (BEP 14) on the daemon's event loop.
 *
 * One UDP socket bound to port 6771 and joined to 239.192.152.143, shared
 * (SO_REUSEADDR, SO_REUSEPORT) with other daemons and BitTorrent clients on
 * the same host; our own datagrams loop back to them and come back to us,
 * and are recognised by our random cookie.  Datagrams go out with TTL 1:
 * discovery stays on the local link.  Only datagrams sent to the group
 * are taken (IP_PKTINFO): unicast ones to the port, which anyone able to
 * route to us could send, are ignored.
 *
 * Sending is rate-limited the way BEP 14 asks: a key goes out at most once
 * a minute (asking again sooner defers it, it is not lost), keys are
 * batched several to a datagram, and the socket sends at most one datagram
 * a second after a short burst.  A daemon with nothing to announce has no
 * timer at all; one with a presence key wakes up every five minutes.
 */
#ifndef APTBTD_LSD_H
#define APTBTD_LSD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/lsdmsg.h"

struct event_base;

/*
 * Called for each well-formed announce from someone else: from is the
 * datagram's source, port the peer-wire port it announces, keys the
 * distinct keys it carried.  The callback may call lsd_announce() but not
 * lsd_shutdown().
 */
typedef void	(*lsd_cb)(const struct sockaddr *from, socklen_t fromlen,
		    uint16_t port, const uint8_t (*keys)[LSD_KEY_LEN],
		    size_t nkeys, void *arg);

/*
 * Open the socket and start listening; port is the peer-wire port we
 * announce.  Returns 0, -EALREADY, or a negative errno from the socket
 * calls (logged with context).
 */
int	lsd_init(struct event_base *, uint16_t port, lsd_cb, void *arg);
void	lsd_shutdown(void);

/*
 * Queue keys for announcing.  Returns 0, -ENOTCONN before lsd_init(), or
 * -ENOBUFS when the table of queued and recently sent keys was full and
 * some keys were not queued.
 */
int	lsd_announce(const uint8_t (*keys)[LSD_KEY_LEN], size_t nkeys);

/*
 * Announce key now and again every five minutes, and whenever a daemon we
 * have not heard before announces the same key, so a new daemon learns of
 * the others within seconds.  Daemons use lsd_presence_key (lsdmsg.h).
 * NULL stops it.
 */
void	lsd_presence(const uint8_t *key);

/*
 * For tests only: let a key go out again after ms instead of a minute,
 * so a shortened re-announce interval (announce.c) is seen.
 */
void	lsd_set_key_interval(uint64_t ms);

#endif
