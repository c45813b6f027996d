/* SPDX-License-Identifier: ISC */
/*
 * blockmatch.h - find a file's blocks in related local data (rsync's
 * algorithm, as zsync uses it).
 *
 * The target's weak sums go into a hash table; a window of one block
 * size rolls over the candidate a byte at a time, its weak sum updated
 * in constant time; each window whose weak sum is in the table is
 * confirmed with the strong sum before it counts, and after a confirmed
 * match the window jumps a whole block.  The candidate is read as if
 * followed by zeros, as the target's last block was padded, so a short
 * last block is found at the candidate's end.  Pure: no I/O, no clock.
 */
#ifndef APTBT_BLOCKMATCH_H
#define APTBT_BLOCKMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/blocks.h"

/* A block not found yet. */
#define BLOCKMATCH_NONE		UINT64_MAX
/* A block the caller already holds: the matcher leaves it alone. */
#define BLOCKMATCH_HAVE		(UINT64_MAX - 1)

struct blockmatch;

/* The table of b's weak sums (b must outlive it); NULL on ENOMEM. */
struct blockmatch *blockmatch_new(const struct blocks *b);
void	 blockmatch_free(struct blockmatch *);

/*
 * For every block i with off[i] == BLOCKMATCH_NONE whose content cand
 * (clen bytes) holds, set off[i] to its offset in cand.  off has b->n
 * entries.  Returns how many were set; stats, when not NULL, get the
 * weak hits and how many of them the strong sum refused.
 */
struct blockmatch_stats {
	uint64_t	weak_hits;
	uint64_t	strong_misses;
};
size_t	 blockmatch_run(struct blockmatch *, const uint8_t *cand,
	    size_t clen, uint64_t *off, struct blockmatch_stats *stats);

/*
 * Copy block i's bytes (blocks_len of them) from cand at off, the bytes
 * past clen being the zeros the match assumed.
 */
void	 blockmatch_copy(const struct blocks *b, size_t i, const uint8_t *cand,
	    size_t clen, uint64_t off, uint8_t *dst);

/*
 * What to fetch once the blocks held are known (have[i] per block): per
 * piece of piece_size bytes (a multiple of the block size), NONE when it
 * holds no block (fetch it whole, as any piece), WHOLE when it holds
 * every one, PART otherwise; and for the PART pieces the byte ranges
 * missing, two ranges closer than merge bytes made one (a request costs
 * more than a few bytes fetched again).  Ranges never cross a piece.
 * 0, -EINVAL (piece_size not a multiple of the block size), -ENOMEM.
 */
enum blockmatch_piece {
	BLOCKMATCH_P_NONE,
	BLOCKMATCH_P_WHOLE,
	BLOCKMATCH_P_PART,
};
struct blockmatch_range {
	uint64_t	off;
	uint32_t	len;
	uint32_t	piece;
};
struct blockmatch_plan {
	uint8_t			*piece;		/* enum blockmatch_piece */
	uint32_t		 npieces;
	struct blockmatch_range	*ranges;
	size_t			 nranges;
	uint64_t		 range_bytes;	/* in ranges */
	uint64_t		 none_bytes;	/* in NONE pieces */
};
int	 blockmatch_plan(const struct blocks *b, const bool *have,
	    uint32_t piece_size, uint32_t merge, struct blockmatch_plan *out);
void	 blockmatch_plan_free(struct blockmatch_plan *);

#endif
