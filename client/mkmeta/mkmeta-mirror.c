/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-mirror.c - aptbt-mkmeta --mirror and --archive: the whole run.
 *
 * The order is what keeps a mirror consistent for its readers whenever
 * the run is caught (killed, or rsynced mid-way):
 *
 *	1. read every suite's Release and indices; nothing is written
 *	2. every file's torrent, each replaced atomically; a torrent is
 *	   named by content, so the old manifests' torrents stay valid
 *	3. each suite's manifest, atomically, once all its torrents exist
 *	4. only then drop the torrents no suite lists any more
 *
 * A suite whose indices cannot be read intact keeps its old manifest,
 * and step 4 is skipped, since that manifest still needs its torrents.
 * One run at a time per output tree (a lock file), as cron may start a
 * second while the first still hashes.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/blocks.h"
#include "common/debindex.h"
#include "client/mkmeta/mkmeta.h"

struct suite {
	char		*name;
	struct mm_set	 files;
	size_t		 nindex;
	bool		 ok;
};

struct suites {
	struct suite	*v;
	size_t		 n;
};

static int
suite_add(struct suites *ss, const char *name)
{
	struct suite	*v;

	if ((v = reallocarray(ss->v, ss->n + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	ss->v = v;
	memset(&v[ss->n], 0, sizeof(*v));
	if ((v[ss->n].name = strdup(name)) == NULL)
		return -ENOMEM;
	ss->n++;
	return 0;
}

/* A directory of its own (not a link to another suite) with a Release. */
static bool
is_suite(const char *dists, const char *name)
{
	struct stat	 st;
	char		*p;
	bool		 ok;

	if (name[0] == '.' || asprintf(&p, "%s/%s", dists, name) == -1)
		return false;
	ok = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	if (!ok)
		return false;
	if (asprintf(&p, "%s/%s/Release", dists, name) == -1)
		return false;
	ok = access(p, F_OK) == 0;
	free(p);
	if (ok)
		return true;
	if (asprintf(&p, "%s/%s/InRelease", dists, name) == -1)
		return false;
	ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

static int
list_suites(const struct gen_opts *o, struct suites *ss)
{
	struct dirent	**names;
	char		 *dists;
	int		  i, n, rv = 0;

	if (o->suite != NULL)
		return suite_add(ss, o->suite);
	if (asprintf(&dists, "%s/dists", o->root) == -1)
		return -ENOMEM;
	if ((n = scandir(dists, &names, NULL, alphasort)) == -1) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", dists,
		    strerror(errno));
		free(dists);
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (rv == 0 && is_suite(dists, names[i]->d_name))
			rv = suite_add(ss, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	free(dists);
	return rv;
}

/* One run per output tree: the lock is held until the process exits. */
static int
lock_out(const char *out)
{
	char	*dir, *path;
	int	 fd, r;

	if (asprintf(&dir, "%s/aptbt", out) == -1)
		return -ENOMEM;
	if ((r = mkmeta_mkdirs(dir)) != 0 ||
	    asprintf(&path, "%s/.mkmeta.lock", dir) == -1) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", dir, strerror(-r));
		free(dir);
		return -1;
	}
	free(dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1 ||
	    flock(fd, LOCK_EX | LOCK_NB) == -1) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", path,
		    errno == EWOULDBLOCK ? "another aptbt-mkmeta is writing "
		    "this tree" : strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/* Each suite's manifest directory may hold a killed run's temporary. */
static void
sweep_manifest_dirs(const struct gen_opts *o, const struct suites *ss)
{
	const char	*out = o->outroot != NULL ? o->outroot : o->root;
	char		*dir;
	size_t		 i;

	for (i = 0; i < ss->n; i++) {
		if (asprintf(&dir, "%s/dists/%s/aptbt", out,
		    ss->v[i].name) == -1)
			return;
		(void)atomicfile_sweep(dir);
		free(dir);
	}
}

static void
report_files(const struct gen_opts *o, const struct mm_set *g)
{
	static const char *const what[] = {
		[MM_FAILED] = NULL,
		[MM_KEPT] = NULL,
		[MM_REWRITTEN] = "rewrite",
		[MM_HASHED] = "hashed",
		[MM_WOULD_HASH] = "hash",
	};
	size_t	i;

	for (i = 0; i < g->n; i++) {
		if (what[g->v[i].state] == NULL)
			continue;
		if (o->dry_run)
			printf("%s %s\n", what[g->v[i].state],
			    g->v[i].filename);
		else if (o->verbose)
			fprintf(stderr, "aptbt-mkmeta: %s %s\n",
			    what[g->v[i].state], g->v[i].filename);
	}
}

/* The per-suite line: how its files fared. */
static void
report_suite(const struct suite *s, const struct mm_set *g)
{
	const struct mm_file	*f;
	size_t			 i, c[MM_WOULD_HASH + 1] = { 0 };

	for (i = 0; i < s->files.n; i++)
		if ((f = mm_set_find(g, s->files.v[i].sha)) != NULL)
			c[f->state]++;
	fprintf(stderr, "aptbt-mkmeta: %s: %zu index files, %zu files: %zu "
	    "torrents written, %zu unchanged, %zu failed\n", s->name,
	    s->nindex, s->files.n, c[MM_HASHED] + c[MM_REWRITTEN] +
	    c[MM_WOULD_HASH], c[MM_KEPT], c[MM_FAILED]);
}

static void
report_total(const struct mm_set *g, const struct mm_set *plain,
    size_t manifests, long dropped)
{
	uint64_t	bytes = 0, hashed = 0, meta = manifests, lists = 0;
	size_t		i, c[MM_WOULD_HASH + 1] = { 0 };

	for (i = 0; i < g->n; i++) {
		c[g->v[i].state]++;
		bytes += g->v[i].size;
		meta += g->v[i].torrent_len;
		if (g->v[i].state == MM_HASHED)
			hashed += g->v[i].size;
		if (g->v[i].state != MM_FAILED)
			lists += mkmeta_blocks_len(g->v[i].filename,
			    g->v[i].size);
	}
	/* The indices' lists count too, though the indices are not files. */
	for (i = 0; i < plain->n; i++)
		lists += blocks_encoded_len(plain->v[i].size, BLOCKS_SIZE);
	meta += lists;
	fprintf(stderr, "aptbt-mkmeta: %zu files, %llu bytes: %zu hashed "
	    "(%llu bytes), %zu rewritten unread, %zu unchanged, %zu failed, "
	    "%ld dropped\n", g->n, (unsigned long long)bytes, c[MM_HASHED],
	    (unsigned long long)hashed, c[MM_REWRITTEN], c[MM_KEPT],
	    c[MM_FAILED], dropped);
	if (c[MM_WOULD_HASH] > 0)
		fprintf(stderr, "aptbt-mkmeta: dry run: %zu files would be "
		    "hashed\n", c[MM_WOULD_HASH]);
	if (bytes > 0)
		fprintf(stderr, "aptbt-mkmeta: metadata %llu bytes (block "
		    "lists %llu), %llu bytes per GiB of archive (%.3f%%)\n",
		    (unsigned long long)meta, (unsigned long long)lists,
		    (unsigned long long)((double)meta * (1u << 30) /
		    (double)bytes), 100.0 * (double)meta / (double)bytes);
}

/*
 * The set of all files from the suites' sets, each sorted by content and
 * name: merged rather than sorted again, the first name met of a content
 * is its smallest, the one mm_set_unique keeps.
 */
static int
merge_suites(const struct suites *ss, struct mm_set *g)
{
	const struct mm_file	*f, *b;
	size_t			*at, i, best = 0;
	int			 c;

	if ((at = calloc(ss->n + 1, sizeof(*at))) == NULL)
		return -ENOMEM;
	for (;;) {
		b = NULL;
		for (i = 0; i < ss->n; i++) {
			if (!ss->v[i].ok || at[i] >= ss->v[i].files.n)
				continue;
			f = &ss->v[i].files.v[at[i]];
			if (b == NULL ||
			    (c = memcmp(f->sha, b->sha, SHA256_LEN)) < 0 ||
			    (c == 0 && strcmp(f->filename, b->filename) < 0)) {
				b = f;
				best = i;
			}
		}
		if (b == NULL)
			break;
		at[best]++;
		if (g->n > 0 &&
		    memcmp(g->v[g->n - 1].sha, b->sha, SHA256_LEN) == 0)
			continue;
		if (mm_set_add_shared(g, b) != 0) {
			free(at);
			return -ENOMEM;
		}
	}
	free(at);
	return 0;
}

static int
collect(const struct gen_opts *o, struct suites *ss, struct mm_set *g,
    struct mm_set *plain, size_t *bad)
{
	size_t	i;
	int	r;

	*bad = 0;
	for (i = 0; i < ss->n; i++) {
		struct suite	*s = &ss->v[i];

		if (!debindex_relpath_ok(s->name, strlen(s->name))) {
			fprintf(stderr, "aptbt-mkmeta: bad suite \"%s\"\n",
			    s->name);
			(*bad)++;
			continue;
		}
		r = mkmeta_suite_files(o, s->name, o->suite != NULL, &s->files,
		    &s->nindex, plain);
		if (r != 0) {
			fprintf(stderr, "aptbt-mkmeta: %s: suite skipped; its "
			    "manifest stays as it was\n", s->name);
			(*bad)++;
			continue;
		}
		mm_set_unique(&s->files);
		s->ok = true;
	}
	mm_set_unique(plain);
	return merge_suites(ss, g);
}

int
mkmeta_generate(const struct gen_opts *o)
{
	struct suites	 ss = { NULL, 0 };
	struct mm_set	 g = { NULL, 0, 0, NULL }, plain = { NULL, 0, 0, NULL };
	const char	*out = o->outroot != NULL ? o->outroot : o->root;
	size_t		 i, bad, failed, mlen, mtotal = 0;
	long		 dropped = 0;
	bool		 same;
	int		 rv = 2;

	if (list_suites(o, &ss) != 0)
		goto out;
	if (ss.n == 0) {
		fprintf(stderr, "aptbt-mkmeta: no suite with a Release or "
		    "InRelease under %s/dists\n", o->root);
		goto out;
	}
	if (!o->dry_run && lock_out(out) != 0)
		goto out;
	mkmeta_state_load(o);	/* before collect writes index lists */
	if (collect(o, &ss, &g, &plain, &bad) != 0) {
		fprintf(stderr, "aptbt-mkmeta: out of memory\n");
		goto out;
	}
	if (bad == ss.n)
		goto out;
	/* A state means the last run finished: it left no temporaries. */
	if (!o->dry_run && !mkmeta_state_loaded()) {
		mkmeta_sweep_temporaries(o);
		sweep_manifest_dirs(o, &ss);
	}
	failed = mkmeta_pool_run(o, &g);
	report_files(o, &g);
	for (i = 0; i < ss.n; i++) {
		if (!ss.v[i].ok)
			continue;
		report_suite(&ss.v[i], &g);
		if (mkmeta_manifest(o, ss.v[i].name, &ss.v[i].files, &g,
		    &mlen) != 0)
			bad++;
		mtotal += mlen;
	}
	/*
	 * Old manifests of unread suites still point at their torrents.
	 * When the tree is the state's exactly, there is nothing to drop.
	 */
	same = mkmeta_state_same(&g, &plain);
	if (o->suite == NULL && bad == 0 && !same &&
	    (dropped = mkmeta_sweep(o, &g, &plain)) < 0) {
		bad++;
		dropped = 0;
	}
	/* --archive sees one suite: the state must not stand for all. */
	if (o->suite == NULL && bad == 0 && failed == 0)
		mkmeta_state_save(o, &g, &plain, same);
	report_total(&g, &plain, mtotal, dropped);
	rv = failed > 0 || bad > 0 ? 1 : 0;
out:
	for (i = 0; i < ss.n; i++) {
		mm_set_free(&ss.v[i].files);
		free(ss.v[i].name);
	}
	free(ss.v);
	mm_set_free(&g);
	mm_set_free(&plain);
	mkmeta_state_free();
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "aptbt-mkmeta: stdout: %s\n", strerror(errno));
		rv = rv == 0 ? 1 : rv;
	}
	return rv;
}
