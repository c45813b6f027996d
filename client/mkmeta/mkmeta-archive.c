/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-archive.c - aptbt-mkmeta --archive: the metadata of one suite.
 *
 * The suite's Packages files say which files it has and their SHA-256;
 * each gets a torrent at aptbt/torrents/XX/SHA256HEX.torrent under the
 * archive's top, and the suite gets dists/SUITE/aptbt/manifest listing
 * them all (doc/manifest.md).  Torrents are named by content, so suites
 * sharing a file share its torrent, and a torrent that is already there
 * with the right metadata is kept without reading the file again: the
 * name pins the content, so its pieces cannot have gone stale.  Nothing
 * is rewritten that would come out byte-identical, so a mirror's copy
 * (and the Last-Modified that clients revalidate against) only changes
 * with the archive.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/manifest.h"
#include "common/metainfo.h"
#include "client/mkmeta/mkmeta.h"

#define PKG_MAX_LINE	(64 * 1024)

struct pkg {
	uint8_t		 sha[SHA256_LEN];
	uint64_t	 size;
	char		*filename;
};

struct pkgs {
	struct pkg	*v;
	size_t		 n, cap;
};

struct counts {
	size_t		 written, kept, failed;
};

/* The decompressor for each name; NULL: read as it is. */
static const struct {
	const char	*suffix;
	const char	*prog;
} decompressors[] = {
	{ "", NULL },
	{ ".xz", "xz" },
	{ ".gz", "gzip" },
};
#define NDECOMP	(sizeof(decompressors) / sizeof(decompressors[0]))

/* A relative path with no "..", no blanks or controls: safe under ROOT. */
static bool
relpath_ok(const char *p)
{
	const char	*seg;
	size_t		 len;

	if (p[0] == '/' || p[0] == '\0' || !metainfo_url_ok(p, strlen(p)))
		return false;
	for (seg = p; *seg != '\0'; seg += len + (seg[len] == '/')) {
		len = strcspn(seg, "/");
		if (len == 0 || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
	}
	return true;
}

static int
mkdirs(const char *path)
{
	char	*p, *s;
	int	 rv = 0;

	if ((p = strdup(path)) == NULL)
		return -ENOMEM;
	for (s = p + 1; rv == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (*s == '\0') {
			if (mkdir(p, 0777) == -1 && errno != EEXIST)
				rv = -errno;
			break;
		}
		*s = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			rv = -errno;
		*s = '/';
	}
	free(p);
	return rv;
}

/* Open a Packages file, through a decompressor when it has one. */
static FILE *
packages_open(const char *path, const char *prog, pid_t *pid)
{
	int	fd[2], in;

	*pid = -1;
	if (prog == NULL)
		return fopen(path, "re");
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (pipe2(fd, O_CLOEXEC) == -1) {
		close(in);
		return NULL;
	}
	if ((*pid = fork()) == -1) {
		close(in);
		close(fd[0]);
		close(fd[1]);
		return NULL;
	}
	if (*pid == 0) {
		if (dup2(in, STDIN_FILENO) == -1 ||
		    dup2(fd[1], STDOUT_FILENO) == -1)
			_exit(127);
		execlp(prog, prog, "-dc", (char *)NULL);
		_exit(127);
	}
	close(in);
	close(fd[1]);
	return fdopen(fd[0], "r");
}

static int
packages_close(FILE *f, pid_t pid, const char *path)
{
	int	status, rv = ferror(f) ? -EIO : 0;

	fclose(f);
	if (pid == -1)
		return rv;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: decompression failed\n",
		    path);
		return -EIO;
	}
	return rv;
}

static int
pkgs_add(struct pkgs *ps, const struct pkg *p)
{
	struct pkg	*v;

	if (ps->n == ps->cap) {
		if ((v = reallocarray(ps->v, ps->cap ? ps->cap * 2 : 1024,
		    sizeof(*v))) == NULL)
			return -ENOMEM;
		ps->v = v;
		ps->cap = ps->cap ? ps->cap * 2 : 1024;
	}
	ps->v[ps->n++] = *p;
	return 0;
}

