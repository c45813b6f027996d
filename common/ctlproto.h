/* SPDX-License-Identifier: ISC */
/*
 * ctlproto.h - the control protocol codec (doc/control-protocol.md).
 *
 * One message is a frame: a 4-byte big-endian payload length followed by
 * the payload, a bencoded dictionary in strict (canonical) form.  The
 * daemon, the apt method and aptbt-ctl all use these functions, and the
 * fuzzer exercises the one decoder they share.
 */
#ifndef APTBT_CTLPROTO_H
#define APTBT_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/bencode.h"
#include "common/bytebuf.h"

#define CTL_HDR_LEN	4
#define CTL_MAX_FRAME	(1024 * 1024)	/* payload bytes */

/* Start a frame: reserves the header, returns the mark for ctl_frame_end. */
size_t	ctl_frame_begin(struct bytebuf *);
/* Fill in the length; -EMSGSIZE when the payload is too big, -ENOMEM. */
int	ctl_frame_end(struct bytebuf *, size_t mark);

/*
 * Look at buffered input: returns the whole frame's length (header and
 * payload) when one is complete, 0 when more bytes are needed, or
 * -EMSGSIZE when the announced length is over CTL_MAX_FRAME.
 */
ssize_t	ctl_frame_check(const uint8_t *, size_t len);

/*
 * Decode a frame's payload: a strict bencoded dictionary.  Returns 0 or
 * -EBADMSG (with doc freed).
 */
int	ctl_msg_parse(struct benc_doc *, const uint8_t *payload, size_t len);

/*
 * Message shapes (all dictionaries, keys in canonical order):
 *   request  {"args": {...}, "cmd": NAME, "id": N}       ("args" optional)
 *   reply    {"id": N, "ok": 1, "result": {...}}
 *   event    {"event": NAME, "id": N, "ok": 1, "result": {...}}
 *   error    {"error": MSG, "id": N, "ok": 0, "reason": WORD, "transient": 0|1}
 *            ("reason" and "transient" optional)
 * A request gets any number of events and then exactly one reply or error.
 */

/* Begin a reply or event frame up to the open "result" dict; returns the mark. */
size_t	ctl_put_reply_begin(struct bytebuf *, int64_t id, const char *event);
/* Close the "result" dict and the message, and finish the frame. */
int	ctl_put_reply_end(struct bytebuf *, size_t mark);
/* A complete error frame; reason may be NULL. */
int	ctl_put_error(struct bytebuf *, int64_t id, const char *msg,
	    const char *reason, int transient);
/* Begin a request frame up to the open "args" dict; returns the mark. */
size_t	ctl_put_request_begin(struct bytebuf *);
/* Close "args", add cmd and id, finish the frame. */
int	ctl_put_request_end(struct bytebuf *, size_t mark, const char *cmd,
	    int64_t id);

#endif
