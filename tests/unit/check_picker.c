/* SPDX-License-Identifier: ISC */
/*
 * check_picker.c - unit tests for daemon/engine/picker.c: mirrors and
 * peers on one file, stalls, hint failures, a dying mirror, end game, the
 * site's fetcher going first (and holding while it delivers), near
 * peers before far ones, the daemons' shares of the mirror's work and
 * of what crosses the router, aria2 splits, completion, pieces in part
 * in the file already.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/layout.h"
#include "daemon/engine/picker.h"

#define PS	(256u * 1024)		/* pieces of files to 256 MiB */
#define BPP	(PS / LAYOUT_BLOCK)	/* blocks per piece */
#define T0	1000000ull
#define MAXEV	4096
#define MAXP	64

/* Events as the caller sees them, and who is asked for each block. */
struct world {
	struct picker_ev	 ev[MAXEV];
	size_t			 nev;
	int			 asked[MAXP][BPP][2];	/* -1: nobody */
};

static struct world	w;

static void
record(void *arg, const struct picker_ev *ev)
{
	uint32_t	b;
	int		k;

	ck_assert_ptr_eq(arg, &w);
	ck_assert_uint_lt(w.nev, MAXEV);
	w.ev[w.nev++] = *ev;
	if (ev->type != PICKER_EV_CANCEL)
		return;
	b = ev->begin / LAYOUT_BLOCK;
	for (k = 0; k < 2; k++)
		if (w.asked[ev->piece][b][k] == ev->src) {
			w.asked[ev->piece][b][k] = -1;
			return;
		}
	ck_abort_msg("cancel of a block %d was not asked for", ev->src);
}

static struct picker *
mk(uint64_t size, unsigned flags)
{
	struct picker	*pk;

	memset(&w, 0, sizeof(w));
	memset(w.asked, 0xff, sizeof(w.asked));
	pk = picker_new(size, flags, record, &w);
	ck_assert_ptr_nonnull(pk);
	ck_assert_uint_eq(picker_map(pk)->piece_size, PS);
	return pk;
}

static int
peer(struct picker *pk, uint32_t first, uint32_t end, unsigned flags,
    uint64_t now)
{
	int		id = picker_source_add(pk, PICKER_PEER, flags, now);
	uint32_t	p;

	ck_assert_int_ge(id, 0);
	for (p = first; p < end; p++)
		ck_assert_int_eq(picker_have(pk, id, p, now), 1);
	return id;
}

static int
mirror(struct picker *pk)
{
	int	id = picker_source_add(pk, PICKER_MIRROR, 0, T0);

	ck_assert_int_ge(id, 0);
	return id;
}

/* A mirror that took the whole file, its transfer at pos. */
static int
mirror_at(struct picker *pk, uint64_t pos, uint64_t now)
{
	struct picker_range	r;
	int			m = mirror(pk);

	ck_assert_int_eq(picker_next_range(pk, m, now, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, picker_map(pk)->size);
	ck_assert_int_eq(picker_range_progress(pk, m, pos, now), 0);
	return m;
}

/* Ask src for blocks; note who was asked for what. */
static size_t
blocks(struct picker *pk, int src, size_t max, uint64_t now)
{
	struct picker_block	*out = calloc(max + 1, sizeof(*out));
	ssize_t			 n;
	size_t			 i;
	int			 k;

	n = picker_next_blocks(pk, src, now, out, max, UINT64_MAX, NULL);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < (size_t)n; i++) {
		ck_assert_uint_eq(out[i].begin % LAYOUT_BLOCK, 0);
		k = w.asked[out[i].piece][out[i].begin / LAYOUT_BLOCK][0] ==
		    -1 ? 0 : 1;
		ck_assert_int_eq(w.asked[out[i].piece][out[i].begin /
		    LAYOUT_BLOCK][k], -1);
		w.asked[out[i].piece][out[i].begin / LAYOUT_BLOCK][k] = src;
	}
	free(out);
	return (size_t)n;
}

static size_t
asked_of(uint32_t p, int src)
{
	size_t		n = 0;
	uint32_t	b;

	for (b = 0; b < BPP; b++)
		n += (w.asked[p][b][0] == src) + (w.asked[p][b][1] == src);
	return n;
}

/* src delivers what it was asked for of piece p; the last result. */
static int
deliver(struct picker *pk, int src, uint32_t p, uint64_t now)
{
	uint32_t	b;
	int		rc = -1, k;

	for (b = 0; b < BPP; b++)
		for (k = 0; k < 2; k++)
			if (w.asked[p][b][k] == src) {
				w.asked[p][b][k] = -1;
				rc = picker_block_done(pk, src, p,
				    b * LAYOUT_BLOCK, now);
				ck_assert_int_ge(rc, 0);
				break;
			}
	return rc;
}

static size_t
count_ev(enum picker_ev_type type, int src)
{
	size_t	i, n = 0;

	for (i = 0; i < w.nev; i++)
		if (w.ev[i].type == type && (src < 0 || w.ev[i].src == src))
			n++;
	return n;
}

/* Outside end game no block is asked of two sources, nor of a mirror. */
static void
assert_single(const struct picker *pk)
{
	uint32_t	p, b;

	for (p = 0; p < picker_map(pk)->npieces; p++)
		for (b = 0; b < BPP; b++) {
			ck_assert_int_eq(w.asked[p][b][1], -1);
			if (w.asked[p][b][0] != -1)
				ck_assert_int_eq(picker_state(pk, p),
				    PICKER_REQUESTED);
		}
}

