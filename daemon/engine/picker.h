/* SPDX-License-Identifier: ISC */
/*
 * picker.h - the one piece picker: who fetches which part of a file.
 *
 * A download has sources of two kinds, and the picker hands out work to
 * both alike (a mirror is one more peer to it: BEP 19, Transmission's
 * webseeds):
 *
 *   mirror  takes contiguous byte ranges, piece-aligned: the largest run
 *           of pieces it may take, shared among the idle mirrors, else the
 *           upper half of the largest range another mirror still has to
 *           fetch (aria2's split);
 *   peer    takes 16 KiB blocks of pieces it has: first the blocks of
 *           pieces already started, then the rarest piece (by the
 *           availability the picker counts from haves), then, when
 *           nothing is left, blocks in flight elsewhere (end game).
 *
 * It owns each piece's state (enum picker_state) and decides:
 *
 *   - Peers first, the mirror at once otherwise: a mirror takes a piece
 *     no live peer (one that neither chokes us nor stalled) has at once;
 *     a piece a live peer has only once the peers stalled (no piece from
 *     any peer for PICKER_PEER_STALL_MS).
 *   - The hold (picker_hold): while site peers hold or fetch the file, a
 *     mirror gets nothing until they stop making progress for the hold's
 *     time.  A source flagged PICKER_SRC_FETCHER (a site daemon that
 *     fetches the file from the mirror itself, and should: rendezvous)
 *     pre-empts the mirrors once per file (picker_preempt): for
 *     PICKER_FETCHER_GRACE_MS until it sends us a block, then for
 *     PICKER_FETCHER_STALL_MS after its last progress; after that they
 *     start on what it has not delivered.  Progress is any wanted block
 *     from a peer, and a fetcher's have while it answers our requests:
 *     a fetcher slowed by a shared link keeps the mirrors off as long as
 *     bytes come.  A claim to be fetching costs nothing to make, so it
 *     buys one grace, and haves before its first block stretch that by
 *     PICKER_PEER_STALL_MS at most (time to answer our request); haves
 *     it does not back with blocks stall it, and then count no more.
 *   - Near peers first: a source flagged PICKER_SRC_FAR (beyond our
 *     subnet) is asked only for pieces no live near peer has, so a piece
 *     crosses a router once and spreads among the peers of each link.
 *   - Shares (picker_share): the daemons fetching the file split the
 *     work they would otherwise all do, by a rank every one of them
 *     computes alike (site.h).  Once no hold keeps the mirrors off, a
 *     mirror takes at once only pieces of our segment of the file
 *     (others' only once the peers stalled); a far source is asked at
 *     once only for our share of the pieces among the daemons of our
 *     subnet (others' after PICKER_IMPORT_WAIT_MS).
 *   - A stalled peer (requests out, no block for PICKER_PEER_STALL_MS)
 *     loses its requests to other peers or the mirror, and is counted as
 *     having nothing until it delivers again; meanwhile it gets one block
 *     at a time.
 *   - Peers may take over a piece of a mirror's range that lies at least
 *     two pieces ahead of where the transfer is: the range is cut short.
 *   - A piece that fails its hash hint goes back to missing, for the
 *     mirror only; the caller learns who sent it, and when the mirror's
 *     copy is stored, that the dispute is to be settled now.
 *   - A piece may be in the file in part already (built from an older
 *     version: picker_piece_partial): a peer is asked only for its 16 KiB
 *     blocks that lack a byte, a mirror fetches only the missing extents
 *     (picker_piece_missing); the piece is checked when whole as any
 *     other.  A piece that fails its check loses what was local: all of
 *     it comes from a mirror then.
 *   - No byte is asked of two sources, except in end game: blocks asked
 *     of another peer over PICKER_ENDGAME_MS ago, that sent no block for
 *     as long, are asked once more, and the other request is cancelled
 *     when one arrives.
 *
 * It is pure: no sockets, no timers, no I/O; it allocates only its own
 * tables (a slot per source, blocks of pieces asked of peers).  Every
 * call that depends on time takes the current monotonic time in ms;
 * picker_tick() returns when to call it next.  What the caller must do
 * for other sources (send a CANCEL, stop a transfer short, free a piece
 * buffer) comes back through one callback, during the call that caused
 * it.
 *
 * Source ids are small integers, reused after picker_source_gone().
 * Invariants (a verified piece was stored; a block is asked only of a
 * source that has its piece) are checked with assert() after every call
 * that changes state.
 *
 * Wiring: one picker per job, made when the size is known (job_picker,
 * job.c); a transfer of unknown size stays outside it, as there is
 * nothing to pick.  Its map is the job's: what is on disk.
 *
 *   mirror.c  each idle mirror asks picker_next_range; progress, done,
 *             pieces stored, TRUNCATE cutting a transfer short.  One
 *             timer per job runs picker_tick, then the mirrors and the
 *             swarm's links ask again; what remains outside is failing
 *             the job when every mirror is dead.
 *   peers.c   the holds (site daemons hold or fetch the file) and the
 *             piece sink's ops: the swarm (daemon/share/, which may not
 *             include this header) makes its links peer sources, reports
 *             haves, choking, blocks, failed pieces and hints through
 *             them, and gets CANCEL and DROP back as sink events.
 *   job.c     the events, dispatched to mirrors or the swarm.
 */
