/* SPDX-License-Identifier: ISC */
/*
 * job.h - a download job, shared by the files of the engine that work on
 * it (engine-private: nothing outside daemon/engine/ includes this).
 *
 *   fetch.c    requests start or join jobs; init and shutdown
 *   serve.c    requests the cache answers at once
 *   answer.c   what requesters hear
 *   job.c      a job's life: open, map saves, fail, end, free
 *   mirror.c   mirror sources: ranges from the picker, buffers, ordered
 *              writes, the picker's timer
 *   peers.c    the swarm's piece sink, waiting for site daemons
 *   verify.c   the whole file's SHA-256 and the commit into the cache
 *   delta.c    pieces built from an older version (delta.h)
 */
#ifndef APTBTD_JOB_H
#define APTBTD_JOB_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "common/hash.h"
#include "daemon/base/pieces.h"
#include "daemon/engine/fetch.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/piecesink.h"

struct cache_entry;
struct event;
struct event_base;
struct picker;
struct swarm;
struct ws_mirror;
struct ws_xfer;

#define WRITE_CHUNK	(256 * 1024)	/* bytes per disk write */
#define MAX_BUFFERED	(4 * 1024 * 1024)	/* then pause the transfer */
#define PROGRESS_BYTES	(64 * 1024)
#define PROGRESS_MS	50
#define MAX_SOURCES	8
#define SRC_MAX_FAILS	2		/* transient failures per source */
#define HASH_ATTEMPTS	2		/* downloads before HashSumMismatch */
#define WANT_MISMATCH_POINTS	35	/* a peer's want ended in one: 3 ban */
#define NO_END		UINT64_MAX
#define FOR_PEERS_MAX	32		/* files fetched for other daemons */
#define CATCHUP_MAX	(32u * 1024 * 1024)	/* hashed per worker job */
#define CATCHUP_READ	(1024u * 1024)
/*
 * Small downloads held in memory files, not yet in the cache: past this,
 * further ones use part files on disk until commits catch up.
 */
#define MEM_MAX		(32 * 1024 * 1024)
/*
 * Commits that may lag behind their answers, each holding a descriptor.
 * Past this the next files are answered once committed, so a disk slower
 * than the network holds the downloads back instead of a growing row of
 * open files.
 */
#define COMMITS_AHEAD	256

enum phase {
	PH_OPENING,
	PH_RUNNING,
	PH_VERIFYING,
	PH_COMMITTING,		/* verified and answered; entering the cache */
	PH_DONE,
};

struct waiter {
	TAILQ_ENTRY(waiter)	 entry;
	struct fetch_reply	*rq;
	uint64_t		 max_size;
	bool			 started;
	uint64_t		 sent_have;
	uint64_t		 sent_ms;
};
TAILQ_HEAD(waiterq, waiter);

struct job;

/* Bytes [start, end) of the file. */
struct span {
	uint64_t	start, end;
};

struct source {
	struct job		*job;
	char			*url;
	struct ws_mirror	*mirror;
	struct ws_xfer		*x;
	bool			 busy;		/* has a range */
	bool			 xfer_ended;
	bool			 writing;	/* a write in flight */
	bool			 dead;		/* no more work for this file */
	bool			 bad_size;	/* answered with another size */
	bool			 used;		/* gave bytes in this attempt */
	int			 pid;		/* in the picker, or -1 */
	uint64_t		 pos, end;
	uint32_t		 next_piece;	/* first piece not yet marked */
	/*
	 * A range with pieces in part in the file already: one transfer
	 * per span of missing bytes, in order (spans[nextspan] is next);
	 * xend is where the current one ends (NO_END: the range's end).
	 */
	struct span		*spans;
	size_t			 nspans, nextspan;
	uint64_t		 xend;
	unsigned		 checking;	/* such pieces being checked */
	/*
	 * Another connection to src[0]'s mirror, for a delta's many spans
	 * (delta.c); dropped when the file is fetched again.
	 */
	bool			 extra;
	uint8_t			*buf;
	size_t			 blen, bcap;
	unsigned		 fails;
	uint64_t		 rate;		/* of its last transfer */
	char			 reason[24];
	bool			 transient;
	char			 msg[320];
};

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct piece_sink	 sink;		/* what its swarm fills */
	bool			 hashed;
	uint8_t			 sha[SHA256_LEN];
	char			 hex[2 * SHA256_LEN + 1];
	char			*url;
	time_t			 ims;
	int64_t			 size;		/* -1 unknown */
	struct picker		*pk;		/* once the size is known */
	int			 rw;
	bool			 mem;		/* rw is a memory file */
	enum phase		 phase;
	struct source		 src[MAX_SOURCES];
	size_t			 nsrc;
	struct waiterq		 waiters;
	unsigned		 refs;
	unsigned		 attempts;
	time_t			 last_modified;
	bool			 map_saving, map_dirty, verify_wanted;
	uint64_t		 prefix;	/* contiguous bytes on disk */
	uint64_t		 seq;		/* unknown size: bytes on disk */
	struct event		*ptimer;
	bool			 listed;
	struct swarm		*swarm;		/* shared with peers */
	bool			 for_peer;	/* a daemon asked us to fetch it */
	struct sockaddr_storage	 asker;		/* for_peer: that daemon */
	bool			 delegated;	/* we asked a daemon to fetch it */
	struct event		*tick;		/* runs picker_tick() */
	uint64_t		 peer_bytes;	/* of this file, from peers */
	char			*base;		/* suite base URI (metadata) */
	bool			 discovering;	/* looking for its torrent */
	/*
	 * The file's SHA-256, computed in file order as it is written, so
	 * a large file is not read back after its last byte: bytes written
	 * in order are hashed from the write's buffer; pieces that land out
	 * of order (peers, several mirrors) are read back once the
	 * contiguous prefix covers them (inc_catch_up), from the page cache
	 * they were just written to.  A resumed file is read back at the end.
	 */
	struct hash_ctx		*inc;
	uint64_t		 inc_off;
	bool			 inc_busy, inc_broken;
	/*
	 * A piece from peers that is the whole file was hashed as it was
	 * written; that digest is the file's only while no other write
	 * was in flight with it or came after it (generation wgen).
	 */
	unsigned		 writes;	/* in flight */
	uint64_t		 wgen;		/* writes submitted */
	bool			 whole_hashed;
	uint64_t		 whole_gen;
	uint8_t			 whole[SHA256_LEN];
};

