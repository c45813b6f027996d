/* SPDX-License-Identifier: ISC */
/*
 * lsdmsg.c - Local Service Discovery (BEP 14) messages: build and parse.
 *
 * The parser walks the datagram line by line and never reads past len;
 * each header it knows has a handler in a table, the others are skipped.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "common/lsdmsg.h"

/* First 20 bytes of SHA-256("aptbt-lsd-v1"); check_lsdmsg recomputes it. */
const uint8_t lsd_presence_key[LSD_KEY_LEN] = {
	0x29, 0xb4, 0x72, 0x37, 0xd1, 0x5f, 0x21, 0x23, 0x4c, 0x22,
	0xdd, 0x97, 0xf3, 0xef, 0xc5, 0x07, 0x3b, 0xd5, 0xa3, 0xca,
};

static const char *const hosts[] = {
	[LSDMSG_IPV4] = LSD_GROUP4 ":6771",
	[LSDMSG_IPV6] = "[" LSD_GROUP6 "]:6771",
};

#define INFOHASH_LINE_LEN	(sizeof("Infohash: \r\n") - 1 + 2 * LSD_KEY_LEN)

static bool
cookie_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > LSDMSG_COOKIE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return false;
	return true;
}

/* The announce without its Infohash lines; -1 on a bad argument. */
static int
fixed_part(char *buf, size_t size, enum lsdmsg_family fam, uint16_t port,
    const char *cookie, size_t *headlen, size_t *taillen)
{
	int	n;

	if ((fam != LSDMSG_IPV4 && fam != LSDMSG_IPV6) || port == 0)
		return -1;
	if (cookie != NULL && !cookie_ok(cookie, strlen(cookie)))
		return -1;
	n = snprintf(buf, size, "BT-SEARCH * HTTP/1.1\r\nHost: %s\r\n"
	    "Port: %u\r\n", hosts[fam], (unsigned)port);
	if (n < 0)
		return -1;
	*headlen = (size_t)n;
	/* "cookie: C\r\n", then the blank line and the extra CRLF everyone sends. */
	*taillen = (cookie != NULL ? sizeof("cookie: \r\n") - 1 +
	    strlen(cookie) : 0) + 4;
	return 0;
}

size_t
lsdmsg_fit(size_t size, enum lsdmsg_family fam, uint16_t port,
    const char *cookie)
{
	char	head[128];
	size_t	headlen, taillen;

	if (fixed_part(head, sizeof(head), fam, port, cookie, &headlen,
	    &taillen) == -1 || headlen + taillen > size)
		return 0;
	return (size - headlen - taillen) / INFOHASH_LINE_LEN;
}

ssize_t
lsdmsg_build(char *buf, size_t size, enum lsdmsg_family fam, uint16_t port,
    const uint8_t (*keys)[LSD_KEY_LEN], size_t nkeys, const char *cookie)
{
	char	head[128];
	size_t	headlen, taillen, i, off;

	if (nkeys == 0 || keys == NULL ||
	    fixed_part(head, sizeof(head), fam, port, cookie, &headlen,
	    &taillen) == -1)
		return -EINVAL;
	if (nkeys > lsdmsg_fit(size, fam, port, cookie))
		return -ENOSPC;
	memcpy(buf, head, headlen);
	off = headlen;
	for (i = 0; i < nkeys; i++) {
		memcpy(buf + off, "Infohash: ", 10);
		hex_encode(keys[i], LSD_KEY_LEN, buf + off + 10);
		/* hex_encode wrote a NUL where the CR goes. */
		memcpy(buf + off + 10 + 2 * LSD_KEY_LEN, "\r\n", 2);
		off += INFOHASH_LINE_LEN;
	}
	if (cookie != NULL) {
		memcpy(buf + off, "cookie: ", 8);
		memcpy(buf + off + 8, cookie, strlen(cookie));
		off += 8 + strlen(cookie);
		memcpy(buf + off, "\r\n", 2);
		off += 2;
	}
	memcpy(buf + off, "\r\n\r\n", 4);
	return (ssize_t)(off + 4);
}

/*
 * Parsing.
 */

struct line {
	const char	*s;
	size_t		 len;
};

/*
 * The next line of [*p, end): up to LF, without it and a CR before it; the
 * last line may lack its LF.  False at the end of the data.
 */
static bool
next_line(const char **p, const char *end, struct line *l)
{
	const char	*nl;

	if (*p >= end)
		return false;
	l->s = *p;
	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL) {
		l->len = (size_t)(end - *p);
		*p = end;
	} else {
		l->len = (size_t)(nl - *p);
		*p = nl + 1;
	}
	if (l->len > 0 && l->s[l->len - 1] == '\r')
		l->len--;
	return true;
}

