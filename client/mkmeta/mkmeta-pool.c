/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-pool.c - every file's torrent on every core.
 *
 * Workers take the next file from one shared counter, so a few large
 * files do not leave the other cores idle behind them; each file is read
 * by one worker only, once.  The main thread only draws the progress
 * line: files done and bytes hashed, redrawn a few times a second.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/mkmeta/mkmeta.h"

#define MAX_JOBS	256

struct pool {
	const struct gen_opts	*o;
	struct mm_set		*set;
	size_t			 next;		/* the next file to take */
	size_t			 done;
	size_t			 failed;
	uint64_t		 hashed;	/* bytes */
};

static void *
worker(void *arg)
{
	struct pool	*p = arg;
	size_t		 i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) <
	    p->set->n) {
		if (mkmeta_torrent(p->o, &p->set->v[i], &p->hashed) != 0)
			__atomic_fetch_add(&p->failed, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&p->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void
draw(struct pool *p, uint64_t total)
{
	size_t		done = __atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
	uint64_t	hashed = __atomic_load_n(&p->hashed, __ATOMIC_RELAXED);

	fprintf(stderr, "\r\033[K[%zu/%zu files] %llu of %llu MiB hashed",
	    done, p->set->n, (unsigned long long)(hashed >> 20),
	    (unsigned long long)(total >> 20));
}

size_t
mkmeta_pool_run(const struct gen_opts *o, struct mm_set *set)
{
	struct pool		 p;
	struct timespec		 ts = { 0, 200 * 1000 * 1000 };
	pthread_t		 t[MAX_JOBS];
	uint64_t		 total = 0;
	size_t			 i, n;
	int			 r;

	memset(&p, 0, sizeof(p));
	p.o = o;
	p.set = set;
	n = o->jobs < 1 ? 1 : o->jobs > MAX_JOBS ? MAX_JOBS : o->jobs;
	if (n > set->n)
		n = set->n;
	for (i = 0; i < set->n; i++)
		total += set->v[i].size;
	for (i = 0; i < n; i++)
		if ((r = pthread_create(&t[i], NULL, worker, &p)) != 0) {
			fprintf(stderr, "aptbt-mkmeta: thread: %s\n",
			    strerror(r));
			break;
		}
	if (i == 0)
		worker(&p);	/* no thread at all: do it here */
	n = i;
	while (o->progress && __atomic_load_n(&p.done, __ATOMIC_ACQUIRE) <
	    set->n) {
		draw(&p, total);
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (o->progress)
		fprintf(stderr, "\r\033[K");
	return p.failed;
}
