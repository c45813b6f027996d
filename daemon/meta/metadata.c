/* SPDX-License-Identifier: ISC */
/*
 * metadata.c - per-suite manifests: fetched once, cached, misses remembered.
 *
 * Each suite is one entry keyed by its manifest URL, in one of three
 * states: fetching (lookups wait on it), have (a parsed manifest, fresh
 * until a deadline) or miss (nothing to use until a deadline).  A stale
 * manifest is revalidated with If-Modified-Since before it is used again,
 * so a mirror that has not changed answers 304 with no body.  Misses are
 * only kept in memory: after a restart a mirror without metadata sees
 * one more request per suite.
 *
 * The disk copy is "aptbt-manifest-cache 1 LAST-MODIFIED URL\n" followed
 * by the manifest as served; its mtime is when it was last known fresh.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/blocks.h"
#include "common/bytebuf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/queue-compat.h"
#include "common/manifest.h"
#include "daemon/meta/metadata.h"
#include "daemon/base/webseed.h"

#define MD_MAX_SUITES	64
#define MD_CACHE_MAGIC	"aptbt-manifest-cache 1 "
#define MD_DIR		"manifests"

enum md_state {
	MD_FETCHING,
	MD_HAVE,
	MD_MISS,
};

struct md_waiter {
	TAILQ_ENTRY(md_waiter)	 entry;
	uint8_t			 sha[SHA256_LEN];
	metadata_cb		 cb;
	void			*arg;
};
TAILQ_HEAD(md_waitq, md_waiter);

struct md_suite {
	TAILQ_ENTRY(md_suite)	 entry;		/* most recently used first */
	char			*url;		/* the manifest's */
	enum md_state		 state;
	bool			 have;		/* m holds a manifest */
	struct manifest		 m;
	char			**trackers;	/* resolved, local first */
	size_t			 ntrackers;
	time_t			 until;		/* fresh or miss deadline, clock_s() */
	time_t			 last_modified;	/* of the manifest, or 0 */
	struct ws_xfer		*xfer;
	struct bytebuf		 body;
	bool			 too_big;
	time_t			 resp_lm;
	struct md_waitq		 waiters;
	int			 dispatching;
};
TAILQ_HEAD(md_suiteq, md_suite);

static struct {
	struct event_base	*base;
	char			*dir;		/* state_dir/manifests, or NULL */
	struct md_suiteq	 suites;
	size_t			 nsuites;
	struct md_times		 times;
	struct md_stats		 stats;
	bool			 ready;
} md;

static const struct md_times md_default_times = {
	60 * 60,	/* fresh: mirrors update a few times a day */
	60 * 60,	/* miss */
	5 * 60,		/* error */
};

static void	md_fetch(struct md_suite *);

/*
 * Disk cache.
 */
static char *
md_cache_path(const char *url)
{
	uint8_t	 h[SHA256_LEN];
	char	 hex[2 * SHA256_LEN + 1], *path;

	if (md.dir == NULL)
		return NULL;
	sha256(url, strlen(url), h);
	hex_encode(h, SHA256_LEN, hex);
	/* 128 bits of the URL's hash name it well enough. */
	hex[32] = '\0';
	if (asprintf(&path, "%s/%s", md.dir, hex) == -1)
		return NULL;
	return path;
}

static void
md_cache_remove(const struct md_suite *s)
{
	char	*path;

	if ((path = md_cache_path(s->url)) == NULL)
		return;
	unlink(path);
	free(path);
}

static void
md_cache_save(const struct md_suite *s, const uint8_t *buf, size_t len)
{
	struct atomicfile	 af;
	char			*path, *hdr = NULL;
	int			 rc;

	if ((path = md_cache_path(s->url)) == NULL)
		return;
	if (mkdir(md.dir, 0700) == -1 && errno != EEXIST) {
		log_warn("metadata: mkdir %s", md.dir);
		goto out;
	}
	if (asprintf(&hdr, "%s%lld %s\n", MD_CACHE_MAGIC,
	    (long long)s->last_modified, s->url) == -1) {
		hdr = NULL;
		goto out;
	}
	if ((rc = atomicfile_open(&af, path, 0600)) == 0) {
		if ((rc = atomicfile_put(&af, hdr, strlen(hdr))) < 0 ||
		    (rc = atomicfile_put(&af, buf, len)) < 0)
			atomicfile_abort(&af);
		else
			rc = atomicfile_commit(&af);
	}
	if (rc < 0)
		log_warnx("metadata: saving %s: %s", path, strerror(-rc));
out:
	free(hdr);
	free(path);
}

