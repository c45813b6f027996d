/* SPDX-License-Identifier: ISC */
/*
 * job.c - a job's life: opening its file (a part file in the cache or
 * a memory file), making its picker and passing on the picker's events,
 * saving its piece map, failing, ending and freeing.
 *
 * A job holds a reference for every worker job in flight, so a done
 * callback never finds it freed; it is freed once finished and idle.
 */
#include "config.h"

#include <sys/queue.h>

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/bigend.h"
#include "common/clock.h"
#include "common/hash.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/pieces.h"
#include "daemon/base/webseed.h"
#include "daemon/base/workers.h"
#include "daemon/engine/delta.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"
#include "daemon/engine/picker.h"
#include "daemon/meta/discover.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/swarm.h"

/* Write all of buf at off (worker threads); 0 or -errno. */
int
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

/*
 * Job life cycle.
 */
void
job_close_file(struct job *j)
{
	if (j->rw >= 0)
		close(j->rw);
	j->rw = -1;
	if (j->mem)
		jobtab.mem_bytes -= (uint64_t)j->size;
	j->mem = false;
}

void
job_free(struct job *j)
{
	size_t	i;

	assert(j->refs == 0 && TAILQ_EMPTY(&j->waiters));

	for (i = 0; i < j->nsrc; i++) {
		free(j->src[i].url);
		free(j->src[i].buf);
		free(j->src[i].spans);
	}
	picker_free(j->pk);
	job_close_file(j);
	if (j->ptimer != NULL)
		event_free(j->ptimer);
	if (j->tick != NULL)
		event_free(j->tick);
	if (j->inc != NULL)
		hash_free(j->inc);
	free(j->url);
	free(j->base);
	free(j);
}

void
job_unref(struct job *j)
{
	assert(j->refs > 0);
	if (--j->refs == 0 && j->phase == PH_DONE)
		job_free(j);
}

/* Stop every transfer; a source stays busy only while it writes. */
void
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
			src_release(s);
	}
}

/* Take the job off the list; it is freed when its last worker job ends. */
void
job_end(struct job *j)
{
	struct waiter	*w;

	job_cancel_sources(j);
	while ((w = TAILQ_FIRST(&j->waiters)) != NULL)
		waiter_end(j, w);
	if (j->tick != NULL)
		evtimer_del(j->tick);
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
		TAILQ_REMOVE(&jobtab.list, j, entry);
		j->listed = false;
		jobtab.njobs--;
		if (j->for_peer)
			jobtab.nfor_peers--;
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

void
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
	/* A peer that named a hash or size the mirror's file lacks pays. */
	if (j->for_peer && (strcmp(reason, "HashSumMismatch") == 0 ||
	    strcmp(reason, "SizeMismatch") == 0))
		peer_penalise_host((const struct sockaddr *)&j->asker,
		    WANT_MISMATCH_POINTS, "wanted a file the mirror does not "
		    "have (SHA-256 or size mismatch)");
	TAILQ_FOREACH(w, &j->waiters, entry)
		send_error(w->rq, reason, transient, msg);
	/* A part with no piece is worth nothing: do not leave it behind. */
	if (j->hashed && j->rw >= 0 && !j->mem &&
	    (j->pk == NULL || picker_map(j->pk)->nhave == 0) &&
	    strcmp(reason, "HashSumMismatch") != 0)
		discard_later(j);
	job_end(j);
}

const char *
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

void
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
	    !picker_complete(j->pk)) {
		map_save(j);
	} else if (j->verify_wanted) {
		j->verify_wanted = false;
		job_verify(j);
	}
	job_unref(j);
}

