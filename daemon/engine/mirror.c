/* SPDX-License-Identifier: ISC */
/*
 * mirror.c - a job's mirror sources: ranges, buffered data, ordered
 * writes, and the timer that lets the picker's waits run out.
 *
 * Each source of a job is one mirror URL with at most one transfer at a
 * time.  A source receives a range from the job's picker (picker.h:
 * which pieces, when, split how among mirrors and peers), buffers what
 * arrives and writes it on a worker in order; pieces count as held once
 * their bytes are on disk.  Until the size is known there is nothing to
 * pick: one source fetches the whole file.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/pieces.h"
#include "daemon/base/history.h"
#include "daemon/base/state.h"
#include "daemon/base/webseed.h"
#include "daemon/base/workers.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"
#include "daemon/engine/picker.h"
#include "daemon/meta/torrents.h"
#include "daemon/share/swarm.h"

static void	src_flush(struct source *s);
static void	src_continue(struct source *s);
static void	piece_in(struct source *s, uint32_t p);
static void	stored_news(struct job *j);

static void
write_work(void *arg)
{
	struct wjob	*w = arg;

	if (w->inc != NULL)
		hash_update(w->inc, w->buf, w->len);
	w->rc = pwrite_all(w->fd, w->buf, w->len, w->off);
}

/* Mark the pieces of s's range that are now wholly on disk, up to upto. */
static void
src_mark(struct source *s, uint64_t upto)
{
	struct job		*j = s->job;
	const struct piecemap	*pm;
	uint64_t		 pend;
	bool			 any = false;

	if (j->pk == NULL) {
		j->seq = upto;
		j->prefix = upto;
		progress_flush(j, false);
		return;
	}
	pm = picker_map(j->pk);
	while (s->next_piece < pm->npieces) {
		pend = (uint64_t)s->next_piece * pm->piece_size +
		    piecemap_len(pm, s->next_piece);
		if (pend > upto)
			break;
		piece_in(s, s->next_piece);
		s->next_piece++;
		any = true;
	}
	if (any)
		stored_news(j);
}

/*
 * A piece that was in part in the file already, its missing bytes now
 * written: checked against the torrent's SHA-1 on a worker before it
 * counts, as the bytes found locally are a stale or wrong list's hint.
 */
struct pcheck {
	struct source	*src;
	uint32_t	 piece;
	uint32_t	 len;
	uint64_t	 off;
	int		 fd;
	uint8_t		 expect[SHA1_LEN];
	bool		 ok;
};

static void
stored_news(struct job *j)
{
	j->prefix = piecemap_prefix(picker_map(j->pk));
	progress_flush(j, false);
	map_save(j);
	inc_catch_up(j);
}

static void
pcheck_work(void *arg)
{
	struct pcheck	*c = arg;
	uint8_t		*buf, h[SHA1_LEN];

	if ((buf = malloc(c->len)) == NULL)
		return;
	if (pread(c->fd, buf, c->len, (off_t)c->off) == (ssize_t)c->len) {
		sha1(buf, c->len, h);
		c->ok = memcmp(h, c->expect, SHA1_LEN) == 0;
	}
	free(buf);
}

static void
pcheck_done(void *arg)
{
	struct pcheck	*c = arg;
	struct source	*s = c->src;
	struct job	*j = s->job;
	int		 rc;

	s->checking--;
	if (j->phase == PH_RUNNING && j->pk != NULL) {
		if (c->ok) {
			rc = picker_piece_stored(j->pk, c->piece, true);
			if (rc >= 0 && j->swarm != NULL)
				swarm_mirror_piece(j->swarm, c->piece,
				    (rc & PICKER_STORED_DISPUTE) != 0);
			if (rc >= 0)
				stored_news(j);
		} else {
			log_info("fetch %s: piece %u, in part local, failed "
			    "its hash: fetching all of it", j->url, c->piece);
			picker_piece_forget_local(j->pk, c->piece);
		}
		if (j->phase == PH_RUNNING)
			src_continue(s);
		/* The last piece may have been this one. */
		job_check_complete(j);
	}
	free(c);
	job_unref(j);
}

