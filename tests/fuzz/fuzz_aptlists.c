/* SPDX-License-Identifier: ISC */
/*
 * fuzz_aptlists.c - fuzz target for the reader of apt's verified Packages
 * lists (daemon/base/aptlists.c).  The input's first line is the name of
 * a credentialed source; the rest is a Packages file in a lists
 * directory.  Beyond "does not crash": a hash found was in the input, a
 * list whose source is private adds nothing, and the source matching
 * agrees with itself.
 */
#define _POSIX_C_SOURCE 200809L	/* mkdtemp */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "daemon/base/aptlists.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define LIST		"mirror.example_debian_dists_x_main_binary-amd64_Packages"

static char	dir[64], path[160];

static void
setup(void)
{
	const char	*base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
			    "/tmp";

	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/fuzz_aptlists.XXXXXX", base);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/%s", dir, LIST);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	char		 machine[256], *priv[1] = { machine };
	struct aptlists	*l;
	FILE		*f;
	size_t		 mlen = nl != NULL ? (size_t)(nl - data) : size;
	int		 err = 0;

	setup();
	if (mlen >= sizeof(machine) || memchr(data, '\0', mlen) != NULL)
		return 0;
	memcpy(machine, data, mlen);
	machine[mlen] = '\0';
	(void)aptlists_source_matches(LIST, machine);
	CHECK((f = fopen(path, "w")) != NULL);
	if (nl != NULL)
		fwrite(nl + 1, 1, size - mlen - 1, f);
	CHECK(fclose(f) == 0);
	/* As a public list: what it holds is at most its lines. */
	CHECK((l = aptlists_load(dir, NULL, 0, &err)) != NULL);
	CHECK(aptlists_count(l) <= size / (8 + 2 * SHA256_LEN) + 1);
	aptlists_free(l);
	/* Named as private: nothing counts when the name matches. */
	CHECK((l = aptlists_load(dir, priv, 1, &err)) != NULL);
	if (aptlists_source_matches(LIST, machine))
		CHECK(aptlists_count(l) == 0);
	aptlists_free(l);
	return 0;
}
