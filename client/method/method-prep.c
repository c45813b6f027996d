/* SPDX-License-Identifier: ISC */
/*
 * method-prep.c - making apt's files ahead, on a helper thread.
 *
 * Creating a file costs the file system an inode, and that is the
 * largest part of what a small download costs the method's one loop.
 * A file is asked for as soon as its request goes to the daemon; this
 * thread creates it while the loop goes on, and the loop collects the
 * descriptor when the bytes come.  A request the thread has not started
 * yet is simply taken back and the loop opens the file itself, so the
 * loop never waits for more than one file being made.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/method/method.h"

enum pstate {
	P_QUEUED,
	P_RUNNING,
	P_DONE,
};

struct prep {
	TAILQ_ENTRY(prep)	 entry;
	char			*path;
	enum pstate		 state;
	int			 fd;		/* when P_DONE: or -1 */
};
TAILQ_HEAD(prepq, prep);

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 work, done;
	struct prepq	 queue;
	pthread_t	 thread;
	bool		 running, stopping, failed;
} p = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.queue = TAILQ_HEAD_INITIALIZER(p.queue),
};

int
prep_open(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void *
prep_main(void *unused)
{
	struct prep	*e;
	int		 fd;

	pthread_mutex_lock(&p.lock);
	for (;;) {
		while (TAILQ_EMPTY(&p.queue) && !p.stopping)
			pthread_cond_wait(&p.work, &p.lock);
		if ((e = TAILQ_FIRST(&p.queue)) == NULL)
			break;
		TAILQ_REMOVE(&p.queue, e, entry);
		e->state = P_RUNNING;
		pthread_mutex_unlock(&p.lock);
		fd = prep_open(e->path);
		pthread_mutex_lock(&p.lock);
		e->fd = fd;
		e->state = P_DONE;
		pthread_cond_broadcast(&p.done);
	}
	pthread_mutex_unlock(&p.lock);
	return NULL;
}

void
prep_request(struct item *it)
{
	struct prep	*e;

	if (it->prep != NULL || it->fd != -1 || p.failed)
		return;
	if (!p.running) {
		/* After 601 Configuration: the thread runs as the sandbox user. */
		if (pthread_create(&p.thread, NULL, prep_main, NULL) != 0) {
			p.failed = true;
			return;
		}
		p.running = true;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->path = strdup(it->filename)) == NULL) {
		free(e);
		return;
	}
	e->fd = -1;
	pthread_mutex_lock(&p.lock);
	e->state = P_QUEUED;
	TAILQ_INSERT_TAIL(&p.queue, e, entry);
	pthread_cond_signal(&p.work);
	pthread_mutex_unlock(&p.lock);
	it->prep = e;
}

int
prep_take(struct item *it)
{
	struct prep	*e = it->prep;
	int		 fd = -1;

	if (e == NULL)
		return -1;
	it->prep = NULL;
	pthread_mutex_lock(&p.lock);
	if (e->state == P_QUEUED)
		TAILQ_REMOVE(&p.queue, e, entry);
	else {
		while (e->state != P_DONE)
			pthread_cond_wait(&p.done, &p.lock);
		fd = e->fd;
	}
	pthread_mutex_unlock(&p.lock);
	free(e->path);
	free(e);
	return fd;
}

void
prep_shutdown(void)
{
	if (!p.running)
		return;
	pthread_mutex_lock(&p.lock);
	p.stopping = true;
	pthread_cond_signal(&p.work);
	pthread_mutex_unlock(&p.lock);
	pthread_join(p.thread, NULL);
	p.running = false;
}
