/* SPDX-License-Identifier: ISC */
/*
 * blockmatch.c - the rolling match of a file's blocks over local data.
 *
 * The table is chained through an array of block indices: a bucket per
 * weak sum's low bits, at least two buckets per block so most windows
 * miss without touching a chain.  A window past the candidate's end is
 * filled from a zero-padded copy of the tail, so the roll itself never
 * branches on the end.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockmatch.h"

#define NIL	UINT32_MAX

struct blockmatch {
	const struct blocks	*b;
	uint32_t		 mask;
	uint32_t		*head;		/* mask + 1 buckets */
	uint32_t		*next;		/* b->n links */
};

static uint32_t
bucket(uint32_t weak, uint32_t mask)
{
	/* Mix both halves: a is small for text, b carries the order. */
	return (weak ^ (weak >> 16) * 0x9e37u) & mask;
}

struct blockmatch *
blockmatch_new(const struct blocks *b)
{
	struct blockmatch	*m;
	size_t			 nb = 256, i;

	while (nb < 2 * b->n && nb < (1u << 24))
		nb *= 2;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->b = b;
	m->mask = (uint32_t)nb - 1;
	m->head = malloc(nb * sizeof(*m->head));
	m->next = malloc((b->n + 1) * sizeof(*m->next));
	if (m->head == NULL || m->next == NULL) {
		blockmatch_free(m);
		return NULL;
	}
	memset(m->head, 0xff, nb * sizeof(*m->head));
	/* Backwards, so each chain lists its blocks in file order. */
	for (i = b->n; i-- > 0;) {
		uint32_t	h = bucket(blocks_weak(b, i), m->mask);

		m->next[i] = m->head[h];
		m->head[h] = (uint32_t)i;
	}
	return m;
}

void
blockmatch_free(struct blockmatch *m)
{
	if (m == NULL)
		return;
	free(m->head);
	free(m->next);
	free(m);
}

/* The window at p: in cand, or in the padded copy of its tail. */
static const uint8_t *
window(const uint8_t *cand, size_t clen, size_t p, uint32_t block,
    uint8_t *tail)
{
	if (p + block <= clen)
		return cand + p;
	memset(tail, 0, block);
	memcpy(tail, cand + p, clen - p);
	return tail;
}

/*
 * Confirm the window at p against every block of its weak sum still
 * wanted; true when at least one matched (found gets how many).
 */
static bool
confirm(struct blockmatch *m, uint32_t weak, const uint8_t *w, size_t p,
    uint64_t *off, size_t *found, struct blockmatch_stats *st)
{
	const struct blocks	*b = m->b;
	uint8_t			 strong[BLOCKS_STRONG_LEN];
	bool			 have_strong = false, hit = false;
	uint32_t		 i;

	for (i = m->head[bucket(weak, m->mask)]; i != NIL; i = m->next[i]) {
		if (blocks_weak(b, i) != weak)
			continue;
		st->weak_hits++;
		if (!have_strong) {
			blocks_strong_sum(w, b->block, b->block, strong);
			have_strong = true;
		}
		if (memcmp(strong, b->strong + (size_t)i * b->slen,
		    b->slen) != 0) {
			st->strong_misses++;
			continue;
		}
		hit = true;
		if (off[i] == BLOCKMATCH_NONE) {
			off[i] = p;
			(*found)++;
		}
	}
	return hit;
}