START_TEST(test_mirror_and_peers)
{
	struct picker		*pk = mk(16 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk);
	int			 a = peer(pk, 0, 8, 0, T0);
	int			 b = peer(pk, 4, 12, 0, T0);
	int			 c = peer(pk, 6, 10, 0, T0);
	uint32_t		 p;

	/* The mirror fills what no peer has, at once. */
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 1);
	ck_assert_uint_eq(r.start, 12 * PS);
	ck_assert_uint_eq(r.end, 16 * PS);
	/* A second mirror finds nothing it may take: peers have the rest. */
	ck_assert_int_eq(picker_next_range(pk, mirror(pk), T0, &r), 0);

	/* Rarest first, earliest on ties. */
	ck_assert_uint_eq(blocks(pk, a, BPP, T0), BPP);
	ck_assert_uint_eq(asked_of(0, a), BPP);
	ck_assert_uint_eq(blocks(pk, b, BPP, T0), BPP);
	ck_assert_uint_eq(asked_of(10, b), BPP);
	ck_assert_uint_eq(blocks(pk, c, BPP, T0), BPP);
	ck_assert_uint_eq(asked_of(8, c), BPP);
	/* The rest, each piece asked of one peer only. */
	ck_assert_uint_eq(blocks(pk, a, 1000, T0), 7 * BPP);
	ck_assert_uint_eq(blocks(pk, b, 1000, T0), 2 * BPP);
	ck_assert_uint_eq(asked_of(11, b), BPP);
	ck_assert_uint_eq(asked_of(9, b), BPP);
	/* Nothing new for c, and too early for end game. */
	ck_assert_uint_eq(blocks(pk, c, 1000, T0), 0);
	assert_single(pk);
	for (p = 0; p < 12; p++)
		ck_assert_int_eq(picker_state(pk, p), PICKER_REQUESTED);
	for (p = 12; p < 16; p++)
		ck_assert_int_eq(picker_state(pk, p), PICKER_IN_RANGE);
	ck_assert_uint_eq(w.nev, 0);
	ck_assert(!picker_idle(pk));
	picker_free(pk);
}
END_TEST

/*
 * Pieces in part in the file: a peer is asked only for the blocks that
 * lack a byte, a mirror learns the missing extents; a failure forgets
 * what was local.
 */
START_TEST(test_partial)
{
	struct picker			*pk = mk(4 * PS, PICKER_CHECKABLE);
	const struct picker_extent	*got;
	/* Bytes 100-199 of block 0 and the first byte of block 5. */
	struct picker_extent		 miss[2] = { { 100, 100 },
					    { 5 * LAYOUT_BLOCK, 1 } };
	struct picker_extent		 bad[2] = { { 100, 100 },
					    { 150, 10 } };
	struct picker_range		 r;
	int				 a = peer(pk, 0, 4, 0, T0), m, who[4];
	uint32_t			 b;

	ck_assert_int_eq(picker_piece_partial(pk, 0, bad, 2), -EINVAL);
	ck_assert_int_eq(picker_piece_partial(pk, 0, miss, 0), -EINVAL);
	ck_assert_int_eq(picker_piece_partial(pk, 0, miss, 2), 0);
	ck_assert_int_eq(picker_piece_partial(pk, 1, miss, 1), 0);
	ck_assert_uint_eq(picker_piece_missing(pk, 0, &got), 2);
	ck_assert_uint_eq(got[1].begin, 5 * LAYOUT_BLOCK);
	ck_assert_uint_eq(picker_piece_missing(pk, 2, &got), 0);
	ck_assert(!picker_block_local(pk, 0, 0));
	ck_assert(picker_block_local(pk, 0, LAYOUT_BLOCK));
	ck_assert(!picker_block_local(pk, 0, 5 * LAYOUT_BLOCK));

	/* The peer: two blocks of piece 0, then one of piece 1. */
	ck_assert_uint_eq(blocks(pk, a, 2, T0), 2);
	ck_assert_uint_eq(asked_of(0, a), 2);
	ck_assert_int_eq(w.asked[0][0][0], a);
	ck_assert_int_eq(w.asked[0][5][0], a);
	ck_assert_uint_eq(blocks(pk, a, 1, T0), 1);
	ck_assert_uint_eq(asked_of(1, a), 1);
	/* Two blocks make piece 0 whole. */
	ck_assert_int_eq(deliver(pk, a, 0, T0 + 10), 2);
	ck_assert_int_eq(picker_state(pk, 0), PICKER_WHOLE);
	/* It fails: nobody local is blamed twice, the whole piece is missing. */
	ck_assert_int_eq(picker_piece_failed(pk, 0, who, 4), 1);
	ck_assert_uint_eq(picker_piece_missing(pk, 0, &got), 0);
	/* Piece 1 from the peer: one block and it is whole; stored. */
	ck_assert_int_eq(deliver(pk, a, 1, T0 + 20), 2);
	ck_assert_int_ge(picker_piece_stored(pk, 1, true), 0);
	ck_assert_uint_eq(picker_piece_missing(pk, 1, &got), 0);

	/* A mirror takes 2 (in part) and 3; 0 is disputed: whole only. */
	picker_source_gone(pk, a);
	m = mirror(pk);
	ck_assert_int_eq(picker_piece_partial(pk, 2, miss, 1), 0);
	ck_assert_int_eq(picker_piece_partial(pk, 0, miss, 1), -EBUSY);
	ck_assert_int_eq(picker_next_range(pk, m, T0 + 30, &r), 1);
	ck_assert_uint_eq(r.start, 2 * PS);
	ck_assert_uint_eq(r.end, 4 * PS);
	ck_assert_int_eq(picker_piece_partial(pk, 3, miss, 1), -EBUSY);
	ck_assert_uint_eq(picker_piece_missing(pk, 2, &got), 1);
	/* Its check failed: all of it is missing now. */
	picker_piece_forget_local(pk, 2);
	ck_assert_uint_eq(picker_piece_missing(pk, 2, &got), 0);
	for (b = 0; b < BPP; b++)
		ck_assert(!picker_block_local(pk, 2, b * LAYOUT_BLOCK));
	picker_free(pk);
}
END_TEST

