/* SPDX-License-Identifier: ISC */
/*
 * picker.c - the one piece picker: piece states, mirror ranges, peer
 * blocks, stalls and holds (see picker.h for the rules).
 *
 * Pieces are the unit of state; a piece asked of peers has a table of
 * its 16 KiB blocks saying whom each was asked of (two sources at most,
 * the second only in end game) and who sent it.  A mirror's range is a
 * run of pieces owned by it, from its start to its end, which only ever
 * shrinks from the top (a split, or peers taking over pieces ahead).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/layout.h"
#include "daemon/engine/picker.h"

#define NOBODY	(-1)
#define GONE	(-2)		/* sent a block, then left */
#define LOCAL	(-3)		/* already in the file: asked of nobody */
#define NONE	UINT32_MAX

struct pblock {
	int32_t		 by[2];		/* asked of */
	int32_t		 from;		/* sent by, or NOBODY */
	uint64_t	 at;		/* first asked */
};

struct ppiece {
	enum picker_state state;
	bool		 disputed;	/* failed from peers */
	bool		 checkable;
	int32_t		 owner;		/* IN_RANGE: the mirror */
	uint32_t	 avail;		/* peers that have it */
	uint32_t	 live;		/* of those, counted live */
	uint32_t	 live_near;	/* of those, in our subnet */
	uint32_t	 nreq;		/* requests out */
	uint32_t	 ngot;		/* blocks in */
	uint64_t	 far_at;	/* a far peer first had it (or 0) */
	struct pblock	*blk;		/* REQUESTED, WHOLE */
	/* Partly in the file already: the byte extents still missing. */
	struct picker_extent *miss;
	uint32_t	 nmiss;
};

struct psrc {
	enum picker_kind kind;		/* 0: a free slot */
	unsigned	 flags;
	/* Peers. */
	struct piecemap	 has;
	bool		 stalled;
	bool		 counted;	/* in pieces' live counts */
	bool		 counted_near;	/* ... and their live_near counts */
	uint32_t	 nreq;
	uint64_t	 active_at;	/* last block in, or first request */
	bool		 delivered;	/* a fetcher: sent us a block */
	/* Mirrors. */
	bool		 busy;
	struct picker_range r;
	uint64_t	 r_at;		/* when the range started */
	uint64_t	 rate;		/* bytes/s, of the last range */
};

struct picker {
	struct piecemap	 pm;		/* stored */
	unsigned	 flags;
	struct ppiece	*p;
	struct psrc	*src;
	size_t		 nsrc;
	uint64_t	 hold_ms, hold_at;
	bool		 preempted;	/* a fetcher's hold was granted */
	uint64_t	 preempt_at;	/* when */
	uint32_t	 salt;		/* far ties: picker_salt */
	uint64_t	 peer_at;	/* last block in, or a peer added */
	struct picker_rank share[PICKER_NSHARES];
	picker_cb	 cb;
	void		*arg;
};

static uint64_t
since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint32_t
nblocks(const struct picker *pk, uint32_t p)
{
	return (piecemap_len(&pk->pm, p) + LAYOUT_BLOCK - 1) / LAYOUT_BLOCK;
}

static uint32_t
block_len(const struct picker *pk, uint32_t p, uint32_t b)
{
	uint32_t	len = piecemap_len(&pk->pm, p) - b * LAYOUT_BLOCK;

	return len < LAYOUT_BLOCK ? len : LAYOUT_BLOCK;
}

static uint64_t
piece_start(const struct picker *pk, uint32_t p)
{
	return (uint64_t)p * pk->pm.piece_size;
}

/* The first piece not below byte off. */
static uint32_t
piece_ceil(const struct picker *pk, uint64_t off)
{
	return (uint32_t)((off + pk->pm.piece_size - 1) / pk->pm.piece_size);
}

static struct psrc *
source(const struct picker *pk, int id, enum picker_kind kind)
{
	if (id < 0 || (size_t)id >= pk->nsrc || pk->src[id].kind != kind)
		return NULL;
	return &pk->src[id];
}

