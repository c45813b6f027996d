/* SPDX-License-Identifier: ISC */
/*
 * req-limit.c - "limit": show or change the rate limits while running.
 *
 * Arguments "down" and "up" are bytes per second (0 = unlimited); either
 * may be left out to keep its value.  Without "file" or "peer" they are
 * the global limits: they override the configuration file until the next
 * "limit" or a config reload that changes that key, and survive a restart
 * (they are saved in the state).  With "file" (a SHA-256) or "peer"
 * (ADDRESS[:PORT]) they are that file's or that peer's own limits inside
 * the global ones, kept until the daemon stops; both 0 removes them.
 */
#include "config.h"

#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "daemon/share/bandwidth.h"
#include "daemon/base/conf.h"
#include "daemon/ctl/request.h"
#include "daemon/engine/sharing.h"
#include "daemon/base/state.h"

struct listing {
	struct bytebuf	*b;
	bool		 peers;
};

static void
put_limit(const struct bw_limit *lim, void *arg)
{
	struct listing	*l = arg;
	char		 hex[2 * SHA256_LEN + 1], addr[NETADDR_STRLEN];

	if (lim->is_peer != l->peers)
		return;
	benc_put_dict(l->b);
	if (lim->is_peer)
		benc_put_kv_str(l->b, "address",
		    netaddr_format(&lim->addr, addr, sizeof(addr)));
	benc_put_kv_int(l->b, "download_limit", (int64_t)lim->down);
	if (!lim->is_peer) {
		hex_encode(lim->sha256, SHA256_LEN, hex);
		benc_put_kv_str(l->b, "sha256", hex);
	}
	benc_put_kv_int(l->b, "upload_limit", (int64_t)lim->up);
	benc_put_end(l->b);
}

static void
put_list(struct bytebuf *b, const char *key, bool peers)
{
	struct listing	l = { b, peers };

	benc_put_cstr(b, key);
	benc_put_list(b);
	bw_limit_foreach(put_limit, &l);
	benc_put_end(b);
}

/* Parse "file" or "peer" into lim; false after replying with an error. */
static bool
limit_target(struct request *req, struct bw_limit *lim, bool *have)
{
	const uint8_t	*s;
	size_t		 len;
	bool		 file, peer;

	memset(lim, 0, sizeof(*lim));
	file = request_arg_str(req, "file", &s, &len);
	if (file && (len != 2 * SHA256_LEN ||
	    !hex_decode((const char *)s, len, lim->sha256, SHA256_LEN))) {
		request_reply_error(req, "BadRequest",
		    "\"file\" must be 64 hex digits");
		return false;
	}
	peer = request_arg_str(req, "peer", &s, &len);
	if (peer && netaddr_parse((const char *)s, len, &lim->addr) != 0) {
		request_reply_error(req, "BadRequest", "\"peer\" must be a "
		    "numeric ADDRESS or ADDRESS:PORT");
		return false;
	}
	if (file && peer) {
		request_reply_error(req, "BadRequest",
		    "give \"file\" or \"peer\", not both");
		return false;
	}
	lim->is_peer = peer;
	*have = file || peer;
	return true;
}

static void
req_limit(struct request *req)
{
	struct bytebuf	*b;
	struct bw_limit	 lim;
	int64_t		 down = -1, up = -1;
	bool		 have_down, have_up, target;
	char		 name[NETADDR_STRLEN + 2 * SHA256_LEN];

	have_down = request_arg_int(req, "down", &down);
	have_up = request_arg_int(req, "up", &up);
	if ((have_down && down < 0) || (have_up && up < 0)) {
		request_reply_error(req, "BadRequest",
		    "limits must be 0 (unlimited) or positive");
		return;
	}
	if (!limit_target(req, &lim, &target))
		return;
	if ((have_down || have_up) && req->access < ACCESS_ADMIN) {
		request_reply_error(req, "PermissionDenied", "permission "
		    "denied: changing limits needs root or the admin group");
		return;
	}
	if (target && (have_down || have_up)) {
		if (lim.is_peer)
			netaddr_format(&lim.addr, name, sizeof(name));
		else
			hex_encode(lim.sha256, SHA256_LEN, name);
		if (bw_limit_set(&lim, have_down ? down : -1,
		    have_up ? up : -1) != 0) {
			request_reply_error(req, "Busy", "too many file and "
			    "peer limits (at most %d)", BW_MAX_LIMITS);
			return;
		}
		log_notice("limits of %s %s set by uid %u: down %llu B/s, "
		    "up %llu B/s", lim.is_peer ? "peer" : "file", name,
		    (unsigned)req->uid, (unsigned long long)lim.down,
		    (unsigned long long)lim.up);
	} else if (have_down || have_up) {
		if (have_down)
			state.download_limit = (uint64_t)down;
		if (have_up)
			state.upload_limit = (uint64_t)up;
		state.limits_set = true;
		state_dirty();
		sharing_limits();
		log_notice("limits set by uid %u: down %llu B/s, up %llu B/s",
		    (unsigned)req->uid,
		    (unsigned long long)state.download_limit,
		    (unsigned long long)state.upload_limit);
	}
	b = request_reply_begin(req);
	benc_put_kv_int(b, "download_limit", (int64_t)state.download_limit);
	put_list(b, "files", false);
	benc_put_kv_int(b, "peer_download_limit",
	    (int64_t)conf.peer_download_limit);
	benc_put_kv_int(b, "peer_upload_limit",
	    (int64_t)conf.peer_upload_limit);
	put_list(b, "peers", true);
	benc_put_kv_int(b, "upload_limit", (int64_t)state.upload_limit);
	request_reply_end(req);
}

/* Anyone may read the limits; changing them is checked above. */
const struct request_entry req_limit_entry = {
	"limit", ACCESS_READ,
	"limit [down=BYTES/S] [up=BYTES/S] [file=SHA256 | peer=ADDR[:PORT]]",
	req_limit
};
