/*
 * req-cache.c - "cache": usage of the verified-file cache.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/request.h"

static void
req_cache(struct request *req)
{
	struct bytebuf	*b = request_reply_begin(req);

	benc_put_kv_int(b, "bytes", 0);
	benc_put_cstr(b, "entries");
	benc_put_list(b);
	benc_put_end(b);
	benc_put_kv_int(b, "files", 0);
	request_reply_end(req);
}

const struct request_entry req_cache_entry = {
	"cache", ACCESS_READ, "cache", req_cache
};
