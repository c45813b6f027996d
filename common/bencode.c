/* SPDX-License-Identifier: ISC */
/*
 * bencode.c - bencode decoding into a flat token array, and encoding.
 *
 * The decoder is a single forward pass with an explicit stack of open
 * containers, so hostile nesting costs a bounded array rather than C
 * stack, and every byte is looked at once.  Tokens live in one array
 * grown geometrically; nothing else is allocated per value.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"

const struct benc_limits benc_default_limits = {
	.max_input = 1024 * 1024,
	.max_tokens = 65536,
	.max_depth = 64,
};

/* Offsets are 32-bit and token indices are returned as int. */
#define BENC_MAX_INPUT	((size_t)UINT32_MAX)
#define BENC_MAX_TOKENS	((size_t)INT_MAX)
#define BENC_FIRST_TOKS	32
#define BENC_STACK	64	/* open containers kept without malloc */

static const char *const benc_errstr[] = {
	[BENC_OK] = "success",
	[BENC_ETRUNC] = "input ends inside a value",
	[BENC_ESYNTAX] = "unexpected byte",
	[BENC_EINT] = "bad integer",
	[BENC_ESTRLEN] = "bad string length",
	[BENC_EDEPTH] = "nested too deeply",
	[BENC_ETOOBIG] = "input too large",
	[BENC_EKEY] = "bad dictionary key",
	[BENC_ETRAILING] = "trailing bytes after the value",
	[BENC_ENOMEM] = "out of memory",
};

/* An open list or dict during parsing. */
struct benc_open {
	uint32_t	tok;
	uint32_t	nchild;		/* values so far (keys included) */
	uint32_t	lastkey;	/* dict: previous key token, for strict order */
};

struct benc_parser {
	const uint8_t		*buf;
	size_t			 len;
	size_t			 pos;
	struct benc_tok		*toks;
	size_t			 ntoks;
	size_t			 cap;
	size_t			 max_tokens;
	int			 flags;
};

const char *
benc_strerror(int err)
{
	if (err < 0)
		err = err == INT_MIN ? INT_MAX : -err;
	if ((size_t)err >= sizeof(benc_errstr) / sizeof(benc_errstr[0]))
		return "unknown bencode error";
	return benc_errstr[err];
}

static int
benc_newtok(struct benc_parser *p, enum benc_type type, size_t *out)
{
	struct benc_tok	*t;
	size_t		 ncap;

	if (p->ntoks >= p->max_tokens)
		return -BENC_ETOOBIG;
	if (p->ntoks == p->cap) {
		ncap = p->cap ? p->cap * 2 : BENC_FIRST_TOKS;
		if (ncap > p->max_tokens)
			ncap = p->max_tokens;
		/* max_tokens is clamped so that the product cannot wrap. */
		t = realloc(p->toks, ncap * sizeof(*t));
		if (t == NULL)
			return -BENC_ENOMEM;
		p->toks = t;
		p->cap = ncap;
	}
	t = &p->toks[p->ntoks];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->start = (uint32_t)p->pos;
	*out = p->ntoks++;
	return 0;
}

/* "i" [-] digits "e"; p->pos is at the 'i'. */
static int
benc_parse_int(struct benc_parser *p, struct benc_tok *t)
{
	const uint8_t	*b = p->buf;
	size_t		 i = p->pos + 1, first;
	uint64_t	 v = 0, limit = INT64_MAX;
	bool		 neg = false;

	if (i < p->len && b[i] == '-') {
		neg = true;
		limit = (uint64_t)INT64_MAX + 1;
		i++;
	}
	first = i;
	for (; i < p->len && b[i] >= '0' && b[i] <= '9'; i++) {
		unsigned d = b[i] - '0';

		if (v > (limit - d) / 10)
			return -BENC_EINT;
		v = v * 10 + d;
	}
	if (i == p->len)
		return -BENC_ETRUNC;
	if (b[i] != 'e' || i == first)
		return -BENC_EINT;
	/* One spelling per number: no "i03e", no "i-0e". */
	if (b[first] == '0' && (i - first > 1 || neg))
		return -BENC_EINT;
	if (neg)
		t->ival = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)v;
	else
		t->ival = (int64_t)v;
	p->pos = i + 1;
	return 0;
}

/* digits ":" bytes; p->pos is at the first digit. */
static int
benc_parse_str(struct benc_parser *p, struct benc_tok *t)
{
	const uint8_t	*b = p->buf;
	size_t		 i = p->pos, first = i, n = 0;

	for (; i < p->len && b[i] >= '0' && b[i] <= '9'; i++) {
		unsigned d = b[i] - '0';

		/* Any length over the input size is past the end anyway. */
		if (n > (SIZE_MAX - d) / 10 || (n = n * 10 + d) > p->len)
			return -BENC_ESTRLEN;
	}
	if (i == p->len)
		return -BENC_ETRUNC;
	if (b[i] != ':' || (b[first] == '0' && i - first > 1))
		return -BENC_ESTRLEN;
	i++;
	if (n > p->len - i)
		return -BENC_ESTRLEN;
	t->sstart = (uint32_t)i;
	t->slen = (uint32_t)n;
	p->pos = i + n;
	return 0;
}

