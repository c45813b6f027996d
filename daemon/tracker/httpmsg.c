/* SPDX-License-Identifier: ISC */
/*
 * httpmsg.c - the embedded tracker's HTTP messages (see httpmsg.h).
 *
 * A query string is walked once, parameter by parameter, each value
 * percent-decoded into a buffer of its own bound; the table says what a
 * known key's value must be and where it goes.  Every HTTP announce
 * passes here: no strlen or call per character, no printf.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "daemon/tracker/httpmsg.h"

/* A decoded value: no known parameter is longer than a 20-byte hash. */
#define VAL_MAX		64

/* A hex digit's value plus one; 0 for any other byte. */
static const uint8_t hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Percent-decode s[0..len) into out; the decoded length, or -1. */
static long
pct_decode(const char *s, size_t len, uint8_t *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	size_t			 n = 0;
	int			 hi, lo;

	while (p < end) {
		if (n == outlen)
			return -1;
		if (*p != '%') {
			out[n++] = *p++;
			continue;
		}
		if (end - p < 3 || (hi = hexval[p[1]] - 1) < 0 ||
		    (lo = hexval[p[2]] - 1) < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		p += 3;
	}
	return (long)n;
}

/* A decimal number of up to 19 digits (no sign); false when not one. */
static bool
decimal(const uint8_t *v, size_t n, uint64_t *out)
{
	uint64_t	x = 0;
	size_t		i;

	if (n == 0 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

static bool
same(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

enum seen {
	SEEN_IH = 1, SEEN_ID = 2, SEEN_PORT = 4,
};

enum ann_kind { K_HASH, K_ID, K_PORT, K_COUNT, K_LEFT, K_NUMWANT, K_EVENT };

/* An announce's known keys, found by length first. */
static const struct ann_key {
	const char	*name;
	size_t		 len;
	enum ann_kind	 kind;
	size_t		 off;	/* K_COUNT, K_LEFT: the field */
} ann_keys[] = {
#define KEY(s)	s, sizeof(s) - 1
	{ KEY("info_hash"), K_HASH, 0 },
	{ KEY("peer_id"), K_ID, 0 },
	{ KEY("port"), K_PORT, 0 },
	{ KEY("uploaded"), K_COUNT, offsetof(struct thttp_announce, uploaded) },
	{ KEY("downloaded"), K_COUNT,
	    offsetof(struct thttp_announce, downloaded) },
	{ KEY("left"), K_LEFT, offsetof(struct thttp_announce, left) },
	{ KEY("numwant"), K_NUMWANT, 0 },
	{ KEY("event"), K_EVENT, 0 },
#undef KEY
};

/*
 * One parameter of an announce; NULL or a failure reason.  v is NULL
 * (n SIZE_MAX) for a value that could not be decoded: every check below
 * fails on that length before it reads v.
 */
static const char *
ann_param(struct thttp_announce *a, unsigned *seen, const char *k,
    size_t klen, const uint8_t *v, size_t n)
{
	static const char *const events[] = {
		[TRK_EV_NONE] = "", [TRK_EV_COMPLETED] = "completed",
		[TRK_EV_STARTED] = "started", [TRK_EV_STOPPED] = "stopped",
	};
	const struct ann_key	*key;
	uint64_t		 x;
	size_t			 i;

	for (i = 0; i < sizeof(ann_keys) / sizeof(ann_keys[0]); i++)
		if (ann_keys[i].len == klen &&
		    memcmp(ann_keys[i].name, k, klen) == 0)
			break;
	if (i == sizeof(ann_keys) / sizeof(ann_keys[0]))
		return NULL;
	key = &ann_keys[i];
	switch (key->kind) {
	case K_HASH:
	case K_ID:
		if (n != 20)
			return key->kind == K_HASH ?
			    "info_hash is not 20 bytes" :
			    "peer_id is not 20 bytes";
		memcpy(key->kind == K_HASH ? a->info_hash : a->peer_id, v, 20);
		*seen |= key->kind == K_HASH ? SEEN_IH : SEEN_ID;
		return NULL;
	case K_PORT:
		if (!decimal(v, n, &x) || x == 0 || x > 65535)
			return "port is not 1 to 65535";
		a->port = (uint16_t)x;
		*seen |= SEEN_PORT;
		return NULL;
	case K_COUNT:
	case K_LEFT:
		if (!decimal(v, n, &x))
			return "a count is not a number";
		memcpy((char *)a + key->off, &x, sizeof(x));
		if (key->kind == K_LEFT)
			a->has_left = true;
		return NULL;
	case K_NUMWANT:
		if (!decimal(v, n, &x))
			return "numwant is not a number";
		a->numwant = x > INT32_MAX ? INT32_MAX : (int64_t)x;
		return NULL;
	case K_EVENT:
		for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
			if (strlen(events[i]) == n &&
			    memcmp(events[i], v, n) == 0) {
				a->event = (enum trk_event)i;
				return NULL;
			}
		/* BEP 21: a partial seed that pauses stays in the swarm. */
		if (n == 6 && memcmp(v, "paused", 6) == 0)
			return NULL;
		return "unknown event";
	}
	return NULL;
}

/*
 * Walk a query string: each parameter's key and decoded value go to fn
 * (which returns NULL to go on, or a failure reason to stop); a value
 * that cannot be decoded goes as NULL with the length SIZE_MAX.
 */
typedef const char *param_fn(void *arg, const char *k, size_t klen,
    const uint8_t *v, size_t n);

static const char *
walk(const char *q, size_t len, param_fn *fn, void *arg)
{
	const char	*p = q, *end = q + len, *amp, *eq, *why;
	uint8_t		 v[VAL_MAX];
	long		 n;

	if (len > THTTP_MAX_QUERY)
		return "request too long";
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		n = eq < amp ? pct_decode(eq + 1, (size_t)(amp - eq - 1), v,
		    sizeof(v)) : 0;
		/* Badly encoded or too long: fn refuses it if it is known. */
		if ((why = n < 0 ? fn(arg, p, (size_t)(eq - p), NULL, SIZE_MAX) :
		    fn(arg, p, (size_t)(eq - p), v, (size_t)n)) != NULL)
			return why;
		p = amp + 1;
	}
	return NULL;
}

struct ann_walk {
	struct thttp_announce	*a;
	unsigned		 seen;
};

static const char *
ann_cb(void *arg, const char *k, size_t klen, const uint8_t *v, size_t n)
{
	struct ann_walk	*w = arg;

	return ann_param(w->a, &w->seen, k, klen, v, n);
}

const char *
thttp_parse_announce(const char *query, size_t len, struct thttp_announce *a)
{
	struct ann_walk	 w = { a, 0 };
	const char	*why;

	memset(a, 0, sizeof(*a));
	a->numwant = -1;
	if (query == NULL)
		return "missing info_hash";
	if ((why = walk(query, len, ann_cb, &w)) != NULL)
		return why;
	if (!(w.seen & SEEN_IH))
		return "missing info_hash";
	if (!(w.seen & SEEN_ID))
		return "missing peer_id";
	if (!(w.seen & SEEN_PORT))
		return "missing port";
	return NULL;
}

struct scrape_walk {
	uint8_t		(*hashes)[20];
	size_t		  n;
};

static const char *
scrape_cb(void *arg, const char *k, size_t klen, const uint8_t *v, size_t n)
{
	struct scrape_walk	*w = arg;

	if (!same(k, klen, "info_hash"))
		return NULL;
	if (v == NULL || n != 20)
		return "info_hash is not 20 bytes";
	if (w->n == THTTP_SCRAPE_MAX)
		return "too many info_hash in one scrape";
	memcpy(w->hashes[w->n++], v, 20);
	return NULL;
}

const char *
thttp_parse_scrape(const char *query, size_t len, uint8_t (*hashes)[20],
    size_t *n)
{
	struct scrape_walk	 w = { hashes, 0 };
	const char		*why;

	*n = 0;
	if (query != NULL && (why = walk(query, len, scrape_cb, &w)) != NULL)
		return why;
	if (w.n == 0)
		return "a scrape names info_hash (no full scrape)";
	*n = w.n;
	return NULL;
}

static const struct benc_limits seeds_limits = {
	THTTP_SEEDS_BODY, 64, 4
};

const char *
thttp_parse_seeds(const uint8_t *body, size_t len, struct thttp_seeds *s)
{
	struct benc_doc	 doc;
	const uint8_t	*v;
	const char	*why = NULL;
	size_t		 n;
	int64_t		 port;

	memset(s, 0, sizeof(*s));
	if (len > THTTP_SEEDS_BODY)
		return "body too large";
	if (benc_parse(&doc, body, len, &seeds_limits, 0) != 0)
		return "body is not bencode";
	if (doc.toks[0].type != BENC_DICT)
		why = "body is not a dictionary";
	else if (!benc_dict_int(&doc, 0, "port", &port) || port < 1 ||
	    port > 65535)
		why = "port is not 1 to 65535";
	else if (!benc_dict_str(&doc, 0, "peer_id", &v, &n) || n != 20)
		why = "peer_id is not 20 bytes";
	else {
		s->port = (uint16_t)port;
		memcpy(s->peer_id, v, 20);
		if (!benc_dict_str(&doc, 0, "event", &v, &n) || n == 0)
			s->event = TRK_EV_NONE;
		else if (n == 7 && memcmp(v, "started", 7) == 0)
			s->event = TRK_EV_STARTED;
		else if (n == 7 && memcmp(v, "stopped", 7) == 0)
			s->event = TRK_EV_STOPPED;
		else
			why = "event is not started, stopped or empty";
	}
	if (why == NULL && (!benc_dict_str(&doc, 0, "hashes", &v, &n) ||
	    n == 0 || n % 20 != 0 || n / 20 > THTTP_SEEDS_MAX))
		why = "hashes is not 1 to 1000 20-byte hashes";
	if (why == NULL) {
		s->hashes = v;
		s->n = n / 20;
	}
	benc_free(&doc);
	return why;
}

/* The decimal form of v at o, then tail; returns the end. */
static uint8_t *
put_dec(uint8_t *o, uint64_t v, bool neg, char tail)
{
	char	 tmp[24], *p = tmp + sizeof(tmp);
	size_t	 n;

	*--p = tail;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(o, p, n);
	return o + n;
}

/* i<v>e after the literal key k (its bencoded form). */
static uint8_t *
put_kv_int(uint8_t *o, const char *k, size_t klen, int64_t v)
{
	memcpy(o, k, klen);
	o[klen] = 'i';
	return put_dec(o + klen + 1, v < 0 ? (uint64_t)0 - (uint64_t)v :
	    (uint64_t)v, v < 0, 'e');
}

/* The compact peers: one string, alen + 2 bytes a peer. */
static uint8_t *
put_peers(uint8_t *o, const struct swarms_peer *p, size_t n, size_t alen)
{
	size_t	i;

	o = put_dec(o, n * (alen + 2), false, ':');
	for (i = 0; i < n; i++, o += alen + 2) {
		memcpy(o, p[i].addr, alen);
		o[alen] = (uint8_t)(p[i].port >> 8);
		o[alen + 1] = (uint8_t)p[i].port;
	}
	return o;
}

#define BKEY(s)		s, sizeof(s) - 1	/* a bencoded key, its length */
#define ANN_HEAD	"d11:" THTTP_SEEDS_KEY "12:" THTTP_SEEDS_PATH
_Static_assert(sizeof(THTTP_SEEDS_KEY) - 1 == 11 &&
    sizeof(THTTP_SEEDS_PATH) - 1 == 12, "ANN_HEAD's lengths");

/*
 * Every HTTP announce is answered here, so the reply is written in
 * place after one reserve of the most it can take, its keys constants
 * in canonical (sorted) order, rather than by a call per item.
 */
void
thttp_put_announce(struct bytebuf *b, const struct thttp_reply *r)
{
	size_t	 max = 128 + 6 * 24 + r->n4 * 6 + r->n6 * 18;
	uint8_t	*o;

	if (!bytebuf_reserve(b, max))
		return;
	o = b->data + b->len;
	memcpy(o, ANN_HEAD, sizeof(ANN_HEAD) - 1);
	o += sizeof(ANN_HEAD) - 1;
	o = put_kv_int(o, BKEY("8:complete"), r->complete);
	o = put_kv_int(o, BKEY("10:incomplete"), r->incomplete);
	o = put_kv_int(o, BKEY("8:interval"), r->interval);
	o = put_kv_int(o, BKEY("12:min interval"), r->min_interval);
	memcpy(o, "5:peers", 7);
	o = put_peers(o + 7, r->peers4, r->n4, 4);
	memcpy(o, "6:peers6", 8);
	o = put_peers(o + 8, r->peers6, r->n6, 16);
	*o++ = 'e';
	b->len = (size_t)(o - b->data);
}

struct scrape_ent {
	const uint8_t			*ih;
	const struct swarms_counts	*c;
};

static int
ent_cmp(const void *a, const void *b)
{
	return memcmp(((const struct scrape_ent *)a)->ih,
	    ((const struct scrape_ent *)b)->ih, 20);
}

void
thttp_put_scrape(struct bytebuf *b, const uint8_t (*hashes)[20],
    const struct swarms_counts *c, size_t n)
{
	struct scrape_ent	e[THTTP_SCRAPE_MAX];
	size_t			i;

	if (n > THTTP_SCRAPE_MAX)
		n = THTTP_SCRAPE_MAX;
	for (i = 0; i < n; i++) {
		e[i].ih = hashes[i];
		e[i].c = &c[i];
	}
	/* Canonical bencode: keys sorted, each once. */
	qsort(e, n, sizeof(e[0]), ent_cmp);
	benc_put_dict(b);
	benc_put_cstr(b, "files");
	benc_put_dict(b);
	for (i = 0; i < n; i++) {
		if (i > 0 && memcmp(e[i].ih, e[i - 1].ih, 20) == 0)
			continue;
		benc_put_str(b, e[i].ih, 20);
		benc_put_dict(b);
		benc_put_kv_int(b, "complete", e[i].c->complete);
		benc_put_kv_int(b, "downloaded", e[i].c->downloaded);
		benc_put_kv_int(b, "incomplete", e[i].c->incomplete);
		benc_put_end(b);
	}
	benc_put_end(b);
	benc_put_end(b);
}

void
thttp_put_seeds(struct bytebuf *b, int64_t interval, size_t count)
{
	benc_put_dict(b);
	benc_put_kv_int(b, "count", (int64_t)count);
	benc_put_kv_int(b, "interval", interval);
	benc_put_end(b);
}

void
thttp_put_failure(struct bytebuf *b, const char *reason)
{
	benc_put_dict(b);
	benc_put_kv_str(b, "failure reason", reason);
	benc_put_end(b);
}
