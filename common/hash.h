/* SPDX-License-Identifier: ISC */
/*
 * hash.h - SHA-1 and SHA-256 over OpenSSL's libcrypto EVP, and hex.
 *
 * libcrypto uses SHA-NI where the CPU has it (about 2 GB/s here, five times
 * libsodium's portable SHA-256), which matters when a daemon verifies
 * every byte it stores.
 */
#ifndef APTBT_HASH_H
#define APTBT_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN	20
#define SHA256_LEN	32
#define HASH_MAX_LEN	64

enum hash_alg {
	HASH_SHA1,
	HASH_SHA256,
	HASH_SHA512,
};

struct hash_ctx;

/* Incremental hashing; hash_new returns NULL on allocation failure. */
struct hash_ctx	*hash_new(enum hash_alg);
void		 hash_update(struct hash_ctx *, const void *, size_t);
/* Writes hash_len(alg) bytes and resets the context for reuse. */
void		 hash_final(struct hash_ctx *, uint8_t *out);
void		 hash_free(struct hash_ctx *);
size_t		 hash_len(enum hash_alg);

/* One-shot. */
void	 sha1(const void *, size_t, uint8_t out[SHA1_LEN]);
void	 sha256(const void *, size_t, uint8_t out[SHA256_LEN]);

/* Lower-case hex; out must hold 2 * len + 1 bytes. */
void	 hex_encode(const uint8_t *, size_t len, char *out);
/*
 * "ab/ab12...ef" + suffix: a SHA-256 as a path under 256 fan-out
 * directories (published torrents and block lists); out must hold
 * 3 + 2 * SHA256_LEN + strlen(suffix) + 1 bytes.
 */
void	 hex_fanout_name(const uint8_t sha[SHA256_LEN], const char *suffix,
	    char *out);
/* The value of one hex digit (either case), or -1. */
int	 hex_digit(int c);
/* Decode exactly 2 * len hex digits (either case); false on bad input. */
bool	 hex_decode(const char *, size_t hexlen, uint8_t *out, size_t len);

#endif
