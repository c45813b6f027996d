/*
 * req-files.c - "files": files being fetched or shared with peers now.
 *
 * Lists the swarms that are open (downloads and seeds with a peer
 * attached); the many cached files nobody is fetching are in "cache".
 */
#include "config.h"

#include "common/bencode.h"
#include "common/hash.h"
#include "daemon/request.h"
#include "daemon/swarm.h"

static void
put_file(struct swarm *s, void *arg)
{
	struct bytebuf		*b = arg;
	struct swarm_stats	 st;
	char			 hex[2 * SHA256_LEN + 1];

	swarm_get_stats(s, &st);
	hex_encode(st.sha256, SHA256_LEN, hex);
	benc_put_dict(b);
	benc_put_kv_int(b, "bytes_from_peers", (int64_t)st.from_peers);
	benc_put_kv_int(b, "bytes_to_peers", (int64_t)st.to_peers);
	benc_put_kv_str(b, "mode", "zero-metadata");
	benc_put_kv_int(b, "peers", st.nlinks);
	benc_put_kv_int(b, "progress", st.size > 0 ?
	    (int64_t)(st.have_bytes * 1000 / st.size) : 1000);
	benc_put_kv_str(b, "sha256", hex);
	benc_put_kv_int(b, "size", (int64_t)st.size);
	benc_put_kv_str(b, "state", st.seeding ? "seeding" : "fetching");
	benc_put_end(b);
}

static void
req_files(struct request *req)
{
	struct bytebuf	*b = request_reply_begin(req);

	benc_put_cstr(b, "files");
	benc_put_list(b);
	swarm_foreach(put_file, b);
	benc_put_end(b);
	request_reply_end(req);
}

const struct request_entry req_files_entry = {
	"files", ACCESS_READ, "files", req_files
};
