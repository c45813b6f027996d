/* SPDX-License-Identifier: ISC */
/*
 * sharing.h - the peer side of the daemon as one unit for main.c:
 * swarms, connections, the choker, the peer manager and LAN discovery,
 * started, reconfigured, paused and stopped in order.
 */
#ifndef APTBTD_SHARING_H
#define APTBTD_SHARING_H

#include <stdbool.h>

struct event_base;

/* After the download engine (the cache index feeds the swarm index). */
int	sharing_init(struct event_base *);
/* After a configuration reload: peers, share scope, discovery. */
void	sharing_reload(void);
/* Pause stops all peer traffic; apt's downloads go on from the mirrors. */
void	sharing_pause(bool);
/* Rate limits changed (config or aptbt-ctl limit). */
void	sharing_limits(void);
/*
 * The daemon is about to stop: say goodbye to trackers.  true: done(arg)
 * is called within about 2 s (keep the loop running until then); false:
 * stop at once.
 */
bool	sharing_stop(void (*done)(void *), void *arg);
/* Before the download engine stops. */
void	sharing_shutdown(void);

#endif
