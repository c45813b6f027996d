/* SPDX-License-Identifier: ISC */
/*
 * piecesink.h - where a swarm gets its work and puts the pieces it
 * downloads.
 *
 * The share room fetches pieces from peers for a file that someone else
 * (the engine's download job) owns, and that owner decides which source
 * fetches what: its piece picker weighs peers and mirrors alike.  The
 * owner hands the swarm this interface, so the swarm never includes
 * engine headers: it reports each peer's pieces and choking, asks which
 * blocks to request of a peer, reports each block, and hands over each
 * verified piece.  What the owner decides for the swarm's peers later
 * (withdraw a request, drop a piece being assembled) comes back through
 * the events the swarm registers.  The owner embeds struct piece_sink in
 * its own state (container-of).
 */
#ifndef APTBTD_PIECESINK_H
#define APTBTD_PIECESINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct piece_sink;

#define SINK_ALL	UINT32_MAX	/* every piece */

/* Peer flags. */
#define SINK_PEER_CHOKED	0x1	/* it chokes us */
#define SINK_PEER_FETCHER	0x2	/* a site daemon fetching the file */
#define SINK_PEER_FAR		0x4	/* beyond our subnet (peer_near) */

/* A block to ask a peer for. */
struct sink_block {
	uint32_t	piece, begin, len;
};

struct piece_sink_ops {
	/* Is the piece on disk? */
	bool	 (*has)(const struct piece_sink *, uint32_t piece);
	/* The have-bitfield (BEP 3 order), or NULL while the file opens. */
	const uint8_t *(*bits)(const struct piece_sink *);
	/* Bytes on disk in all. */
	uint64_t (*have_bytes)(const struct piece_sink *);
	/*
	 * A peer joins, choking us: its id for the calls below (>= 0), or a
	 * negative errno.  Gone: what it was asked for is free again.
	 */
	int	 (*peer_add)(struct piece_sink *);
	void	 (*peer_gone)(struct piece_sink *, int id);
	void	 (*peer_flags)(struct piece_sink *, int id, unsigned flags);
	/* The peer has a piece. */
	void	 (*peer_have)(struct piece_sink *, int id, uint32_t piece);
	/* A hash to check the piece (SINK_ALL: every piece) is known. */
	void	 (*checkable)(struct piece_sink *, uint32_t piece);
	/*
	 * Up to max blocks to ask the peer for; a new piece costs its length
	 * out of room (bytes the swarm may still buffer).  *want_hints is set
	 * when it has pieces without a hash to check them.  Returns how many.
	 */
	size_t	 (*next_blocks)(struct piece_sink *, int id,
		    struct sink_block *out, size_t max, uint64_t room,
		    bool *want_hints);
	/*
	 * A block arrived from the peer: 0 drop it, 1 keep it, 2 keep it and
	 * verify the piece, which is now whole.
	 */
	int	 (*block_done)(struct piece_sink *, int id, uint32_t piece,
		    uint32_t begin);
	/* The peer will not send a block it was asked for. */
	void	 (*block_cancel)(struct piece_sink *, int id, uint32_t piece,
		    uint32_t begin);
	/*
	 * A whole piece failed its hash: a mirror fetches it.  Up to max ids
	 * of the peers (still there) that sent it go to who; returns how
	 * many.
	 */
	size_t	 (*piece_failed)(struct piece_sink *, uint32_t piece, int *who,
		    size_t max);
	/*
	 * A verified piece; the owner takes data (malloc'd).  sha256, when
	 * not NULL, is the SHA-256 of data as verified.  The owner may end
	 * the swarm's part (swarm_job_done) before this returns.
	 */
	void	 (*store)(struct piece_sink *, uint32_t piece, uint8_t *data,
		    uint32_t len, const uint8_t *sha256);
	/* The file held in memory, to read pieces from (dup it), or -1. */
	int	 (*mem_fd)(const struct piece_sink *);
	/*
	 * A whole piece was in the file in part already (built from an
	 * older version), and peers were asked only for the rest: bit b of
	 * local (MSB first, nbytes of it) is set for each 16 KiB block to
	 * read from the file instead.  Returns a descriptor to read them
	 * from (the caller closes it), or -1 when the piece has none.
	 */
	int	 (*local)(const struct piece_sink *, uint32_t piece,
		    uint8_t *local, size_t nbytes);
};

/*
 * What the owner tells the swarm, during any of the calls above or on
 * its own; the swarm may not call the sink back from these.
 */
struct piece_sink_events {
	/* The request of peer id for the block is withdrawn: CANCEL it. */
	void	 (*cancel)(void *arg, int id, uint32_t piece, uint32_t begin,
		    uint32_t len);
	/* The piece is no longer assembled from peers: free its buffer. */
	void	 (*drop)(void *arg, uint32_t piece);
};

struct piece_sink {
	const struct piece_sink_ops	*ops;
	/* Set by the swarm while it fills the sink. */
	const struct piece_sink_events	*ev;
	void				*ev_arg;
};

#endif
