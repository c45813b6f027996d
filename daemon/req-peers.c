/*
 * req-peers.c - "peers": connected BitTorrent peers.
 *
 * The peer engine is not part of this release, so the list is empty.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/request.h"

static void
req_peers(struct request *req)
{
	struct bytebuf	*b = request_reply_begin(req);

	benc_put_cstr(b, "peers");
	benc_put_list(b);
	benc_put_end(b);
	request_reply_end(req);
}

const struct request_entry req_peers_entry = {
	"peers", ACCESS_READ, "peers", req_peers
};
