/* SPDX-License-Identifier: ISC */
/*
 * fuzz_debindex.c - fuzz target for the Packages and Sources parsers.
 *
 * The first byte picks the kind (even: Packages, odd: Sources).  Beyond
 * "does not crash": every file handed out has a safe relative path, a
 * size above zero, and, for Packages, a path that occurs in the input.
 */
#define _GNU_SOURCE	/* memmem */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/debindex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

struct ctx {
	const char		*text;
	size_t			 len;
	enum debindex_kind	 kind;
	size_t			 n;
};

static int
file_cb(void *arg, const char *path, uint64_t size,
    const uint8_t sha[SHA256_LEN])
{
	struct ctx	*c = arg;
	size_t		 plen = strlen(path);

	(void)sha;
	CHECK(debindex_relpath_ok(path, plen));
	CHECK(size > 0 && size <= INT64_MAX);
	if (c->kind == DEBINDEX_PACKAGES)
		CHECK(memmem(c->text, c->len, path, plen) != NULL);
	c->n++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx	c;
	size_t		skipped;

	if (size < 1)
		return 0;
	c.kind = data[0] & 1 ? DEBINDEX_SOURCES : DEBINDEX_PACKAGES;
	c.text = (const char *)data + 1;
	c.len = size - 1;
	c.n = 0;
	CHECK(debindex_parse(c.kind, c.text, c.len, file_cb, &c,
	    &skipped) == 0);
	CHECK(c.n + skipped <= size);
	return 0;
}
