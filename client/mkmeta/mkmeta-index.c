/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-index.c - the files a suite lists, from its own indices.
 *
 * The Release is the suite's table of contents: every index is read in
 * one form only, the first whose bytes match the Release (plain first,
 * it costs nothing to decompress; then .xz, then .gz), by name or else
 * under by-hash/SHA256/, where a mirror that publishes by hash may keep
 * the only copy.  Checking each index against the Release is what keeps
 * a run over a mirror caught mid-sync from mixing old indices with a
 * new Release: such a suite is reported and its old manifest kept.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/debindex.h"
#include "client/mkmeta/mkmeta.h"

#define RELEASE_MAX	(64u * 1024 * 1024)
#define INDEX_MAX	(1024u * 1024 * 1024)	/* compressed or not */

/* The index names read, by preference within one index. */
static const struct {
	const char		*base;
	const char		*suffix;
	enum debindex_kind	 kind;
	int			 rank;
} forms[] = {
	{ "Packages", "", DEBINDEX_PACKAGES, 0 },
	{ "Packages.xz", ".xz", DEBINDEX_PACKAGES, 1 },
	{ "Packages.gz", ".gz", DEBINDEX_PACKAGES, 2 },
	{ "Sources", "", DEBINDEX_SOURCES, 0 },
	{ "Sources.xz", ".xz", DEBINDEX_SOURCES, 1 },
	{ "Sources.gz", ".gz", DEBINDEX_SOURCES, 2 },
};
#define NFORMS	(sizeof(forms) / sizeof(forms[0]))
#define NRANKS	3

/* One index of the suite, and the Release's entry for each form. */
struct stem {
	char				*dir;	/* relative to dists/SUITE */
	enum debindex_kind		 kind;
	const struct release_entry	*form[NRANKS];
	size_t				 fidx[NRANKS];
};

#define MM_NAMES_BLOCK	(64 * 1024)

struct mm_names {
	struct mm_names	*next;
	size_t		 used, cap;
	char		 buf[];
};

/* A copy of name in s's name blocks, or NULL. */
static char *
names_copy(struct mm_set *s, const char *name)
{
	struct mm_names	*b = s->names;
	size_t		 len = strlen(name) + 1, cap;
	char		*p;

	if (b == NULL || b->cap - b->used < len) {
		cap = len > MM_NAMES_BLOCK ? len : MM_NAMES_BLOCK;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->next = s->names;
		b->used = 0;
		b->cap = cap;
		s->names = b;
	}
	p = b->buf + b->used;
	memcpy(p, name, len);
	b->used += len;
	return p;
}

static struct mm_file *
set_grow(struct mm_set *s)
{
	struct mm_file	*v;
	size_t		 cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 1024;
		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[s->n];
	memset(v, 0, sizeof(*v));
	return v;
}

int
mm_set_add(struct mm_set *s, const uint8_t sha[SHA256_LEN], uint64_t size,
    const char *filename)
{
	struct mm_file	*v;

	if ((v = set_grow(s)) == NULL ||
	    (v->filename = names_copy(s, filename)) == NULL)
		return -ENOMEM;
	memcpy(v->sha, sha, SHA256_LEN);
	v->size = size;
	s->n++;
	return 0;
}

int
mm_set_add_shared(struct mm_set *s, const struct mm_file *f)
{
	struct mm_file	*v;

	if ((v = set_grow(s)) == NULL)
		return -ENOMEM;
	memcpy(v->sha, f->sha, SHA256_LEN);
	v->size = f->size;
	v->filename = f->filename;
	s->n++;
	return 0;
}

static int
file_cmp(const void *a, const void *b)
{
	const struct mm_file	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(x->sha, y->sha, SHA256_LEN)) != 0)
		return c;
	return strcmp(x->filename, y->filename);
}

void
mm_set_unique(struct mm_set *s)
{
	size_t	i, n;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), file_cmp);
	for (i = n = 0; i < s->n; i++) {
		if (n > 0 && memcmp(s->v[i].sha, s->v[n - 1].sha,
		    SHA256_LEN) == 0)
			continue;
		s->v[n++] = s->v[i];
	}
	s->n = n;
}

