/* SPDX-License-Identifier: ISC */
/*
 * answer.c - what a job tells its requesters, through their reply
 * handles (fetch.h): start, progress as the verified prefix grows
 * (coalesced), the final reply, or an error.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"

void
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

void
send_progress(struct waiter *w, uint64_t have)
{
	struct fetchmsg_event	e = { .kind = FETCHMSG_PROGRESS, .have = have };

	w->rq->ops->event(w->rq, &e, -1);
	w->sent_have = have;
	w->sent_ms = clock_ms();
}

void
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

void
send_error(struct fetch_reply *rq, const char *reason, bool transient,
    const char *msg)
{
	rq->ops->error(rq, reason, transient, msg);
}

void
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

void
waiter_start(struct job *j, struct waiter *w)
{
	int	fd = reader_fd(j);

	send_start(j, w, fd);
	if (fd >= 0)
		close(fd);
}

void
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

void
ptimer_cb(evutil_socket_t fd, short what, void *arg)
{
	progress_flush(arg, true);
}

/*
 * The most a file with no expected hash, or of a size nobody stated, may
 * grow to when its requester set no maximum: a mirror that sends on and on
 * would otherwise fill the disk (a hash is only checked at the end).  The cache's quota, within bounds that leave room for any
 * Release file.
 */
#define UNHASHED_MIN	(64ULL * 1024 * 1024)
#define UNHASHED_MAX	(1024ULL * 1024 * 1024)

uint64_t
unhashed_limit(uint64_t quota)
{
	if (quota < UNHASHED_MIN)
		return UNHASHED_MIN;
	return quota > UNHASHED_MAX ? UNHASHED_MAX : quota;
}

/* Requesters whose max_size the file exceeds get their error now. */
void
check_max_size(struct job *j, uint64_t size)
{
	struct waiter	*w, *next;
	struct cache_stats st;
	char		 msg[128];
	uint64_t	 max;
	bool		 any = !TAILQ_EMPTY(&j->waiters);

	cache_get_stats(&st);
	for (w = TAILQ_FIRST(&j->waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		max = w->max_size;
		if (max == 0 && (!j->hashed || j->size < 0))
			max = unhashed_limit(st.quota);
		if (max == 0 || size <= max)
			continue;
		snprintf(msg, sizeof(msg), "file is larger than the maximum "
		    "size of %llu bytes", (unsigned long long)max);
		send_error(w->rq, "MaximumSizeExceeded", false, msg);
		waiter_end(j, w);
	}
	/* Nobody wants a file this large: stop fetching it. */
	if (any && TAILQ_EMPTY(&j->waiters))
		job_fail(j, "MaximumSizeExceeded", false, "too large");
}

/* An unhashed job is worth nothing once all its requesters left. */
bool
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

/* The whole file is there (or not modified): tell one requester. */
void
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
void
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
