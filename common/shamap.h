/* SPDX-License-Identifier: ISC */
/*
 * shamap.h - a hash table keyed by a fixed-length binary hash.
 *
 * Every table of the daemon keyed by a SHA-256 (32 bytes) or a swarm key
 * (20 bytes) is one of these: the cache index, the swarm index, the
 * torrents, the have-indexes other daemons send.  Many of those keys come
 * from peers, who could choose keys that collide if the slot were taken
 * from the key's bytes; here the slot comes from SipHash-2-4 (libsodium's
 * crypto_shorthash) under a key drawn at random once per process, so a
 * peer cannot aim at a slot, and the table grows to keep its load bound,
 * so insert, find and remove stay O(1) whatever the keys.
 *
 * Open addressing with linear probing; each slot holds a copy of the key
 * and the value, so a lookup touches the table only.  Values are void *,
 * never NULL: the cache, swarm index and torrents point at objects that
 * also sit on other lists (LRU, swarms) and outlive a lookup, and the
 * have-index needs no object at all (its value is a pointer to one of two
 * constants), so no caller pays a second allocation per entry for the
 * map's sake.
 *
 * Memory: a slot is the key plus a pointer, rounded up to 8 bytes (40
 * bytes for a SHA-256, 32 for a swarm key), or the pointer alone for
 * values that hold their own key (shamap_init_in_value).  Slots in use, removed ones
 * included, are at most 3/4 of the table, and a rebuild leaves at most
 * 3/8, so a live entry costs 1.33 to 2.67 slots: 53 to 107 bytes for a
 * SHA-256.  Removal leaves a marker; the table is rebuilt (and may shrink)
 * when an insert finds the markers and entries above the bound.
 *
 * Loop-thread only: nothing here locks.
 */
#ifndef APTBT_SHAMAP_H
#define APTBT_SHAMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHAMAP_KEY_MAX	64

/* Fields are the module's own; callers use the functions. */
struct shamap {
	uint8_t		*slots;
	size_t		 keylen, slotlen;
	size_t		 cap;		/* slots, a power of two, or 0 */
	size_t		 count;		/* entries */
	size_t		 used;		/* entries and removal markers */
	uint64_t	 probes;	/* slots lookups looked at, in all */
	bool		 in_value;	/* keys live in the values */
	size_t		 key_off;	/* where, when they do */
};

/*
 * An empty map for keys of keylen bytes (1 to SHAMAP_KEY_MAX); allocates
 * nothing until the first insert.  0, -EINVAL, or -EIO when libsodium
 * cannot start.
 */
int	 shamap_init(struct shamap *, size_t keylen);
/*
 * The same, for values that hold their own key key_off bytes in: a slot
 * is then the pointer alone (8 bytes), and a lookup reads the key from
 * the value.  A value's key must not change while it is in the map, and
 * shamap_put must be given that same key.  Same returns.
 */
int	 shamap_init_in_value(struct shamap *, size_t keylen, size_t key_off);
/*
 * Drop every entry and free the table, not the values (iterate first when
 * the map owns them); the map stays usable, empty.
 */
void	 shamap_free(struct shamap *);

/* The value under key, or NULL. */
void	*shamap_get(struct shamap *, const uint8_t *key);
/*
 * Set key's value (val non-NULL), adding the key or replacing its value.
 * 0, -EINVAL (NULL value), or -ENOMEM (the map is unchanged).  May move
 * every entry: not while iterating.
 */
int	 shamap_put(struct shamap *, const uint8_t *key, void *val);
/* Remove key; returns its value, or NULL when it was not there. */
void	*shamap_remove(struct shamap *, const uint8_t *key);
size_t	 shamap_count(const struct shamap *);

/*
 * Iterate: start with *pos = 0; each call gives the next entry (its key
 * stays valid until it is removed) and returns false at the end.  Any
 * entry, the current one included, may be removed during the walk; none
 * may be added.  The order is the table's, not the insertion order.
 */
bool	 shamap_next(const struct shamap *, size_t *pos, const uint8_t **key,
	    void **val);

/* Bytes of the table now (values not included). */
size_t	 shamap_bytes(const struct shamap *);
/*
 * The most bytes the table may hold while the next insert of a new key
 * runs (the old and the new table during a rebuild): a store with a hard
 * memory bound checks it before it adds a key.
 */
size_t	 shamap_bytes_peak(const struct shamap *);

/* Slots looked at by lookups so far: tests bound it for hostile keys. */
uint64_t shamap_probes(const struct shamap *);

#endif
