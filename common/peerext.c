/* SPDX-License-Identifier: ISC */
/*
 * peerext.c - encoders and decoders for aptbt_hashes and aptbt_mux.
 *
 * Every message is a small flat dictionary in canonical bencode; the
 * decoder parses it strictly with tight token limits, so a hostile peer
 * costs a few dozen tokens per message at most.  Unknown keys are
 * ignored, which lets a later version add fields.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bencode.h"
#include "common/peerext.h"

static const struct benc_limits pext_limits = {
	.max_input = PW_MAX_MSG_LEN,
	.max_tokens = 64,
	.max_depth = 4,
};

/*
 * Parse the leading dictionary; *dictlen is where it ends.  Returns 0,
 * -EBADMSG, or -ENOTSUP for an unknown msg_type (the doc is freed then).
 */
static int
pext_dict(struct benc_doc *d, const uint8_t *p, size_t len, size_t *dictlen,
    int ntypes, int *type)
{
	ssize_t	n;
	int64_t	v;

	if ((n = pw_benc_span(p, len)) < 0)
		return -EBADMSG;
	if (benc_parse(d, p, (size_t)n, &pext_limits, BENC_STRICT) != 0)
		return -EBADMSG;
	if (d->toks[0].type != BENC_DICT ||
	    !benc_dict_int(d, 0, "msg_type", &v) || v < 0) {
		benc_free(d);
		return -EBADMSG;
	}
	if (v >= ntypes) {
		benc_free(d);
		return -ENOTSUP;
	}
	*type = (int)v;
	*dictlen = (size_t)n;
	return 0;
}

