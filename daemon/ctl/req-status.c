/* SPDX-License-Identifier: ISC */
/*
 * req-status.c - "status": what the daemon is doing, in one reply.
 */
#include "config.h"

#include <time.h>

#include "common/bencode.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/engine/fetch.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/base/scope.h"
#include "daemon/share/swarm.h"
#include "daemon/ctl/control.h"
#include "daemon/ctl/request.h"
#include "daemon/base/state.h"

static void
req_status(struct request *req)
{
	struct bytebuf		*b = request_reply_begin(req);
	time_t			 now = time(NULL);
	struct cache_stats	 cs;

	cache_get_stats(&cs);
	/* Keys in canonical (sorted) order. */
	benc_put_kv_int(b, "bytes_from_cache", (int64_t)state.bytes_from_cache);
	benc_put_kv_int(b, "bytes_from_mirrors",
	    (int64_t)state.bytes_from_mirrors);
	benc_put_kv_int(b, "bytes_from_peers", (int64_t)state.bytes_from_peers);
	benc_put_kv_int(b, "bytes_to_peers", (int64_t)state.bytes_to_peers);
	benc_put_kv_int(b, "connections", (int64_t)control_nconns());
	benc_put_kv_int(b, "daemons", peermgr_ndaemons());
	benc_put_kv_int(b, "download_limit", (int64_t)state.download_limit);
	benc_put_kv_int(b, "downloads", fetch_njobs());
	benc_put_kv_int(b, "files", (int64_t)cs.count);
	benc_put_kv_int(b, "paused", state.paused);
	benc_put_kv_int(b, "peers", peer_count());
	benc_put_kv_int(b, "proxy_bytes", (int64_t)state.proxy_bytes);
	benc_put_kv_int(b, "proxy_refused", (int64_t)state.proxy_refused);
	benc_put_kv_int(b, "proxy_requests", (int64_t)state.proxy_requests);
	benc_put_kv_str(b, "share", scope_describe());
	benc_put_kv_int(b, "swarms", swarm_count());
	benc_put_kv_int(b, "upload_limit", (int64_t)state.upload_limit);
	benc_put_kv_int(b, "uptime_s", (int64_t)(now - state.started));
	benc_put_kv_str(b, "version", APTBT_VERSION);
	request_reply_end(req);
}

const struct request_entry req_status_entry = {
	"status", ACCESS_READ, "status", req_status
};
