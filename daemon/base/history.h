/* SPDX-License-Identifier: ISC */
/*
 * history.h - the last hour of traffic, for the status page's plot.
 *
 * The places that add to the lifetime byte counters (state.h) add the
 * same bytes here, into ten-second slots of a ring that covers an hour.
 * Like the rate meters (share/meter.h) the ring is moved on by the clock
 * when it is written or read, never by a timer: a daemon nobody watches
 * pays one addition per transfer and no wake-up.
 */
#ifndef APTBTD_HISTORY_H
#define APTBTD_HISTORY_H

#include <stdint.h>
#include <time.h>

#define HISTORY_SLOT_S	10
#define HISTORY_SLOTS	360		/* one hour */

enum history_src {
	HIST_PEERS,		/* downloaded from peers */
	HIST_MIRRORS,		/* downloaded from mirrors */
	HIST_CACHE,		/* served to apt from the cache */
	HIST_UPLOAD,		/* uploaded to peers */
	HIST_NSRC
};

/* Count n bytes of src now. */
void	history_add(enum history_src src, uint64_t n);
/*
 * The bytes of src per slot, oldest first: out[HISTORY_SLOTS - 1] is the
 * slot running now.  Slots before the daemon started read zero.
 */
void	history_read(enum history_src src, uint64_t out[HISTORY_SLOTS]);
/* For tests: the clock the ring follows, in seconds (NULL: clock_s). */
void	history_set_clock(time_t (*now)(void));

#endif
