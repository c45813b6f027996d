/* SPDX-License-Identifier: ISC */
/*
 * blockmatch.c - how much of a new file a client holding an old one
 * could build locally, for each candidate block size of the rolling
 * checksum (tests/bench/blocksize.sh).
 *
 * The metadata would carry, per block of the new file (aligned at
 * multiples of the block size), a weak rolling checksum (rsync's two
 * 16-bit sums) and a strong hash.  The client rolls the weak sum over
 * every offset of the old file; a hit is confirmed (here with memcmp,
 * standing for the strong hash) and the block counts as local, and the
 * window then jumps a whole block, as rsync and zsync do.  The last,
 * short block is matched only whole.
 *
 * usage: blockmatch OLD NEW SIZE...   prints, per SIZE:
 *   SIZE BLOCKS MATCHED_BLOCKS MATCHED_BYTES NEW_BYTES
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TBITS	20

static const uint8_t *
map(const char *path, size_t *len)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		perror(path);
		exit(2);
	}
	*len = (size_t)st.st_size;
	p = *len ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : "";
	if (p == MAP_FAILED) {
		perror(path);
		exit(2);
	}
	close(fd);
	return p;
}

static uint32_t
weak(const uint8_t *p, size_t n, uint32_t *a, uint32_t *b)
{
	size_t	i;

	*a = *b = 0;
	for (i = 0; i < n; i++) {
		*a += p[i];
		*b += (uint32_t)(n - i) * p[i];
	}
	*a &= 0xffff;
	*b &= 0xffff;
	return *a | *b << 16;
}

static uint32_t
slot(uint32_t w)
{
	return (w * 2654435761u) >> (32 - TBITS);
}

static void
one(const uint8_t *o, size_t olen, const uint8_t *n, size_t nlen, size_t bs)
{
	size_t		 nb = (nlen + bs - 1) / bs, full = nlen / bs;
	int32_t		*head, *next;
	uint32_t	*wk, a, b, w;
	uint8_t		*got;
	size_t		 i, off, mblocks = 0, mbytes = 0;
	int32_t		 k;

	head = malloc(sizeof(*head) << TBITS);
	next = calloc(nb + 1, sizeof(*next));
	wk = calloc(nb + 1, sizeof(*wk));
	got = calloc(nb + 1, 1);
	memset(head, -1, sizeof(*head) << TBITS);
	for (i = 0; i < full; i++) {
		wk[i] = weak(n + i * bs, bs, &a, &b);
		next[i] = head[slot(wk[i])];
		head[slot(wk[i])] = (int32_t)i;
	}
	/* The short tail: compared whole against the old file's tail. */
	if (nb > full && olen >= nlen - full * bs &&
	    memcmp(o + olen - (nlen - full * bs), n + full * bs,
	    nlen - full * bs) == 0) {
		got[full] = 1;
		mblocks++;
		mbytes += nlen - full * bs;
	}
	if (olen >= bs) {
		w = weak(o, bs, &a, &b);
		for (off = 0;;) {
			int hit = 0;

			for (k = head[slot(w)]; k != -1; k = next[k])
				if (wk[k] == w && !got[k] &&
				    memcmp(o + off, n + (size_t)k * bs, bs) == 0) {
					got[k] = 1;
					mblocks++;
					mbytes += bs;
					hit = 1;
				}
			if (hit) {
				if (off + 2 * bs > olen)
					break;
				off += bs;
				w = weak(o + off, bs, &a, &b);
				continue;
			}
			if (off + bs >= olen)
				break;
			a = (a - o[off] + o[off + bs]) & 0xffff;
			b = (b - (uint32_t)bs * o[off] + a) & 0xffff;
			off++;
			w = a | b << 16;
		}
	}
	printf("%zu %zu %zu %zu %zu\n", bs, nb, mblocks, mbytes, nlen);
	free(head);
	free(next);
	free(wk);
	free(got);
}

int
main(int argc, char *argv[])
{
	const uint8_t	*o, *n;
	size_t		 olen, nlen;
	int		 i;

	if (argc < 4) {
		fprintf(stderr, "usage: blockmatch OLD NEW SIZE...\n");
		return 2;
	}
	o = map(argv[1], &olen);
	n = map(argv[2], &nlen);
	for (i = 3; i < argc; i++)
		one(o, olen, n, nlen, (size_t)strtoul(argv[i], NULL, 10));
	return 0;
}
