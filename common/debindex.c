/* SPDX-License-Identifier: ISC */
/*
 * debindex.c - Release, Packages and Sources text (RFC 822-like stanzas).
 *
 * One cursor walks the text a field at a time; a field's value runs on
 * over the continuation lines that follow it (those starting with a
 * blank), so multi-line fields (SHA256 in Release, Checksums-Sha256 in
 * Sources) come out as one range, read again line by line.  Nothing is
 * copied but the paths handed out, and a clearsigned InRelease, whose
 * dash-escaped body is rebuilt once.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/debindex.h"
#include "common/metainfo.h"

#define PGP_BEGIN	"-----BEGIN PGP SIGNED MESSAGE-----"
#define PGP_SIG		"-----BEGIN PGP SIGNATURE-----"

struct cursor {
	const char	*p, *end;
};

struct field {
	const char	*name, *val;
	size_t		 nlen, vlen;
	bool		 multi;		/* the value has continuation lines */
};

enum { F_EOF, F_FIELD, F_BLANK };

/* The next line [*ls, *le) without its newline or a trailing CR. */
static bool
next_line(struct cursor *c, const char **ls, const char **le)
{
	const char	*nl;

	if (c->p >= c->end)
		return false;
	*ls = c->p;
	if ((nl = memchr(c->p, '\n', (size_t)(c->end - c->p))) == NULL)
		nl = c->end;
	*le = nl;
	c->p = nl < c->end ? nl + 1 : nl;
	if (*le > *ls && (*le)[-1] == '\r')
		(*le)--;
	return true;
}

static bool
is_blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

static int
next_field(struct cursor *c, struct field *f)
{
	const char	*ls, *le, *ns, *ne, *colon, *save;

	for (;;) {
		if (!next_line(c, &ls, &le))
			return F_EOF;
		if (is_blank(ls, le))
			return F_BLANK;
		/* A stray continuation, a comment, or no colon: not a field. */
		if (*ls == ' ' || *ls == '\t' || *ls == '#' ||
		    (colon = memchr(ls, ':', (size_t)(le - ls))) == NULL ||
		    colon == ls)
			continue;
		break;
	}
	f->name = ls;
	f->nlen = (size_t)(colon - ls);
	f->val = colon + 1;
	while (f->val < le && (*f->val == ' ' || *f->val == '\t'))
		f->val++;
	f->multi = false;
	for (;;) {
		save = c->p;
		if (!next_line(c, &ns, &ne))
			break;
		if ((*ns != ' ' && *ns != '\t') || is_blank(ns, ne)) {
			c->p = save;
			break;
		}
		f->multi = true;
		le = ne;
	}
	while (le > f->val && (le[-1] == ' ' || le[-1] == '\t'))
		le--;
	f->vlen = le > f->val ? (size_t)(le - f->val) : 0;
	return F_FIELD;
}

static bool
field_is(const struct field *f, const char *name)
{
	return f->nlen == strlen(name) &&
	    strncasecmp(f->name, name, f->nlen) == 0;
}

bool
debindex_relpath_ok(const char *p, size_t len)
{
	size_t	i, seg;

	if (len == 0 || len > DEBINDEX_MAX_PATH || p[0] == '/' ||
	    !metainfo_url_ok(p, len) || memchr(p, '\0', len) != NULL)
		return false;
	for (i = 0; i <= len; i += seg + 1) {
		for (seg = 0; i + seg < len && p[i + seg] != '/'; seg++)
			;
		if (seg == 0 || (seg == 1 && p[i] == '.') ||
		    (seg == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
	}
	return true;
}

/* Decimal, no sign, no overflow past 2^63. */
static bool
parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 19)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return false;
	*out = v;
	return true;
}

/* The next blank-separated word of [*s, e); false when there is none. */
static bool
next_word(const char **s, const char *e, const char **w, size_t *wlen)
{
	while (*s < e && (**s == ' ' || **s == '\t' || **s == '\n' ||
	    **s == '\r'))
		(*s)++;
	if (*s >= e)
		return false;
	*w = *s;
	while (*s < e && **s != ' ' && **s != '\t' && **s != '\n' &&
	    **s != '\r')
		(*s)++;
	*wlen = (size_t)(*s - *w);
	return true;
}

/*
 * One "SHA256 SIZE NAME" line of a checksum list, from [*s, e); false
 * at the end.  *ok says whether the line was well formed.
 */
static bool
checksum_line(const char **s, const char *e, uint8_t sha[SHA256_LEN],
    uint64_t *size, const char **name, size_t *nlen, bool *ok)
{
	const char	*ls = *s, *le, *w[4], *q;
	size_t		 wl[4], n;

	while (ls < e && (*ls == '\n' || *ls == '\r' || *ls == ' ' ||
	    *ls == '\t'))
		ls++;
	if (ls >= e)
		return false;
	if ((le = memchr(ls, '\n', (size_t)(e - ls))) == NULL)
		le = e;
	*s = le;
	q = ls;
	/* A fourth word makes the line malformed. */
	for (n = 0; n < 4 && next_word(&q, le, &w[n], &wl[n]); n++)
		;
	*ok = n == 3 &&
	    wl[0] == 2 * SHA256_LEN &&
	    hex_decode(w[0], wl[0], sha, SHA256_LEN) &&
	    parse_size(w[1], wl[1], size);
	if (*ok) {
		*name = w[2];
		*nlen = wl[2];
	}
	return true;
}

