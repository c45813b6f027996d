/* SPDX-License-Identifier: ISC */
/*
 * peerwire-meta.c - BEP 9 ut_metadata messages.
 *
 * Standard clients send these, so parsing is as tolerant as the rest of
 * BEP 10 (keys in any order, unknown keys ignored) and as bounded: the
 * dictionary goes through the same bencode limits, and a data message's
 * trailing bytes are only pointed at, never copied.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bencode.h"
#include "common/peerwire.h"

static const struct benc_limits pw_meta_limits = {
	.max_input = PW_MAX_MSG_LEN,
	.max_tokens = 64,
	.max_depth = 4,
};

int
pw_utmeta_parse(const uint8_t *p, size_t len, struct pw_utmeta *u)
{
	struct benc_doc	d;
	ssize_t		n;
	int64_t		type, piece, total;
	int		rc = 0;

	memset(u, 0, sizeof(*u));
	u->total_size = -1;
	if ((n = pw_benc_span(p, len)) < 0)
		return -EBADMSG;
	if (benc_parse(&d, p, (size_t)n, &pw_meta_limits, 0) != 0)
		return -EBADMSG;
	if (d.toks[0].type != BENC_DICT ||
	    !benc_dict_int(&d, 0, "msg_type", &type) ||
	    !benc_dict_int(&d, 0, "piece", &piece) ||
	    piece < 0 || piece >= PW_UTMETA_MAX_PIECES) {
		rc = -EBADMSG;
		goto out;
	}
	u->type = type >= 0 && type <= INT32_MAX ? (int)type : -1;
	u->piece = (uint32_t)piece;
	switch (type) {
	case PW_UTMETA_REQUEST:
	case PW_UTMETA_REJECT:
		/* Nothing may follow; BEP 9 gives these no payload. */
		if ((size_t)n != len)
			rc = -EBADMSG;
		break;
	case PW_UTMETA_DATA:
		if (!benc_dict_int(&d, 0, "total_size", &total) ||
		    total <= 0 || total > PW_UTMETA_MAX_SIZE ||
		    len - (size_t)n > PW_UTMETA_PIECE) {
			rc = -EBADMSG;
			break;
		}
		u->total_size = total;
		u->data = p + n;
		u->len = len - (size_t)n;
		break;
	default:
		rc = -ENOTSUP;		/* a later message type: ignored */
		break;
	}
out:
	benc_free(&d);
	return rc;
}

int
pw_utmeta_put(struct bytebuf *b, uint8_t ext_id, const struct pw_utmeta *u)
{
	size_t	mark;

	if (u->type != PW_UTMETA_REQUEST && u->type != PW_UTMETA_DATA &&
	    u->type != PW_UTMETA_REJECT)
		return -EINVAL;
	if (u->type == PW_UTMETA_DATA && (u->total_size <= 0 ||
	    u->total_size > PW_UTMETA_MAX_SIZE || u->len > PW_UTMETA_PIECE))
		return -EINVAL;
	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, ext_id);
	benc_put_dict(b);
	benc_put_kv_int(b, "msg_type", u->type);
	benc_put_kv_int(b, "piece", u->piece);
	if (u->type == PW_UTMETA_DATA)
		benc_put_kv_int(b, "total_size", u->total_size);
	benc_put_end(b);
	if (u->type == PW_UTMETA_DATA && u->len > 0)
		bytebuf_append(b, u->data, u->len);
	return pw_msg_end(b, mark);
}
