/* SPDX-License-Identifier: ISC */
/*
 * ihslab.c - fixed-size records keyed by their info-hash (see ihslab.h).
 *
 * Linear probing; a removal shifts back the entries after it that may
 * move (Knuth's algorithm R), so the table holds no markers and a probe
 * ends at the first empty slot.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/tracker/ihslab.h"

#define CAP_MIN		16
/* Records stay at most LOAD_NUM / LOAD_DEN of the slots. */
#define LOAD_NUM	3
#define LOAD_DEN	4
#define CHUNK_SHIFT	8
_Static_assert(IHSLAB_CHUNK == 1u << CHUNK_SHIFT, "IHSLAB_CHUNK is 2^8");

static uint8_t	 hkey[crypto_shorthash_KEYBYTES];
static int	 keyed;

static uint32_t
home(const struct ihslab *sl, const uint8_t *key)
{
	uint8_t		h[crypto_shorthash_BYTES];
	uint64_t	v;

	crypto_shorthash(h, key, IHSLAB_KEY_LEN, hkey);
	memcpy(&v, h, sizeof(v));
	return (uint32_t)v & (sl->cap - 1);
}

int
ihslab_init(struct ihslab *sl, size_t reclen)
{
	memset(sl, 0, sizeof(*sl));
	if (reclen < IHSLAB_KEY_LEN || reclen % 4 != 0)
		return -EINVAL;
	if (!keyed) {
		if (sodium_init() < 0)
			return -EIO;
		randombytes_buf(hkey, sizeof(hkey));
		keyed = 1;
	}
	sl->reclen = reclen;
	return 0;
}

void
ihslab_free(struct ihslab *sl)
{
	size_t	i;

	for (i = 0; i < sl->nchunks; i++)
		free(sl->chunks[i]);
	free(sl->chunks);
	free(sl->slots);
	sl->chunks = NULL;
	sl->slots = NULL;
	sl->nchunks = sl->chunks_cap = 0;
	sl->count = sl->cap = 0;
}

uint32_t
ihslab_count(const struct ihslab *sl)
{
	return sl->count;
}

uint64_t
ihslab_probes(const struct ihslab *sl)
{
	return sl->probes;
}

void *
ihslab_at(const struct ihslab *sl, uint32_t i)
{
	return sl->chunks[i >> CHUNK_SHIFT] +
	    (size_t)(i & (IHSLAB_CHUNK - 1)) * sl->reclen;
}

/*
 * The slot holding key, or else the empty slot that ended the probe (the
 * one an insert takes); *found says which.  The load bound guarantees an
 * empty slot.
 */
static uint32_t
lookup(struct ihslab *sl, const uint8_t *key, int *found)
{
	uint32_t	i = home(sl, key), v;

	for (;; i = (i + 1) & (sl->cap - 1)) {
		sl->probes++;
		if ((v = sl->slots[i]) == 0)
			break;
		if (memcmp(ihslab_at(sl, v - 1), key, IHSLAB_KEY_LEN) == 0) {
			*found = 1;
			return i;
		}
	}
	*found = 0;
	return i;
}

/* lookup() for a key looked up only: the record, not its slot. */
void *
ihslab_get(struct ihslab *sl, const uint8_t key[IHSLAB_KEY_LEN])
{
	uint32_t	 i, v;
	uint8_t		*rec;

	if (sl->count == 0)
		return NULL;
	for (i = home(sl, key);; i = (i + 1) & (sl->cap - 1)) {
		sl->probes++;
		if ((v = sl->slots[i]) == 0)
			return NULL;
		rec = ihslab_at(sl, v - 1);
		if (memcmp(rec, key, IHSLAB_KEY_LEN) == 0)
			return rec;
	}
}

/* Every record's number in a new table of cap slots. */
static int
rebuild(struct ihslab *sl, uint32_t cap)
{
	uint32_t	*old = sl->slots, oldcap = sl->cap, i, at;
	int		 found;

	if ((sl->slots = calloc(cap, sizeof(*sl->slots))) == NULL) {
		sl->slots = old;
		return -ENOMEM;
	}
	sl->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i] != 0) {
			at = lookup(sl, ihslab_at(sl, old[i] - 1), &found);
			sl->slots[at] = old[i];
		}
	free(old);
	return 0;
}

