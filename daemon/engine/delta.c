/* SPDX-License-Identifier: ISC */
/*
 * delta.c - building a job's file from an older version (delta.h).
 *
 * The steps, each on the loop or a worker as it touches the network or
 * the disk:
 *
 *   loop    candidates: NAME_*EXT in each of delta_dirs, by version, or
 *           for an index apt's list file of the same URL
 *   loop    the torrent (discover.c) and the list's URL beside it
 *   loop    the list, at most BLOCKS_MAX_INPUT bytes
 *   worker  match over each candidate, write the blocks found, check
 *           pieces found whole against the torrent's SHA-1
 *   loop    pieces whole: stored; pieces found in part: their missing
 *           extents told to the picker (picker_piece_partial), which
 *           hands them to peers (the 16 KiB blocks that lack a byte) and
 *           mirrors (the missing extents) as any other work; job_run()
 *
 * Any failure on the way ends the phase with what was stored so far:
 * the picker fetches the rest as for any job.
 */
#include "config.h"

#include "common/queue-compat.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockmatch.h"
#include "common/clock.h"
#include "common/blocks.h"
#include "common/debver.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/manifest.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/base/names.h"
#include "daemon/base/pieces.h"
#include "daemon/base/webseed.h"
#include "daemon/base/workers.h"
#include "daemon/engine/delta.h"
#include "daemon/engine/job.h"
#include "daemon/engine/picker.h"
#include "daemon/meta/discover.h"
#include "daemon/meta/metadata.h"
#include "daemon/meta/torrents.h"

#define DELTA_CANDIDATES	3		/* newest versions tried */
/*
 * With this many pieces in part, spans are fetched over DELTA_PARALLEL
 * connections to the mirror apt asked.
 */
#define DELTA_SPLIT		8
#define DELTA_PARALLEL		4
#define DELTA_MAX_CAND		(1024u * 1024 * 1024)	/* bytes read */
/*
 * Found blocks between two missing ones shorter than this are fetched
 * again: a request costs a few hundred bytes of headers each way.
 */
#define DELTA_MERGE		2048
#define NAME_MAX_LEN		256

/* A piece's state: blockmatch_plan's, and NONE for one that failed. */
enum pstate {
	P_NONE = BLOCKMATCH_P_NONE,	/* nothing local: the picker's */
	P_WHOLE = BLOCKMATCH_P_WHOLE,	/* every block local */
	P_PART = BLOCKMATCH_P_PART,	/* some local: fetch the rest */
};

struct delta {
	LIST_ENTRY(delta)	 entry;
	struct job		*j;
	char			*cand[DELTA_CANDIDATES];
	size_t			 ncand;
	struct piecemap		 pm;		/* layout only */
	uint8_t			*sha1s;		/* torrent's v1 pieces, or NULL */
	struct ws_xfer		*x;
	uint8_t			*list;
	size_t			 listlen;
	bool			 list_bad;
	struct blocks		 b;
	/* match_work's results */
	uint8_t			*ps;		/* enum pstate per piece */
	bool			*pver;		/* piece checked against SHA-1 */
	struct blockmatch_range	*gaps;		/* missing in P_PART pieces */
	size_t			 ngaps;
	uint64_t		 local, missing;
	uint32_t		 nbad;
	unsigned		 stored, partial;
};

static LIST_HEAD(, delta) deltas = LIST_HEAD_INITIALIZER(deltas);

/* The job ended, or the daemon is stopping: no more work for it. */
static bool
over(const struct delta *d)
{
	return d->j->phase == PH_DONE || jobtab.stopping;
}

/*
 * Candidates.
 */
struct cand {
	char	*path;
	char	 ver[NAME_MAX_LEN];
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand	*x = a, *y = b;

	return debver_cmp(y->ver, x->ver);	/* newest first */
}

/* The file name of a URL's path. */
static const char *
url_file(const char *url, char *out, size_t outlen)
{
	const char	*end = url + strcspn(url, "?#"), *s = end;

	while (s > url && s[-1] != '/')
		s--;
	if (s == end || (size_t)(end - s) >= outlen)
		return NULL;
	memcpy(out, s, (size_t)(end - s));
	out[end - s] = '\0';
	return out;
}