size_t
blockmatch_run(struct blockmatch *m, const uint8_t *cand, size_t clen,
    uint64_t *off, struct blockmatch_stats *stats)
{
	const uint32_t		 B = m->b->block;
	struct blockmatch_stats	 local = { 0, 0 };
	const uint8_t		*w;
	uint8_t			*tail;
	size_t			 found = 0, p = 0;
	uint32_t		 a, s, weak, cut;
	uint8_t			 out, in;
	bool			 fresh = true;

	if (stats == NULL)
		stats = &local;
	if (clen == 0 || m->b->n == 0 || (tail = malloc(B)) == NULL)
		return 0;
	a = s = 0;
	while (p < clen) {
		if (fresh) {
			w = window(cand, clen, p, B, tail);
			weak = blocks_weak_sum(w, B);
			a = weak & 0xffff;
			s = weak >> 16;
			fresh = false;
		} else
			weak = (s & 0xffff) << 16 | (a & 0xffff);
		cut = blocks_weak_cut(m->b, weak);
		if (m->head[bucket(cut, m->mask)] != NIL) {
			w = window(cand, clen, p, B, tail);
			if (confirm(m, cut, w, p, off, &found, stats)) {
				p += B;
				fresh = true;
				continue;
			}
		}
		/* Roll one byte: out leaves the window, in enters it. */
		out = cand[p];
		in = p + B < clen ? cand[p + B] : 0;
		a = a - out + in;
		s = s - B * out + a;
		p++;
	}
	free(tail);
	return found;
}

void
blockmatch_copy(const struct blocks *b, size_t i, const uint8_t *cand,
    size_t clen, uint64_t off, uint8_t *dst)
{
	uint32_t	len = blocks_len(b, i);
	size_t		have = off < clen ? clen - off : 0;

	if (have > len)
		have = len;
	memcpy(dst, cand + off, have);
	memset(dst + have, 0, len - have);
}

static int
add_range(struct blockmatch_plan *pl, size_t *cap, uint64_t off,
    uint32_t len, uint32_t piece)
{
	struct blockmatch_range	*r;

	if (pl->nranges == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((r = reallocarray(pl->ranges, *cap, sizeof(*r))) == NULL)
			return -ENOMEM;
		pl->ranges = r;
	}
	r = &pl->ranges[pl->nranges++];
	r->off = off;
	r->len = len;
	r->piece = piece;
	return 0;
}

int
blockmatch_plan(const struct blocks *b, const bool *have, uint32_t piece_size,
    uint32_t merge, struct blockmatch_plan *pl)
{
	struct blockmatch_range	*last;
	size_t			 cap = 0, i, first, end_i, nfound;
	uint64_t		 start, end, pend;
	uint32_t		 per, p;

	memset(pl, 0, sizeof(*pl));
	if (b->n == 0 || piece_size < b->block || piece_size % b->block != 0)
		return -EINVAL;
	per = piece_size / b->block;
	pl->npieces = (uint32_t)((b->length + piece_size - 1) / piece_size);
	if ((pl->piece = calloc(pl->npieces, 1)) == NULL)
		return -ENOMEM;
	for (p = 0; p < pl->npieces; p++) {
		first = (size_t)p * per;
		end_i = first + per < b->n ? first + per : b->n;
		for (nfound = 0, i = first; i < end_i; i++)
			nfound += have[i];
		if (nfound == end_i - first) {
			pl->piece[p] = BLOCKMATCH_P_WHOLE;
			continue;
		}
		if (nfound == 0) {
			pl->piece[p] = BLOCKMATCH_P_NONE;
			pl->none_bytes += (uint64_t)(end_i - first - 1) *
			    b->block + blocks_len(b, end_i - 1);
			continue;
		}
		pl->piece[p] = BLOCKMATCH_P_PART;
		pend = 0;
		for (i = first; i < end_i; i++) {
			if (have[i])
				continue;
			start = (uint64_t)i * b->block;
			end = start + blocks_len(b, i);
			last = pl->nranges > 0 ? &pl->ranges[pl->nranges - 1] :
			    NULL;
			if (last != NULL && last->piece == p &&
			    start - pend < merge) {
				pl->range_bytes += end - (last->off + last->len);
				last->len = (uint32_t)(end - last->off);
			} else {
				if (add_range(pl, &cap, start,
				    (uint32_t)(end - start), p) != 0) {
					blockmatch_plan_free(pl);
					return -ENOMEM;
				}
				pl->range_bytes += end - start;
			}
			pend = end;
		}
	}
	return 0;
}

void
blockmatch_plan_free(struct blockmatch_plan *pl)
{
	free(pl->piece);
	free(pl->ranges);
	memset(pl, 0, sizeof(*pl));
}