static bool
pext_u32(const struct benc_doc *d, const char *key, uint32_t *out)
{
	int64_t	v;

	if (!benc_dict_int(d, 0, key, &v) || v < 0 || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* An optional list of SHA-256s: absent is empty, a bad length is not. */
static bool
pext_sha_list(const struct benc_doc *d, const char *key, const uint8_t **out,
    size_t *count)
{
	size_t	n;

	*out = NULL;
	*count = 0;
	if (benc_dict_get(d, 0, key) < 0)
		return true;
	if (!benc_dict_str(d, 0, key, out, &n) || n % PEXT_SHA256_LEN != 0)
		return false;
	*count = n / PEXT_SHA256_LEN;
	if (n == 0)
		*out = NULL;
	return true;
}

int
pext_hashes_parse(const uint8_t *p, size_t len, struct pext_hashes *h)
{
	struct benc_doc	d;
	size_t		n;
	int		rc;

	memset(h, 0, sizeof(*h));
	if ((rc = pext_dict(&d, p, len, &n, PEXT_HASHES_REJECT + 1,
	    &h->type)) != 0)
		return rc;
	rc = -EBADMSG;
	if (n != len || !pext_u32(&d, "piece", &h->piece))
		goto out;
	if (h->type == PEXT_HASHES_DATA) {
		if (!pext_sha_list(&d, "hashes", &h->hashes, &h->count) ||
		    h->count == 0 || h->count > PEXT_HASHES_MAX ||
		    h->count - 1 > UINT32_MAX - h->piece)
			goto out;
	}
	rc = 0;
out:
	benc_free(&d);
	if (rc != 0)
		memset(h, 0, sizeof(*h));
	return rc;
}

int
pext_hashes_put(struct bytebuf *b, uint8_t ext_id, const struct pext_hashes *h)
{
	size_t	mark;

	if (h->type < PEXT_HASHES_REQUEST || h->type > PEXT_HASHES_REJECT)
		return -EINVAL;
	if (h->type == PEXT_HASHES_DATA && (h->count == 0 ||
	    h->count > PEXT_HASHES_MAX || h->count - 1 > UINT32_MAX - h->piece))
		return -EINVAL;
	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, ext_id);
	benc_put_dict(b);
	if (h->type == PEXT_HASHES_DATA)
		benc_put_kv_bytes(b, "hashes", h->hashes,
		    h->count * PEXT_SHA256_LEN);
	benc_put_kv_int(b, "msg_type", h->type);
	benc_put_kv_int(b, "piece", h->piece);
	benc_put_end(b);
	return pw_msg_end(b, mark);
}

bool
pext_mux_frame_allows(int id)
{
	switch (id) {
	case PW_CHOKE:
	case PW_UNCHOKE:
	case PW_INTERESTED:
	case PW_NOT_INTERESTED:
	case PW_HAVE:
	case PW_BITFIELD:
	case PW_REQUEST:
	case PW_PIECE:
	case PW_CANCEL:
	case PW_SUGGEST:
	case PW_HAVE_ALL:
	case PW_HAVE_NONE:
	case PW_REJECT:
	case PW_ALLOWED_FAST:
	case PW_EXTENDED:
		return true;
	}
	return false;
}

/* The bytes after a frame's dict: exactly one message a frame may carry. */
static int
pext_frame_msg(const uint8_t *p, size_t len, struct pw_msg *m)
{
	ssize_t	n;

	n = pw_msg_next(p, len, m);
	if (n <= 0 || (size_t)n != len || !pext_mux_frame_allows(m->id))
		return -EBADMSG;
	return 0;
}

/* A want names one whole file by hash and size and where to fetch it. */
static int
pext_want_fields(const struct benc_doc *d, struct pext_mux *x)
{
	const uint8_t	*u;
	size_t		 n;
	int64_t		 v;

	if (!benc_dict_str(d, 0, "sha256", &x->sha256, &n) ||
	    n != PEXT_SHA256_LEN)
		return -EBADMSG;
	if (!benc_dict_int(d, 0, "size", &v) || v < 0)
		return -EBADMSG;
	x->size = (uint64_t)v;
	if (!benc_dict_str(d, 0, "url", &u, &n) || n == 0 ||
	    n > PEXT_URL_MAX || memchr(u, '\0', n) != NULL)
		return -EBADMSG;
	x->url = (const char *)u;
	x->urllen = n;
	return 0;
}

static int
pext_mux_fields(const struct benc_doc *d, struct pext_mux *x)
{
	size_t	n;

	switch (x->type) {
	case PEXT_MUX_ATTACH:
		if (!benc_dict_str(d, 0, "key", &x->key, &n) ||
		    n != PEXT_KEY_LEN)
			return -EBADMSG;
		/* FALLTHROUGH */
	case PEXT_MUX_ATTACHED:
	case PEXT_MUX_REFUSED:
	case PEXT_MUX_FRAME:
	case PEXT_MUX_DETACH:
		return pext_u32(d, "sid", &x->sid) ? 0 : -EBADMSG;
	}
	if (x->type == PEXT_MUX_WANT)
		return pext_want_fields(d, x);
	if (x->type == PEXT_MUX_PROVE)
		return benc_dict_str(d, 0, "sig", &x->sig, &n) &&
		    n == PEXT_SIG_LEN ? 0 : -EBADMSG;
	/* PEXT_MUX_INDEX */
	if (!pext_sha_list(d, "have", &x->have, &x->nhave) ||
	    !pext_sha_list(d, "fetching", &x->fetching, &x->nfetching) ||
	    !pext_sha_list(d, "drop", &x->drop, &x->ndrop))
		return -EBADMSG;
	if (x->nhave + x->nfetching + x->ndrop > PEXT_INDEX_MAX)
		return -EBADMSG;
	if (benc_dict_get(d, 0, "full") >= 0) {
		int64_t	v;

		if (!benc_dict_int(d, 0, "full", &v) || (v != 0 && v != 1))
			return -EBADMSG;
		x->full = v == 1;
	}
	return 0;
}

int
pext_mux_parse(const uint8_t *p, size_t len, struct pext_mux *x)
{
	struct benc_doc	d;
	size_t		n;
	int		rc;

	memset(x, 0, sizeof(*x));
	if ((rc = pext_dict(&d, p, len, &n, PEXT_MUX_PROVE + 1,
	    &x->type)) != 0)
		return rc;
	rc = pext_mux_fields(&d, x);
	benc_free(&d);
	if (rc == 0) {
		if (x->type == PEXT_MUX_FRAME) {
			x->frame = p + n;
			x->framelen = len - n;
			rc = pext_frame_msg(x->frame, x->framelen, &x->msg);
		} else if (n != len)
			rc = -EBADMSG;
	}
	if (rc != 0)
		memset(x, 0, sizeof(*x));
	return rc;
}

int
pext_mux_put(struct bytebuf *b, uint8_t ext_id, const struct pext_mux *x)
{
	size_t	mark;

	if (x->type < PEXT_MUX_ATTACH || x->type > PEXT_MUX_PROVE ||
	    x->type == PEXT_MUX_FRAME)
		return -EINVAL;
	if (x->type == PEXT_MUX_PROVE && x->sig == NULL)
		return -EINVAL;
	if (x->type == PEXT_MUX_WANT && (x->sha256 == NULL || x->url == NULL ||
	    x->urllen == 0 || x->urllen > PEXT_URL_MAX ||
	    x->size > INT64_MAX || memchr(x->url, '\0', x->urllen) != NULL))
		return -EINVAL;
	if (x->type == PEXT_MUX_ATTACH && x->key == NULL)
		return -EINVAL;
	if (x->type == PEXT_MUX_INDEX &&
	    (x->nhave > PEXT_INDEX_MAX || x->nfetching > PEXT_INDEX_MAX ||
	    x->ndrop > PEXT_INDEX_MAX ||
	    x->nhave + x->nfetching + x->ndrop > PEXT_INDEX_MAX))
		return -EINVAL;
	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, ext_id);
	benc_put_dict(b);
	if (x->type == PEXT_MUX_INDEX) {
		if (x->ndrop > 0)
			benc_put_kv_bytes(b, "drop", x->drop,
			    x->ndrop * PEXT_SHA256_LEN);
		if (x->nfetching > 0)
			benc_put_kv_bytes(b, "fetching", x->fetching,
			    x->nfetching * PEXT_SHA256_LEN);
		benc_put_kv_int(b, "full", x->full ? 1 : 0);
		if (x->nhave > 0)
			benc_put_kv_bytes(b, "have", x->have,
			    x->nhave * PEXT_SHA256_LEN);
		benc_put_kv_int(b, "msg_type", x->type);
	} else if (x->type == PEXT_MUX_PROVE) {
		benc_put_kv_int(b, "msg_type", x->type);
		benc_put_kv_bytes(b, "sig", x->sig, PEXT_SIG_LEN);
	} else if (x->type == PEXT_MUX_WANT) {
		benc_put_kv_int(b, "msg_type", x->type);
		benc_put_kv_bytes(b, "sha256", x->sha256, PEXT_SHA256_LEN);
		benc_put_kv_int(b, "size", (int64_t)x->size);
		benc_put_kv_bytes(b, "url", x->url, x->urllen);
	} else {
		if (x->type == PEXT_MUX_ATTACH)
			benc_put_kv_bytes(b, "key", x->key, PEXT_KEY_LEN);
		benc_put_kv_int(b, "msg_type", x->type);
		benc_put_kv_int(b, "sid", x->sid);
	}
	benc_put_end(b);
	return pw_msg_end(b, mark);
}

size_t
pext_mux_frame_begin(struct bytebuf *b, uint8_t ext_id, uint32_t sid)
{
	size_t	mark;

	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, ext_id);
	benc_put_dict(b);
	benc_put_kv_int(b, "msg_type", PEXT_MUX_FRAME);
	benc_put_kv_int(b, "sid", sid);
	benc_put_end(b);
	return mark;
}

int
pext_mux_frame_end(struct bytebuf *b, size_t mark)
{
	struct pw_msg	m;
	ssize_t		n;
	size_t		start;

	if (bytebuf_failed(b))
		return -ENOMEM;
	/* Skip the outer prefix, id, extension id and the dict. */
	start = mark + PW_LEN_PREFIX + 2;
	n = pw_benc_span(b->data + start, b->len - start);
	if (n < 0 || pext_frame_msg(b->data + start + n,
	    b->len - start - (size_t)n, &m) != 0) {
		b->len = mark;
		return -EINVAL;
	}
	return pw_msg_end(b, mark);
}
