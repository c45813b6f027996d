/* SPDX-License-Identifier: ISC */
/*
 * req-cache.c - "cache": list the verified-file cache, or remove an entry.
 *
 * {"remove": HEX} needs admin access; listing is open to readers.  The
 * list is capped so the reply fits in one frame, most recent first.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bencode.h"
#include "common/hash.h"
#include "daemon/base/cache.h"
#include "daemon/ctl/request.h"

#define LIST_MAX	4000

struct listing {
	struct bytebuf	*b;
	unsigned	 n;
	bool		 admin;		/* may see private entries */
};

static bool
put_entry(const struct cache_entry *e, void *arg)
{
	struct listing	*l = arg;
	char		 hex[2 * SHA256_LEN + 1];

	if (l->n == LIST_MAX)
		return false;
	/* A private file's hash is its owner's business, and the admins'. */
	if (e->private && !l->admin)
		return true;
	hex_encode(e->sha256, SHA256_LEN, hex);
	benc_put_dict(l->b);
	benc_put_kv_int(l->b, "atime", (int64_t)e->atime);
	if (e->private)
		benc_put_kv_int(l->b, "private", 1);
	benc_put_kv_str(l->b, "sha256", hex);
	benc_put_kv_int(l->b, "size", (int64_t)e->size);
	benc_put_end(l->b);
	l->n++;
	return true;
}

static void
cache_remove_req(struct request *req, const uint8_t *h, size_t hlen)
{
	uint8_t		 sha[SHA256_LEN];
	struct bytebuf	*b;
	int		 rc;

	if (req->access < ACCESS_ADMIN) {
		request_reply_error(req, "PermissionDenied",
		    "removing cache entries needs admin access");
		return;
	}
	if (hlen != 2 * SHA256_LEN ||
	    !hex_decode((const char *)h, hlen, sha, SHA256_LEN)) {
		request_reply_error(req, "BadRequest",
		    "\"remove\" must be 64 hex digits");
		return;
	}
	if ((rc = cache_remove(sha)) == -ENOENT) {
		request_reply_error(req, "NotFound", "no such cache entry");
		return;
	} else if (rc == -EBUSY) {
		request_reply_error(req, "Busy", "the entry is in use");
		return;
	}
	b = request_reply_begin(req);
	benc_put_kv_int(b, "removed", 1);
	request_reply_end(req);
}

static void
req_cache(struct request *req)
{
	struct cache_stats	 st;
	struct listing		 l;
	struct bytebuf		*b;
	const uint8_t		*h;
	size_t			 hlen;

	if (request_arg_str(req, "remove", &h, &hlen)) {
		cache_remove_req(req, h, hlen);
		return;
	}
	cache_get_stats(&st);
	b = request_reply_begin(req);
	benc_put_kv_int(b, "bytes", (int64_t)st.bytes);
	benc_put_kv_int(b, "count", (int64_t)st.count);
	benc_put_cstr(b, "entries");
	benc_put_list(b);
	l.b = b;
	l.n = 0;
	l.admin = req->access >= ACCESS_ADMIN;
	cache_foreach(put_entry, &l);
	benc_put_end(b);
	/* "files" is the older name of "count". */
	benc_put_kv_int(b, "files", (int64_t)st.count);
	benc_put_kv_int(b, "quota", (int64_t)st.quota);
	benc_put_kv_int(b, "scanned", st.scanned ? 1 : 0);
	benc_put_kv_int(b, "truncated", l.n < st.count ? 1 : 0);
	request_reply_end(req);
}

const struct request_entry req_cache_entry = {
	"cache", ACCESS_READ, "cache [remove=SHA256]", req_cache
};
