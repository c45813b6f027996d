/* SPDX-License-Identifier: ISC */
/*
 * fetch.c - the engine's front door.  A request is answered from the
 * cache (serve.c), joins the job already fetching its file, or starts a
 * new job; job.h lists the files that do a job's work.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/hash.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/history.h"
#include "daemon/base/state.h"
#include "daemon/base/webseed.h"
#include "daemon/engine/delta.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"
#include "daemon/engine/picker.h"
#include "daemon/share/peermgr.h"

struct jobtab jobtab = {
	.list = TAILQ_HEAD_INITIALIZER(jobtab.list),
};

unsigned
fetch_njobs(void)
{
	return jobtab.njobs;
}

struct job *
job_find(const struct fetchmsg_req *a)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobtab.list, entry) {
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

int
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
	s->pid = -1;
	j->nsrc++;
	return 0;
}

struct job *
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
	    (j->ptimer = evtimer_new(jobtab.base, ptimer_cb, j)) == NULL ||
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
	TAILQ_INSERT_TAIL(&jobtab.list, j, entry);
	j->listed = true;
	jobtab.njobs++;
	return j;
}

void
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
				history_add(HIST_CACHE, (uint64_t)j->size);
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

void
fetch_request(struct fetch_reply *rq, const struct fetchmsg_req *a)
{
	struct cache_entry	*e;

	if (jobtab.stopping) {
		send_error(rq, "Shutdown", true, "aptbtd is shutting down");
		rq->ops->release(rq);
		return;
	}
	if (a->has_sha256 && (e = cache_lookup(a->sha256)) != NULL)
		serve_cached(rq, a, e);
	else
		download(rq, a);
}

int
fetch_init(struct event_base *base)
{
	jobtab.base = base;
	jobtab.stopping = false;
	peermgr_set_events(&job_peer_events);
	return 0;
}

void
fetch_stop(void)
{
	struct job	*j, *next;
	struct waiter	*w;

	jobtab.stopping = true;
	for (j = TAILQ_FIRST(&jobtab.list); j != NULL; j = next) {
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
	while ((j = TAILQ_FIRST(&jobtab.list)) != NULL) {
		if (j->hashed && j->pk != NULL && j->rw >= 0 && !j->mem &&
		    picker_map(j->pk)->nhave > 0 && j->phase == PH_RUNNING &&
		    (rc = cache_map_save(j->sha, picker_map(j->pk), j->rw)) < 0)
			log_warnx("fetch %s: saving piece map: %s", j->url,
			    strerror(-rc));
		job_end(j);
	}
	delta_shutdown();
	jobtab.base = NULL;
}
