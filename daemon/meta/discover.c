/* SPDX-License-Identifier: ISC */
/*
 * discover.c - manifest lookup, then the torrent, for one file.
 *
 * Torrents are small (a few KiB per file); one is read into memory and
 * checked by torrents_add() against the file's size and our piece layout
 * before anything trusts it, and even then its hashes are only hints:
 * apt's SHA-256 still decides.
 */
#include "config.h"

#include "common/queue-compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "daemon/meta/discover.h"
#include "daemon/meta/metadata.h"
#include "daemon/meta/torrents.h"
#include "daemon/base/conf.h"
#include "daemon/base/webseed.h"

#define TORRENT_MAX	(4 * 1024 * 1024)
#define MAX_HOST_TRACKERS	16

struct pending {
	LIST_ENTRY(pending)	 entry;
	uint8_t			 sha256[SHA256_LEN];
	uint64_t		 size;
	void			(*done)(void *, bool);
	void			*arg;
	struct ws_xfer		*x;
	uint8_t			*buf;
	size_t			 len;
	bool			 too_big;
	char			*host_trackers[MAX_HOST_TRACKERS];
	size_t			 nhost;
};

static LIST_HEAD(, pending) pendings = LIST_HEAD_INITIALIZER(pendings);

static void
pending_free(struct pending *p)
{
	size_t	i;

	for (i = 0; i < p->nhost; i++)
		free(p->host_trackers[i]);
	free(p->buf);
	free(p);
}

static void
pending_end(struct pending *p, bool ok)
{
	void	(*done)(void *, bool) = p->done;
	void	*arg = p->arg;

	LIST_REMOVE(p, entry);
	pending_free(p);
	done(arg, ok);
}

static void
host_tracker_add(struct pending *p, char *url)
{
	size_t	i;

	for (i = 0; url != NULL && i < p->nhost; i++)
		if (strcmp(p->host_trackers[i], url) == 0)
			break;
	if (url == NULL || i < p->nhost || p->nhost == MAX_HOST_TRACKERS) {
		free(url);
		return;
	}
	p->host_trackers[p->nhost++] = url;
}

/* The host of an absolute URL, without user information or port. */
static size_t
url_host(const char *url, const char **host)
{
	const char	*p = strstr(url, "://"), *end, *at;

	if (p == NULL)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	*host = p;
	if (*p == '[') {
		at = memchr(p, ']', (size_t)(end - p));
		return at != NULL ? (size_t)(at - p + 1) : 0;
	}
	return strcspn(p, ":/?#");
}

static bool
same_host(const char *a, const char *b)
{
	const char	*ha, *hb;
	size_t		 la = url_host(a, &ha), lb = url_host(b, &hb);

	return la > 0 && la == lb && strncasecmp(ha, hb, la) == 0;
}

/*
 * Tracker localization: the trackers the manifest puts on its own host
 * (which come first in its list), then those the configuration
 * expects on every host that publishes metadata.  Only a host that
 * answered with a manifest gets here, so a mirror that publishes
 * nothing is never probed for a tracker.
 */
static void
host_trackers(struct pending *p, const struct md_answer *a)
{
	const char	*list = conf.trackers_on_metadata_hosts, *q;
	char		 pat[1024];
	size_t		 i, len;

	for (i = 0; i < a->ntrackers; i++)
		if (same_host(a->trackers[i], a->manifest_url))
			host_tracker_add(p, strdup(a->trackers[i]));
	for (q = list; q != NULL && *(q += strspn(q, " \t,")) != '\0';
	    q += len) {
		len = strcspn(q, " \t,");
		if (len >= sizeof(pat))
			continue;
		memcpy(pat, q, len);
		pat[len] = '\0';
		host_tracker_add(p, manifest_pattern_url(pat,
		    a->manifest_url));
	}
}

static bool
t_start(void *arg, const struct ws_resp *r)
{
	return r->code == 200 || r->code == 0;
}

static enum ws_data
t_data(void *arg, const uint8_t *data, size_t n)
{
	struct pending	*p = arg;
	uint8_t		*nb;

	if (p->len + n > TORRENT_MAX) {
		p->too_big = true;
		return WS_DATA_STOP;
	}
	if ((nb = realloc(p->buf, p->len + n)) == NULL) {
		p->too_big = true;
		return WS_DATA_STOP;
	}
	p->buf = nb;
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	return WS_DATA_TAKEN;
}

static void
t_done(void *arg, const struct ws_result *r)
{
	struct pending	*p = arg;
	int		 rc;

	p->x = NULL;
	if (!r->ok || p->too_big) {
		log_info("discover: torrent not fetched: %s", r->msg);
		pending_end(p, false);
		return;
	}
	if ((rc = torrents_add(p->sha256, p->size, p->buf, p->len)) != 0) {
		log_warnx("discover: the published torrent does not describe "
		    "the file; ignored");
		pending_end(p, false);
		return;
	}
	(void)torrents_set_host_trackers(p->sha256, p->host_trackers,
	    p->nhost);
	pending_end(p, true);
}

static const struct ws_callbacks t_cb = { t_start, t_data, t_done };

static void
md_answer(void *arg, const struct md_answer *a)
{
	struct pending		*p = arg;
	struct ws_mirror	*m;

	if (a != NULL)
		host_trackers(p, a);
	if (torrents_by_sha256(p->sha256) != NULL) {
		(void)torrents_set_host_trackers(p->sha256, p->host_trackers,
		    p->nhost);
		pending_end(p, true);
		return;
	}
	if (a == NULL || a->torrent_url == NULL ||
	    (m = ws_mirror_of(a->torrent_url)) == NULL ||
	    (p->x = ws_fetch(m, a->torrent_url, 0, 0, 0, &t_cb, p)) == NULL) {
		pending_end(p, false);
		return;
	}
}

int
discover_torrent(const char *base, const uint8_t sha256[SHA256_LEN],
    uint64_t size, void (*done)(void *, bool), void *arg)
{
	struct pending	*p;
	int		 r;

	/*
	 * A known torrent still asks the manifest (answered from memory
	 * after the first file of the suite) for its host's trackers.
	 */
	if (torrents_by_sha256(sha256) != NULL &&
	    torrents_by_sha256(sha256)->host_trackers != NULL) {
		done(arg, true);
		return 0;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	memcpy(p->sha256, sha256, SHA256_LEN);
	p->size = size;
	p->done = done;
	p->arg = arg;
	LIST_INSERT_HEAD(&pendings, p, entry);
	/* The answer may come at once (a known suite) or later. */
	if ((r = metadata_lookup(base, sha256, md_answer, p)) < 0) {
		LIST_REMOVE(p, entry);
		free(p);
		return r;
	}
	return 0;
}

/* Drop a discovery without telling its owner. */
static void
pending_drop(struct pending *p)
{
	metadata_cancel(md_answer, p);
	if (p->x != NULL)
		ws_cancel(p->x);
	LIST_REMOVE(p, entry);
	pending_free(p);
}

void
discover_cancel(void *arg)
{
	struct pending	*p, *next;

	LIST_FOREACH_SAFE(p, &pendings, entry, next)
		if (p->arg == arg)
			pending_drop(p);
}

void
discover_shutdown(void)
{
	while (!LIST_EMPTY(&pendings))
		pending_drop(LIST_FIRST(&pendings));
}
