/* SPDX-License-Identifier: ISC */
/*
 * ihslab.h - fixed-size records keyed by the 20-byte info-hash they start
 * with: the embedded tracker's swarms.
 *
 * A tracker of one file per swarm holds mostly swarms of one peer, so
 * what a swarm costs beside its peer is most of what a peer costs.  A
 * record here costs its own bytes and no more: records sit side by side
 * in chunks of IHSLAB_CHUNK (no malloc header, no rounding per record),
 * and the index is an open-addressing table of 4-byte record numbers
 * (not 8-byte pointers) whose slot comes from SipHash-2-4 under a key
 * drawn once per process, so announcers cannot aim at a slot.  The table
 * is at most 3/4 full (doubling when it would be more, halving when at
 * most 1/8 full): as records are added, one costs reclen and 4 x 4/3 to
 * 8/3 bytes of table.
 *
 * Records are dense: they are numbered 0 to count - 1, and removing one
 * moves the last into its place, so a record's address stays valid only
 * until the next removal, and a walk by number that removes must look at
 * the same number again.  Removal shifts the table back (no markers), so
 * lookups never slow down with churn, and an emptied chunk is freed.
 *
 * Loop-thread only: nothing here locks.
 *
 * Return values:
 *	ihslab_init	0, -EINVAL (reclen below 20 or not a multiple of 4),
 *			-EIO (libsodium cannot start).
 *	ihslab_get	the record of key, or NULL.
 *	ihslab_add	a new record, zeroed but for its key, or NULL (no
 *			memory, or IHSLAB_MAX records already).
 *	ihslab_at	record i (below ihslab_count).
 */
#ifndef APTBTD_IHSLAB_H
#define APTBTD_IHSLAB_H

#include <stddef.h>
#include <stdint.h>

#define IHSLAB_KEY_LEN	20
/* Records a chunk holds (a power of two). */
#define IHSLAB_CHUNK	256u
#define IHSLAB_MAX	(UINT32_MAX / 2)

/* Fields are the module's own; callers use the functions. */
struct ihslab {
	uint8_t		**chunks;	/* nchunks of them, room for chunks_cap */
	size_t		  nchunks, chunks_cap;
	size_t		  reclen;
	uint32_t	  count;	/* records */
	uint32_t	 *slots;	/* record number + 1, or 0: empty */
	uint32_t	  cap;		/* slots, a power of two, or 0 */
	uint64_t	  probes;	/* slots lookups looked at, in all */
};

int	 ihslab_init(struct ihslab *, size_t reclen);
/* Free every record and the table; the slab stays usable, empty. */
void	 ihslab_free(struct ihslab *);

void	*ihslab_get(struct ihslab *, const uint8_t key[IHSLAB_KEY_LEN]);
/* key must not be there already (ihslab_get first). */
void	*ihslab_add(struct ihslab *, const uint8_t key[IHSLAB_KEY_LEN]);
/*
 * Remove rec (a record of this slab): the last record moves into its
 * place, which then holds that record, or nothing when rec was the last.
 */
void	 ihslab_remove(struct ihslab *, void *rec);

uint32_t ihslab_count(const struct ihslab *);
void	*ihslab_at(const struct ihslab *, uint32_t i);

/* Bytes allocated now: chunks, their list and the table. */
size_t	 ihslab_bytes(const struct ihslab *);
/*
 * The most bytes allocated while the next ihslab_add runs (a new chunk,
 * the old and the new table during a rebuild): a store with a hard
 * memory bound checks it before it adds a record.
 */
size_t	 ihslab_bytes_peak(const struct ihslab *);

/* Slots looked at by lookups so far: tests bound it for hostile keys. */
uint64_t ihslab_probes(const struct ihslab *);

#endif
