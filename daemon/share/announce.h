/* SPDX-License-Identifier: ISC */
/*
 * announce.h - the announcer: where the daemon says which swarms it takes
 * part in, and hears who else does.
 *
 * Every way of finding peers sits behind this one interface, so the rest
 * of the daemon neither knows nor cares which are running: Local Service
 * Discovery (BEP 14) and trackers (tracker.h).  On the LAN zero-metadata
 * swarms are found through the have-indexes of site daemons and need no
 * announce; a file with a torrent is announced under its info-hashes so
 * that standard clients find it.  Site daemons announce their presence.
 * Trackers hear of every file we fetch or seed, and choose for each key
 * which trackers may know it.
 */
#ifndef APTBTD_ANNOUNCE_H
#define APTBTD_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

int	announce_init(struct event_base *);
/* Start, restart or stop the backends for the configuration, pause state
 * and listening port now in force. */
void	announce_apply(void);
/*
 * The daemon stops: trackers hear "stopped" (tracker_stop()).  true:
 * done(arg) follows within about 2 s; false: nothing to wait for.
 */
bool	announce_stop(void (*done)(void *), void *arg);
void	announce_shutdown(void);

/* We take part in the swarms of these info-hashes (20 bytes each). */
void	announce_keys(const uint8_t (*keys)[20], size_t nkeys);

/*
 * A file we fetch (fetching) or hold, by its SHA-256; again when its
 * torrent becomes known, so that its info-hashes join.
 */
void	announce_file(const uint8_t sha256[32], uint64_t size, bool fetching);
/* We no longer take part: the fetch failed, or the file left the cache. */
void	announce_file_gone(const uint8_t sha256[32]);

#endif
