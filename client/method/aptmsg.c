/* SPDX-License-Identifier: ISC */
/*
 * aptmsg.c - reading and writing apt method protocol messages.
 *
 * apt is the only writer on our stdin, but the parser still treats its
 * input as untrusted: every length is bounded, a field line must have a
 * name and a colon, and no byte outside printable text and tabs is taken.
 * Strings of a parsed message live in one allocation so freeing it is
 * one call.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/method/aptmsg.h"
#include "common/hash.h"

void
aptmsg_reader_init(struct aptmsg_reader *r)
{
	bytebuf_init(&r->in);
	r->scan = 0;
}

void
aptmsg_reader_free(struct aptmsg_reader *r)
{
	bytebuf_free(&r->in);
	r->scan = 0;
}

int
aptmsg_reader_feed(struct aptmsg_reader *r, const void *p, size_t n)
{
	bytebuf_append(&r->in, p, n);
	if (bytebuf_failed(&r->in))
		return -ENOMEM;
	return 0;
}

/* A line holding nothing but an optional CR ends a message. */
static int
is_blank_line(const uint8_t *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == '\r');
}

int
aptmsg_reader_next(struct aptmsg_reader *r, struct aptmsg *msg)
{
	const uint8_t	*d;
	size_t		 len, start, ls, i;
	int		 rv;

	memset(msg, 0, sizeof(*msg));
	for (;;) {
		d = r->in.data;
		len = r->in.len;

		/* Blank lines between messages carry nothing. */
		for (start = 0; start < len; ) {
			const uint8_t *nl = memchr(d + start, '\n', len - start);

			if (nl == NULL ||
			    !is_blank_line(d + start, (size_t)(nl - (d + start))))
				break;
			start = (size_t)(nl - d) + 1;
		}
		if (start > 0) {
			bytebuf_consume(&r->in, start);
			r->scan = 0;
			continue;
		}

		/* Find an empty line, resuming where the last search stopped. */
		ls = r->scan;
		for (i = r->scan; i < len; i++) {
			if (d[i] != '\n')
				continue;
			/* Leading blank lines are gone, so ls > 0 here. */
			if (ls > 0 && is_blank_line(d + ls, i - ls)) {
				rv = aptmsg_parse(msg, (const char *)d, ls);
				bytebuf_consume(&r->in, i + 1);
				r->scan = 0;
				return rv == 0 ? 1 : rv;
			}
			ls = i + 1;
		}
		/* Resume at the start of the unfinished line next time. */
		r->scan = ls;
		if (len > APTMSG_MAX_LEN) {
			bytebuf_reset(&r->in);
			r->scan = 0;
			return -EMSGSIZE;
		}
		return 0;
	}
}

void
aptmsg_free(struct aptmsg *msg)
{
	free(msg->fields);
	free(msg->mem);
	memset(msg, 0, sizeof(*msg));
}

/* Text bytes: printable ASCII, tabs, and anything of UTF-8 (>= 0x80). */
static int
is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
is_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ':';
}

int
aptmsg_parse(struct aptmsg *msg, const char *in, size_t len)
{
	char	*mem, *line, *end, *p, *colon, *v, *e;
	size_t	 nlines, i, nf;
	int	 code;

	memset(msg, 0, sizeof(*msg));
	if (len > APTMSG_MAX_LEN)
		return -EBADMSG;
	if (len > 0 && in[len - 1] == '\n')
		len--;
	if (len == 0)
		return -EBADMSG;

	nlines = 1;
	for (i = 0; i < len; i++) {
		if (in[i] == '\n')
			nlines++;
		else if (in[i] != '\r' && !is_text((unsigned char)in[i]))
			return -EBADMSG;
	}
	if (nlines - 1 > APTMSG_MAX_FIELDS)
		return -EBADMSG;
	if ((mem = malloc(len + 1)) == NULL)
		return -ENOMEM;
	memcpy(mem, in, len);
	mem[len] = '\0';
	msg->mem = mem;
	if (nlines > 1 &&
	    (msg->fields = calloc(nlines - 1, sizeof(*msg->fields))) == NULL) {
		aptmsg_free(msg);
		return -ENOMEM;
	}

	nf = 0;
	for (line = mem, i = 0; line != NULL; i++) {
		if ((end = strchr(line, '\n')) != NULL)
			*end = '\0';
		e = line + strlen(line);
		if (e > line && e[-1] == '\r')
			*--e = '\0';
		/* A CR anywhere else is not ours to interpret. */
		if (strchr(line, '\r') != NULL)
			goto bad;
		if (i == 0) {
			/* "NNN Text": three digits, a blank, then text. */
			if (e - line < 3 || !isdigit((unsigned char)line[0]) ||
			    !isdigit((unsigned char)line[1]) ||
			    !isdigit((unsigned char)line[2]) || line[0] == '0')
				goto bad;
			if (line[3] != '\0' && line[3] != ' ')
				goto bad;
			code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			    (line[2] - '0');
			msg->code = code;
			msg->text = line[3] == ' ' ? line + 4 : line + 3;
		} else {
			if (e == line)
				goto bad;	/* an empty line inside */
			for (p = line; *p != '\0' && is_name_char(*p); p++)
				;
			colon = p;
			if (colon == line || *colon != ':')
				goto bad;
			*colon = '\0';
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				*--e = '\0';
			msg->fields[nf].name = line;
			msg->fields[nf].value = v;
			nf++;
		}
		line = end != NULL ? end + 1 : NULL;
	}
	msg->nfields = nf;
	return 0;
bad:
	aptmsg_free(msg);
	return -EBADMSG;
}

const char *
aptmsg_get(const struct aptmsg *msg, const char *name)
{
	size_t	 i;

	for (i = 0; i < msg->nfields; i++)
		if (strcasecmp(msg->fields[i].name, name) == 0)
			return msg->fields[i].value;
	return NULL;
}

int
aptmsg_get_bool(const struct aptmsg *msg, const char *name, int def)
{
	static const char *const yes[] = { "true", "yes", "1", "on" };
	static const char *const no[] = { "false", "no", "0", "off" };
	const char	*v;
	size_t		 i;

	if ((v = aptmsg_get(msg, name)) == NULL)
		return def;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return def;
}

void
aptmsg_begin(struct bytebuf *b, int code, const char *text)
{
	bytebuf_printf(b, "%03d %s\n", code, text);
}

/* Append a value with line breaks (and other controls) made blanks. */
static void
put_value(struct bytebuf *b, const char *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		bytebuf_putc(b, is_text((unsigned char)v[i]) ? v[i] : ' ');
}

void
aptmsg_add(struct bytebuf *b, const char *name, const char *value)
{
	bytebuf_puts(b, name);
	bytebuf_append(b, ": ", 2);
	put_value(b, value, strlen(value));
	bytebuf_putc(b, '\n');
}

void
aptmsg_addf(struct bytebuf *b, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* Let the buffer carry the failure to its one check. */
		b->failed = true;
		return;
	}
	aptmsg_add(b, name, s);
	free(s);
}

void
aptmsg_end(struct bytebuf *b)
{
	bytebuf_putc(b, '\n');
}

size_t
aptmsg_unescape(char *s)
{
	char	*r, *w;
	int	 h, l;

	for (r = w = s; *r != '\0'; ) {
		if (r[0] == '%' && (h = hex_digit((unsigned char)r[1])) >= 0 &&
		    (l = hex_digit((unsigned char)r[2])) >= 0 && (h | l) != 0) {
			*w++ = (char)(h << 4 | l);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}
