/*
 * fetch.c - download jobs: sources, pieces, requesters, verification.
 *
 * Each source of a job is one mirror URL with at most one transfer at a
 * time.  A source receives a range, buffers what arrives and writes it on
 * a worker in order; pieces count as held once their bytes are on disk.
 * Small files and files without an expected hash come from one source at
 * a time; large hashed files are split among mirrors by sched_pick().
 *
 * A job holds a reference for every worker job in flight, so a done
 * callback never finds it freed; it is freed once finished and idle.
 *
 * Requesters are answered as soon as the file's SHA-256 matched; making
 * it durable in the cache (fsync, rename, fsync of the directory) runs
 * after that as background work, and the cache's index learns of the
 * file only once that is done.  A crash in between leaves a part file
 * with no map, which the next start removes: never a wrong cache entry.
 */
#include "config.h"

#include <sys/queue.h>

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/meta/discover.h"
#include "daemon/engine/fetch.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/piecesink.h"
#include "daemon/share/site.h"
#include "daemon/base/pieces.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"
#include "daemon/base/webseed.h"
#include "daemon/base/workers.h"

#define WRITE_CHUNK	(256 * 1024)	/* bytes per disk write */
#define MAX_BUFFERED	(4 * 1024 * 1024)	/* then pause the transfer */
#define PROGRESS_BYTES	(64 * 1024)
#define PROGRESS_MS	50
#define MAX_SOURCES	8
#define SRC_MAX_FAILS	2		/* transient failures per source */
#define HASH_ATTEMPTS	2		/* downloads before HashSumMismatch */
#define SLOW_FACTOR	4		/* a slower source may not split a faster one */
/*
 * Halving a range in flight aborts its transfer at the cut, which wastes
 * what the mirror already sent past it: only worth it for long ranges.
 */
#define STEAL_MIN	(2 * 1024 * 1024)
#define NO_END		UINT64_MAX
#define PEER_STALL_MS	1500		/* no piece from peers: use mirrors */
/*
 * ... unless a daemon that scores higher for the file is fetching it from
 * the mirror: it shares our uplink, so fetching the file a second time
 * would not come faster; wait longer for it (it drops out if it fails).
 */
#define FETCHER_STALL_MS 15000
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
	uint64_t		 hold, pos, end;
	uint32_t		 next_piece;	/* first piece not yet marked */
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
	struct piecemap		 pm;		/* when size is known */
	bool			 have_pm;
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
	bool			 peer_hold;	/* mirrors wait for the peers */
	bool			 for_peer;	/* a daemon asked us to fetch it */
	bool			 delegated;	/* we asked a daemon to fetch it */
	struct event		*stall;
	uint32_t		 stall_mark;	/* pieces held at the last check */
	uint64_t		 stall_ms;	/* when they last grew */
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

/* The job behind the piece sink its swarm was handed. */
static struct job *
sink_job(struct piece_sink *sk)
{
	return (struct job *)((char *)sk - offsetof(struct job, sink));
}

static const struct job *
sink_cjob(const struct piece_sink *sk)
{
	return (const struct job *)((const char *)sk -
	    offsetof(struct job, sink));
}
TAILQ_HEAD(jobq, job);

static struct jobq		 jobs = TAILQ_HEAD_INITIALIZER(jobs);
static struct event_base	*fbase;
static unsigned			 njobs;
static unsigned			 nfor_peers;	/* jobs with for_peer */
static bool			 stopping;
static uint64_t			 mem_bytes;	/* in memory files */
static unsigned			 ncommits;	/* in flight */

static void	job_schedule(struct job *);

