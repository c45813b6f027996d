/* SPDX-License-Identifier: ISC */
/*
 * backend.h - the one interface between an apt request (method-item.c)
 * and the ways of fetching it: method-daemon.c through aptbtd's control
 * socket, method-direct.c from the mirror with libcurl.
 *
 * The item layer starts and cancels a backend's work on an item; the
 * backend reports back only through the item_* calls below, never to
 * the loop or to another backend.  Which backend comes first and which
 * is the fallback is the item layer's choice (item_setup); the loop in
 * method-main.c only waits for what every backend asks it to watch.
 */
#ifndef APTBT_METHOD_BACKEND_H
#define APTBT_METHOD_BACKEND_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct item;

struct method_backend {
	const char	*name;		/* for apt's status lines */
	/* Once, before the loop: 0 or -errno. */
	int		(*init)(void);
	void		(*cleanup)(void);
	/*
	 * Fetch it from the first byte: 0, or -errno when this backend
	 * cannot (nothing was reported; the item layer tries another).
	 */
	int		(*start)(struct item *);
	/*
	 * Drop everything held for it; no item_* call for it follows.  The
	 * item layer calls it before any final report, even one the backend
	 * itself made.
	 */
	void		(*cancel)(struct item *);

	/* For the loop.  A descriptor to watch (-1 none) and its events. */
	int		(*fd)(short *events);
	/* Milliseconds until the backend wants a turn, or -1. */
	int		(*timeout_ms)(void);
	/*
	 * Only a backend whose library owns sockets the loop cannot see
	 * (libcurl) waits itself, for them and for the loop's descriptors;
	 * NULL: the loop uses poll(2).  0 or -errno.
	 */
	int		(*wait)(struct pollfd *, unsigned int n, int timeout_ms);
	/* A turn after each wait; revents of its descriptor, or 0. */
	void		(*run)(short revents);
};

extern const struct method_backend	 daemon_backend;
extern const struct method_backend	 direct_backend;

/*
 * What a backend reports about an item it started.  After a call marked
 * "final" the item is gone: the backend must not touch it again.
 */

/* The size (-1 unknown) is known: 200 URI Start, once per attempt. */
void	 item_start(struct item *, int64_t size, time_t last_modified);
/* The next bytes, in order: 0, -EFBIG past Maximum-Size, -errno. */
int	 item_write(struct item *, const void *, size_t);
/*
 * The file comes as a read-only descriptor (taken over) whose verified
 * prefix grows (item_have).  A second descriptor means the fetch began
 * again: what was copied from the first is discarded.  0, or -errno
 * when Filename cannot be emptied (fd is closed).
 */
int	 item_source(struct item *, int fd);
/*
 * Bytes [0, have) of the source are verified and will not change: copy
 * what is new of them.  0, -EFBIG past Maximum-Size, -EBADMSG when the
 * source does not hold them, -errno on a write.
 */
int	 item_have(struct item *, int64_t have);
/* Every byte is in: verify, then 201, one fetch again, or 400 (final). */
void	 item_complete(struct item *, time_t last_modified);
/* Not modified since apt's copy: 201 URI Done with IMS-Hit (final). */
void	 item_ims_hit(struct item *, time_t last_modified);
/* 400 URI Failure; reason may be NULL (final). */
void	 item_fail(struct item *, const char *reason, bool transient,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * This backend cannot finish it: say why (a status line) and fetch it
 * again from the first byte through the fallback (final for the caller).
 * last_word: the fallback's answer is not to be retried on a mismatch.
 */
void	 item_fallback(struct item *, bool last_word, const char *why);

#endif
