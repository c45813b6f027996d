/* SPDX-License-Identifier: ISC */
/*
 * json.c - streaming JSON output.
 *
 * Strings from the daemon are bytes, not necessarily UTF-8 (a torrent's
 * name may be anything), so invalid sequences are written as \u00XX of
 * each byte rather than producing invalid JSON.
 */
#include "config.h"

#include <string.h>

#include "client/ctl/json.h"

void
json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* Separator before a value at the current level. */
static void
json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void
json_open(struct json *j, int c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void
json_close(struct json *j, int c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void
json_begin_object(struct json *j)
{
	json_open(j, '{');
}

void
json_end_object(struct json *j)
{
	json_close(j, '}');
}

void
json_begin_array(struct json *j)
{
	json_open(j, '[');
}

void
json_end_array(struct json *j)
{
	json_close(j, ']');
}

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t	n, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void
json_raw_string(struct json *j, const unsigned char *p, size_t len)
{
	size_t	i = 0, n;

	fputc('"', j->f);
	while (i < len) {
		switch (p[i]) {
		case '"':
			fputs("\\\"", j->f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", j->f);
			i++;
			continue;
		case '\n':
			fputs("\\n", j->f);
			i++;
			continue;
		case '\t':
			fputs("\\t", j->f);
			i++;
			continue;
		}
		if (p[i] < 0x20 || (n = utf8_len(p + i, len - i)) == 0) {
			fprintf(j->f, "\\u%04x", p[i]);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, j->f);
		i += n;
	}
	fputc('"', j->f);
}

void
json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_raw_string(j, (const unsigned char *)key, strlen(key));
	fputc(':', j->f);
	j->after_key = true;
}

void
json_string(struct json *j, const void *p, size_t len)
{
	json_sep(j);
	json_raw_string(j, p, len);
}

void
json_cstring(struct json *j, const char *s)
{
	json_string(j, s, strlen(s));
}

void
json_int(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->f, "%lld", (long long)v);
}

void
json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void
json_end(struct json *j)
{
	fputc('\n', j->f);
}

void
json_from_benc(struct json *j, const struct benc_doc *doc, int tok)
{
	const struct benc_tok	*t = &doc->toks[tok];
	int			 c;
	size_t			 klen;
	const uint8_t		*k;
	char			 key[256];

	switch (t->type) {
	case BENC_INT:
		json_int(j, t->ival);
		break;
	case BENC_STR:
		json_string(j, doc->buf + t->sstart, t->slen);
		break;
	case BENC_LIST:
		json_begin_array(j);
		for (c = benc_first(doc, tok); c >= 0; c = benc_next(doc, tok, c))
			json_from_benc(j, doc, c);
		json_end_array(j);
		break;
	case BENC_DICT:
		json_begin_object(j);
		for (c = benc_first(doc, tok); c >= 0;
		    c = benc_next(doc, tok, benc_next(doc, tok, c))) {
			k = benc_str(doc, c, &klen);
			if (klen >= sizeof(key))
				klen = sizeof(key) - 1;
			memcpy(key, k, klen);
			key[klen] = '\0';
			json_key(j, key);
			json_from_benc(j, doc, benc_next(doc, tok, c));
		}
		json_end_object(j);
		break;
	}
}