/* Byte-wise order, a proper prefix first: the canonical key order. */
static int
benc_keycmp(const uint8_t *buf, const struct benc_tok *a,
    const struct benc_tok *b)
{
	size_t	n = a->slen < b->slen ? a->slen : b->slen;
	int	c;

	if (n > 0 && (c = memcmp(buf + a->sstart, buf + b->sstart, n)) != 0)
		return c;
	return (a->slen > b->slen) - (a->slen < b->slen);
}

static int
benc_run(struct benc_parser *p, struct benc_open *stack, unsigned maxdepth)
{
	struct benc_open	*top;
	struct benc_tok		*t;
	size_t			 ti;
	unsigned		 depth = 0;
	uint8_t			 c;
	int			 rv;

	for (;;) {
		if (p->pos >= p->len)
			return -BENC_ETRUNC;
		c = p->buf[p->pos];
		top = depth ? &stack[depth - 1] : NULL;
		if (top != NULL && c == 'e') {
			t = &p->toks[top->tok];
			if (t->type == BENC_DICT && (top->nchild & 1))
				return -BENC_ESYNTAX;	/* key without value */
			p->pos++;
			t->end = (uint32_t)p->pos;
			t->next = (uint32_t)p->ntoks;
			t->count = t->type == BENC_DICT ? top->nchild / 2 :
			    top->nchild;
			if (--depth == 0)
				return 0;
			continue;
		}
		/* A dict key must be a string. */
		if (top != NULL && p->toks[top->tok].type == BENC_DICT &&
		    (top->nchild & 1) == 0 && (c < '0' || c > '9'))
			return c == 'i' || c == 'l' || c == 'd' ?
			    -BENC_EKEY : -BENC_ESYNTAX;

		switch (c) {
		case 'i':
			if ((rv = benc_newtok(p, BENC_INT, &ti)) != 0)
				return rv;
			if ((rv = benc_parse_int(p, &p->toks[ti])) != 0)
				return rv;
			break;
		case 'l':
		case 'd':
			if (depth >= maxdepth)
				return -BENC_EDEPTH;
			if ((rv = benc_newtok(p, c == 'l' ? BENC_LIST :
			    BENC_DICT, &ti)) != 0)
				return rv;
			p->pos++;
			break;
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if ((rv = benc_newtok(p, BENC_STR, &ti)) != 0)
				return rv;
			if ((rv = benc_parse_str(p, &p->toks[ti])) != 0)
				return rv;
			break;
		default:
			return -BENC_ESYNTAX;
		}

		if (top != NULL) {
			if ((p->flags & BENC_STRICT) &&
			    p->toks[top->tok].type == BENC_DICT &&
			    (top->nchild & 1) == 0) {
				if (top->nchild > 0 && benc_keycmp(p->buf,
				    &p->toks[top->lastkey], &p->toks[ti]) >= 0)
					return -BENC_EKEY;
				top->lastkey = (uint32_t)ti;
			}
			top->nchild++;
		}
		t = &p->toks[ti];
		if (t->type == BENC_LIST || t->type == BENC_DICT) {
			stack[depth].tok = (uint32_t)ti;
			stack[depth].nchild = 0;
			stack[depth].lastkey = 0;
			depth++;
			continue;
		}
		t->end = (uint32_t)p->pos;
		t->next = (uint32_t)ti + 1;
		if (depth == 0)
			return 0;
	}
}

int
benc_parse(struct benc_doc *doc, const void *buf, size_t len,
    const struct benc_limits *lim, int flags)
{
	struct benc_open	 small[BENC_STACK], *stack = small;
	struct benc_parser	 p;
	size_t			 maxin;
	int			 rv;

	memset(doc, 0, sizeof(*doc));
	if (lim == NULL)
		lim = &benc_default_limits;
	maxin = lim->max_input < BENC_MAX_INPUT ? lim->max_input :
	    BENC_MAX_INPUT;
	if (len > maxin)
		return -BENC_ETOOBIG;
	if (len == 0)
		return -BENC_ETRUNC;

	memset(&p, 0, sizeof(p));
	p.buf = buf;
	p.len = len;
	p.flags = flags;
	p.max_tokens = lim->max_tokens < BENC_MAX_TOKENS ? lim->max_tokens :
	    BENC_MAX_TOKENS;
	if (p.max_tokens > SIZE_MAX / sizeof(struct benc_tok))
		p.max_tokens = SIZE_MAX / sizeof(struct benc_tok);
	if (lim->max_depth > BENC_STACK &&
	    (stack = calloc(lim->max_depth, sizeof(*stack))) == NULL)
		return -BENC_ENOMEM;

	rv = benc_run(&p, stack, lim->max_depth);
	if (rv == 0 && p.pos != len)
		rv = -BENC_ETRAILING;
	if (stack != small)
		free(stack);
	if (rv != 0) {
		free(p.toks);
		return rv;
	}
	doc->buf = buf;
	doc->len = len;
	doc->toks = p.toks;
	doc->ntoks = p.ntoks;
	return 0;
}