void
map_save(struct job *j)
{
	struct mapsave		*ms;
	const struct piecemap	*pm;

	/*
	 * A complete file is verified next: nothing left to resume; nor is
	 * there in a memory file.
	 */
	if (!j->hashed || j->pk == NULL || j->rw < 0 || j->mem ||
	    picker_complete(j->pk))
		return;
	if (j->map_saving) {
		j->map_dirty = true;
		return;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		return;
	ms->job = j;
	pm = picker_map(j->pk);
	ms->snap = *pm;
	if ((ms->snap.bits = malloc(piecemap_nbytes(pm) + 1)) == NULL) {
		free(ms);
		return;
	}
	memcpy(ms->snap.bits, pm->bits, piecemap_nbytes(pm));
	if (workers_submit(mapsave_work, mapsave_done, ms) < 0) {
		piecemap_free(&ms->snap);
		free(ms);
		return;
	}
	j->map_saving = true;
	j->map_dirty = false;
	j->refs++;
}

/* What the picker asks of the job's mirrors, and of its swarm's peers. */
static void
picker_ev(void *arg, const struct picker_ev *ev)
{
	struct job			*j = arg;
	const struct piece_sink_events	*sev = j->sink.ev;

	switch (ev->type) {
	case PICKER_EV_TRUNCATE:
		src_truncate(j, ev->src, ev->end);
		break;
	case PICKER_EV_CANCEL:
		if (sev != NULL)
			sev->cancel(j->sink.ev_arg, ev->src, ev->piece,
			    ev->begin, ev->len);
		break;
	case PICKER_EV_DROP:
		if (sev != NULL)
			sev->drop(j->sink.ev_arg, ev->piece);
		break;
	}
}

int
job_picker(struct job *j, const struct piecemap *resumed)
{
	uint64_t	 size = (uint64_t)j->size, now = clock_ms();
	unsigned	 flags = 0;
	uint32_t	 p;
	size_t		 i;
	int		 id;

	/* Small or unverifiable files come from one mirror at a time. */
	if (!j->hashed || size < FETCH_SPLIT_MIN)
		flags |= PICKER_ONE_MIRROR;
	/* A file of one piece is checked against apt's own hash. */
	if (j->hashed && size <= piece_size_for(size))
		flags |= PICKER_CHECKABLE;
	if ((j->pk = picker_new(size, flags, picker_ev, j)) == NULL)
		return -ENOMEM;
	/* The id's tail: an id may open with a client's fixed prefix. */
	picker_salt(j->pk, be_get32(peer_self_id + 16));
	for (p = 0; resumed != NULL && p < resumed->npieces; p++)
		if (piecemap_has(resumed, p))
			picker_piece_stored(j->pk, p, false);
	j->prefix = piecemap_prefix(picker_map(j->pk));
	for (i = 0; i < j->nsrc; i++) {
		j->src[i].pid = -1;
		if (j->src[i].dead)
			continue;
		if ((id = picker_source_add(j->pk, PICKER_MIRROR, 0, now)) < 0)
			return id;
		j->src[i].pid = id;
	}
	return 0;
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
	int		 rc;

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
		jobtab.mem_bytes += (uint64_t)j->size;
	/* Hash as we write only a file we write from its first byte. */
	inc_reset(j, op->have_pm && op->pm.nhave > 0);
	if (op->have_pm) {
		rc = job_picker(j, &op->pm);
		piecemap_free(&op->pm);
		if (rc < 0) {
			job_fail(j, "CacheError", true, "%s", strerror(-rc));
			goto out;
		}
		if (picker_map(j->pk)->nhave > 0)
			log_info("fetch %s: resuming with %llu of %lld bytes",
			    j->url, (unsigned long long)
			    piecemap_bytes(picker_map(j->pk)),
			    (long long)j->size);
	}
	/* Built from an older version first, when one is at hand. */
	if (!delta_start(j))
		job_run(j);
out:
	free(op);
	job_unref(j);
}

void
job_run(struct job *j)
{
	struct waiter	*w;

	j->phase = PH_RUNNING;
	if (j->size >= 0) {
		check_max_size(j, (uint64_t)j->size);
		if (j->phase == PH_DONE)
			return;
		TAILQ_FOREACH(w, &j->waiters, entry)
			waiter_start(j, w);
		progress_flush(j, true);
	}
	job_join_peers(j);
	job_schedule(j);
	job_check_complete(j);
}

int
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
	    jobtab.mem_bytes + (uint64_t)j->size <= MEM_MAX) {
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
