/* SPDX-License-Identifier: ISC */
/*
 * layout.h - the canonical piece layout of a file.
 *
 * Every machine must cut the same file into the same pieces without
 * talking to anyone (zero-metadata swarms are keyed by content alone), so
 * the piece length is a pure function of the file size: a power of two,
 * at least 256 KiB (so most packages are one piece, verified by apt's
 * own SHA-256 with no piece hashes needed), doubled until the file has at
 * most 1024 pieces, at most 16 MiB.  Blocks (the unit of a request, and
 * the leaf of a BEP 52 merkle tree) are 16 KiB.
 */
#ifndef APTBT_LAYOUT_H
#define APTBT_LAYOUT_H

#include <stdint.h>

#define LAYOUT_BLOCK		(16u * 1024)
#define LAYOUT_MIN_PIECE	(256u * 1024)
#define LAYOUT_MAX_PIECE	(16u * 1024 * 1024)
#define LAYOUT_TARGET_PIECES	1024

static inline uint32_t
layout_piece_length(uint64_t size)
{
	uint64_t	pl = LAYOUT_MIN_PIECE;

	while (pl < LAYOUT_MAX_PIECE && size > pl * LAYOUT_TARGET_PIECES)
		pl *= 2;
	return (uint32_t)pl;
}

static inline uint32_t
layout_npieces(uint64_t size)
{
	uint32_t	pl = layout_piece_length(size);

	return size == 0 ? 0 : (uint32_t)((size + pl - 1) / pl);
}

/* Length of piece i (the last one may be short). */
static inline uint32_t
layout_piece_size(uint64_t size, uint32_t i)
{
	uint64_t	pl = layout_piece_length(size);
	uint64_t	start = (uint64_t)i * pl;

	if (start >= size)
		return 0;
	return (uint32_t)(size - start < pl ? size - start : pl);
}

#endif
