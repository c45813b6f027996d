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
#include "daemon/base/cache.h"
#include "daemon/ctl/request.h"
#include "daemon/share/swarm.h"
#include "daemon/meta/torrents.h"

#define FILES_MAX	4000

struct files_ctx {
	struct bytebuf	*b;
	unsigned	 n;
	bool		 truncated;
};

static const char *
mode_of(const uint8_t *sha256)
{
	return torrents_by_sha256(sha256) != NULL ? "metadata" :
	    "zero-metadata";
}

static void
put_entry(struct files_ctx *c, const uint8_t *sha256, uint64_t size,
    uint64_t have, const char *state, unsigned peers, uint64_t from_peers,
    uint64_t to_peers)
{
	char	hex[2 * SHA256_LEN + 1];

	if (c->n >= FILES_MAX) {
		c->truncated = true;
		return;
	}
	c->n++;
	hex_encode(sha256, SHA256_LEN, hex);
	/* Keys in canonical order. */
	benc_put_dict(c->b);
	benc_put_kv_int(c->b, "bytes_from_peers", (int64_t)from_peers);
	benc_put_kv_int(c->b, "bytes_to_peers", (int64_t)to_peers);
	benc_put_kv_str(c->b, "mode", mode_of(sha256));
	benc_put_kv_int(c->b, "peers", peers);
	benc_put_kv_int(c->b, "progress", size > 0 ?
	    (int64_t)(have * 1000 / size) : 1000);
	benc_put_kv_str(c->b, "sha256", hex);
	benc_put_kv_int(c->b, "size", (int64_t)size);
	benc_put_kv_str(c->b, "state", state);
	benc_put_end(c->b);
}

static void
put_swarm(struct swarm *s, void *arg)
{
	struct swarm_stats	st;

	swarm_get_stats(s, &st);
	put_entry(arg, st.sha256, st.size, st.have_bytes, st.seeding ?
	    "seeding" : "fetching", st.nlinks, st.from_peers, st.to_peers);
}

static bool
put_cached(const struct cache_entry *e, void *arg)
{
	struct files_ctx	*c = arg;

	/* "Every file the daemon shares": a private one is not. */
	if (!e->private && swarm_find_sha256(e->sha256) == NULL)
		put_entry(c, e->sha256, e->size, e->size, "cached", 0, 0, 0);
	return !c->truncated;
}

static void
req_files(struct request *req)
{
	struct files_ctx	c = { NULL, 0, false };

	c.b = request_reply_begin(req);
	benc_put_cstr(c.b, "files");
	benc_put_list(c.b);
	swarm_foreach(put_swarm, &c);
	cache_foreach(put_cached, &c);
	benc_put_end(c.b);
	benc_put_kv_int(c.b, "truncated", c.truncated);
	request_reply_end(req);
}

const struct request_entry req_files_entry = {
	"files", ACCESS_READ, "files", req_files
};
