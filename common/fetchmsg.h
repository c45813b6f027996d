/* SPDX-License-Identifier: ISC */
/*
 * fetchmsg.h - the "fetch" request and its events, in one codec.
 *
 * The apt method asks the daemon for a file with a "fetch" request and
 * hears back through events and a final reply (doc/control-protocol.md,
 * "fetch").  The method encodes the request and decodes the answers; the
 * daemon's control room decodes the request and encodes the answers.
 * Both use these functions, so the message is spelt in one place and the
 * fuzzer that feeds control frames reaches the one decoder.
 *
 *   request  args {"base": URL?, "ims": T?, "max_size": N?,
 *                  "sha256": HEX?, "size": N?, "uri": URL}
 *   "start"    {"last_modified": T?, "size": N?}, with a read-only
 *              descriptor of the file being written (SCM_RIGHTS)
 *   "progress" {"have": N}: bytes from the start that are verified
 *   reply      {"ims_hit": 0|1, "last_modified": T?, "size": N,
 *               "source": "cache"|"mirror"|"peers"}
 */
#ifndef APTBT_FETCHMSG_H
#define APTBT_FETCHMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "common/hash.h"

#define FETCHMSG_URI_MAX	4096

struct fetchmsg_req {
	const char	*uri;		/* http, https or ftp */
	const char	*base;		/* the suite's Target-Base-URI, or NULL */
	bool		 has_sha256;
	uint8_t		 sha256[SHA256_LEN];
	int64_t		 size;		/* -1 unknown */
	uint64_t	 max_size;	/* 0 none */
	int64_t		 ims;		/* If-Modified-Since, 0 none */
};

enum fetchmsg_kind {
	FETCHMSG_START,
	FETCHMSG_PROGRESS,
	FETCHMSG_DONE,			/* the final reply */
	FETCHMSG_OTHER,			/* an event of a later release */
};

struct fetchmsg_event {
	enum fetchmsg_kind kind;
	int64_t		 size;		/* START, DONE: -1 unknown */
	int64_t		 last_modified;	/* START, DONE: 0 unknown */
	uint64_t	 have;		/* PROGRESS */
	bool		 ims_hit;	/* DONE */
	char		 source[16];	/* DONE */
};

/* A complete "fetch" request frame; 0, or -EMSGSIZE when too big. */
int	fetchmsg_put_request(struct bytebuf *, int64_t id,
	    const struct fetchmsg_req *);
/*
 * Decode the "args" dict (token args of doc) of a fetch request.  uri
 * and base point into the buffers given (FETCHMSG_URI_MAX + 1 bytes).
 * Returns NULL, or what is wrong with the request (for a BadRequest).
 */
const char *fetchmsg_get_request(const struct benc_doc *, int args,
	    struct fetchmsg_req *, char *uri, char *base);

/* A complete event or reply frame for request id. */
int	fetchmsg_put_event(struct bytebuf *, int64_t id,
	    const struct fetchmsg_event *);
/*
 * Decode an event or reply: ev is the "event" string (NULL for the
 * reply), res the token of its "result" dict (-1 none).  Returns 0, or
 * -EBADMSG when a reply lacks its size.
 */
int	fetchmsg_get_event(const struct benc_doc *, const uint8_t *ev,
	    size_t evlen, int res, struct fetchmsg_event *);

#endif
