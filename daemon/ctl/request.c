/* SPDX-License-Identifier: ISC */
/*
 * request.c - the table of control requests, access checks and replies.
 *
 * A request names a command; the table says which file handles it and
 * what access it needs, so adding a command is one row and one file.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/ctlproto.h"
#include "common/log.h"
#include "daemon/ctl/control.h"
#include "daemon/ctl/request.h"

extern const struct request_entry req_cache_entry;
extern const struct request_entry req_fetch_entry;
extern const struct request_entry req_files_entry;
extern const struct request_entry req_import_entry;
extern const struct request_entry req_limit_entry;
extern const struct request_entry req_mirrors_entry;
extern const struct request_entry req_pause_entry;
extern const struct request_entry req_peers_entry;
extern const struct request_entry req_resume_entry;
extern const struct request_entry req_status_entry;
extern const struct request_entry req_tracker_entry;

static const struct request_entry *const request_table[] = {
	&req_cache_entry,
	&req_fetch_entry,
	&req_files_entry,
	&req_import_entry,
	&req_limit_entry,
	&req_mirrors_entry,
	&req_pause_entry,
	&req_peers_entry,
	&req_resume_entry,
	&req_status_entry,
	&req_tracker_entry,
};
#define NREQUESTS	(sizeof(request_table) / sizeof(request_table[0]))

/* The reply being built by the current handler (one at a time). */
static struct bytebuf	reply_buf = BYTEBUF_INIT;
static size_t		reply_mark;

static const struct request_entry *
request_find(const uint8_t *name, size_t len)
{
	size_t	i;

	for (i = 0; i < NREQUESTS; i++)
		if (strlen(request_table[i]->name) == len &&
		    memcmp(request_table[i]->name, name, len) == 0)
			return request_table[i];
	return NULL;
}

void
request_dispatch(struct ctl_conn *conn, const struct benc_doc *doc, uid_t uid,
    enum access_level access)
{
	const struct request_entry	*e;
	struct request			 req;
	const uint8_t			*name;
	size_t				 namelen;

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	req.doc = doc;
	req.uid = uid;
	req.access = access;
	benc_dict_int(doc, 0, "id", &req.id);
	req.args = benc_dict_get_type(doc, 0, "args", BENC_DICT);
	if (!benc_dict_str(doc, 0, "cmd", &name, &namelen)) {
		request_reply_error(&req, "BadRequest", "request without a cmd");
		return;
	}
	if ((e = request_find(name, namelen)) == NULL) {
		request_reply_error(&req, "BadRequest", "unknown command "
		    "\"%.*s\"", (int)(namelen > 64 ? 64 : namelen),
		    (const char *)name);
		return;
	}
	if (access < e->need) {
		log_info("control: uid %u may not %s", (unsigned)uid, e->name);
		request_reply_error(&req, "PermissionDenied",
		    "permission denied: %s needs %s access (root or the "
		    "admin group)", e->name, access_name(e->need));
		return;
	}
	log_debug("control: uid %u: %s", (unsigned)uid, e->name);
	e->run(&req);
}

struct bytebuf *
request_reply_begin(struct request *req)
{
	bytebuf_reset(&reply_buf);
	reply_mark = ctl_put_reply_begin(&reply_buf, req->id, NULL);
	return &reply_buf;
}

void
request_reply_end(struct request *req)
{
	if (ctl_put_reply_end(&reply_buf, reply_mark) != 0) {
		request_reply_error(req, NULL, "reply too large");
		return;
	}
	ctl_conn_send(req->conn, &reply_buf, -1);
	bytebuf_reset(&reply_buf);
}

void
request_reply_error(struct request *req, const char *reason,
    const char *fmt, ...)
{
	struct bytebuf	b = BYTEBUF_INIT;
	char		msg[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctl_put_error(&b, req->id, msg, reason, 0) == 0)
		ctl_conn_send(req->conn, &b, -1);
	bytebuf_free(&b);
}

bool
request_arg_int(const struct request *req, const char *key, int64_t *out)
{
	return req->args >= 0 && benc_dict_int(req->doc, req->args, key, out);
}

bool
request_arg_str(const struct request *req, const char *key,
    const uint8_t **out, size_t *len)
{
	return req->args >= 0 &&
	    benc_dict_str(req->doc, req->args, key, out, len);
}
