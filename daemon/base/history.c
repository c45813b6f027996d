/* SPDX-License-Identifier: ISC */
/*
 * history.c - the last hour of traffic in ten-second slots.
 */
#include "config.h"

#include <string.h>

#include "common/clock.h"
#include "daemon/base/history.h"

static struct {
	uint64_t	 slot[HISTORY_SLOTS][HIST_NSRC];
	time_t		 at;		/* slot number (seconds / SLOT_S) of the newest */
	time_t		(*now)(void);
} hist;

static time_t
slot_now(void)
{
	return (hist.now != NULL ? hist.now() : clock_s()) / HISTORY_SLOT_S;
}

/* Clear the slots the clock has passed since the last write or read. */
static time_t
advance(void)
{
	time_t	now = slot_now(), t;

	if (now <= hist.at)
		return hist.at;
	if (now - hist.at >= HISTORY_SLOTS)
		memset(hist.slot, 0, sizeof(hist.slot));
	else
		for (t = hist.at + 1; t <= now; t++)
			memset(hist.slot[t % HISTORY_SLOTS], 0,
			    sizeof(hist.slot[0]));
	hist.at = now;
	return now;
}

void
history_add(enum history_src src, uint64_t n)
{
	time_t	now = advance();

	hist.slot[now % HISTORY_SLOTS][src] += n;
}

void
history_read(enum history_src src, uint64_t out[HISTORY_SLOTS])
{
	time_t	now = advance();
	size_t	i;

	for (i = 0; i < HISTORY_SLOTS; i++)
		out[i] = hist.slot[(now + 1 + i) % HISTORY_SLOTS][src];
}

void
history_set_clock(time_t (*now)(void))
{
	hist.now = now;
	memset(hist.slot, 0, sizeof(hist.slot));
	hist.at = slot_now();
}