/* Write all of buf at off (worker threads); 0 or -errno. */
static int
pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = pwrite(fd, buf + done, len - done, (off_t)(off + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EIO : -errno;
		done += (size_t)n;
	}
	return 0;
}
static void	job_join_peers(struct job *);
struct wjob;
static void	inc_reset(struct job *, bool);
static void	inc_take(struct job *, struct wjob *);
static void	inc_catch_up(struct job *);
static void	job_fail(struct job *, const char *reason, bool transient,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void	job_check_complete(struct job *);
static void	job_unref(struct job *);
static void	src_flush(struct source *);
static void	download(struct fetch_reply *, const struct fetchmsg_req *);
static void	sink_need_mirror(struct piece_sink *);

static const struct ws_callbacks src_cb;


unsigned
fetch_njobs(void)
{
	return njobs;
}

/*
 * Messages to requesters, through their reply handle (fetch.h).
 */
static void
send_start(struct job *j, struct waiter *w, int fd)
{
	struct fetchmsg_event	e = { .kind = FETCHMSG_START, .size = -1 };

	if (j != NULL) {
		e.last_modified = j->last_modified;
		e.size = j->size;
	}
	w->rq->ops->event(w->rq, &e, fd);
	w->started = true;
	w->sent_have = 0;
}

static void
send_progress(struct waiter *w, uint64_t have)
{
	struct fetchmsg_event	e = { .kind = FETCHMSG_PROGRESS, .have = have };

	w->rq->ops->event(w->rq, &e, -1);
	w->sent_have = have;
	w->sent_ms = clock_ms();
}

static void
send_final(struct waiter *w, bool ims_hit, time_t lm, uint64_t size,
    const char *source)
{
	struct fetchmsg_event	e = { .kind = FETCHMSG_DONE };

	e.ims_hit = ims_hit;
	e.last_modified = lm;
	e.size = (int64_t)size;
	snprintf(e.source, sizeof(e.source), "%s", source);
	w->rq->ops->event(w->rq, &e, -1);
}

static void
send_error(struct fetch_reply *rq, const char *reason, bool transient,
    const char *msg)
{
	rq->ops->error(rq, reason, transient, msg);
}

static void
waiter_end(struct job *j, struct waiter *w)
{
	TAILQ_REMOVE(&j->waiters, w, entry);
	w->rq->ops->release(w->rq);
	free(w);
}

/* A descriptor for one reader: its own open file description. */
static int
reader_fd(struct job *j)
{
	int	fd;

	if (j->rw < 0)
		return -1;
	if ((fd = reopen_ro(j->rw)) < 0)
		log_warnx("fetch %s: cannot reopen: %s", j->url, strerror(-fd));
	return fd;
}

static void
waiter_start(struct job *j, struct waiter *w)
{
	int	fd = reader_fd(j);

	send_start(j, w, fd);
	if (fd >= 0)
		close(fd);
}

static void
progress_flush(struct job *j, bool force)
{
	struct waiter	*w;
	uint64_t	 t = clock_ms();
	bool		 later = false;
	struct timeval	 tv = { 0, PROGRESS_MS * 1000 };

	TAILQ_FOREACH(w, &j->waiters, entry) {
		if (!w->started || j->prefix <= w->sent_have)
			continue;
		if (force || j->prefix - w->sent_have >= PROGRESS_BYTES ||
		    t - w->sent_ms >= PROGRESS_MS ||
		    (j->size >= 0 && j->prefix == (uint64_t)j->size))
			send_progress(w, j->prefix);
		else
			later = true;
	}
	if (later && j->ptimer != NULL && !evtimer_pending(j->ptimer, NULL))
		evtimer_add(j->ptimer, &tv);
}

static void
ptimer_cb(evutil_socket_t fd, short what, void *arg)
{
	progress_flush(arg, true);
}

/* Requesters whose max_size the file exceeds get their error now. */
static void
check_max_size(struct job *j, uint64_t size)
{
	struct waiter	*w, *next;
	char		 msg[128];
	bool		 any = !TAILQ_EMPTY(&j->waiters);

	for (w = TAILQ_FIRST(&j->waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->max_size == 0 || size <= w->max_size)
			continue;
		snprintf(msg, sizeof(msg), "file is larger than the maximum "
		    "size of %llu bytes", (unsigned long long)w->max_size);
		send_error(w->rq, "MaximumSizeExceeded", false, msg);
		waiter_end(j, w);
	}
	/* Nobody wants a file this large: stop fetching it. */
	if (any && TAILQ_EMPTY(&j->waiters))
		job_fail(j, "MaximumSizeExceeded", false, "too large");
}

/* An unhashed job is worth nothing once all its requesters left. */
static bool
abandoned(struct job *j)
{
	struct waiter	*w;

	if (j->hashed)
		return false;
	TAILQ_FOREACH(w, &j->waiters, entry)
		if (!w->rq->ops->gone(w->rq))
			return false;
	return true;
}

/*
 * Job life cycle.
 */
static void
job_close_file(struct job *j)
{
	if (j->rw >= 0)
		close(j->rw);
	j->rw = -1;
	if (j->mem)
		mem_bytes -= (uint64_t)j->size;
	j->mem = false;
}

static void
job_free(struct job *j)
{
	size_t	i;

	assert(j->refs == 0 && TAILQ_EMPTY(&j->waiters));

	for (i = 0; i < j->nsrc; i++) {
		free(j->src[i].url);
		free(j->src[i].buf);
	}
	if (j->have_pm)
		piecemap_free(&j->pm);
	job_close_file(j);
	if (j->ptimer != NULL)
		event_free(j->ptimer);
	if (j->stall != NULL)
		event_free(j->stall);
	if (j->inc != NULL)
		hash_free(j->inc);
	free(j->url);
	free(j->base);
	free(j);
}

static void
job_unref(struct job *j)
{
	assert(j->refs > 0);
	if (--j->refs == 0 && j->phase == PH_DONE)
		job_free(j);
}

/* Stop every transfer; a source stays busy only while it writes. */
static void
job_cancel_sources(struct job *j)
{
	struct source	*s;
	size_t		 i;

	for (i = 0; i < j->nsrc; i++) {
		s = &j->src[i];
		if (s->x != NULL) {
			ws_cancel(s->x);
			s->x = NULL;
		}
		s->xfer_ended = true;
		s->blen = 0;
		if (!s->writing)
			s->busy = false;
	}
}

/* Take the job off the list; it is freed when its last worker job ends. */
static void
job_end(struct job *j)
{
	struct waiter	*w;

	job_cancel_sources(j);
	while ((w = TAILQ_FIRST(&j->waiters)) != NULL)
		waiter_end(j, w);
	if (j->stall != NULL)
		evtimer_del(j->stall);
	if (j->discovering) {
		discover_cancel(j);
		j->discovering = false;
		job_unref(j);
	}
	if (j->swarm != NULL) {
		/* Still set: the file did not make it into the cache. */
		swarm_job_done(j->swarm, false);
		j->swarm = NULL;
		peermgr_notify(j->sha, PEERMGR_DROP);
	}
	if (j->listed) {
		TAILQ_REMOVE(&jobs, j, entry);
		j->listed = false;
		njobs--;
		if (j->for_peer)
			nfor_peers--;
	}
	j->phase = PH_DONE;
	j->refs++;
	job_unref(j);
}

static void
discard_work(void *arg)
{
	cache_part_discard(arg);
}

static void
discard_later(struct job *j)
{
	uint8_t	*sha;

	if ((sha = malloc(SHA256_LEN)) == NULL)
		return;
	memcpy(sha, j->sha, SHA256_LEN);
	if (workers_submit(discard_work, free, sha) < 0)
		free(sha);
}

static void
job_fail(struct job *j, const char *reason, bool transient,
    const char *fmt, ...)
{
	struct waiter	*w;
	char		 msg[512];
	va_list		 ap;

	if (j->phase == PH_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("fetch %s: %s (%s)", j->url, msg, reason);
	TAILQ_FOREACH(w, &j->waiters, entry)
		send_error(w->rq, reason, transient, msg);
	/* A part with no piece is worth nothing: do not leave it behind. */
	if (j->hashed && j->rw >= 0 && !j->mem &&
	    (!j->have_pm || j->pm.nhave == 0) &&
	    strcmp(reason, "HashSumMismatch") != 0)
		discard_later(j);
	job_end(j);
}

static const char *
errno_reason(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return "DiskFull";
	default:
		return "CacheError";
	}
}

/* The whole file is there (or not modified): tell one requester. */
static void
waiter_done(struct job *j, struct waiter *w, bool ims_hit, const char *source)
{
	uint64_t	size = (uint64_t)j->size;

	if (!ims_hit) {
		if (!w->started)
			waiter_start(j, w);
		if (w->sent_have < size)
			send_progress(w, size);
	}
	send_final(w, ims_hit, j->last_modified, size, source);
}

/* Answer every requester; the job itself lives on. */
static void
job_answer(struct job *j, bool ims_hit)
{
	struct waiter	*w;
	uint64_t	 size = j->size >= 0 ? (uint64_t)j->size : j->seq;

	j->size = (int64_t)size;
	j->prefix = size;
	while ((w = TAILQ_FIRST(&j->waiters)) != NULL) {
		waiter_done(j, w, ims_hit, j->peer_bytes == 0 ? "mirror" :
		    j->peer_bytes >= size ? "peers" : "peers+mirror");
		waiter_end(j, w);
	}
	log_debug("fetch %s: done, %llu bytes%s", j->url,
	    (unsigned long long)size, ims_hit ? " (not modified)" : "");
}

static void
job_finish_ok(struct job *j, bool ims_hit)
{
	job_answer(j, ims_hit);
	job_end(j);
}

/*
 * Persisting the piece map, coalesced: one save in flight at a time.
 */
struct mapsave {
	struct job	*job;
	struct piecemap	 snap;
	int		 rc;
};

static void
mapsave_work(void *arg)
{
	struct mapsave	*ms = arg;

	ms->rc = cache_map_save(ms->job->sha, &ms->snap, ms->job->rw);
}

static void	job_verify(struct job *);
static void	map_save(struct job *);

static void
mapsave_done(void *arg)
{
	struct mapsave	*ms = arg;
	struct job	*j = ms->job;

	j->map_saving = false;
	if (ms->rc < 0)
		log_warnx("fetch %s: saving piece map: %s", j->url,
		    strerror(-ms->rc));
	piecemap_free(&ms->snap);
	free(ms);
	if (j->phase == PH_RUNNING && j->map_dirty &&
	    !piecemap_complete(&j->pm)) {
		map_save(j);
	} else if (j->verify_wanted) {
		j->verify_wanted = false;
		job_verify(j);
	}
	job_unref(j);
}

static void
map_save(struct job *j)
{
	struct mapsave	*ms;

	/*
	 * A complete file is verified next: nothing left to resume; nor is
	 * there in a memory file.
	 */
	if (!j->hashed || !j->have_pm || j->rw < 0 || j->mem ||
	    piecemap_complete(&j->pm))
		return;
	if (j->map_saving) {
		j->map_dirty = true;
		return;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		return;
	ms->job = j;
	ms->snap = j->pm;
	if ((ms->snap.bits = malloc(piecemap_nbytes(&j->pm) + 1)) == NULL) {
		free(ms);
		return;
	}
	memcpy(ms->snap.bits, j->pm.bits, piecemap_nbytes(&j->pm));
	if (workers_submit(mapsave_work, mapsave_done, ms) < 0) {
		piecemap_free(&ms->snap);
		free(ms);
		return;
	}
	j->map_saving = true;
	j->map_dirty = false;
	j->refs++;
}

/*
 * Opening (or reopening after a mismatch) the file on a worker.
 */
struct opening {
	struct job	*job;
	bool		 discard;
	bool		 mem;		/* a memory file: no disk involved */
	int		 rc, rw, ro;
	struct piecemap	 pm;
	bool		 have_pm;
};

static void
open_work(void *arg)
{
	struct opening	*op = arg;
	struct job	*j = op->job;

	op->rw = op->ro = -1;
	if (!j->hashed) {
		op->rc = cache_tmp_open(&op->rw, &op->ro);
		return;
	}
	if (op->mem) {
		if ((op->rc = cache_mem_open()) < 0)
			return;
		op->rw = op->rc;
		if ((op->rc = piecemap_init(&op->pm, (uint64_t)j->size)) == 0)
			op->have_pm = true;
		return;
	}
	if (op->discard)
		cache_part_discard(j->sha);
	if ((op->rc = cache_part_open(j->sha, &op->rw, &op->ro)) < 0)
		return;
	if (j->size >= 0) {
		if (cache_map_load(j->sha, &op->pm, (uint64_t)j->size) < 0)
			piecemap_clear(&op->pm);
		op->have_pm = op->pm.bits != NULL;
		if (!op->have_pm)
			op->rc = -ENOMEM;
	}
}

static void
open_done(void *arg)
{
	struct opening	*op = arg;
	struct job	*j = op->job;
	struct waiter	*w;

	if (op->ro >= 0)
		close(op->ro);
	if (j->phase == PH_DONE || op->rc < 0) {
		if (op->rw >= 0)
			close(op->rw);
		if (op->have_pm)
			piecemap_free(&op->pm);
		if (j->phase != PH_DONE)
			job_fail(j, errno_reason(-op->rc), true,
			    "cache %s: %s", cache_root(), strerror(-op->rc));
		goto out;
	}
	j->rw = op->rw;
	if ((j->mem = op->mem))
		mem_bytes += (uint64_t)j->size;
	/* Hash as we write only a file we write from its first byte. */
	inc_reset(j, op->have_pm && op->pm.nhave > 0);
	if (op->have_pm) {
		j->pm = op->pm;
		j->have_pm = true;
		j->prefix = piecemap_prefix(&j->pm);
		if (j->pm.nhave > 0)
			log_info("fetch %s: resuming with %llu of %lld bytes",
			    j->url, (unsigned long long)piecemap_bytes(&j->pm),
			    (long long)j->size);
	}
	j->phase = PH_RUNNING;
	if (j->size >= 0) {
		check_max_size(j, (uint64_t)j->size);
		if (j->phase == PH_DONE)
			goto out;
		TAILQ_FOREACH(w, &j->waiters, entry)
			waiter_start(j, w);
		progress_flush(j, true);
	}
	job_join_peers(j);
	job_schedule(j);
	job_check_complete(j);
out:
	free(op);
	job_unref(j);
}

static void
stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job		*j = arg;
	struct timeval		 tv = { 0, PEER_STALL_MS * 1000 };

	if (j->phase != PH_RUNNING || !j->peer_hold)
		return;
	if (j->have_pm && j->pm.nhave > j->stall_mark) {
		/* The peers deliver: keep waiting for them. */
		j->stall_mark = j->pm.nhave;
		j->stall_ms = clock_ms();
		evtimer_add(j->stall, &tv);
		return;
	}
	if (clock_ms() - j->stall_ms < FETCHER_STALL_MS &&
	    peermgr_should_wait(j->sha) == PEERMGR_WAIT_FETCHER) {
		evtimer_add(j->stall, &tv);
		return;
	}
	log_debug("fetch %s: peers stalled, using the mirrors", j->url);
	sink_need_mirror(&j->sink);
}

/* Let the mirrors wait while peers deliver; false if we cannot. */
static bool
job_hold(struct job *j)
{
	struct timeval	tv = { 0, PEER_STALL_MS * 1000 };

	if (j->stall == NULL &&
	    (j->stall = evtimer_new(fbase, stall_cb, j)) == NULL)
		return false;
	j->peer_hold = true;
	j->stall_mark = j->pm.nhave;
	j->stall_ms = clock_ms();
	evtimer_add(j->stall, &tv);
	return true;
}

/* The suite publishes a torrent for the file: standard clients may join. */
static void
torrent_found(void *arg, bool ok)
{
	struct job	*j = arg;

	j->discovering = false;
	if (ok && j->phase == PH_RUNNING && j->swarm != NULL)
		swarm_torrent_known(j->swarm);
	job_unref(j);
}

/*
 * Share the download with peers.  If a site daemon holds or fetches the
 * file, ask it first and let the mirrors wait while it delivers; else the
 * mirrors start at once and peers may still join.
 */
static void
job_join_peers(struct job *j)
{

	if (!j->hashed || !j->have_pm || j->size <= 0)
		return;
	if (j->swarm == NULL) {
		j->swarm = swarm_for_job(&j->sink, j->sha, (uint64_t)j->size);
		if (j->swarm == NULL)
			return;
		peermgr_notify(j->sha, PEERMGR_FETCHING);
		if (j->base != NULL && !j->discovering) {
			j->discovering = true;
			j->refs++;
			if (discover_torrent(j->base, j->sha, (uint64_t)j->size,
			    torrent_found, j) < 0) {
				j->discovering = false;
				j->refs--;
			}
		}
	}
	/*
	 * Wait for peers if one holds the file, or fetches it and is the one
	 * that should (rendezvous).  Otherwise, if a site daemon scores
	 * higher for the file, ask it to fetch the file: when several start
	 * it together, each sends its want to the same daemon, which alone
	 * uses the mirror.  A file fetched for a peer is not passed on.
	 */
	if (state.paused || piecemap_complete(&j->pm))
		return;
	if (peermgr_should_wait(j->sha) != PEERMGR_WAIT_NO) {
		if (!swarm_ask_peers(j->swarm))
			return;
	} else if (j->for_peer || j->delegated ||
	    !peermgr_delegate(j->sha, (uint64_t)j->size, j->url))
		return;
	else {
		j->delegated = true;
		swarm_ask_peers(j->swarm);
	}
	if (job_hold(j))
		log_debug("fetch %s: asking site peers first", j->url);
}

static void
fetch_peers_changed(void)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		if (j->phase == PH_RUNNING && j->swarm != NULL &&
		    !piecemap_complete(&j->pm))
			swarm_ask_peers(j->swarm);
}

