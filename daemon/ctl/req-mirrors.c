/* SPDX-License-Identifier: ISC */
/*
 * req-mirrors.c - "mirrors": per-mirror statistics and backoff state.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/ctl/request.h"
#include "daemon/base/webseed.h"

static void
put_mirror(const struct ws_mirror_stats *st, void *arg)
{
	struct bytebuf	*b = arg;

	benc_put_dict(b);
	benc_put_kv_int(b, "active", st->active);
	benc_put_kv_int(b, "backoff_until", (int64_t)st->backoff_until);
	benc_put_kv_int(b, "bytes", (int64_t)st->bytes);
	benc_put_kv_int(b, "configured", st->configured ? 1 : 0);
	benc_put_kv_int(b, "errors", (int64_t)st->errors);
	benc_put_kv_int(b, "failures", st->failures);
	benc_put_kv_int(b, "rate", (int64_t)st->rate);
	benc_put_kv_int(b, "requests", (int64_t)st->requests);
	benc_put_kv_str(b, "url", st->name);
	benc_put_end(b);
}

static void
req_mirrors(struct request *req)
{
	struct bytebuf	*b = request_reply_begin(req);

	benc_put_cstr(b, "mirrors");
	benc_put_list(b);
	ws_mirror_foreach(put_mirror, b);
	benc_put_end(b);
	request_reply_end(req);
}

const struct request_entry req_mirrors_entry = {
	"mirrors", ACCESS_READ, "mirrors", req_mirrors
};