static int
sha_cmp(const void *key, const void *elem)
{
	return memcmp(key, ((const struct mm_file *)elem)->sha, SHA256_LEN);
}

struct mm_file *
mm_set_find(const struct mm_set *s, const uint8_t *sha)
{
	if (s->n == 0)
		return NULL;
	return bsearch(sha, s->v, s->n, sizeof(*s->v), sha_cmp);
}

void
mm_set_free(struct mm_set *s)
{
	struct mm_names	*b;

	while ((b = s->names) != NULL) {
		s->names = b->next;
		free(b);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
add_cb(void *arg, const char *path, uint64_t size,
    const uint8_t sha[SHA256_LEN])
{
	return mm_set_add(arg, sha, size, path);
}

/* Decompress and parse one index already read; 0 or -EIO. */
static int
index_parse(const char *path, const char *suffix, enum debindex_kind kind,
    const struct bytebuf *raw, struct mm_set *set)
{
	struct bytebuf	 text = BYTEBUF_INIT;
	size_t		 skipped;
	int		 r;

	if ((r = mkmeta_decompress(suffix, raw->data, raw->len, INDEX_MAX,
	    &text)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", path,
		    r == -EINVAL ? "corrupt or cut short" : strerror(-r));
		bytebuf_free(&text);
		return -EIO;
	}
	r = debindex_parse(kind, (const char *)text.data, text.len, add_cb,
	    set, &skipped);
	bytebuf_free(&text);
	if (r != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", path, strerror(-r));
		return -EIO;
	}
	if (skipped > 0)
		fprintf(stderr, "aptbt-mkmeta: %s: skipped %zu entries without "
		    "a usable path, size and SHA-256\n", path, skipped);
	return 0;
}

static struct stem *
stem_get(struct stem **v, size_t *n, const char *dir, size_t dlen,
    enum debindex_kind kind)
{
	struct stem	*s;
	size_t		 i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].kind == kind && strlen((*v)[i].dir) == dlen &&
		    strncmp((*v)[i].dir, dir, dlen) == 0)
			return &(*v)[i];
	if ((s = reallocarray(*v, *n + 1, sizeof(*s))) == NULL)
		return NULL;
	*v = s;
	s = &s[*n];
	memset(s, 0, sizeof(*s));
	if ((s->dir = strndup(dir, dlen)) == NULL)
		return NULL;
	s->kind = kind;
	(*n)++;
	return s;
}

/* The Release's indices grouped by directory and kind. */
static int
release_stems(const struct release *r, struct stem **v, size_t *n)
{
	const char	*slash, *base;
	struct stem	*s;
	size_t		 i, k;

	for (i = 0; i < r->n; i++) {
		if ((slash = strrchr(r->v[i].path, '/')) == NULL)
			continue;
		base = slash + 1;
		for (k = 0; k < NFORMS; k++)
			if (strcmp(base, forms[k].base) == 0)
				break;
		if (k == NFORMS)
			continue;
		if ((s = stem_get(v, n, r->v[i].path,
		    (size_t)(slash - r->v[i].path), forms[k].kind)) == NULL)
			return -ENOMEM;
		s->form[forms[k].rank] = &r->v[i];
		s->fidx[forms[k].rank] = k;
	}
	return 0;
}

/*
 * Read dist/DIR/BASE, or dist/DIR/by-hash/SHA256/HEX, as long as it is
 * what the Release says.  0 with raw filled, -ENOENT when neither is
 * there, -ESTALE when one is there but differs.
 */
