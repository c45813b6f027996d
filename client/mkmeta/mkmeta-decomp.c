/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-decomp.c - a mirror's .gz and .xz indices, decompressed in memory.
 *
 * Debian publishes Packages and Sources as .xz and .gz (the plain file
 * is often listed in Release but not mirrored).  zlib and liblzma do it
 * in-process, in one pass over data already checked against the
 * Release, with the output bounded so a hostile index cannot fill the
 * memory.  Concatenated streams are read as one, as xz and gzip do.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>

#include "client/mkmeta/mkmeta.h"

#define CHUNK	(1024u * 1024)

static int
grow(struct bytebuf *out, size_t max)
{
	if (out->len >= max)
		return -EFBIG;
	if (out->cap - out->len < CHUNK && !bytebuf_reserve(out, CHUNK))
		return -ENOMEM;
	return 0;
}

static size_t
room(const struct bytebuf *out, size_t max)
{
	size_t	r = out->cap - out->len;

	return r < max - out->len ? r : max - out->len;
}

static int
gunzip(const uint8_t *in, size_t len, size_t max, struct bytebuf *out)
{
	z_stream	z;
	int		r, rv = 0;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header, not zlib's. */
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
	for (;;) {
		if ((rv = grow(out, max)) != 0)
			break;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)(room(out, max) > UINT32_MAX ?
		    UINT32_MAX : room(out, max));
		r = inflate(&z, Z_NO_FLUSH);
		out->len = (size_t)(z.next_out - out->data);
		if (r == Z_STREAM_END) {
			/* Another member follows: read it too. */
			if (z.avail_in == 0)
				break;
			if (inflateReset(&z) != Z_OK) {
				rv = -EINVAL;
				break;
			}
			continue;
		}
		if (r == Z_BUF_ERROR && z.avail_in == 0) {
			rv = -EINVAL;		/* cut short */
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			rv = r == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
	}
	inflateEnd(&z);
	return rv;
}

static int
unxz(const uint8_t *in, size_t len, size_t max, struct bytebuf *out)
{
	lzma_stream	z = LZMA_STREAM_INIT;
	lzma_ret	r;
	int		rv = 0;

	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	z.next_in = in;
	z.avail_in = len;
	for (;;) {
		if ((rv = grow(out, max)) != 0)
			break;
		z.next_out = out->data + out->len;
		z.avail_out = room(out, max);
		/* All the input is there: LZMA_FINISH from the start. */
		r = lzma_code(&z, LZMA_FINISH);
		out->len = (size_t)(z.next_out - out->data);
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			rv = r == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
	}
	lzma_end(&z);
	return rv;
}

int
mkmeta_decompress(const char *suffix, const uint8_t *in, size_t len,
    size_t max, struct bytebuf *out)
{
	if (strcmp(suffix, ".gz") == 0)
		return gunzip(in, len, max, out);
	if (strcmp(suffix, ".xz") == 0)
		return unxz(in, len, max, out);
	if (len > max)
		return -EFBIG;
	bytebuf_append(out, in, len);
	return bytebuf_failed(out) ? -ENOMEM : 0;
}
