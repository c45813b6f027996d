/* SPDX-License-Identifier: ISC */
/*
 * req-files.c - "files": every file the daemon shares or fetches.
 *
 * Open swarms (downloads, and cached files a peer is taking part in
 * right now) come first with their traffic; then the rest of the cache,
 * which is seeded on demand.  The list is capped so the reply fits in
 * one frame; "truncated" says when it was.
 */
#include "config.h"

#include "common/bencode.h"
#include "common/hash.h"
#include "daemon/ctl/request.h"
#include "daemon/engine/report.h"

#define FILES_MAX	4000

struct files_ctx {
	struct bytebuf	*b;
	unsigned	 n;
	bool		 truncated;
};

static bool
put_file(const struct report_file *f, void *arg)
{
	struct files_ctx	*c = arg;
	char			 hex[2 * SHA256_LEN + 1];

	if (c->n >= FILES_MAX) {
		c->truncated = true;
		return false;
	}
	c->n++;
	hex_encode(f->sha256, SHA256_LEN, hex);
	/* Keys in canonical order. */
	benc_put_dict(c->b);
	benc_put_kv_int(c->b, "bytes_from_peers", (int64_t)f->from_peers);
	benc_put_kv_int(c->b, "bytes_to_peers", (int64_t)f->to_peers);
	benc_put_kv_str(c->b, "mode", report_file_mode(f->sha256));
	benc_put_kv_int(c->b, "peers", f->peers);
	benc_put_kv_int(c->b, "progress", f->size > 0 ?
	    (int64_t)(f->have * 1000 / f->size) : 1000);
	benc_put_kv_str(c->b, "sha256", hex);
	benc_put_kv_int(c->b, "size", (int64_t)f->size);
	benc_put_kv_str(c->b, "state", f->state);
	benc_put_end(c->b);
	return true;
}

static void
req_files(struct request *req)
{
	struct files_ctx	c = { NULL, 0, false };

	c.b = request_reply_begin(req);
	benc_put_cstr(c.b, "files");
	benc_put_list(c.b);
	report_files(put_file, &c);
	benc_put_end(c.b);
	benc_put_kv_int(c.b, "truncated", c.truncated);
	request_reply_end(req);
}

const struct request_entry req_files_entry = {
	"files", ACCESS_READ, "files", req_files
};
