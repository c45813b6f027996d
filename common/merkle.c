/* SPDX-License-Identifier: ISC */
/*
 * merkle.c - BEP 52 merkle tree reduction.
 *
 * The tree is reduced in place one layer at a time, so hashing a layer
 * of n nodes needs no memory beyond the n nodes themselves, however wide
 * the padded tree is: padding never gets stored, only its hash per level.
 */
#include "config.h"

#include <string.h>

#include "common/merkle.h"

uint64_t
merkle_pow2(uint64_t n)
{
	uint64_t	p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void
hash_pair(const uint8_t *l, const uint8_t *r, uint8_t out[SHA256_LEN])
{
	uint8_t	pair[2 * SHA256_LEN];

	memcpy(pair, l, SHA256_LEN);
	memcpy(pair + SHA256_LEN, r, SHA256_LEN);
	sha256(pair, sizeof(pair), out);
}

void
merkle_root(uint8_t *nodes, size_t n, uint64_t width,
    const uint8_t pad[SHA256_LEN], uint8_t root[SHA256_LEN])
{
	uint8_t	p[SHA256_LEN];
	size_t	i;

	memcpy(p, pad, SHA256_LEN);
	for (; width > 1; width >>= 1) {
		for (i = 0; i < n; i += 2)
			hash_pair(nodes + i * SHA256_LEN, i + 1 < n ?
			    nodes + (i + 1) * SHA256_LEN : p,
			    nodes + i / 2 * SHA256_LEN);
		n = (n + 1) / 2;
		hash_pair(p, p, p);
	}
	memcpy(root, n > 0 ? nodes : p, SHA256_LEN);
}

void
merkle_pad(uint64_t width, uint8_t out[SHA256_LEN])
{
	memset(out, 0, SHA256_LEN);
	for (; width > 1; width >>= 1)
		hash_pair(out, out, out);
}
