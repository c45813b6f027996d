/* SPDX-License-Identifier: ISC */
/*
 * pieces.c - piece layout, have-bitmaps and the range scheduler.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitfield.h"
#include "common/layout.h"
#include "daemon/base/pieces.h"

/*
 * The one layout every part of aptbt uses (common/layout.h): a fetch
 * job's pieces are the swarm's pieces, which peers and torrents name by
 * index, so the two must never disagree.
 */
uint32_t
piece_size_for(uint64_t size)
{
	return layout_piece_length(size);
}

int
piecemap_init(struct piecemap *pm, uint64_t size)
{
	uint64_t	n;

	memset(pm, 0, sizeof(*pm));
	pm->size = size;
	pm->piece_size = piece_size_for(size);
	n = (size + pm->piece_size - 1) / pm->piece_size;
	if (n > UINT32_MAX / 2)
		return -EFBIG;
	pm->npieces = (uint32_t)n;
	if ((pm->bits = calloc(1, piecemap_nbytes(pm) + 1)) == NULL)
		return -ENOMEM;
	return 0;
}

void
piecemap_free(struct piecemap *pm)
{
	free(pm->bits);
	memset(pm, 0, sizeof(*pm));
}

void
piecemap_clear(struct piecemap *pm)
{
	if (pm->bits != NULL)
		memset(pm->bits, 0, piecemap_nbytes(pm));
	pm->nhave = 0;
}

size_t
piecemap_nbytes(const struct piecemap *pm)
{
	return bitfield_len(pm->npieces);
}

bool
piecemap_has(const struct piecemap *pm, uint32_t i)
{
	if (i >= pm->npieces)
		return false;
	return bitfield_get(pm->bits, i);
}

void
piecemap_set(struct piecemap *pm, uint32_t i)
{
	if (i >= pm->npieces || piecemap_has(pm, i))
		return;
	bitfield_set(pm->bits, i);
	pm->nhave++;
}

bool
piecemap_complete(const struct piecemap *pm)
{
	return pm->nhave == pm->npieces;
}

uint32_t
piecemap_len(const struct piecemap *pm, uint32_t i)
{
	uint64_t	start = (uint64_t)i * pm->piece_size;

	if (i >= pm->npieces)
		return 0;
	if (pm->size - start < pm->piece_size)
		return (uint32_t)(pm->size - start);
	return pm->piece_size;
}

uint64_t
piecemap_prefix(const struct piecemap *pm)
{
	uint32_t	i;

	for (i = 0; i < pm->npieces && piecemap_has(pm, i); i++)
		;
	if (i == pm->npieces)
		return pm->size;
	return (uint64_t)i * pm->piece_size;
}

uint64_t
piecemap_bytes(const struct piecemap *pm)
{
	uint64_t	n;

	if (pm->npieces == 0)
		return 0;
	n = (uint64_t)pm->nhave * pm->piece_size;
	if (piecemap_has(pm, pm->npieces - 1))
		n -= pm->piece_size - piecemap_len(pm, pm->npieces - 1);
	return n;
}
