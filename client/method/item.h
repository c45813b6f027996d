/* SPDX-License-Identifier: ISC */
/*
 * item.h - apt's requests as the loop (method-main.c) sees them: made
 * from 600 URI Acquire, then fetched and answered by method-item.c
 * through the backends of backend.h.
 */
#ifndef APTBT_METHOD_ITEM_H
#define APTBT_METHOD_ITEM_H

#include <stddef.h>

struct aptmsg;
struct item;
struct method_backend;

/* The backend tried first and the one that fetches when it cannot. */
void	 item_setup(const struct method_backend *first,
	    const struct method_backend *fallback);
/* A request from 600 URI Acquire, or NULL with err set. */
struct item *item_new(const struct aptmsg *, char *err, size_t errlen);
/*
 * Fetch it: through the first backend unless it is private (then, or
 * when that one cannot, through the fallback).  The item layer owns it
 * from here and frees it once apt has its answer.
 */
void	 item_fetch(struct item *);
/* Drop every item still open (apt has gone). */
void	 item_finish_all(void);

#endif
