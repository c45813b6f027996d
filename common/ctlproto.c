/* SPDX-License-Identifier: ISC */
/*
 * ctlproto.c - framing and message shapes of the control protocol.
 *
 * A length prefix rather than a delimiter lets the reader know at once
 * whether a frame is complete and reject an oversized one before buffering
 * it; strict bencode makes every message have exactly one encoding, so a
 * fuzzer can check decode/encode agreement.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bigend.h"
#include "common/ctlproto.h"

/* Control messages are small and shallow; tighter than the defaults. */
static const struct benc_limits ctl_limits = {
	.max_input = CTL_MAX_FRAME,
	.max_tokens = 65536,
	.max_depth = 16,
};

size_t
ctl_frame_begin(struct bytebuf *b)
{
	static const uint8_t	zero[CTL_HDR_LEN];
	size_t			mark = b->len;

	bytebuf_append(b, zero, sizeof(zero));
	return mark;
}

int
ctl_frame_end(struct bytebuf *b, size_t mark)
{
	size_t	len;

	if (bytebuf_failed(b) || b->len < mark + CTL_HDR_LEN)
		return -ENOMEM;
	len = b->len - mark - CTL_HDR_LEN;
	if (len > CTL_MAX_FRAME) {
		b->len = mark;
		return -EMSGSIZE;
	}
	be_put32(b->data + mark, (uint32_t)len);
	return 0;
}

ssize_t
ctl_frame_check(const uint8_t *p, size_t len)
{
	size_t	plen;

	if (len < CTL_HDR_LEN)
		return 0;
	plen = be_get32(p);
	if (plen > CTL_MAX_FRAME)
		return -EMSGSIZE;
	if (len - CTL_HDR_LEN < plen)
		return 0;
	return (ssize_t)(CTL_HDR_LEN + plen);
}

int
ctl_msg_parse(struct benc_doc *doc, const uint8_t *payload, size_t len)
{
	if (benc_parse(doc, payload, len, &ctl_limits, BENC_STRICT) != 0)
		return -EBADMSG;
	if (doc->toks[0].type != BENC_DICT) {
		benc_free(doc);
		return -EBADMSG;
	}
	return 0;
}

size_t
ctl_put_reply_begin(struct bytebuf *b, int64_t id, const char *event)
{
	size_t	mark = ctl_frame_begin(b);

	benc_put_dict(b);
	if (event != NULL)
		benc_put_kv_str(b, "event", event);
	benc_put_kv_int(b, "id", id);
	benc_put_kv_int(b, "ok", 1);
	benc_put_cstr(b, "result");
	benc_put_dict(b);
	return mark;
}

int
ctl_put_reply_end(struct bytebuf *b, size_t mark)
{
	benc_put_end(b);	/* result */
	benc_put_end(b);	/* message */
	return ctl_frame_end(b, mark);
}

int
ctl_put_error(struct bytebuf *b, int64_t id, const char *msg,
    const char *reason, int transient)
{
	size_t	mark = ctl_frame_begin(b);

	benc_put_dict(b);
	benc_put_kv_str(b, "error", msg);
	benc_put_kv_int(b, "id", id);
	benc_put_kv_int(b, "ok", 0);
	if (reason != NULL) {
		benc_put_kv_str(b, "reason", reason);
		benc_put_kv_int(b, "transient", transient ? 1 : 0);
	}
	benc_put_end(b);
	return ctl_frame_end(b, mark);
}

size_t
ctl_put_request_begin(struct bytebuf *b)
{
	size_t	mark = ctl_frame_begin(b);

	benc_put_dict(b);
	benc_put_cstr(b, "args");
	benc_put_dict(b);
	return mark;
}

int
ctl_put_request_end(struct bytebuf *b, size_t mark, const char *cmd,
    int64_t id)
{
	benc_put_end(b);	/* args */
	benc_put_kv_str(b, "cmd", cmd);
	benc_put_kv_int(b, "id", id);
	benc_put_end(b);
	return ctl_frame_end(b, mark);
}
