/* SPDX-License-Identifier: ISC */
/*
 * request.h - the table of control requests and its handlers.
 *
 * Each request lives in its own req-NAME.c file and exports one
 * struct request_entry; request.c lists them in a table, checks the
 * caller's access level and dispatches.  A handler answers with
 * request_reply_*() before returning, or keeps the connection (ctl_conn_ref)
 * and answers later with events and a final reply.
 */
#ifndef APTBTD_REQUEST_H
#define APTBTD_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "daemon/ctl/access.h"

struct ctl_conn;

struct request {
	struct ctl_conn		*conn;
	const struct benc_doc	*doc;
	int			 args;		/* token of the "args" dict, or -1 */
	int64_t			 id;
	uid_t			 uid;
	enum access_level	 access;
};

struct request_entry {
	const char		*name;
	enum access_level	 need;
	const char		*usage;		/* one line, for the "help" reply */
	void			(*run)(struct request *);
};

/* Dispatch one decoded request message. */
void	request_dispatch(struct ctl_conn *, const struct benc_doc *, uid_t,
	    enum access_level);

/*
 * Replies.  request_reply_begin returns a buffer positioned inside the
 * "result" dictionary: append sorted key/value pairs with the benc_put_*
 * functions, then call request_reply_end.
 */
struct bytebuf *request_reply_begin(struct request *);
void	request_reply_end(struct request *);
void	request_reply_error(struct request *, const char *reason,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Argument helpers: true when present and well-typed. */
bool	request_arg_int(const struct request *, const char *, int64_t *);
bool	request_arg_str(const struct request *, const char *,
	    const uint8_t **, size_t *);

#endif
