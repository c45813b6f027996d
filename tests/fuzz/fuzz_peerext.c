/* SPDX-License-Identifier: ISC */
/*
 * fuzz_peerext.c - fuzz target for extended-message payloads.
 *
 * The first input byte picks the decoder (extended handshake, ut_pex,
 * aptbt_hashes, aptbt_mux); the rest is the payload after the extension
 * id, in an allocation of its exact size.  Whatever a decoder accepts
 * must build again and decode to the same fields.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/peerext.h"
#include "common/peerwire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

/* The payload of the one extended message in b. */
static const uint8_t *
payload(const struct bytebuf *b, size_t *len)
{
	struct pw_msg	m;

	CHECK(!bytebuf_failed(b));
	CHECK(pw_msg_next(b->data, b->len, &m) == (ssize_t)b->len);
	CHECK(m.id == PW_EXTENDED && m.ext_id == 5);
	*len = m.len - 1;
	return m.payload + 1;
}

static void
ext_handshake(const uint8_t *p, size_t len)
{
	struct pw_ext_handshake	h, r;
	struct bytebuf		b = BYTEBUF_INIT;
	struct pw_msg		m;

	if (pw_ext_handshake_parse(p, len, &h) != 0)
		return;
	CHECK(pw_ext_handshake_put(&b, &h) == 0);
	CHECK(pw_msg_next(b.data, b.len, &m) == (ssize_t)b.len);
	CHECK(pw_ext_handshake_parse(m.payload + 1, m.len - 1, &r) == 0);
	CHECK(r.nm == h.nm && r.port == h.port && r.reqq == h.reqq &&
	    r.metadata_size == h.metadata_size &&
	    strcmp(r.client, h.client) == 0);
	bytebuf_free(&b);
}

static void
pex(const uint8_t *p, size_t len)
{
	static struct pw_pex	x, r;
	struct bytebuf		b = BYTEBUF_INIT;
	const uint8_t		*q;
	size_t			 n;

	if (pw_pex_parse(p, len, &x) != 0)
		return;
	CHECK(pw_pex_put(&b, 5, &x) == 0);
	q = payload(&b, &n);
	CHECK(pw_pex_parse(q, n, &r) == 0);
	CHECK(r.nadded == x.nadded && r.ndropped == x.ndropped);
	bytebuf_free(&b);
}

static void
hashes(const uint8_t *p, size_t len)
{
	struct pext_hashes	 h, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	const uint8_t		*q;
	size_t			 n;
	int			 rc;

	rc = pext_hashes_parse(p, len, &h);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOTSUP);
	if (rc != 0)
		return;
	CHECK(h.type != PEXT_HASHES_DATA ||
	    (h.count > 0 && h.count <= PEXT_HASHES_MAX));
	CHECK(pext_hashes_put(&b, 5, &h) == 0);
	q = payload(&b, &n);
	CHECK(pext_hashes_parse(q, n, &r) == 0);
	CHECK(r.type == h.type && r.piece == h.piece && r.count == h.count);
	CHECK(h.count == 0 ||
	    memcmp(r.hashes, h.hashes, h.count * PEXT_SHA256_LEN) == 0);
	bytebuf_free(&b);
}

static void
mux(const uint8_t *p, size_t len)
{
	struct pext_mux	 x, r;
	struct bytebuf	 b = BYTEBUF_INIT;
	const uint8_t	*q;
	size_t		 n, mark;
	int		 rc;

	rc = pext_mux_parse(p, len, &x);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOTSUP);
	if (rc != 0)
		return;
	if (x.type == PEXT_MUX_FRAME) {
		CHECK(x.frame + x.framelen == p + len);
		CHECK(pext_mux_frame_allows(x.msg.id));
		mark = pext_mux_frame_begin(&b, 5, x.sid);
		bytebuf_append(&b, x.frame, x.framelen);
		CHECK(pext_mux_frame_end(&b, mark) == 0);
	} else {
		CHECK(x.nhave + x.nfetching + x.ndrop <= PEXT_INDEX_MAX);
		CHECK(pext_mux_put(&b, 5, &x) == 0);
	}
	q = payload(&b, &n);
	CHECK(pext_mux_parse(q, n, &r) == 0);
	CHECK(r.type == x.type && r.sid == x.sid && r.full == x.full &&
	    r.nhave == x.nhave && r.nfetching == x.nfetching &&
	    r.ndrop == x.ndrop && r.framelen == x.framelen &&
	    r.msg.id == x.msg.id);
	CHECK(x.key == NULL || memcmp(r.key, x.key, PEXT_KEY_LEN) == 0);
	CHECK(x.nhave == 0 ||
	    memcmp(r.have, x.have, x.nhave * PEXT_SHA256_LEN) == 0);
	CHECK(r.size == x.size && r.urllen == x.urllen);
	CHECK(x.type != PEXT_MUX_WANT ||
	    (memcmp(r.sha256, x.sha256, PEXT_SHA256_LEN) == 0 &&
	    memcmp(r.url, x.url, x.urllen) == 0));
	bytebuf_free(&b);
}

static void (*const decoders[])(const uint8_t *, size_t) = {
	ext_handshake, pex, hashes, mux,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*copy;
	size_t	 len;

	if (size < 1)
		return 0;
	len = size - 1;
	copy = malloc(len ? len : 1);
	CHECK(copy != NULL);
	if (len > 0)
		memcpy(copy, data + 1, len);
	decoders[data[0] % (sizeof(decoders) / sizeof(decoders[0]))](copy,
	    len);
	free(copy);
	return 0;
}