/* Control characters (other than tab) are never part of a valid line. */
static bool
line_clean(const struct line *l)
{
	size_t	i;

	for (i = 0; i < l->len; i++) {
		unsigned char	c = (unsigned char)l->s[i];

		if ((c < ' ' && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(struct line *l)
{
	while (l->len > 0 && is_blank(l->s[0])) {
		l->s++;
		l->len--;
	}
	while (l->len > 0 && is_blank(l->s[l->len - 1]))
		l->len--;
}

static bool
word_is(const struct line *w, const char *s)
{
	return w->len == strlen(s) && strncasecmp(w->s, s, w->len) == 0;
}

/* Split off the first blank-separated word of l. */
static struct line
take_word(struct line *l)
{
	struct line	w;

	trim(l);
	w.s = l->s;
	w.len = 0;
	while (w.len < l->len && !is_blank(l->s[w.len]))
		w.len++;
	l->s += w.len;
	l->len -= w.len;
	return w;
}

/* "BT-SEARCH * HTTP/1.1" (or 1.0), the method and version in any case. */
static bool
request_line_ok(struct line l)
{
	struct line	method, target, version;

	method = take_word(&l);
	target = take_word(&l);
	version = take_word(&l);
	trim(&l);
	return l.len == 0 && word_is(&method, "BT-SEARCH") &&
	    word_is(&target, "*") &&
	    (word_is(&version, "HTTP/1.1") || word_is(&version, "HTTP/1.0"));
}

struct parse_state {
	struct lsdmsg	*m;
	bool		 have_port;
	bool		 have_cookie;
};

static int
h_port(struct parse_state *st, const struct line *v)
{
	unsigned long	port = 0;
	size_t		i;

	if (st->have_port || v->len == 0 || v->len > 5)
		return -EBADMSG;
	for (i = 0; i < v->len; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return -EBADMSG;
		port = port * 10 + (unsigned long)(v->s[i] - '0');
	}
	if (port == 0 || port > 65535)
		return -EBADMSG;
	st->m->port = (uint16_t)port;
	st->have_port = true;
	return 0;
}

static int
h_infohash(struct parse_state *st, const struct line *v)
{
	struct lsdmsg	*m = st->m;
	uint8_t		 key[LSD_KEY_LEN];
	size_t		 i;

	if (v->len != 2 * LSD_KEY_LEN ||
	    !hex_decode(v->s, v->len, key, sizeof(key)))
		return 0;
	for (i = 0; i < m->nkeys; i++)
		if (memcmp(m->keys[i], key, LSD_KEY_LEN) == 0)
			return 0;
	if (m->nkeys == LSDMSG_MAX_KEYS)
		m->dropped++;
	else
		memcpy(m->keys[m->nkeys++], key, LSD_KEY_LEN);
	return 0;
}

static int
h_cookie(struct parse_state *st, const struct line *v)
{
	if (st->have_cookie || !cookie_ok(v->s, v->len))
		return -EBADMSG;
	memcpy(st->m->cookie, v->s, v->len);
	st->m->cookie[v->len] = '\0';
	st->have_cookie = true;
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct parse_state *, const struct line *);
} headers[] = {
	{ "Port", h_port },
	{ "Infohash", h_infohash },
	{ "cookie", h_cookie },
};

static int
header(struct parse_state *st, struct line l)
{
	struct line	name;
	const char	*colon;
	size_t		i;

	/* A continuation line (obsolete folding) has no place here. */
	if (is_blank(l.s[0]) ||
	    (colon = memchr(l.s, ':', l.len)) == NULL || colon == l.s)
		return -EBADMSG;
	name.s = l.s;
	name.len = (size_t)(colon - l.s);
	for (i = 0; i < name.len; i++)
		if (is_blank(name.s[i]))
			return -EBADMSG;
	l.s = colon + 1;
	l.len -= name.len + 1;
	trim(&l);
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (word_is(&name, headers[i].name))
			return headers[i].fn(st, &l);
	return 0;
}

int
lsdmsg_parse(const void *buf, size_t len, struct lsdmsg *m)
{
	struct parse_state	 st;
	struct line		 l;
	const char		*p = buf, *end = p + len;
	int			 rc;

	memset(m, 0, sizeof(*m));
	memset(&st, 0, sizeof(st));
	st.m = m;
	if (!next_line(&p, end, &l) || !line_clean(&l) || !request_line_ok(l))
		return -EBADMSG;
	while (next_line(&p, end, &l) && l.len > 0) {
		if (!line_clean(&l))
			return -EBADMSG;
		if ((rc = header(&st, l)) != 0)
			return rc;
	}
	if (!st.have_port || m->nkeys == 0)
		return -EBADMSG;
	return 0;
}