#ifndef APTBTD_PICKER_H
#define APTBTD_PICKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/base/pieces.h"

/*
 * A peer with requests out that sent no block for this long stalled;
 * so did the peers, when none sent a block we wanted for this long.
 */
#define PICKER_PEER_STALL_MS	1500
/*
 * A site daemon that fetches the file from the mirror shares our uplink:
 * fetching the file a second time would not come faster, so wait longer
 * for it (it drops out if it fails).
 */
#define PICKER_FETCHER_STALL_MS	15000
/*
 * ...but only once it sent us a piece: until then, this long (a LAN
 * daemon that has the mirror's first piece passes it on well within).
 */
#define PICKER_FETCHER_GRACE_MS	3000
#define PICKER_ENDGAME_MS	1000	/* a LAN peer answers within */
/*
 * A near daemon whose share a piece is brings it across the router well
 * within this, once a far peer has it; then any of us may.
 */
#define PICKER_IMPORT_WAIT_MS	3000
/*
 * Splitting a range in flight aborts its transfer at the cut, which
 * wastes what the mirror already sent past it: only for long ranges.
 */
#define PICKER_SPLIT_MIN	(2 * 1024 * 1024)
/* A mirror this much slower may not split a faster one's range. */
#define PICKER_SLOW_FACTOR	4
#define PICKER_NEVER		UINT64_MAX
#define PICKER_ALL		UINT32_MAX	/* every piece */

struct picker;

enum picker_kind {
	PICKER_MIRROR = 1,
	PICKER_PEER,
};

/* Source flags. */
#define PICKER_SRC_FETCHER	0x1	/* peer: a site daemon fetching */
#define PICKER_SRC_RESTING	0x2	/* mirror: in backoff */
#define PICKER_SRC_CHOKED	0x4	/* peer: it chokes us */
#define PICKER_SRC_FAR		0x8	/* peer: beyond our subnet */

/* picker_new flags. */
#define PICKER_ONE_MIRROR	0x1	/* one mirror at a time, no split */
#define PICKER_CHECKABLE	0x2	/* every piece has a hash to check */

enum picker_state {
	PICKER_MISSING,
	PICKER_IN_RANGE,	/* in a mirror's range */
	PICKER_REQUESTED,	/* blocks asked of peers */
	PICKER_WHOLE,		/* every block in: verify, store */
	PICKER_STORED,		/* on disk */
	PICKER_VERIFIED,	/* on disk, its hash checked */
};

enum picker_ev_type {
	/* src's request for the block is withdrawn: send CANCEL, forget it. */
	PICKER_EV_CANCEL,
	/* Mirror src's range now ends at end: stop the transfer there. */
	PICKER_EV_TRUNCATE,
	/*
	 * piece, asked of peers and not whole, is no longer assembled from
	 * them: free its buffer.  (A whole piece is the caller's: it ends in
	 * picker_piece_stored or picker_piece_failed.)
	 */
	PICKER_EV_DROP,
};

struct picker_ev {
	enum picker_ev_type	 type;
	int			 src;		/* CANCEL, TRUNCATE */
	uint32_t		 piece;		/* CANCEL, DROP */
	uint32_t		 begin, len;	/* CANCEL */
	uint64_t		 end;		/* TRUNCATE */
};

/* Called during picker calls: it must not call the picker itself. */
typedef void (*picker_cb)(void *arg, const struct picker_ev *);

/* A block asked of a peer. */
struct picker_block {
	uint32_t	piece, begin, len;
};

/* A mirror's byte range [start, end); pos is where its transfer is. */
struct picker_range {
	uint64_t	start, pos, end;
};

