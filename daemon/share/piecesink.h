/*
 * piecesink.h - where a swarm puts the pieces it downloads.
 *
 * The share room fetches pieces from peers for a file that someone else
 * (the engine's download job) owns.  That owner hands the swarm this
 * interface, so the swarm never includes engine headers: it asks which
 * pieces are held or free for peers to take, claims a piece before it
 * requests its blocks, and hands over each verified piece.  The owner
 * embeds struct piece_sink in its own state (container-of).
 */
#ifndef APTBTD_PIECESINK_H
#define APTBTD_PIECESINK_H

#include <stdbool.h>
#include <stdint.h>

struct piece_sink;

struct piece_sink_ops {
	/* Is the piece on disk? */
	bool	 (*has)(const struct piece_sink *, uint32_t piece);
	/* The have-bitfield (BEP 3 order), or NULL while the file opens. */
	const uint8_t *(*bits)(const struct piece_sink *);
	/* Bytes on disk in all. */
	uint64_t (*have_bytes)(const struct piece_sink *);
	/* May peers take this piece (no mirror transfer is about to)? */
	bool	 (*piece_free)(const struct piece_sink *, uint32_t piece);
	/* Peers take it: true when granted; a mirror range stops short. */
	bool	 (*claim)(struct piece_sink *, uint32_t piece);
	/* Peers stalled: stop waiting for them, mirrors fill the rest. */
	void	 (*need_mirror)(struct piece_sink *);
	/*
	 * A verified piece; the owner takes data (malloc'd).  sha256, when
	 * not NULL, is the SHA-256 of data as verified.  The owner may end
	 * the swarm's part (swarm_job_done) before this returns.
	 */
	void	 (*store)(struct piece_sink *, uint32_t piece, uint8_t *data,
		    uint32_t len, const uint8_t *sha256);
	/* The file held in memory, to read pieces from (dup it), or -1. */
	int	 (*mem_fd)(const struct piece_sink *);
};

struct piece_sink {
	const struct piece_sink_ops *ops;
};

#endif
