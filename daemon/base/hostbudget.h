/* SPDX-License-Identifier: ISC */
/*
 * hostbudget.h - what remote hosts may make us spend, per host and hour.
 *
 * A peer's "want" makes this daemon fetch a file from a mirror: uplink
 * bytes the site pays for on the peer's word.  Each host (an address,
 * whatever its port) has a budget of files and bytes per window of one
 * hour, charged when the work is accepted, at the size the peer named.
 * The table is bounded (HOSTBUDGET_HOSTS); when it is full the host whose
 * window began longest ago is forgotten and may spend afresh, which takes
 * that many other hosts asking within the hour: then each of them, too,
 * stays within its own budget.
 * Time is the caller's monotonic milliseconds (common/clock.h), so the
 * module is tested without waiting an hour.
 */
#ifndef APTBTD_HOSTBUDGET_H
#define APTBTD_HOSTBUDGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define HOSTBUDGET_HOSTS	256
#define HOSTBUDGET_WINDOW_MS	(3600u * 1000)

struct hostbudget_limits {
	uint64_t	files;		/* per host and window; 0: none at all */
	uint64_t	bytes;
};

/*
 * Charge one file of size bytes to sa's host at now_ms: true if it fits
 * the host's budget (and is now counted), false if it does not (nothing
 * is counted).
 */
bool	hostbudget_take(const struct hostbudget_limits *,
	    const struct sockaddr *sa, uint64_t size, uint64_t now_ms);
/* What sa's host has spent in its current window (0 when none). */
void	hostbudget_spent(const struct sockaddr *sa, uint64_t now_ms,
	    uint64_t *files, uint64_t *bytes);
/* Forget every host (tests, shutdown). */
void	hostbudget_reset(void);

#endif
