/* SPDX-License-Identifier: ISC */
/*
 * state.h - the daemon's run-time state that outlives a restart.
 *
 * Pause, the live rate limits and the byte counters are changed at run
 * time (aptbt-ctl) and must survive a restart, so they are saved to
 * state_dir/state (bencoded; written to a temporary file, fsynced and
 * renamed, so a crash leaves the old or the new state, never half of one).
 */
#ifndef APTBTD_STATE_H
#define APTBTD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct daemon_state {
	bool		paused;
	uint64_t	download_limit;		/* bytes/s, 0 = unlimited */
	uint64_t	upload_limit;
	bool		limits_set;		/* set at run time: override the config */
	uint64_t	bytes_from_mirrors;	/* lifetime totals */
	uint64_t	bytes_from_peers;
	uint64_t	bytes_to_peers;
	uint64_t	bytes_from_cache;	/* served to apt from the cache */
	uint64_t	proxy_requests;		/* answered by the apt proxy */
	uint64_t	proxy_refused;		/* refused by its rules (4xx) */
	uint64_t	proxy_bytes;		/* body bytes it sent */
	uint64_t	proxy_silences;		/* bodies broken off, stalled */
	time_t		started;		/* this run, clock_s(); not saved */
	time_t		started_at;		/* the same, as a date to show */
};

extern struct daemon_state state;

struct event_base;

/* Load state_dir/state; a missing file is a fresh start, a corrupt one is logged and ignored. */
int	state_load(const char *state_dir);
/* Save atomically; -errno on failure (logged). */
int	state_save(const char *state_dir);
/* Note that something changed; saved soon (coalesced) and at shutdown. */
void	state_dirty(void);
/* The coalescing timer; state_shutdown saves anything still pending. */
void	state_init_events(struct event_base *);
void	state_shutdown(void);

#endif