/* One stanza's three fields; a stanza without them is not a file. */
static int
stanza_end(struct pkgs *ps, struct pkg *cur, int have, const char *path)
{
	int	rv = 0;

	if (have == 7 && relpath_ok(cur->filename) && cur->size > 0)
		rv = pkgs_add(ps, cur);
	else if (have != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: skipping a stanza without "
		    "a usable Filename, Size and SHA256%s%s\n", path,
		    cur->filename ? ": " : "", cur->filename ? cur->filename :
		    "");
		free(cur->filename);
	}
	memset(cur, 0, sizeof(*cur));
	return rv;
}

static int
packages_read(struct pkgs *ps, FILE *f, const char *path)
{
	struct pkg	 cur;
	char		*line = NULL, *v, *end;
	size_t		 cap = 0, len;
	ssize_t		 n;
	int		 have = 0, rv = 0;

	memset(&cur, 0, sizeof(cur));
	while (rv == 0 && (n = getline(&line, &cap, f)) != -1) {
		len = (size_t)n;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0) {
			rv = stanza_end(ps, &cur, have, path);
			have = 0;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t' ||
		    (v = strchr(line, ':')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(line, "Filename") == 0 && !(have & 1)) {
			if ((cur.filename = strdup(v)) == NULL)
				rv = -ENOMEM;
			have |= 1;
		} else if (strcasecmp(line, "Size") == 0) {
			errno = 0;
			cur.size = strtoull(v, &end, 10);
			if (errno == 0 && end != v && *end == '\0' &&
			    v[0] != '-')
				have |= 2;
		} else if (strcasecmp(line, "SHA256") == 0) {
			if (strlen(v) == 2 * SHA256_LEN &&
			    hex_decode(v, 2 * SHA256_LEN, cur.sha, SHA256_LEN))
				have |= 4;
		}
	}
	if (rv == 0)
		rv = stanza_end(ps, &cur, have, path);
	free(cur.filename);
	free(line);
	return rv;
}

/* Every binary-ARCH directory of the suite, each read in one form. */
static int
suite_packages(const struct archive_opts *o, struct pkgs *ps,
    size_t *nfiles)
{
	/* COMPONENT/binary-ARCH, and COMPONENT/debian-installer/... */
	static const char *const patterns[] = {
		"/*/binary-*", "/*/*/binary-*",
	};
	struct stat	 st;
	glob_t		 g;
	char		*pat, *path;
	size_t		 i, j, k;
	pid_t		 pid;
	FILE		*f;
	int		 r, rv = 0;

	*nfiles = 0;
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (asprintf(&pat, "%s/dists/%s%s", o->root, o->suite,
		    patterns[i]) == -1)
			return -ENOMEM;
		r = glob(pat, GLOB_ONLYDIR, NULL, &g);
		free(pat);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0)
			return -EIO;
		for (j = 0; rv == 0 && j < g.gl_pathc; j++)
			for (k = 0; k < NDECOMP; k++) {
				if (asprintf(&path, "%s/Packages%s",
				    g.gl_pathv[j], decompressors[k].suffix) ==
				    -1) {
					rv = -ENOMEM;
					break;
				}
				if (stat(path, &st) == -1) {
					free(path);
					continue;
				}
				if ((f = packages_open(path,
				    decompressors[k].prog, &pid)) == NULL) {
					fprintf(stderr, "aptbt-mkmeta: %s: %s\n",
					    path, strerror(errno));
					rv = -EIO;
				} else {
					rv = packages_read(ps, f, path);
					if ((r = packages_close(f, pid, path)) !=
					    0 && rv == 0)
						rv = r;
				}
				(*nfiles)++;
				free(path);
				break;
			}
		globfree(&g);
	}
	return rv;
}

