/* SPDX-License-Identifier: ISC */
/*
 * fetch.h - download jobs: one per file, filled by any source.
 *
 * A job is keyed by the file's expected SHA-256, or by its URL when apt
 * has no hash for it (InRelease, Release).  Requests for a file being
 * downloaded join its job; requests for a cached file are answered from
 * the cache without any network traffic.  A job fills pieces (pieces.h)
 * from mirror ranges (webseed.h) and, for hashed files, ends in the cache
 * (cache.h) once the whole file's SHA-256 matched.
 *
 * The requester hears how it goes through a reply handle it hands in
 * (the control room's req-fetch.c, later the proxy front end): the
 * engine reports "start" (with a read-only descriptor of the file being
 * written; again, with a new descriptor, if the download had to restart
 * after a hash mismatch, and the reader then discards what it copied),
 * "progress" (bytes from the start of the file that are on disk and
 * verified), the final reply, or an error with an apt FailReason word.
 * The events are common/fetchmsg.h's; the engine never sees a frame.
 */
#ifndef APTBTD_FETCH_H
#define APTBTD_FETCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/fetchmsg.h"
#include "common/hash.h"

struct event_base;

/*
 * A requester's reply handle, embedded first in the requester's own
 * state.  The engine owns it from fetch_request on and calls release
 * exactly once, after the final reply or error (or without either when
 * gone() said nobody listens any more).
 */
struct fetch_reply;
struct fetch_reply_ops {
	/* An event or the final reply; fd is read-only or -1, not kept. */
	void	(*event)(struct fetch_reply *, const struct fetchmsg_event *,
		    int fd);
	void	(*error)(struct fetch_reply *, const char *reason,
		    bool transient, const char *msg);
	/* Has the requester gone away (its connection closed)? */
	bool	(*gone)(const struct fetch_reply *);
	void	(*release)(struct fetch_reply *);
};
struct fetch_reply {
	const struct fetch_reply_ops *ops;
};

int	 fetch_init(struct event_base *);
/* Stop every transfer and tell every requester; before workers_shutdown. */
void	 fetch_stop(void);
/* Free what is left; after workers_shutdown. */
void	 fetch_shutdown(void);
/* Start or join a download for a requester; it is answered later. */
void	 fetch_request(struct fetch_reply *, const struct fetchmsg_req *);
/* Jobs running (status). */
unsigned fetch_njobs(void);

/* Size thresholds, exposed for tests. */
#define FETCH_SPLIT_MIN		(1024 * 1024)	/* smaller: one request */

#endif