/* The table's size for one more record: the same, or twice it. */
static uint32_t
grown_cap(const struct ihslab *sl)
{
	if ((uint64_t)(sl->count + 1) * LOAD_DEN <= (uint64_t)sl->cap * LOAD_NUM)
		return sl->cap;
	return sl->cap ? sl->cap * 2 : CAP_MIN;
}

static size_t
chunk_bytes(const struct ihslab *sl)
{
	return IHSLAB_CHUNK * sl->reclen;
}

size_t
ihslab_bytes(const struct ihslab *sl)
{
	return sl->nchunks * chunk_bytes(sl) +
	    sl->chunks_cap * sizeof(*sl->chunks) +
	    (size_t)sl->cap * sizeof(*sl->slots);
}

size_t
ihslab_bytes_peak(const struct ihslab *sl)
{
	size_t	 b = ihslab_bytes(sl);
	uint32_t cap = grown_cap(sl);

	if (cap != sl->cap)
		b += (size_t)cap * sizeof(*sl->slots);
	if (sl->count == sl->nchunks * IHSLAB_CHUNK) {
		b += chunk_bytes(sl);
		if (sl->nchunks == sl->chunks_cap)
			b += (sl->chunks_cap ? sl->chunks_cap * 2 : 8) *
			    sizeof(*sl->chunks);
	}
	return b;
}

/* Room for record number count: a new chunk when the last is full. */
static int
room(struct ihslab *sl)
{
	uint8_t	**v, *c;
	size_t	  n;

	if (sl->count < sl->nchunks * IHSLAB_CHUNK)
		return 0;
	if (sl->nchunks == sl->chunks_cap) {
		n = sl->chunks_cap ? sl->chunks_cap * 2 : 8;
		if ((v = realloc(sl->chunks, n * sizeof(*v))) == NULL)
			return -ENOMEM;
		sl->chunks = v;
		sl->chunks_cap = n;
	}
	if ((c = malloc(chunk_bytes(sl))) == NULL)
		return -ENOMEM;
	sl->chunks[sl->nchunks++] = c;
	return 0;
}

void *
ihslab_add(struct ihslab *sl, const uint8_t key[IHSLAB_KEY_LEN])
{
	uint32_t	 cap = grown_cap(sl), i;
	uint8_t		*rec;
	int		 found;

	if (sl->count >= IHSLAB_MAX || room(sl) != 0)
		return NULL;
	if (cap != sl->cap && rebuild(sl, cap) != 0)
		return NULL;
	i = lookup(sl, key, &found);
	rec = ihslab_at(sl, sl->count);
	memset(rec, 0, sl->reclen);
	memcpy(rec, key, IHSLAB_KEY_LEN);
	sl->slots[i] = ++sl->count;
	return rec;
}

/* Empty slot i, shifting back the entries after it whose probe crosses it. */
static void
unslot(struct ihslab *sl, uint32_t i)
{
	uint32_t	j = i, k, mask = sl->cap - 1;

	for (;;) {
		j = (j + 1) & mask;
		if (sl->slots[j] == 0)
			break;
		k = home(sl, ihslab_at(sl, sl->slots[j] - 1));
		/* Stays when its home is cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		sl->slots[i] = sl->slots[j];
		i = j;
	}
	sl->slots[i] = 0;
}

/* The slot of a record known to be in the table. */
static uint32_t
slot_of(struct ihslab *sl, const uint8_t *key)
{
	int	found;

	return lookup(sl, key, &found);
}

void
ihslab_remove(struct ihslab *sl, void *rec)
{
	uint32_t	 at, n, last = sl->count - 1;
	uint8_t		*lastrec = ihslab_at(sl, last);

	at = slot_of(sl, rec);
	n = sl->slots[at] - 1;
	unslot(sl, at);
	if (n != last) {
		memcpy(rec, lastrec, sl->reclen);
		sl->slots[slot_of(sl, rec)] = n + 1;
	}
	sl->count = last;
	/* A chunk left empty goes once the one before is 3/4 full or less. */
	while (sl->nchunks > 0 && (sl->count == 0 ||
	    sl->count + IHSLAB_CHUNK / 4 <= (sl->nchunks - 1) * IHSLAB_CHUNK))
		free(sl->chunks[--sl->nchunks]);
	if (sl->count == 0) {
		ihslab_free(sl);
		return;
	}
	if (sl->cap > CAP_MIN && (uint64_t)sl->count * 8 <= sl->cap)
		(void)rebuild(sl, sl->cap / 2);
}