static void
scan_dir(const char *dir, const char *file, const char *name, const char *ext,
    struct cand **v, size_t *n)
{
	char		 cname[NAME_MAX_LEN], cver[NAME_MAX_LEN],
			 cext[NAME_MAX_LEN];
	struct dirent	*e;
	struct cand	*nv;
	DIR		*dp;
	size_t		 nlen = strlen(name);

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strncmp(e->d_name, name, nlen) != 0 ||
		    e->d_name[nlen] != '_' || strcmp(e->d_name, file) == 0 ||
		    !debver_split(e->d_name, cname, sizeof(cname), cver,
		    sizeof(cver), cext, sizeof(cext)) ||
		    strcmp(cname, name) != 0 || strcmp(cext, ext) != 0)
			continue;
		if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
			break;
		*v = nv;
		if (asprintf(&nv[*n].path, "%s/%s", dir, e->d_name) == -1)
			break;
		memcpy(nv[*n].ver, cver, sizeof(cver));
		(*n)++;
	}
	closedir(dp);
}

/*
 * apt's name for a list file fetched from url (apt-pkg's URItoFileName):
 * scheme and credentials dropped, unsafe bytes as %xx, '/' as '_'.
 */
static bool
apt_list_name(const char *url, char *out, size_t outlen)
{
	static const char	 bad[] = "\\|{}[]<>\"^~_=!@#$%^*";
	const char		*p = strstr(url, "://"), *at, *slash;
	size_t			 o = 0;

	if (p == NULL)
		return false;
	p += 3;
	slash = p + strcspn(p, "/");
	if ((at = memchr(p, '@', (size_t)(slash - p))) != NULL)
		p = at + 1;
	for (; *p != '\0' && *p != '?' && *p != '#'; p++) {
		unsigned char	c = (unsigned char)*p;

		if (o + 4 >= outlen)
			return false;
		if (c == '/')
			out[o++] = '_';
		else if (c <= 0x20 || c >= 0x7f || strchr(bad, c) != NULL)
			o += (size_t)snprintf(out + o, outlen - o, "%%%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return o > 0;
}

/*
 * An index fetched by hash (dists/.../by-hash/SHA256/HEX): apt keeps it
 * under the index's own name, which the URL no longer says.  Its
 * directory's plain list files are the candidates (Packages beside
 * binary-ARCH/by-hash, Sources beside source/by-hash, ...), closest in
 * size first: a list of blocks matches only the one it was made for,
 * and a file apt keeps compressed (.lz4, .gz: Acquire::GzipIndexes) is
 * no candidate.
 */
struct icand {
	char		*path;
	uint64_t	 dist;
};

static int
icand_cmp(const void *a, const void *b)
{
	const struct icand	*x = a, *y = b;

	return x->dist < y->dist ? -1 : x->dist > y->dist;
}

static size_t
byhash_candidates(const struct job *j, const char *dir, const char *prefix,
    char **out, size_t max)
{
	struct icand	 v[16];
	struct dirent	*e;
	struct stat	 st;
	size_t		 n = 0, i, plen = strlen(prefix);
	const char	*rest;
	DIR		*dp;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL && n < sizeof(v) / sizeof(v[0])) {
		rest = e->d_name + plen;
		if (strncmp(e->d_name, prefix, plen) != 0 || *rest == '\0' ||
		    strchr(rest, '_') != NULL ||
		    fstatat(dirfd(dp), e->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode) ||
		    !blocks_wanted(rest, (uint64_t)st.st_size) ||
		    asprintf(&v[n].path, "%s/%s", dir, e->d_name) == -1)
			continue;
		v[n++].dist = (uint64_t)st.st_size > (uint64_t)j->size ?
		    (uint64_t)st.st_size - (uint64_t)j->size :
		    (uint64_t)j->size - (uint64_t)st.st_size;
	}
	closedir(dp);
	qsort(v, n, sizeof(v[0]), icand_cmp);
	for (i = 0; i < n; i++)
		if (i < max)
			out[i] = v[i].path;
		else
			free(v[i].path);
	return n < max ? n : max;
}

/*
 * An index (a file under dists/, no version in its name): its previous
 * version is apt's list file of the same URL, in any of delta_dirs.
 */
static size_t
index_candidates(const struct job *j, const char *dirs_conf, char **out,
    size_t max)
{
	char		 name[1024], *dirs, *dir, *save, *path, *bh, *url;
	struct stat	 st;
	size_t		 k = 0;

	/* By hash: the list files of the directory above by-hash/. */
	if ((bh = strstr(j->url, "/by-hash/")) != NULL) {
		if ((url = strndup(j->url, (size_t)(bh - j->url) + 1)) == NULL)
			return 0;
		if (!apt_list_name(url, name, sizeof(name)))
			name[0] = '\0';
		free(url);
	} else if (!apt_list_name(j->url, name, sizeof(name)))
		return 0;
	if (name[0] == '\0' || (dirs = strdup(dirs_conf)) == NULL)
		return 0;
	for (dir = strtok_r(dirs, " \t,", &save); dir != NULL && k < max;
	    dir = strtok_r(NULL, " \t,", &save)) {
		if (bh != NULL) {
			k += byhash_candidates(j, dir, name, out + k, max - k);
			continue;
		}
		if (asprintf(&path, "%s/%s", dir, name) == -1)
			break;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 0)
			out[k++] = path;
		else
			free(path);
	}
	free(dirs);
	return k;
}