static void
fetch_peer_fetching(const uint8_t *sha, const uint8_t *peer_id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry) {
		if (!j->hashed || memcmp(j->sha, sha, SHA256_LEN) != 0)
			continue;
		if (j->phase != PH_RUNNING || j->peer_hold || j->swarm == NULL ||
		    state.paused || piecemap_complete(&j->pm))
			return;
		if (!site_outranks(peer_id, peer_self_id, sha))
			return;		/* we keep the mirror */
		if (!job_hold(j))
			return;
		log_debug("fetch %s: another daemon fetches it too; streaming "
		    "from it", j->url);
		job_cancel_sources(j);
		swarm_ask_peers(j->swarm);
		return;
	}
}

static void
sink_need_mirror(struct piece_sink *sk)
{
	struct job	*j = sink_job(sk);

	if (!j->peer_hold)
		return;
	j->peer_hold = false;
	if (j->stall != NULL)
		evtimer_del(j->stall);
	job_schedule(j);
}

/*
 * The mirror transfer whose range holds the piece, if the piece lies far
 * enough ahead of where that transfer is (two pieces) for peers to take
 * it over; *taken is NULL when no transfer holds it at all.
 */
static bool
piece_takeable(const struct job *j, uint32_t piece, struct source **taken)
{
	uint64_t	start, end, margin;
	size_t		i;
	struct source	*s;

	*taken = NULL;
	if (!j->have_pm || j->phase != PH_RUNNING)
		return false;
	start = (uint64_t)piece * j->pm.piece_size;
	end = start + piecemap_len(&j->pm, piece);
	margin = 2 * (uint64_t)j->pm.piece_size;
	for (i = 0; i < j->nsrc; i++) {
		s = (struct source *)&j->src[i];
		if (!s->busy || start >= s->end || end <= s->hold)
			continue;
		if (start < s->pos + margin)
			return false;
		*taken = s;
	}
	return true;
}

static bool
sink_piece_free(const struct piece_sink *sk, uint32_t piece)
{
	struct source	*s;

	return piece_takeable(sink_cjob(sk), piece, &s);
}

/*
 * Peers take the piece: a mirror transfer that would have fetched it
 * stops short of it, and the mirrors wait while peers deliver (until
 * they stall), so no byte comes twice.
 */
static bool
sink_claim(struct piece_sink *sk, uint32_t piece)
{
	struct job	*j = sink_job(sk);
	struct source	*s;

	if (!piece_takeable(j, piece, &s))
		return false;
	if (s != NULL)
		s->end = (uint64_t)piece * j->pm.piece_size;
	if (!j->peer_hold)
		job_hold(j);
	return true;
}

static bool
sink_has(const struct piece_sink *sk, uint32_t piece)
{
	const struct job	*j = sink_cjob(sk);

	return j->have_pm && piece < j->pm.npieces &&
	    piecemap_has(&j->pm, piece);
}

static const uint8_t *
sink_bits(const struct piece_sink *sk)
{
	const struct job	*j = sink_cjob(sk);

	return j->have_pm ? j->pm.bits : NULL;
}

