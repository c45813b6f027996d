/* SPDX-License-Identifier: ISC */
/*
 * ownindex.c - our have-index, sent to each daemon as its output drains.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/peerext.h"
#include "daemon/base/cache.h"
#include "daemon/share/ownindex.h"
#include "daemon/share/peer.h"

/* The hashes we advertise, sorted, as of generation gen. */
static struct {
	uint8_t		*h;
	size_t		 n;
	uint64_t	 gen;
	bool		 valid;
} snap;
static uint64_t		 gen;		/* bumped by every cache change */
static unsigned		 nactive;	/* cursors under way */

void
ownindex_changed(void)
{
	gen++;
}

static bool
snap_each(const struct cache_entry *e, void *arg)
{
	struct bytebuf	*b = arg;

	/* A private file is never announced. */
	if (!e->private)
		bytebuf_append(b, e->sha256, SHA256_LEN);
	return b->len / SHA256_LEN < PEXT_INDEX_ADVERTISED;
}

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SHA256_LEN);
}

static void
snap_free(void)
{
	free(snap.h);
	snap.h = NULL;
	snap.n = 0;
	snap.valid = false;
}

/* The snapshot of the current generation; false on ENOMEM. */
static bool
snap_get(void)
{
	struct bytebuf	b = BYTEBUF_INIT;

	if (snap.valid && snap.gen == gen)
		return true;
	snap_free();
	cache_foreach(snap_each, &b);
	if (bytebuf_failed(&b)) {
		bytebuf_free(&b);
		return false;
	}
	snap.n = b.len / SHA256_LEN;
	snap.h = b.data;	/* the bytebuf's buffer is ours now */
	if (snap.n > 1)
		qsort(snap.h, snap.n, SHA256_LEN, hash_cmp);
	snap.gen = gen;
	snap.valid = true;
	return true;
}

/* Index of the first hash after last (snap.n if none). */
static size_t
snap_after(const uint8_t *last)
{
	size_t	lo = 0, hi = snap.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(snap.h + mid * SHA256_LEN, last, SHA256_LEN) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
ownindex_start(struct peer *p, struct ownindex_cursor *c)
{
	if (!c->active)
		nactive++;
	c->active = true;
	c->started = false;
	(void)ownindex_more(p, c);
}

void
ownindex_stop(struct ownindex_cursor *c)
{
	if (!c->active)
		return;
	c->active = false;
	/* Nobody under way: the snapshot is not worth its memory. */
	if (--nactive == 0)
		snap_free();
}

bool
ownindex_more(struct peer *p, struct ownindex_cursor *c)
{
	size_t	off, chunk;
	bool	done = false;

	if (!c->active)
		return false;
	while (!done && peer_ready(p) && peer_output_len(p) < OWNINDEX_LOW) {
		if (!snap_get())
			break;	/* out of memory: try again on the next drain */
		off = c->started ? snap_after(c->last) : 0;
		chunk = snap.n - off > OWNINDEX_BATCH ? OWNINDEX_BATCH :
		    snap.n - off;
		/* An empty index still goes once: it clears the peer's. */
		if (chunk > 0 || !c->started) {
			peer_send_index(p, chunk > 0 ?
			    snap.h + off * SHA256_LEN : NULL, chunk,
			    NULL, 0, NULL, 0, !c->started);
			c->started = true;
		}
		if (chunk > 0)
			memcpy(c->last, snap.h + (off + chunk - 1) * SHA256_LEN,
			    SHA256_LEN);
		done = off + chunk == snap.n;
	}
	if (done || !peer_ready(p)) {
		ownindex_stop(c);
		return false;
	}
	return true;
}

void
ownindex_shutdown(void)
{
	snap_free();
	nactive = 0;
}
