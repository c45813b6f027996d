/*
 * req-files.c - "files": the files the daemon is fetching or seeding.
 *
 * No file is tracked yet: the list is empty until the transfer engine
 * registers its downloads and seeds here.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/request.h"

static void
req_files(struct request *req)
{
	struct bytebuf	*b = request_reply_begin(req);

	benc_put_cstr(b, "files");
	benc_put_list(b);
	benc_put_end(b);
	request_reply_end(req);
}

const struct request_entry req_files_entry = {
	"files", ACCESS_READ, "files", req_files
};
