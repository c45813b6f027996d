/* SPDX-License-Identifier: ISC */
/*
 * json.h - a small streaming JSON writer for aptbt-ctl --json.
 *
 * Output is one line per document so scripts can read it with jq or a
 * line-oriented reader.  Nesting is tracked so callers never emit commas.
 */
#ifndef APTBT_JSON_H
#define APTBT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/bencode.h"

#define JSON_MAX_DEPTH	32

struct json {
	FILE	*f;
	int	 depth;
	bool	 first[JSON_MAX_DEPTH];
	bool	 after_key;
};

void	json_init(struct json *, FILE *);
void	json_begin_object(struct json *);
void	json_end_object(struct json *);
void	json_begin_array(struct json *);
void	json_end_array(struct json *);
void	json_key(struct json *, const char *);
void	json_string(struct json *, const void *, size_t);
void	json_cstring(struct json *, const char *);
void	json_int(struct json *, int64_t);
void	json_bool(struct json *, bool);
/* Finish the document with a newline. */
void	json_end(struct json *);
/* Write a bencoded value as JSON (strings as text, escaped). */
void	json_from_benc(struct json *, const struct benc_doc *, int tok);

#endif
