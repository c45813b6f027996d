/* SPDX-License-Identifier: ISC */
/*
 * peerwire-ext.c - BEP 10 extended handshake and BEP 11 ut_pex.
 *
 * These dictionaries come from other people's clients, so parsing is
 * tolerant: keys in any order, unknown keys and values of the wrong type
 * ignored.  It is also bounded: the bencode limits cap the work, and
 * only a fixed number of names and peers is kept.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bencode.h"
#include "common/peerwire.h"

static const struct benc_limits pw_ext_limits = {
	.max_input = PW_MAX_MSG_LEN,
	.max_tokens = 4096,
	.max_depth = 16,
};

/* Parse the dictionary that opens an extended payload. */
static int
pw_ext_dict(struct benc_doc *d, const uint8_t *p, size_t len)
{
	ssize_t	n;

	if ((n = pw_benc_span(p, len)) < 0)
		return -EBADMSG;
	if (benc_parse(d, p, (size_t)n, &pw_ext_limits, 0) != 0)
		return -EBADMSG;
	if (d->toks[0].type != BENC_DICT) {
		benc_free(d);
		return -EBADMSG;
	}
	return 0;
}

void
pw_ext_handshake_init(struct pw_ext_handshake *h)
{
	memset(h, 0, sizeof(*h));
	h->metadata_size = -1;
}

static bool
pw_ext_name_ok(const uint8_t *s, size_t n)
{
	return n > 0 && n <= PW_EXT_NAME_MAX && memchr(s, '\0', n) == NULL;
}

int
pw_ext_handshake_add(struct pw_ext_handshake *h, const char *name,
    uint8_t id)
{
	size_t	n = strlen(name);

	if (id == 0 || !pw_ext_name_ok((const uint8_t *)name, n))
		return -EINVAL;
	if (h->nm >= PW_EXT_MAX_NAMES)
		return -ENOSPC;
	memcpy(h->m[h->nm].name, name, n + 1);
	h->m[h->nm].id = id;
	h->nm++;
	return 0;
}

static const struct pw_ext_name *
pw_ext_find(const struct pw_ext_handshake *h, const char *name)
{
	size_t	i;

	for (i = 0; i < h->nm; i++)
		if (strcmp(h->m[i].name, name) == 0)
			return &h->m[i];
	return NULL;
}

uint8_t
pw_ext_handshake_id(const struct pw_ext_handshake *h, const char *name)
{
	const struct pw_ext_name	*e = pw_ext_find(h, name);

	return e == NULL ? 0 : e->id;
}

static void
pw_ext_parse_m(const struct benc_doc *d, int m, struct pw_ext_handshake *h)
{
	const uint8_t	*s;
	size_t		 n;
	int		 k, v;

	for (k = benc_first(d, m); k >= 0 && h->nm < PW_EXT_MAX_NAMES;
	    k = benc_next(d, m, v)) {
		if ((v = benc_next(d, m, k)) < 0)
			break;
		s = benc_str(d, k, &n);
		if (s == NULL || !pw_ext_name_ok(s, n) ||
		    d->toks[v].type != BENC_INT ||
		    d->toks[v].ival < 0 || d->toks[v].ival > 255)
			continue;
		/* A repeated name keeps its first id, as lookups would. */
		memcpy(h->m[h->nm].name, s, n);
		h->m[h->nm].name[n] = '\0';
		if (pw_ext_find(h, h->m[h->nm].name) != NULL)
			continue;
		h->m[h->nm].id = (uint8_t)d->toks[v].ival;
		h->nm++;
	}
}

int
pw_ext_handshake_parse(const uint8_t *p, size_t len,
    struct pw_ext_handshake *h)
{
	struct benc_doc	 d;
	const uint8_t	*s;
	size_t		 n, i;
	int64_t		 v;
	int		 m;

