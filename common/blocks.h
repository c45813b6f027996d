/* SPDX-License-Identifier: ISC */
/*
 * blocks.h - a file's block checksums, the ".blocks" file (doc/blocks.md).
 *
 * Beside the torrent of an uncompressed file a mirror may publish, named
 * by the file's SHA-256, a weak rolling checksum (rsync's, 4 bytes) and
 * a strong one (the first 8 bytes of the SHA-256) for every block of the
 * file.  A client holding related data finds the blocks it already has
 * with them (common/blockmatch.h) and fetches only the rest.  The list is
 * a hint: every byte still reaches apt only after the file's SHA-256
 * matches, so a wrong or stale list costs bytes, never a wrong file.
 *
 * A block's sums are taken over its bytes padded with zeros to the block
 * size (the last block may be short), so a block that matches at the end
 * of a candidate file is found as any other.
 *
 * The encoder is streaming, to be one more consumer of the buffers a
 * single read of the file feeds to the other hashes.
 */
#ifndef APTBT_BLOCKS_H
#define APTBT_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "common/hash.h"

#define BLOCKS_VERSION		1
#define BLOCKS_SIZE		512		/* what aptbt-mkmeta writes */
#define BLOCKS_MIN_SIZE		64
#define BLOCKS_MAX_SIZE		(1u << 20)
#define BLOCKS_WEAK_LEN		4
#define BLOCKS_STRONG_LEN	8
#define BLOCKS_PER_BLOCK	(BLOCKS_WEAK_LEN + BLOCKS_STRONG_LEN)
/* At most 4 Mi blocks (2 GiB of file at 512 bytes; 48 MiB of list). */
#define BLOCKS_MAX_BLOCKS	(1u << 22)
#define BLOCKS_MAX_INPUT	(BLOCKS_MAX_BLOCKS * BLOCKS_PER_BLOCK + 256u)

/*
 * Below this a file's list is not worth its round trip and its bytes;
 * and compressed data (.deb, .xz, ...) finds 0-16% of itself in its
 * previous version: for neither does aptbt-mkmeta write a list, nor
 * aptbtd ask for one.
 */
#define BLOCKS_MIN_FILE		(64u * 1024)
bool	 blocks_wanted(const char *filename, uint64_t size);

/* Where a file's list sits under a mirror's aptbt/ directory. */
#define BLOCKS_DIR		"blocks"
/* "XX/HEX64.blocks"; out holds BLOCKS_NAME_LEN + 1 bytes. */
#define BLOCKS_NAME_LEN		(3 + 2 * SHA256_LEN + 7)
void	 blocks_name(const uint8_t sha[SHA256_LEN], char *out);

enum blocks_error {
	BLOCKS_OK = 0,
	BLOCKS_EBENCODE,	/* not canonical bencode, or too big */
	BLOCKS_EVERSION,	/* version missing or not one we read */
	BLOCKS_ESIZE,		/* block size missing, not a power of two,
				   or out of bounds */
	BLOCKS_ELENGTH,		/* length missing, zero, or too many blocks */
	BLOCKS_ESUMS,		/* weak or strong missing or of the wrong size */
	BLOCKS_ENOMEM,
	BLOCKS_NERRORS
};

struct blocks {
	uint32_t	 block;		/* block size */
	uint64_t	 length;	/* the file's */
	size_t		 n;		/* blocks: ceil(length / block) */
	uint8_t		*weak;		/* n * BLOCKS_WEAK_LEN, big-endian */
	uint8_t		*strong;	/* n * BLOCKS_STRONG_LEN */
};

/*
 * Parse a list of len bytes (at most BLOCKS_MAX_INPUT); the sums are
 * copied.  Returns 0 or -enum blocks_error; on error nothing to free.
 */
int	 blocks_parse(struct blocks *, const void *buf, size_t len);
void	 blocks_free(struct blocks *);
const char *blocks_strerror(int err);

/* Block i's weak sum, and its length in the file (the last may be short). */
uint32_t blocks_weak(const struct blocks *, size_t i);
uint32_t blocks_len(const struct blocks *, size_t i);

/* rsync's weak sum of block bytes (no padding: len == block size). */
uint32_t blocks_weak_sum(const uint8_t *, size_t len);
/* The strong sum of len bytes zero-padded to block (len <= block). */
void	 blocks_strong_sum(const uint8_t *, size_t len, uint32_t block,
	    uint8_t out[BLOCKS_STRONG_LEN]);

/* The streaming encoder. */
struct blocks_enc {
	uint32_t	 block;
	uint64_t	 length;
	struct bytebuf	 weak, strong;
	uint8_t		*pend;		/* a block's bytes not yet summed */
	size_t		 npend;
	int		 err;		/* sticky: 0 or -enum blocks_error */
};

/* 0, -BLOCKS_ESIZE for a bad block size, -BLOCKS_ENOMEM. */
int	 blocks_enc_init(struct blocks_enc *, uint32_t block);
void	 blocks_enc_feed(struct blocks_enc *, const void *, size_t);
/*
 * Append the canonical list of everything fed to out; 0, -BLOCKS_ELENGTH
 * for nothing fed or too many blocks, -BLOCKS_ENOMEM.  Frees the encoder
 * either way (blocks_enc_free after it is harmless).
 */
int	 blocks_enc_finish(struct blocks_enc *, struct bytebuf *out);
void	 blocks_enc_free(struct blocks_enc *);

/*
 * The size of the list the encoder writes for a file of length bytes:
 * what lets a rerun tell a list already written from a missing one
 * without reading it.  0 when the file has no list (empty, too long).
 */
size_t	 blocks_encoded_len(uint64_t length, uint32_t block);

/* The list of one buffer, as the encoder would write it. */
int	 blocks_encode(const void *, size_t len, uint32_t block,
	    struct bytebuf *out);

#endif