/* The piece's bytes from s are on disk. */
static void
piece_in(struct source *s, uint32_t p)
{
	struct job		*j = s->job;
	const struct picker_extent *miss;
	const struct piecemap	*pm = picker_map(j->pk);
	const struct torrent	*t;
	struct pcheck		*c;
	int			 rc;

	if (picker_piece_missing(j->pk, p, &miss) > 0 &&
	    (t = torrents_by_sha256(j->sha)) != NULL && t->has_v1 &&
	    t->pieces != NULL && t->npieces == pm->npieces &&
	    (c = calloc(1, sizeof(*c))) != NULL) {
		c->src = s;
		c->piece = p;
		c->len = piecemap_len(pm, p);
		c->off = (uint64_t)p * pm->piece_size;
		c->fd = j->rw;
		memcpy(c->expect, t->pieces + (size_t)p * SHA1_LEN, SHA1_LEN);
		if (workers_submit(pcheck_work, pcheck_done, c) == 0) {
			s->checking++;
			j->refs++;
			return;
		}
		free(c);
	}
	rc = picker_piece_stored(j->pk, p, false);
	if (rc >= 0 && j->swarm != NULL)
		swarm_mirror_piece(j->swarm, p, (rc & PICKER_STORED_DISPUTE) != 0);
}

void
src_release(struct source *s)
{
	struct picker	*pk = s->job->pk;

	if (s->busy && pk != NULL && s->pid >= 0)
		picker_range_done(pk, s->pid);
	s->busy = false;
	if (s->dead && pk != NULL && s->pid >= 0) {
		picker_source_gone(pk, s->pid);
		s->pid = -1;
	}
}

void
src_truncate(struct job *j, int pid, uint64_t end)
{
	size_t	i;

	for (i = 0; i < j->nsrc; i++)
		if (j->src[i].pid == pid)
			j->src[i].end = end;
}

static void
src_idle(struct source *s)
{
	struct job	*j = s->job;

	src_release(s);
	s->blen = 0;
	if (j->phase != PH_RUNNING)
		return;
	if (j->pk == NULL && !s->dead && s->xfer_ended && s->x == NULL &&
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
		src_release(s);
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
	/*
	 * A span's last byte: what lies up to the next span (or the range's
	 * end) was in the file already.
	 */
	if (s->nspans > 0 && end >= s->xend)
		end = s->nextspan < s->nspans &&
		    s->spans[s->nextspan].start < s->end ?
		    s->spans[s->nextspan].start : s->end;
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
	    s->pos == s->end || s->pos == s->xend))
		src_flush(s);
	if (s->x != NULL)
		ws_resume(s->x);
	if (!s->writing && s->xfer_ended && s->x == NULL && s->busy)
		src_continue(s);
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
	struct source		*s = arg;
	struct job		*j = s->job;
	struct waiter		*w;
	struct picker_range	 out;
	int			 rc;

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
		if ((rc = job_picker(j, NULL)) < 0) {
			job_fail(j, "CacheError", true, "%s", strerror(-rc));
			return false;
		}
		/*
		 * Nothing else runs: the picker hands this one the file, or
		 * its share of it among the idle mirrors, which start next.
		 */
		s->end = (uint64_t)j->size;
		if (s->pid >= 0 &&
		    picker_next_range(j->pk, s->pid, clock_ms(), &out) > 0)
			s->end = out.end;
		job_wake(j);
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
	if (s->xend != NO_END && s->pos + take > s->xend)
		take = (size_t)(s->xend - s->pos);
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
	history_add(HIST_MIRRORS, take);
	if (j->pk == NULL)
		check_max_size(j, s->pos);
	else if (s->pid >= 0)
		picker_range_progress(j->pk, s->pid, s->pos, clock_ms());
	if (j->phase != PH_RUNNING)
		return WS_DATA_STOP;
	if (s->blen >= WRITE_CHUNK || s->pos == s->end || s->pos == s->xend)
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
			src_release(s);
		return;
	}
	if (r->not_modified && !j->hashed) {
		job_finish_ok(j, true);
		return;
	}
	if (r->ok && !s->bad_size && (r->stopped || s->end == NO_END ||
	    s->pos >= s->end || s->pos >= s->xend)) {
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
		/*
		 * Release what it did not deliver.  A file of unknown size
		 * streams out as it comes: once a byte was taken, another
		 * try could not take it back; before, it may try again.
		 */
		if (j->pk != NULL)
			s->end = s->pos;
		else if (s->pos > 0)
			s->dead = true, s->blen = 0;
	}
	if (s->blen > 0)
		src_flush(s);
	if (!s->writing)
		src_continue(s);
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