static int
pkg_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pkg *)a)->sha,
	    ((const struct pkg *)b)->sha, SHA256_LEN);
}

/* Sort by SHA-256 and keep one of each (architecture "all" repeats). */
static void
pkgs_unique(struct pkgs *ps)
{
	size_t	i, n;

	qsort(ps->v, ps->n, sizeof(*ps->v), pkg_cmp);
	for (i = n = 0; i < ps->n; i++) {
		if (n > 0 && pkg_cmp(&ps->v[i], &ps->v[n - 1]) == 0) {
			free(ps->v[i].filename);
			continue;
		}
		ps->v[n++] = ps->v[i];
	}
	ps->n = n;
}

/* BASE/Filename, each byte outside a path's safe set percent-encoded. */
static char *
webseed_url(const char *base, const char *filename)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 blen = strlen(base);
	char			*url, *o;

	if ((url = malloc(blen + 1 + 3 * strlen(filename) + 1)) == NULL)
		return NULL;
	memcpy(url, base, blen);
	o = url + blen;
	if (blen > 0 && base[blen - 1] != '/')
		*o++ = '/';
	for (; *filename != '\0'; filename++) {
		unsigned char	c = (unsigned char)*filename;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/+:@", c) != NULL)
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o = '\0';
	return url;
}

static bool
tiers_equal(const struct metainfo *mi, const struct archive_opts *o)
{
	size_t	i, j;

	if (mi->ntiers != o->ntiers)
		return false;
	for (i = 0; i < o->ntiers; i++) {
		if (mi->tiers[i].nurls != o->tiers[i].nurls)
			return false;
		for (j = 0; j < o->tiers[i].nurls; j++)
			if (strcmp(mi->tiers[i].urls[j],
			    o->tiers[i].urls[j]) != 0)
				return false;
	}
	return true;
}

/*
 * An existing torrent is kept when everything but the piece hashes is
 * what we would write; its info-hashes then go into the manifest.
 */
static bool
torrent_current(const char *path, const struct archive_opts *o,
    const struct pkg *p, const char *name, const char *ws,
    struct manifest_entry *e)
{
	struct metainfo	 mi;
	struct bytebuf	 b = BYTEBUF_INIT;
	bool		 ok = false;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	while (bytebuf_reserve(&b, 65536) &&
	    (n = read(fd, b.data + b.len, b.cap - b.len)) > 0 &&
	    b.len + (size_t)n <= MI_MAX_INPUT)
		b.len += (size_t)n;
	close(fd);
	if (bytebuf_failed(&b) || metainfo_parse(&mi, b.data, b.len) != 0) {
		bytebuf_free(&b);
		return false;
	}
	bytebuf_free(&b);
	ok = mi.has_v1 && mi.has_v2 == (o->form == MI_FORM_HYBRID) &&
	    mi.length == p->size && strcmp(mi.name, name) == 0 &&
	    mi.nwebseeds == (ws != NULL ? 1u : 0u) &&
	    (ws == NULL || strcmp(mi.webseeds[0], ws) == 0) &&
	    tiers_equal(&mi, o);
	if (ok) {
		memcpy(e->info_hash_v1, mi.info_hash_v1, SHA1_LEN);
		memcpy(e->info_hash_v2, mi.info_hash_v2, SHA256_LEN);
		e->has_v2 = mi.has_v2;
	}
	metainfo_free(&mi);
	return ok;
}

/* Hash the file, check it against Packages, write its torrent. */
static int
torrent_make(const struct archive_opts *o, const struct pkg *p,
    const char *dir, const char *tname, const char *name, char *ws,
    struct manifest_entry *e)
{
	struct mi_build	 b;
	struct metainfo	 mi;
	struct bytebuf	 out = BYTEBUF_INIT;
	struct stat	 st;
	uint8_t		 sha[SHA256_LEN];
	char		*fpath = NULL, *written = NULL;
	int		 fd = -1, r, rv = -1;