void
benc_free(struct benc_doc *doc)
{
	free(doc->toks);
	memset(doc, 0, sizeof(*doc));
}

static const struct benc_tok *
benc_tok(const struct benc_doc *doc, int i)
{
	if (doc == NULL || i < 0 || (size_t)i >= doc->ntoks)
		return NULL;
	return &doc->toks[i];
}

int
benc_dict_get(const struct benc_doc *doc, int dict, const char *key)
{
	const struct benc_tok	*d, *k;
	size_t			 klen = strlen(key);
	uint32_t		 i, n;

	if ((d = benc_tok(doc, dict)) == NULL || d->type != BENC_DICT)
		return -1;
	i = (uint32_t)dict + 1;
	for (n = 0; n < d->count; n++) {
		k = &doc->toks[i];
		if (k->slen == klen &&
		    memcmp(doc->buf + k->sstart, key, klen) == 0)
			return (int)k->next;
		i = doc->toks[k->next].next;
	}
	return -1;
}

int
benc_dict_get_type(const struct benc_doc *doc, int dict, const char *key,
    enum benc_type type)
{
	int	v;

	if ((v = benc_dict_get(doc, dict, key)) < 0 ||
	    doc->toks[v].type != type)
		return -1;
	return v;
}

int
benc_first(const struct benc_doc *doc, int container)
{
	const struct benc_tok	*c;

	if ((c = benc_tok(doc, container)) == NULL ||
	    (c->type != BENC_LIST && c->type != BENC_DICT) || c->count == 0)
		return -1;
	return container + 1;
}

int
benc_next(const struct benc_doc *doc, int container, int child)
{
	const struct benc_tok	*c, *ch;

	if ((c = benc_tok(doc, container)) == NULL ||
	    (ch = benc_tok(doc, child)) == NULL || child <= container ||
	    (uint32_t)child >= c->next)
		return -1;
	return ch->next < c->next ? (int)ch->next : -1;
}

bool
benc_dict_int(const struct benc_doc *doc, int dict, const char *key,
    int64_t *out)
{
	int	v;

	if ((v = benc_dict_get_type(doc, dict, key, BENC_INT)) < 0)
		return false;
	*out = doc->toks[v].ival;
	return true;
}

bool
benc_dict_str(const struct benc_doc *doc, int dict, const char *key,
    const uint8_t **out, size_t *outlen)
{
	int	v;

	if ((v = benc_dict_get_type(doc, dict, key, BENC_STR)) < 0)
		return false;
	*out = doc->buf + doc->toks[v].sstart;
	*outlen = doc->toks[v].slen;
	return true;
}

bool
benc_str_eq(const struct benc_doc *doc, int tok, const char *s)
{
	const struct benc_tok	*t;
	size_t			 n = strlen(s);

	if ((t = benc_tok(doc, tok)) == NULL || t->type != BENC_STR ||
	    t->slen != n)
		return false;
	return n == 0 || memcmp(doc->buf + t->sstart, s, n) == 0;
}

const uint8_t *
benc_str(const struct benc_doc *doc, int tok, size_t *len)
{
	const struct benc_tok	*t;

	if ((t = benc_tok(doc, tok)) == NULL || t->type != BENC_STR)
		return NULL;
	if (len != NULL)
		*len = t->slen;
	return doc->buf + t->sstart;
}

/* Decimal digits of v, for lengths and integers, without printf. */
static void
benc_put_dec(struct bytebuf *b, uint64_t v, bool neg, char lead, char tail)
{
	char	tmp[24], *p = tmp + sizeof(tmp);

	*--p = tail;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg)
		*--p = '-';
	if (lead)
		*--p = lead;
	bytebuf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
benc_put_int(struct bytebuf *b, int64_t v)
{
	uint64_t	mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	benc_put_dec(b, mag, v < 0, 'i', 'e');
}

void
benc_put_str(struct bytebuf *b, const void *p, size_t n)
{
	benc_put_dec(b, n, false, 0, ':');
	bytebuf_append(b, p, n);
}

void
benc_put_cstr(struct bytebuf *b, const char *s)
{
	benc_put_str(b, s, strlen(s));
}

void
benc_put_list(struct bytebuf *b)
{
	bytebuf_putc(b, 'l');
}

void
benc_put_dict(struct bytebuf *b)
{
	bytebuf_putc(b, 'd');
}

void
benc_put_end(struct bytebuf *b)
{
	bytebuf_putc(b, 'e');
}

void
benc_put_kv_int(struct bytebuf *b, const char *key, int64_t v)
{
	benc_put_cstr(b, key);
	benc_put_int(b, v);
}

void
benc_put_kv_str(struct bytebuf *b, const char *key, const char *v)
{
	benc_put_cstr(b, key);
	benc_put_cstr(b, v);
}

void
benc_put_kv_bytes(struct bytebuf *b, const char *key, const void *v,
    size_t n)
{
	benc_put_cstr(b, key);
	benc_put_str(b, v, n);
}
