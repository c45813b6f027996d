/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ctlproto.c - fuzz target for control-protocol framing and decoding.
 *
 * The input is a byte stream as the daemon's control socket would
 * buffer it: frames are cut with ctl_frame_check and each payload is
 * decoded alone (in its own allocation, so a read past a payload is
 * caught even when another frame follows).  An accepted message must be
 * canonical, and a reply built from its id must decode again.  The
 * arguments the daemon parses further are parsed too: "limit"'s "file"
 * (hex) and "peer" (ADDRESS[:PORT], which must print and parse back to
 * the same address).  The "fetch" codec (fetchmsg.h) decodes every
 * message both as a request's arguments, which must encode and decode
 * back to the same request, and as an event or reply.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "common/ctlproto.h"
#include "common/fetchmsg.h"
#include "common/hash.h"
#include "common/netaddr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

/* Re-encode the subtree at i as it was parsed; returns the next token. */
static size_t
reencode(const struct benc_doc *d, size_t i, struct bytebuf *b)
{
	const struct benc_tok	*t = &d->toks[i];
	size_t			 j;

	switch (t->type) {
	case BENC_INT:
		benc_put_int(b, t->ival);
		return i + 1;
	case BENC_STR:
		benc_put_str(b, d->buf + t->sstart, t->slen);
		return i + 1;
	}
	bytebuf_putc(b, t->type == BENC_LIST ? 'l' : 'd');
	for (j = i + 1; j < t->next;)
		j = reencode(d, j, b);
	benc_put_end(b);
	return j;
}

/* What req-limit.c does with its target arguments. */
static void
limit_target(const struct benc_doc *d, int args)
{
	struct netaddr	 a, b;
	const uint8_t	*s;
	uint8_t		 sha[SHA256_LEN];
	char		 text[NETADDR_STRLEN];
	size_t		 n;

	if (benc_dict_str(d, args, "file", &s, &n) && n == 2 * SHA256_LEN)
		(void)hex_decode((const char *)s, n, sha, SHA256_LEN);
	if (!benc_dict_str(d, args, "peer", &s, &n) ||
	    netaddr_parse((const char *)s, n, &a) != 0)
		return;
	CHECK(a.family == AF_INET || a.family == AF_INET6);
	netaddr_format(&a, text, sizeof(text));
	CHECK(netaddr_parse(text, strlen(text), &b) == 0);
	CHECK(netaddr_equal(&a, &b));
}

/* What req-fetch.c and the apt method do with a fetch message. */
static void
fetch_codec(const struct benc_doc *d, int args, int64_t id)
{
	struct fetchmsg_req	 q, q2;
	struct fetchmsg_event	 e;
	struct benc_doc		 r;
	struct bytebuf		 b = BYTEBUF_INIT;
	const uint8_t		*ev = NULL;
	size_t			 evlen = 0;
	char			 uri[FETCHMSG_URI_MAX + 1], base[FETCHMSG_URI_MAX + 1];
	char			 uri2[FETCHMSG_URI_MAX + 1], base2[FETCHMSG_URI_MAX + 1];

	if (fetchmsg_get_request(d, args, &q, uri, base) == NULL) {
		CHECK(fetchmsg_put_request(&b, id, &q) == 0);
		CHECK(ctl_msg_parse(&r, b.data + CTL_HDR_LEN,
		    b.len - CTL_HDR_LEN) == 0);
		CHECK(fetchmsg_get_request(&r, benc_dict_get_type(&r, 0,
		    "args", BENC_DICT), &q2, uri2, base2) == NULL);
		CHECK(strcmp(q.uri, q2.uri) == 0 && q.size == q2.size &&
		    q.max_size == q2.max_size && q.ims == q2.ims &&
		    q.has_sha256 == q2.has_sha256 &&
		    (q.base == NULL) == (q2.base == NULL));
		benc_free(&r);
	}
	(void)benc_dict_str(d, 0, "event", &ev, &evlen);
	if (fetchmsg_get_event(d, ev, evlen, benc_dict_get_type(d, 0,
	    "result", BENC_DICT), &e) == 0 && e.kind != FETCHMSG_OTHER) {
		bytebuf_reset(&b);
		CHECK(fetchmsg_put_event(&b, id, &e) == 0);
	}
	bytebuf_free(&b);
}

static void
message(const uint8_t *payload, size_t len)
{
	struct benc_doc	 d, r;
	struct bytebuf	 b = BYTEBUF_INIT;
	const uint8_t	*s;
	char		 event[32];
	size_t		 n, mark;
	int64_t		 id = 0, v;
	int		 args;

	if (ctl_msg_parse(&d, payload, len) != 0) {
		CHECK(d.toks == NULL);
		return;
	}
	CHECK(d.ntoks > 0 && d.toks[0].type == BENC_DICT);
	CHECK(reencode(&d, 0, &b) == d.ntoks);
	CHECK(b.len == len && memcmp(b.data, payload, len) == 0);

	/* What a server does with a request: look at it, then answer. */
	(void)benc_dict_int(&d, 0, "id", &id);
	args = benc_dict_get_type(&d, 0, "args", BENC_DICT);
	if (args >= 0) {
		(void)benc_dict_int(&d, args, "limit", &v);
		limit_target(&d, args);
	}
	fetch_codec(&d, args, id);
	event[0] = '\0';
	if (benc_dict_str(&d, 0, "cmd", &s, &n) && n < sizeof(event) &&
	    memchr(s, 0, n) == NULL) {
		memcpy(event, s, n);
		event[n] = '\0';
	}
	bytebuf_reset(&b);
	mark = ctl_put_reply_begin(&b, id, event[0] ? event : NULL);
	benc_put_kv_int(&b, "len", (int64_t)len);
	CHECK(ctl_put_reply_end(&b, mark) == 0);
	CHECK(ctl_frame_check(b.data, b.len) == (ssize_t)b.len);
	CHECK(ctl_msg_parse(&r, b.data + CTL_HDR_LEN,
	    b.len - CTL_HDR_LEN) == 0);
	CHECK(benc_dict_int(&r, 0, "id", &v) && v == id);
	benc_free(&r);

	bytebuf_reset(&b);
	CHECK(ctl_put_error(&b, id, event, event[0] ? event : NULL, 1) == 0);
	CHECK(ctl_msg_parse(&r, b.data + CTL_HDR_LEN,
	    b.len - CTL_HDR_LEN) == 0);
	benc_free(&r);
	benc_free(&d);
	bytebuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p = data;
	size_t		 left = size, plen;
	uint8_t		*copy;
	ssize_t		 n;

	while ((n = ctl_frame_check(p, left)) > 0) {
		CHECK((size_t)n >= CTL_HDR_LEN && (size_t)n <= left);
		plen = (size_t)n - CTL_HDR_LEN;
		CHECK(plen <= CTL_MAX_FRAME);
		copy = malloc(plen ? plen : 1);
		CHECK(copy != NULL);
		if (plen > 0)
			memcpy(copy, p + CTL_HDR_LEN, plen);
		message(copy, plen);
		free(copy);
		p += n;
		left -= (size_t)n;
	}
	if (n < 0) {
		CHECK(n == -EMSGSIZE && left >= CTL_HDR_LEN);
		CHECK(((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]) > CTL_MAX_FRAME);
	} else if (left >= CTL_HDR_LEN) {
		/* Incomplete: the announced payload is not all here. */
		CHECK(((size_t)p[0] << 24 | (size_t)p[1] << 16 |
		    (size_t)p[2] << 8 | p[3]) > left - CTL_HDR_LEN);
	}
	return 0;
}
