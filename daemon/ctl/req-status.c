/* SPDX-License-Identifier: ISC */
/*
 * req-status.c - "status": what the daemon is doing, in one reply.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/ctl/control.h"
#include "daemon/base/state.h"
#include "daemon/ctl/request.h"
#include "daemon/engine/report.h"

static void
req_status(struct request *req)
{
	struct bytebuf		*b = request_reply_begin(req);
	struct report_status	 r;

	report_status(&r);
	/* Keys in canonical (sorted) order. */
	benc_put_kv_int(b, "bytes_from_cache", (int64_t)r.bytes_from_cache);
	benc_put_kv_int(b, "bytes_from_mirrors", (int64_t)r.bytes_from_mirrors);
	benc_put_kv_int(b, "bytes_from_peers", (int64_t)r.bytes_from_peers);
	benc_put_kv_int(b, "bytes_to_peers", (int64_t)r.bytes_to_peers);
	benc_put_kv_int(b, "connections", (int64_t)control_nconns());
	benc_put_kv_int(b, "daemons", r.daemons);
	benc_put_kv_int(b, "download_limit", (int64_t)r.download_limit);
	benc_put_kv_int(b, "downloads", r.downloads);
	benc_put_kv_int(b, "files", (int64_t)r.files);
	benc_put_kv_int(b, "paused", r.paused);
	benc_put_kv_int(b, "peers", r.peers);
	benc_put_kv_int(b, "proxy_bytes", (int64_t)state.proxy_bytes);
	benc_put_kv_int(b, "proxy_refused", (int64_t)state.proxy_refused);
	benc_put_kv_int(b, "proxy_requests", (int64_t)state.proxy_requests);
	benc_put_kv_int(b, "proxy_silences", (int64_t)state.proxy_silences);
	benc_put_kv_str(b, "share", r.share);
	benc_put_kv_int(b, "swarms", r.swarms);
	benc_put_kv_int(b, "upload_limit", (int64_t)r.upload_limit);
	benc_put_kv_int(b, "uptime_s", r.uptime_s);
	benc_put_kv_str(b, "version", APTBT_VERSION);
	request_reply_end(req);
}

const struct request_entry req_status_entry = {
	"status", ACCESS_READ, "status", req_status
};
