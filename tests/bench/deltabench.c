/* SPDX-License-Identifier: ISC */
/*
 * deltabench.c - what aptbtd's delta would fetch for NEW holding OLD.
 *
 *	deltabench [-b BLOCK] [-w WEAK] [-s STRONG] OLD NEW
 *
 * The same steps and code as daemon/engine/delta.c, without the network:
 * NEW's block list as aptbt-mkmeta writes it (the shape blocks_shape_for
 * gives NEW's name; -b, -w and -s change the block size and the bytes of
 * weak and strong sum per block), the rolling match over OLD
 * (common/blockmatch.c), the plan of pieces in NEW's own piece layout,
 * and the bytes the daemon would then fetch: the list, the missing
 * ranges of pieces found in part (merged below 2 KiB, as the daemon
 * does), and the pieces with nothing local, whole.  A file that gets no
 * list is fetched whole (list=0).  One line of key=value: new, found,
 * list, ranges, range_bytes, none_bytes, fetched, match_ms, block, wlen,
 * slen.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
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
	struct blocks_shape	 sh;
	const char		*base;
	long			 bsize = 0, wl = 0, sl = 0;
	bool			 listed;
	int			 c;

	while ((c = getopt(argc, argv, "b:w:s:")) != -1)
		switch (c) {
		case 'b':
			bsize = strtol(optarg, NULL, 10);
			break;
		case 'w':
			wl = strtol(optarg, NULL, 10);
			break;
		case 's':
			sl = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	argc -= optind;
	argv += optind;
	if (argc != 2) {
usage:
		fprintf(stderr, "usage: deltabench [-b BLOCK] [-w WEAK] "
		    "[-s STRONG] OLD NEW\n");
		return 2;
	}
	old = map(argv[0], &olen);
	new = map(argv[1], &nlen);
	base = strrchr(argv[1], '/') != NULL ? strrchr(argv[1], '/') + 1 :
	    argv[1];
	listed = blocks_shape_for(base, nlen, &sh);
	if (!listed)
		sh = blocks_shape_v1(BLOCKS_SIZE);
	if (bsize > 0 || wl > 0 || sl > 0)
		listed = true;
	if (bsize > 0)
		sh.block = (uint32_t)bsize;
	if (wl > 0)
		sh.wlen = (uint8_t)wl;
	if (sl > 0)
		sh.slen = (uint8_t)sl;
	if (!listed) {
		printf("new=%zu found=0 list=0 ranges=0 range_bytes=0 "
		    "none_bytes=%zu fetched=%zu match_ms=0 block=0 wlen=0 "
		    "slen=0\n", nlen, nlen, nlen);
		return 0;
	}
	if (blocks_encode_shape(new, nlen, &sh, &list) != 0 ||
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
	if (blockmatch_plan(&b, have, layout_piece_length(nlen), MERGE,
	    &pl) != 0) {
		fprintf(stderr, "deltabench: no plan\n");
		return 2;
	}
	printf("new=%zu found=%llu list=%zu ranges=%zu range_bytes=%llu "
	    "none_bytes=%llu fetched=%llu match_ms=%lld block=%u wlen=%u "
	    "slen=%u\n", nlen,
	    (unsigned long long)found, list.len, pl.nranges,
	    (unsigned long long)pl.range_bytes,
	    (unsigned long long)pl.none_bytes,
	    (unsigned long long)(list.len + pl.range_bytes + pl.none_bytes),
	    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000), sh.block, sh.wlen, sh.slen);
	blockmatch_plan_free(&pl);
	blockmatch_free(m);
	blocks_free(&b);
	bytebuf_free(&list);
	free(off);
	free(have);
	return 0;
}