static void
emit(struct picker *pk, enum picker_ev_type type, int src, uint32_t piece,
    uint32_t b, uint64_t end)
{
	struct picker_ev	ev;

	if (pk->cb == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.src = src;
	ev.piece = piece;
	if (type == PICKER_EV_CANCEL) {
		ev.begin = b * LAYOUT_BLOCK;
		ev.len = block_len(pk, piece, b);
	}
	ev.end = end;
	pk->cb(pk->arg, &ev);
}

/*
 * Invariants: what is on disk is what the states say (so a verified
 * piece was stored), every request is of a peer that has the piece, and
 * the counts agree.  check_piece() after a call that changes one piece
 * (a block in: the hot path), check() after every other call.
 */
static void
check_piece(const struct picker *pk, uint32_t p)
{
#ifndef NDEBUG
	const struct ppiece	*pc = &pk->p[p];
	const struct psrc	*s;
	uint32_t		 b, n = 0, nreq = 0;
	int			 k, id;

	assert((pc->state == PICKER_STORED || pc->state == PICKER_VERIFIED) ==
	    piecemap_has(&pk->pm, p));
	assert(pc->live <= pc->avail);
	assert(pc->live_near <= pc->live);
	if (pc->state == PICKER_IN_RANGE) {
		s = source(pk, pc->owner, PICKER_MIRROR);
		assert(s != NULL && s->busy);
		assert(piece_start(pk, p) >= s->r.start &&
		    piece_start(pk, p) < s->r.end);
	}
	if (pc->state != PICKER_REQUESTED && pc->state != PICKER_WHOLE) {
		assert(pc->blk == NULL && pc->nreq == 0);
		return;
	}
	for (b = 0; b < nblocks(pk, p); b++) {
		if (pc->blk[b].from != NOBODY)
			n++;
		assert(pc->blk[b].by[0] != NOBODY ||
		    pc->blk[b].by[1] == NOBODY);
		for (k = 0; k < 2; k++) {
			if ((id = pc->blk[b].by[k]) == NOBODY)
				continue;
			s = source(pk, id, PICKER_PEER);
			assert(s != NULL && piecemap_has(&s->has, p));
			assert(pc->blk[b].from == NOBODY);
			nreq++;
		}
	}
	assert(n == pc->ngot && nreq == pc->nreq);
	assert(pc->state != PICKER_WHOLE || n == nblocks(pk, p));
#else
	(void)pk;
	(void)p;
#endif
}

static void
check(const struct picker *pk)
{
#ifndef NDEBUG
	const struct psrc	*s;
	uint64_t		 pieces = 0, sources = 0;
	uint32_t		 p;
	size_t			 i;

	for (p = 0; p < pk->pm.npieces; p++) {
		check_piece(pk, p);
		pieces += pk->p[p].nreq;
	}
	for (i = 0; i < pk->nsrc; i++) {
		s = &pk->src[i];
		if (s->kind == PICKER_PEER)
			sources += s->nreq;
		if (s->kind != PICKER_MIRROR || !s->busy)
			continue;
		/* A range is its own pieces, or pieces stored. */
		for (p = (uint32_t)(s->r.start / pk->pm.piece_size);
		    p < piece_ceil(pk, s->r.end); p++)
			assert(piecemap_has(&pk->pm, p) ||
			    (pk->p[p].state == PICKER_IN_RANGE &&
			    pk->p[p].owner == (int32_t)i));
	}
	assert(pieces == sources);
#else
	(void)pk;
#endif
}

struct picker *
picker_new(uint64_t size, unsigned flags, picker_cb cb, void *arg)
{
	struct picker	*pk;
	uint32_t	 p;

	if ((pk = calloc(1, sizeof(*pk))) == NULL)
		return NULL;
	if (piecemap_init(&pk->pm, size) < 0 ||
	    (pk->p = calloc(pk->pm.npieces + 1, sizeof(*pk->p))) == NULL) {
		piecemap_free(&pk->pm);
		free(pk);
		return NULL;
	}
	pk->flags = flags;
	pk->cb = cb;
	pk->arg = arg;
	for (p = 0; p < pk->pm.npieces; p++) {
		pk->p[p].owner = NOBODY;
		pk->p[p].checkable = (flags & PICKER_CHECKABLE) != 0;
	}
	return pk;
}

void
picker_share(struct picker *pk, enum picker_share what, uint32_t k,
    uint32_t n)
{
	if ((unsigned)what >= PICKER_NSHARES)
		return;
	pk->share[what].n = n;
	pk->share[what].k = k < n ? k : 0;
}

void
picker_salt(struct picker *pk, uint32_t salt)
{
	pk->salt = salt;
}

void
picker_free(struct picker *pk)
{
	uint32_t	p;
	size_t		i;

	if (pk == NULL)
		return;
	for (p = 0; p < pk->pm.npieces; p++) {
		free(pk->p[p].blk);
		free(pk->p[p].miss);
	}
	for (i = 0; i < pk->nsrc; i++)
		piecemap_free(&pk->src[i].has);
	free(pk->p);
	free(pk->src);
	piecemap_free(&pk->pm);
	free(pk);
}

/*
 * Holds.
 */

static bool
held(const struct picker *pk, uint64_t now)
{
	return pk->hold_ms != 0 && since(now, pk->hold_at) < pk->hold_ms;
}

void
picker_hold(struct picker *pk, uint64_t now, uint64_t ms)
{
	if (!held(pk, now) || ms > pk->hold_ms)
		pk->hold_ms = ms;
	pk->hold_at = now;
}

bool
picker_preempt(struct picker *pk, uint64_t now)
{
	if (pk->preempted)
		return false;
	pk->preempted = true;
	pk->preempt_at = now;
	picker_hold(pk, now, PICKER_FETCHER_GRACE_MS);
	return true;
}

/* Peers made progress: a hold in force lasts on. */
static void
progress(struct picker *pk, uint64_t now)
{
	if (held(pk, now))
		pk->hold_at = now;
}

/*
 * A fetcher that has not sent a block yet has a piece: give it the time
 * to answer our request, once the grace is near its end, but no more
 * than PICKER_PEER_STALL_MS past the grace (a claimant that never sends
 * bytes delays the mirrors by that much at most).
 */
static void
fetcher_news(struct picker *pk, uint64_t now)
{
	uint64_t	end = now + PICKER_PEER_STALL_MS, cap;

	cap = pk->preempt_at + PICKER_FETCHER_GRACE_MS + PICKER_PEER_STALL_MS;
	if (!held(pk, now) || !pk->preempted)
		return;
	if (end > cap)
		end = cap;
	if (end > pk->hold_at + pk->hold_ms)
		pk->hold_ms = end - pk->hold_at;
}

/* A fetcher proved itself with a block: a hold in force grows to its wait. */
static void
fetcher_delivered(struct picker *pk, int id, uint64_t now)
{
	struct psrc	*s = &pk->src[id];

	if (!(s->flags & PICKER_SRC_FETCHER) || s->delivered)
		return;
	s->delivered = true;
	if (held(pk, now))
		picker_hold(pk, now, PICKER_FETCHER_STALL_MS);
}

/*
 * A fetcher left or stalled: without another that answers, the hold is
 * that of any peer (a claimant that stops delivering loses it quickly).
 */
static void
fetcher_left(struct picker *pk, int id)
{
	size_t	i;

	for (i = 0; i < pk->nsrc; i++)
		if ((int)i != id && pk->src[i].kind == PICKER_PEER &&
		    (pk->src[i].flags & PICKER_SRC_FETCHER) &&
		    !pk->src[i].stalled)
			return;
	if (pk->hold_ms > PICKER_PEER_STALL_MS)
		pk->hold_ms = PICKER_PEER_STALL_MS;
}

/*
 * Requests.
 */

/* Forget by[k] of block b of piece p (and tell the source, if events). */
static void
unask(struct picker *pk, uint32_t p, uint32_t b, int k, bool events)
{
	struct pblock	*bl = &pk->p[p].blk[b];
	int		 id = bl->by[k];

	if (events)
		emit(pk, PICKER_EV_CANCEL, id, p, b, 0);
	pk->src[id].nreq--;
	pk->p[p].nreq--;
	if (k == 0)
		bl->by[0] = bl->by[1];
	bl->by[1] = NOBODY;
}

/* Piece p is no longer assembled from peers (REQUESTED -> state). */
static void
unassemble(struct picker *pk, uint32_t p, enum picker_state state,
    bool events)
{
	struct ppiece	*pc = &pk->p[p];
	uint32_t	 b;

	for (b = 0; b < nblocks(pk, p); b++)
		while (pc->blk[b].by[0] != NOBODY)
			unask(pk, p, b, 0, events);
	free(pc->blk);
	pc->blk = NULL;
	pc->ngot = 0;
	pc->state = state;
	emit(pk, PICKER_EV_DROP, NOBODY, p, 0, 0);
}

/* Blocks of p assembled from the file itself. */
static uint32_t
local_blocks(const struct picker *pk, uint32_t p)
{
	const struct ppiece	*pc = &pk->p[p];
	uint32_t		 b, n = 0;

	if (pc->blk == NULL || pc->nmiss == 0)
		return 0;
	for (b = 0; b < nblocks(pk, p); b++)
		if (pc->blk[b].from == LOCAL)
			n++;
	return n;
}

/* A piece asked of nobody with nothing in (from peers) is simply missing. */
static void
settle(struct picker *pk, uint32_t p)
{
	struct ppiece	*pc = &pk->p[p];

	if (pc->state == PICKER_REQUESTED && pc->nreq == 0 &&
	    pc->ngot == local_blocks(pk, p))
		unassemble(pk, p, PICKER_MISSING, false);
}

/* Withdraw every request of source id. */
static void
unask_all(struct picker *pk, int id, bool events)
{
	struct ppiece	*pc;
	uint32_t	 p, b;
	int		 k;

	for (p = 0; p < pk->pm.npieces && pk->src[id].nreq > 0; p++) {
		pc = &pk->p[p];
		if (pc->state != PICKER_REQUESTED)
			continue;
		for (b = 0; b < nblocks(pk, p); b++)
			for (k = 1; k >= 0; k--)
				if (pc->blk[b].by[k] == id)
					unask(pk, p, b, k, events);
		settle(pk, p);
	}
}

/*
 * What a peer has counts as live availability while it neither stalled
 * nor chokes us: only then may it keep a piece from the mirrors; a live
 * peer in our subnet also counts as near (near_enough()).
 */
static void
recount(struct picker *pk, struct psrc *s)
{
	bool		live, near;
	uint32_t	p;

	live = !s->stalled && !(s->flags & PICKER_SRC_CHOKED);
	near = live && !(s->flags & PICKER_SRC_FAR);
	if (s->counted == live && s->counted_near == near)
		return;
	for (p = 0; p < pk->pm.npieces; p++) {
		if (!piecemap_has(&s->has, p))
			continue;
		if (live != s->counted)
			live ? pk->p[p].live++ : pk->p[p].live--;
		if (near != s->counted_near)
			near ? pk->p[p].live_near++ : pk->p[p].live_near--;
	}
	s->counted = live;
	s->counted_near = near;
}

static void
stall(struct picker *pk, int id)
{
	pk->src[id].stalled = true;
	recount(pk, &pk->src[id]);
	unask_all(pk, id, true);
	if (pk->src[id].flags & PICKER_SRC_FETCHER)
		fetcher_left(pk, id);
}

/*
 * Sources.
 */

int
picker_source_add(struct picker *pk, enum picker_kind kind, unsigned flags,
    uint64_t now)
{
	struct psrc	*s, *n;
	size_t		 i;

	if (kind != PICKER_MIRROR && kind != PICKER_PEER)
		return -EINVAL;
	for (i = 0; i < pk->nsrc && pk->src[i].kind != 0; i++)
		;
	if (i == pk->nsrc) {
		if ((n = reallocarray(pk->src, pk->nsrc + 1, sizeof(*n))) ==
		    NULL)
			return -ENOMEM;
		pk->src = n;
		memset(&pk->src[pk->nsrc++], 0, sizeof(*n));
	}
	s = &pk->src[i];
	memset(s, 0, sizeof(*s));
	if (kind == PICKER_PEER) {
		if (piecemap_init(&s->has, pk->pm.size) < 0)
			return -ENOMEM;
		s->active_at = now;
		pk->peer_at = now;	/* give it time to deliver */
		if (flags & PICKER_SRC_FETCHER)
			picker_preempt(pk, now);
	}
	s->kind = kind;
	s->flags = flags;
	s->counted = kind == PICKER_PEER && !(flags & PICKER_SRC_CHOKED);
	s->counted_near = s->counted && !(flags & PICKER_SRC_FAR);
	check(pk);
	return (int)i;
}

/* A far source's pieces are there to import from now on, if not before. */
static void
far_seen(struct picker *pk, const struct psrc *s, uint64_t now)
{
	uint32_t	p;

	for (p = 0; p < pk->pm.npieces; p++)
		if (piecemap_has(&s->has, p) && pk->p[p].far_at == 0)
			pk->p[p].far_at = now;
}

int
picker_source_flags(struct picker *pk, int id, unsigned flags, uint64_t now)
{
	struct psrc	*s;
	unsigned	 was;

	if ((s = source(pk, id, PICKER_PEER)) == NULL &&
	    (s = source(pk, id, PICKER_MIRROR)) == NULL)
		return -EINVAL;
	was = s->flags;
	s->flags = flags;
	if (s->kind == PICKER_PEER && (flags & ~was & PICKER_SRC_FAR))
		far_seen(pk, s, now);
	if (s->kind == PICKER_PEER && (flags & ~was & PICKER_SRC_FETCHER))
		picker_preempt(pk, now);
	if (s->kind == PICKER_PEER && (was & ~flags & PICKER_SRC_FETCHER))
		fetcher_left(pk, id);
	if (s->kind == PICKER_PEER)
		recount(pk, s);
	check(pk);
	return 0;
}

/* Pieces of the mirror's range not stored are missing again. */
static void
range_release(struct picker *pk, struct psrc *s)
{
	uint32_t	p;

	for (p = (uint32_t)(s->r.start / pk->pm.piece_size);
	    p < piece_ceil(pk, s->r.end); p++)
		if (pk->p[p].state == PICKER_IN_RANGE) {
			pk->p[p].state = PICKER_MISSING;
			pk->p[p].owner = NOBODY;
		}
	s->busy = false;
}

void
picker_source_gone(struct picker *pk, int id)
{
	struct psrc	*s;
	struct ppiece	*pc;
	uint32_t	 p, b;

	if ((s = source(pk, id, PICKER_MIRROR)) != NULL) {
		if (s->busy)
			range_release(pk, s);
	} else if ((s = source(pk, id, PICKER_PEER)) != NULL) {
		unask_all(pk, id, false);
		s->stalled = true;
		recount(pk, s);
		for (p = 0; p < pk->pm.npieces; p++) {
			pc = &pk->p[p];
			if (piecemap_has(&s->has, p))
				pc->avail--;
			if (pc->blk == NULL)
				continue;
			for (b = 0; b < nblocks(pk, p); b++)
				if (pc->blk[b].from == id)
					pc->blk[b].from = GONE;
		}
		if (s->flags & PICKER_SRC_FETCHER)
			fetcher_left(pk, id);
		piecemap_free(&s->has);
	} else
		return;
	memset(s, 0, sizeof(*s));
	check(pk);
}

int
picker_have(struct picker *pk, int id, uint32_t p, uint64_t now)
{
	struct psrc	*s;

	if ((s = source(pk, id, PICKER_PEER)) == NULL || p >= pk->pm.npieces)
		return -EINVAL;
	if (piecemap_has(&s->has, p))
		return 0;
	piecemap_set(&s->has, p);
	pk->p[p].avail++;
	if ((s->flags & PICKER_SRC_FAR) && pk->p[p].far_at == 0)
		pk->p[p].far_at = now;
	if (s->counted)
		pk->p[p].live++;
	if (s->counted_near)
		pk->p[p].live_near++;
	/*
	 * A fetcher's news is its progress once it has sent a block and while
	 * it answers what we ask: haves it does not back with blocks stall it
	 * (PICKER_PEER_STALL_MS), and then they count no more.  Before its
	 * first block, news buys time to send it (fetcher_news).
	 */
	if ((s->flags & PICKER_SRC_FETCHER) && !s->stalled) {
		if (s->delivered)
			progress(pk, now);
		else
			fetcher_news(pk, now);
	}
	return 1;
}

int
picker_bitfield(struct picker *pk, int id, const uint8_t *bits, uint64_t now)
{
	uint32_t	p;
	int		n = 0, rc;

	if (source(pk, id, PICKER_PEER) == NULL)
		return -EINVAL;
	for (p = 0; p < pk->pm.npieces; p++) {
		if (bits != NULL && (bits[p / 8] & (0x80 >> (p % 8))) == 0)
			continue;
		if ((rc = picker_have(pk, id, p, now)) > 0)
			n += rc;
	}
	check(pk);
	return n;
}

/* The pieces [*first, *end) that piece (or PICKER_ALL) names. */
static void
named(const struct picker *pk, uint32_t piece, uint32_t *first,
    uint32_t *end)
{
	*first = piece == PICKER_ALL ? 0 : piece;
	*end = piece == PICKER_ALL || piece >= pk->pm.npieces ?
	    pk->pm.npieces : piece + 1;
}

void
picker_checkable(struct picker *pk, uint32_t piece)
{
	uint32_t	p, end;

	for (named(pk, piece, &p, &end); p < end; p++)
		pk->p[p].checkable = true;
}

/*
 * Mirrors.
 */

/* Nobody works on the piece, and it is not in. */
static bool
unworked(const struct ppiece *pc)
{
	return pc->state == PICKER_MISSING ||
	    (pc->state == PICKER_REQUESTED && pc->nreq == 0);
}

/*
 * Is p in our segment of the daemons' split of the mirror's work
 * (PICKER_SHARE_MIRROR)?  The first-ranked daemon is the one the others
 * asked to fetch the file: all of it is its own, and the others' pieces
 * reach it, cutting its range short, as they fetch their segments.
 */
static bool
mirror_share_mine(const struct picker *pk, uint32_t p)
{
	const struct picker_rank *r = &pk->share[PICKER_SHARE_MIRROR];
	uint64_t		 np = pk->pm.npieces;

	if (r->n <= 1 || r->k == 0)
		return true;
	return p >= r->k * np / r->n && p < (r->k + 1) * np / r->n;
}

/*
 * May a mirror take piece p now?  Only a piece nobody works on: at once
 * if no live peer has it and it is in our segment, else once the peers
 * stalled; never while the file is held for site peers, unless only a
 * mirror may send it.
 */
static bool
mirror_may_take(const struct picker *pk, uint32_t p, uint64_t now)
{
	const struct ppiece	*pc = &pk->p[p];

	if (!unworked(pc))
		return false;
	if (pc->disputed)
		return true;
	if (held(pk, now))
		return false;
	return (pc->live == 0 && mirror_share_mine(pk, p)) ||
	    since(now, pk->peer_at) >= PICKER_PEER_STALL_MS;
}

/* The largest run of pieces a mirror may take: [*a, *b), or false. */
static bool
best_run(const struct picker *pk, uint64_t now, uint32_t *a, uint32_t *b)
{
	uint32_t	p, start = 0, best = 0;
	bool		in = false, want;

	for (p = 0; p <= pk->pm.npieces; p++) {
		want = p < pk->pm.npieces && mirror_may_take(pk, p, now);
		if (want && !in) {
			in = true;
			start = p;
		} else if (!want && in) {
			in = false;
			if (p - start > best) {
				best = p - start;
				*a = start;
				*b = p;
			}
		}
	}
	return best > 0;
}

static size_t
idle_mirrors(const struct picker *pk)
{
	size_t	i, n = 0;

	for (i = 0; i < pk->nsrc; i++)
		if (pk->src[i].kind == PICKER_MIRROR && !pk->src[i].busy &&
		    !(pk->src[i].flags & PICKER_SRC_RESTING))
			n++;
	return n;
}

static void
range_start(struct picker *pk, int id, uint64_t start, uint64_t end,
    uint64_t now, struct picker_range *out)
{
	struct psrc	*s = &pk->src[id];
	struct ppiece	*pc;
	uint32_t	 p;

	for (p = (uint32_t)(start / pk->pm.piece_size);
	    p < piece_ceil(pk, end); p++) {
		pc = &pk->p[p];
		assert(unworked(pc));
		if (pc->state == PICKER_REQUESTED)
			unassemble(pk, p, PICKER_MISSING, false);
		pc->state = PICKER_IN_RANGE;
		pc->owner = id;
	}
	s->busy = true;
	s->r.start = s->r.pos = start;
	s->r.end = end;
	s->r_at = now;
	*out = s->r;
}

/* Cut mirror v's range short at byte end; pieces from there are free. */
static void
range_cut(struct picker *pk, int v, uint64_t end)
{
	struct psrc	*s = &pk->src[v];
	uint32_t	 p;

	for (p = (uint32_t)(end / pk->pm.piece_size);
	    p < piece_ceil(pk, s->r.end); p++)
		if (pk->p[p].state == PICKER_IN_RANGE &&
		    pk->p[p].owner == v) {
			pk->p[p].state = PICKER_MISSING;
			pk->p[p].owner = NOBODY;
		}
	s->r.end = end;
	emit(pk, PICKER_EV_TRUNCATE, v, 0, 0, end);
}

/* aria2: the upper half of the largest range still to fetch. */
static int
split(struct picker *pk, int id, uint64_t now, struct picker_range *out)
{
	struct psrc	*s = &pk->src[id], *v;
	uint64_t	 rem, best = 0, mid, end;
	size_t		 i;
	int		 victim = NOBODY;

	for (i = 0; i < pk->nsrc; i++) {
		v = &pk->src[i];
		if (v->kind != PICKER_MIRROR || !v->busy)
			continue;
		rem = v->r.end - v->r.pos;
		if (rem > best) {
			best = rem;
			victim = (int)i;
		}
	}
	if (victim == NOBODY || best < 2 * (uint64_t)PICKER_SPLIT_MIN)
		return 0;
	v = &pk->src[victim];
	/* A slow mirror does not take work from a fast one. */
	if (s->rate > 0 && v->rate > PICKER_SLOW_FACTOR * s->rate)
		return 0;
	mid = min64((uint64_t)piece_ceil(pk, v->r.pos + best / 2) *
	    pk->pm.piece_size, pk->pm.size);
	if (mid <= v->r.pos || mid >= v->r.end)
		return 0;
	end = v->r.end;
	range_cut(pk, victim, mid);
	range_start(pk, id, mid, end, now, out);
	return 2;
}

int
picker_next_range(struct picker *pk, int id, uint64_t now,
    struct picker_range *out)
{
	struct psrc	*s;
	uint32_t	 a, b, n;
	size_t		 i;
	int		 rc = 0;

	if ((s = source(pk, id, PICKER_MIRROR)) == NULL)
		return -EINVAL;
	if (s->busy)
		return -EBUSY;
	/* A mirror in backoff waits, unless nobody else is working. */
	if ((s->flags & PICKER_SRC_RESTING) && !picker_idle(pk))
		return 0;
	if (pk->flags & PICKER_ONE_MIRROR)
		for (i = 0; i < pk->nsrc; i++)
			if (pk->src[i].kind == PICKER_MIRROR &&
			    pk->src[i].busy)
				return 0;
	if (best_run(pk, now, &a, &b)) {
		/* Share a fresh gap with the other idle mirrors. */
		if (!(pk->flags & PICKER_ONE_MIRROR) &&
		    (n = (uint32_t)idle_mirrors(pk)) > 1)
			b = a + (b - a + n - 1) / n;
		range_start(pk, id, piece_start(pk, a),
		    min64(piece_start(pk, b), pk->pm.size), now, out);
		rc = 1;
	} else if (!(pk->flags & PICKER_ONE_MIRROR))
		rc = split(pk, id, now, out);
	check(pk);
	return rc;
}

int
picker_range_progress(struct picker *pk, int id, uint64_t pos, uint64_t now)
{
	struct psrc	*s;

	if ((s = source(pk, id, PICKER_MIRROR)) == NULL || !s->busy ||
	    pos < s->r.start || pos > s->r.end)
		return -EINVAL;
	s->r.pos = pos;
	if (now > s->r_at)
		s->rate = (pos - s->r.start) * 1000 / (now - s->r_at);
	return 0;
}

int
picker_range_done(struct picker *pk, int id)
{
	struct psrc	*s;

	if ((s = source(pk, id, PICKER_MIRROR)) == NULL || !s->busy)
		return -EINVAL;
	range_release(pk, s);
	check(pk);
	return 0;
}

bool
picker_range(const struct picker *pk, int id, struct picker_range *out)
{
	const struct psrc	*s = source(pk, id, PICKER_MIRROR);

	if (s == NULL || !s->busy)
		return false;
	*out = s->r;
	return true;
}

/*
 * Peers.
 */

/* Ask source id for block b of piece p, as its k-th asker. */
static void
ask(struct picker *pk, int id, uint32_t p, uint32_t b, uint64_t now,
    struct picker_block *out)
{
	struct psrc	*s = &pk->src[id];
	struct pblock	*bl = &pk->p[p].blk[b];
	int		 k = bl->by[0] == NOBODY ? 0 : 1;

	assert(piecemap_has(&s->has, p));
	assert(bl->by[k] == NOBODY && bl->from == NOBODY);
	bl->by[k] = id;
	if (k == 0)
		bl->at = now;
	if (s->nreq++ == 0)
		s->active_at = now;
	pk->p[p].nreq++;
	out->piece = p;
	out->begin = b * LAYOUT_BLOCK;
	out->len = block_len(pk, p, b);
}

/*
 * Blocks of p for source id: those asked of nobody, or in end game
 * (dup) those asked of one other source over PICKER_ENDGAME_MS ago
 * that sent no block for as long, so only a straggler's blocks are asked
 * for twice: a source whose queue is long on a busy link is delivering,
 * and a copy from another would cross a link for nothing.
 */
static size_t
take_blocks(struct picker *pk, int id, uint32_t p, bool dup, uint64_t now,
    struct picker_block *out, size_t max)
{
	struct pblock	*bl;
	uint32_t	 b;
	size_t		 n = 0;

	for (b = 0; b < nblocks(pk, p) && n < max; b++) {
		bl = &pk->p[p].blk[b];
		if (bl->from != NOBODY)
			continue;
		if (!dup ? bl->by[0] != NOBODY : bl->by[0] == NOBODY ||
		    bl->by[0] == id || bl->by[1] != NOBODY ||
		    since(now, bl->at) < PICKER_ENDGAME_MS ||
		    since(now, pk->src[bl->by[0]].active_at) <
		    PICKER_ENDGAME_MS)
			continue;
		ask(pk, id, p, b, now, &out[n++]);
	}
	return n;
}

/* Does block b of p (in part in the file) lack a byte? */
static bool
block_missing(const struct picker *pk, uint32_t p, uint32_t b)
{
	const struct ppiece	*pc = &pk->p[p];
	uint32_t		 lo = b * LAYOUT_BLOCK,
				 hi = lo + block_len(pk, p, b), i;

	for (i = 0; i < pc->nmiss; i++)
		if (pc->miss[i].begin < hi &&
		    pc->miss[i].begin + pc->miss[i].len > lo)
			return true;
	return false;
}

static void
forget_local(struct ppiece *pc)
{
	free(pc->miss);
	pc->miss = NULL;
	pc->nmiss = 0;
}

static bool
assemble(struct picker *pk, uint32_t p)
{
	struct ppiece	*pc = &pk->p[p];
	uint32_t	 b, n = nblocks(pk, p);

	if ((pc->blk = calloc(n, sizeof(*pc->blk))) == NULL)
		return false;
	for (b = 0; b < n; b++) {
		pc->blk[b].by[0] = pc->blk[b].by[1] = NOBODY;
		pc->blk[b].from = NOBODY;
		if (pc->nmiss > 0 && !block_missing(pk, p, b)) {
			pc->blk[b].from = LOCAL;
			pc->ngot++;
		}
	}
	pc->state = PICKER_REQUESTED;
	pc->owner = NOBODY;
	return true;
}

/*
 * Is p ours to bring across the router (PICKER_SHARE_IMPORT)?  Another
 * near daemon's piece becomes ours too once it had PICKER_IMPORT_WAIT_MS
 * to bring it since a far peer first had it.
 */
static bool
import_share_mine(const struct picker *pk, uint32_t p, uint64_t now)
{
	const struct picker_rank *r = &pk->share[PICKER_SHARE_IMPORT];

	return r->n <= 1 || p % r->n == r->k ||
	    since(now, pk->p[p].far_at) >= PICKER_IMPORT_WAIT_MS;
}

/*
 * May source s ask for piece p, as far as where it is goes?  A far
 * source (beyond our subnet) is not asked for a piece a live near one
 * has, nor for another near daemon's share: each piece then crosses the
 * router once and spreads on the link.
 */
static bool
near_enough(const struct picker *pk, const struct psrc *s, uint32_t p,
    uint64_t now)
{
	/* s, far, is not among the near ones counted. */
	return !(s->flags & PICKER_SRC_FAR) || (pk->p[p].live_near == 0 &&
	    import_share_mine(pk, p, now));
}

/* May peers take over p from the mirror fetching it (two pieces ahead)? */
static bool
claimable(const struct picker *pk, uint32_t p)
{
	const struct psrc	*m;

	if (pk->p[p].state != PICKER_IN_RANGE)
		return false;
	m = &pk->src[pk->p[p].owner];
	return piece_start(pk, p) >= m->r.pos + 2 * (uint64_t)pk->pm.piece_size;
}

/* A piece's place among equally rare ones, for a far source (32-bit mix). */
static uint32_t
far_order(const struct picker *pk, uint32_t p)
{
	uint32_t	x = p ^ pk->salt;

	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/*
 * The next piece for a peer: the rarest it has, earliest on ties (a far
 * source: in the order of far_order, so that the daemons of one subnet
 * bring different pieces across and pass them on); one nobody works on
 * before one a mirror would fetch later (latest first).
 */
static uint32_t
rarest(const struct picker *pk, const struct psrc *s, uint64_t room,
    uint64_t now, bool *want_hints)
{
	const struct ppiece	*pc;
	uint32_t		 p, best = NONE, ord, best_ord = UINT32_MAX;
	uint64_t		 key, best_key = UINT64_MAX;
	bool			 far = (s->flags & PICKER_SRC_FAR) != 0;

	for (p = 0; p < pk->pm.npieces; p++) {
		pc = &pk->p[p];
		if (!piecemap_has(&s->has, p) || pc->disputed ||
		    (pc->state != PICKER_MISSING &&
		    (s->stalled || !claimable(pk, p))) ||
		    !near_enough(pk, s, p, now))
			continue;
		if (!pc->checkable) {
			*want_hints = true;
			continue;
		}
		if (piecemap_len(&pk->pm, p) > room)
			continue;
		/* Off a mirror range's tail: the mirror loses the least. */
		key = (uint64_t)(pc->state != PICKER_MISSING) << 32 |
		    pc->avail;
		ord = far ? far_order(pk, p) : 0;
		if (key < best_key || (key == best_key &&
		    (pc->state != PICKER_MISSING || ord < best_ord))) {
			best_key = key;
			best = p;
			best_ord = ord;
		}
	}
	return best;
}

ssize_t
picker_next_blocks(struct picker *pk, int id, uint64_t now,
    struct picker_block *out, size_t max, uint64_t room, bool *want_hints)
{
	struct psrc	*s;
	uint32_t	 p;
	size_t		 n = 0;
	bool		 hints = false, endgame;

	if ((s = source(pk, id, PICKER_PEER)) == NULL)
		return -EINVAL;
	/* A stalled peer gets one block at a time until it delivers. */
	if (s->stalled && max > (s->nreq == 0 ? 1 : 0))
		max = s->nreq == 0 ? 1 : 0;
	/* Finish pieces already started: memory and latency both gain. */
	for (p = 0; p < pk->pm.npieces && n < max; p++)
		if (pk->p[p].state == PICKER_REQUESTED &&
		    piecemap_has(&s->has, p) && near_enough(pk, s, p, now))
			n += take_blocks(pk, id, p, false, now, out + n,
			    max - n);
	while (n < max && (p = rarest(pk, s, room, now, &hints)) != NONE) {
		if (pk->p[p].state == PICKER_IN_RANGE)
			range_cut(pk, pk->p[p].owner, piece_start(pk, p));
		if (!assemble(pk, p))
			break;
		room -= piecemap_len(&pk->pm, p);
		n += take_blocks(pk, id, p, false, now, out + n, max - n);
	}
	/* End game: nothing new left, so double up on what is in flight. */
	for (p = 0, endgame = n == 0; endgame && p < pk->pm.npieces && n < max;
	    p++)
		if (pk->p[p].state == PICKER_REQUESTED &&
		    piecemap_has(&s->has, p) && near_enough(pk, s, p, now))
			n += take_blocks(pk, id, p, true, now, out + n,
			    max - n);
	if (want_hints != NULL)
		*want_hints = hints;
	check(pk);
	return (ssize_t)n;
}

/* The block's index in piece p, or NONE if begin is not one. */
static uint32_t
block_of(const struct picker *pk, uint32_t p, uint32_t begin)
{
	if (p >= pk->pm.npieces || begin % LAYOUT_BLOCK != 0 ||
	    begin >= piecemap_len(&pk->pm, p))
		return NONE;
	return begin / LAYOUT_BLOCK;
}

int
picker_block_done(struct picker *pk, int id, uint32_t p, uint32_t begin,
    uint64_t now)
{
	struct psrc	*s;
	struct ppiece	*pc;
	struct pblock	*bl;
	uint32_t	 b;
	int		 k;

	if ((s = source(pk, id, PICKER_PEER)) == NULL ||
	    (b = block_of(pk, p, begin)) == NONE)
		return -EINVAL;
	/* It delivers: not stalled (any more). */
	s->active_at = now;
	s->stalled = false;
	recount(pk, s);
	pc = &pk->p[p];
	if (pc->state != PICKER_REQUESTED)
		return 0;
	bl = &pc->blk[b];
	for (k = 1; k >= 0; k--)
		if (bl->by[k] == id)
			unask(pk, p, b, k, false);
	if (bl->from != NOBODY) {
		check_piece(pk, p);
		return 0;
	}
	bl->from = id;
	pc->ngot++;
	while (bl->by[0] != NOBODY)
		unask(pk, p, b, 0, true);
	/*
	 * Every wanted block is the peers' progress: over a shared link a
	 * piece may take longer than a stall, and the bytes are coming.
	 */
	pk->peer_at = now;
	progress(pk, now);
	fetcher_delivered(pk, id, now);
	if (pc->ngot == nblocks(pk, p))
		pc->state = PICKER_WHOLE;
	check_piece(pk, p);
	return pc->state == PICKER_WHOLE ? 2 : 1;
}

int
picker_block_cancel(struct picker *pk, int id, uint32_t p, uint32_t begin)
{
	uint32_t	b;
	int		k;

	if ((b = block_of(pk, p, begin)) == NONE ||
	    pk->p[p].state != PICKER_REQUESTED)
		return -ENOENT;
	for (k = 0; k < 2; k++)
		if (pk->p[p].blk[b].by[k] == id) {
			unask(pk, p, b, k, false);
			settle(pk, p);
			check(pk);
			return 0;
		}
	return -ENOENT;
}

/*
 * Results.
 */

int
picker_piece_failed(struct picker *pk, uint32_t p, int *who, size_t max)
{
	struct ppiece	*pc;
	uint32_t	 b;
	size_t		 i, n = 0;
	int		 from;

	if (p >= pk->pm.npieces || (pc = &pk->p[p])->state != PICKER_WHOLE)
		return -EINVAL;
	for (b = 0; b < nblocks(pk, p); b++) {
		if ((from = pc->blk[b].from) < 0)
			continue;
		for (i = 0; i < n && who[i] != from; i++)
			;
		if (i == n && n < max)
			who[n++] = from;
	}
	free(pc->blk);
	pc->blk = NULL;
	pc->ngot = 0;
	pc->state = PICKER_MISSING;
	pc->disputed = true;
	/* The bytes found locally may be the wrong ones: all from a mirror. */
	forget_local(pc);
	check(pk);
	return (int)n;
}

int
picker_piece_stored(struct picker *pk, uint32_t p, bool verified)
{
	struct ppiece	*pc;
	int		 rc = 0;

	if (p >= pk->pm.npieces)
		return -EINVAL;
	pc = &pk->p[p];
	if (pc->state == PICKER_STORED || pc->state == PICKER_VERIFIED)
		return -EALREADY;
	if (pc->state == PICKER_REQUESTED)
		unassemble(pk, p, PICKER_MISSING, true);
	free(pc->blk);
	pc->blk = NULL;
	pc->ngot = 0;
	if (pc->disputed)
		rc |= PICKER_STORED_DISPUTE;
	pc->disputed = false;
	forget_local(pc);
	pc->owner = NOBODY;
	pc->state = verified ? PICKER_VERIFIED : PICKER_STORED;
	piecemap_set(&pk->pm, p);
	if (piecemap_complete(&pk->pm))
		rc |= PICKER_STORED_COMPLETE;
	check(pk);
	return rc;
}

int
picker_piece_verified(struct picker *pk, uint32_t piece)
{
	uint32_t	first, p, end;

	if (piece != PICKER_ALL && piece >= pk->pm.npieces)
		return -EINVAL;
	named(pk, piece, &first, &end);
	for (p = first; p < end; p++)
		if (!piecemap_has(&pk->pm, p))
			return -EINVAL;
	for (p = first; p < end; p++)
		pk->p[p].state = PICKER_VERIFIED;
	check(pk);
	return 0;
}

int
picker_piece_partial(struct picker *pk, uint32_t p,
    const struct picker_extent *miss, size_t n)
{
	struct ppiece	*pc;
	uint32_t	 len, at = 0;
	size_t		 i;

	if (p >= pk->pm.npieces || n == 0 || n > UINT32_MAX)
		return -EINVAL;
	pc = &pk->p[p];
	len = piecemap_len(&pk->pm, p);
	for (i = 0; i < n; i++) {
		if (miss[i].len == 0 || miss[i].begin < at ||
		    miss[i].begin > len || miss[i].len > len - miss[i].begin)
			return -EINVAL;
		at = miss[i].begin + miss[i].len;
	}
	if (pc->state != PICKER_MISSING || pc->disputed)
		return -EBUSY;
	forget_local(pc);
	if ((pc->miss = calloc(n, sizeof(*miss))) == NULL)
		return -ENOMEM;
	memcpy(pc->miss, miss, n * sizeof(*miss));
	pc->nmiss = (uint32_t)n;
	return 0;
}

size_t
picker_piece_missing(const struct picker *pk, uint32_t p,
    const struct picker_extent **out)
{
	if (p >= pk->pm.npieces || pk->p[p].nmiss == 0)
		return 0;
	*out = pk->p[p].miss;
	return pk->p[p].nmiss;
}

bool
picker_block_local(const struct picker *pk, uint32_t p, uint32_t begin)
{
	uint32_t	b;

	if (p >= pk->pm.npieces || pk->p[p].nmiss == 0 ||
	    begin % LAYOUT_BLOCK != 0 || begin >= piecemap_len(&pk->pm, p))
		return false;
	b = begin / LAYOUT_BLOCK;
	return !block_missing(pk, p, b);
}

void
picker_piece_forget_local(struct picker *pk, uint32_t p)
{
	if (p < pk->pm.npieces && pk->p[p].state != PICKER_REQUESTED &&
	    pk->p[p].state != PICKER_WHOLE)
		forget_local(&pk->p[p]);
}

uint64_t
picker_tick(struct picker *pk, uint64_t now)
{
	struct psrc	*s;
	uint64_t	 next = PICKER_NEVER;
	uint32_t	 p;
	size_t		 i;

	for (i = 0; i < pk->nsrc; i++) {
		s = &pk->src[i];
		if (s->kind != PICKER_PEER || s->stalled || s->nreq == 0)
			continue;
		if (since(now, s->active_at) >= PICKER_PEER_STALL_MS)
			stall(pk, (int)i);
		else
			next = min64(next, s->active_at + PICKER_PEER_STALL_MS);
	}
	if (held(pk, now))
		next = min64(next, pk->hold_at + pk->hold_ms);
	/* Another near daemon's piece to import becomes ours after a while. */
	if (pk->share[PICKER_SHARE_IMPORT].n > 1)
		for (p = 0; p < pk->pm.npieces; p++)
			if (pk->p[p].far_at != 0 && pk->p[p].live_near == 0 &&
			    unworked(&pk->p[p]) && since(now, pk->p[p].far_at) <
			    PICKER_IMPORT_WAIT_MS)
				next = min64(next,
				    pk->p[p].far_at + PICKER_IMPORT_WAIT_MS);
	/* Pieces that wait for live peers go to the mirrors if they stall. */
	if (since(now, pk->peer_at) < PICKER_PEER_STALL_MS)
		for (p = 0; p < pk->pm.npieces; p++)
			if (pk->p[p].live > 0 && !pk->p[p].disputed &&
			    unworked(&pk->p[p])) {
				next = min64(next,
				    pk->peer_at + PICKER_PEER_STALL_MS);
				break;
			}
	check(pk);
	return next;
}

enum picker_state
picker_state(const struct picker *pk, uint32_t p)
{
	return p < pk->pm.npieces ? pk->p[p].state : PICKER_MISSING;
}

const struct piecemap *
picker_map(const struct picker *pk)
{
	return &pk->pm;
}

bool
picker_complete(const struct picker *pk)
{
	return piecemap_complete(&pk->pm);
}

bool
picker_idle(const struct picker *pk)
{
	size_t	i;

	for (i = 0; i < pk->nsrc; i++)
		if (pk->src[i].busy || pk->src[i].nreq > 0)
			return false;
	return true;
}
