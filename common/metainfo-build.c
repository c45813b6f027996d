/* SPDX-License-Identifier: ISC */
/*
 * metainfo-build.c - writing the canonical single-file torrent.
 *
 * Mirrors regenerate their metadata on every archive run, so the output
 * must be a pure function of the file's bytes and the options: sorted
 * keys, the piece length of common/layout.h, and no creation date or
 * program version.  The file is read once in large aligned reads; each
 * read feeds the v1 piece hash and the v2 block hashes together.  Only
 * one piece's block hashes are held at a time, so memory stays small
 * for any file size.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bencode.h"
#include "common/hash.h"
#include "common/layout.h"
#include "common/merkle.h"
#include "common/metainfo.h"

/* A multiple of every piece length up to it, and of the block size. */
#define MI_READ		(1024u * 1024)

struct mi_hasher {
	const struct mi_build	*b;
	uint64_t		 size;
	uint32_t		 pl;		/* piece length */
	uint32_t		 np;		/* pieces */
	uint32_t		 piece;		/* the piece being hashed */
	uint32_t		 inpiece;	/* its bytes so far */
	struct hash_ctx		*sha1;
	struct hash_ctx		*whole;		/* SHA-256 of the file, or NULL */
	uint8_t			*pieces;	/* v1: np * 20 */
	uint8_t			*layer;		/* v2: np * 32 */
	uint8_t			*leaves;	/* v2: one piece's blocks */
	size_t			 nleaves;
	uint8_t			 root[SHA256_LEN];
	uint8_t			*buf;
	bool			 v2;		/* write the v2 part */
};

static bool
mi_name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int
mi_check_urls(const struct mi_build *b)
{
	size_t	i, j, total = 0;

	for (i = 0; i < b->ntiers; i++)
		for (j = 0; j < b->tiers[i].nurls; j++, total++)
			if (!metainfo_url_ok(b->tiers[i].urls[j],
			    strlen(b->tiers[i].urls[j])))
				return -EINVAL;
	for (i = 0; i < b->nwebseeds; i++)
		if (!metainfo_url_ok(b->webseeds[i], strlen(b->webseeds[i])))
			return -EINVAL;
	if (total > MI_MAX_TRACKERS || b->nwebseeds > MI_MAX_WEBSEEDS)
		return -EINVAL;
	return 0;
}

/* Close the current piece: its SHA-1, and its place in the merkle tree. */
static void
mi_end_piece(struct mi_hasher *h)
{
	static const uint8_t	zero[SHA256_LEN];
	uint64_t		width;

	hash_final(h->sha1, h->pieces + (size_t)h->piece * SHA1_LEN);
	if (h->layer != NULL) {
		/*
		 * A file of one piece has no piece layer: its tree is as
		 * wide as its own blocks, not as a whole piece.
		 */
		width = h->np == 1 ? merkle_pow2(h->nleaves) :
		    h->pl / LAYOUT_BLOCK;
		merkle_root(h->leaves, h->nleaves, width, zero, h->np == 1 ?
		    h->root : h->layer + (size_t)h->piece * SHA256_LEN);
		h->nleaves = 0;
	}
	h->piece++;
	h->inpiece = 0;
}

/* Feed n bytes that start on a block boundary (reads are aligned). */
static void
mi_feed(struct mi_hasher *h, const uint8_t *p, size_t n)
{
	size_t	seg, off;

	while (n > 0) {
		seg = h->pl - h->inpiece < n ? h->pl - h->inpiece : n;
		hash_update(h->sha1, p, seg);
		for (off = 0; h->layer != NULL && off < seg;
		    off += LAYOUT_BLOCK)
			sha256(p + off, seg - off < LAYOUT_BLOCK ? seg - off :
			    LAYOUT_BLOCK,
			    h->leaves + h->nleaves++ * SHA256_LEN);
		h->inpiece += (uint32_t)seg;
		p += seg;
		n -= seg;
		if (h->inpiece == h->pl)
			mi_end_piece(h);
	}
}

