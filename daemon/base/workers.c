/* SPDX-License-Identifier: ISC */
/*
 * workers.c - the hashing and disk I/O thread pool.
 *
 * A mutex-protected queue feeds the threads; finished jobs go onto a
 * second queue and an eventfd wakes the event loop, which runs their done
 * functions.  One eventfd write may cover many jobs, so the loop drains
 * the whole finished queue on every wakeup.  Background jobs wait on a
 * queue of their own, taken only when the first is empty and by at most
 * all threads but one, which stays free for jobs somebody waits on.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "daemon/base/workers.h"

#define WORKERS_MAX	16

struct wjob {
	STAILQ_ENTRY(wjob)	 entry;
	void			(*work)(void *);
	void			(*done)(void *);
	void			*arg;
	bool			 bg;
};
STAILQ_HEAD(wjobq, wjob);

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct wjobq	 todo, bgq, finished;
	pthread_t	 threads[WORKERS_MAX];
	unsigned	 nthreads;
	unsigned	 bg_running;	/* threads in a background job */
	unsigned	 pending;
	bool		 stopping;
	bool		 running;
	int		 efd;
	struct event	*ev;
} w = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.efd = -1,
};

/* The next job for a free thread (lock held), or NULL. */
static struct wjob *
take_job(void)
{
	struct wjob	*j;
	unsigned	 bg_max = w.nthreads > 1 ? w.nthreads - 1 : 1;

	if ((j = STAILQ_FIRST(&w.todo)) != NULL) {
		STAILQ_REMOVE_HEAD(&w.todo, entry);
		return j;
	}
	/* While stopping, drain everything on whatever thread is free. */
	if ((j = STAILQ_FIRST(&w.bgq)) != NULL &&
	    (w.bg_running < bg_max || w.stopping)) {
		STAILQ_REMOVE_HEAD(&w.bgq, entry);
		w.bg_running++;
		return j;
	}
	return NULL;
}

static void *
worker_main(void *unused)
{
	struct wjob	*j;
	uint64_t	 one = 1;

	pthread_mutex_lock(&w.lock);
	for (;;) {
		while ((j = take_job()) == NULL && !w.stopping)
			pthread_cond_wait(&w.cond, &w.lock);
		if (j == NULL && (j = take_job()) == NULL)
			break;	/* stopping and drained */
		pthread_mutex_unlock(&w.lock);
		j->work(j->arg);
		pthread_mutex_lock(&w.lock);
		if (j->bg) {
			w.bg_running--;
			/* Another background job may now run elsewhere. */
			if (!STAILQ_EMPTY(&w.bgq))
				pthread_cond_signal(&w.cond);
		}
		STAILQ_INSERT_TAIL(&w.finished, j, entry);
		/* A full eventfd counter still leaves it readable: ignore. */
		if (write(w.efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
			log_warn("workers: eventfd");
	}
	pthread_mutex_unlock(&w.lock);
	return NULL;
}

/* Run the done functions of everything finished so far. */
static void
run_finished(void)
{
	struct wjobq	 q;
	struct wjob	*j;

	pthread_mutex_lock(&w.lock);
	STAILQ_INIT(&q);
	STAILQ_CONCAT(&q, &w.finished);
	pthread_mutex_unlock(&w.lock);

	while ((j = STAILQ_FIRST(&q)) != NULL) {
		STAILQ_REMOVE_HEAD(&q, entry);
		pthread_mutex_lock(&w.lock);
		w.pending--;
		pthread_mutex_unlock(&w.lock);
		if (j->done != NULL)
			j->done(j->arg);
		free(j);
	}
}

static void
wakeup_cb(evutil_socket_t fd, short what, void *unused)
{
	uint64_t	v;

	if (read(fd, &v, sizeof(v)) == -1 && errno != EAGAIN)
		log_warn("workers: eventfd read");
	run_finished();
}

int
workers_init(struct event_base *base, unsigned n)
{
	unsigned	i;
	int		rc;

	if (w.running)
		return -EALREADY;
	if (n == 0)
		n = WORKERS_DEFAULT;
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	STAILQ_INIT(&w.todo);
	STAILQ_INIT(&w.bgq);
	STAILQ_INIT(&w.finished);
	w.stopping = false;
	w.pending = 0;
	w.bg_running = 0;
	if ((w.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -errno;
	w.ev = event_new(base, w.efd, EV_READ | EV_PERSIST, wakeup_cb, NULL);
	if (w.ev == NULL || event_add(w.ev, NULL) == -1) {
		if (w.ev != NULL)
			event_free(w.ev);
		close(w.efd);
		w.efd = -1;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if ((rc = pthread_create(&w.threads[i], NULL, worker_main,
		    NULL)) != 0) {
			w.nthreads = i;
			w.running = true;
			workers_shutdown();
			return -rc;
		}
	}
	w.nthreads = n;
	w.running = true;
	return 0;
}

void
workers_shutdown(void)
{
	unsigned	i;

	if (!w.running)
		return;
	pthread_mutex_lock(&w.lock);
	w.stopping = true;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	for (i = 0; i < w.nthreads; i++)
		pthread_join(w.threads[i], NULL);
	w.nthreads = 0;
	/* Done functions may submit more work: it is refused from here on. */
	w.running = false;
	run_finished();
	event_free(w.ev);
	w.ev = NULL;
	close(w.efd);
	w.efd = -1;
}

static int
submit(void (*work)(void *), void (*done)(void *), void *arg, bool bg)
{
	struct wjob	*j;

	if (!w.running || w.stopping)
		return -ESHUTDOWN;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->bg = bg;
	pthread_mutex_lock(&w.lock);
	STAILQ_INSERT_TAIL(bg ? &w.bgq : &w.todo, j, entry);
	w.pending++;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	return 0;
}

int
workers_submit(void (*work)(void *), void (*done)(void *), void *arg)
{
	return submit(work, done, arg, false);
}

int
workers_submit_bg(void (*work)(void *), void (*done)(void *), void *arg)
{
	return submit(work, done, arg, true);
}

unsigned
workers_pending(void)
{
	unsigned	n;

	pthread_mutex_lock(&w.lock);
	n = w.pending;
	pthread_mutex_unlock(&w.lock);
	return n;
}
