/* SPDX-License-Identifier: ISC */
/*
 * trust.c - suites' verified InRelease files and their archives' pool
 * hashes, learnt from files the proxy served.
 *
 * The checking runs on a worker: gpgv and the decompressors are child
 * processes with a deadline, fed from memory files holding exactly the
 * bytes that are then parsed, so what gpgv vouched for is what is read.
 * Tables are touched only on the loop thread, in the done functions.
 *
 * Across restarts: each verified suite's signed text (the InRelease, or
 * the Release with its Release.gpg) is kept in STATE/proxy-trust/, one
 * file a suite (common/atomicfile.h).  At start each is checked by gpgv
 * again, as if just fetched, and the Packages indices it lists that are
 * in the cache (they were fetched by hash) are read again: the tables
 * come back from what was verified, never from a file of hashes.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/debindex.h"
#include "common/log.h"
#include "common/proxyurl.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/base/workers.h"
#include "daemon/proxy/trust.h"

extern char **environ;

struct suite {
	TAILQ_ENTRY(suite)	 entry;
	char			*key;		/* URL of dists/SUITE */
	struct release		 rel;
};

/*
 * A suite without InRelease: its Release, kept until the Release.gpg
 * that apt asks for next is checked against exactly these bytes.
 */
struct unsigned_release {
	TAILQ_ENTRY(unsigned_release) entry;
	char			*key;		/* URL of dists/SUITE */
	char			*buf;
	size_t			 len;
};

struct pent {
	char		*path;			/* relative to the archive top */
	uint8_t		 sha256[SHA256_LEN];
	uint64_t	 size;
};

struct archive {
	TAILQ_ENTRY(archive)	 entry;
	char			*top;		/* URL ending in '/' */
	struct pent		*v;
	size_t			 n;
	/* Packages files already read, by SHA-256: not read again. */
	uint8_t			(*seen)[SHA256_LEN];
	size_t			 nseen;
};

static TAILQ_HEAD(, suite)	suites = TAILQ_HEAD_INITIALIZER(suites);
static TAILQ_HEAD(, archive)	archives = TAILQ_HEAD_INITIALIZER(archives);
static TAILQ_HEAD(, unsigned_release) releases =
				    TAILQ_HEAD_INITIALIZER(releases);
static unsigned			nsuites, narchives, nreleases;
static size_t			npool;		/* entries of all archives */
static struct trust_stats	st;
static bool			stopping;

/*
 * L_RELEASE: an InRelease; L_STASH: a Release, kept for its Release.gpg;
 * L_DETACHED: a Release.gpg over the Release kept; L_PACKAGES: an index.
 */
enum learn_kind { L_RELEASE, L_STASH, L_DETACHED, L_PACKAGES, L_RESTORE };

#define TRUST_DIR	"proxy-trust"
#define TRUST_MAGIC	"aptbtd-trust 1\n"

struct learn {
	enum learn_kind	 kind;
	char		*key;
	char		*keyrings;
	char		 comp[4];
	uint8_t		 sha256[SHA256_LEN];	/* a Packages' own */
	int		 fd;
	char		*data;		/* L_DETACHED: the Release signed */
	size_t		 dlen;
	char		*path;		/* L_RESTORE, restored L_PACKAGES */
	char		*statedir;	/* where verified suites are kept */
	bool		 restored;
	void		(*cb)(void *);
	void		*cbarg;
	/* results */
	int		 rc;
	char		 why[160];
	struct release	 rel;
	struct pent	*v;
	size_t		 n, cap;
	size_t		 skipped;
};

static int
pent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pent *)a)->path,
	    ((const struct pent *)b)->path);
}

/* --- on a worker ---------------------------------------------------------- */

/*
 * Run argv with stdin and stdout, and extra[i] as descriptor 3 + i; its
 * exit status, or -errno.
 */
