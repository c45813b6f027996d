/* SPDX-License-Identifier: ISC */
/*
 * page.c - the status page: savings, the hour's plot, downloads, files,
 * peers, mirrors and settings, as one HTML document.
 *
 * Plain HTML with inline CSS and SVG: it loads nothing, runs no script
 * and refreshes itself with a meta tag.  Long lists are cut at a fixed
 * number of rows (the counts above them stay whole), so a page costs the
 * same on a big site as on a small one.  Numbers a test or a reader may
 * want exactly carry them in data-bytes / data-n attributes next to the
 * rounded figure.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include <event2/buffer.h>

#include "common/hash.h"
#include "daemon/base/conf.h"
#include "daemon/base/webseed.h"
#include "daemon/engine/report.h"
#include "daemon/web/render.h"

#define ROWS_MAX	100	/* per list */

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;"
	"background:#fafafa}"
	"h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .3em;"
	"border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;font-size:13px}"
	"td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"small,.dim{color:#777}.ok{color:#080}.bad{color:#b00}"
	".big{font-size:1.6em;font-weight:600}"
	"code{font-size:12px;word-break:break-all}"
	"svg text{font:11px sans-serif;fill:#555}";

static void
put_n(struct evbuffer *b, uint64_t n)
{
	html_lit(b, "<td class=\"n\" data-n=\"");
	html_put_u64(b, n);
	html_lit(b, "\">");
	html_put_u64(b, n);
	html_lit(b, "</td>");
}

/* id: an element id (a constant) or NULL. */
static void
put_bytes_td(struct evbuffer *b, const char *id, uint64_t n)
{
	html_lit(b, "<td class=\"n\"");
	if (id != NULL) {
		html_lit(b, " id=\"");
		html_lit(b, id);
		html_lit(b, "\"");
	}
	html_lit(b, " data-bytes=\"");
	html_put_u64(b, n);
	html_lit(b, "\">");
	html_put_bytes(b, n);
	html_lit(b, "</td>");
}

static void
put_percent_td(struct evbuffer *b, uint64_t part, uint64_t whole)
{
	html_lit(b, "<td class=\"n\">");
	html_put_percent(b, part, whole);
	html_lit(b, "%</td>");
}

static void
put_text_td(struct evbuffer *b, const char *s)
{
	html_lit(b, "<td>");
	html_put(b, s);
	html_lit(b, "</td>");
}

static void
put_saved(struct evbuffer *b, const struct report_status *r)
{
	uint64_t	spared = r->bytes_from_peers + r->bytes_from_cache;
	uint64_t	all = spared + r->bytes_from_mirrors;

	html_lit(b, "<h2>Saved</h2><p><span class=\"big\" id=\"spared\">");
	if (all > 0)
		html_put_percent(b, spared, all);
	else
		html_lit(b, "0.0");
	html_lit(b, "%</span> of what apt received did not cross the uplink "
	    "(it came from peers or the cache).</p><table><tr><th>source</th>"
	    "<th class=\"n\">bytes</th></tr>");
	evbuffer_add_printf(b, "<tr><td>from peers</td>");
	put_bytes_td(b, "bytes-from-peers", r->bytes_from_peers);
	evbuffer_add_printf(b, "</tr><tr><td>from the cache</td>");
	put_bytes_td(b, "bytes-from-cache", r->bytes_from_cache);
	evbuffer_add_printf(b, "</tr><tr><td>from mirrors</td>");
	put_bytes_td(b, "bytes-from-mirrors", r->bytes_from_mirrors);
	evbuffer_add_printf(b, "</tr><tr><td>uploaded to peers</td>");
	put_bytes_td(b, "bytes-to-peers", r->bytes_to_peers);
	evbuffer_add_printf(b, "</tr></table>");
}

static void
put_download(const struct report_download *d, void *arg)
{
	struct evbuffer	*b = arg;

	evbuffer_add(b, "<tr>", 4);
	evbuffer_add(b, "<td><code>", 10);
	html_put(b, d->url);
	evbuffer_add(b, "</code></td>", 12);
	if (d->size >= 0) {
		put_bytes_td(b, NULL, (uint64_t)d->size);
		put_percent_td(b, d->have, (uint64_t)d->size);
	} else
		evbuffer_add_printf(b, "<td class=\"n dim\">?</td>"
		    "<td class=\"n dim\">?</td>");
	put_bytes_td(b, NULL, d->from_peers);
	put_n(b, d->mirrors);
	put_n(b, d->requesters);
	evbuffer_add(b, "</tr>", 5);
}

struct files_ctx {
	struct evbuffer	*b;
	unsigned	 rows;
	uint64_t	 nfetching, nseeding, ncached;
};

static bool
put_file(const struct report_file *f, void *arg)
{
	struct files_ctx	*c = arg;
	char			 hex[2 * SHA256_LEN + 1];

	if (f->state[0] == 'f')
		c->nfetching++;
	else
		c->nseeding++;
	if (c->rows++ >= ROWS_MAX)
		return true;
	hex_encode(f->sha256, SHA256_LEN, hex);
	hex[16] = '\0';
	html_lit(c->b, "<tr><td><code>");
	html_lit(c->b, hex);
	html_lit(c->b, "…</code></td>");
	put_text_td(c->b, f->state);
	put_text_td(c->b, report_file_mode(f->sha256));
	put_bytes_td(c->b, NULL, f->size);
	put_percent_td(c->b, f->have, f->size);
	put_n(c->b, f->peers);
	put_bytes_td(c->b, NULL, f->from_peers);
	put_bytes_td(c->b, NULL, f->to_peers);
	evbuffer_add(c->b, "</tr>", 5);
	return true;
}

struct peers_ctx {
	struct evbuffer	*b;
	unsigned	 rows;
};

static void
put_peer(const struct report_peer *p, void *arg)
{
	struct peers_ctx	*c = arg;

	if (c->rows++ >= ROWS_MAX)
		return;
	evbuffer_add(c->b, "<tr>", 4);
	put_text_td(c->b, p->st.addr);
	put_text_td(c->b, p->st.client);
	put_text_td(c->b, p->flags);
	put_text_td(c->b, p->source);
	put_n(c->b, p->st.nlinks);
	put_bytes_td(c->b, NULL, p->st.bytes_in);
	put_bytes_td(c->b, NULL, p->st.bytes_out);
	put_bytes_td(c->b, NULL, p->st.rate_in);
	put_bytes_td(c->b, NULL, p->st.rate_out);
	evbuffer_add(c->b, "</tr>", 5);
}

static void
put_mirror(const struct ws_mirror_stats *m, void *arg)
{
	struct evbuffer	*b = arg;
	time_t		 now = time(NULL);

	evbuffer_add(b, "<tr><td><code>", 14);
	html_put(b, m->name);
	evbuffer_add(b, "</code></td>", 12);
	if (m->backoff_until > now)
		evbuffer_add_printf(b, "<td class=\"bad\">backing off %llds "
		    "(%u failures)</td>", (long long)(m->backoff_until - now),
		    m->failures);
	else if (m->failures > 0)
		evbuffer_add_printf(b, "<td class=\"bad\">%u failures</td>",
		    m->failures);
	else
		evbuffer_add_printf(b, "<td class=\"ok\">ok</td>");
	put_text_td(b, m->configured ? "configured" : "from apt");
	put_bytes_td(b, NULL, m->bytes);
	put_n(b, m->requests);
	put_n(b, m->errors);
	put_n(b, m->active);
	put_bytes_td(b, NULL, m->rate);
	evbuffer_add(b, "</tr>", 5);
}

static void
put_setting(const char *key, const char *value, void *arg)
{
	struct evbuffer	*b = arg;

	evbuffer_add_printf(b, "<tr><th>%s</th>", key);
	put_text_td(b, value);
	evbuffer_add(b, "</tr>", 5);
}

static void
put_cut(struct evbuffer *b, unsigned rows)
{
	if (rows > ROWS_MAX)
		evbuffer_add_printf(b, "<p class=\"dim\">The first %u of %u "
		    "are shown.</p>", ROWS_MAX, rows);
}

void
render_page(struct evbuffer *b)
{
	struct report_status	r;
	struct files_ctx	fc = { b, 0, 0, 0, 0 };
	struct peers_ctx	pc = { b, 0 };
	char			started[64];
	struct tm		tm;

	report_status(&r);
	if (gmtime_r(&r.started, &tm) == NULL ||
	    strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S UTC",
	    &tm) == 0)
		started[0] = '\0';
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
	    "content=\"%d\"><meta name=\"viewport\" content=\"width="
	    "device-width\"><title>aptbt status</title><style>%s</style>"
	    "</head><body><h1>aptbt</h1><p class=\"dim\">aptbtd %s, "
	    "started %s, up <span id=\"uptime\" data-n=\"%lld\">%lld s</span>"
	    "%s. This page refreshes every %d s.</p>", PAGE_REFRESH_S, style,
	    APTBT_VERSION, started, (long long)r.uptime_s,
	    (long long)r.uptime_s, r.paused ? ", <b class=\"bad\">paused</b>" :
	    "", PAGE_REFRESH_S);

	put_saved(b, &r);
	evbuffer_add_printf(b, "<h2>The last hour</h2>");
	render_plot(b);

	evbuffer_add_printf(b, "<h2>Downloads <small id=\"downloads\" "
	    "data-n=\"%u\">(%u)</small></h2><table><tr><th>URL</th>"
	    "<th class=\"n\">size</th><th class=\"n\">done</th>"
	    "<th class=\"n\">from peers</th><th class=\"n\">mirror sources"
	    "</th><th class=\"n\">requesters</th></tr>", r.downloads,
	    r.downloads);
	report_downloads(put_download, b);
	evbuffer_add_printf(b, "</table>");

	evbuffer_add_printf(b, "<h2>Files shared</h2><table><tr><th>file "
	    "(SHA-256)</th><th>state</th><th>mode</th><th class=\"n\">size</th>"
	    "<th class=\"n\">have</th><th class=\"n\">peers</th>"
	    "<th class=\"n\">from peers</th><th class=\"n\">to peers</th></tr>");
	report_swarms(put_file, &fc);
	evbuffer_add_printf(b, "</table>");
	put_cut(b, fc.rows);
	evbuffer_add_printf(b, "<p><span id=\"files-fetching\" data-n=\"%llu\">"
	    "%llu</span> fetching, <span id=\"files-seeding\" data-n=\"%llu\">"
	    "%llu</span> seeding; <span id=\"files-cached\" data-n=\"%llu\">"
	    "%llu</span> files (", (unsigned long long)fc.nfetching,
	    (unsigned long long)fc.nfetching, (unsigned long long)fc.nseeding,
	    (unsigned long long)fc.nseeding, (unsigned long long)r.files,
	    (unsigned long long)r.files);
	html_put_bytes(b, r.cache_bytes);
	evbuffer_add_printf(b, " of ");
	html_put_bytes(b, r.cache_quota);
	evbuffer_add_printf(b, ") in the cache, each seeded when a peer "
	    "asks.</p>");

	evbuffer_add_printf(b, "<h2>Peers <small id=\"peers\" data-n=\"%u\">"
	    "(%u connections, %u aptbt daemons)</small></h2><table><tr>"
	    "<th>address</th><th>client</th><th>flags</th><th>source</th>"
	    "<th class=\"n\">files</th><th class=\"n\">in</th>"
	    "<th class=\"n\">out</th><th class=\"n\">in/s</th>"
	    "<th class=\"n\">out/s</th></tr>", r.peers, r.peers, r.daemons);
	report_peers(put_peer, &pc);
	evbuffer_add_printf(b, "</table>");
	put_cut(b, pc.rows);

	evbuffer_add_printf(b, "<h2>Mirrors</h2><table><tr><th>URL</th>"
	    "<th>health</th><th>from</th><th class=\"n\">bytes</th>"
	    "<th class=\"n\">requests</th><th class=\"n\">errors</th>"
	    "<th class=\"n\">active</th><th class=\"n\">rate/s</th></tr>");
	ws_mirror_foreach(put_mirror, b);
	evbuffer_add_printf(b, "</table>");

	evbuffer_add_printf(b, "<h2>Settings</h2><p class=\"dim\">Sharing: ");
	html_put(b, r.share);
	evbuffer_add_printf(b, "; limits down %llu B/s, up %llu B/s "
	    "(0: none).</p><table>", (unsigned long long)r.download_limit,
	    (unsigned long long)r.upload_limit);
	conf_foreach(put_setting, b);
	evbuffer_add_printf(b, "</table></body></html>\n");
}
