/*
 * req-status.c - "status": what the daemon is doing, in one reply.
 */
#include "config.h"

#include <time.h>

#include "common/bencode.h"
#include "daemon/conf.h"
#include "daemon/control.h"
#include "daemon/request.h"
#include "daemon/state.h"

static void
req_status(struct request *req)
{
	struct bytebuf	*b = request_reply_begin(req);
	time_t		 now = time(NULL);

	/* Keys in canonical (sorted) order. */
	benc_put_kv_int(b, "bytes_from_cache", (int64_t)state.bytes_from_cache);
	benc_put_kv_int(b, "bytes_from_mirrors",
	    (int64_t)state.bytes_from_mirrors);
	benc_put_kv_int(b, "bytes_from_peers", (int64_t)state.bytes_from_peers);
	benc_put_kv_int(b, "bytes_to_peers", (int64_t)state.bytes_to_peers);
	benc_put_kv_int(b, "connections", (int64_t)control_nconns());
	benc_put_kv_int(b, "download_limit", (int64_t)state.download_limit);
	benc_put_kv_int(b, "files", 0);
	benc_put_kv_int(b, "paused", state.paused);
	benc_put_kv_int(b, "peers", 0);
	benc_put_kv_int(b, "upload_limit", (int64_t)state.upload_limit);
	benc_put_kv_int(b, "uptime_s", (int64_t)(now - state.started));
	benc_put_kv_str(b, "version", APTBT_VERSION);
	request_reply_end(req);
}

const struct request_entry req_status_entry = {
	"status", ACCESS_READ, "status", req_status
};
