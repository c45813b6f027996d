/* SPDX-License-Identifier: ISC */
/*
 * serve.c - requests for a file the cache holds: answered at once.
 *
 * The file is opened on a worker (a cold disk must not stall the loop),
 * then the requester gets "start" with a read-only descriptor, one
 * "progress" for the whole file and the final reply.  A file that left
 * the disk meanwhile is downloaded instead.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/cache.h"
#include "daemon/base/history.h"
#include "daemon/base/state.h"
#include "daemon/base/workers.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"

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
	if (jobtab.stopping) {
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
		history_add(HIST_CACHE, sv->size);
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
serve_cached(struct fetch_reply *rq, const struct fetchmsg_req *a,
    struct cache_entry *e)
{
	struct serve	*sv;

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
}
