/* SPDX-License-Identifier: ISC */
/*
 * aptsrc.c - apt sources files: find the URIs, switch them to and from
 * aptbt+ (see aptsrc.h).
 *
 * The rewrite walks the input once, line by line, and copies it to the
 * output in runs between the URIs it changes; a URI is changed by
 * inserting or skipping the six bytes "aptbt+" in front of it, so nothing
 * else can move.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "client/ctl/aptsrc.h"
#include "common/bytebuf.h"

#define PREFIX		"aptbt+"
#define PREFIX_LEN	(sizeof(PREFIX) - 1)

struct rw {
	const char		*in;
	size_t			 len;
	enum aptsrc_action	 action;
	struct bytebuf		*out;
	aptsrc_visit_fn		 visit;
	void			*arg;
	size_t			 copied;	/* in[0..copied) is in out */
	int			 changed;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool
scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
}

static bool
word_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* The network schemes aptbt's method serves, as aptbt+NAME. */
static const char *const net_schemes[] = { "http", "https", "ftp" };
/* Schemes with nothing to fetch over a network. */
static const char *const local_schemes[] = { "file", "cdrom", "copy" };

static bool
in_list(const char *s, size_t len, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (word_is(s, len, list[i]))
			return true;
	return false;
}
#define IN_LIST(s, len, list)	\
	in_list(s, len, list, sizeof(list) / sizeof(list[0]))

enum aptsrc_kind
aptsrc_classify(const char *uri, size_t len)
{
	const char	*rest;
	size_t		 n = 0, restlen, i;

	while (n < len && scheme_char(uri[n]))
		n++;
	if (n == 0 || n == len || uri[n] != ':')
		return APTSRC_OTHER;
	rest = uri + n;
	restlen = len - n;
	if (n > PREFIX_LEN && memcmp(uri, PREFIX, PREFIX_LEN) == 0)
		return IN_LIST(uri + PREFIX_LEN, n - PREFIX_LEN, net_schemes) &&
		    restlen >= 3 && memcmp(rest, "://", 3) == 0 ?
		    APTSRC_ON : APTSRC_OTHER;
	if (IN_LIST(uri, n, net_schemes)) {
		if (restlen < 3 || memcmp(rest, "://", 3) != 0)
			return APTSRC_OTHER;
		/* user@ or user:pass@ before the host. */
		for (i = 3; i < restlen && rest[i] != '/'; i++)
			if (rest[i] == '@')
				return APTSRC_CREDENTIALS;
		return APTSRC_OFF;
	}
	if (IN_LIST(uri, n, local_schemes))
		return APTSRC_LOCAL;
	if (word_is(uri, n, "mirror") || memchr(uri, '+', n) != NULL)
		return APTSRC_WRAPPED;
	return APTSRC_OTHER;
}

static const char *const kind_reasons[APTSRC_NKINDS] = {
	[APTSRC_ON] = "through aptbt",
	[APTSRC_OFF] = "direct; \"apt enable\" switches it",
	[APTSRC_CREDENTIALS] = "skipped: carries credentials (a private "
	    "archive is not shared with peers)",
	[APTSRC_LOCAL] = "skipped: local (file:, cdrom:, copy:), nothing "
	    "to fetch",
	[APTSRC_WRAPPED] = "skipped: another apt transport (mirror, tor+, "
	    "...) that aptbt+ cannot wrap",
	[APTSRC_OTHER] = "skipped: a scheme aptbt has no method for",
	[APTSRC_DISABLED] = "skipped: the stanza says Enabled: no",
};

const char *
aptsrc_kind_reason(enum aptsrc_kind k)
{
	return (unsigned)k < APTSRC_NKINDS ? kind_reasons[k] : "?";
}

enum aptsrc_format
aptsrc_format_of(const char *path)
{
	size_t	n = strlen(path);

	return n >= 8 && strcmp(path + n - 8, ".sources") == 0 ?
	    APTSRC_DEB822 : APTSRC_ONELINE;
}

/* Report the URI in[s..e) on line and rewrite it if the action says so. */
static void
one_uri(struct rw *rw, size_t line, size_t s, size_t e, bool disabled)
{
	struct aptsrc_uri	u;

	u.line = line;
	u.uri = rw->in + s;
	u.len = e - s;
	u.kind = disabled ? APTSRC_DISABLED : aptsrc_classify(u.uri, u.len);
	u.changed = 0;
	if ((rw->action == APTSRC_ENABLE && u.kind == APTSRC_OFF) ||
	    (rw->action == APTSRC_DISABLE && u.kind == APTSRC_ON)) {
		bytebuf_append(rw->out, rw->in + rw->copied, s - rw->copied);
		if (rw->action == APTSRC_ENABLE) {
			bytebuf_append(rw->out, PREFIX, PREFIX_LEN);
			rw->copied = s;
		} else
			rw->copied = s + PREFIX_LEN;
		u.changed = 1;
		rw->changed++;
	}
	if (rw->visit != NULL)
		rw->visit(rw->arg, &u);
}