static uint64_t
sink_have_bytes(const struct piece_sink *sk)
{
	const struct job	*j = sink_cjob(sk);

	return j->have_pm ? piecemap_bytes(&j->pm) : 0;
}

static int
sink_mem_fd(const struct piece_sink *sk)
{
	const struct job	*j = sink_cjob(sk);

	return j->mem ? j->rw : -1;
}

/* A verified piece from peers, written on a worker. */
struct pjob {
	struct job	*job;
	uint32_t	 piece;
	uint8_t		*data;
	uint32_t	 len;
	int		 fd;
	int		 rc;
	struct hash_ctx	*inc;		/* next in file order: hash it too */
	bool		 whole;		/* the whole file, digest its SHA-256 */
	bool		 alone;		/* no other write in flight */
	uint64_t	 gen;
	uint8_t		 digest[SHA256_LEN];
};

static void
pwrite_work(void *arg)
{
	struct pjob	*p = arg;

	if (p->inc != NULL)
		hash_update(p->inc, p->data, p->len);
	p->rc = pwrite_all(p->fd, p->data, p->len,
	    (uint64_t)p->piece * p->job->pm.piece_size);
}

/* A piece from peers is in the file. */
static void
piece_stored(struct job *j, uint32_t piece, uint32_t len)
{
	if (piecemap_has(&j->pm, piece))
		return;
	j->peer_bytes += len;
	piecemap_set(&j->pm, piece);
	if (j->swarm != NULL)
		swarm_piece_stored(j->swarm, piece);
	j->prefix = piecemap_prefix(&j->pm);
	progress_flush(j, false);
	map_save(j);
	inc_catch_up(j);
	job_check_complete(j);
}

static void
pwrite_done(void *arg)
{
	struct pjob	*p = arg;
	struct job	*j = p->job;

	free(p->data);
	j->writes--;
	if (p->rc == 0 && p->whole && p->alone && j->phase == PH_RUNNING) {
		memcpy(j->whole, p->digest, SHA256_LEN);
		j->whole_gen = p->gen;
		j->whole_hashed = true;
	}
	if (p->inc != NULL) {
		j->inc_busy = false;
		if (j->inc_broken || p->rc < 0)
			inc_reset(j, true);
	}
	if (j->phase != PH_RUNNING || !j->have_pm) {
		free(p);
		job_unref(j);
		return;
	}
	if (p->rc < 0)
		job_fail(j, errno_reason(-p->rc), true, "writing to cache %s: "
		    "%s", cache_root(), strerror(-p->rc));
	else
		piece_stored(j, p->piece, p->len);
	free(p);
	job_unref(j);
}

static void
sink_store(struct piece_sink *sk, uint32_t piece, uint8_t *data,
    uint32_t len, const uint8_t *sha256)
{
	struct job	*j = sink_job(sk);
	struct pjob	*p;
	bool		 whole = sha256 != NULL && piece == 0 &&
			    j->size == (int64_t)len;

	if (j->phase != PH_RUNNING || !j->have_pm || j->rw < 0 ||
	    piece >= j->pm.npieces || piecemap_has(&j->pm, piece)) {
		free(data);
		return;
	}
	/*
	 * The whole file into a memory file: no disk to wait for, so no
	 * worker either.  (Should that fail, a worker tries and reports.)
	 */
	if (whole && j->mem && j->writes == 0 &&
	    pwrite_all(j->rw, data, len, 0) == 0) {
		free(data);
		inc_reset(j, true);
		j->wgen++;
		memcpy(j->whole, sha256, SHA256_LEN);
		j->whole_gen = j->wgen;
		j->whole_hashed = true;
		piece_stored(j, piece, len);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(data);
		return;
	}
	p->job = j;
	p->piece = piece;
	p->data = data;
	p->len = len;
	p->fd = j->rw;
	/*
	 * Usually the next piece in file order: hash it from this buffer
	 * (unless the swarm already knows the whole file's digest).
	 */
	if (!whole && j->hashed && !j->inc_broken && !j->inc_busy &&
	    (uint64_t)piece * j->pm.piece_size == j->inc_off &&
	    (j->inc != NULL || (j->inc = hash_new(HASH_SHA256)) != NULL))
		p->inc = j->inc;
	p->whole = whole;
	if (whole)
		memcpy(p->digest, sha256, SHA256_LEN);
	p->alone = j->writes == 0;
	p->gen = j->wgen + 1;
	if (workers_submit(pwrite_work, pwrite_done, p) < 0) {
		free(data);
		free(p);
		return;
	}
	if (p->inc != NULL) {
		j->inc_off += len;
		j->inc_busy = true;
	}
	j->writes++;
	j->wgen++;
	j->refs++;
}

static const struct piece_sink_ops job_sink_ops = {
	.has = sink_has,
	.bits = sink_bits,
	.have_bytes = sink_have_bytes,
	.piece_free = sink_piece_free,
	.claim = sink_claim,
	.need_mirror = sink_need_mirror,
	.store = sink_store,
	.mem_fd = sink_mem_fd,
};

static int
job_open(struct job *j, bool discard)
{
	struct opening	*op;
	int		 rc;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -ENOMEM;
	op->job = j;
	op->discard = discard;
	j->phase = PH_OPENING;
	/*
	 * A file of one piece has nothing to resume: it comes into memory,
	 * opened here at once, and reaches the disk only once verified.
	 */
	if (j->hashed && j->size > 0 &&
	    (uint64_t)j->size <= piece_size_for((uint64_t)j->size) &&
	    mem_bytes + (uint64_t)j->size <= MEM_MAX) {
		op->mem = true;
		j->refs++;
		open_work(op);
		open_done(op);
		return 0;
	}
	if ((rc = workers_submit(open_work, open_done, op)) < 0) {
		free(op);
		return rc;
	}
	j->refs++;
	return 0;
}

/*
 * Verification, then the commit into the cache as background work.
 */
struct verify {
	struct job	*job;
	bool		 last;		/* discard the file on a mismatch */
	uint8_t		 digest[SHA256_LEN];
	int		 rc;
};

/* Hash the part file: -EBADMSG when it is not the file we want. */
static void
hash_work(void *arg)
{
	struct verify	*v = arg;
	struct job	*j = v->job;

	v->rc = cache_part_hash(j->rw, (uint64_t)j->size, v->digest);
	if (v->rc == 0 && memcmp(v->digest, j->sha, SHA256_LEN) != 0)
		v->rc = -EBADMSG;
	if (v->rc == -EBADMSG && v->last)
		cache_part_discard(j->sha);
}

static void
commit_work(void *arg)
{
	struct verify	*v = arg;
	struct job	*j = v->job;

	if (j->mem) {
		v->rc = cache_mem_commit(j->sha, j->rw, (uint64_t)j->size,
		    v->digest);
		return;
	}
	v->rc = cache_part_commit_hashed(j->sha, j->rw, (uint64_t)j->size,
	    v->digest);
	if (v->rc == -EBADMSG)
		cache_part_discard(j->sha);
}

static void
job_restart(struct job *j)
{
	struct source	 tmp;
	struct waiter	*w;
	size_t		 i, k;
	int		 rc;

	/* Different mirrors first: move the sources that served to the end. */
	for (i = 0, k = 0; i < j->nsrc; i++)
		if (!j->src[k].used) {
			k++;
		} else {
			tmp = j->src[k];
			memmove(&j->src[k], &j->src[k + 1],
			    (j->nsrc - k - 1) * sizeof(tmp));
			j->src[j->nsrc - 1] = tmp;
		}
	for (i = 0; i < j->nsrc; i++) {
		struct source	*s = &j->src[i];

		s->dead = s->bad_size = s->used = false;
		s->fails = 0;
		s->busy = false;
		s->blen = 0;
	}
	job_close_file(j);
	piecemap_free(&j->pm);
	j->have_pm = false;
	j->prefix = 0;
	j->whole_hashed = false;
	TAILQ_FOREACH(w, &j->waiters, entry)
		w->started = false;
	if ((rc = job_open(j, true)) < 0)
		job_fail(j, "CacheError", true, "cannot restart: %s",
		    strerror(-rc));
}

