/* SPDX-License-Identifier: ISC */
/*
 * merkle.h - BEP 52 merkle trees over SHA-256.
 *
 * A v2 file is hashed as 16 KiB blocks (the last one may be short); the
 * leaf layer is padded with all-zero hashes to a power of two, so nodes
 * past the end of a file are the roots of all-zero subtrees.  The same
 * reduction gives a piece's hash (its blocks padded to the blocks of a
 * whole piece), a file's pieces root from its blocks (a file of one piece
 * or less) or from its piece layer (padded with the root of a piece of
 * zero leaves).
 */
#ifndef APTBT_MERKLE_H
#define APTBT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

/* The smallest power of two >= n (1 for n == 0); n <= 2^63. */
uint64_t	merkle_pow2(uint64_t n);

/*
 * The root of a tree whose bottom layer is the n hashes in nodes followed
 * by pad hashes up to width leaves (width a power of two >= n, n >= 1).
 * nodes is overwritten; pad is the bottom layer's padding.
 */
void	merkle_root(uint8_t *nodes, size_t n, uint64_t width,
	    const uint8_t pad[SHA256_LEN], uint8_t root[SHA256_LEN]);

/* The root of a subtree of width zero leaves (width a power of two). */
void	merkle_pad(uint64_t width, uint8_t out[SHA256_LEN]);

#endif