static int
run_child(char *const argv[], int in, int out, const int *extra,
    size_t nextra, int timeout_s)
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid;
	size_t				 i;
	int				 rc, status, waited = 0;
	int				 high[4] = { -1, -1, -1, -1 };
	struct timespec			 ts = { 0, 20 * 1000 * 1000 };

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* Above the targets first: one dup2 must not close another's source. */
	for (i = 0; i < nextra && i < 4; i++) {
		if ((high[i] = fcntl(extra[i], F_DUPFD_CLOEXEC, 3 + (int)nextra))
		    < 0) {
			rc = errno;
			goto out;
		}
		posix_spawn_file_actions_adddup2(&fa, high[i], 3 + (int)i);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
out:
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 4; i++)
		if (high[i] >= 0)
			close(high[i]);
	if (rc != 0)
		return -rc;
	for (;;) {
		rc = waitpid(pid, &status, WNOHANG);
		if (rc == pid)
			break;
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (waited++ > timeout_s * 50) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

/* Read all of fd from offset 0, at most max bytes, into a new buffer. */
static int
slurp(int fd, size_t max, char **out, size_t *len)
{
	char	*b = NULL, *nb;
	size_t	 n = 0, cap = 0;
	ssize_t	 r;

	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(b);
				return -EFBIG;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = pread(fd, b + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static int
mem_file(const char *name, const char *buf, size_t len)
{
	int		 fd;
	size_t		 off = 0;
	ssize_t		 w;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) < 0)
		return -errno;
	while (off < len) {
		if ((w = write(fd, buf + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -errno;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/*
 * gpgv --keyring K... < mem: 0 when a good signature by one of them.
 * With data >= 0, mem is a detached signature over data.
 */
static int
gpgv_check(struct learn *l, int mem, int data)
{
	char		*argv[2 * 64 + 6];
	char		*copy, *tok, *save;
	glob_t		 g;
	size_t		 i, n = 0, nkeys = 0;
	struct stat	 sb;
	int		 rc, devnull;

	argv[n++] = "gpgv";
	argv[n++] = "--homedir";
	argv[n++] = "/nonexistent";
	memset(&g, 0, sizeof(g));
	if ((copy = strdup(l->keyrings)) == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,\t", &save))
		glob(tok, g.gl_pathc > 0 ? GLOB_APPEND : 0, NULL, &g);
	for (i = 0; i < g.gl_pathc && nkeys < 64; i++) {
		const char	*k = g.gl_pathv[i];
		size_t		 kl = strlen(k);

		/* gpgv reads binary keyrings only; apt dearmors .asc. */
		if (k[0] != '/' || (kl > 4 && strcmp(k + kl - 4, ".asc") == 0) ||
		    stat(k, &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    access(k, R_OK) < 0)
			continue;
		argv[n++] = "--keyring";
		argv[n++] = g.gl_pathv[i];
		nkeys++;
	}
	if (data >= 0) {
		argv[n++] = "/dev/fd/3";	/* the signature */
		argv[n++] = "/dev/fd/4";	/* what it signs */
	}
	argv[n] = NULL;
	if (nkeys == 0) {
		snprintf(l->why, sizeof(l->why), "no keyring of "
		    "proxy_keyrings is readable");
		rc = -ENOKEY;
	} else if ((devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	else {
		int	fds[2] = { mem, data };

		rc = data >= 0 ? run_child(argv, devnull, devnull, fds, 2,
		    TRUST_GPGV_TIMEOUT_S) : run_child(argv, mem, devnull, NULL,
		    0, TRUST_GPGV_TIMEOUT_S);
		close(devnull);
		if (rc < 0)
			snprintf(l->why, sizeof(l->why), "gpgv did not run: "
			    "%s", strerror(-rc));
		else if (rc > 0)
			snprintf(l->why, sizeof(l->why), "gpgv: no good "
			    "signature by a key of proxy_keyrings (status %d)",
			    rc);
		if (rc > 0)
			rc = -EBADMSG;
	}
	if (g.gl_pathc > 0 || g.gl_pathv != NULL)
		globfree(&g);
	free(copy);
	return rc;
}

/* An expired or undated suite is not trusted, as apt does not trust it. */
static bool
release_current(const struct release *rel, char *why, size_t len)
{
	if (rel->valid_until < 0) {
		snprintf(why, len, "its Valid-Until is not a date");
		return false;
	}
	if (rel->valid_until > 0 && rel->valid_until < (int64_t)time(NULL)) {
		snprintf(why, len, "expired: Valid-Until is %lld s past",
		    (long long)((int64_t)time(NULL) - rel->valid_until));
		return false;
	}
	return true;
}

/*
 * An InRelease (clearsigned), or a Release's detached signature (read
 * from l->fd) over l->data: checked, then the text gpgv saw is parsed.
 */
static void	keep_release(struct learn *, const char *, size_t);
static void	verify_release(struct learn *, const char *, size_t);
static void	read_packages(struct learn *);

static void
learn_release(struct learn *l)
{
	char	*buf;
	size_t	 len;

	if ((l->rc = slurp(l->fd, TRUST_MAX_RELEASE, &buf, &len)) < 0) {
		snprintf(l->why, sizeof(l->why), "reading it: %s",
		    strerror(-l->rc));
		return;
	}
	verify_release(l, buf, len);
	if (l->rc == 0 && l->statedir != NULL)
		keep_release(l, buf, len);
	free(buf);
}

/* Check buf (an InRelease, or the signature over l->data) and parse it. */
static void
verify_release(struct learn *l, const char *buf, size_t len)
{
	const char	*text;
	size_t		 tlen;
	int		 mem, data = -1;

	text = l->kind == L_DETACHED ? l->data : buf;
	tlen = l->kind == L_DETACHED ? l->dlen : len;
	if ((mem = mem_file("inrelease", buf, len)) < 0 ||
	    (l->kind == L_DETACHED &&
	    (data = mem_file("release", text, tlen)) < 0)) {
		l->rc = mem < 0 ? mem : data;
		snprintf(l->why, sizeof(l->why), "memfd: %s",
		    strerror(-l->rc));
	} else
		l->rc = gpgv_check(l, mem, data);
	if (mem >= 0)
		close(mem);
	if (data >= 0)
		close(data);
	if (l->rc == 0 && (l->rc = release_parse(&l->rel, text, tlen)) < 0)
		snprintf(l->why, sizeof(l->why), "not a Release file");
	if (l->rc == 0 && l->rel.signed_body != (l->kind == L_RELEASE)) {
		release_free(&l->rel);
		l->rc = -EBADMSG;
		snprintf(l->why, sizeof(l->why), l->kind == L_RELEASE ?
		    "not clearsigned" : "a clearsigned text as Release");
	}
	if (l->rc == 0 && !release_current(&l->rel, l->why, sizeof(l->why))) {
		release_free(&l->rel);
		l->rc = -EKEYEXPIRED;
	}
}

/*
 * STATE/proxy-trust/<SHA-256 of the suite's URL>: TRUST_MAGIC, the URL,
 * "SIGLEN DATALEN", then the signed text (an InRelease, DATALEN 0; or a
 * Release.gpg followed by its Release).  A failure only costs the
 * restart's head start.
 */
static void
keep_release(struct learn *l, const char *sig, size_t siglen)
{
	struct atomicfile	 af;
	uint8_t			 h[SHA256_LEN];
	char			 path[PATH_MAX], hex[2 * SHA256_LEN + 1], head[64];
	size_t			 dlen = l->kind == L_DETACHED ? l->dlen : 0;
	int			 rc;

	sha256(l->key, strlen(l->key), h);
	hex_encode(h, SHA256_LEN, hex);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", l->statedir,
	    TRUST_DIR) >= sizeof(path) ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST))
		return;
	snprintf(head, sizeof(head), "\n%zu %zu\n", siglen, dlen);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", l->statedir,
	    TRUST_DIR, hex) >= sizeof(path) ||
	    atomicfile_open(&af, path, 0600) < 0)
		return;
	if ((rc = atomicfile_put(&af, TRUST_MAGIC, strlen(TRUST_MAGIC))) < 0 ||
	    (rc = atomicfile_put(&af, l->key, strlen(l->key))) < 0 ||
	    (rc = atomicfile_put(&af, head, strlen(head))) < 0 ||
	    (rc = atomicfile_put(&af, sig, siglen)) < 0 ||
	    (dlen > 0 && (rc = atomicfile_put(&af, l->data, dlen)) < 0)) {
		atomicfile_abort(&af);
		return;
	}
	atomicfile_commit(&af);
}

/* A kept suite: read its file, then check it as if just fetched. */
static void
learn_restore(struct learn *l)
{
	char		*buf, *p, *nl, *end;
	size_t		 len, siglen, dlen;
	unsigned long long a, b;
	int		 fd;

	if ((fd = open(l->path, O_RDONLY | O_CLOEXEC)) < 0) {
		l->rc = -errno;
		snprintf(l->why, sizeof(l->why), "%s", strerror(errno));
		return;
	}
	l->rc = slurp(fd, 2 * TRUST_MAX_RELEASE + PROXYURL_MAX, &buf, &len);
	close(fd);
	if (l->rc < 0) {
		snprintf(l->why, sizeof(l->why), "reading it: %s",
		    strerror(-l->rc));
		return;
	}
	l->rc = -EINVAL;
	snprintf(l->why, sizeof(l->why), "not a kept suite");
	end = buf + len;
	p = buf + strlen(TRUST_MAGIC);
	if (len < strlen(TRUST_MAGIC) ||
	    memcmp(buf, TRUST_MAGIC, strlen(TRUST_MAGIC)) != 0 ||
	    (nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    (l->key = strndup(p, (size_t)(nl - p))) == NULL ||
	    (p = memchr(nl + 1, '\n', (size_t)(end - nl - 1))) == NULL ||
	    sscanf(nl + 1, "%llu %llu", &a, &b) != 2 ||
	    a > (unsigned long long)(end - p - 1) ||
	    b != (unsigned long long)(end - p - 1) - a || a == 0) {
		free(buf);
		unlink(l->path);	/* not ours, or cut short */
		return;
	}
	siglen = (size_t)a;
	dlen = (size_t)b;
	p++;
	l->kind = dlen > 0 ? L_DETACHED : L_RELEASE;
	if (dlen > 0) {
		if ((l->data = malloc(dlen)) == NULL) {
			l->rc = -ENOMEM;
			free(buf);
			return;
		}
		memcpy(l->data, p + siglen, dlen);
		l->dlen = dlen;
	}
	verify_release(l, p, siglen);
	free(buf);
	/* An expired suite stays expired: no reason to check it again. */
	if (l->rc == -EKEYEXPIRED)
		unlink(l->path);
}

/* A Release, kept as it is until its Release.gpg comes. */
static void
learn_stash(struct learn *l)
{
	if ((l->rc = slurp(l->fd, TRUST_MAX_RELEASE, &l->data, &l->dlen)) < 0)
		snprintf(l->why, sizeof(l->why), "reading it: %s",
		    strerror(-l->rc));
}

static int
add_pent(void *arg, const char *path, uint64_t size,
    const uint8_t sha256[SHA256_LEN])
{
	struct learn	*l = arg;
	struct pent	*nv;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 1024 : l->cap * 2;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL)
			return -ENOMEM;
		l->v = nv;
	}
	if ((l->v[l->n].path = strdup(path)) == NULL)
		return -ENOMEM;
	memcpy(l->v[l->n].sha256, sha256, SHA256_LEN);
	l->v[l->n].size = size;
	l->n++;
	return 0;
}

static void
learn_packages(struct learn *l)
{
	if (l->fd < 0 && l->path != NULL &&
	    (l->fd = open(l->path, O_RDONLY | O_CLOEXEC)) < 0) {
		l->rc = -errno;
		snprintf(l->why, sizeof(l->why), "%s", strerror(errno));
		return;
	}
	read_packages(l);
}

static void
read_packages(struct learn *l)
{
	char		*buf;
	size_t		 len;
	int		 out = -1;
	char		*argv[] = { l->comp[0] == 'g' ? "gzip" : "xz", "-dc",
			    NULL };

	if (l->comp[0] != '\0') {
		if ((out = memfd_create("packages", MFD_CLOEXEC)) < 0) {
			l->rc = -errno;
			snprintf(l->why, sizeof(l->why), "memfd: %s",
			    strerror(errno));
			return;
		}
		lseek(l->fd, 0, SEEK_SET);
		if ((l->rc = run_child(argv, l->fd, out, NULL, 0,
		    TRUST_CHILD_TIMEOUT_S)) != 0) {
			snprintf(l->why, sizeof(l->why), "%s -dc: %s", argv[0],
			    l->rc < 0 ? strerror(-l->rc) : "failed");
			l->rc = l->rc < 0 ? l->rc : -EBADMSG;
			close(out);
			return;
		}
	}
	l->rc = slurp(out >= 0 ? out : l->fd, TRUST_MAX_PACKAGES, &buf, &len);
	if (out >= 0)
		close(out);
	if (l->rc < 0) {
		snprintf(l->why, sizeof(l->why), "reading it: %s",
		    strerror(-l->rc));
		return;
	}
	l->rc = debindex_parse(DEBINDEX_PACKAGES, buf, len, add_pent, l,
	    &l->skipped);
	if (l->rc < 0)
		snprintf(l->why, sizeof(l->why), "parsing it: %s",
		    strerror(-l->rc));
	free(buf);
	if (l->rc == 0 && l->n > 0)
		qsort(l->v, l->n, sizeof(l->v[0]), pent_cmp);
}

static void
learn_work(void *arg)
{
	struct learn	*l = arg;

	if (l->kind == L_RESTORE)
		learn_restore(l);
	else if (l->kind == L_RELEASE || l->kind == L_DETACHED)
		learn_release(l);
	else if (l->kind == L_STASH)
		learn_stash(l);
	else
		learn_packages(l);
}

/* --- on the loop ------------------------------------------------------------ */

static struct suite *
suite_find(const char *key, size_t len)
{
	struct suite	*s;

	TAILQ_FOREACH(s, &suites, entry)
		if (strlen(s->key) == len && memcmp(s->key, key, len) == 0)
			return s;
	return NULL;
}

static struct archive *
archive_find(const char *top, size_t len)
{
	struct archive	*a;

	TAILQ_FOREACH(a, &archives, entry)
		if (strlen(a->top) == len && memcmp(a->top, top, len) == 0)
			return a;
	return NULL;
}

static void
pents_free(struct pent *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static void
learn_free(struct learn *l)
{
	if (l->fd >= 0)
		close(l->fd);
	pents_free(l->v, l->n);
	if (l->rel.v != NULL)
		release_free(&l->rel);
	free(l->key);
	free(l->keyrings);
	free(l->data);
	free(l->path);
	free(l->statedir);
	free(l);
}

static struct unsigned_release *
unsigned_find(const char *key, size_t len)
{
	struct unsigned_release	*r;

	TAILQ_FOREACH(r, &releases, entry)
		if (strlen(r->key) == len && memcmp(r->key, key, len) == 0)
			return r;
	return NULL;
}

static void
unsigned_free(struct unsigned_release *r)
{
	TAILQ_REMOVE(&releases, r, entry);
	nreleases--;
	free(r->key);
	free(r->buf);
	free(r);
}

/* Keep a suite's Release; the oldest kept goes past TRUST_MAX_UNSIGNED. */
static void
store_stash(struct learn *l)
{
	struct unsigned_release	*r = unsigned_find(l->key, strlen(l->key));

	if (r != NULL)
		unsigned_free(r);
	if (nreleases >= TRUST_MAX_UNSIGNED)
		unsigned_free(TAILQ_FIRST(&releases));
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return;
	r->key = l->key;
	r->buf = l->data;
	r->len = l->dlen;
	l->key = NULL;
	l->data = NULL;
	TAILQ_INSERT_TAIL(&releases, r, entry);
	nreleases++;
}

static struct suite *
store_release(struct learn *l)
{
	struct suite	*s = suite_find(l->key, strlen(l->key));

	if (s == NULL) {
		if (nsuites >= TRUST_MAX_SUITES)
			return NULL;
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return NULL;
		s->key = l->key;
		l->key = NULL;
		TAILQ_INSERT_TAIL(&suites, s, entry);
		nsuites++;
	} else
		release_free(&s->rel);
	s->rel = l->rel;
	memset(&l->rel, 0, sizeof(l->rel));
	log_info("proxy: %s: %s verified%s, %zu indices", s->key,
	    l->kind == L_RELEASE ? "InRelease" : "Release with Release.gpg",
	    l->restored ? " (kept from before the restart)" : "", s->rel.n);
	return s;
}

/* Merge the sorted new entries into the archive's sorted table. */
static void
store_packages(struct learn *l)
{
	struct archive	*a = archive_find(l->key, strlen(l->key));
	struct pent	*m, *old;
	uint8_t		(*nseen)[SHA256_LEN];
	size_t		 i = 0, j = 0, k = 0, added;
	int		 c;

	if (npool + l->n > TRUST_MAX_POOL_FILES) {
		log_warnx("proxy: %s: %zu more pool hashes would pass the "
		    "bound of %u; its files are passed through", l->key, l->n,
		    TRUST_MAX_POOL_FILES);
		return;
	}
	if (a == NULL) {
		if (narchives >= TRUST_MAX_ARCHIVES ||
		    (a = calloc(1, sizeof(*a))) == NULL)
			return;
		a->top = l->key;
		l->key = NULL;
		TAILQ_INSERT_TAIL(&archives, a, entry);
		narchives++;
	}
	if ((m = reallocarray(NULL, a->n + l->n, sizeof(*m))) == NULL)
		return;
	old = a->v;
	while (i < a->n || j < l->n) {
		if (i == a->n)
			c = 1;
		else if (j == l->n)
			c = -1;
		else
			c = strcmp(old[i].path, l->v[j].path);
		if (c < 0)
			m[k++] = old[i++];
		else {
			if (c == 0)	/* the newer index wins */
				free(old[i++].path);
			m[k++] = l->v[j++];
		}
	}
	if ((nseen = reallocarray(a->seen, a->nseen + 1, sizeof(*nseen)))
	    != NULL) {
		a->seen = nseen;
		memcpy(a->seen[a->nseen++], l->sha256, SHA256_LEN);
	}
	added = k - a->n;
	npool += added;
	st.pool_files += added;
	free(old);
	a->v = m;
	a->n = k;
	free(l->v);
	l->v = NULL;
	l->n = 0;
	log_info("proxy: %s: %zu pool files with a verified hash (%zu new)",
	    a->top, a->n, added);
}

static void	restore_packages(const char *, const struct release *);

static void
learn_done(void *arg)
{
	struct learn	*l = arg;
	struct suite	*s;

	if (!stopping) {
		if (l->rc == 0 && (l->kind == L_RELEASE ||
		    l->kind == L_DETACHED)) {
			if ((s = store_release(l)) != NULL && l->restored)
				restore_packages(s->key, &s->rel);
		} else if (l->rc == 0 && l->kind == L_STASH)
			store_stash(l);
		else if (l->rc == 0)
			store_packages(l);
		else {
			if (l->kind == L_RELEASE || l->kind == L_DETACHED)
				st.bad_signatures++;
			log_warnx("proxy: %s: not trusted, its files are "
			    "passed through: %s", l->key != NULL ? l->key :
			    l->path, l->why);
		}
	}
	if (l->cb != NULL)
		l->cb(l->cbarg);
	learn_free(l);
}

static void
unescape(const char *s, char *out, size_t outlen)
{
	size_t	n = 0;
	int	hi, lo;

	while (*s != '\0' && n + 1 < outlen) {
		if (s[0] == '%' && (hi = hex_digit(s[1])) >= 0 &&
		    (lo = hex_digit(s[2])) >= 0) {
			out[n++] = (char)(hi * 16 + lo);
			s += 3;
		} else
			out[n++] = *s++;
	}
	out[n] = '\0';
}

static bool
packages_name(const char *path, char comp[4])
{
	const char	*b = strrchr(path, '/');

	b = b == NULL ? path : b + 1;
	if (strcmp(b, "Packages") == 0)
		comp[0] = '\0';
	else if (strcmp(b, "Packages.gz") == 0)
		strcpy(comp, "gz");
	else if (strcmp(b, "Packages.xz") == 0)
		strcpy(comp, "xz");
	else
		return false;
	return true;
}

static void
hit_from(struct trust_hit *hit, const struct release_entry *e)
{
	hit->hashed = true;
	memcpy(hit->sha256, e->sha256, SHA256_LEN);
	hit->size = (int64_t)e->size;
	hit->packages = packages_name(e->path, hit->comp);
}

void
trust_lookup(const struct proxyurl *u, struct trust_hit *hit)
{
	struct suite	*s;
	struct archive	*a;
	struct pent	 key, *e;
	const char	*rel, *hex;
	uint8_t		 sha[SHA256_LEN];
	char		 path[PROXYURL_MAX + 1], why[80];
	size_t		 i;

	memset(hit, 0, sizeof(*hit));
	hit->size = -1;
	switch (u->kind) {
	case PROXYURL_INDEX:
	case PROXYURL_BYHASH:
		if ((s = suite_find(u->url, u->suite_len)) == NULL ||
		    !release_current(&s->rel, why, sizeof(why)))
			return;		/* expired since: passed through */
		rel = u->url + u->suite_len + 1;
		if (u->kind == PROXYURL_BYHASH) {
			hex = strrchr(u->url, '/') + 1;
			if (strstr(rel, "/by-hash/SHA256/") == NULL ||
			    strlen(hex) != 2 * SHA256_LEN ||
			    !hex_decode(hex, strlen(hex), sha, SHA256_LEN))
				return;
			for (i = 0; i < s->rel.n; i++)
				if (memcmp(s->rel.v[i].sha256, sha,
				    SHA256_LEN) == 0) {
					hit_from(hit, &s->rel.v[i]);
					return;
				}
			return;
		}
		unescape(rel, path, sizeof(path));
		for (i = 0; i < s->rel.n; i++)
			if (strcmp(s->rel.v[i].path, path) == 0) {
				hit_from(hit, &s->rel.v[i]);
				return;
			}
		return;
	case PROXYURL_POOL:
		if ((a = archive_find(u->url, u->base_len)) == NULL)
			return;
		unescape(u->url + u->base_len, path, sizeof(path));
		key.path = path;
		if ((e = bsearch(&key, a->v, a->n, sizeof(a->v[0]),
		    pent_cmp)) != NULL) {
			hit->hashed = true;
			memcpy(hit->sha256, e->sha256, SHA256_LEN);
			hit->size = (int64_t)e->size;
		}
		return;
	default:
		return;
	}
}

bool
trust_wants(const struct proxyurl *u, const struct trust_hit *hit)
{
	const char	*b = strrchr(u->url, '/') + 1;
	struct archive	*a;
	size_t		 i;

	if (u->kind == PROXYURL_RELEASE)
		return strcmp(b, "InRelease") == 0 ||
		    strcmp(b, "Release") == 0 ||
		    (strcmp(b, "Release.gpg") == 0 &&
		    unsigned_find(u->url, u->suite_len) != NULL);
	if (!hit->hashed || !hit->packages)
		return false;
	if ((a = archive_find(u->url, u->base_len)) != NULL)
		for (i = 0; i < a->nseen; i++)
			if (memcmp(a->seen[i], hit->sha256, SHA256_LEN) == 0)
				return false;
	return true;
}

int
trust_learn(const struct proxyurl *u, const struct trust_hit *hit, int fd,
    void (*cb)(void *), void *cbarg)
{
	struct learn	*l;
	struct unsigned_release *r;
	const char	*b;
	char		 path[64];
	int		 rc;

	if (stopping || !trust_wants(u, hit))
		return -EINVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->fd = -1;
	b = strrchr(u->url, '/') + 1;
	l->kind = hit->packages ? L_PACKAGES : strcmp(b, "InRelease") == 0 ?
	    L_RELEASE : strcmp(b, "Release") == 0 ? L_STASH : L_DETACHED;
	if (l->kind == L_DETACHED) {
		/* The Release it signs, taken: checked once only. */
		r = unsigned_find(u->url, u->suite_len);
		l->data = r->buf;
		l->dlen = r->len;
		r->buf = NULL;
		unsigned_free(r);
	}
	memcpy(l->comp, hit->comp, sizeof(l->comp));
	memcpy(l->sha256, hit->sha256, SHA256_LEN);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* A descriptor of its own: the child reads from its offset. */
	if ((l->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (l->key = strndup(u->url, l->kind == L_PACKAGES ? u->base_len :
	    u->suite_len)) == NULL ||
	    (l->keyrings = strdup(conf.proxy_keyrings)) == NULL) {
		rc = l->fd < 0 ? -errno : -ENOMEM;
		learn_free(l);
		return rc;
	}
	if ((l->kind == L_RELEASE || l->kind == L_DETACHED) &&
	    (l->statedir = strdup(conf.state_dir)) == NULL) {
		learn_free(l);
		return -ENOMEM;
	}
	l->cb = cb;
	l->cbarg = cbarg;
	if ((rc = workers_submit(learn_work, learn_done, l)) < 0) {
		learn_free(l);
		return rc;
	}
	return 0;
}

/*
 * A kept suite is back: read again the Packages indices it lists that
 * the cache holds (each was fetched by the hash listed here).
 */
static void
restore_packages(const char *key, const struct release *rel)
{
	const char	*d = strstr(strstr(key, "://") + 3, "/dists/");
	struct learn	*l;
	char		 path[PATH_MAX], comp[4];
	size_t		 i;

	if (d == NULL)
		return;
	for (i = 0; i < rel->n; i++) {
		if (!packages_name(rel->v[i].path, comp) ||
		    cache_lookup(rel->v[i].sha256) == NULL)
			continue;
		cache_entry_path(rel->v[i].sha256, path, sizeof(path));
		if ((l = calloc(1, sizeof(*l))) == NULL)
			return;
		l->fd = -1;
		l->kind = L_PACKAGES;
		l->restored = true;
		memcpy(l->comp, comp, sizeof(l->comp));
		memcpy(l->sha256, rel->v[i].sha256, SHA256_LEN);
		if ((l->key = strndup(key, (size_t)(d + 1 - key))) == NULL ||
		    (l->path = strdup(path)) == NULL ||
		    workers_submit(learn_work, learn_done, l) < 0) {
			learn_free(l);
			return;
		}
	}
}

void
trust_restore(void)
{
	struct learn	*l;
	struct dirent	*de;
	DIR		*dir;
	char		 path[PATH_MAX];
	unsigned	 n = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", conf.state_dir,
	    TRUST_DIR) >= sizeof(path))
		return;
	atomicfile_sweep(path);
	if ((dir = opendir(path)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL && n < TRUST_MAX_SUITES) {
		if (strlen(de->d_name) != 2 * SHA256_LEN ||
		    strspn(de->d_name, "0123456789abcdef") != 2 * SHA256_LEN)
			continue;
		if ((l = calloc(1, sizeof(*l))) == NULL)
			break;
		l->fd = -1;
		l->kind = L_RESTORE;
		l->restored = true;
		if (asprintf(&l->path, "%s/%s", path, de->d_name) < 0) {
			l->path = NULL;
			learn_free(l);
			break;
		}
		if ((l->keyrings = strdup(conf.proxy_keyrings)) == NULL ||
		    workers_submit(learn_work, learn_done, l) < 0) {
			learn_free(l);
			break;
		}
		n++;
	}
	closedir(dir);
	if (n > 0)
		log_info("proxy: checking %u suites verified before the restart",
		    n);
}

void
trust_shutdown(void)
{
	struct suite	*s;
	struct archive	*a;

	stopping = true;
	while (TAILQ_FIRST(&releases) != NULL)
		unsigned_free(TAILQ_FIRST(&releases));
	while ((s = TAILQ_FIRST(&suites)) != NULL) {
		TAILQ_REMOVE(&suites, s, entry);
		release_free(&s->rel);
		free(s->key);
		free(s);
	}
	while ((a = TAILQ_FIRST(&archives)) != NULL) {
		TAILQ_REMOVE(&archives, a, entry);
		pents_free(a->v, a->n);
		free(a->seen);
		free(a->top);
		free(a);
	}
	nsuites = narchives = 0;
	npool = 0;
}

void
trust_get_stats(struct trust_stats *out)
{
	*out = st;
	out->suites = nsuites;
}