static void
commit_done(void *arg)
{
	struct verify		*v = arg;
	struct job		*j = v->job;
	struct cache_entry	*e;
	int			 rc = v->rc;

	free(v);
	ncommits--;
	if (j->phase != PH_COMMITTING) {
		job_unref(j);
		return;
	}
	/* Those not answered yet, for a backlog of commits. */
	if (!TAILQ_EMPTY(&j->waiters))
		job_answer(j, false);
	if (rc == 0) {
		e = cache_add(j->sha, (uint64_t)j->size, time(NULL));
		if (e != NULL)
			cache_pin(e);
		if (j->swarm != NULL) {
			swarm_job_done(j->swarm, true);
			j->swarm = NULL;
		}
		job_end(j);
		if ((e = cache_lookup(j->sha)) != NULL)
			cache_unpin(e);
		cache_evict();
	} else {
		/* Requesters have their copy; the cache just goes without. */
		log_warnx("fetch %s: cannot keep it in cache %s: %s", j->url,
		    cache_root(), strerror(-rc));
		job_end(j);
	}
	job_unref(j);
}

/*
 * The file's SHA-256 matched: answer every requester now, then make the
 * file durable in the cache as background work (or, behind too many such
 * commits, first commit and then answer).  Until that is done the job
 * stays listed, so requests for the file meanwhile are answered from it.
 */
static void
job_verified(struct job *j, const uint8_t *digest)
{
	struct verify	*v;
	bool		 ahead = ncommits < COMMITS_AHEAD;
	int		 rc = -ENOMEM;

	/* Only a file whose whole SHA-256 matched is answered and kept. */
	assert(j->hashed && memcmp(digest, j->sha, SHA256_LEN) == 0);
	if (ahead)
		job_answer(j, false);
	j->phase = PH_COMMITTING;
	if ((v = calloc(1, sizeof(*v))) != NULL) {
		v->job = j;
		memcpy(v->digest, digest, SHA256_LEN);
		rc = ahead ? workers_submit_bg(commit_work, commit_done, v) :
		    workers_submit(commit_work, commit_done, v);
	}
	if (rc < 0) {
		/* Not kept, but verified: the requesters have it all the same. */
		free(v);
		if (!TAILQ_EMPTY(&j->waiters))
			job_answer(j, false);
		job_end(j);
		return;
	}
	ncommits++;
	j->refs++;
}

static void
hash_done(void *arg)
{
	struct verify	*v = arg;
	struct job	*j = v->job;
	int		 rc = v->rc;

	if (j->phase != PH_VERIFYING) {
		free(v);
		job_unref(j);
		return;
	}
	if (rc == 0) {
		job_verified(j, v->digest);
	} else if (rc == -EBADMSG && ++j->attempts < HASH_ATTEMPTS) {
		log_warnx("fetch %s: SHA-256 mismatch, fetching again",
		    j->url);
		job_restart(j);
	} else if (rc == -EBADMSG) {
		job_fail(j, "HashSumMismatch", false,
		    "SHA-256 mismatch for %s after %u downloads", j->url,
		    j->attempts);
	} else {
		job_fail(j, errno_reason(-rc), true, "cache %s: %s",
		    cache_root(), strerror(-rc));
	}
	free(v);
	job_unref(j);
}

/*
 * The digest of the file as written, if known without reading it back:
 * hashed in order as a single transfer wrote it, or the one piece from
 * peers that is the whole file, with no other write beside or after it.
 */
static bool
job_digest(struct job *j, uint8_t *out)
{
	if (j->inc != NULL && !j->inc_broken && !j->inc_busy &&
	    j->inc_off == (uint64_t)j->size) {
		hash_final(j->inc, out);
		return true;
	}
	if (j->whole_hashed && j->whole_gen == j->wgen && j->writes == 0) {
		memcpy(out, j->whole, SHA256_LEN);
		return true;
	}
	return false;
}

static void
job_verify(struct job *j)
{
	struct verify	*v;
	uint8_t		 digest[SHA256_LEN];
	bool		 known;
	int		 rc = -ENOMEM;

	job_cancel_sources(j);
	if (j->map_saving) {
		j->verify_wanted = true;
		return;
	}
	/* The hash is behind the writes: let it finish rather than reread. */
	inc_catch_up(j);
	if (j->inc_busy && !j->inc_broken) {
		j->verify_wanted = true;
		return;
	}
	j->phase = PH_VERIFYING;
	known = job_digest(j, digest);
	inc_reset(j, true);
	j->whole_hashed = false;
	if (known && memcmp(digest, j->sha, SHA256_LEN) == 0) {
		job_verified(j, digest);
		return;
	}
	/* Not known, or a mismatch: the file on disk has the last word. */
	if ((v = calloc(1, sizeof(*v))) != NULL) {
		v->job = j;
		v->last = j->attempts + 1 >= HASH_ATTEMPTS;
		rc = workers_submit(hash_work, hash_done, v);
	}
	if (rc < 0) {
		free(v);
		job_fail(j, "CacheError", true, "cannot verify: %s",
		    strerror(-rc));
		return;
	}
	j->refs++;
}

static bool
sources_idle(struct job *j)
{
	size_t	i;

	for (i = 0; i < j->nsrc; i++)
		if (j->src[i].busy)
			return false;
	return true;
}

static void
job_check_complete(struct job *j)
{
	if (j->phase != PH_RUNNING)
		return;
	if (j->have_pm) {
		if (!piecemap_complete(&j->pm))
			return;
		/* Stop anything still running past the last piece. */
		job_cancel_sources(j);
		if (j->hashed)
			job_verify(j);
		else if (sources_idle(j))
			job_finish_ok(j, false);
	}
}

/*
 * Sources: ranges, buffered data, ordered writes.
 */
struct wjob {
	struct source	*src;
	uint64_t	 off;
	uint8_t		*buf;
	size_t		 len;
	int		 fd;
	int		 rc;
	struct hash_ctx	*inc;		/* hash these bytes, in order */
};

/*
 * Incremental hashing of in-order writes (see struct job).
 */
static void
inc_reset(struct job *j, bool broken)
{
	/* A worker is hashing into it: write_done frees it. */
	if (j->inc_busy) {
		j->inc_broken = true;
		return;
	}
	if (j->inc != NULL)
		hash_free(j->inc);
	j->inc = NULL;
	j->inc_off = 0;
	j->inc_busy = false;
	j->inc_broken = broken;
}

static void
inc_take(struct job *j, struct wjob *w)
{
	if (!j->hashed || j->inc_broken)
		return;
	/* Out of order, or hashing elsewhere: inc_catch_up reads it later. */
	if (w->off != j->inc_off || j->inc_busy) {
		if (!j->have_pm)
			inc_reset(j, true);
		return;
	}
	if (j->inc == NULL && (j->inc = hash_new(HASH_SHA256)) == NULL) {
		j->inc_broken = true;
		return;
	}
	w->inc = j->inc;
	j->inc_off += w->len;
	j->inc_busy = true;
}

static void
write_work(void *arg)
{
	struct wjob	*w = arg;

	if (w->inc != NULL)
		hash_update(w->inc, w->buf, w->len);
	w->rc = pwrite_all(w->fd, w->buf, w->len, w->off);
}

/* Read back and hash the written prefix the hash has not covered yet. */
struct catchup {
	struct job	*job;
	struct hash_ctx	*inc;
	uint64_t	 off, len;
	int		 fd;
	int		 rc;
};

static void
catchup_work(void *arg)
{
	struct catchup	*c = arg;
	uint8_t		*buf;
	uint64_t	 done = 0;
	size_t		 n;
	ssize_t		 r;

	if ((buf = malloc(CATCHUP_READ)) == NULL) {
		c->rc = -ENOMEM;
		return;
	}
	while (done < c->len) {
		n = c->len - done < CATCHUP_READ ? (size_t)(c->len - done) :
		    CATCHUP_READ;
		if ((r = pread(c->fd, buf, n, (off_t)(c->off + done))) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			c->rc = r < 0 ? -errno : -EIO;
			break;
		}
		hash_update(c->inc, buf, (size_t)r);
		done += (uint64_t)r;
	}
	free(buf);
}

static void
catchup_done(void *arg)
{
	struct catchup	*c = arg;
	struct job	*j = c->job;

	j->inc_busy = false;
	if (c->rc < 0 || j->inc_broken)
		inc_reset(j, true);
	free(c);
	if (j->phase == PH_RUNNING) {
		inc_catch_up(j);
		if (j->verify_wanted && !j->map_saving && !j->inc_busy) {
			j->verify_wanted = false;
			job_verify(j);
		}
	}
	job_unref(j);
}