/*
 * The newest versions of the job's file in delta_dirs: the same package
 * name and the same kind of file, another version; or for an index, the
 * list file apt keeps of it.  A directory listing (or a stat) each, no
 * file opened.
 */
static size_t
find_candidates(const struct job *j, char **out, size_t max)
{
	char		 file[NAME_MAX_LEN], name[NAME_MAX_LEN],
			 ver[NAME_MAX_LEN], ext[NAME_MAX_LEN], *dirs, *dir,
			 *save, own[PATH_MAX];
	const char	*last = NULL;
	struct cand	*v = NULL;
	size_t		 n = 0, i, k = 0;

	if (url_file(j->url, file, sizeof(file)) == NULL ||
	    !blocks_wanted(file, (uint64_t)j->size))
		return 0;
	if (strstr(j->url, "/dists/") != NULL && strchr(file, '_') == NULL)
		return conf.delta_dirs != NULL ?
		    index_candidates(j, conf.delta_dirs, out, max) : 0;
	if (!debver_split(file, name, sizeof(name), ver, sizeof(ver), ext,
	    sizeof(ext)))
		return 0;
	/* The daemon's own cache first: the names it downloaded. */
	if (names_dir(cache_root(), name, own, sizeof(own)))
		scan_dir(own, file, name, ext, &v, &n);
	if (conf.delta_dirs != NULL &&
	    (dirs = strdup(conf.delta_dirs)) != NULL) {
		for (dir = strtok_r(dirs, " \t,", &save); dir != NULL;
		    dir = strtok_r(NULL, " \t,", &save))
			scan_dir(dir, file, name, ext, &v, &n);
		free(dirs);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cand_cmp);
	/* One file per version: the same one may be in several places. */
	for (i = 0; i < n; i++) {
		if (k < max && debver_cmp(v[i].ver, ver) != 0 &&
		    (k == 0 || debver_cmp(v[i].ver, last) != 0)) {
			last = v[i].ver;
			out[k++] = v[i].path;
		} else
			free(v[i].path);
	}
	free(v);
	return k;
}

/*
 * The end of the phase.
 */
static void
delta_free(struct delta *d)
{
	size_t	i;

	for (i = 0; i < d->ncand; i++)
		free(d->cand[i]);
	if (d->x != NULL)
		ws_cancel(d->x);
	free(d->gaps);
	free(d->sha1s);
	free(d->list);
	free(d->ps);
	free(d->pver);
	blocks_free(&d->b);
	piecemap_free(&d->pm);
	free(d);
}

static void
store(struct delta *d, uint32_t p)
{
	struct job	*j = d->j;

	if (picker_piece_stored(j->pk, p, d->pver[p]) >= 0)
		d->stored++;
}

/*
 * Each span of missing bytes is a request of its own, made in turn on a
 * mirror's connection: with many pieces in part, more connections to
 * the mirror apt asked, as more mirrors, make them DELTA_PARALLEL at a
 * time (the picker shares the pieces among idle mirrors).
 */
