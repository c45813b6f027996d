/* SPDX-License-Identifier: ISC */
/*
 * bytebuf.c - a growable byte buffer with sticky allocation failure.
 *
 * Messages are built by many small appends; making failure sticky keeps
 * the builders free of error checks, and the one check at the end still
 * never sends a truncated message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"

/* The first allocation; small messages never grow past it. */
#define BYTEBUF_MIN	256

void
bytebuf_init(struct bytebuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void
bytebuf_free(struct bytebuf *b)
{
	free(b->data);
	bytebuf_init(b);
}

/* Keep the memory: a reset buffer is usually refilled at once. */
void
bytebuf_reset(struct bytebuf *b)
{
	b->len = 0;
	b->failed = false;
}

bool
bytebuf_reserve(struct bytebuf *b, size_t n)
{
	uint8_t	*p;
	size_t	 want, ncap;

	if (b->failed)
		return false;
	if (n <= b->cap - b->len)
		return true;
	if (n > SIZE_MAX - b->len)
		goto fail;
	want = b->len + n;
	ncap = b->cap < BYTEBUF_MIN ? BYTEBUF_MIN : b->cap;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2) {
			ncap = want;
			break;
		}
		ncap *= 2;
	}
	if ((p = realloc(b->data, ncap)) == NULL)
		goto fail;
	b->data = p;
	b->cap = ncap;
	return true;
fail:
	b->failed = true;
	return false;
}

void
bytebuf_append(struct bytebuf *b, const void *p, size_t n)
{
	if (n == 0 || !bytebuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
bytebuf_putc(struct bytebuf *b, uint8_t c)
{
	if (!bytebuf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
}

void
bytebuf_puts(struct bytebuf *b, const char *s)
{
	bytebuf_append(b, s, strlen(s));
}

void
bytebuf_printf(struct bytebuf *b, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 room;
	int	 n;

	if (b->failed)
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(room ? (char *)b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n >= room) {
		/* vsnprintf wants room for its NUL, which we then drop. */
		if (!bytebuf_reserve(b, (size_t)n + 1))
			return;
		va_start(ap, fmt);
		n = vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
	}
	b->len += (size_t)n;
}

void
bytebuf_consume(struct bytebuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

bool
bytebuf_failed(const struct bytebuf *b)
{
	return b->failed;
}