/*
 * The body of a clearsigned message, dash-escapes removed, into *out
 * (malloc'ed).  -EINVAL when the frame is broken.
 */
static int
clearsigned_body(const char *buf, size_t len, char **out, size_t *outlen)
{
	struct cursor	 c = { buf, buf + len };
	const char	*ls, *le;
	char		*b, *o;
	bool		 header = true, done = false;

	if ((b = malloc(len + 1)) == NULL)
		return -ENOMEM;
	o = b;
	(void)next_line(&c, &ls, &le);		/* PGP_BEGIN */
	while (!done && next_line(&c, &ls, &le)) {
		if (header) {
			/* "Hash: ..." lines up to the first empty one. */
			header = !is_blank(ls, le);
			continue;
		}
		if ((size_t)(le - ls) == strlen(PGP_SIG) &&
		    memcmp(ls, PGP_SIG, strlen(PGP_SIG)) == 0) {
			done = true;
			break;
		}
		if (le - ls >= 2 && ls[0] == '-' && ls[1] == ' ')
			ls += 2;
		memcpy(o, ls, (size_t)(le - ls));
		o += le - ls;
		*o++ = '\n';
	}
	if (!done) {
		free(b);
		return -EINVAL;
	}
	*out = b;
	*outlen = (size_t)(o - b);
	return 0;
}