/* One transfer of s, for [start, end) of the file. */
static bool
src_xfer(struct source *s, uint64_t start, uint64_t end)
{
	struct job	*j = s->job;
	bool		 whole;

	s->xfer_ended = false;
	s->bad_size = false;
	s->reason[0] = '\0';
	s->pos = start;
	s->blen = 0;
	whole = start == 0 && (end == NO_END || (j->size >= 0 &&
	    end == (uint64_t)j->size));
	s->x = ws_fetch(s->mirror, s->url, whole ? 0 : start,
	    whole ? 0 : end, j->hashed ? 0 : j->ims, &src_cb, s);
	if (s->x == NULL) {
		s->dead = true;
		src_release(s);
		snprintf(s->reason, sizeof(s->reason), "ConnectionFailed");
		snprintf(s->msg, sizeof(s->msg), "%s: cannot start", s->url);
		return false;
	}
	log_debug("fetch %s: %s bytes %llu-%llu", j->url, s->url,
	    (unsigned long long)start, (unsigned long long)end);
	return true;
}

/*
 * The spans of [start, end) to fetch when some of its pieces are in the
 * file in part: their missing extents, whole pieces for the others,
 * adjacent ones joined.  None (nspans 0) when no piece is in part.
 */
static void
src_spans(struct source *s, uint64_t start, uint64_t end)
{
	struct job		*j = s->job;
	const struct piecemap	*pm = picker_map(j->pk);
	const struct picker_extent *miss;
	struct span		*v = NULL, *nv;
	size_t			 n = 0, cap = 0, k, m;
	uint64_t		 a, b, ps;
	uint32_t		 p;
	bool			 part = false;

	s->nspans = s->nextspan = 0;
	for (p = (uint32_t)(start / pm->piece_size);
	    (uint64_t)p * pm->piece_size < end && p < pm->npieces; p++) {
		ps = (uint64_t)p * pm->piece_size;
		m = picker_piece_missing(j->pk, p, &miss);
		part |= m > 0;
		for (k = 0; k < (m > 0 ? m : 1); k++) {
			a = m > 0 ? ps + miss[k].begin : ps;
			b = m > 0 ? a + miss[k].len : ps + piecemap_len(pm, p);
			if (a < start)
				a = start;
			if (b > end)
				b = end;
			if (a >= b)
				continue;
			if (n > 0 && v[n - 1].end == a) {
				v[n - 1].end = b;
				continue;
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if ((nv = reallocarray(v, cap, sizeof(*v))) ==
				    NULL) {
					free(v);
					return;		/* the whole range */
				}
				v = nv;
			}
			v[n].start = a;
			v[n++].end = b;
		}
	}
	free(s->spans);
	s->spans = NULL;
	if (!part || n == 0) {
		free(v);
		return;
	}
	s->spans = v;
	s->nspans = n;
}

static bool
src_start(struct source *s, uint64_t start, uint64_t end)
{
	struct job	*j = s->job;

	s->busy = true;
	s->end = end;
	s->xend = NO_END;
	s->next_piece = j->pk != NULL ?
	    (uint32_t)(start / picker_map(j->pk)->piece_size) : 0;
	s->nspans = s->nextspan = 0;
	if (j->pk != NULL && end != NO_END)
		src_spans(s, start, end);
	if (s->nspans > 0) {
		start = s->spans[0].start;
		s->xend = s->spans[0].end;
		s->nextspan = 1;
	}
	return src_xfer(s, start, s->nspans > 0 ? s->xend : end);
}

/*
 * A transfer ended and its bytes are written: the next span of the
 * range, if the last went well and one is left; else, once the pieces
 * in part are checked, the source is idle.
 */