static void
inc_catch_up(struct job *j)
{
	struct catchup	*c;
	uint64_t	 upto = j->prefix;

	if (!j->hashed || !j->have_pm || j->inc_broken || j->inc_busy ||
	    j->rw < 0 || j->phase != PH_RUNNING || upto <= j->inc_off)
		return;
	if (upto - j->inc_off > CATCHUP_MAX)
		upto = j->inc_off + CATCHUP_MAX;
	if (j->inc == NULL && (j->inc = hash_new(HASH_SHA256)) == NULL) {
		j->inc_broken = true;
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->job = j;
	c->inc = j->inc;
	c->off = j->inc_off;
	c->len = upto - j->inc_off;
	c->fd = j->rw;
	if (workers_submit(catchup_work, catchup_done, c) < 0) {
		free(c);
		return;
	}
	j->inc_off = upto;
	j->inc_busy = true;
	j->refs++;
}

/* Mark the pieces of s's range that are now wholly on disk, up to upto. */
static void
src_mark(struct source *s, uint64_t upto)
{
	struct job	*j = s->job;
	uint64_t	 pend;
	bool		 any = false;

	s->hold = upto;
	if (!j->have_pm) {
		j->seq = upto;
		j->prefix = upto;
		progress_flush(j, false);
		return;
	}
	while (s->next_piece < j->pm.npieces) {
		pend = (uint64_t)s->next_piece * j->pm.piece_size +
		    piecemap_len(&j->pm, s->next_piece);
		if (pend > upto)
			break;
		piecemap_set(&j->pm, s->next_piece);
		if (j->swarm != NULL)
			swarm_mirror_piece(j->swarm, s->next_piece);
		s->next_piece++;
		any = true;
	}
	if (any) {
		j->prefix = piecemap_prefix(&j->pm);
		progress_flush(j, false);
		map_save(j);
		inc_catch_up(j);
	}
}

static void
src_idle(struct source *s)
{
	struct job	*j = s->job;

	s->busy = false;
	s->blen = 0;
	if (j->phase != PH_RUNNING)
		return;
	if (!j->have_pm && !s->dead && s->xfer_ended && s->x == NULL &&
	    s->reason[0] == '\0') {
		/* A transfer of unknown length ended well: that was the file. */
		job_finish_ok(j, false);
		return;
	}
	job_schedule(j);
	job_check_complete(j);
}

static void
write_done(void *arg)
{
	struct wjob	*w = arg;
	struct source	*s = w->src;
	struct job	*j = s->job;
	int		 rc = w->rc;
	uint64_t	 end = w->off + w->len;

	if (w->inc != NULL) {
		j->inc_busy = false;
		if (j->inc_broken)
			inc_reset(j, true);
	}
	free(w->buf);
	free(w);
	s->writing = false;
	j->writes--;
	if (j->phase == PH_DONE || j->phase == PH_OPENING ||
	    j->phase == PH_COMMITTING) {
		s->busy = false;
		job_unref(j);
		return;
	}
	if (rc < 0) {
		job_fail(j, errno_reason(-rc), true, "writing to cache %s: %s",
		    cache_root(), strerror(-rc));
		job_unref(j);
		return;
	}
	state_dirty();
	src_mark(s, end);
	if (j->phase != PH_RUNNING && j->phase != PH_VERIFYING) {
		job_unref(j);
		return;
	}
	if (abandoned(j)) {
		job_fail(j, "Cancelled", false, "every requester went away");
		job_unref(j);
		return;
	}
	if (s->blen > 0 && (s->blen >= WRITE_CHUNK || s->xfer_ended ||
	    s->pos == s->end))
		src_flush(s);
	if (s->x != NULL)
		ws_resume(s->x);
	if (!s->writing && s->xfer_ended && s->x == NULL && s->busy)
		src_idle(s);
	else
		job_check_complete(j);
	job_unref(j);
}

static void
src_flush(struct source *s)
{
	struct job	*j = s->job;
	struct wjob	*w;

	if (s->writing || s->blen == 0 || j->rw < 0)
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto fail;
	w->src = s;
	w->off = s->pos - s->blen;
	w->buf = s->buf;
	w->len = s->blen;
	w->fd = j->rw;
	inc_take(j, w);
	s->buf = NULL;
	s->blen = s->bcap = 0;
	if (workers_submit(write_work, write_done, w) < 0) {
		free(w->buf);
		free(w);
		goto fail;
	}
	s->writing = true;
	j->writes++;
	j->wgen++;
	j->refs++;
	return;
fail:
	job_fail(j, "CacheError", true, "cannot queue a write");
}

static bool
src_resp_locked(void *arg, const struct ws_resp *r)
{
	struct source	*s = arg;
	struct job	*j = s->job;
	struct waiter	*w;
	int		 rc;

	if (r->last_modified > 0)
		j->last_modified = r->last_modified;
	if (j->size >= 0) {
		if (r->total >= 0 && r->total != j->size) {
			s->bad_size = true;
			return false;
		}
		return true;
	}
	/* The first answer for a file of unknown size. */
	if (r->total >= 0) {
		j->size = r->total;
		if ((rc = piecemap_init(&j->pm, (uint64_t)j->size)) < 0) {
			job_fail(j, "CacheError", true, "%s", strerror(-rc));
			return false;
		}
		j->have_pm = true;
		s->end = (uint64_t)j->size;
		check_max_size(j, (uint64_t)j->size);
		if (j->phase != PH_RUNNING)
			return false;
	}
	TAILQ_FOREACH(w, &j->waiters, entry)
		if (!w->started)
			waiter_start(j, w);
	return true;
}

static enum ws_data
src_data_locked(void *arg, const uint8_t *p, size_t n)
{
	struct source	*s = arg;
	struct job	*j = s->job;
	size_t		 take = n, cap;
	uint8_t		*nb;

	if (j->phase != PH_RUNNING)
		return WS_DATA_STOP;
	if (s->end != NO_END && s->pos + take > s->end)
		take = (size_t)(s->end - s->pos);
	if (take == 0)
		return WS_DATA_STOP;
	if (s->blen + take > MAX_BUFFERED && s->writing)
		return WS_DATA_PAUSE;
	if (s->blen + take > s->bcap) {
		cap = s->bcap ? s->bcap : WRITE_CHUNK;
		while (cap < s->blen + take)
			cap *= 2;
		if ((nb = realloc(s->buf, cap)) == NULL) {
			job_fail(j, "CacheError", true, "out of memory");
			return WS_DATA_STOP;
		}
		s->buf = nb;
		s->bcap = cap;
	}
	memcpy(s->buf + s->blen, p, take);
	s->blen += take;
	s->pos += take;
	s->used = true;
	state.bytes_from_mirrors += take;
	if (!j->have_pm)
		check_max_size(j, s->pos);
	if (j->phase != PH_RUNNING)
		return WS_DATA_STOP;
	if (s->blen >= WRITE_CHUNK || s->pos == s->end)
		src_flush(s);
	return take < n ? WS_DATA_STOP : WS_DATA_TAKEN;
}

static void
src_done_locked(void *arg, const struct ws_result *r)
{
	struct source	*s = arg;
	struct job	*j = s->job;

	if (s->x != NULL)
		s->rate = ws_xfer_rate(s->x);
	s->x = NULL;
	s->xfer_ended = true;
	if (j->phase != PH_RUNNING) {
		if (!s->writing)
			s->busy = false;
		return;
	}
	if (r->not_modified && !j->hashed) {
		job_finish_ok(j, true);
		return;
	}
	if (r->ok && !s->bad_size && (r->stopped || s->end == NO_END ||
	    s->pos >= s->end)) {
		s->fails = 0;
		s->reason[0] = '\0';
	} else {
		if (s->bad_size) {
			snprintf(s->reason, sizeof(s->reason), "%s",
			    j->hashed ? "HashSumMismatch" : "SizeMismatch");
			snprintf(s->msg, sizeof(s->msg), "%s: unexpected size",
			    s->url);
			s->transient = false;
		} else if (r->ok) {
			snprintf(s->reason, sizeof(s->reason), "Timeout");
			snprintf(s->msg, sizeof(s->msg), "%s: short transfer",
			    s->url);
			s->transient = true;
		} else {
			snprintf(s->reason, sizeof(s->reason), "%s", r->reason);
			snprintf(s->msg, sizeof(s->msg), "%s", r->msg);
			s->transient = r->transient;
		}
		log_info("fetch %s: source %s failed: %s", j->url, s->url,
		    s->msg);
		if (!s->transient || ++s->fails >= SRC_MAX_FAILS)
			s->dead = true;
		/* Release what it did not deliver. */
		if (j->have_pm)
			s->end = s->pos;
		else
			s->dead = true, s->blen = 0;
	}
	if (s->blen > 0)
		src_flush(s);
	if (!s->writing)
		src_idle(s);
}

/*
 * A callback may end the job; the reference keeps it alive until the
 * callback is back out of it.
 */
static bool
src_resp(void *arg, const struct ws_resp *r)
{
	struct job	*j = ((struct source *)arg)->job;
	bool		 ok;

	j->refs++;
	ok = src_resp_locked(arg, r);
	job_unref(j);
	return ok;
}

static enum ws_data
src_data(void *arg, const uint8_t *p, size_t n)
{
	struct job	*j = ((struct source *)arg)->job;
	enum ws_data	 d;

	j->refs++;
	d = src_data_locked(arg, p, n);
	job_unref(j);
	return d;
}

static void
src_done(void *arg, const struct ws_result *r)
{
	struct job	*j = ((struct source *)arg)->job;

	j->refs++;
	src_done_locked(arg, r);
	job_unref(j);
}

static const struct ws_callbacks src_cb = {
	src_resp,
	src_data,
	src_done,
};

static bool
src_start(struct source *s, uint64_t start, uint64_t end)
{
	struct job	*j = s->job;
	bool		 whole;

	s->busy = true;
	s->xfer_ended = false;
	s->bad_size = false;
	s->reason[0] = '\0';
	s->hold = s->pos = start;
	s->end = end;
	s->blen = 0;
	s->next_piece = j->have_pm ? (uint32_t)(start / j->pm.piece_size) : 0;
	whole = start == 0 && (end == NO_END || (j->size >= 0 &&
	    end == (uint64_t)j->size));
	s->x = ws_fetch(s->mirror, s->url, whole ? 0 : start,
	    whole ? 0 : end, j->hashed ? 0 : j->ims, &src_cb, s);
	if (s->x == NULL) {
		s->busy = false;
		s->dead = true;
		snprintf(s->reason, sizeof(s->reason), "ConnectionFailed");
		snprintf(s->msg, sizeof(s->msg), "%s: cannot start", s->url);
		return false;
	}
	log_debug("fetch %s: %s bytes %llu-%llu", j->url, s->url,
	    (unsigned long long)start, (unsigned long long)end);
	return true;
}

static uint64_t
src_rate(const struct source *s)
{
	return s->x != NULL ? ws_xfer_rate(s->x) : s->rate;
}

static void
job_schedule(struct job *j)
{
	struct busy	 act[MAX_SOURCES];
	size_t		 idx[MAX_SOURCES], nact, i, k, victim;
	struct source	*s, *v, *first_failed = NULL;
	struct span	 out;
	bool		 single, nobody, any_alive = false;
	int		 r;

	if (j->phase != PH_RUNNING || j->peer_hold)
		return;
	nobody = sources_idle(j);
	single = !j->hashed || !j->have_pm ||
	    (j->size >= 0 && j->size < FETCH_SPLIT_MIN);
	for (i = 0; i < j->nsrc; i++) {
		s = &j->src[i];
		if (s->dead)
			continue;
		any_alive = true;
		if (s->busy)
			continue;
		if (single && !sources_idle(j))
			break;
		/* Mirrors in backoff wait, unless nobody else is working. */
		if (!ws_mirror_usable(s->mirror) && !nobody)
			continue;
		if (!j->have_pm) {
			src_start(s, 0, NO_END);
			continue;
		}
		for (k = 0, nact = 0; k < j->nsrc; k++)
			if (j->src[k].busy) {
				act[nact].hold = j->src[k].hold;
				act[nact].pos = j->src[k].pos;
				act[nact].end = j->src[k].end;
				idx[nact++] = k;
			}
		r = sched_pick(&j->pm, act, nact, STEAL_MIN, &out, &victim);
		if (r == 0)
			break;
		if (r == 1 && !single) {
			/* Share a fresh gap with the idle sources still to come. */
			size_t	 nidle = 0;
			uint64_t cut, ps = j->pm.piece_size;

			for (k = i; k < j->nsrc; k++)
				if (!j->src[k].dead && !j->src[k].busy &&
				    (nobody || ws_mirror_usable(j->src[k].mirror)))
					nidle++;
			if (nidle > 1) {
				cut = out.start + (out.end - out.start) / nidle;
				cut = (cut + ps - 1) / ps * ps;
				if (cut > out.start && cut < out.end)
					out.end = cut;
			}
		}
		if (r == 2) {
			v = &j->src[idx[victim]];
			/* A slow mirror does not take work from a fast one. */
			if (s->rate > 0 && src_rate(v) > SLOW_FACTOR * s->rate)
				continue;
			v->end = out.start;
		}
		src_start(s, out.start, out.end);
	}
	if (!sources_idle(j) || (j->have_pm && piecemap_complete(&j->pm)))
		return;
	for (i = 0; i < j->nsrc; i++)
		if (j->src[i].reason[0] != '\0') {
			first_failed = &j->src[i];
			break;
		}
	if (any_alive && first_failed == NULL)
		return;
	if (any_alive) {
		/* Every live source rests in backoff: try once more now. */
		for (i = 0; i < j->nsrc; i++)
			if (!j->src[i].dead) {
				if (j->have_pm) {
					r = sched_pick(&j->pm, act, 0, 0,
					    &out, &victim);
					if (r == 1)
						src_start(&j->src[i],
						    out.start, out.end);
				} else
					src_start(&j->src[i], 0, NO_END);
				if (!sources_idle(j))
					return;
			}
	}
	if (first_failed != NULL)
		job_fail(j, first_failed->reason, first_failed->transient,
		    "%s", first_failed->msg);
	else
		job_fail(j, "ConnectionFailed", true, "no source for %s",
		    j->url);
}

/*
 * Requests.
 */
static struct job *
job_find(const struct fetchmsg_req *a)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry) {
		if (a->has_sha256) {
			if (j->hashed && memcmp(j->sha, a->sha256,
			    SHA256_LEN) == 0)
				return j;
		} else if (!j->hashed && j->ims == a->ims &&
		    strcmp(j->url, a->uri) == 0)
			return j;
	}
	return NULL;
}