static void
add_connections(struct job *j)
{
	struct source	*s;
	size_t		 k;
	int		 id;

	if (j->nsrc == 0 || j->src[0].dead || j->src[0].pid < 0)
		return;
	for (k = 1; k < DELTA_PARALLEL; k++) {
		if (job_add_source(j, j->src[0].url, j->src[0].mirror) != 0)
			return;
		s = &j->src[j->nsrc - 1];
		if ((id = picker_source_add(j->pk, PICKER_MIRROR, 0,
		    clock_ms())) < 0) {
			free(s->url);
			j->nsrc--;
			return;
		}
		s->pid = id;
		s->extra = true;
	}
	log_info("fetch %s: delta: its spans over %zu connections to %s", j->url,
	    k, j->src[0].url);
}

static void
finish(struct delta *d, const char *why)
{
	struct job	*j = d->j;

	if (why != NULL)
		log_debug("fetch %s: no delta: %s", j->url, why);
	else
		log_info("fetch %s: delta: %llu bytes from local files, %u "
		    "pieces stored (%u failed their hash), %u in part with "
		    "%llu bytes missing in %zu ranges", j->url,
		    (unsigned long long)d->local, d->stored, d->nbad,
		    d->partial, (unsigned long long)d->missing, d->ngaps);
	LIST_REMOVE(d, entry);
	if (d->partial >= DELTA_SPLIT && j->phase != PH_DONE && !jobtab.stopping)
		add_connections(j);
	if ((d->stored > 0 || d->partial > 0) && j->phase != PH_DONE) {
		/* Not written in order: the file is read back to verify. */
		inc_reset(j, true);
		j->prefix = piecemap_prefix(picker_map(j->pk));
	}
	delta_free(d);
	if (!jobtab.stopping && j->phase != PH_DONE)
		job_run(j);
	job_unref(j);
}

/*
 * On a worker: a piece built here against the torrent's SHA-1, when the
 * torrent is known (else the file's SHA-256 alone decides); one that
 * fails goes back to the picker.
 */
static void
piece_check(struct delta *d, uint32_t p)
{
	uint8_t		*piece, sha[SHA1_LEN];
	uint32_t	 len = piecemap_len(&d->pm, p);

	if (d->sha1s == NULL)
		return;
	if ((piece = malloc(len)) == NULL || pread(d->j->rw, piece, len,
	    (off_t)p * d->pm.piece_size) != (ssize_t)len) {
		d->ps[p] = P_NONE;
		free(piece);
		return;
	}
	sha1(piece, len, sha);
	free(piece);
	if (memcmp(sha, d->sha1s + (size_t)p * SHA1_LEN, SHA1_LEN) == 0)
		d->pver[p] = true;
	else {
		d->ps[p] = P_NONE;
		d->nbad++;
	}
}

/*
 * The match, on a worker.
 */

/* Write the blocks newly found in cand, runs of them at a time. */
static void
write_found(struct delta *d, const uint8_t *cand, size_t clen, uint64_t *off,
    bool *have)
{
	const struct blocks	*b = &d->b;
	uint8_t			*tmp;
	size_t			 i, k;
	uint64_t		 runlen;

	if ((tmp = malloc(b->block)) == NULL)
		return;
	for (i = 0; i < b->n; i = k) {
		k = i + 1;
		if (off[i] == BLOCKMATCH_NONE || off[i] == BLOCKMATCH_HAVE)
			continue;
		runlen = blocks_len(b, i);
		if (off[i] + runlen > clen) {
			/* The tail, padded: through a copy. */
			blockmatch_copy(b, i, cand, clen, off[i], tmp);
			if (pwrite_all(d->j->rw, tmp, runlen,
			    (uint64_t)i * b->block) != 0)
				continue;
		} else {
			while (k < b->n && off[k] == off[k - 1] + b->block &&
			    off[k] + blocks_len(b, k) <= clen)
				runlen += blocks_len(b, k++);
			if (pwrite_all(d->j->rw, cand + off[i], runlen,
			    (uint64_t)i * b->block) != 0)
				continue;
		}
		for (; i < k; i++) {
			have[i] = true;
			off[i] = BLOCKMATCH_HAVE;
		}
		d->local += runlen;
	}
	free(tmp);
}

