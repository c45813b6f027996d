/* SPDX-License-Identifier: ISC */
/*
 * fuzz_release.c - fuzz target for the Release / InRelease parser.
 *
 * Beyond "does not crash": an accepted Release holds only paths that
 * stay under the archive's top, and a Release written back from its
 * entries parses to the same entries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/debindex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_again(const struct release *r)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct release	 again;
	char		 hex[2 * SHA256_LEN + 1];
	size_t		 i;

	bytebuf_puts(&b, r->by_hash ? "Acquire-By-Hash: yes\nSHA256:\n" :
	    "SHA256:\n");
	for (i = 0; i < r->n; i++) {
		hex_encode(r->v[i].sha256, SHA256_LEN, hex);
		bytebuf_printf(&b, " %s %llu %s\n", hex,
		    (unsigned long long)r->v[i].size, r->v[i].path);
	}
	CHECK(!bytebuf_failed(&b));
	CHECK(release_parse(&again, (const char *)b.data, b.len) == 0);
	CHECK(again.n == r->n && again.by_hash == r->by_hash);
	for (i = 0; i < r->n; i++)
		CHECK(strcmp(again.v[i].path, r->v[i].path) == 0 &&
		    again.v[i].size == r->v[i].size &&
		    memcmp(again.v[i].sha256, r->v[i].sha256, SHA256_LEN) == 0);
	release_free(&again);
	bytebuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct release	r;
	size_t		i;
	int		rv;

	rv = release_parse(&r, (const char *)data, size);
	if (rv != 0) {
		CHECK(r.v == NULL && r.n == 0);
		return 0;
	}
	for (i = 0; i < r.n; i++)
		CHECK(debindex_relpath_ok(r.v[i].path, strlen(r.v[i].path)));
	check_again(&r);
	release_free(&r);
	return 0;
}
