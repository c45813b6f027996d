/* SPDX-License-Identifier: ISC */
/*
 * deltabench.c - what aptbtd's delta would fetch for NEW holding OLD.
 *
 *	deltabench [-b BLOCK] [-s STRONG] OLD NEW
 *
 * BLOCK: the list's block size (default BLOCKS_SIZE); STRONG: the bytes
 * of strong sum per block the list would carry (default
 * BLOCKS_STRONG_LEN; fewer only shrink the list's size as counted, the
 * match still confirms with all 8).
 *
 * The same steps and code as daemon/engine/delta.c, without the network:
 * NEW's block list as aptbt-mkmeta writes it (512-byte blocks), the
 * rolling match over OLD (common/blockmatch.c), the plan of pieces in
 * NEW's own piece layout, and the bytes the daemon would then fetch: the
 * list, the missing ranges of pieces found in part (merged below 2 KiB,
 * as the daemon does), and the pieces with nothing local, whole.  One
 * line of key=value: new, found, list, ranges, range_bytes, none_bytes,
 * fetched, match_ms.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/blockmatch.h"
#include "common/blocks.h"
#include "common/layout.h"

#ifndef MERGE
#define MERGE	2048		/* DELTA_MERGE in daemon/engine/delta.c */
#endif

static const uint8_t *
map(const char *path, size_t *len)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1 ||
	    st.st_size == 0) {
		perror(path);
		exit(2);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror(path);
		exit(2);
	}
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

int
main(int argc, char **argv)
{
	struct blockmatch_plan	 pl;
	struct bytebuf		 list = BYTEBUF_INIT;
	struct blockmatch	*m;
	struct timespec		 t0, t1;
	struct blocks		 b;
	const uint8_t		*old, *new;
	uint64_t		*off, found = 0;
	size_t			 olen, nlen, i;
	bool			*have;
	uint32_t		 bsize = BLOCKS_SIZE, strong = BLOCKS_STRONG_LEN;
	size_t			 listlen;
	int			 c;

	while ((c = getopt(argc, argv, "b:s:")) != -1)
		switch (c) {
		case 'b':
			bsize = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			strong = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	argc -= optind;
	argv += optind;
	if (argc != 2 || strong < 1 || strong > BLOCKS_STRONG_LEN) {
usage:
		fprintf(stderr, "usage: deltabench [-b BLOCK] [-s STRONG] OLD "
		    "NEW\n");
		return 2;
	}
	old = map(argv[0], &olen);
	new = map(argv[1], &nlen);
	if (blocks_encode(new, nlen, bsize, &list) != 0 ||
	    blocks_parse(&b, list.data, list.len) != 0 ||
	    (m = blockmatch_new(&b)) == NULL ||
	    (off = malloc(b.n * sizeof(*off))) == NULL ||
	    (have = calloc(b.n, sizeof(*have))) == NULL) {
		fprintf(stderr, "deltabench: out of memory\n");
		return 2;
	}
	for (i = 0; i < b.n; i++)
		off[i] = BLOCKMATCH_NONE;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	blockmatch_run(m, old, olen, off, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < b.n; i++)
		if ((have[i] = off[i] != BLOCKMATCH_NONE))
			found += blocks_len(&b, i);
	/* The strong sums' bytes not sent, and their bencode length digits. */
	listlen = list.len - b.n * (BLOCKS_STRONG_LEN - strong);
	if (blockmatch_plan(&b, have, layout_piece_length(nlen), MERGE,
	    &pl) != 0) {
		fprintf(stderr, "deltabench: no plan\n");
		return 2;
	}
	printf("new=%zu found=%llu list=%zu ranges=%zu range_bytes=%llu "
	    "none_bytes=%llu fetched=%llu match_ms=%lld\n", nlen,
	    (unsigned long long)found, listlen, pl.nranges,
	    (unsigned long long)pl.range_bytes,
	    (unsigned long long)pl.none_bytes,
	    (unsigned long long)(listlen + pl.range_bytes + pl.none_bytes),
	    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	blockmatch_plan_free(&pl);
	blockmatch_free(m);
	blocks_free(&b);
	bytebuf_free(&list);
	free(off);
	free(have);
	return 0;
}