/* Note that the copy on disk was found fresh again now. */
static void
md_cache_touch(const struct md_suite *s)
{
	char	*path;

	if ((path = md_cache_path(s->url)) == NULL)
		return;
	utimensat(AT_FDCWD, path, NULL, 0);
	free(path);
}

static int	md_take(struct md_suite *, const uint8_t *, size_t);

/* A manifest from disk: fresh until its mtime plus the freshness time. */
static void
md_cache_load(struct md_suite *s)
{
	struct stat	 st;
	struct bytebuf	 b = BYTEBUF_INIT;
	uint8_t		*nl;
	char		*path, hdr[MANIFEST_MAX_URL + 64];
	long long	 lm;
	size_t		 n, hlen;
	FILE		*f;

	if ((path = md_cache_path(s->url)) == NULL)
		return;
	if ((f = fopen(path, "re")) == NULL)
		goto out;
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)MANIFEST_MAX_INPUT + (off_t)sizeof(hdr) ||
	    !bytebuf_reserve(&b, (size_t)st.st_size))
		goto close;
	while ((n = fread(b.data + b.len, 1, b.cap - b.len, f)) > 0)
		b.len += n;
	if (ferror(f) || b.len == 0 || (nl = memchr(b.data, '\n', b.len < sizeof(hdr) ?
	    b.len : sizeof(hdr))) == NULL)
		goto close;
	hlen = (size_t)(nl - b.data);
	memcpy(hdr, b.data, hlen);
	hdr[hlen] = '\0';
	n = strlen(MD_CACHE_MAGIC);
	if (strncmp(hdr, MD_CACHE_MAGIC, n) != 0 ||
	    sscanf(hdr + n, "%lld", &lm) != 1 || strchr(hdr + n, ' ') == NULL ||
	    strcmp(strchr(hdr + n, ' ') + 1, s->url) != 0)
		goto close;
	s->last_modified = (time_t)lm;
	if (md_take(s, nl + 1, b.len - hlen - 1) == 0) {
		/* The file's date, turned into time left on our clock. */
		s->until = clock_s() + (st.st_mtime + md.times.fresh -
		    time(NULL));
		md.stats.loaded++;
	}
close:
	fclose(f);
out:
	bytebuf_free(&b);
	free(path);
}

/*
 * Suites.
 */
static void
md_trackers_free(struct md_suite *s)
{
	size_t	i;

	for (i = 0; i < s->ntrackers; i++)
		free(s->trackers[i]);
	free(s->trackers);
	s->trackers = NULL;
	s->ntrackers = 0;
}

static void
md_drop(struct md_suite *s)
{
	md_trackers_free(s);
	if (s->have)
		manifest_free(&s->m);
	s->have = false;
}

/* Tracker localization: patterns on the manifest's host come first. */
static int
md_resolve_trackers(struct md_suite *s)
{
	size_t	i, pass;
	char	*u;
	bool	local;

	if (s->m.ntrackers == 0)
		return 0;
	if ((s->trackers = calloc(s->m.ntrackers, sizeof(char *))) == NULL)
		return -ENOMEM;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->m.ntrackers; i++) {
			local = manifest_tracker_is_pattern(s->m.trackers[i]);
			if (local != (pass == 0))
				continue;
			if ((u = manifest_tracker_url(&s->m, s->url, i)) ==
			    NULL)
				continue;
			s->trackers[s->ntrackers++] = u;
		}
	return 0;
}

/* Take a manifest's bytes; 0, or a negative manifest error. */
static int
md_take(struct md_suite *s, const uint8_t *buf, size_t len)
{
	struct manifest	m;
	int		rv;

	if ((rv = manifest_parse(&m, buf, len)) != 0)
		return rv;
	md_drop(s);
	s->m = m;
	s->have = true;
	if (md_resolve_trackers(s) != 0) {
		md_drop(s);
		return -MANIFEST_ENOMEM;
	}
	s->state = MD_HAVE;
	return 0;
}

static void
md_suite_free(struct md_suite *s)
{
	struct md_waiter	*w;

	if (s->xfer != NULL)
		ws_cancel(s->xfer);
	while ((w = TAILQ_FIRST(&s->waiters)) != NULL) {
		TAILQ_REMOVE(&s->waiters, w, entry);
		free(w);
	}
	md_drop(s);
	bytebuf_free(&s->body);
	free(s->url);
	free(s);
}

/* Make room by forgetting the least recently used idle suite. */
static void
md_evict(void)
{
	struct md_suite	*s;

	TAILQ_FOREACH_REVERSE(s, &md.suites, md_suiteq, entry)
		if (s->state != MD_FETCHING && s->dispatching == 0 &&
		    TAILQ_EMPTY(&s->waiters)) {
			TAILQ_REMOVE(&md.suites, s, entry);
			md.nsuites--;
			md_suite_free(s);
			return;
		}
}

