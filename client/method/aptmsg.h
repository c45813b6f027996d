/* SPDX-License-Identifier: ISC */
/*
 * aptmsg.h - apt's method protocol messages: reading and writing them.
 *
 * A message is a header block: a first line "NNN Text", then "Name: value"
 * lines, then an empty line.  apt writes them to a method's stdin and
 * reads the method's answers from its stdout.  The reader is strict and
 * bounded (size, field count), since one bad message must not make the
 * method guess, and it is fuzzed (tests/fuzz/fuzz_aptmsg.c).
 */
#ifndef APTBT_APTMSG_H
#define APTBT_APTMSG_H

#include <stddef.h>
#include <sys/types.h>

#include "common/bytebuf.h"

/* apt's 601 Configuration carries the whole configuration: allow plenty. */
#define APTMSG_MAX_LEN		(4 * 1024 * 1024)
#define APTMSG_MAX_FIELDS	65536

struct aptmsg_field {
	const char	*name;
	const char	*value;
};

struct aptmsg {
	int			 code;		/* 100..999 */
	const char		*text;		/* "URI Acquire" */
	struct aptmsg_field	*fields;
	size_t			 nfields;
	char			*mem;		/* owns every string above */
};

/* Buffered input from apt; messages are taken out one at a time. */
struct aptmsg_reader {
	struct bytebuf	in;
	size_t		scan;		/* bytes already searched for the end */
};

void	aptmsg_reader_init(struct aptmsg_reader *);
void	aptmsg_reader_free(struct aptmsg_reader *);
/* Append bytes read from apt; -ENOMEM. */
int	aptmsg_reader_feed(struct aptmsg_reader *, const void *, size_t);
/*
 * Take the next complete message: 1 and *msg filled (free it with
 * aptmsg_free), 0 when more input is needed, -EMSGSIZE when a message
 * grows past APTMSG_MAX_LEN, -EBADMSG when it is malformed (it is then
 * dropped, so the caller may go on), -ENOMEM.
 */
int	aptmsg_reader_next(struct aptmsg_reader *, struct aptmsg *msg);

/*
 * Parse one header block (no empty line inside; a trailing newline is
 * optional).  Returns 0, -EBADMSG or -ENOMEM; on error msg is empty.
 */
int	aptmsg_parse(struct aptmsg *, const char *, size_t);
void	aptmsg_free(struct aptmsg *);

/* The first field of that name (case-insensitive), or NULL. */
const char *aptmsg_get(const struct aptmsg *, const char *name);
/* The value as a boolean: "true", "yes", "1" are true; absent is def. */
int	aptmsg_get_bool(const struct aptmsg *, const char *name, int def);

/*
 * Writing: begin, add fields, end.  Line breaks in values are turned
 * into blanks so a value can never end the message early.
 */
void	aptmsg_begin(struct bytebuf *, int code, const char *text);
void	aptmsg_add(struct bytebuf *, const char *name, const char *value);
void	aptmsg_addf(struct bytebuf *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	aptmsg_end(struct bytebuf *);

/*
 * Decode apt's %XX escapes (as in Config-Item values) in place; returns
 * the new length.  Bad escapes are kept as they are.
 */
size_t	aptmsg_unescape(char *);

#endif
