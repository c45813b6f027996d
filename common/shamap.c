/* SPDX-License-Identifier: ISC */
/*
 * shamap.c - a hash table keyed by a fixed-length binary hash.
 *
 * A slot is the value pointer followed by the key: NULL marks a slot never
 * used, &removed one whose entry was removed (a probe goes on past it, an
 * insert may reuse it).  Removal never moves another entry, which is what
 * lets a walk remove as it goes.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/shamap.h"

#define CAP_MIN		16
/* Used slots (entries and markers) stay at most LOAD_NUM / LOAD_DEN. */
#define LOAD_NUM	3
#define LOAD_DEN	4

static uint8_t	 hkey[crypto_shorthash_KEYBYTES];
static bool	 keyed;
static char	 removed;

static void **
slot_val(const struct shamap *m, size_t i)
{
	return (void **)(void *)(m->slots + i * m->slotlen);
}

/* The key of a slot holding an entry (not a marker). */
static uint8_t *
slot_key(const struct shamap *m, size_t i)
{
	if (m->in_value)
		return (uint8_t *)*slot_val(m, i) + m->key_off;
	return m->slots + i * m->slotlen + sizeof(void *);
}

static size_t
home(const struct shamap *m, const uint8_t *key)
{
	uint8_t		h[crypto_shorthash_BYTES];
	uint64_t	v;

	crypto_shorthash(h, key, m->keylen, hkey);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (m->cap - 1);
}

int
shamap_init(struct shamap *m, size_t keylen)
{
	memset(m, 0, sizeof(*m));
	if (keylen == 0 || keylen > SHAMAP_KEY_MAX)
		return -EINVAL;
	if (!keyed) {
		if (sodium_init() < 0)
			return -EIO;
		randombytes_buf(hkey, sizeof(hkey));
		keyed = true;
	}
	m->keylen = keylen;
	m->slotlen = (sizeof(void *) + keylen + 7) & ~(size_t)7;
	return 0;
}

int
shamap_init_in_value(struct shamap *m, size_t keylen, size_t key_off)
{
	int	rc;

	if ((rc = shamap_init(m, keylen)) != 0)
		return rc;
	m->in_value = true;
	m->key_off = key_off;
	m->slotlen = sizeof(void *);
	return 0;
}

void
shamap_free(struct shamap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = m->used = 0;
}

size_t
shamap_count(const struct shamap *m)
{
	return m->count;
}

uint64_t
shamap_probes(const struct shamap *m)
{
	return m->probes;
}

/*
 * The slot holding key, or else the slot an insert should take (the first
 * marker on the way, or the empty slot that ended the probe); *found says
 * which.  The load bound guarantees an empty slot, so the probe ends.
 */
static size_t
lookup(struct shamap *m, const uint8_t *key, bool *found)
{
	size_t	 i = home(m, key), free_at = SIZE_MAX;
	void	*v;

	for (;; i = (i + 1) & (m->cap - 1)) {
		m->probes++;
		v = *slot_val(m, i);
		if (v == NULL)
			break;
		if (v == &removed) {
			if (free_at == SIZE_MAX)
				free_at = i;
		} else if (memcmp(slot_key(m, i), key, m->keylen) == 0) {
			*found = true;
			return i;
		}
	}
	*found = false;
	return free_at != SIZE_MAX ? free_at : i;
}

void *
shamap_get(struct shamap *m, const uint8_t *key)
{
	size_t	i;
	bool	found;

	if (m->count == 0)
		return NULL;
	i = lookup(m, key, &found);
	return found ? *slot_val(m, i) : NULL;
}

/* The capacity a rebuild gives: at most half the bound, amortised growth. */
static size_t
rebuild_cap(const struct shamap *m)
{
	size_t	cap = CAP_MIN;

	while ((m->count + 1) * 2 * LOAD_DEN > cap * LOAD_NUM)
		cap *= 2;
	return cap;
}

size_t
shamap_bytes(const struct shamap *m)
{
	return m->cap * m->slotlen;
}

size_t
shamap_bytes_peak(const struct shamap *m)
{
	if ((m->used + 1) * LOAD_DEN > m->cap * LOAD_NUM)
		return (m->cap + rebuild_cap(m)) * m->slotlen;
	return m->cap * m->slotlen;
}

/* Rebuild with room for one more entry than now, markers dropped. */
static int
rebuild(struct shamap *m)
{
	struct shamap	 n = *m;
	size_t		 i, cap = rebuild_cap(m), at;
	bool		 found;
	void		*v;

	if ((n.slots = calloc(cap, m->slotlen)) == NULL)
		return -ENOMEM;
	n.cap = cap;
	n.count = n.used = 0;
	for (i = 0; i < m->cap; i++) {
		v = *slot_val(m, i);
		if (v == NULL || v == &removed)
			continue;
		at = lookup(&n, slot_key(m, i), &found);
		*slot_val(&n, at) = v;
		if (!m->in_value)
			memcpy(slot_key(&n, at), slot_key(m, i), m->keylen);
		n.count++;
		n.used++;
	}
	n.probes = m->probes;
	free(m->slots);
	*m = n;
	return 0;
}

int
shamap_put(struct shamap *m, const uint8_t *key, void *val)
{
	size_t	i = 0;
	bool	found;
	int	rc;

	if (val == NULL)
		return -EINVAL;
	if (m->cap > 0) {
		i = lookup(m, key, &found);
		if (found) {
			*slot_val(m, i) = val;
			return 0;
		}
	}
	if ((m->used + 1) * LOAD_DEN > m->cap * LOAD_NUM) {
		if ((rc = rebuild(m)) != 0)
			return rc;
		i = lookup(m, key, &found);
	}
	if (*slot_val(m, i) == NULL)
		m->used++;
	*slot_val(m, i) = val;
	if (!m->in_value)
		memcpy(slot_key(m, i), key, m->keylen);
	m->count++;
	return 0;
}

void *
shamap_remove(struct shamap *m, const uint8_t *key)
{
	size_t	 i;
	bool	 found;
	void	*v;

	if (m->count == 0)
		return NULL;
	i = lookup(m, key, &found);
	if (!found)
		return NULL;
	v = *slot_val(m, i);
	*slot_val(m, i) = &removed;
	m->count--;
	return v;
}

bool
shamap_next(const struct shamap *m, size_t *pos, const uint8_t **key,
    void **val)
{
	void	*v;

	for (; *pos < m->cap; (*pos)++) {
		v = *slot_val(m, *pos);
		if (v != NULL && v != &removed) {
			*key = slot_key(m, *pos);
			*val = v;
			(*pos)++;
			return true;
		}
	}
	return false;
}