static int
job_add_source(struct job *j, const char *url, struct ws_mirror *m)
{
	struct source	*s;

	if (j->nsrc == MAX_SOURCES || m == NULL)
		return -ENOSPC;
	s = &j->src[j->nsrc];
	memset(s, 0, sizeof(*s));
	if ((s->url = strdup(url)) == NULL)
		return -ENOMEM;
	s->job = j;
	s->mirror = m;
	j->nsrc++;
	return 0;
}

static struct job *
job_new(const struct fetchmsg_req *a)
{
	struct job		*j;
	char			*alt[MAX_SOURCES - 1];
	struct ws_mirror	*altm[MAX_SOURCES - 1];
	size_t			 n, i;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->sink.ops = &job_sink_ops;
	TAILQ_INIT(&j->waiters);
	j->rw = -1;
	j->size = a->size;
	j->hashed = a->has_sha256;
	j->ims = a->ims;
	if (j->hashed) {
		memcpy(j->sha, a->sha256, SHA256_LEN);
		hex_encode(j->sha, SHA256_LEN, j->hex);
	}
	if (a->base != NULL && j->hashed)
		j->base = strdup(a->base);	/* optional: metadata only */
	if ((j->url = strdup(a->uri)) == NULL ||
	    (j->ptimer = evtimer_new(fbase, ptimer_cb, j)) == NULL ||
	    job_add_source(j, a->uri, ws_mirror_of(a->uri)) < 0) {
		j->phase = PH_DONE;
		job_free(j);
		return NULL;
	}
	/* Other mirrors of the same archive, only for verifiable files. */
	if (j->hashed) {
		n = ws_alternates(a->uri, alt, altm, MAX_SOURCES - 1);
		for (i = 0; i < n; i++) {
			job_add_source(j, alt[i], altm[i]);
			free(alt[i]);
		}
	}
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	j->listed = true;
	njobs++;
	return j;
}

