/* SPDX-License-Identifier: ISC */
/*
 * req-pause.c - "pause": stop all peer traffic.
 *
 * Only peers stop: downloads apt asked for keep going from the mirrors,
 * so a paused daemon never makes apt wait.
 */
#include "config.h"

#include "common/log.h"
#include "daemon/ctl/request.h"
#include "daemon/engine/sharing.h"
#include "daemon/base/state.h"

static void
req_pause(struct request *req)
{
	struct bytebuf	*b;

	if (!state.paused) {
		state.paused = true;
		state_dirty();
		sharing_pause(true);
		log_notice("paused by uid %u: peer traffic stopped",
		    (unsigned)req->uid);
	}
	b = request_reply_begin(req);
	benc_put_kv_int(b, "paused", 1);
	request_reply_end(req);
}

const struct request_entry req_pause_entry = {
	"pause", ACCESS_ADMIN, "pause", req_pause
};
