/* SPDX-License-Identifier: ISC */
/*
 * bencode.h - bencode decoding and encoding (BEP 3).
 *
 * The decoder is zero-copy: it turns the input into a flat array of tokens
 * whose spans point into the caller's buffer, so the raw bytes of any value
 * (an info dictionary, say) can be hashed exactly as they arrived.  Input
 * limits (total size, nesting depth, token count) bound the work any remote
 * party can cause.  Malformed input is rejected: leading zeros, "-0", empty
 * integers, truncated data, string lengths past the end, trailing bytes.
 *
 * BENC_STRICT additionally requires dictionary keys to be sorted and unique
 * (our own formats: control protocol, manifests); without it keys may come
 * in any order (other people's torrents and tracker replies) and lookups
 * return the first match.
 *
 * The encoder appends canonical bencode to a bytebuf; callers emit
 * dictionary keys in sorted order.
 */
#ifndef APTBT_BENCODE_H
#define APTBT_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"

enum benc_type {
	BENC_INT = 1,
	BENC_STR,
	BENC_LIST,
	BENC_DICT,
};

/* Decoder errors, returned negated. */
enum benc_error {
	BENC_OK = 0,
	BENC_ETRUNC,		/* input ends inside a value */
	BENC_ESYNTAX,		/* unexpected byte */
	BENC_EINT,		/* bad integer: leading zero, -0, empty, overflow */
	BENC_ESTRLEN,		/* string length bad or past the end */
	BENC_EDEPTH,		/* nested deeper than the limit */
	BENC_ETOOBIG,		/* input or token count over the limit */
	BENC_EKEY,		/* dict key not a string, or (strict) unsorted/duplicate */
	BENC_ETRAILING,		/* bytes after the top-level value */
	BENC_ENOMEM,
};

struct benc_limits {
	size_t	max_input;	/* bytes */
	size_t	max_tokens;
	unsigned max_depth;
};

/* Sensible limits for untrusted input of up to 1 MiB. */
extern const struct benc_limits benc_default_limits;

#define BENC_STRICT	0x1

struct benc_tok {
	uint8_t		type;		/* enum benc_type */
	uint32_t	start;		/* raw span of the whole value */
	uint32_t	end;		/* one past its last byte */
	uint32_t	next;		/* index of the token after this subtree */
	uint32_t	count;		/* list: items; dict: key/value pairs */
	int64_t		ival;		/* BENC_INT */
	uint32_t	sstart;		/* BENC_STR: payload offset */
	uint32_t	slen;		/* BENC_STR: payload length */
};

/*
 * A parsed document.  Token 0 is the top-level value.  The items of a
 * list at token i start at i + 1 and follow each other through .next; a
 * dict's children alternate key, value.
 */
struct benc_doc {
	const uint8_t	*buf;
	size_t		 len;
	struct benc_tok	*toks;
	size_t		 ntoks;
};

/* Parse buf; returns 0 or -enum benc_error.  NULL limits means the defaults. */
int	 benc_parse(struct benc_doc *, const void *buf, size_t len,
	    const struct benc_limits *, int flags);
void	 benc_free(struct benc_doc *);
const char *benc_strerror(int err);

/* Lookups; each returns a token index or -1 (also for a type mismatch). */
int	 benc_dict_get(const struct benc_doc *, int dict, const char *key);
int	 benc_dict_get_type(const struct benc_doc *, int dict, const char *key,
	    enum benc_type);
/* The first child of a list or dict (or -1), and the next sibling in it. */
int	 benc_first(const struct benc_doc *, int container);
int	 benc_next(const struct benc_doc *, int container, int child);

/* Typed dict accessors: true when present with the right type. */
bool	 benc_dict_int(const struct benc_doc *, int dict, const char *key,
	    int64_t *out);
/* *out points into the document's buffer (not NUL-terminated). */
bool	 benc_dict_str(const struct benc_doc *, int dict, const char *key,
	    const uint8_t **out, size_t *outlen);
/* Compare a string token with a C string. */
bool	 benc_str_eq(const struct benc_doc *, int tok, const char *);
/* Pointer to a token's string payload. */
const uint8_t *benc_str(const struct benc_doc *, int tok, size_t *len);

/* Encoder. */
void	 benc_put_int(struct bytebuf *, int64_t);
void	 benc_put_str(struct bytebuf *, const void *, size_t);
void	 benc_put_cstr(struct bytebuf *, const char *);
void	 benc_put_list(struct bytebuf *);	/* 'l' */
void	 benc_put_dict(struct bytebuf *);	/* 'd' */
void	 benc_put_end(struct bytebuf *);	/* 'e' */
/* A key followed by a value: shorthands for the common dict entries. */
void	 benc_put_kv_int(struct bytebuf *, const char *key, int64_t);
void	 benc_put_kv_str(struct bytebuf *, const char *key, const char *);
void	 benc_put_kv_bytes(struct bytebuf *, const char *key, const void *,
	    size_t);

#endif