static void
download(struct fetch_reply *rq, const struct fetchmsg_req *a)
{
	struct job	*j;
	struct waiter	*w;
	int		 rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		send_error(rq, "CacheError", true, "out of memory");
		rq->ops->release(rq);
		return;
	}
	w->rq = rq;
	w->max_size = a->max_size;
	if ((j = job_find(a)) != NULL) {
		TAILQ_INSERT_TAIL(&j->waiters, w, entry);
		log_debug("fetch %s: joins the running download", a->uri);
		j->refs++;
		if (j->phase == PH_COMMITTING) {
			/* Verified, on its way into the cache: as if cached. */
			if (w->max_size > 0 && (uint64_t)j->size > w->max_size)
				send_error(rq, "MaximumSizeExceeded",
				    false, "file is larger than the maximum "
				    "size");
			else {
				waiter_done(j, w, false, "cache");
				state.bytes_from_cache += (uint64_t)j->size;
				state_dirty();
			}
			waiter_end(j, w);
		} else if (j->phase == PH_RUNNING ||
		    j->phase == PH_VERIFYING) {
			if (j->size >= 0)
				check_max_size(j, (uint64_t)j->size);
			if (j->phase != PH_DONE && (j->size >= 0 ||
			    j->prefix > 0) && TAILQ_LAST(&j->waiters,
			    waiterq) == w) {
				waiter_start(j, w);
				progress_flush(j, true);
			}
		}
		job_unref(j);
		return;
	}
	if ((j = job_new(a)) == NULL) {
		send_error(rq, "CacheError", true, "out of memory");
		rq->ops->release(rq);
		free(w);
		return;
	}
	TAILQ_INSERT_TAIL(&j->waiters, w, entry);
	log_debug("fetch %s: new download", a->uri);
	if ((rc = job_open(j, false)) < 0)
		job_fail(j, "CacheError", true, "%s", strerror(-rc));
}

/* A cached file: open it on a worker, then answer at once. */
struct serve {
	struct fetch_reply	*rq;
	struct fetchmsg_req	 args;
	char			*uri;
	int			 fd;
	uint64_t		 size;
	int			 rc;
};

static void
serve_work(void *arg)
{
	struct serve	*sv = arg;

	sv->rc = cache_open_entry(sv->args.sha256, &sv->fd, &sv->size);
}

static void
serve_done(void *arg)
{
	struct serve		*sv = arg;
	struct cache_entry	*e = cache_lookup(sv->args.sha256);
	struct waiter		 w;

	if (e != NULL)
		cache_unpin(e);
	if (sv->rc == 0 && sv->args.has_sha256 && sv->args.size >= 0 &&
	    sv->size != (uint64_t)sv->args.size) {
		/* Same hash, other size: the request is wrong, not the cache. */
		close(sv->fd);
		sv->rc = -EINVAL;
	}
	if (stopping) {
		send_error(sv->rq, "Shutdown", true,
		    "aptbtd is shutting down");
	} else if (sv->rc == 0 && sv->args.max_size > 0 &&
	    sv->size > sv->args.max_size) {
		send_error(sv->rq, "MaximumSizeExceeded", false,
		    "file is larger than the maximum size");
	} else if (sv->rc == 0) {
		memset(&w, 0, sizeof(w));
		w.rq = sv->rq;
		send_start(NULL, &w, sv->fd);
		if (sv->size > 0)
			send_progress(&w, sv->size);
		send_final(&w, false, 0, sv->size, "cache");
		state.bytes_from_cache += sv->size;
		state_dirty();
		if (e != NULL)
			cache_touch(e);
	} else {
		/* Gone from disk (or unreadable): fetch it instead. */
		if (sv->rc != -EINVAL)
			cache_forget(sv->args.sha256);
		sv->args.uri = sv->uri;
		download(sv->rq, &sv->args);
		sv->rq = NULL;		/* the download answers it now */
	}
	if (sv->rc == 0)
		close(sv->fd);
	if (sv->rq != NULL)
		sv->rq->ops->release(sv->rq);
	free(sv->uri);
	free(sv);
}

void
fetch_request(struct fetch_reply *rq, const struct fetchmsg_req *a)
{
	struct cache_entry	*e;
	struct serve		*sv;

	if (stopping) {
		send_error(rq, "Shutdown", true, "aptbtd is shutting down");
		rq->ops->release(rq);
		return;
	}
	if (a->has_sha256 && (e = cache_lookup(a->sha256)) != NULL) {
		if ((sv = calloc(1, sizeof(*sv))) == NULL ||
		    (sv->uri = strdup(a->uri)) == NULL) {
			free(sv);
			send_error(rq, "CacheError", true, "out of memory");
			rq->ops->release(rq);
			return;
		}
		sv->rq = rq;
		sv->args = *a;
		sv->fd = -1;
		cache_pin(e);
		if (workers_submit(serve_work, serve_done, sv) < 0) {
			cache_unpin(e);
			free(sv->uri);
			free(sv);
			send_error(rq, "Shutdown", true,
			    "aptbtd is shutting down");
			rq->ops->release(rq);
		}
		return;
	}
	download(rq, a);
}

/*
 * A site daemon asks us to fetch a file for it.  Only from a mirror this
 * daemon uses itself (configured, or asked for by its own apt), so a peer
 * cannot make it contact any other host; the file ends in the cache like
 * any other, and the asker streams it from us as pieces arrive.
 */
static void
fetch_peer_want(const uint8_t *sha, uint64_t size, const char *url,
    const char *who)
{
	struct fetchmsg_req	 a;
	struct job		*j;
	int			 rc;

	if (stopping || state.paused || size > INT64_MAX ||
	    size > conf.cache_size)
		return;
	if (cache_lookup(sha) != NULL) {
		/* It may have missed our index: say it again. */
		peermgr_notify(sha, PEERMGR_HAVE);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.uri = url;
	a.has_sha256 = true;
	memcpy(a.sha256, sha, SHA256_LEN);
	a.size = (int64_t)size;
	if (job_find(&a) != NULL)
		return;
	if (!ws_mirror_known(url)) {
		log_debug("fetch: %s wants %s from a mirror we do not use",
		    who, url);
		return;
	}
	if (nfor_peers >= FOR_PEERS_MAX || (j = job_new(&a)) == NULL)
		return;
	j->for_peer = true;
	nfor_peers++;
	log_debug("fetch %s: fetching it for %s", url, who);
	if ((rc = job_open(j, false)) < 0)
		job_fail(j, "CacheError", true, "%s", strerror(-rc));
}

static const struct peermgr_events peer_events = {
	.holders_changed = fetch_peers_changed,
	.peer_fetching = fetch_peer_fetching,
	.peer_want = fetch_peer_want,
};

int
fetch_init(struct event_base *base)
{
	fbase = base;
	stopping = false;
	peermgr_set_events(&peer_events);
	return 0;
}

void
fetch_stop(void)
{
	struct job	*j, *next;
	struct waiter	*w;

	stopping = true;
	for (j = TAILQ_FIRST(&jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		TAILQ_FOREACH(w, &j->waiters, entry)
			send_error(w->rq, "Shutdown", true,
			    "aptbtd is shutting down");
		while ((w = TAILQ_FIRST(&j->waiters)) != NULL)
			waiter_end(j, w);
		job_cancel_sources(j);
	}
}

void
fetch_shutdown(void)
{
	struct job	*j;
	int		 rc;

	/* The workers are gone: save what pieces we have, here and now. */
	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		if (j->hashed && j->have_pm && j->rw >= 0 && !j->mem &&
		    j->pm.nhave > 0 && j->phase == PH_RUNNING &&
		    (rc = cache_map_save(j->sha, &j->pm, j->rw)) < 0)
			log_warnx("fetch %s: saving piece map: %s", j->url,
			    strerror(-rc));
		job_end(j);
	}
	fbase = NULL;
}