	pw_ext_handshake_init(h);
	if (pw_ext_dict(&d, p, len) != 0)
		return -EBADMSG;
	if ((m = benc_dict_get_type(&d, 0, "m", BENC_DICT)) >= 0)
		pw_ext_parse_m(&d, m, h);
	if (benc_dict_int(&d, 0, "p", &v) && v > 0 && v <= UINT16_MAX)
		h->port = (uint16_t)v;
	if (benc_dict_int(&d, 0, "reqq", &v) && v > 0)
		h->reqq = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	if (benc_dict_int(&d, 0, "metadata_size", &v) && v >= 0)
		h->metadata_size = v;
	if (benc_dict_str(&d, 0, "v", &s, &n)) {
		/* Display only: keep it printable so logs stay readable. */
		if (n > PW_EXT_CLIENT_MAX)
			n = PW_EXT_CLIENT_MAX;
		for (i = 0; i < n; i++)
			h->client[i] = s[i] >= 0x20 && s[i] < 0x7f ?
			    (char)s[i] : '?';
		h->client[n] = '\0';
	}
	if (benc_dict_str(&d, 0, "aptbt_id", &s, &n) &&
	    n == sizeof(h->id_pk) + sizeof(h->id_nonce)) {
		memcpy(h->id_pk, s, sizeof(h->id_pk));
		memcpy(h->id_nonce, s + sizeof(h->id_pk), sizeof(h->id_nonce));
		h->has_id = true;
	}
	if (benc_dict_str(&d, 0, "yourip", &s, &n) && (n == 4 || n == 16)) {
		memcpy(h->yourip, s, n);
		h->yourip_len = n;
	}
	benc_free(&d);
	return 0;
}

int
pw_ext_handshake_put(struct bytebuf *b, const struct pw_ext_handshake *h)
{
	size_t	order[PW_EXT_MAX_NAMES], i, j, t, mark;

	if (h->nm > PW_EXT_MAX_NAMES ||
	    (h->yourip_len != 0 && h->yourip_len != 4 && h->yourip_len != 16))
		return -EINVAL;
	/* Bencoded keys are sorted as raw bytes, which strcmp does. */
	for (i = 0; i < h->nm; i++) {
		for (j = i; j > 0 &&
		    strcmp(h->m[order[j - 1]].name, h->m[i].name) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 1; i < h->nm; i++)
		if (strcmp(h->m[order[i - 1]].name, h->m[order[i]].name) == 0)
			return -EINVAL;
	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, PW_EXT_HANDSHAKE);
	benc_put_dict(b);
	if (h->has_id) {
		uint8_t	id[sizeof(h->id_pk) + sizeof(h->id_nonce)];

		memcpy(id, h->id_pk, sizeof(h->id_pk));
		memcpy(id + sizeof(h->id_pk), h->id_nonce, sizeof(h->id_nonce));
		benc_put_kv_bytes(b, "aptbt_id", id, sizeof(id));
	}
	benc_put_cstr(b, "m");
	benc_put_dict(b);
	for (i = 0; i < h->nm; i++) {
		t = order[i];
		benc_put_kv_int(b, h->m[t].name, h->m[t].id);
	}
	benc_put_end(b);
	if (h->metadata_size >= 0)
		benc_put_kv_int(b, "metadata_size", h->metadata_size);
	if (h->port != 0)
		benc_put_kv_int(b, "p", h->port);
	if (h->reqq != 0)
		benc_put_kv_int(b, "reqq", h->reqq);
	if (h->client[0] != '\0')
		benc_put_kv_str(b, "v", h->client);
	if (h->yourip_len != 0)
		benc_put_kv_bytes(b, "yourip", h->yourip, h->yourip_len);
	benc_put_end(b);
	return pw_msg_end(b, mark);
}