static struct md_suite *
md_suite_get(const char *url)
{
	struct md_suite	*s;

	TAILQ_FOREACH(s, &md.suites, entry)
		if (strcmp(s->url, url) == 0) {
			TAILQ_REMOVE(&md.suites, s, entry);
			TAILQ_INSERT_HEAD(&md.suites, s, entry);
			return s;
		}
	if (md.nsuites >= MD_MAX_SUITES)
		md_evict();
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->url = strdup(url)) == NULL) {
		free(s);
		return NULL;
	}
	TAILQ_INIT(&s->waiters);
	s->state = MD_MISS;
	TAILQ_INSERT_HEAD(&md.suites, s, entry);
	md.nsuites++;
	md_cache_load(s);
	return s;
}

/*
 * Answers.
 */
static void
md_answer(struct md_suite *s, const uint8_t sha[SHA256_LEN], metadata_cb cb,
    void *arg)
{
	struct manifest_entry	 e;
	struct md_answer	 a;
	char			*turl;

	md.stats.lookups++;
	if (s->state != MD_HAVE || !manifest_lookup(&s->m, sha, &e) ||
	    (turl = manifest_torrent_url(&s->m, s->url, sha)) == NULL) {
		cb(arg, NULL);
		return;
	}
	md.stats.found++;
	memset(&a, 0, sizeof(a));
	a.entry = &e;
	a.form = s->m.form;
	a.manifest_url = s->url;
	a.torrent_url = turl;
	a.trackers = s->trackers;
	a.ntrackers = s->ntrackers;
	cb(arg, &a);
	free(turl);
}

/* Answer everyone waiting; callbacks may look up or cancel meanwhile. */
static void
md_dispatch(struct md_suite *s)
{
	struct md_waiter	*w;

	s->dispatching++;
	while (s->state != MD_FETCHING &&
	    (w = TAILQ_FIRST(&s->waiters)) != NULL) {
		TAILQ_REMOVE(&s->waiters, w, entry);
		md_answer(s, w->sha, w->cb, w->arg);
		free(w);
	}
	s->dispatching--;
}

/*
 * Fetching.
 */
static bool
md_start(void *arg, const struct ws_resp *r)
{
	struct md_suite	*s = arg;

	s->resp_lm = r->last_modified > 0 ? r->last_modified : 0;
	if (r->total > (int64_t)MANIFEST_MAX_INPUT) {
		s->too_big = true;
		return false;
	}
	return true;
}

static enum ws_data
md_data(void *arg, const uint8_t *p, size_t n)
{
	struct md_suite	*s = arg;

	if (s->body.len + n > MANIFEST_MAX_INPUT) {
		s->too_big = true;
		return WS_DATA_STOP;
	}
	bytebuf_append(&s->body, p, n);
	return bytebuf_failed(&s->body) ? WS_DATA_STOP : WS_DATA_TAKEN;
}

static void
md_miss(struct md_suite *s, time_t ttl, bool forget)
{
	if (forget) {
		md_drop(s);
		md_cache_remove(s);
	}
	if (s->have) {
		/* A transient failure: keep what we had a little longer. */
		s->state = MD_HAVE;
	} else
		s->state = MD_MISS;
	s->until = clock_s() + ttl;
}

static void
md_done(void *arg, const struct ws_result *r)
{
	struct md_suite	*s = arg;
	int		 rv;

	s->xfer = NULL;
	if (r->ok && r->not_modified && s->have) {
		md.stats.not_modified++;
		s->state = MD_HAVE;
		s->until = clock_s() + md.times.fresh;
		md_cache_touch(s);
		log_debug("metadata: %s not modified", s->url);
	} else if (r->ok && !r->stopped && !r->not_modified) {
		if ((rv = md_take(s, s->body.data, s->body.len)) == 0) {
			s->last_modified = s->resp_lm;
			s->until = clock_s() + md.times.fresh;
			md_cache_save(s, s->body.data, s->body.len);
			log_info("metadata: %s: %zu files", s->url,
			    s->m.nentries);
		} else {
			log_warnx("metadata: %s: %s; not asking again for "
			    "%lld s", s->url, manifest_strerror(rv),
			    (long long)md.times.miss);
			md_miss(s, md.times.miss, true);
		}
	} else if (r->ok || s->too_big) {
		/* Stopped by us (too big), or a 304 to nothing we hold. */
		log_warnx("metadata: %s: unusable answer", s->url);
		md_miss(s, md.times.miss, true);
	} else if (!r->transient) {
		log_debug("metadata: %s: %s; no metadata for %lld s", s->url,
		    r->reason, (long long)md.times.miss);
		md_miss(s, md.times.miss, true);
	} else {
		log_info("metadata: %s: %s", s->url, r->msg);
		md_miss(s, md.times.error, false);
	}
	bytebuf_free(&s->body);
	md_dispatch(s);
}

