/* SPDX-License-Identifier: ISC */
/*
 * httphead.h - one HTTP/1.x request head, read from bytes a client sent.
 *
 * The apt proxy front end reads ahead on a connection: while it answers
 * one request, the requests apt pipelined after it already sit in the
 * connection's input, and knowing them early lets their fetches start
 * before the earlier replies end.  This reads the request line and the
 * few header fields that decide what a GET fetches (Range, If-Range,
 * If-Modified-Since) and whether a body follows (Content-Length,
 * Transfer-Encoding).  Strict: a CR LF after every line, tokens of
 * printable ASCII, no obsolete line folding, at most HTTPHEAD_MAX bytes
 * and HTTPHEAD_FIELDS fields.  A pure function: no I/O, no allocation;
 * the pointers it returns point into the input.
 */
#ifndef APTBT_HTTPHEAD_H
#define APTBT_HTTPHEAD_H

#include <stdbool.h>
#include <stddef.h>

#define HTTPHEAD_MAX		8192	/* request line and fields */
#define HTTPHEAD_FIELDS		100

struct httphead_str {
	const char	*p;		/* NULL: absent */
	size_t		 len;
};

struct httphead {
	struct httphead_str method;
	struct httphead_str target;
	int		 minor;		/* HTTP/1.minor: 0 or 1 */
	struct httphead_str range;
	struct httphead_str if_range;
	struct httphead_str if_modified_since;
	bool		 body;		/* a Content-Length but "0", or a
					   Transfer-Encoding */
	bool		 close;		/* "Connection: close" */
};

/*
 * Read one request head from buf[0, len).  Returns the bytes it takes
 * (through the empty line) with *out filled, 0 when buf holds only a
 * beginning of one (fewer than HTTPHEAD_MAX bytes and no error so far),
 * or -1 when it is malformed or too long.
 */
long	httphead_parse(const char *buf, size_t len, struct httphead *out);

#endif