static int
mi_read_all(int fd, struct mi_hasher *h)
{
	uint64_t	pos = 0;
	size_t		want, got;
	ssize_t		r;

	while (pos < h->size) {
		want = h->size - pos < MI_READ ? (size_t)(h->size - pos) :
		    MI_READ;
		for (got = 0; got < want; got += (size_t)r) {
			r = pread(fd, h->buf + got, want - got,
			    (off_t)(pos + got));
			if (r == -1 && errno == EINTR)
				r = 0;
			else if (r == -1)
				return -errno;
			else if (r == 0)
				return -ESTALE;
		}
		mi_feed(h, h->buf, want);
		if (h->whole != NULL)
			hash_update(h->whole, h->buf, want);
		if (h->b->consume != NULL)
			h->b->consume(h->buf, want, h->b->consume_arg);
		pos += want;
		if (h->b->progress != NULL)
			h->b->progress(pos, h->size, h->b->progress_arg);
	}
	if (h->inpiece > 0)
		mi_end_piece(h);
	/* A file that grew while we read would publish a wrong length. */
	if ((r = pread(fd, h->buf, 1, (off_t)pos)) != 0)
		return r == -1 ? -errno : -ESTALE;
	return 0;
}

static void
mi_put_trackers(struct bytebuf *out, const struct mi_build *b)
{
	const char	*first = NULL;
	size_t		 i, j, total = 0;

	for (i = 0; i < b->ntiers; i++) {
		if (first == NULL && b->tiers[i].nurls > 0)
			first = b->tiers[i].urls[0];
		total += b->tiers[i].nurls;
	}
	if (first == NULL)
		return;
	benc_put_kv_str(out, "announce", first);
	if (total < 2)
		return;
	benc_put_cstr(out, "announce-list");
	benc_put_list(out);
	for (i = 0; i < b->ntiers; i++) {
		if (b->tiers[i].nurls == 0)
			continue;
		benc_put_list(out);
		for (j = 0; j < b->tiers[i].nurls; j++)
			benc_put_cstr(out, b->tiers[i].urls[j]);
		benc_put_end(out);
	}
	benc_put_end(out);
}

/* Keys in sorted order, as BEP 3 asks and the info-hash depends on. */
static void
mi_encode(struct bytebuf *out, const struct mi_hasher *h)
{
	const struct mi_build	*b = h->b;
	bool			 v2 = h->v2;
	size_t			 i;

	benc_put_dict(out);
	mi_put_trackers(out, b);
	benc_put_cstr(out, "info");
	benc_put_dict(out);
	if (v2) {
		benc_put_cstr(out, "file tree");
		benc_put_dict(out);
		benc_put_cstr(out, b->name);
		benc_put_dict(out);
		benc_put_cstr(out, "");
		benc_put_dict(out);
		benc_put_kv_int(out, "length", (int64_t)h->size);
		benc_put_kv_bytes(out, "pieces root", h->root, SHA256_LEN);
		benc_put_end(out);
		benc_put_end(out);
		benc_put_end(out);
	}
	benc_put_kv_int(out, "length", (int64_t)h->size);
	if (v2)
		benc_put_kv_int(out, "meta version", 2);
	benc_put_kv_str(out, "name", b->name);
	benc_put_kv_int(out, "piece length", h->pl);
	benc_put_kv_bytes(out, "pieces", h->pieces,
	    (size_t)h->np * SHA1_LEN);
	benc_put_end(out);
	if (v2 && h->np > 1) {
		benc_put_cstr(out, "piece layers");
		benc_put_dict(out);
		benc_put_str(out, h->root, SHA256_LEN);
		benc_put_str(out, h->layer, (size_t)h->np * SHA256_LEN);
		benc_put_end(out);
	}
	if (b->nwebseeds > 0) {
		benc_put_cstr(out, "url-list");
		benc_put_list(out);
		for (i = 0; i < b->nwebseeds; i++)
			benc_put_cstr(out, b->webseeds[i]);
		benc_put_end(out);
	}
	benc_put_end(out);
}

