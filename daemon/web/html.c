/* SPDX-License-Identifier: ISC */
/*
 * html.c - escaping and number formats shared by the page and the plot.
 */
#include "config.h"

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
html_put_bytes(struct evbuffer *b, uint64_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	double	v = (double)n;
	size_t	u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		evbuffer_add_printf(b, "%llu B", (unsigned long long)n);
	else
		evbuffer_add_printf(b, "%.1f %s", v, unit[u]);
}