static int
read_verified(const char *dist, const struct stem *s,
    const struct release_entry *e, const char *base, struct bytebuf *raw,
    char **used)
{
	uint8_t	 sha[SHA256_LEN];
	char	 hex[2 * SHA256_LEN + 1], *path;
	int	 i, r, rv = -ENOENT;

	hex_encode(e->sha256, SHA256_LEN, hex);
	for (i = 0; i < 2; i++) {
		if ((i == 0 ? asprintf(&path, "%s/%s/%s", dist, s->dir, base) :
		    asprintf(&path, "%s/%s/by-hash/SHA256/%s", dist, s->dir,
		    hex)) == -1)
			return -ENOMEM;
		raw->len = 0;
		/* The Release's size bounds the read, and so does ours. */
		r = e->size > INDEX_MAX ? -EFBIG :
		    mkmeta_read_file(path, e->size, raw);
		if (r == 0 && raw->len == e->size) {
			sha256(raw->data, raw->len, sha);
			if (memcmp(sha, e->sha256, SHA256_LEN) == 0) {
				*used = path;
				return 0;
			}
		}
		if (r == -ENOMEM) {
			free(path);
			return r;
		}
		if (r != -ENOENT)
			rv = -ESTALE;
		free(path);
	}
	return rv;
}

/*
 * A plain index gets its block list from the bytes just read, and goes
 * into plain so the sweep keeps the list.  A list that cannot be written
 * is said and costs only the delta: the suite goes on.
 */
static int
plain_blocks(const struct gen_opts *o, const char *suite,
    const struct release_entry *e, const char *used,
    const struct bytebuf *raw, struct mm_set *plain)
{
	char	*rel;
	int	 r;

	(void)mkmeta_index_blocks(o, e->sha256, used, raw->data, raw->len);
	if (plain == NULL || !mkmeta_wants_blocks(used, raw->len))
		return 0;
	if (asprintf(&rel, "dists/%s/%s", suite, e->path) == -1)
		return -ENOMEM;
	r = mm_set_add(plain, e->sha256, raw->len, rel);
	free(rel);
	return r;
}

static int
read_stem(const struct gen_opts *o, const char *suite, const char *dist,
    const struct stem *s, struct mm_set *set, size_t *nindex,
    struct mm_set *plain)
{
	struct bytebuf	 raw = BYTEBUF_INIT;
	char		*used = NULL;
	bool		 stale = false;
	int		 k, r = -ENOENT;

	for (k = 0; k < NRANKS; k++) {
		if (s->form[k] == NULL)
			continue;
		r = read_verified(dist, s, s->form[k], forms[s->fidx[k]].base,
		    &raw, &used);
		if (r == 0 || r == -ENOMEM)
			break;
		if (r == -ESTALE)
			stale = true;
	}
	if (r == 0) {
		if (o->verbose)
			fprintf(stderr, "aptbt-mkmeta: reading %s\n", used);
		r = index_parse(used, forms[s->fidx[k]].suffix, s->kind, &raw,
		    set);
		if (r == 0 && *forms[s->fidx[k]].suffix == '\0' &&
		    plain_blocks(o, suite, s->form[k], used, &raw,
		    plain) != 0) {
			fprintf(stderr, "aptbt-mkmeta: out of memory\n");
			r = -EIO;
		}
		(*nindex)++;
	} else if (r == -ENOMEM) {
		fprintf(stderr, "aptbt-mkmeta: out of memory\n");
		r = -EIO;
	} else if (stale) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s/%s: no copy matches the "
		    "Release (a sync under way?)\n", suite, s->dir,
		    s->kind == DEBINDEX_PACKAGES ? "Packages" : "Sources");
		r = -EIO;
	} else {
		/* Listed but not mirrored (a partial mirror): nothing. */
		if (o->verbose)
			fprintf(stderr, "aptbt-mkmeta: %s: %s/%s not "
			    "mirrored\n", suite, s->dir, s->kind ==
			    DEBINDEX_PACKAGES ? "Packages" : "Sources");
		r = 0;
	}
	free(used);
	bytebuf_free(&raw);
	return r;
}

