/* SPDX-License-Identifier: ISC */
/*
 * report.h - what the daemon is doing, read the same way by every front end.
 *
 * The control socket's "status", "files" and "peers" replies and the
 * status page (web/) all read through these functions, so aptbt-ctl and
 * the page never disagree about a number.  Everything is read on the loop
 * thread at the moment of the call; nothing here keeps state or timers.
 */
#ifndef APTBTD_REPORT_H
#define APTBTD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "daemon/share/peer.h"

struct report_status {
	uint64_t	 bytes_from_cache;	/* lifetime totals (state.h) */
	uint64_t	 bytes_from_mirrors;
	uint64_t	 bytes_from_peers;
	uint64_t	 bytes_to_peers;
	unsigned	 daemons;		/* other aptbt daemons known */
	unsigned	 downloads;		/* jobs running */
	unsigned	 peers;			/* connections */
	unsigned	 swarms;
	uint64_t	 files;			/* in the cache */
	uint64_t	 cache_bytes, cache_quota;
	bool		 paused;
	uint64_t	 download_limit, upload_limit;	/* bytes/s, 0: none */
	const char	*share;			/* scope_describe() */
	time_t		 started;		/* wall clock */
	int64_t		 uptime_s;
};

void	report_status(struct report_status *);

/* One file as "files" lists it; state is "fetching", "seeding" or "cached". */
struct report_file {
	const uint8_t	*sha256;
	uint64_t	 size, have;
	const char	*state;
	unsigned	 peers;
	uint64_t	 from_peers, to_peers;
};

/*
 * Open swarms first (with their traffic), then the rest of the cache.
 * cb returns false to stop early.  Cost: O(files log swarms).
 */
void	report_files(bool (*cb)(const struct report_file *, void *), void *);
/* Open swarms only ("fetching" or "seeding"): O(swarms). */
void	report_swarms(bool (*cb)(const struct report_file *, void *), void *);
/* "metadata" (a torrent is known for it) or "zero-metadata". */
const char *report_file_mode(const uint8_t *sha256);

/* One connection as "peers" lists it. */
struct report_peer {
	struct peer_stats	 st;
	char			 flags[8];	/* D daemon, O/I, H handshaking, N near, source */
	const char		*source;	/* incoming, config, ctl, lsd, pex */
};

void	report_peers(void (*cb)(const struct report_peer *, void *), void *);

/* One download job, with the URL apt asked for. */
struct report_download {
	const char	*url;
	const char	*sha256_hex;	/* "" when apt gave no hash */
	int64_t		 size;		/* -1: not known yet */
	uint64_t	 have;		/* bytes on disk */
	uint64_t	 from_peers;
	unsigned	 mirrors;	/* mirror sources still in use */
	unsigned	 requesters;
};

void	report_downloads(void (*cb)(const struct report_download *, void *),
	    void *);

#endif
