/* SPDX-License-Identifier: ISC */
/*
 * req-peers.c - "peers": connected peers, and adding one by address.
 *
 * args {"add": "ADDR:PORT"} adds a daemon to connect to (admin only);
 * without it the reply lists every connection, with where it came from.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/bencode.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/ctl/request.h"

/* Where a peer came from: its name in --json and its letter in "flags". */
static const struct {
	const char	*name;
	char		 flag;
} sources[] = {
	[PEER_SRC_INCOMING] = { "incoming", '\0' },
	[PEER_SRC_CONFIG] = { "config", 'S' },
	[PEER_SRC_CTL] = { "ctl", 'C' },
	[PEER_SRC_LSD] = { "lsd", 'L' },
	[PEER_SRC_PEX] = { "pex", 'X' },
	[PEER_SRC_TRACKER] = { "tracker", 'T' },
};

static void
put_peer(struct peer *p, void *arg)
{
	struct bytebuf		*b = arg;
	struct peer_stats	 st;
	char			 flags[8];
	size_t			 n = 0;
	enum peer_source	 src = peer_source(p);

	peer_get_stats(p, &st);
	if (st.daemon)
		flags[n++] = 'D';
	flags[n++] = st.outgoing ? 'O' : 'I';
	if (!peer_ready(p))
		flags[n++] = 'H';
	if (sources[src].flag != '\0')
		flags[n++] = sources[src].flag;
	flags[n] = '\0';
	/* Keys in canonical order. */
	benc_put_dict(b);
	benc_put_kv_str(b, "address", st.addr);
	benc_put_kv_int(b, "bytes_in", (int64_t)st.bytes_in);
	benc_put_kv_int(b, "bytes_out", (int64_t)st.bytes_out);
	benc_put_kv_str(b, "client", st.client);
	benc_put_kv_int(b, "daemon", st.daemon);
	benc_put_kv_int(b, "down_rate", (int64_t)st.rate_in);
	benc_put_kv_str(b, "flags", flags);
	benc_put_kv_str(b, "source", sources[src].name);
	benc_put_kv_int(b, "swarms", st.nlinks);
	benc_put_kv_int(b, "up_rate", (int64_t)st.rate_out);
	benc_put_end(b);
}

static void
req_peers(struct request *req)
{
	struct bytebuf	*b;
	const uint8_t	*add;
	size_t		 addlen;
	char		 addr[128];

	if (request_arg_str(req, "add", &add, &addlen)) {
		if (req->access < ACCESS_ADMIN) {
			request_reply_error(req, "PermissionDenied",
			    "permission denied: adding peers needs root or "
			    "the admin group");
			return;
		}
		if (addlen >= sizeof(addr)) {
			request_reply_error(req, "BadRequest", "address too "
			    "long");
			return;
		}
		memcpy(addr, add, addlen);
		addr[addlen] = '\0';
		if (peermgr_add_string(addr, PEER_SRC_CTL) != 0) {
			request_reply_error(req, "BadRequest", "\"%s\" is not "
			    "ADDRESS:PORT", addr);
			return;
		}
	}
	b = request_reply_begin(req);
	benc_put_kv_int(b, "daemons", peermgr_ndaemons());
	benc_put_cstr(b, "peers");
	benc_put_list(b);
	peer_foreach(put_peer, b);
	benc_put_end(b);
	request_reply_end(req);
}

const struct request_entry req_peers_entry = {
	"peers", ACCESS_READ, "peers [add=ADDR:PORT]", req_peers
};