static int
read_release(const char *dist, struct release *rel)
{
	static const char *const names[] = { "Release", "InRelease" };
	struct bytebuf	 b = BYTEBUF_INIT;
	char		*path;
	size_t		 i;
	int		 r = -ENOENT;

	for (i = 0; i < 2 && r == -ENOENT; i++) {
		if (asprintf(&path, "%s/%s", dist, names[i]) == -1)
			return -ENOMEM;
		b.len = 0;
		if ((r = mkmeta_read_file(path, RELEASE_MAX, &b)) == 0 &&
		    (r = release_parse(rel, (const char *)b.data, b.len)) != 0)
			fprintf(stderr, "aptbt-mkmeta: %s: not a Release file "
			    "(no SHA256 field, or a broken signature "
			    "frame)\n", path);
		else if (r != 0 && r != -ENOENT)
			fprintf(stderr, "aptbt-mkmeta: %s: %s\n", path,
			    strerror(-r));
		free(path);
	}
	bytebuf_free(&b);
	return r;
}

/* No Release (--archive only): the index directories as found. */
static int
bare_indices(const char *dist, struct mm_set *set, size_t *nindex)
{
	static const struct {
		const char		*pattern;
		enum debindex_kind	 kind;
	} dirs[] = {
		{ "/*/binary-*", DEBINDEX_PACKAGES },
		{ "/*/*/binary-*", DEBINDEX_PACKAGES },
		{ "/*/source", DEBINDEX_SOURCES },
	};
	struct bytebuf	 raw = BYTEBUF_INIT;
	glob_t		 g;
	char		*pat, *path;
	size_t		 i, j, k;
	int		 r, rv = 0;

	for (i = 0; rv == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (asprintf(&pat, "%s%s", dist, dirs[i].pattern) == -1)
			return -ENOMEM;
		r = glob(pat, GLOB_ONLYDIR, NULL, &g);
		free(pat);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0)
			return -EIO;
		for (j = 0; rv == 0 && j < g.gl_pathc; j++)
			for (k = 0; k < NFORMS; k++) {
				if (forms[k].kind != dirs[i].kind)
					continue;
				if (asprintf(&path, "%s/%s", g.gl_pathv[j],
				    forms[k].base) == -1) {
					rv = -ENOMEM;
					break;
				}
				raw.len = 0;
				r = mkmeta_read_file(path, INDEX_MAX, &raw);
				if (r == 0) {
					rv = index_parse(path, forms[k].suffix,
					    forms[k].kind, &raw, set);
					(*nindex)++;
				} else if (r != -ENOENT) {
					fprintf(stderr, "aptbt-mkmeta: %s: %s\n",
					    path, strerror(-r));
					rv = -EIO;
				}
				free(path);
				if (r != -ENOENT)
					break;
			}
		globfree(&g);
	}
	bytebuf_free(&raw);
	return rv;
}

int
mkmeta_suite_files(const struct gen_opts *o, const char *suite,
    bool allow_bare, struct mm_set *set, size_t *nindex,
    struct mm_set *plain)
{
	struct release	 rel;
	struct stem	*stems = NULL;
	char		*dist;
	size_t		 i, nstems = 0;
	int		 r;

	*nindex = 0;
	if (asprintf(&dist, "%s/dists/%s", o->root, suite) == -1)
		return -EIO;
	r = read_release(dist, &rel);
	if (r == -ENOENT && allow_bare) {
		r = bare_indices(dist, set, nindex);
		if (r == 0 && *nindex == 0) {
			fprintf(stderr, "aptbt-mkmeta: no Release and no "
			    "Packages or Sources file under %s\n", dist);
			r = -ENOENT;
		}
		free(dist);
		return r;
	}
	if (r != 0) {
		if (r == -ENOENT)
			fprintf(stderr, "aptbt-mkmeta: no Release or InRelease "
			    "in %s\n", dist);
		free(dist);
		return r == -ENOENT ? r : -EIO;
	}
	if ((r = release_stems(&rel, &stems, &nstems)) != 0)
		r = -EIO;
	for (i = 0; r == 0 && i < nstems; i++)
		r = read_stem(o, suite, dist, &stems[i], set, nindex,
		    plain);
	for (i = 0; i < nstems; i++)
		free(stems[i].dir);
	free(stems);
	release_free(&rel);
	free(dist);
	return r;
}
