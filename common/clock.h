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

static inline time_t
clock_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

#endif
