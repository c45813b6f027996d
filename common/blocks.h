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

/*
 * Version 1: 4 bytes of weak and 8 of strong sum per block.  Version 2
 * says how many of each it keeps (keys "wlen" and "slen"): the compact
 * lists of compressed package files, where every byte of list counts
 * against the little they find.
 */
#define BLOCKS_VERSION		1
#define BLOCKS_VERSION_SHAPED	2
#define BLOCKS_SIZE		512		/* uncompressed files */
#define BLOCKS_DEB_SIZE		2048		/* .deb and .udeb */
#define BLOCKS_MIN_SIZE		64
#define BLOCKS_MAX_SIZE		(1u << 20)
#define BLOCKS_WEAK_LEN		4		/* at most, and in version 1 */
#define BLOCKS_STRONG_LEN	8		/* at most, and in version 1 */
#define BLOCKS_MIN_WEAK_LEN	2
#define BLOCKS_MIN_STRONG_LEN	2
#define BLOCKS_PER_BLOCK	(BLOCKS_WEAK_LEN + BLOCKS_STRONG_LEN)
/* At most 4 Mi blocks (2 GiB of file at 512 bytes; 48 MiB of list). */
#define BLOCKS_MAX_BLOCKS	(1u << 22)
#define BLOCKS_MAX_INPUT	(BLOCKS_MAX_BLOCKS * BLOCKS_PER_BLOCK + 256u)

/*
 * The shape of a file's list: block size, and bytes of weak and strong
 * sum per block (version 1: 4 and 8).
 */
struct blocks_shape {
	uint32_t	block;
	uint8_t		wlen, slen;
};

/*
 * Below this a file's list is not worth its round trip and its bytes;
 * compressed data (.xz, .gz, ...) finds almost nothing of itself in its
 * previous version: for neither does aptbt-mkmeta write a list, nor
 * aptbtd ask for one.  Package files (.deb, .udeb), compressed too, find
 * 0-16% of themselves: they get compact lists (doc/blocks.md), 2 KiB
 * blocks with 2-3 bytes of weak and 3-4 of strong sum, the fewer the
 * fewer blocks, so the list costs less than zsync's control file.  The
 * rest gets 512-byte blocks of version 1.  blocks_shape_for fills *out
 * and returns true when the file gets a list; blocks_wanted only says
 * whether.
 */
#define BLOCKS_MIN_FILE		(64u * 1024)
bool	 blocks_shape_for(const char *filename, uint64_t size,
	    struct blocks_shape *out);
bool	 blocks_wanted(const char *filename, uint64_t size);
/* The shape of version 1 lists of block size block. */
struct blocks_shape blocks_shape_v1(uint32_t block);

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
	BLOCKS_ESUMS,		/* weak or strong missing or of the wrong size,
				   or their widths out of bounds */
	BLOCKS_ENOMEM,
	BLOCKS_NERRORS
};

struct blocks {
	uint32_t	 block;		/* block size */
	uint64_t	 length;	/* the file's */
	size_t		 n;		/* blocks: ceil(length / block) */
	uint8_t		 wlen, slen;	/* bytes of each sum per block */
	uint8_t		*weak;		/* n * wlen: the weak sum's first
					   wlen bytes, big-endian */
	uint8_t		*strong;	/* n * slen */
};

/*
 * Parse a list of len bytes (at most BLOCKS_MAX_INPUT); the sums are
 * copied.  Returns 0 or -enum blocks_error; on error nothing to free.
 */
int	 blocks_parse(struct blocks *, const void *buf, size_t len);
void	 blocks_free(struct blocks *);
const char *blocks_strerror(int err);

/*
 * Block i's weak sum as kept (its first wlen bytes: compare with
 * blocks_weak_cut of a full one), and its length in the file (the last
 * may be short).
 */
uint32_t blocks_weak(const struct blocks *, size_t i);
uint32_t blocks_weak_cut(const struct blocks *, uint32_t weak);
uint32_t blocks_len(const struct blocks *, size_t i);

/* rsync's weak sum of block bytes (no padding: len == block size). */
uint32_t blocks_weak_sum(const uint8_t *, size_t len);
/* The strong sum of len bytes zero-padded to block (len <= block). */
void	 blocks_strong_sum(const uint8_t *, size_t len, uint32_t block,
	    uint8_t out[BLOCKS_STRONG_LEN]);

/* The streaming encoder. */
struct blocks_enc {
	uint32_t	 block;
	uint8_t		 wlen, slen;
	uint64_t	 length;
	struct bytebuf	 weak, strong;
	uint8_t		*pend;		/* a block's bytes not yet summed */
	size_t		 npend;
	int		 err;		/* sticky: 0 or -enum blocks_error */
};

/* 0, -BLOCKS_ESIZE for a bad block size, -BLOCKS_ENOMEM. */
int	 blocks_enc_init(struct blocks_enc *, uint32_t block);
/* The same for a list of that shape; -BLOCKS_ESUMS for bad widths. */
int	 blocks_enc_init_shape(struct blocks_enc *,
	    const struct blocks_shape *);
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
size_t	 blocks_encoded_len_shape(uint64_t length,
	    const struct blocks_shape *);

/* The list of one buffer, as the encoder would write it. */
int	 blocks_encode(const void *, size_t len, uint32_t block,
	    struct bytebuf *out);
int	 blocks_encode_shape(const void *, size_t len,
	    const struct blocks_shape *, struct bytebuf *out);

#endif