int
metainfo_build(int fd, const struct mi_build *b, struct bytebuf *out)
{
	struct mi_hasher	 h;
	struct stat		 st;
	uint64_t		 np;
	uint8_t			 pad[SHA256_LEN];
	uint8_t			*tmp;
	size_t			 start = out->len;
	int			 rv;

	if (!mi_name_ok(b->name) || (rv = mi_check_urls(b)) != 0)
		return -EINVAL;
	if (fstat(fd, &st) == -1)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return -EINVAL;
	memset(&h, 0, sizeof(h));
	h.b = b;
	h.size = (uint64_t)st.st_size;
	h.pl = layout_piece_length(h.size);
	np = (h.size + h.pl - 1) / h.pl;
	/* The hashes dominate; the rest is well under a block. */
	if (np * (SHA1_LEN + 2 * SHA256_LEN) + LAYOUT_BLOCK +
	    strlen(b->name) + (MI_MAX_TRACKERS + MI_MAX_WEBSEEDS) *
	    (MI_MAX_URL + 8) > MI_MAX_INPUT)
		return -EFBIG;
	h.np = (uint32_t)np;
	h.v2 = b->form == MI_FORM_HYBRID;
	rv = -ENOMEM;
	if ((h.sha1 = hash_new(HASH_SHA1)) == NULL ||
	    (h.pieces = malloc((size_t)h.np * SHA1_LEN)) == NULL ||
	    (h.buf = malloc(MI_READ)) == NULL)
		goto out;
	if (b->form == MI_FORM_HYBRID &&
	    ((h.layer = malloc((size_t)h.np * SHA256_LEN)) == NULL ||
	    (h.leaves = malloc(h.pl / LAYOUT_BLOCK * SHA256_LEN)) == NULL))
		goto out;
	if (b->file_sha256 != NULL &&
	    (h.whole = hash_new(HASH_SHA256)) == NULL)
		goto out;
	if ((rv = mi_read_all(fd, &h)) != 0)
		goto out;
	if (h.whole != NULL)
		hash_final(h.whole, b->file_sha256);
	if (h.layer != NULL && h.np > 1) {
		rv = -ENOMEM;
		if ((tmp = malloc((size_t)h.np * SHA256_LEN)) == NULL)
			goto out;
		memcpy(tmp, h.layer, (size_t)h.np * SHA256_LEN);
		merkle_pad(h.pl / LAYOUT_BLOCK, pad);
		merkle_root(tmp, h.np, merkle_pow2(h.np), pad, h.root);
		free(tmp);
	}
	mi_encode(out, &h);
	rv = bytebuf_failed(out) ? -ENOMEM : 0;
	if (rv == 0 && out->len - start > MI_MAX_INPUT) {
		out->len = start;
		rv = -EFBIG;
	}
out:
	hash_free(h.sha1);
	hash_free(h.whole);
	free(h.pieces);
	free(h.layer);
	free(h.leaves);
	free(h.buf);
	return rv;
}

int
metainfo_rebuild(const struct metainfo *mi, const struct mi_build *b,
    struct bytebuf *out)
{
	struct mi_hasher	h;
	size_t			start = out->len;
	int			rv;

	if (!mi_name_ok(b->name) || (rv = mi_check_urls(b)) != 0)
		return -EINVAL;
	/* Pieces cut another way, or v2 hashes we do not have: rehash. */
	if (!mi->has_v1 || mi->length == 0 ||
	    mi->piece_length != layout_piece_length(mi->length) ||
	    (b->form == MI_FORM_HYBRID && !mi->has_v2))
		return -ESTALE;
	memset(&h, 0, sizeof(h));
	h.b = b;
	h.size = mi->length;
	h.pl = mi->piece_length;
	h.np = mi->npieces;
	h.pieces = (uint8_t *)(uintptr_t)mi->pieces;
	h.v2 = b->form == MI_FORM_HYBRID;
	h.layer = (uint8_t *)(uintptr_t)mi->layer;
	memcpy(h.root, mi->pieces_root, SHA256_LEN);
	mi_encode(out, &h);
	if (bytebuf_failed(out))
		return -ENOMEM;
	if (out->len - start > MI_MAX_INPUT) {
		out->len = start;
		return -EFBIG;
	}
	return 0;
}