/* One ordered write of a mirror source, hashed on the way when in order. */
struct wjob {
	struct source	*src;
	uint64_t	 off;
	uint8_t		*buf;
	size_t		 len;
	int		 fd;
	int		 rc;
	struct hash_ctx	*inc;		/* hash these bytes, in order */
};

TAILQ_HEAD(jobq, job);

/* Every job, and the engine-wide counts that bound them. */
struct jobtab {
	struct jobq		 list;
	struct event_base	*base;
	unsigned		 njobs;
	unsigned		 nfor_peers;	/* jobs with for_peer */
	bool			 stopping;
	uint64_t		 mem_bytes;	/* in memory files */
	unsigned		 ncommits;	/* in flight */
};
extern struct jobtab jobtab;
extern const struct piece_sink_ops job_sink_ops;	/* peers.c */
extern const struct peermgr_events job_peer_events;	/* peers.c */

/* fetch.c */
struct job *job_find(const struct fetchmsg_req *a);
/* One more source, url on mirror m: 0, -ENOSPC or -ENOMEM. */
int	job_add_source(struct job *j, const char *url, struct ws_mirror *m);
struct job *job_new(const struct fetchmsg_req *a);
void	download(struct fetch_reply *rq, const struct fetchmsg_req *a);

/* serve.c: answer from the cache entry e (pinned meanwhile). */
void	serve_cached(struct fetch_reply *, const struct fetchmsg_req *,
	    struct cache_entry *);

/* answer.c */
void	send_start(struct job *j, struct waiter *w, int fd);
void	send_progress(struct waiter *w, uint64_t have);
void	send_final(struct waiter *w, bool ims_hit, time_t lm,
	    uint64_t size, const char *source);
void	send_error(struct fetch_reply *rq, const char *reason,
	    bool transient, const char *msg);
void	waiter_end(struct job *j, struct waiter *w);
void	waiter_start(struct job *j, struct waiter *w);
void	progress_flush(struct job *j, bool force);
void	ptimer_cb(evutil_socket_t fd, short what, void *arg);
void	check_max_size(struct job *j, uint64_t size);
/* The size limit of a file with no hash or no size, and no max_size. */
uint64_t unhashed_limit(uint64_t quota);
bool	abandoned(struct job *j);
void	waiter_done(struct job *j, struct waiter *w, bool ims_hit,
	    const char *source);
void	job_answer(struct job *j, bool ims_hit);

/* job.c */
int	pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off);
void	job_close_file(struct job *j);
void	job_free(struct job *j);
void	job_unref(struct job *j);
void	job_cancel_sources(struct job *j);
void	job_end(struct job *j);
void	job_fail(struct job *j, const char *reason, bool transient,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *errno_reason(int err);
void	job_finish_ok(struct job *j, bool ims_hit);
void	map_save(struct job *j);
/* The job's picker for its known size, resumed from a map or NULL. */
int	job_picker(struct job *j, const struct piecemap *resumed);
int	job_open(struct job *j, bool discard);
/* The file is open (and a delta over): start its sources. */
void	job_run(struct job *j);

/* mirror.c */
void	job_schedule(struct job *j);
/* Run the picker's timer from the loop at once: work may have come free. */
void	job_wake(struct job *j);
/* The source's range is over: what it did not store is free again. */
void	src_release(struct source *s);
void	src_truncate(struct job *j, int pid, uint64_t end);

/* peers.c */
void	job_join_peers(struct job *j);

/* verify.c */
void	job_verify(struct job *j);
bool	sources_idle(struct job *j);
void	job_check_complete(struct job *j);
void	inc_reset(struct job *j, bool broken);
void	inc_take(struct job *j, struct wjob *w);
void	inc_catch_up(struct job *j);

#endif