	if (asprintf(&fpath, "%s/%s", o->root, p->filename) == -1) {
		fpath = NULL;
		goto out;
	}
	if ((fd = open(fpath, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", fpath,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != p->size) {
		fprintf(stderr, "aptbt-mkmeta: %s: size differs from the "
		    "Packages file\n", fpath);
		goto out;
	}
	memset(&b, 0, sizeof(b));
	b.form = o->form;
	b.name = name;
	b.tiers = o->tiers;
	b.ntiers = o->ntiers;
	b.webseeds = ws != NULL ? &ws : NULL;
	b.nwebseeds = ws != NULL ? 1 : 0;
	b.file_sha256 = sha;
	if ((r = metainfo_build(fd, &b, &out)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", fpath,
		    strerror(-r));
		goto out;
	}
	if (memcmp(sha, p->sha, SHA256_LEN) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: SHA-256 differs from the "
		    "Packages file\n", fpath);
		goto out;
	}
	if (metainfo_parse(&mi, out.data, out.len) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: built an invalid torrent\n",
		    fpath);
		goto out;
	}
	memcpy(e->info_hash_v1, mi.info_hash_v1, SHA1_LEN);
	memcpy(e->info_hash_v2, mi.info_hash_v2, SHA256_LEN);
	e->has_v2 = mi.has_v2;
	metainfo_free(&mi);
	if ((r = mkdirs(dir)) != 0 ||
	    (r = mkmeta_write_atomic(dir, tname, &out, &written)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s/%s: %s\n", dir, tname,
		    strerror(-r));
		goto out;
	}
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	bytebuf_free(&out);
	free(written);
	free(fpath);
	return rv;
}

static int
one_file(const struct archive_opts *o, const char *out, const struct pkg *p,
    struct manifest_entry *e, struct counts *c)
{
	char	 tname[MANIFEST_TORRENT_NAME_LEN + 1];
	char	*dir = NULL, *path = NULL, *ws = NULL;
	const char *name;
	int	 rv = -1;

	memset(e, 0, sizeof(*e));
	memcpy(e->sha256, p->sha, SHA256_LEN);
	e->size = p->size;
	manifest_torrent_name(p->sha, tname);
	name = strrchr(p->filename, '/') != NULL ?
	    strrchr(p->filename, '/') + 1 : p->filename;
	if (asprintf(&dir, "%s/aptbt/torrents/%.2s", out, tname) == -1) {
		dir = NULL;
		goto out;
	}
	if (asprintf(&path, "%s/%s", dir, tname + 3) == -1) {
		path = NULL;
		goto out;
	}
	if (o->webseed_base != NULL &&
	    (ws = webseed_url(o->webseed_base, p->filename)) == NULL)
		goto out;
	if (torrent_current(path, o, p, name, ws, e)) {
		c->kept++;
		rv = 0;
	} else if (torrent_make(o, p, dir, tname + 3, name, ws, e) == 0) {
		c->written++;
		rv = 0;
	}
out:
	if (rv != 0)
		c->failed++;
	free(ws);
	free(path);
	free(dir);
	return rv;
}

/* "../" for each directory between the manifest and the archive's top. */
static char *
torrents_location(const char *suite)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	const char	*s;
	size_t		 ups = 3;	/* aptbt/, SUITE/, dists/ */
	char		*loc;

	for (s = suite; *s != '\0'; s++)
		if (*s == '/')
			ups++;
	while (ups-- > 0)
		bytebuf_puts(&b, "../");
	bytebuf_puts(&b, "aptbt/torrents/");
	bytebuf_putc(&b, '\0');
	if (bytebuf_failed(&b)) {
		bytebuf_free(&b);
		return NULL;
	}
	loc = (char *)b.data;
	return loc;
}