START_TEST(test_stalled_peer)
{
	struct picker		*pk = mk(8 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk), m2;
	int			 a = peer(pk, 0, 8, 0, T0);
	int			 b = peer(pk, 0, 4, 0, T0);
	int			 c = peer(pk, 4, 6, 0, T0);
	uint64_t		 next;

	/* Every piece is with a live peer: the mirrors wait. */
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 0);
	ck_assert_uint_eq(blocks(pk, a, 2 * BPP, T0), 2 * BPP);
	ck_assert_uint_eq(asked_of(6, a), BPP);
	ck_assert_uint_eq(blocks(pk, c, 2 * BPP, T0), 2 * BPP);
	ck_assert_uint_eq(blocks(pk, b, 4 * BPP, T0), 4 * BPP);	/* 0-3 */
	assert_single(pk);
	/* b delivers, c a little, a nothing at all. */
	ck_assert_int_eq(deliver(pk, b, 0, T0 + 1000), 2);
	ck_assert_int_eq(picker_block_done(pk, c, 4, 0, T0 + 1000), 1);
	w.asked[4][0][0] = -1;
	next = picker_tick(pk, T0 + 1000);
	ck_assert_uint_eq(next, T0 + PICKER_PEER_STALL_MS);

	/* At the deadline a's requests are withdrawn ... */
	next = picker_tick(pk, T0 + PICKER_PEER_STALL_MS);
	ck_assert_uint_eq(count_ev(PICKER_EV_CANCEL, a), 2 * BPP);
	ck_assert_uint_eq(count_ev(PICKER_EV_DROP, -1), 2);
	ck_assert_int_eq(picker_state(pk, 6), PICKER_MISSING);
	ck_assert_uint_eq(next, T0 + 1000 + PICKER_PEER_STALL_MS);
	/* ... and what no live peer has goes to the mirror. */
	ck_assert_int_eq(picker_next_range(pk, m, T0 + 1500, &r), 1);
	ck_assert_uint_eq(r.start, 6 * PS);
	ck_assert_uint_eq(r.end, 8 * PS);

	/*
	 * b and c stall too: with a stalled, no live peer has 1-5, so a
	 * mirror takes them, and the block c sent of piece 4 is void.
	 */
	picker_tick(pk, T0 + 1000 + PICKER_PEER_STALL_MS);
	ck_assert_uint_eq(asked_of(1, b) + asked_of(2, b) + asked_of(3, b),
	    0);
	ck_assert_int_eq(picker_state(pk, 4), PICKER_REQUESTED);
	m2 = mirror(pk);
	ck_assert_int_eq(picker_next_range(pk, m2, T0 + 2500, &r), 1);
	ck_assert_uint_eq(r.start, 1 * PS);
	ck_assert_uint_eq(r.end, 6 * PS);
	ck_assert_uint_eq(w.ev[w.nev - 1].type, PICKER_EV_DROP);
	ck_assert_uint_eq(w.ev[w.nev - 1].piece, 4);
	/* A stalled peer does not take pieces off a mirror. */
	ck_assert_uint_eq(blocks(pk, c, 100, T0 + 2500), 0);
	picker_free(pk);
}
END_TEST

START_TEST(test_stalled_to_peer)
{
	struct picker	*pk = mk(4 * PS, PICKER_CHECKABLE);
	int		 a = peer(pk, 0, 4, 0, T0);
	int		 b;

	ck_assert_uint_eq(blocks(pk, a, BPP, T0), BPP);
	ck_assert_uint_eq(asked_of(0, a), BPP);
	ck_assert_int_eq(picker_block_done(pk, a, 0, 0, T0 + 10), 1);
	w.asked[0][0][0] = -1;
	b = peer(pk, 0, 4, 0, T0 + 100);
	ck_assert_uint_eq(blocks(pk, b, 3 * BPP, T0 + 100), 3 * BPP);
	picker_tick(pk, T0 + 10 + PICKER_PEER_STALL_MS);
	/* a's blocks of piece 0 are free again ... */
	ck_assert_uint_eq(count_ev(PICKER_EV_CANCEL, a), BPP - 1);
	ck_assert_int_eq(picker_state(pk, 0), PICKER_REQUESTED);
	/* ... but for one block at a time, which a stalled peer may have. */
	ck_assert_uint_eq(blocks(pk, a, 100, T0 + 1510), 1);
	ck_assert_uint_eq(blocks(pk, a, 100, T0 + 1510), 0);
	/* b takes the rest of the piece. */
	ck_assert_uint_eq(blocks(pk, b, BPP, T0 + 1600), BPP - 2);
	ck_assert_uint_eq(asked_of(0, b), BPP - 2);
	ck_assert_int_eq(deliver(pk, b, 0, T0 + 1700), 1);
	/* A late block from a that b sent is not wanted any more. */
	ck_assert_int_eq(picker_block_done(pk, a, 0, 2 * LAYOUT_BLOCK,
	    T0 + 1800), 0);
	ck_assert_int_eq(deliver(pk, a, 0, T0 + 1900), 2);
	ck_assert_int_eq(picker_state(pk, 0), PICKER_WHOLE);
	picker_free(pk);
}
END_TEST

START_TEST(test_choked)
{
	struct picker		*pk = mk(4 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk);
	int			 a = peer(pk, 0, 4, 0, T0);
	int			 b = peer(pk, 0, 4, PICKER_SRC_CHOKED, T0);

	/* a may send every piece: the mirror waits for it. */
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 0);
	ck_assert_uint_eq(picker_tick(pk, T0), T0 + PICKER_PEER_STALL_MS);
	/* A peer that chokes us keeps nothing from the mirror. */
	ck_assert_int_eq(picker_source_flags(pk, a, PICKER_SRC_CHOKED, T0),
	    0);
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, 4 * PS);
	/* Unchoked, it takes the range's tail over. */
	ck_assert_int_eq(picker_source_flags(pk, b, 0, T0), 0);
	ck_assert_uint_eq(blocks(pk, b, 100, T0), 2 * BPP);
	ck_assert(picker_range(pk, m, &r));
	ck_assert_uint_eq(r.end, 2 * PS);
	picker_free(pk);
}
END_TEST

