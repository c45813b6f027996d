/* SPDX-License-Identifier: ISC */
/*
 * req-fetch.c - "fetch": download a file for the apt method.
 *
 * Arguments and answers are common/fetchmsg.h's.  The request is checked
 * here and handed to the engine with a reply handle that turns the
 * engine's events into frames on this control connection.
 */
#include "config.h"

#include <stdlib.h>

#include "common/fetchmsg.h"
#include "common/ctlproto.h"
#include "daemon/ctl/control.h"
#include "daemon/ctl/request.h"
#include "daemon/engine/fetch.h"

struct ctl_reply {
	struct fetch_reply	 reply;		/* first: the engine's handle */
	struct ctl_conn		*conn;
	int64_t			 id;
};

static void
send_frame(struct ctl_reply *r, struct bytebuf *b, int rc, int fd)
{
	if (rc == 0 && !ctl_conn_closed(r->conn))
		ctl_conn_send(r->conn, b, fd);
	bytebuf_free(b);
}

static void
reply_event(struct fetch_reply *fr, const struct fetchmsg_event *e, int fd)
{
	struct ctl_reply	*r = (struct ctl_reply *)fr;
	struct bytebuf		 b = BYTEBUF_INIT;

	send_frame(r, &b, fetchmsg_put_event(&b, r->id, e), fd);
}

static void
reply_error(struct fetch_reply *fr, const char *reason, bool transient,
    const char *msg)
{
	struct ctl_reply	*r = (struct ctl_reply *)fr;
	struct bytebuf		 b = BYTEBUF_INIT;

	send_frame(r, &b, ctl_put_error(&b, r->id, msg, reason, transient), -1);
}

static bool
reply_gone(const struct fetch_reply *fr)
{
	return ctl_conn_closed(((const struct ctl_reply *)fr)->conn);
}

static void
reply_release(struct fetch_reply *fr)
{
	struct ctl_reply	*r = (struct ctl_reply *)fr;

	ctl_conn_unref(r->conn);
	free(r);
}

static const struct fetch_reply_ops ctl_reply_ops = {
	reply_event, reply_error, reply_gone, reply_release
};

static void
req_fetch(struct request *req)
{
	struct fetchmsg_req	 a;
	struct ctl_reply	*r;
	const char		*bad;
	char			 uri[FETCHMSG_URI_MAX + 1];
	char			 base[FETCHMSG_URI_MAX + 1];

	if ((bad = fetchmsg_get_request(req->doc, req->args, &a, uri,
	    base)) != NULL) {
		request_reply_error(req, "BadRequest", "%s", bad);
		return;
	}
	if (a.max_size > 0 && a.size > 0 && (uint64_t)a.size > a.max_size) {
		request_reply_error(req, "MaximumSizeExceeded",
		    "expected size %lld is over the maximum %llu",
		    (long long)a.size, (unsigned long long)a.max_size);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		request_reply_error(req, "CacheError", "out of memory");
		return;
	}
	r->reply.ops = &ctl_reply_ops;
	r->conn = ctl_conn_ref(req->conn);
	r->id = req->id;
	fetch_request(&r->reply, &a);
}

const struct request_entry req_fetch_entry = {
	"fetch", ACCESS_FETCH,
	"fetch uri=URL [sha256=HEX] [size=N] [max_size=N] [ims=T] [base=URL]",
	req_fetch
};