/* Bytes [begin, begin + len) of a piece. */
struct picker_extent {
	uint32_t	begin, len;
};

/* A picker for a file of size bytes (canonical layout); NULL: ENOMEM/EFBIG. */
struct picker	*picker_new(uint64_t size, unsigned flags, picker_cb cb,
		    void *arg);
void		 picker_free(struct picker *);
/*
 * Salt the order in which a far source (PICKER_SRC_FAR) takes equally
 * rare pieces: daemons of one subnet that salt differently (their own
 * ids) fetch different pieces across the router, then pass them on.
 */
void		 picker_salt(struct picker *, uint32_t salt);

/* Our rank k (0 the highest) of n daemons fetching the file. */
struct picker_rank {
	uint32_t	k, n;
};
enum picker_share {
	/*
	 * Among every daemon fetching it: a mirror takes at once only pieces
	 * of segment k, [k * npieces / n, (k + 1) * npieces / n), and others
	 * once the peers stalled; rank 0, the daemon the others ask to fetch
	 * the file, takes any (the others' pieces cut its range short).
	 */
	PICKER_SHARE_MIRROR,
	/*
	 * Among the daemons of our subnet: a far source is asked at once only
	 * for pieces p with p % n == k, and for the others once a far peer
	 * had them for PICKER_IMPORT_WAIT_MS and still no near peer has.
	 */
	PICKER_SHARE_IMPORT,
	PICKER_NSHARES
};
/*
 * Set a share: n <= 1 (the default) shares nothing; k >= n counts as 0.
 * Ranks change as daemons start and finish the file: call again.
 */
void		 picker_share(struct picker *, enum picker_share, uint32_t k,
		    uint32_t n);

/*
 * A new source; now starts a peer's (and a fetcher's) grace time.
 * Returns its id (>= 0), -EINVAL for a bad kind, -ENOMEM.
 */
int	 picker_source_add(struct picker *, enum picker_kind, unsigned flags,
	    uint64_t now);
/* Change a source's flags; 0, or -EINVAL for an unknown source. */
int	 picker_source_flags(struct picker *, int src, unsigned flags,
	    uint64_t now);
/*
 * The source is gone (link closed, mirror failed for good): what it was
 * asked for and has not delivered is free again, without events for it.
 */
void	 picker_source_gone(struct picker *, int src);

/*
 * A peer has a piece.  Returns 1 if that is news, 0 if known, -EINVAL
 * for an unknown source, a mirror or a piece out of range.
 */
int	 picker_have(struct picker *, int src, uint32_t piece, uint64_t now);
/*
 * A peer's bitfield (BEP 3 bit order, npieces bits), or every piece when
 * bits is NULL (HAVE_ALL).  Returns the number of pieces that are news,
 * or -EINVAL as picker_have.
 */
int	 picker_bitfield(struct picker *, int src, const uint8_t *bits,
	    uint64_t now);
/* A hash to check the piece against is known: peers may send it. */
void	 picker_checkable(struct picker *, uint32_t piece);

/*
 * Site peers hold or fetch the file: mirrors get nothing (but pieces only
 * a mirror may send) until the peers made no progress (a block from a
 * peer, a new piece at a fetcher that answers) for ms.  A longer hold in
 * force is kept.
 */
void	 picker_hold(struct picker *, uint64_t now, uint64_t ms);
/*
 * A site daemon claims to fetch the file (rendezvous): hold the mirrors
 * for PICKER_FETCHER_GRACE_MS.  Granted once per picker: true if this
 * call took it (the caller may stop the mirrors' transfers), false if a
 * fetcher had it already.
 */
bool	 picker_preempt(struct picker *, uint64_t now);

/*
 * Work for an idle mirror.  Returns
 *   1  out is a run of pieces nobody fetches (the largest, shared with
 *      the other idle mirrors);
 *   2  out is the upper half of another mirror's remaining range (that
 *      mirror had a PICKER_EV_TRUNCATE);
 *   0  nothing now: ask again after picker_tick();
 *   -EINVAL  not a mirror; -EBUSY  it has a range already.
 */
int	 picker_next_range(struct picker *, int src, uint64_t now,
	    struct picker_range *out);
/*
 * The mirror's transfer reached byte pos of the file (what lies before
 * it arrived, not necessarily stored yet): splits and peers taking over
 * pieces start from there.  Returns 0, or -EINVAL when src has no range
 * or pos lies outside it.
 */
