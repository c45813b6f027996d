/* SPDX-License-Identifier: ISC */
/*
 * pieces.h - a file as pieces.
 *
 * Every file is cut into pieces whose size is a deterministic function of
 * the file size, so any two machines holding the same file agree on the
 * layout without talking, and any source (a mirror range or a peer)
 * fills whole pieces.  A have-bitmap records the pieces on disk; the
 * contiguous prefix of it is what a reader may already copy.  (Who fetches
 * which piece is the engine's picker's to decide: engine/picker.h.)
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

#endif
