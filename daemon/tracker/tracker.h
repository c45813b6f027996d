/* SPDX-License-Identifier: ISC */
/*
 * tracker.h - the embedded tracker (`tracker = yes`): HTTP and UDP
 * announces and scrapes on tracker_port, answered from the swarm store.
 *
 * Off by default.  main.c starts it after privileges are dropped (the
 * port is not privileged), reloads it with the configuration and stops
 * it at shutdown; a port that cannot be bound is logged and the daemon
 * runs on without a tracker.  Everything runs on the daemon's loop.
 *
 * A cluster module shares the UDP connection-id key of its nodes with
 * trackerd_set_connid_key() and the swarm state through trackerd_swarms()
 * (swarms.h: the observer for local changes, announce with
 * SWARMS_LEARNED for what it hears).
 *
 * Return values: trackerd_init 0 (also when disabled or when a port could
 * not be bound: logged), -ENOMEM; trackerd_swarms NULL when none runs.
 */
#ifndef APTBTD_TRACKERD_H
#define APTBTD_TRACKERD_H

#include <stdint.h>

struct event_base;
struct swarms;

int		 trackerd_init(struct event_base *);
/* After a reload: start, stop or re-bound as the configuration says. */
void		 trackerd_reload(void);
void		 trackerd_shutdown(void);

/* The 32-byte key of connection ids (default: random per process). */
void		 trackerd_set_connid_key(const uint8_t key[32]);
struct swarms	*trackerd_swarms(void);

#endif