START_TEST(test_hint_failure)
{
	struct picker		*pk = mk(4 * PS, 0);
	struct picker_range	 r;
	struct picker_block	 out[8];
	int			 m = mirror(pk);
	int			 a = peer(pk, 0, 4, 0, T0);
	int			 who[4];
	bool			 hints;

	picker_hold(pk, T0, PICKER_PEER_STALL_MS);
	/* No hash to check against yet: ask for hints, not blocks. */
	ck_assert_int_eq(picker_next_blocks(pk, a, T0, out, 8, UINT64_MAX,
	    &hints), 0);
	ck_assert(hints);
	picker_checkable(pk, PICKER_ALL);
	ck_assert_uint_eq(blocks(pk, a, 4 * BPP, T0), 4 * BPP);
	ck_assert_int_eq(deliver(pk, a, 1, T0 + 100), 2);
	ck_assert_int_eq(picker_piece_failed(pk, 2, who, 4), -EINVAL);

	/* Piece 1 fails its hint: a sent it; mirrors only from now on. */
	ck_assert_int_eq(picker_piece_failed(pk, 1, who, 4), 1);
	ck_assert_int_eq(who[0], a);
	ck_assert_int_eq(picker_state(pk, 1), PICKER_MISSING);
	ck_assert_uint_eq(blocks(pk, a, 100, T0 + 200), 0);
	/* The hold for peers does not keep it from the mirror. */
	ck_assert_int_eq(picker_next_range(pk, m, T0 + 200, &r), 1);
	ck_assert_uint_eq(r.start, PS);
	ck_assert_uint_eq(r.end, 2 * PS);
	ck_assert_int_eq(picker_range_progress(pk, m, 2 * PS, T0 + 300), 0);
	/* Its copy settles the dispute. */
	ck_assert_int_eq(picker_piece_stored(pk, 1, false),
	    PICKER_STORED_DISPUTE);
	ck_assert_int_eq(picker_range_done(pk, m), 0);
	ck_assert_int_eq(picker_state(pk, 1), PICKER_STORED);
	picker_free(pk);
}
END_TEST