static int
release_add(struct release *r, const uint8_t *sha, uint64_t size,
    const char *path, size_t plen)
{
	struct release_entry	*v;

	if ((v = reallocarray(r->v, r->n + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	r->v = v;
	v = &r->v[r->n];
	if ((v->path = strndup(path, plen)) == NULL)
		return -ENOMEM;
	memcpy(v->sha256, sha, SHA256_LEN);
	v->size = size;
	r->n++;
	return 0;
}

/* "[Day, ]DD Mon YYYY HH:MM:SS UTC" as apt writes and reads it; -1 if not. */
static int64_t
release_date(const char *v, size_t len)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char		 buf[64], mon[4], zone[8], *comma;
	const char	*m;
	struct tm	 tm;
	int		 n = 0;
	time_t		 t;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	comma = strchr(buf, ',');
	memset(&tm, 0, sizeof(tm));
	if (sscanf(comma != NULL ? comma + 1 : buf,
	    " %2d %3s %4d %2d:%2d:%2d %7s%n", &tm.tm_mday, mon, &tm.tm_year,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone, &n) != 7 ||
	    (comma != NULL ? comma + 1 : buf)[n] != '\0' ||
	    strlen(mon) != 3 || (m = strstr(months, mon)) == NULL ||
	    (m - months) % 3 != 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_year < 1970 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || (strcmp(zone, "UTC") != 0 &&
	    strcmp(zone, "GMT") != 0 && strcmp(zone, "Z") != 0 &&
	    strcmp(zone, "+0000") != 0))
		return -1;
	tm.tm_mon = (int)(m - months) / 3;
	tm.tm_year -= 1900;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return (int64_t)t;
}

/* The fields of the one stanza of a Release; -EINVAL without SHA256. */
static int
release_fields(struct release *r, const char *buf, size_t len)
{
	struct cursor	 c = { buf, buf + len };
	struct field	 f;
	const char	*s, *name;
	uint8_t		 sha[SHA256_LEN];
	uint64_t	 size;
	size_t		 nlen;
	bool		 seen = false, have_sha = false, ok;
	int		 k, rv;

	/* One stanza; blank lines before it are tolerated. */
	while ((k = next_field(&c, &f)) != F_EOF) {
		if (k == F_BLANK) {
			if (seen)
				break;
			continue;
		}
		seen = true;
		if (field_is(&f, "Acquire-By-Hash"))
			r->by_hash = f.vlen == 3 &&
			    strncasecmp(f.val, "yes", 3) == 0;
		if (field_is(&f, "Valid-Until") && r->valid_until == 0)
			r->valid_until = release_date(f.val, f.vlen);
		if (!field_is(&f, "SHA256") || have_sha)
			continue;
		have_sha = true;
		s = f.val;
		while (checksum_line(&s, f.val + f.vlen, sha, &size, &name,
		    &nlen, &ok))
			if (ok && debindex_relpath_ok(name, nlen) &&
			    (rv = release_add(r, sha, size, name, nlen)) != 0)
				return rv;
	}
	return have_sha ? 0 : -EINVAL;
}

int
release_parse(struct release *r, const char *buf, size_t len)
{
	char	*body = NULL;
	size_t	 blen;
	int	 rv;

	memset(r, 0, sizeof(*r));
	if (len >= strlen(PGP_BEGIN) &&
	    memcmp(buf, PGP_BEGIN, strlen(PGP_BEGIN)) == 0) {
		if ((rv = clearsigned_body(buf, len, &body, &blen)) != 0)
			return rv;
		r->signed_body = true;
		buf = body;
		len = blen;
	}
	rv = release_fields(r, buf, len);
	free(body);
	if (rv != 0)
		release_free(r);
	return rv;
}

void
release_free(struct release *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* What one stanza said; ranges point into the index. */
struct stanza {
	struct field	 filename, size, sha, dir, sums;
	bool		 has_filename, has_size, has_sha, has_dir, has_sums;
};

static void
stanza_take(struct stanza *st, const struct field *f)
{
	static const struct {
		const char	*name;
		size_t		 field, flag;
	} keys[] = {
		{ "Filename", offsetof(struct stanza, filename),
		    offsetof(struct stanza, has_filename) },
		{ "Size", offsetof(struct stanza, size),
		    offsetof(struct stanza, has_size) },
		{ "SHA256", offsetof(struct stanza, sha),
		    offsetof(struct stanza, has_sha) },
		{ "Directory", offsetof(struct stanza, dir),
		    offsetof(struct stanza, has_dir) },
		{ "Checksums-Sha256", offsetof(struct stanza, sums),
		    offsetof(struct stanza, has_sums) },
	};
	size_t	i;
	bool	*flag;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!field_is(f, keys[i].name))
			continue;
		flag = (bool *)((char *)st + keys[i].flag);
		/* The first of a repeated field counts, as in apt. */
		if (!*flag) {
			*(struct field *)((char *)st + keys[i].field) = *f;
			*flag = true;
		}
		return;
	}
}

static int
packages_stanza(const struct stanza *st, debindex_cb cb, void *arg,
    size_t *skipped)
{
	uint8_t		 sha[SHA256_LEN];
	uint64_t	 size;
	char		 path[DEBINDEX_MAX_PATH + 1];

	if (!st->has_filename || !st->has_size || !st->has_sha ||
	    st->filename.multi || st->size.multi || st->sha.multi ||
	    !debindex_relpath_ok(st->filename.val, st->filename.vlen) ||
	    !parse_size(st->size.val, st->size.vlen, &size) || size == 0 ||
	    st->sha.vlen != 2 * SHA256_LEN ||
	    !hex_decode(st->sha.val, st->sha.vlen, sha, SHA256_LEN)) {
		(*skipped)++;
		return 0;
	}
	memcpy(path, st->filename.val, st->filename.vlen);
	path[st->filename.vlen] = '\0';
	return cb(arg, path, size, sha);
}

static int
sources_stanza(const struct stanza *st, debindex_cb cb, void *arg,
    size_t *skipped)
{
	uint8_t		 sha[SHA256_LEN];
	uint64_t	 size;
	const char	*s, *name;
	char		 path[DEBINDEX_MAX_PATH + 1];
	size_t		 nlen, dlen;
	bool		 ok;
	int		 rv;

	if (!st->has_dir || !st->has_sums || st->dir.multi ||
	    !debindex_relpath_ok(st->dir.val, st->dir.vlen)) {
		(*skipped)++;
		return 0;
	}
	dlen = st->dir.vlen;
	memcpy(path, st->dir.val, dlen);
	path[dlen] = '/';
	s = st->sums.val;
	while (checksum_line(&s, st->sums.val + st->sums.vlen, sha, &size,
	    &name, &nlen, &ok)) {
		if (!ok || size == 0 || memchr(name, '/', nlen) != NULL ||
		    dlen + 1 + nlen > DEBINDEX_MAX_PATH ||
		    !debindex_relpath_ok(name, nlen)) {
			(*skipped)++;
			continue;
		}
		memcpy(path + dlen + 1, name, nlen);
		path[dlen + 1 + nlen] = '\0';
		if ((rv = cb(arg, path, size, sha)) != 0)
			return rv;
	}
	return 0;
}

int
debindex_parse(enum debindex_kind kind, const char *buf, size_t len,
    debindex_cb cb, void *arg, size_t *skipped)
{
	struct cursor	 c = { buf, buf + len };
	struct stanza	 st;
	struct field	 f;
	bool		 any = false;
	int		 k, rv;

	*skipped = 0;
	memset(&st, 0, sizeof(st));
	do {
		k = next_field(&c, &f);
		if (k == F_FIELD) {
			stanza_take(&st, &f);
			any = true;
			continue;
		}
		if (!any)
			continue;
		rv = kind == DEBINDEX_PACKAGES ?
		    packages_stanza(&st, cb, arg, skipped) :
		    sources_stanza(&st, cb, arg, skipped);
		if (rv != 0)
			return rv;
		memset(&st, 0, sizeof(st));
		any = false;
	} while (k != F_EOF);
	return 0;
}
