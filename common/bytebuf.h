/* SPDX-License-Identifier: ISC */
/*
 * bytebuf.h - a growable byte buffer.
 *
 * The bencode encoder and the control-protocol codec build messages in a
 * bytebuf.  Allocation failure is sticky: after it every append is a no-op
 * and bytebuf_failed() reports it, so a caller checks once at the end
 * instead of after every append.
 */
#ifndef APTBT_BYTEBUF_H
#define APTBT_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytebuf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	bool	 failed;
};

#define BYTEBUF_INIT { NULL, 0, 0, false }

void	bytebuf_init(struct bytebuf *);
void	bytebuf_free(struct bytebuf *);
void	bytebuf_reset(struct bytebuf *);
/* Make room for n more bytes; false (and sticky failure) on ENOMEM. */
bool	bytebuf_reserve(struct bytebuf *, size_t n);
void	bytebuf_append(struct bytebuf *, const void *, size_t);
void	bytebuf_putc(struct bytebuf *, uint8_t);
void	bytebuf_puts(struct bytebuf *, const char *);
void	bytebuf_printf(struct bytebuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (a consumed prefix). */
void	bytebuf_consume(struct bytebuf *, size_t n);
bool	bytebuf_failed(const struct bytebuf *);

#endif
