/* SPDX-License-Identifier: ISC */
/*
 * workers.h - a small thread pool for hashing and disk I/O.
 *
 * The event loop must never block, so anything that reads, writes, syncs
 * or hashes a file runs here.  A job's work function runs on a worker
 * thread; its done function then runs on the event loop thread, where it
 * may touch daemon state.  Jobs may finish in any order.
 *
 * Background jobs (workers_submit_bg) are work nobody waits for, such as
 * making a file durable after it was handed out: they run only when no
 * other job is queued, and never on every thread at once, so a slow
 * fsync never holds up the hashing and writing that requesters wait on.
 */
#ifndef APTBTD_WORKERS_H
#define APTBTD_WORKERS_H

struct event_base;

#define WORKERS_DEFAULT	2

/* Start n threads (0: the default) delivering completions to base. */
int	workers_init(struct event_base *, unsigned n);
/*
 * Finish every queued job, run the pending done functions on the calling
 * thread, and stop the threads.  Later submissions fail with -ESHUTDOWN.
 */
void	workers_shutdown(void);
/*
 * Queue work(arg) for a worker and then done(arg) for the loop.  Returns 0,
 * -ENOMEM or -ESHUTDOWN; on failure neither function is called.
 */
int	workers_submit(void (*work)(void *), void (*done)(void *), void *arg);
int	workers_submit_bg(void (*work)(void *), void (*done)(void *),
	    void *arg);
/* Jobs queued or running (for status and tests). */
unsigned workers_pending(void);

#endif
