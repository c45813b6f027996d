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

/*
 * The peer side of a job (swarm.c).  Peers fill pieces the mirrors are
 * not fetching; a job whose file a site daemon holds waits for the peers
 * and falls back to the mirrors when they stall.
 */
struct job;
/* Peers' have-indexes changed: jobs may find a holder. */
void	 fetch_peers_changed(void);
/* A daemon said it fetches this file: maybe let it keep the mirror. */
void	 fetch_peer_fetching(const uint8_t *sha256, const uint8_t *peer_id);
/* A daemon asks us to fetch a file for it (see peermgr_delegate). */
void	 fetch_peer_want(const uint8_t *sha256, uint64_t size, const char *url,
	    const char *who);
/* Stop waiting for peers: mirrors fill the rest. */
void	 fetch_job_need_mirror(struct job *);
/*
 * A verified piece from peers; the job takes ownership of data.  sha256,
 * when not NULL, is the SHA-256 of data as it was verified.  The job may
 * end before this returns.
 */
void	 fetch_job_store_piece(struct job *, uint32_t piece, uint8_t *data,
	    uint32_t len, const uint8_t *sha256);
/* May peers take this piece (no mirror transfer is about to fetch it)? */
bool	 fetch_job_piece_free(const struct job *, uint32_t piece);
/* Peers take it: a mirror transfer stops short of it. */
bool	 fetch_job_claim(struct job *, uint32_t piece);
bool	 fetch_job_has(const struct job *, uint32_t piece);
/* Our bitfield (BEP 3 order) or NULL while the file is being opened. */
const uint8_t *fetch_job_bits(const struct job *);
uint64_t fetch_job_have_bytes(const struct job *);
/*
 * The job's memory file, to read pieces from (dup it: the job closes it
 * when it ends), or -1 when the part file on disk holds the data.
 */
int	 fetch_job_mem_fd(const struct job *);

/* Size thresholds, exposed for tests. */
#define FETCH_SPLIT_MIN		(1024 * 1024)	/* smaller: one request */

#endif