/* Every blank-separated word of in[s..e) is a URI. */
static void
uri_words(struct rw *rw, size_t line, size_t s, size_t e, bool disabled)
{
	size_t	w;

	while (s < e) {
		while (s < e && is_blank(rw->in[s]))
			s++;
		for (w = s; w < e && !is_blank(rw->in[w]); w++)
			;
		if (w > s)
			one_uri(rw, line, s, w, disabled);
		s = w;
	}
}

/* "deb [options] URI suite [component...]": the URI of one line. */
static void
oneline_line(struct rw *rw, size_t line, size_t p, size_t e)
{
	const char	*in = rw->in;
	size_t		 w;

	while (p < e && is_blank(in[p]))
		p++;
	for (w = p; w < e && !is_blank(in[w]); w++)
		;
	if (!word_is(in + p, w - p, "deb") && !word_is(in + p, w - p, "deb-src"))
		return;		/* a comment, a blank or not a source */
	for (p = w; p < e && is_blank(in[p]); p++)
		;
	if (p < e && in[p] == '[') {
		while (p < e && in[p] != ']')
			p++;
		if (p == e)
			return;	/* options never closed: apt rejects it */
		for (p++; p < e && is_blank(in[p]); p++)
			;
	}
	for (w = p; w < e && !is_blank(in[w]); w++)
		;
	if (w > p)
		one_uri(rw, line, p, w, false);
}

static bool
line_blank(const char *in, size_t s, size_t e)
{
	while (s < e && is_blank(in[s]))
		s++;
	return s == e;
}

static size_t
line_end(const struct rw *rw, size_t s)
{
	const char	*nl = memchr(rw->in + s, '\n', rw->len - s);

	return nl != NULL ? (size_t)(nl - rw->in) : rw->len;
}

/* A field line "Name: value": the name's length, 0 if not one. */
static size_t
field_name(const char *in, size_t s, size_t e)
{
	size_t	p;

	if (s == e || is_blank(in[s]) || in[s] == '#')
		return 0;
	for (p = s; p < e && in[p] != ':'; p++)
		;
	return p < e ? p - s : 0;
}

/* apt's StringToBool, the false half. */
static bool
value_false(const char *in, size_t s, size_t e)
{
	static const char *const no[] = {
		"no", "false", "off", "without", "disable", "0",
	};
	size_t	i, w;

	while (s < e && is_blank(in[s]))
		s++;
	for (w = s; w < e && !is_blank(in[w]); w++)
		;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (w - s == strlen(no[i]) && strncasecmp(in + s, no[i],
		    w - s) == 0)
			return true;
	return false;
}

/*
 * One deb822 stanza: lines [s..e) starting at line number line.  Two
 * passes, as "Enabled:" may come after "URIs:".
 */
static void
deb822_stanza(struct rw *rw, size_t line, size_t s, size_t e)
{
	const char	*in = rw->in;
	bool		 disabled = false, in_uris = false;
	size_t		 p, le, n;

	for (p = s; p < e; p = le + 1) {
		le = line_end(rw, p);
		n = field_name(in, p, le);
		if (n == 7 && strncasecmp(in + p, "Enabled", 7) == 0)
			disabled = value_false(in, p + n + 1, le);
		if (le >= e)
			break;
	}
	for (p = s; p < e; p = le + 1, line++) {
		le = line_end(rw, p);
		if (in[p] == '#')
			;	/* a comment keeps the field going */
		else if (is_blank(in[p])) {
			if (in_uris)
				uri_words(rw, line, p, le, disabled);
		} else {
			n = field_name(in, p, le);
			in_uris = n == 4 && strncasecmp(in + p, "URIs", 4) == 0;
			if (in_uris)
				uri_words(rw, line, p + n + 1, le, disabled);
		}
		if (le >= e)
			break;
	}
}

static void
deb822_all(struct rw *rw)
{
	size_t	p = 0, le, line = 1, start = 0, start_line = 0;
	bool	open = false;

	while (p < rw->len) {
		le = line_end(rw, p);
		if (line_blank(rw->in, p, le)) {
			if (open)
				deb822_stanza(rw, start_line, start, p);
			open = false;
		} else if (!open) {
			open = true;
			start = p;
			start_line = line;
		}
		p = le + 1;
		line++;
	}
	if (open)
		deb822_stanza(rw, start_line, start, rw->len);
}

int
aptsrc_rewrite(const char *in, size_t len, enum aptsrc_format fmt,
    enum aptsrc_action action, struct bytebuf *out, aptsrc_visit_fn visit,
    void *arg)
{
	struct rw	rw = { in, len, action, out, visit, arg, 0, 0 };
	size_t		p, le, line;

	if (fmt == APTSRC_DEB822)
		deb822_all(&rw);
	else
		for (p = 0, line = 1; p < len; p = le + 1, line++) {
			le = line_end(&rw, p);
			oneline_line(&rw, line, p, le);
		}
	bytebuf_append(out, in + rw.copied, len - rw.copied);
	return bytebuf_failed(out) ? -1 : rw.changed;
}
