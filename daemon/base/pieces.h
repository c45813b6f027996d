/*
 * pieces.h - a file as pieces, and who fetches which range next.
 *
 * Every file is cut into pieces whose size is a deterministic function of
 * the file size, so any two machines holding the same file agree on the
 * layout without talking, and any source (a mirror range, later a peer)
 * fills whole pieces.  A have-bitmap records the pieces on disk; the
 * contiguous prefix of it is what a reader may already copy.
 *
 * The range scheduler is aria2's: a source that needs work takes the
 * largest run of missing pieces nobody is fetching, or else splits the
 * largest range still being fetched and takes its upper half.  It is pure
 * arithmetic so it can be tested without any network.
 */
#ifndef APTBTD_PIECES_H
#define APTBTD_PIECES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIECE_MIN	(16 * 1024)
#define PIECE_DEFAULT	(256 * 1024)
#define PIECE_MAX	(16 * 1024 * 1024)

struct piecemap {
	uint64_t	 size;		/* file bytes */
	uint32_t	 piece_size;
	uint32_t	 npieces;
	uint32_t	 nhave;
	uint8_t		*bits;		/* bit i of byte i/8, MSB first (BEP 3) */
};

/* A byte range [start, end). */
struct span {
	uint64_t	start, end;
};

/*
 * A range a source is working on: bytes from hold on are not on disk
 * yet (nobody else should take them), and it expects bytes [pos, end)
 * still, which is what a split may take away.
 */
struct busy {
	uint64_t	hold, pos, end;
};

/* The canonical piece size for a file of this many bytes. */
uint32_t piece_size_for(uint64_t size);

/* Allocate an empty map for size bytes; -ENOMEM or -EFBIG. */
int	 piecemap_init(struct piecemap *, uint64_t size);
void	 piecemap_free(struct piecemap *);
void	 piecemap_clear(struct piecemap *);
bool	 piecemap_has(const struct piecemap *, uint32_t piece);
void	 piecemap_set(struct piecemap *, uint32_t piece);
bool	 piecemap_complete(const struct piecemap *);
size_t	 piecemap_nbytes(const struct piecemap *);	/* of bits */
/* Bytes of piece i (the last one may be short). */
uint32_t piecemap_len(const struct piecemap *, uint32_t piece);
/* Length of the contiguous prefix of pieces held, in bytes. */
uint64_t piecemap_prefix(const struct piecemap *);
/* Bytes held in total. */
uint64_t piecemap_bytes(const struct piecemap *);

/*
 * Choose the next range for a source.  active[] are the ranges other
 * sources are working on.
 * Returns:
 *   1  out is a run of missing pieces nobody fetches (largest first);
 *   2  out is the upper half of active[*victim]'s [pos, end), which must
 *      now end at out->start (only when that is at least 2 * min_split);
 *   0  nothing to do.
 * Boundaries are piece-aligned (the file end excepted).
 */
int	 sched_pick(const struct piecemap *, const struct busy *active,
	    size_t nactive, uint64_t min_split, struct span *out,
	    size_t *victim);

#endif