/* Compact peers: 4- or 16-byte address, 2-byte port, all big-endian. */
static int
pw_pex_list(const struct benc_doc *d, const char *key, const char *fkey,
    uint8_t family, struct pw_peer *out, size_t *nout)
{
	const uint8_t	*s, *f = NULL;
	size_t		 n, nf = 0, alen = family == 4 ? 4 : 16, i;
	struct pw_peer	*pp;

	if (!benc_dict_str(d, 0, key, &s, &n))
		return benc_dict_get(d, 0, key) < 0 ? 0 : -EBADMSG;
	if (n % (alen + 2) != 0)
		return -EBADMSG;
	if (fkey != NULL)
		(void)benc_dict_str(d, 0, fkey, &f, &nf);
	for (i = 0; i < n / (alen + 2) && *nout < PW_PEX_MAX; i++) {
		pp = &out[(*nout)++];
		memset(pp, 0, sizeof(*pp));
		pp->family = family;
		memcpy(pp->addr, s + i * (alen + 2), alen);
		pp->port = (uint16_t)(s[i * (alen + 2) + alen] << 8 |
		    s[i * (alen + 2) + alen + 1]);
		pp->flags = i < nf ? f[i] : 0;
	}
	return 0;
}

int
pw_pex_parse(const uint8_t *p, size_t len, struct pw_pex *x)
{
	struct benc_doc	d;
	int		rc = 0;

	x->nadded = x->ndropped = 0;
	if (pw_ext_dict(&d, p, len) != 0)
		return -EBADMSG;
	if (pw_pex_list(&d, "added", "added.f", 4, x->added, &x->nadded) ||
	    pw_pex_list(&d, "added6", "added6.f", 6, x->added, &x->nadded) ||
	    pw_pex_list(&d, "dropped", NULL, 4, x->dropped, &x->ndropped) ||
	    pw_pex_list(&d, "dropped6", NULL, 6, x->dropped, &x->ndropped))
		rc = -EBADMSG;
	benc_free(&d);
	if (rc != 0)
		x->nadded = x->ndropped = 0;
	return rc;
}

/* Append the peers of one family as a compact string (and flags). */
static void
pw_pex_put_list(struct bytebuf *b, const char *key, const char *fkey,
    const struct pw_peer *v, size_t n, uint8_t family)
{
	uint8_t	 buf[PW_PEX_MAX * 18], flags[PW_PEX_MAX];
	size_t	 alen = family == 4 ? 4 : 16, len = 0, nf = 0, i;

	for (i = 0; i < n; i++) {
		if (v[i].family != family)
			continue;
		memcpy(buf + len, v[i].addr, alen);
		buf[len + alen] = v[i].port >> 8;
		buf[len + alen + 1] = v[i].port & 0xff;
		len += alen + 2;
		flags[nf++] = v[i].flags;
	}
	/* IPv4 lists are always present, as BEP 11 clients expect. */
	if (len == 0 && family == 6)
		return;
	benc_put_kv_bytes(b, key, buf, len);
	if (fkey != NULL)
		benc_put_kv_bytes(b, fkey, flags, nf);
}

int
pw_pex_put(struct bytebuf *b, uint8_t ext_id, const struct pw_pex *x)
{
	size_t	i, mark;

	if (x->nadded > PW_PEX_MAX || x->ndropped > PW_PEX_MAX)
		return -EINVAL;
	for (i = 0; i < x->nadded; i++)
		if (x->added[i].family != 4 && x->added[i].family != 6)
			return -EINVAL;
	for (i = 0; i < x->ndropped; i++)
		if (x->dropped[i].family != 4 && x->dropped[i].family != 6)
			return -EINVAL;
	mark = pw_msg_begin(b, PW_EXTENDED);
	bytebuf_putc(b, ext_id);
	benc_put_dict(b);
	pw_pex_put_list(b, "added", "added.f", x->added, x->nadded, 4);
	pw_pex_put_list(b, "added6", "added6.f", x->added, x->nadded, 6);
	pw_pex_put_list(b, "dropped", NULL, x->dropped, x->ndropped, 4);
	pw_pex_put_list(b, "dropped6", NULL, x->dropped, x->ndropped, 6);
	benc_put_end(b);
	return pw_msg_end(b, mark);
}
