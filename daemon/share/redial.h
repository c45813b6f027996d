/* SPDX-License-Identifier: ISC */
/*
 * redial.h - dial a standard client again when it hung up on our dial.
 *
 * libtorrent with its default settings (qBittorrent, Deluge) tries uTP
 * first.  When both sides dial at once, it takes our TCP connection for
 * a duplicate of its own uTP attempt and closes it; its uTP dial to us
 * then fails (aptbtd speaks no uTP) and its TCP fallback comes seconds
 * later, or never.  So an outgoing connection to a standard client that
 * the peer closes within REDIAL_WINDOW_MS of connecting is dialled again
 * after REDIAL_DELAY_MS, once per address and swarm: a host that hangs
 * up again is not dialled a third time for REDIAL_FORGET_MS.  At most
 * REDIAL_MAX pairs are remembered, the oldest making room.
 */
#ifndef APTBTD_REDIAL_H
#define APTBTD_REDIAL_H

struct event_base;
struct peer;

#define REDIAL_WINDOW_MS	2000
#define REDIAL_DELAY_MS		1500
#define REDIAL_FORGET_MS	(10 * 60 * 1000)
#define REDIAL_MAX		128

int	 redial_init(struct event_base *);
void	 redial_shutdown(void);
/* A connection closed: dial it again later if it qualifies (above). */
void	 redial_closed(struct peer *);

#endif