static void
src_continue(struct source *s)
{
	struct job	*j = s->job;
	struct span	*sp;

	if (s->writing || s->checking > 0 || !s->busy || !s->xfer_ended ||
	    s->x != NULL)
		return;
	if (s->nspans > 0 && s->reason[0] == '\0' &&
	    s->nextspan < s->nspans && j->phase == PH_RUNNING &&
	    (sp = &s->spans[s->nextspan])->start < s->end) {
		s->nextspan++;
		s->xend = sp->end < s->end ? sp->end : s->end;
		if (src_xfer(s, sp->start, s->xend))
			return;
	}
	src_idle(s);
}

/*
 * Until the size is known, one source at a time fetches the whole file:
 * the first usable one, else (all in backoff) the first alive.
 */
static void
schedule_whole(struct job *j)
{
	struct source	*s, *pick = NULL;
	size_t		 i;

	if (!sources_idle(j))
		return;
	for (i = 0; i < j->nsrc; i++) {
		s = &j->src[i];
		if (s->dead)
			continue;
		if (ws_mirror_usable(s->mirror)) {
			pick = s;
			break;
		}
		if (pick == NULL)
			pick = s;
	}
	if (pick != NULL)
		src_start(pick, 0, NO_END);
}

/* Idle sources ask the picker for work. */
static void
schedule(struct job *j)
{
	struct source		*s, *first_failed = NULL;
	struct picker_range	 out;
	uint64_t		 now = clock_ms();
	bool			 any_alive = false;
	size_t			 i;

	if (j->phase != PH_RUNNING)
		return;
	if (j->pk == NULL)
		schedule_whole(j);
	else
		for (i = 0; i < j->nsrc; i++) {
			s = &j->src[i];
			if (s->dead || s->busy || s->pid < 0)
				continue;
			picker_source_flags(j->pk, s->pid,
			    ws_mirror_usable(s->mirror) ? 0 :
			    PICKER_SRC_RESTING, now);
			if (picker_next_range(j->pk, s->pid, now, &out) > 0)
				src_start(s, out.start, out.end);
		}
	/* Some mirror may still work, now or once the peers stall. */
	for (i = 0; i < j->nsrc; i++)
		if (!j->src[i].dead)
			any_alive = true;
	if (any_alive || !sources_idle(j) ||
	    (j->pk != NULL && picker_complete(j->pk)))
		return;
	for (i = 0; i < j->nsrc; i++)
		if (j->src[i].reason[0] != '\0') {
			first_failed = &j->src[i];
			break;
		}
	if (first_failed != NULL)
		job_fail(j, first_failed->reason, first_failed->transient,
		    "%s", first_failed->msg);
	else
		job_fail(j, "ConnectionFailed", true, "no source for %s",
		    j->url);
}

/* Holds lapse, peers stall: the picker may have work for mirrors now. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;
	uint64_t	 now = clock_ms(), next;
	struct timeval	 tv;

	if (j->phase != PH_RUNNING || j->pk == NULL)
		return;
	j->refs++;
	next = picker_tick(j->pk, now);
	schedule(j);
	/* Requests a stalled peer lost go to the others. */
	if (j->phase == PH_RUNNING && j->swarm != NULL)
		swarm_pump(j->swarm);
	if (j->phase == PH_RUNNING && next != PICKER_NEVER) {
		next = next > now ? next - now : 0;
		tv.tv_sec = (time_t)(next / 1000);
		tv.tv_usec = (suseconds_t)(next % 1000 * 1000);
		evtimer_add(j->tick, &tv);
	}
	job_unref(j);
}

void
job_wake(struct job *j)
{
	struct timeval	tv = { 0, 0 };

	/* Sooner than a tick already set for later: it sets the next. */
	if (j->phase == PH_RUNNING && j->pk != NULL && (j->tick != NULL ||
	    (j->tick = evtimer_new(jobtab.base, tick_cb, j)) != NULL))
		evtimer_add(j->tick, &tv);
}

void
job_schedule(struct job *j)
{
	j->refs++;
	schedule(j);
	/* Then, from the loop, see when the picker wants its next tick. */
	job_wake(j);
	job_unref(j);
}
