/* SPDX-License-Identifier: ISC */
/*
 * httphead.c - one HTTP/1.x request head, read from bytes a client sent.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "common/httphead.h"

/* RFC 9110 tchar: what a method or a field name is made of. */
static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
same(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

/* The line at buf[0, len) without its CR LF: its length, or -1, or -2. */
static long
line_end(const char *buf, size_t len)
{
	const char	*lf = memchr(buf, '\n', len);

	if (lf == NULL)
		return -2;			/* not all here yet */
	if (lf == buf || lf[-1] != '\r')
		return -1;
	return (long)(lf - buf) - 1;
}

static int
request_line(const char *l, size_t n, struct httphead *h)
{
	const char	*sp1, *sp2;
	size_t		 i;

	if ((sp1 = memchr(l, ' ', n)) == NULL || sp1 == l)
		return -1;
	for (i = 0; l + i < sp1; i++)
		if (!is_tchar((unsigned char)l[i]))
			return -1;
	h->method.p = l;
	h->method.len = (size_t)(sp1 - l);
	if ((sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l))) == NULL ||
	    sp2 == sp1 + 1)
		return -1;
	for (i = 1; sp1 + i < sp2; i++)
		if ((unsigned char)sp1[i] <= 0x20 ||
		    (unsigned char)sp1[i] >= 0x7f)
			return -1;
	h->target.p = sp1 + 1;
	h->target.len = (size_t)(sp2 - sp1 - 1);
	if ((size_t)(l + n - sp2 - 1) != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	h->minor = sp2[8] - '0';
	return 0;
}

static int
field(const char *l, size_t n, struct httphead *h)
{
	const char	*colon = memchr(l, ':', n), *v, *e;
	size_t		 i, nlen;
	struct httphead_str *slot = NULL;

	if (colon == NULL || colon == l)
		return -1;
	nlen = (size_t)(colon - l);
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)l[i]))
			return -1;
	for (v = colon + 1, e = l + n; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (i = 0; v + i < e; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    (unsigned char)v[i] == 0x7f)
			return -1;
	if (same(l, nlen, "Range"))
		slot = &h->range;
	else if (same(l, nlen, "If-Range"))
		slot = &h->if_range;
	else if (same(l, nlen, "If-Modified-Since"))
		slot = &h->if_modified_since;
	else if (same(l, nlen, "Content-Length"))
		h->body = h->body || !same(v, (size_t)(e - v), "0");
	else if (same(l, nlen, "Transfer-Encoding"))
		h->body = true;
	else if (same(l, nlen, "Connection") || same(l, nlen,
	    "Proxy-Connection"))
		h->close = h->close || same(v, (size_t)(e - v), "close");
	if (slot != NULL) {
		if (slot->p != NULL)
			return -1;		/* said twice */
		slot->p = v;
		slot->len = (size_t)(e - v);
	}
	return 0;
}

long
httphead_parse(const char *buf, size_t len, struct httphead *out)
{
	size_t	off = 0, nfields = 0;
	long	n;

	memset(out, 0, sizeof(*out));
	for (;;) {
		n = line_end(buf + off, len - off > HTTPHEAD_MAX - off ?
		    HTTPHEAD_MAX - off : len - off);
		if (n == -2)
			return len >= HTTPHEAD_MAX ? -1 : 0;
		if (n < 0)
			return -1;
		if (off == 0) {
			if (request_line(buf, (size_t)n, out) != 0)
				return -1;
		} else if (n == 0)
			return (long)(off + 2);
		else if (buf[off] == ' ' || buf[off] == '\t' ||
		    ++nfields > HTTPHEAD_FIELDS ||
		    field(buf + off, (size_t)n, out) != 0)
			return -1;
		off += (size_t)n + 2;
	}
}
