/*
 * req-limit.c - "limit": change the rate limits while running.
 *
 * Arguments "down" and "up" are bytes per second (0 = unlimited); either
 * may be left out to keep its value.  A limit set here overrides the
 * configuration file until the next "limit" or a config reload that
 * changes that key, and survives a restart (it is saved in the state).
 */
#include "config.h"

#include "common/log.h"
#include "daemon/request.h"
#include "daemon/sharing.h"
#include "daemon/state.h"

static void
req_limit(struct request *req)
{
	struct bytebuf	*b;
	int64_t		 down, up;
	bool		 have_down, have_up;

	have_down = request_arg_int(req, "down", &down);
	have_up = request_arg_int(req, "up", &up);
	if ((have_down && down < 0) || (have_up && up < 0)) {
		request_reply_error(req, "BadRequest",
		    "limits must be 0 (unlimited) or positive");
		return;
	}
	if ((have_down || have_up) && req->access < ACCESS_ADMIN) {
		request_reply_error(req, "PermissionDenied", "permission "
		    "denied: changing limits needs root or the admin group");
		return;
	}
	if (have_down || have_up) {
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
	benc_put_kv_int(b, "upload_limit", (int64_t)state.upload_limit);
	request_reply_end(req);
}

/* Anyone may read the limits; changing them is checked above. */
const struct request_entry req_limit_entry = {
	"limit", ACCESS_READ, "limit [down=BYTES/S] [up=BYTES/S]", req_limit
};
