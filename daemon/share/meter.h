/* SPDX-License-Identifier: ISC */
/*
 * meter.h - a transfer rate measured without timers.
 *
 * Bytes are added to one-second slots of a small ring; the rate is the
 * sum over the last complete slots.  Reading or adding advances the ring
 * by the clock, so an idle meter costs nothing and reads zero.
 */
#ifndef APTBTD_METER_H
#define APTBTD_METER_H

#include <stdint.h>
#include <time.h>

#include "common/clock.h"

#define METER_SLOTS	5

struct meter {
	uint64_t	total;
	uint64_t	slot[METER_SLOTS];
	time_t		at;		/* second of slot[at % METER_SLOTS] */
};

static inline time_t
meter_now(void)
{
	return clock_s();
}

static inline void
meter_advance(struct meter *m, time_t now)
{
	time_t	t;

	if (now - m->at >= METER_SLOTS) {
		for (t = 0; t < METER_SLOTS; t++)
			m->slot[t] = 0;
	} else
		for (t = m->at + 1; t <= now; t++)
			m->slot[t % METER_SLOTS] = 0;
	if (now > m->at)
		m->at = now;
}

static inline void
meter_add(struct meter *m, uint64_t n)
{
	meter_advance(m, meter_now());
	m->slot[m->at % METER_SLOTS] += n;
	m->total += n;
}

/* Bytes per second over the last METER_SLOTS - 1 whole seconds. */
static inline uint64_t
meter_rate(struct meter *m)
{
	uint64_t	sum = 0;
	time_t		t, now = meter_now();

	meter_advance(m, now);
	for (t = now - (METER_SLOTS - 1); t < now; t++)
		sum += m->slot[((t % METER_SLOTS) + METER_SLOTS) % METER_SLOTS];
	return sum / (METER_SLOTS - 1);
}

#endif