int	 picker_range_progress(struct picker *, int src, uint64_t pos,
	    uint64_t now);
/*
 * The mirror's transfer ended, and what it delivered is stored: pieces
 * of its range not stored are free again.  0, or -EINVAL (no range).
 */
int	 picker_range_done(struct picker *, int src);
/* The mirror's range, if it has one: true and *out, else false. */
bool	 picker_range(const struct picker *, int src,
	    struct picker_range *out);

/*
 * Up to max blocks for a peer to ask for (a stalled peer: one at a time).
 * Starting a new piece costs its length out of room (bytes the caller
 * may buffer); taking one over from a mirror cuts its range (an event).
 * *want_hints (if not NULL) is set when the peer has pieces we lack a
 * hash for.  Returns the number of blocks in out, or -EINVAL for an
 * unknown source or a mirror.
 */
ssize_t	 picker_next_blocks(struct picker *, int src, uint64_t now,
	    struct picker_block *out, size_t max, uint64_t room,
	    bool *want_hints);
/*
 * A block arrived from src.  Returns
 *   0  not wanted (a duplicate, or its piece was taken back): drop it;
 *   1  wanted: keep the data;
 *   2  wanted, and the piece is now whole: verify it;
 *   -EINVAL  a block that is not one of the file's.
 * Other requests for the block get PICKER_EV_CANCEL.
 */
int	 picker_block_done(struct picker *, int src, uint32_t piece,
	    uint32_t begin, uint64_t now);
/*
 * src will not send the block (rejected, or never asked after all).
 * Returns 0, or -ENOENT if it was not asked for it.
 */
int	 picker_block_cancel(struct picker *, int src, uint32_t piece,
	    uint32_t begin);

/*
 * A whole piece failed its hash hint.  It is missing again, for mirrors
 * only.  Up to max ids of the peers that sent its blocks (still
 * connected) go to who.  Returns how many, or -EINVAL if the piece was
 * not whole.
 */
int	 picker_piece_failed(struct picker *, uint32_t piece, int *who,
	    size_t max);

#define PICKER_STORED_DISPUTE	0x1	/* failed from peers: settle */
#define PICKER_STORED_COMPLETE	0x2	/* every piece is stored */
/*
 * The piece is on disk, checked against its hash if verified.  Other
 * work on it is withdrawn (events).  Returns a mask of PICKER_STORED_*
 * (0 when neither), -EALREADY if it was stored, -EINVAL out of range.
 */
int	 picker_piece_stored(struct picker *, uint32_t piece, bool verified);
/*
 * A stored piece's hash was checked (a hint, or the whole file's
 * SHA-256 when piece is PICKER_ALL).  0, or -EINVAL if not stored.
 */
int	 picker_piece_verified(struct picker *, uint32_t piece);

/*
 * The piece is in the file but for the n extents miss (sorted, apart,
 * within the piece, none empty): sources fetch only those.  0; -EINVAL
 * for bad extents; -EBUSY unless the piece is missing and undisputed;
 * -ENOMEM.  Forgotten once the piece is stored or fails its check.
 */
int	 picker_piece_partial(struct picker *, uint32_t piece,
	    const struct picker_extent *miss, size_t n);
/* The missing extents of a piece in part in the file (*out), or 0. */
size_t	 picker_piece_missing(const struct picker *, uint32_t piece,
	    const struct picker_extent **out);
/* Is the 16 KiB block at begin of the piece wholly in the file already? */
bool	 picker_block_local(const struct picker *, uint32_t piece,
	    uint32_t begin);
/*
 * What of the piece was local proved wrong (a mirror's part of it failed
 * the check): the whole piece is missing.  Not for a piece assembled
 * from peers (they end in picker_piece_failed).
 */
void	 picker_piece_forget_local(struct picker *, uint32_t piece);

/*
 * Time passed: stalled peers lose their requests (events), holds lapse.
 * Returns the next time (ms) to call it, or PICKER_NEVER.  Afterwards
 * idle sources may find work: ask them (picker_next_*).
 */
uint64_t picker_tick(struct picker *, uint64_t now);

/* A piece's state; PICKER_MISSING out of range. */
enum picker_state picker_state(const struct picker *, uint32_t piece);
/* Pieces on disk: have-bits, prefix, bytes (pieces.h). */
const struct piecemap *picker_map(const struct picker *);
bool	 picker_complete(const struct picker *);
/* No source has work (a range or requests out). */
bool	 picker_idle(const struct picker *);

#endif
