/* SPDX-License-Identifier: ISC */
/*
 * plot.c - the last hour's transfer rates as an inline SVG line plot.
 *
 * One line per source from base/history.h's ten-second slots, scaled
 * to the highest rate of the hour.  Drawn by the daemon so the page
 * needs no script and no library.
 */
#include "config.h"

#include <event2/buffer.h>

#include "daemon/base/history.h"
#include "daemon/web/render.h"

#define W	720		/* two pixels a slot */
#define H	160
#define LEFT	70		/* room for the axis labels */
#define BOTTOM	18

static const struct {
	enum history_src	 src;
	const char		*name;
	const char		*colour;
} series[] = {
	{ HIST_PEERS, "from peers", "#2a7" },
	{ HIST_MIRRORS, "from mirrors", "#d50" },
	{ HIST_CACHE, "from the cache", "#37c" },
	{ HIST_UPLOAD, "to peers", "#a3a" },
};
#define NSERIES	(sizeof(series) / sizeof(series[0]))

/* "x,y " without printf: a busy hour has 1,440 of them. */
static size_t
put_point(char *out, int x, int y)
{
	char	tmp[24];
	size_t	n = 0, t;
	int	v, k;

	for (k = 0; k < 2; k++) {
		v = k == 0 ? x : y;
		t = 0;
		do
			tmp[t++] = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		while (t > 0)
			out[n++] = tmp[--t];
		out[n++] = k == 0 ? ',' : ' ';
	}
	return n;
}

void
render_plot(struct evbuffer *b)
{
	static uint64_t	v[NSERIES][HISTORY_SLOTS];
	uint64_t	max = 0;
	size_t		s, i;
	int		ys[HISTORY_SLOTS], x;
	char		pt[32];

	for (s = 0; s < NSERIES; s++) {
		history_read(series[s].src, v[s]);
		for (i = 0; i < HISTORY_SLOTS; i++)
			if (v[s][i] > max)
				max = v[s][i];
	}
	evbuffer_add_printf(b, "<svg id=\"plot\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"transfer rates, last hour\">"
	    "<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\" "
	    "stroke=\"#ccc\"/>", LEFT + W + 10, H + BOTTOM, LEFT + W + 10,
	    H + BOTTOM, LEFT, W, H);
	/* Axis: the top is the hour's peak rate, per second. */
	evbuffer_add_printf(b, "<text x=\"%d\" y=\"12\" text-anchor=\"end\">",
	    LEFT - 4);
	html_put_bytes(b, max / HISTORY_SLOT_S);
	evbuffer_add_printf(b, "/s</text><text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">0</text><text x=\"%d\" y=\"%d\">-60 min"
	    "</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">-30 min"
	    "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">now</text>",
	    LEFT - 4, H, LEFT, H + 14, LEFT + W / 2, H + 14, LEFT + W, H + 14);
	for (s = 0; s < NSERIES; s++) {
		evbuffer_add_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"1.5\" points=\"", series[s].colour);
		for (i = 0; i < HISTORY_SLOTS; i++)
			ys[i] = max > 0 ? H - (int)(v[s][i] * (H - 4) / max) :
			    H;
		/* A flat stretch needs only its ends. */
		for (i = 0; i < HISTORY_SLOTS; i++) {
			if (i > 0 && i + 1 < HISTORY_SLOTS &&
			    ys[i - 1] == ys[i] && ys[i + 1] == ys[i])
				continue;
			x = LEFT + (int)(i * W / HISTORY_SLOTS);
			evbuffer_add(b, pt, put_point(pt, x, ys[i]));
		}
		evbuffer_add_printf(b, "\"/><text x=\"%d\" y=\"%d\" fill=\"%s\" "
		    "style=\"fill:%s\">%s</text>", LEFT + 8 + (int)s * 120, 14,
		    series[s].colour, series[s].colour, series[s].name);
	}
	evbuffer_add_printf(b, "</svg>");
}