static void
match_cand(struct delta *d, struct blockmatch *m, const char *path,
    uint64_t *off, bool *have)
{
	struct stat	 st;
	void		*map;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= DELTA_MAX_CAND &&
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) != MAP_FAILED) {
		if (blockmatch_run(m, map, (size_t)st.st_size, off, NULL) > 0)
			write_found(d, map, (size_t)st.st_size, off, have);
		munmap(map, (size_t)st.st_size);
	}
	close(fd);
}

/* Pieces whole, in part or not at all; the missing ranges of the second. */
static void
classify(struct delta *d, const bool *have)
{
	struct blockmatch_plan	 pl;
	uint32_t		 p;
	size_t			 i;

	if (blockmatch_plan(&d->b, have, d->pm.piece_size, DELTA_MERGE,
	    &pl) != 0)
		return;		/* every piece P_NONE: the picker's */
	for (p = 0; p < d->pm.npieces && p < pl.npieces; p++)
		d->ps[p] = pl.piece[p];
	d->gaps = pl.ranges;	/* sorted by offset, so grouped by piece */
	d->ngaps = pl.nranges;
	pl.ranges = NULL;
	pl.nranges = 0;
	for (i = 0; i < d->ngaps; i++)
		d->missing += d->gaps[i].len;
	blockmatch_plan_free(&pl);
	for (p = 0; p < d->pm.npieces; p++)
		if (d->ps[p] == P_WHOLE)
			piece_check(d, p);
}

static void
match_work(void *arg)
{
	struct delta		*d = arg;
	struct blockmatch	*m;
	uint64_t		*off;
	bool			*have;
	size_t			 i;

	off = malloc(d->b.n * sizeof(*off));
	have = calloc(d->b.n, sizeof(*have));
	d->ps = calloc(d->pm.npieces, 1);
	d->pver = calloc(d->pm.npieces, sizeof(*d->pver));
	if (off == NULL || have == NULL || d->ps == NULL || d->pver == NULL ||
	    (m = blockmatch_new(&d->b)) == NULL) {
		free(off);
		free(have);
		return;
	}
	for (i = 0; i < d->b.n; i++)
		off[i] = BLOCKMATCH_NONE;
	for (i = 0; i < d->ncand; i++)
		match_cand(d, m, d->cand[i], off, have);
	blockmatch_free(m);
	classify(d, have);
	free(off);
	free(have);
}

/* Tell the picker what of piece p, found in part, is missing. */
static void
partial(struct delta *d, uint32_t p, size_t *i)
{
	struct picker_extent	 ext[64];
	uint64_t		 start = (uint64_t)p * d->pm.piece_size;
	size_t			 n = 0;
	bool			 fits = true;

	for (; *i < d->ngaps && d->gaps[*i].piece == p; (*i)++) {
		if (n == sizeof(ext) / sizeof(ext[0])) {
			fits = false;
			continue;
		}
		ext[n].begin = (uint32_t)(d->gaps[*i].off - start);
		ext[n++].len = d->gaps[*i].len;
	}
	/* Too scattered to be worth the bookkeeping: fetched whole. */
	if (fits && n > 0 && picker_piece_partial(d->j->pk, p, ext, n) == 0)
		d->partial++;
}

static void
match_done(void *arg)
{
	struct delta	*d = arg;
	uint32_t	 p;
	size_t		 i = 0;

	if (over(d) || d->ps == NULL || d->pver == NULL) {
		finish(d, "job over, or out of memory");
		return;
	}
	for (p = 0; p < d->pm.npieces; p++) {
		while (i < d->ngaps && d->gaps[i].piece < p)
			i++;
		if (d->ps[p] == P_WHOLE)
			store(d, p);
		else if (d->ps[p] == P_PART)
			partial(d, p, &i);
	}
	finish(d, NULL);
}

/*
 * The list.
 */
static bool
list_start(void *arg, const struct ws_resp *r)
{
	struct delta	*d = arg;

	return !over(d) && (r->code == 200 || r->code == 0);
}