static const struct ws_callbacks md_ws_cb = {
	md_start, md_data, md_done
};

static void
md_fetch(struct md_suite *s)
{
	struct ws_mirror	*m;

	bytebuf_reset(&s->body);
	s->too_big = false;
	s->resp_lm = 0;
	if ((m = ws_mirror_of(s->url)) == NULL) {
		md_miss(s, md.times.miss, true);
		return;
	}
	if (!ws_mirror_usable(m)) {
		md_miss(s, md.times.error, false);
		return;
	}
	s->state = MD_FETCHING;
	md.stats.fetches++;
	s->xfer = ws_fetch(m, s->url, 0, 0, s->have ? s->last_modified : 0,
	    &md_ws_cb, s);
	if (s->xfer == NULL)
		md_miss(s, md.times.error, false);
}

/*
 * Interface.
 */
int
metadata_init(struct event_base *base, const char *state_dir)
{
	memset(&md, 0, sizeof(md));
	md.base = base;
	md.times = md_default_times;
	TAILQ_INIT(&md.suites);
	if (state_dir != NULL &&
	    asprintf(&md.dir, "%s/%s", state_dir, MD_DIR) == -1) {
		md.dir = NULL;
		return -ENOMEM;
	}
	if (md.dir != NULL)
		atomicfile_sweep(md.dir);
	md.ready = true;
	return 0;
}

void
metadata_shutdown(void)
{
	struct md_suite	*s;

	if (!md.ready)
		return;
	while ((s = TAILQ_FIRST(&md.suites)) != NULL) {
		TAILQ_REMOVE(&md.suites, s, entry);
		md_suite_free(s);
	}
	free(md.dir);
	memset(&md, 0, sizeof(md));
}

void
metadata_set_times(const struct md_times *t)
{
	md.times = *t;
}

int
metadata_lookup(const char *base_uri, const uint8_t sha[SHA256_LEN],
    metadata_cb cb, void *arg)
{
	struct md_suite		*s;
	struct md_waiter	*w;
	char			*url, *probe;

	if (!md.ready)
		return -ENXIO;
	if ((url = manifest_url_of_base(base_uri)) == NULL)
		return -ENOMEM;
	/* Only absolute URLs name a mirror. */
	if ((probe = manifest_url_resolve(url, "")) == NULL ||
	    !metainfo_url_ok(url, strlen(url)) ||
	    strlen(url) > MANIFEST_MAX_URL) {
		free(probe);
		free(url);
		return -EINVAL;
	}
	free(probe);
	s = md_suite_get(url);
	free(url);
	if (s == NULL)
		return -ENOMEM;
	if (s->state != MD_FETCHING && clock_s() >= s->until)
		md_fetch(s);
	if (s->state != MD_FETCHING) {
		md_answer(s, sha, cb, arg);
		return 1;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	memcpy(w->sha, sha, SHA256_LEN);
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&s->waiters, w, entry);
	return 0;
}

void
metadata_cancel(metadata_cb cb, void *arg)
{
	struct md_suite		*s;
	struct md_waiter	*w, *next;

	TAILQ_FOREACH(s, &md.suites, entry)
		TAILQ_FOREACH_SAFE(w, &s->waiters, entry, next)
			if (w->cb == cb && w->arg == arg) {
				TAILQ_REMOVE(&s->waiters, w, entry);
				free(w);
			}
}

char *
metadata_blocks_url(const char *base_uri, const uint8_t sha[SHA256_LEN])
{
	struct md_suite	*s;
	char		 ref[sizeof("../../" BLOCKS_DIR "/") + BLOCKS_NAME_LEN];
	char		*url, *turl, *burl;

	if (!md.ready || (url = manifest_url_of_base(base_uri)) == NULL)
		return NULL;
	TAILQ_FOREACH(s, &md.suites, entry)
		if (strcmp(s->url, url) == 0)
			break;
	free(url);
	if (s == NULL || s->state != MD_HAVE ||
	    (turl = manifest_torrent_url(&s->m, s->url, sha)) == NULL)
		return NULL;
	/* TORRENTS/XX/HEX.torrent -> TORRENTS/../blocks/XX/HEX.blocks */
	memcpy(ref, "../../" BLOCKS_DIR "/", sizeof("../../" BLOCKS_DIR "/"));
	blocks_name(sha, ref + sizeof("../../" BLOCKS_DIR "/") - 1);
	burl = manifest_url_resolve(turl, ref);
	free(turl);
	return burl;
}

void
metadata_get_stats(struct md_stats *st)
{
	*st = md.stats;
}