START_TEST(test_mirror_dies)
{
	struct picker		*pk = mk(32 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m1 = mirror(pk), m2 = mirror(pk), m3, p;
	uint32_t		 i;

	/* Two idle mirrors share the file. */
	ck_assert_int_eq(picker_next_range(pk, m1, T0, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, 16 * PS);
	ck_assert_int_eq(picker_next_range(pk, m2, T0, &r), 1);
	ck_assert_uint_eq(r.start, 16 * PS);
	ck_assert_uint_eq(r.end, 32 * PS);
	ck_assert_int_eq(picker_next_range(pk, m2, T0, &r), -EBUSY);
	ck_assert_int_eq(picker_range_progress(pk, m1, 4 * PS + 100, T0 + 1),
	    0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(picker_piece_stored(pk, i, false), 0);

	/* m1 fails: what it did not store is free for others. */
	picker_source_gone(pk, m1);
	ck_assert_int_eq(picker_state(pk, 4), PICKER_MISSING);
	ck_assert_int_eq(picker_state(pk, 15), PICKER_MISSING);
	ck_assert_int_eq(picker_state(pk, 16), PICKER_IN_RANGE);
	p = peer(pk, 4, 8, 0, T0 + 2);
	ck_assert_uint_eq(blocks(pk, p, 100 * BPP, T0 + 2), 4 * BPP);
	m3 = mirror(pk);
	ck_assert_int_eq(picker_next_range(pk, m3, T0 + 2, &r), 1);
	ck_assert_uint_eq(r.start, 8 * PS);
	ck_assert_uint_eq(r.end, 16 * PS);
	assert_single(pk);
	picker_free(pk);
}
END_TEST

START_TEST(test_endgame)
{
	struct picker	*pk = mk(2 * PS, PICKER_CHECKABLE);
	int		 a = peer(pk, 0, 2, 0, T0);
	int		 b = peer(pk, 0, 2, 0, T0);

	ck_assert_uint_eq(blocks(pk, a, 100, T0), 2 * BPP);
	/* Nothing new for b; a's blocks are not a straggler's yet. */
	ck_assert_uint_eq(blocks(pk, b, 100, T0 + 500), 0);
	ck_assert_int_eq(picker_block_done(pk, a, 0, 0, T0 + 600), 1);
	w.asked[0][0][0] = -1;
	/* a delivers: its queue is long, not stuck; no copies yet. */
	ck_assert_uint_eq(blocks(pk, b, 100, T0 + PICKER_ENDGAME_MS), 0);
	/* End game once a sent nothing for as long: the rest is asked of b. */
	ck_assert_uint_eq(blocks(pk, b, 100, T0 + 600 + PICKER_ENDGAME_MS),
	    2 * BPP - 1);
	ck_assert_int_eq(w.asked[1][0][1], b);
	/* Whoever sends a block first, the other's request is cancelled. */
	ck_assert_int_eq(picker_block_done(pk, b, 1, 0, T0 + 1700), 1);
	ck_assert_uint_eq(count_ev(PICKER_EV_CANCEL, a), 1);
	ck_assert_uint_eq(w.ev[0].piece, 1);
	ck_assert_uint_eq(w.ev[0].begin, 0);
	ck_assert_uint_eq(w.ev[0].len, LAYOUT_BLOCK);
	w.asked[1][0][1] = -1;
	ck_assert_int_eq(deliver(pk, a, 1, T0 + 1800), 2);
	ck_assert_uint_eq(count_ev(PICKER_EV_CANCEL, b), BPP - 1);
	ck_assert_int_eq(deliver(pk, b, 0, T0 + 1900), 2);
	ck_assert_uint_eq(count_ev(PICKER_EV_CANCEL, a), BPP);
	ck_assert(picker_idle(pk));
	ck_assert_int_eq(picker_piece_stored(pk, 0, true), 0);
	ck_assert_int_eq(picker_piece_stored(pk, 1, true),
	    PICKER_STORED_COMPLETE);
	picker_free(pk);
}
END_TEST

START_TEST(test_rendezvous_fetcher)
{
	struct picker		*pk = mk(8 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk);
	int			 f = peer(pk, 0, 0, PICKER_SRC_FETCHER, T0);
	uint64_t		 t;

	/* The fetcher goes first: the mirror waits, for the grace. */
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 0);
	ck_assert_uint_eq(picker_tick(pk, T0), T0 + PICKER_FETCHER_GRACE_MS);
	/* It sends a piece: the wait grows to a fetcher's. */
	ck_assert_int_eq(picker_have(pk, f, 0, T0 + 1000), 1);
	ck_assert_uint_eq(blocks(pk, f, 100, T0 + 1000), BPP);
	ck_assert_int_eq(deliver(pk, f, 0, T0 + 2000), 2);
	ck_assert_int_eq(picker_piece_stored(pk, 0, true), 0);
	ck_assert_uint_eq(picker_tick(pk, T0 + 2000),
	    T0 + 2000 + PICKER_FETCHER_STALL_MS);
	/* Its news is progress now: the mirror waits on. */
	ck_assert_int_eq(picker_have(pk, f, 1, T0 + 12000), 1);
	ck_assert_uint_eq(blocks(pk, f, 100, T0 + 12000), BPP);
	ck_assert_int_eq(deliver(pk, f, 1, T0 + 12500), 2);
	ck_assert_int_eq(picker_piece_stored(pk, 1, true), 0);
	t = T0 + 12500 + PICKER_FETCHER_STALL_MS;
	ck_assert_int_eq(picker_next_range(pk, m, t - 1, &r), 0);
	ck_assert_uint_eq(picker_tick(pk, t - 1), t);
	/* It stalled: the mirror starts on what it has not delivered. */
	ck_assert_int_eq(picker_next_range(pk, m, t, &r), 1);
	ck_assert_uint_eq(r.start, 2 * PS);
	ck_assert_uint_eq(r.end, 8 * PS);
	picker_free(pk);

	/* A fetcher that leaves holds the mirror no longer than any peer. */
	pk = mk(8 * PS, PICKER_CHECKABLE);
	m = mirror(pk);
	f = peer(pk, 0, 0, PICKER_SRC_FETCHER, T0);
	picker_source_gone(pk, f);
	ck_assert_int_eq(picker_next_range(pk, m, T0 + 1000, &r), 0);
	ck_assert_int_eq(picker_next_range(pk, m, T0 + PICKER_PEER_STALL_MS,
	    &r), 1);
	ck_assert_uint_eq(r.end, 8 * PS);
	picker_free(pk);
}
END_TEST

/*
 * A claim to be fetching is free to make: it holds the mirrors once per
 * file, for the grace, and haves without a block sent extend it by one
 * stall at most.
 */
START_TEST(test_fetcher_claim_once)
{
	struct picker		*pk = mk(8 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk);
	int			 f = peer(pk, 0, 0, PICKER_SRC_FETCHER, T0), g;
	uint64_t		 t;

	for (t = T0 + 750; t < T0 + PICKER_FETCHER_GRACE_MS +
	    PICKER_PEER_STALL_MS; t += 750)
		ck_assert_int_eq(picker_have(pk, f, (uint32_t)(t - T0) / 750,
		    t), 1);
	/* Its haves buy time to send a block, once, and so much only. */
	ck_assert_int_eq(picker_next_range(pk, m, T0 + PICKER_FETCHER_GRACE_MS
	    + PICKER_PEER_STALL_MS - 1, &r), 0);
	/* Another claim, by it or anyone, gets no second hold. */
	t = T0 + PICKER_FETCHER_GRACE_MS + PICKER_PEER_STALL_MS;
	ck_assert(!picker_preempt(pk, t));
	g = peer(pk, 0, 0, PICKER_SRC_FETCHER, t);
	ck_assert_int_ge(g, 0);
	ck_assert_int_eq(picker_source_flags(pk, f, 0, t), 0);
	ck_assert_int_eq(picker_source_flags(pk, f, PICKER_SRC_FETCHER, t), 0);
	ck_assert_int_eq(picker_next_range(pk, m, t, &r), 1);
	picker_free(pk);

	/* The first claim is granted, once. */
	pk = mk(8 * PS, PICKER_CHECKABLE);
	ck_assert(picker_preempt(pk, T0));
	ck_assert(!picker_preempt(pk, T0 + 1));
	ck_assert_uint_eq(picker_tick(pk, T0 + 1), T0 +
	    PICKER_FETCHER_GRACE_MS);
	picker_free(pk);
}
END_TEST

/*
 * A fetcher slowed by a shared link keeps the mirrors off while its
 * blocks come, past the grace and whole pieces; once it stops answering
 * (requests out, no block for a stall) it loses the hold at once.
 */
START_TEST(test_fetcher_slow_then_stalls)
{
	struct picker		*pk = mk(8 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk);
	int			 f = peer(pk, 0, 0, PICKER_SRC_FETCHER, T0);
	uint64_t		 t = T0 + 500;
	uint32_t		 b;

	ck_assert_int_eq(picker_have(pk, f, 0, t), 1);
	ck_assert_uint_eq(blocks(pk, f, 100, t), BPP);
	/* A block a second: a piece takes 16 s, five times the grace. */
	for (b = 0; b + 1 < BPP; b++) {
		t += 1000;
		ck_assert_int_eq(picker_block_done(pk, f, 0, b * LAYOUT_BLOCK,
		    t), 1);
		w.asked[0][b][0] = -1;
		ck_assert_uint_gt(picker_tick(pk, t), t);
		ck_assert_int_eq(picker_next_range(pk, m, t, &r), 0);
	}
	ck_assert_uint_gt(t, T0 + 5 * PICKER_FETCHER_GRACE_MS);
	/* Its haves count while it answers. */
	ck_assert_int_eq(picker_have(pk, f, 1, t + 1000), 1);
	ck_assert_int_eq(picker_next_range(pk, m, t + 1000, &r), 0);
	/* It stops: stalled after PICKER_PEER_STALL_MS, the hold goes too. */
	t += 1000 + PICKER_PEER_STALL_MS;
	picker_tick(pk, t);
	ck_assert_int_eq(asked_of(0, f), 0);
	ck_assert_int_eq(picker_have(pk, f, 2, t), 1);	/* counts no more */
	ck_assert_int_eq(picker_next_range(pk, m, t, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, 8 * PS);
	picker_free(pk);
}
END_TEST

/*
 * A far peer (beyond our subnet) is asked only for what no live near
 * peer has; once the near one chokes us or stalls, the far one serves.
 */
START_TEST(test_near_first)
{
	struct picker	*pk = mk(4 * PS, PICKER_CHECKABLE);
	int		 n = peer(pk, 0, 2, 0, T0);
	int		 f = peer(pk, 0, 4, PICKER_SRC_FAR, T0);

	ck_assert_uint_eq(blocks(pk, f, 100, T0), 2 * BPP);
	ck_assert_uint_eq(asked_of(0, f) + asked_of(1, f), 0);
	ck_assert_uint_eq(asked_of(2, f) + asked_of(3, f), 2 * BPP);
	ck_assert_uint_eq(blocks(pk, n, 100, T0), 2 * BPP);
	ck_assert_uint_eq(asked_of(0, n) + asked_of(1, n), 2 * BPP);
	/* Nothing new for either: no end game across the router either. */
	ck_assert_uint_eq(blocks(pk, f, 100, T0 + 10), 0);
	assert_single(pk);
	/* The near peer stalls: its pieces go to the far one. */
	ck_assert_int_eq(deliver(pk, f, 2, T0 + 1000), 2);
	ck_assert_int_eq(deliver(pk, f, 3, T0 + 1000), 2);
	picker_tick(pk, T0 + PICKER_PEER_STALL_MS);
	ck_assert_uint_eq(asked_of(0, n) + asked_of(1, n), 0);
	ck_assert_uint_eq(blocks(pk, f, 100, T0 + PICKER_PEER_STALL_MS),
	    2 * BPP);
	ck_assert_uint_eq(asked_of(0, f) + asked_of(1, f), 2 * BPP);
	picker_free(pk);

	/* A near peer that chokes us keeps nothing from a far one. */
	pk = mk(4 * PS, PICKER_CHECKABLE);
	n = peer(pk, 0, 4, PICKER_SRC_CHOKED, T0);
	f = peer(pk, 0, 4, PICKER_SRC_FAR, T0);
	ck_assert_uint_eq(blocks(pk, f, 100, T0), 4 * BPP);
	/* Two far peers share as any two peers do. */
	picker_free(pk);
	pk = mk(4 * PS, PICKER_CHECKABLE);
	n = peer(pk, 0, 4, PICKER_SRC_FAR, T0);
	f = peer(pk, 0, 4, PICKER_SRC_FAR, T0);
	ck_assert_uint_eq(blocks(pk, n, 2 * BPP, T0), 2 * BPP);
	ck_assert_uint_eq(blocks(pk, f, 100, T0), 2 * BPP);
	assert_single(pk);
	picker_free(pk);
}
END_TEST

/* Daemons that salt differently bring different pieces from afar. */
static uint32_t
first_far_piece(uint32_t salt, unsigned flags)
{
	struct picker		*pk = mk(32 * PS, PICKER_CHECKABLE);
	struct picker_block	 b;
	int			 f = peer(pk, 0, 32, flags, T0);

	picker_salt(pk, salt);
	ck_assert_int_eq(picker_next_blocks(pk, f, T0, &b, 1, UINT64_MAX,
	    NULL), 1);
	picker_free(pk);
	return b.piece;
}

START_TEST(test_far_salt)
{
	uint32_t	salt, seen = 0;

	/* Near sources keep the earliest; far ones spread over the file. */
	for (salt = 1; salt <= 8; salt++) {
		ck_assert_uint_eq(first_far_piece(salt, 0), 0);
		seen |= 1u << first_far_piece(salt, PICKER_SRC_FAR);
	}
	ck_assert_uint_eq(first_far_piece(5, PICKER_SRC_FAR),
	    first_far_piece(5, PICKER_SRC_FAR));
	ck_assert_uint_ge(__builtin_popcount(seen), 5);
}
END_TEST

/* The daemons fetching a file split the mirror's work into segments. */
START_TEST(test_share_mirror)
{
	struct picker		*pk = mk(12 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror(pk), p;

	/* Rank 1 of 3: pieces [4, 8) at once. */
	picker_share(pk, PICKER_SHARE_MIRROR, 1, 3);
	(void)peer(pk, 0, 0, 0, T0);
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 1);
	ck_assert_uint_eq(r.start, 4 * PS);
	ck_assert_uint_eq(r.end, 8 * PS);
	for (p = 4; p < 8; p++)
		ck_assert_int_eq(picker_piece_stored(pk, (uint32_t)p, true), 0);
	ck_assert_int_eq(picker_range_done(pk, m), 0);
	p = peer(pk, 0, 0, 0, T0);
	/* The others' segments wait while the peers make progress... */
	ck_assert_int_eq(picker_have(pk, p, 0, T0 + 100), 1);
	ck_assert_uint_eq(blocks(pk, p, 100, T0 + 100), BPP);
	ck_assert_int_eq(deliver(pk, p, 0, T0 + 1000), 2);
	ck_assert_int_eq(picker_next_range(pk, m, T0 + 1000, &r), 0);
	/* ...and are the mirror's once they stall. */
	ck_assert_int_eq(picker_next_range(pk, m,
	    T0 + 1000 + PICKER_PEER_STALL_MS, &r), 1);
	ck_assert_uint_eq(r.start, 8 * PS);
	picker_free(pk);

	/* Rank 0, the one asked to fetch it, takes the whole file. */
	pk = mk(12 * PS, PICKER_CHECKABLE);
	m = mirror(pk);
	picker_share(pk, PICKER_SHARE_MIRROR, 0, 3);
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, 12 * PS);
	picker_free(pk);

	/* Alone (n 1), or a rank out of range: no segments. */
	pk = mk(12 * PS, PICKER_CHECKABLE);
	m = mirror(pk);
	picker_share(pk, PICKER_SHARE_MIRROR, 5, 3);
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, 12 * PS);
	picker_free(pk);
}
END_TEST

/* The daemons of a subnet split what they bring across the router. */
START_TEST(test_share_import)
{
	struct picker	*pk = mk(8 * PS, PICKER_CHECKABLE);
	int		 f = peer(pk, 0, 8, PICKER_SRC_FAR, T0), n, p;
	uint64_t	 next;

	/* Rank 1 of 2 near daemons: the odd pieces at once. */
	picker_share(pk, PICKER_SHARE_IMPORT, 1, 2);
	ck_assert_uint_eq(blocks(pk, f, 100, T0), 4 * BPP);
	for (p = 0; p < 8; p++)
		ck_assert_uint_eq(asked_of((uint32_t)p, f), p % 2 ? BPP : 0);
	/* The even ones once the other had time to bring them... */
	next = picker_tick(pk, T0 + 10);
	ck_assert_uint_le(next, T0 + PICKER_IMPORT_WAIT_MS);
	/* ...unless a near peer has one by then. */
	n = peer(pk, 2, 3, 0, T0 + 100);
	ck_assert_uint_eq(blocks(pk, f, 100, T0 + PICKER_IMPORT_WAIT_MS),
	    3 * BPP);
	ck_assert_uint_eq(asked_of(2, f), 0);
	ck_assert_uint_eq(asked_of(0, f) + asked_of(4, f) + asked_of(6, f),
	    3 * BPP);
	ck_assert_uint_eq(blocks(pk, n, 100, T0 + PICKER_IMPORT_WAIT_MS),
	    BPP);
	assert_single(pk);
	picker_free(pk);

	/* Near sources are not held back by it. */
	pk = mk(8 * PS, PICKER_CHECKABLE);
	picker_share(pk, PICKER_SHARE_IMPORT, 1, 2);
	n = peer(pk, 0, 8, 0, T0);
	ck_assert_uint_eq(blocks(pk, n, 200, T0), 8 * BPP);
	picker_free(pk);
}
END_TEST

START_TEST(test_mirror_split)
{
	struct picker		*pk = mk(64 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m1 = mirror_at(pk, 16 * PS, T0), m2;

	/* A second mirror takes the upper half of what is left. */
	m2 = mirror(pk);
	ck_assert_int_eq(picker_next_range(pk, m2, T0 + 1000, &r), 2);
	ck_assert_uint_eq(r.start, 40 * PS);
	ck_assert_uint_eq(r.end, 64 * PS);
	ck_assert_uint_eq(count_ev(PICKER_EV_TRUNCATE, m1), 1);
	ck_assert_uint_eq(w.ev[0].end, 40 * PS);
	ck_assert(picker_range(pk, m1, &r));
	ck_assert_uint_eq(r.end, 40 * PS);
	/* Too little left to be worth cutting a transfer. */
	ck_assert_int_eq(picker_range_progress(pk, m1, 37 * PS, T0 + 2000),
	    0);
	ck_assert_int_eq(picker_range_progress(pk, m2, 58 * PS, T0 + 2000),
	    0);
	ck_assert_int_eq(picker_next_range(pk, mirror(pk), T0 + 2000, &r), 0);
	picker_free(pk);
}
END_TEST

START_TEST(test_peer_takes_over)
{
	struct picker		*pk = mk(16 * PS, PICKER_CHECKABLE);
	struct picker_range	 r;
	int			 m = mirror_at(pk, 12 * PS, T0), p;

	/* A peer joins: it takes the range's tail, two pieces ahead. */
	p = peer(pk, 0, 16, 0, T0 + 10);
	ck_assert_uint_eq(blocks(pk, p, 100, T0 + 10), 2 * BPP);
	ck_assert_uint_eq(asked_of(15, p), BPP);
	ck_assert_uint_eq(asked_of(14, p), BPP);
	ck_assert_uint_eq(asked_of(13, p), 0);
	ck_assert(picker_range(pk, m, &r));
	ck_assert_uint_eq(r.end, 14 * PS);
	ck_assert_uint_eq(count_ev(PICKER_EV_TRUNCATE, m), 2);
	assert_single(pk);
	picker_free(pk);
}
END_TEST

START_TEST(test_complete)
{
	uint64_t		 size = 2 * PS + 100;
	struct picker		*pk = mk(size, PICKER_ONE_MIRROR);
	struct picker_range	 r;
	int			 m = mirror(pk), m2 = mirror(pk);

	ck_assert_int_eq(picker_piece_verified(pk, 0), -EINVAL);
	ck_assert_int_eq(picker_next_range(pk, m, T0, &r), 1);
	ck_assert_uint_eq(r.start, 0);
	ck_assert_uint_eq(r.end, size);
	/* One mirror at a time for this file. */
	ck_assert_int_eq(picker_next_range(pk, m2, T0, &r), 0);
	ck_assert_int_eq(picker_range_progress(pk, m, size, T0 + 5), 0);
	ck_assert_int_eq(picker_piece_stored(pk, 0, false), 0);
	ck_assert_int_eq(picker_piece_stored(pk, 1, false), 0);
	ck_assert(!picker_complete(pk));
	ck_assert_int_eq(picker_piece_stored(pk, 2, false),
	    PICKER_STORED_COMPLETE);
	ck_assert_int_eq(picker_piece_stored(pk, 2, false), -EALREADY);
	ck_assert_int_eq(picker_range_done(pk, m), 0);
	ck_assert(picker_complete(pk));
	ck_assert(picker_idle(pk));
	ck_assert_uint_eq(picker_map(pk)->nhave, 3);
	ck_assert_uint_eq(piecemap_prefix(picker_map(pk)), size);
	ck_assert_int_eq(picker_next_range(pk, m2, T0 + 7, &r), 0);
	ck_assert_int_eq(picker_state(pk, 1), PICKER_STORED);
	ck_assert_int_eq(picker_piece_verified(pk, PICKER_ALL), 0);
	ck_assert_int_eq(picker_state(pk, 1), PICKER_VERIFIED);
	ck_assert_uint_eq(picker_tick(pk, T0 + 8), PICKER_NEVER);
	picker_free(pk);
}
END_TEST

/*
 * Random mirrors and peers coming, going, stalling and lying, checked by
 * the picker's own invariants after every call: the file still ends
 * complete, and a block asked for is of a piece asked of peers, of a
 * peer that has it.
 */
#define RND_PIECES	24
#define RND_PEERS	4

struct rnd {
	uint64_t	 seed;
	int		 peer[RND_PEERS];
	uint8_t		 has[RND_PEERS][RND_PIECES];
	int		 mirror[2];
};

static uint32_t
rnd(struct rnd *r, uint32_t n)
{
	r->seed = r->seed * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(r->seed >> 33) % n;
}

static void
rnd_peer(struct picker *pk, struct rnd *r, int i, uint64_t now)
{
	uint32_t	p;

	r->peer[i] = picker_source_add(pk, PICKER_PEER, 0, now);
	ck_assert_int_ge(r->peer[i], 0);
	for (p = 0; p < RND_PIECES; p++)
		if ((r->has[i][p] = rnd(r, 2)) != 0)
			picker_have(pk, r->peer[i], p, now);
}

static void
rnd_forget(int id)
{
	uint32_t	p, b;
	int		k;

	for (p = 0; p < RND_PIECES; p++)
		for (b = 0; b < BPP; b++)
			for (k = 0; k < 2; k++)
				if (w.asked[p][b][k] == id)
					w.asked[p][b][k] = -1;
}

static void
rnd_deliver(struct picker *pk, struct rnd *r, int id, uint64_t now)
{
	uint32_t	p, b;
	int		k, rc, who[4];

	for (p = 0; p < RND_PIECES; p++)
		for (b = 0; b < BPP; b++)
			for (k = 0; k < 2; k++) {
				if (w.asked[p][b][k] != id || rnd(r, 3) == 0)
					continue;
				w.asked[p][b][k] = -1;
				rc = picker_block_done(pk, id, p,
				    b * LAYOUT_BLOCK, now);
				ck_assert_int_ge(rc, 0);
				if (rc != 2)
					continue;
				if (rnd(r, 5) == 0)
					ck_assert_int_ge(picker_piece_failed(pk,
					    p, who, 4), 1);
				else
					ck_assert_int_ge(picker_piece_stored(pk,
					    p, true), 0);
			}
}

static void
rnd_mirror(struct picker *pk, struct rnd *r, int id, uint64_t now)
{
	struct picker_range	rg;
	uint64_t		pos;
	uint32_t		p;

	if (!picker_range(pk, id, &rg)) {
		ck_assert_int_ge(picker_next_range(pk, id, now, &rg), 0);
		return;
	}
	pos = rg.pos + rnd(r, 2 * PS);
	if (pos > rg.end)
		pos = rg.end;
	ck_assert_int_eq(picker_range_progress(pk, id, pos, now), 0);
	for (p = (uint32_t)(rg.start / PS); (uint64_t)(p + 1) * PS <= pos;
	    p++)
		if (picker_state(pk, p) == PICKER_IN_RANGE)
			ck_assert_int_ge(picker_piece_stored(pk, p, false), 0);
	if (pos == rg.end)
		ck_assert_int_eq(picker_range_done(pk, id), 0);
}

/* A block asked of src is of a piece asked of peers, that src has. */
static void
rnd_check(const struct picker *pk, const struct rnd *r, uint32_t p, int src)
{
	int	i;

	if (src == -1)
		return;
	ck_assert_int_eq(picker_state(pk, p), PICKER_REQUESTED);
	for (i = 0; i < RND_PEERS && r->peer[i] != src; i++)
		;
	ck_assert_int_lt(i, RND_PEERS);
	ck_assert(r->has[i][p]);
}

START_TEST(test_random)
{
	struct picker	*pk = mk(RND_PIECES * PS, 0);
	struct rnd	 r;
	uint64_t	 now = T0;
	uint32_t	 p, b, step;
	int		 i, k;

	memset(&r, 0, sizeof(r));
	r.seed = (uint64_t)_i + 1;
	for (i = 0; i < 2; i++)
		r.mirror[i] = mirror(pk);
	for (i = 0; i < RND_PEERS; i++)
		rnd_peer(pk, &r, i, now);
	for (step = 0; step < 100000 && !picker_complete(pk); step++) {
		now += rnd(&r, 300);
		i = (int)rnd(&r, RND_PEERS);
		switch (rnd(&r, 9)) {
		case 0:
			picker_tick(pk, now);
			break;
		case 1:
			blocks(pk, r.peer[i], 1 + rnd(&r, 40), now);
			break;
		case 2:
			rnd_deliver(pk, &r, r.peer[i], now);
			break;
		case 3:
			rnd_mirror(pk, &r, r.mirror[i % 2], now);
			break;
		case 4:
			if (rnd(&r, 10) != 0)
				break;
			picker_source_gone(pk, r.peer[i]);
			rnd_forget(r.peer[i]);
			rnd_peer(pk, &r, i, now);
			break;
		case 5:
			if (rnd(&r, 20) != 0)
				break;
			picker_source_gone(pk, r.mirror[i % 2]);
			r.mirror[i % 2] = mirror(pk);
			break;
		case 6:
			picker_checkable(pk, rnd(&r, RND_PIECES));
			break;
		case 7:
			ck_assert_int_eq(picker_source_flags(pk, r.peer[i],
			    rnd(&r, 2) ? PICKER_SRC_CHOKED : 0, now), 0);
			break;
		default:
			p = rnd(&r, RND_PIECES);
			r.has[i][p] = 1;
			picker_have(pk, r.peer[i], p, now);
			break;
		}
		for (p = 0; p < RND_PIECES; p++)
			for (b = 0; b < BPP; b++)
				for (k = 0; k < 2; k++)
					rnd_check(pk, &r, p, w.asked[p][b][k]);
	}
	ck_assert(picker_complete(pk));
	picker_free(pk);
}
END_TEST

static Suite *
picker_suite(void)
{
	Suite	*s = suite_create("picker");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_mirror_and_peers);
	tcase_add_test(tc, test_stalled_peer);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_stalled_to_peer);
	tcase_add_test(tc, test_choked);
	tcase_add_test(tc, test_hint_failure);
	tcase_add_test(tc, test_mirror_dies);
	tcase_add_test(tc, test_endgame);
	tcase_add_test(tc, test_rendezvous_fetcher);
	tcase_add_test(tc, test_fetcher_claim_once);
	tcase_add_test(tc, test_fetcher_slow_then_stalls);
	tcase_add_test(tc, test_near_first);
	tcase_add_test(tc, test_far_salt);
	tcase_add_test(tc, test_share_mirror);
	tcase_add_test(tc, test_share_import);
	tcase_add_test(tc, test_mirror_split);
	tcase_add_test(tc, test_peer_takes_over);
	tcase_add_test(tc, test_complete);
	tcase_add_loop_test(tc, test_random, 0, 20);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(picker_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
