/* SPDX-License-Identifier: ISC */
/*
 * clock.h - the monotonic clock in the units the daemon counts in.
 *
 * Timeouts, rates and request ages must not jump when the wall clock is
 * set, so everything that measures elapsed time reads CLOCK_MONOTONIC
 * through these.
 */
#ifndef APTBT_CLOCK_H
#define APTBT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
clock_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Whole seconds are read per block by the rate meters, so this takes the
 * coarse clock where there is one: the same clock, a tick behind at most,
 * without reading the time stamp counter.
 */
static inline time_t
clock_s(void)
{
	struct timespec	ts;

#ifdef CLOCK_MONOTONIC_COARSE
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return ts.tv_sec;
}

#endif
