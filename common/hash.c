/* SPDX-License-Identifier: ISC */
/*
 * hash.c - SHA-1, SHA-256 and SHA-512 over libcrypto's EVP, and hex.
 *
 * With OpenSSL 3 each EVP_sha256()-style init looks the algorithm up in
 * the provider tables; fetching each digest once keeps that lookup off
 * the per-piece path, where most hashed files are small.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "common/hash.h"

struct hash_ctx {
	EVP_MD_CTX	*md;
	enum hash_alg	 alg;
};

static const struct {
	const char	*name;
	size_t		 len;
} hash_algs[] = {
	[HASH_SHA1] = { "SHA1", SHA1_LEN },
	[HASH_SHA256] = { "SHA256", SHA256_LEN },
	[HASH_SHA512] = { "SHA512", 64 },
};
#define NALGS	(sizeof(hash_algs) / sizeof(hash_algs[0]))

static const EVP_MD	*hash_md[NALGS];
static pthread_once_t	 hash_once = PTHREAD_ONCE_INIT;

static void
hash_init_mds(void)
{
	size_t	i;

	for (i = 0; i < NALGS; i++) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		/* Never freed: they live as long as the process. */
		hash_md[i] = EVP_MD_fetch(NULL, hash_algs[i].name, NULL);
		if (hash_md[i] != NULL)
			continue;
#endif
		hash_md[i] = EVP_get_digestbyname(hash_algs[i].name);
	}
}

static const EVP_MD *
hash_evp(enum hash_alg alg)
{
	if ((size_t)alg >= NALGS)
		return NULL;
	pthread_once(&hash_once, hash_init_mds);
	return hash_md[alg];
}

size_t
hash_len(enum hash_alg alg)
{
	return (size_t)alg < NALGS ? hash_algs[alg].len : 0;
}

struct hash_ctx *
hash_new(enum hash_alg alg)
{
	struct hash_ctx	*h;
	const EVP_MD	*md;

	if ((md = hash_evp(alg)) == NULL)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->alg = alg;
	if ((h->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->md, md, NULL) != 1) {
		hash_free(h);
		return NULL;
	}
	return h;
}

void
hash_update(struct hash_ctx *h, const void *p, size_t n)
{
	if (n > 0)
		EVP_DigestUpdate(h->md, p, n);
}

/*
 * libcrypto fails here only when out of memory; an all-zero digest then
 * matches no expected hash, so the data is refused rather than trusted.
 */
void
hash_final(struct hash_ctx *h, uint8_t *out)
{
	size_t	n = hash_len(h->alg);

	if (EVP_DigestFinal_ex(h->md, out, NULL) != 1)
		memset(out, 0, n);
	EVP_DigestInit_ex(h->md, hash_evp(h->alg), NULL);
}

void
hash_free(struct hash_ctx *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

static void
hash_oneshot(enum hash_alg alg, const void *p, size_t n, uint8_t *out)
{
	const EVP_MD	*md = hash_evp(alg);

	if (md == NULL || EVP_Digest(p, n, out, NULL, md, NULL) != 1)
		memset(out, 0, hash_len(alg));
}

void
sha1(const void *p, size_t n, uint8_t out[SHA1_LEN])
{
	hash_oneshot(HASH_SHA1, p, n, out);
}

void
sha256(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	hash_oneshot(HASH_SHA256, p, n, out);
}

void
hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
hex_decode(const char *s, size_t hexlen, uint8_t *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	if (len > SIZE_MAX / 2 || hexlen != 2 * len)
		return false;
	for (i = 0; i < len; i++) {
		if ((hi = hex_digit(s[2 * i])) < 0 ||
		    (lo = hex_digit(s[2 * i + 1])) < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void
hex_fanout_name(const uint8_t sha[SHA256_LEN], const char *suffix, char *out)
{
	hex_encode(sha, SHA256_LEN, out + 3);
	out[0] = out[3];
	out[1] = out[4];
	out[2] = '/';
	memcpy(out + 3 + 2 * SHA256_LEN, suffix, strlen(suffix) + 1);
}
