/* SPDX-License-Identifier: ISC */
/*
 * html.c - escaping and number formats shared by the page and the plot.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/web/render.h"

/* & < > " ' are the characters that end text or an attribute value. */
void
html_put(struct evbuffer *b, const char *s)
{
	static const char *const ent[256] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
		['"'] = "&quot;", ['\''] = "&#39;",
	};
	const char	*run = s;

	for (; *s != '\0'; s++) {
		const char *e = ent[(unsigned char)*s];

		/* Control characters are not text; show them as U+FFFD. */
		if (e == NULL && (unsigned char)*s < 0x20)
			e = "\xef\xbf\xbd";
		if (e == NULL)
			continue;
		evbuffer_add(b, run, (size_t)(s - run));
		evbuffer_add(b, e, strlen(e));
		run = s + 1;
	}
	evbuffer_add(b, run, (size_t)(s - run));
}

void
html_lit(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

void
html_put_u64(struct evbuffer *b, uint64_t n)
{
	char	buf[20];
	size_t	i = sizeof(buf);

	do
		buf[--i] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	evbuffer_add(b, buf + i, sizeof(buf) - i);
}

/* whole.tenth, rounded to the nearest tenth. */
static void
put_tenths(struct evbuffer *b, uint64_t whole, uint64_t tenth)
{
	char	dot[2] = { '.', 0 };

	if (tenth >= 10) {
		whole++;
		tenth -= 10;
	}
	html_put_u64(b, whole);
	dot[1] = (char)('0' + tenth);
	evbuffer_add(b, dot, 2);
}

void
html_put_bytes(struct evbuffer *b, uint64_t n)
{
	static const char *const unit[] = { " B", " KiB", " MiB", " GiB",
	    " TiB", " PiB", " EiB" };
	unsigned	u = 0, sh;
	uint64_t	rest;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) &&
	    (n >> (10 * (u + 1))) > 0)
		u++;
	if (u == 0) {
		html_put_u64(b, n);
	} else {
		sh = 10 * u;
		rest = n & ((1ULL << sh) - 1);
		/* Shift the remainder down first: no overflow at any size. */
		put_tenths(b, n >> sh, ((rest >> (sh - 10)) * 10 + 512) >> 10);
	}
	html_lit(b, unit[u]);
}

void
html_put_percent(struct evbuffer *b, uint64_t part, uint64_t whole)
{
	uint64_t	t;

	if (whole == 0 || part >= whole) {
		html_lit(b, "100.0");
		return;
	}
	/* Tenths of a percent, rounded; part < whole keeps it in range. */
	if (part <= UINT64_MAX / 2000)
		t = (part * 2000 / whole + 1) / 2;
	else
		t = (uint64_t)((double)part * 1000 / (double)whole + 0.5);
	put_tenths(b, t / 10, t % 10);
}
