/* SPDX-License-Identifier: ISC */
/*
 * req-resume.c - "resume": restart peer traffic after a pause.
 */
#include "config.h"

#include "common/log.h"
#include "daemon/ctl/request.h"
#include "daemon/engine/sharing.h"
#include "daemon/base/state.h"

static void
req_resume(struct request *req)
{
	struct bytebuf	*b;

	if (state.paused) {
		state.paused = false;
		state_dirty();
		sharing_pause(false);
		log_notice("resumed by uid %u", (unsigned)req->uid);
	}
	b = request_reply_begin(req);
	benc_put_kv_int(b, "paused", 0);
	request_reply_end(req);
}

const struct request_entry req_resume_entry = {
	"resume", ACCESS_ADMIN, "resume", req_resume
};