/* True when path already holds exactly these bytes. */
static bool
same_content(const char *path, const struct bytebuf *want)
{
	struct stat	 st;
	uint8_t		*buf;
	bool		 same = false;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size == want->len &&
	    (buf = malloc(want->len + 1)) != NULL) {
		while (got < want->len &&
		    (n = read(fd, buf + got, want->len - got)) > 0)
			got += (size_t)n;
		same = got == want->len && memcmp(buf, want->data, got) == 0;
		free(buf);
	}
	close(fd);
	return same;
}

static int
write_manifest(const struct archive_opts *o, const char *out,
    const struct manifest_entry *e, size_t n)
{
	struct manifest_build	 b;
	struct bytebuf		 buf = BYTEBUF_INIT;
	char			*dir = NULL, *path = NULL, *written = NULL;
	char			*loc;
	int			 r, rv = -1;

	if ((loc = torrents_location(o->suite)) == NULL)
		return -1;
	memset(&b, 0, sizeof(b));
	b.form = o->form;
	b.torrents = loc;
	b.trackers = (const char *const *)o->mtrackers;
	b.ntrackers = o->nmtrackers;
	b.entries = e;
	b.nentries = n;
	if ((r = manifest_encode(&b, &buf)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: cannot encode the manifest: "
		    "%s\n", strerror(-r));
		goto out;
	}
	if (asprintf(&dir, "%s/dists/%s/aptbt", out, o->suite) == -1 ||
	    asprintf(&path, "%s/manifest", dir) == -1)
		goto out;
	if (same_content(path, &buf)) {
		fprintf(stderr, "aptbt-mkmeta: %s unchanged (%zu files, %zu "
		    "bytes)\n", path, n, buf.len);
		rv = 0;
		goto out;
	}
	if ((r = mkdirs(dir)) != 0 ||
	    (r = mkmeta_write_atomic(dir, "manifest", &buf, &written)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", path, strerror(-r));
		goto out;
	}
	fprintf(stderr, "aptbt-mkmeta: wrote %s (%zu files, %zu bytes)\n",
	    written, n, buf.len);
	rv = 0;
out:
	bytebuf_free(&buf);
	free(written);
	free(path);
	free(dir);
	free(loc);
	return rv;
}

int
mkmeta_archive(const struct archive_opts *o)
{
	struct pkgs		 ps = { NULL, 0, 0 };
	struct counts		 c = { 0, 0, 0 };
	struct manifest_entry	*e = NULL;
	const char		*out = o->outroot != NULL ? o->outroot : o->root;
	size_t			 i, n = 0, nfiles;
	int			 rv = 2;

	if (!relpath_ok(o->suite)) {
		fprintf(stderr, "aptbt-mkmeta: bad suite \"%s\"\n", o->suite);
		return 2;
	}
	if (suite_packages(o, &ps, &nfiles) != 0)
		goto out;
	if (nfiles == 0) {
		fprintf(stderr, "aptbt-mkmeta: no Packages file under "
		    "%s/dists/%s\n", o->root, o->suite);
		goto out;
	}
	pkgs_unique(&ps);
	if ((e = calloc(ps.n + 1, sizeof(*e))) == NULL)
		goto out;
	for (i = 0; i < ps.n; i++) {
		if (o->progress)
			fprintf(stderr, "\r\033[K[%zu/%zu] %s", i + 1, ps.n,
			    ps.v[i].filename);
		if (one_file(o, out, &ps.v[i], &e[n], &c) == 0)
			n++;
	}
	if (o->progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "aptbt-mkmeta: %s: %zu Packages files, %zu package "
	    "files: %zu torrents written, %zu unchanged, %zu failed\n",
	    o->suite, nfiles, ps.n, c.written, c.kept, c.failed);
	if (write_manifest(o, out, e, n) != 0)
		goto out;
	rv = c.failed > 0 ? 1 : 0;
out:
	for (i = 0; i < ps.n; i++)
		free(ps.v[i].filename);
	free(ps.v);
	free(e);
	return rv;
}
