/* SPDX-License-Identifier: ISC */
/*
 * fetchmsg.c - the "fetch" request and its events (fetchmsg.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/ctlproto.h"
#include "common/fetchmsg.h"

static const char *const schemes[] = { "http://", "https://", "ftp://" };

static const char *const kinds[] = {
	[FETCHMSG_START] = "start",
	[FETCHMSG_PROGRESS] = "progress",
	[FETCHMSG_DONE] = NULL,
};

int
fetchmsg_put_request(struct bytebuf *b, int64_t id,
    const struct fetchmsg_req *r)
{
	char	hex[2 * SHA256_LEN + 1];
	size_t	mark;

	mark = ctl_put_request_begin(b);
	if (r->base != NULL)
		benc_put_kv_str(b, "base", r->base);
	if (r->ims > 0)
		benc_put_kv_int(b, "ims", r->ims);
	if (r->max_size > 0)
		benc_put_kv_int(b, "max_size", (int64_t)r->max_size);
	if (r->has_sha256) {
		hex_encode(r->sha256, SHA256_LEN, hex);
		benc_put_kv_str(b, "sha256", hex);
	}
	if (r->size >= 0)
		benc_put_kv_int(b, "size", r->size);
	benc_put_kv_str(b, "uri", r->uri);
	return ctl_put_request_end(b, mark, "fetch", id);
}

/* An http, https or ftp URL of printable bytes, copied to out. */
static bool
get_uri(const struct benc_doc *doc, int args, const char *key, char *out)
{
	const uint8_t	*u;
	size_t		 len, i, n;

	if (args < 0 || !benc_dict_str(doc, args, key, &u, &len))
		return false;
	if (len == 0 || len > FETCHMSG_URI_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (u[i] <= ' ' || u[i] == 0x7f)
			return false;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (len > n && strncasecmp((const char *)u, schemes[i], n) == 0) {
			memcpy(out, u, len);
			out[len] = '\0';
			return true;
		}
	}
	return false;
}

const char *
fetchmsg_get_request(const struct benc_doc *doc, int args,
    struct fetchmsg_req *r, char *uri, char *base)
{
	const uint8_t	*h;
	size_t		 hlen;
	int64_t		 v;

	memset(r, 0, sizeof(*r));
	r->size = -1;
	if (!get_uri(doc, args, "uri", uri))
		return "fetch needs an http, https or ftp \"uri\"";
	r->uri = uri;
	if (benc_dict_str(doc, args, "sha256", &h, &hlen)) {
		if (hlen != 2 * SHA256_LEN || !hex_decode((const char *)h,
		    hlen, r->sha256, SHA256_LEN))
			return "\"sha256\" must be 64 hex digits";
		r->has_sha256 = true;
	}
	if (benc_dict_int(doc, args, "size", &v)) {
		if (v < 0)
			return "bad \"size\"";
		r->size = v;
	}
	if (benc_dict_int(doc, args, "max_size", &v) && v > 0)
		r->max_size = (uint64_t)v;
	if (benc_dict_int(doc, args, "ims", &v) && v > 0)
		r->ims = v;
	if (get_uri(doc, args, "base", base))
		r->base = base;
	return NULL;
}

int
fetchmsg_put_event(struct bytebuf *b, int64_t id,
    const struct fetchmsg_event *e)
{
	size_t	mark;

	mark = ctl_put_reply_begin(b, id, kinds[e->kind]);
	switch (e->kind) {
	case FETCHMSG_START:
		if (e->last_modified > 0)
			benc_put_kv_int(b, "last_modified", e->last_modified);
		if (e->size >= 0)
			benc_put_kv_int(b, "size", e->size);
		break;
	case FETCHMSG_PROGRESS:
		benc_put_kv_int(b, "have", (int64_t)e->have);
		break;
	case FETCHMSG_DONE:
		benc_put_kv_int(b, "ims_hit", e->ims_hit ? 1 : 0);
		if (e->last_modified > 0)
			benc_put_kv_int(b, "last_modified", e->last_modified);
		benc_put_kv_int(b, "size", e->size);
		benc_put_kv_str(b, "source", e->source);
		break;
	case FETCHMSG_OTHER:
		return -EINVAL;
	}
	return ctl_put_reply_end(b, mark);
}

int
fetchmsg_get_event(const struct benc_doc *doc, const uint8_t *ev,
    size_t evlen, int res, struct fetchmsg_event *e)
{
	const uint8_t	*s;
	int64_t		 v = 0;
	size_t		 len;

	memset(e, 0, sizeof(*e));
	e->size = -1;
	if (ev == NULL)
		e->kind = FETCHMSG_DONE;
	else if (evlen == 5 && memcmp(ev, "start", 5) == 0)
		e->kind = FETCHMSG_START;
	else if (evlen == 8 && memcmp(ev, "progress", 8) == 0)
		e->kind = FETCHMSG_PROGRESS;
	else {
		e->kind = FETCHMSG_OTHER;
		return 0;
	}
	if (res < 0)
		return e->kind == FETCHMSG_START ? 0 : -EBADMSG;
	benc_dict_int(doc, res, "size", &e->size);
	benc_dict_int(doc, res, "last_modified", &e->last_modified);
	if (e->kind == FETCHMSG_PROGRESS) {
		if (!benc_dict_int(doc, res, "have", &v) || v < 0)
			return -EBADMSG;
		e->have = (uint64_t)v;
	}
	if (e->kind == FETCHMSG_DONE) {
		if (benc_dict_int(doc, res, "ims_hit", &v))
			e->ims_hit = v == 1;
		if (benc_dict_str(doc, res, "source", &s, &len) &&
		    len < sizeof(e->source)) {
			memcpy(e->source, s, len);
			e->source[len] = '\0';
		}
		if (!e->ims_hit && e->size < 0)
			return -EBADMSG;
	}
	return 0;
}
