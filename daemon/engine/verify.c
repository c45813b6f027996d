/* SPDX-License-Identifier: ISC */
/*
 * verify.c - the file's SHA-256, then its commit into the cache.
 *
 * The hash is computed in file order as bytes are written (inc_*), so a
 * large file is not read back after its last byte.  Requesters are
 * answered as soon as the SHA-256 matched; making the file durable in
 * the cache (fsync, rename, fsync of the directory) runs after that as
 * background work, and the cache's index learns of the file only once
 * that is done.  A crash in between leaves a part file with no map,
 * which the next start removes: never a wrong cache entry.
 */
#include "config.h"

#include <sys/queue.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/names.h"
#include "daemon/base/pieces.h"
#include "daemon/base/workers.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"
#include "daemon/engine/picker.h"
#include "daemon/share/swarm.h"

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
	/* Its name, for a delta of a later version (a hint: may fail). */
	if (v->rc == 0)
		(void)names_add(cache_root(), j->url, j->sha);
}

static void
job_restart(struct job *j)
{
	struct source	 tmp;
	struct waiter	*w;
	size_t		 i, k;
	int		 rc;

	/* A delta's extra connections are not for a whole file. */
	for (i = 0, k = 0; i < j->nsrc; i++) {
		if (!j->src[i].extra) {
			j->src[k++] = j->src[i];
			continue;
		}
		free(j->src[i].url);
		free(j->src[i].buf);
		free(j->src[i].spans);
	}
	j->nsrc = k;
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
		s->pid = -1;
	}
	/* The swarm's peers were sources of the picker: start them over. */
	if (j->swarm != NULL) {
		swarm_job_done(j->swarm, false);
		j->swarm = NULL;
	}
	job_close_file(j);
	picker_free(j->pk);
	j->pk = NULL;
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
	jobtab.ncommits--;
	if (j->phase != PH_COMMITTING) {
		job_unref(j);
		return;
	}
	/* Those not answered yet, for a backlog of commits. */
	if (!TAILQ_EMPTY(&j->waiters))
		job_answer(j, false);
	if (rc == 0) {
		e = cache_add(j->sha, (uint64_t)j->size, time(NULL), false);
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
	bool		 ahead = jobtab.ncommits < COMMITS_AHEAD;
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
	jobtab.ncommits++;
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
	} else if (rc == -EBADMSG && ++j->attempts < HASH_ATTEMPTS &&
	    !j->for_peer) {
		/* Not for a peer: its made-up hash would cost the mirror twice. */
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

void
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
		v->last = j->for_peer || j->attempts + 1 >= HASH_ATTEMPTS;
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

bool
sources_idle(struct job *j)
{
	size_t	i;

	for (i = 0; i < j->nsrc; i++)
		if (j->src[i].busy)
			return false;
	return true;
}

void
job_check_complete(struct job *j)
{
	if (j->phase != PH_RUNNING)
		return;
	if (j->pk != NULL) {
		if (!picker_complete(j->pk))
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
 * Incremental hashing of in-order writes (see struct job).
 */
void
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

void
inc_take(struct job *j, struct wjob *w)
{
	if (!j->hashed || j->inc_broken)
		return;
	/* Out of order, or hashing elsewhere: inc_catch_up reads it later. */
	if (w->off != j->inc_off || j->inc_busy) {
		if (j->pk == NULL)
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

void
inc_catch_up(struct job *j)
{
	struct catchup	*c;
	uint64_t	 upto = j->prefix;

	if (!j->hashed || j->pk == NULL || j->inc_broken || j->inc_busy ||
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