static enum ws_data
list_data(void *arg, const uint8_t *p, size_t n)
{
	struct delta	*d = arg;
	uint8_t		*nb;

	if (over(d) || d->listlen + n > BLOCKS_MAX_INPUT ||
	    (nb = realloc(d->list, d->listlen + n)) == NULL) {
		d->list_bad = true;
		return WS_DATA_STOP;
	}
	d->list = nb;
	memcpy(d->list + d->listlen, p, n);
	d->listlen += n;
	return WS_DATA_TAKEN;
}

static void
list_done(void *arg, const struct ws_result *r)
{
	struct delta		*d = arg;
	struct job		*j = d->j;
	const struct torrent	*t;
	int			 rc;

	d->x = NULL;
	if (over(d) || !r->ok || d->list_bad) {
		finish(d, "no block list");
		return;
	}
	if ((rc = blocks_parse(&d->b, d->list, d->listlen)) != 0) {
		log_info("fetch %s: block list ignored: %s", j->url,
		    blocks_strerror(rc));
		finish(d, "bad block list");
		return;
	}
	free(d->list);
	d->list = NULL;
	if (d->b.length != (uint64_t)j->size ||
	    d->b.block > d->pm.piece_size) {
		finish(d, "the block list is for another file");
		return;
	}
	if ((t = torrents_by_sha256(j->sha)) != NULL && t->has_v1 &&
	    t->pieces != NULL && t->npieces == d->pm.npieces &&
	    (d->sha1s = malloc((size_t)t->npieces * SHA1_LEN)) != NULL)
		memcpy(d->sha1s, t->pieces, (size_t)t->npieces * SHA1_LEN);
	if (workers_submit(match_work, match_done, d) < 0)
		finish(d, "no worker");
}

static const struct ws_callbacks list_cb = { list_start, list_data,
    list_done };

/* The manifest is known: the list's URL follows from it, listed or not. */
static void
md_answer(void *arg, const struct md_answer *a)
{
	struct delta		*d = arg;
	struct ws_mirror	*m;
	char			*url;

	(void)a;	/* NULL for a file it does not list: an index */
	if (over(d)) {
		finish(d, "job over");
		return;
	}
	if ((url = metadata_blocks_url(d->j->base, d->j->sha)) == NULL) {
		finish(d, "the suite publishes no metadata");
		return;
	}
	if ((m = ws_mirror_of(url)) == NULL ||
	    (d->x = ws_fetch(m, url, 0, 0, 0, &list_cb, d)) == NULL)
		finish(d, "cannot ask for the block list");
	free(url);
}

static void
torrent_done(void *arg, bool ok)
{
	struct delta	*d = arg;

	(void)ok;	/* without it, pieces are left to the SHA-256 */
	if (over(d)) {
		finish(d, "job over");
		return;
	}
	if (metadata_lookup(d->j->base, d->j->sha, md_answer, d) < 0)
		finish(d, "no suite");
}

bool
delta_start(struct job *j)
{
	struct delta	*d;

	if (!j->hashed || j->base == NULL || j->pk == NULL || j->size <= 0 ||
	    j->attempts > 0 || picker_map(j->pk)->nhave > 0 || j->nsrc == 0)
		return false;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return false;
	d->j = j;
	if ((d->ncand = find_candidates(j, d->cand, DELTA_CANDIDATES)) == 0 ||
	    piecemap_init(&d->pm, (uint64_t)j->size) != 0) {
		delta_free(d);
		return false;
	}
	log_debug("fetch %s: delta candidate %s", j->url, d->cand[0]);
	LIST_INSERT_HEAD(&deltas, d, entry);
	j->refs++;
	if (discover_torrent(j->base, j->sha, (uint64_t)j->size, torrent_done,
	    d) < 0)
		finish(d, "no suite");
	return true;
}

void
delta_shutdown(void)
{
	struct delta	*d;
	struct job	*j;

	while ((d = LIST_FIRST(&deltas)) != NULL) {
		LIST_REMOVE(d, entry);
		discover_cancel(d);
		metadata_cancel(md_answer, d);
		j = d->j;
		delta_free(d);
		job_unref(j);
	}
}
