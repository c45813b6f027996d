/* SPDX-License-Identifier: ISC */
/*
 * cache.c - the verified file store: index, quota, and its disk side.
 *
 * The index maps SHA-256 to size and last access; entries also sit on an
 * LRU list (most recent first) so eviction takes from the tail.  Disk work
 * runs on the workers; the index is only touched on the loop thread.
 *
 * A cache directory removed under a running daemon is made again by the
 * first write that misses it; the index then names files that are gone,
 * so a worker that had to make a directory again asks the loop for a new
 * scan, which drops the entries it did not find.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/atomicfile.h"
#include "common/bitfield.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/shamap.h"
#include "daemon/base/cache.h"
#include "daemon/base/pieces.h"
#include "daemon/base/workers.h"

#define MAP_MAGIC	"aptbtmp1"
#define IO_CHUNK	(256 * 1024)

struct centry {
	struct cache_entry	 e;
	TAILQ_ENTRY(centry)	 lru;
	unsigned		 gen;	/* c.gen when last added */
};
TAILQ_HEAD(lruq, centry);

static struct {
	char		*dir;
	uint64_t	 quota;
	uint64_t	 bytes;
	struct shamap	 index;		/* SHA-256 to struct centry */
	struct lruq	 lru;
	bool		 scanned;
	unsigned	 gen;		/* scans started */
} c;

/* Set by a worker that made a vanished cache directory again. */
static atomic_bool	 dirs_lost;

/* Startup scan results, built on a worker. */
struct scan {
	struct cache_entry	*ents;
	size_t			 n, cap;
	unsigned		 removed;
	bool			 resync;	/* drop what it does not find */
	unsigned		 gen;
};

static const char *const subdirs[] = { "sha256", "partial", "tmp" };

const char *
cache_root(void)
{
	return c.dir;
}

static struct centry *
find(const uint8_t *sha)
{
	return shamap_get(&c.index, sha);
}

static void	(*observer)(const uint8_t *, uint64_t, bool);

void
cache_set_observer(void (*fn)(const uint8_t *, uint64_t, bool))
{
	observer = fn;
}

static void
unlink_entry(struct centry *ce)
{
	shamap_remove(&c.index, ce->e.sha256);
	TAILQ_REMOVE(&c.lru, ce, lru);
	c.bytes -= ce->e.size;
	if (observer != NULL && !ce->e.private)
		observer(ce->e.sha256, ce->e.size, false);
}

void
cache_entry_path(const uint8_t *sha, char *buf, size_t len)
{
	char	hex[2 * SHA256_LEN + 1];

	hex_encode(sha, SHA256_LEN, hex);
	snprintf(buf, len, "%s/sha256/%.2s/%s", c.dir, hex, hex);
}

void
cache_part_path(const uint8_t *sha, const char *ext, char *buf, size_t len)
{
	char	hex[2 * SHA256_LEN + 1];

	hex_encode(sha, SHA256_LEN, hex);
	snprintf(buf, len, "%s/partial/%s%s", c.dir, hex, ext);
}

/* 1 if a directory had to be made, 0 if all were there, or -errno. */
static int
make_dirs(void)
{
	char	path[PATH_MAX];
	size_t	i;
	int	made = 0;

	if (mkdir(c.dir, 0755) == 0)
		made = 1;
	else if (errno != EEXIST)
		return -errno;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c.dir, subdirs[i]);
		if (mkdir(path, 0755) == 0)
			made = 1;
		else if (errno != EEXIST)
			return -errno;
	}
	return made;
}

/* Worker: make the directories again after a miss (0 or -errno). */
static int
remake_dirs(void)
{
	int	rc;

	if ((rc = make_dirs()) > 0)
		atomic_store(&dirs_lost, true);
	return rc < 0 ? rc : 0;
}

/*
 * Startup scan (worker): list sha256/XX/<hex>, drop stray temporaries.
 */
static void
scan_add(struct scan *s, const uint8_t *sha, uint64_t size, time_t atime,
    bool private)
{
	struct cache_entry	*n;

	if (s->n == s->cap) {
		size_t	cap = s->cap ? s->cap * 2 : 256;

		if ((n = reallocarray(s->ents, cap, sizeof(*n))) == NULL)
			return;
		s->ents = n;
		s->cap = cap;
	}
	memcpy(s->ents[s->n].sha256, sha, SHA256_LEN);
	s->ents[s->n].size = size;
	s->ents[s->n].atime = atime;
	s->ents[s->n].pins = 0;
	s->ents[s->n].private = private;
	s->n++;
}

/* "X.part" pairs with "X.map" and back; false for other names. */
static bool
partner(const char *name, char *out, size_t len)
{
	size_t	n = strlen(name);

	if (n > 5 && strcmp(name + n - 5, ".part") == 0)
		snprintf(out, len, "%.*s.map", (int)(n - 5), name);
	else if (n > 4 && strcmp(name + n - 4, ".map") == 0)
		snprintf(out, len, "%.*s.part", (int)(n - 4), name);
	else
		return false;
	return true;
}

/* At startup only: a later scan runs beside downloads that own these. */
static void
sweep_stale(struct scan *s)
{
	char		 path[PATH_MAX];
	DIR		*top;
	struct dirent	*d;
	int		 dfd, n;

	snprintf(path, sizeof(path), "%s/tmp", c.dir);
	if ((top = opendir(path)) != NULL) {
		dfd = dirfd(top);
		while ((d = readdir(top)) != NULL)
			if (d->d_name[0] != '.' &&
			    unlinkat(dfd, d->d_name, 0) == 0)
				s->removed++;
		closedir(top);
	}
	/* Parts without a map hold nothing we can trust; maps need a part. */
	snprintf(path, sizeof(path), "%s/partial", c.dir);
	if ((n = atomicfile_sweep(path)) > 0)
		s->removed += (unsigned)n;
	if ((top = opendir(path)) != NULL) {
		dfd = dirfd(top);
		while ((d = readdir(top)) != NULL) {
			char	other[NAME_MAX + 8];

			if (d->d_name[0] == '.')
				continue;
			if (partner(d->d_name, other, sizeof(other)) &&
			    faccessat(dfd, other, F_OK, 0) == -1 &&
			    errno == ENOENT)
				if (unlinkat(dfd, d->d_name, 0) == 0)
					s->removed++;
		}
		closedir(top);
	}
}

static void
scan_work(void *arg)
{
	struct scan	*s = arg;
	char		 path[PATH_MAX];
	DIR		*top, *sub;
	struct dirent	*d, *f;
	struct stat	 st;
	uint8_t		 sha[SHA256_LEN];
	int		 dfd;

	if (!s->resync)
		sweep_stale(s);
	snprintf(path, sizeof(path), "%s/sha256", c.dir);
	if ((top = opendir(path)) == NULL)
		return;
	while ((d = readdir(top)) != NULL) {
		if (strlen(d->d_name) != 2 || d->d_name[0] == '.')
			continue;
		dfd = openat(dirfd(top), d->d_name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd == -1 || (sub = fdopendir(dfd)) == NULL) {
			if (dfd != -1)
				close(dfd);
			continue;
		}
		while ((f = readdir(sub)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			/* A name that is not a hash is not ours: leave it. */
			if (strlen(f->d_name) != 2 * SHA256_LEN ||
			    !hex_decode(f->d_name, 2 * SHA256_LEN, sha,
			    SHA256_LEN) || strncmp(f->d_name, d->d_name, 2) != 0)
				continue;
			if (fstatat(dfd, f->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
				continue;
			scan_add(s, sha, (uint64_t)st.st_size,
			    st.st_atime > st.st_mtime ? st.st_atime :
			    st.st_mtime, (st.st_mode & S_IROTH) == 0);
		}
		closedir(sub);
	}
	closedir(top);
}

static int
by_atime(const void *a, const void *b)
{
	const struct cache_entry	*x = a, *y = b;

	return (x->atime > y->atime) - (x->atime < y->atime);
}

static int
by_sha(const void *a, const void *b)
{
	return memcmp(((const struct cache_entry *)a)->sha256,
	    ((const struct cache_entry *)b)->sha256, SHA256_LEN);
}

/*
 * Drop the entries a new scan did not find: those added since it started
 * were written after it, and those in use are left to fail on their own.
 */
static unsigned
drop_unfound(struct scan *s)
{
	struct centry	*ce, *next;
	unsigned	 n = 0;

	if (s->n > 0)
		qsort(s->ents, s->n, sizeof(*s->ents), by_sha);
	for (ce = TAILQ_FIRST(&c.lru); ce != NULL; ce = next) {
		next = TAILQ_NEXT(ce, lru);
		if (ce->gen >= s->gen || ce->e.pins > 0 || (s->n > 0 &&
		    bsearch(&ce->e, s->ents, s->n, sizeof(*s->ents),
		    by_sha) != NULL))
			continue;
		unlink_entry(ce);
		free(ce);
		n++;
	}
	return n;
}

static void
scan_done(void *arg)
{
	struct scan	*s = arg;
	size_t		 i;

	if (c.dir != NULL) {
		if (s->resync)
			log_warnx("cache: %s was removed under us: %u entries "
			    "gone", c.dir, drop_unfound(s));
		/* Oldest first, so each add moves the newer to the front. */
		if (s->n > 0)
			qsort(s->ents, s->n, sizeof(*s->ents), by_atime);
		for (i = 0; i < s->n; i++)
			if (find(s->ents[i].sha256) == NULL)
				cache_add(s->ents[i].sha256, s->ents[i].size,
				    s->ents[i].atime, s->ents[i].private);
		c.scanned = true;
		log_info("cache: %s: %llu files, %llu bytes%s", c.dir,
		    (unsigned long long)shamap_count(&c.index),
		    (unsigned long long)c.bytes,
		    s->removed ? " (stale temporaries removed)" : "");
		cache_evict();
	}
	free(s->ents);
	free(s);
}

/* Loop: after a worker made the directories again, scan them anew. */
static void
resync_if_lost(void)
{
	struct scan	*s;

	if (!c.scanned || !atomic_load(&dirs_lost))
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	atomic_store(&dirs_lost, false);
	s->resync = true;
	s->gen = ++c.gen;
	c.scanned = false;
	if (workers_submit(scan_work, scan_done, s) < 0) {
		c.scanned = true;
		free(s);
	}
}

int
cache_init(const char *dir, uint64_t quota)
{
	struct scan	*s;
	int		 rc;

	if (c.dir != NULL)
		return -EALREADY;
	if ((c.dir = strdup(dir)) == NULL)
		return -ENOMEM;
	c.quota = quota;
	TAILQ_INIT(&c.lru);
	if ((rc = shamap_init(&c.index, SHA256_LEN)) < 0) {
		cache_shutdown();
		return rc;
	}
	if ((rc = make_dirs()) < 0) {
		log_warnx("cache: %s: %s", dir, strerror(-rc));
		cache_shutdown();
		return rc;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    workers_submit(scan_work, scan_done, s) < 0) {
		free(s);
		cache_shutdown();
		return -ENOMEM;
	}
	return 0;
}

void
cache_shutdown(void)
{
	struct centry	*ce;

	while ((ce = TAILQ_FIRST(&c.lru)) != NULL) {
		unlink_entry(ce);
		free(ce);
	}
	shamap_free(&c.index);
	free(c.dir);
	memset(&c, 0, sizeof(c));
	atomic_store(&dirs_lost, false);
}

void
cache_set_quota(uint64_t quota)
{
	c.quota = quota;
	cache_evict();
}

void
cache_get_stats(struct cache_stats *st)
{
	resync_if_lost();
	st->count = shamap_count(&c.index);
	st->bytes = c.bytes;
	st->quota = c.quota;
	st->scanned = c.scanned;
}

struct cache_entry *
cache_lookup(const uint8_t *sha)
{
	struct centry	*ce;

	resync_if_lost();
	ce = find(sha);
	return ce ? &ce->e : NULL;
}

struct cache_entry *
cache_add(const uint8_t *sha, uint64_t size, time_t atime, bool private)
{
	struct centry	*ce;

	if (c.dir == NULL)
		return NULL;
	if ((ce = find(sha)) != NULL) {
		c.bytes -= ce->e.size;
		ce->e.size = size;
		c.bytes += size;
		ce->gen = c.gen;
		cache_touch(&ce->e);
		if (ce->e.private && !private) {
			ce->e.private = false;
			if (observer != NULL)
				observer(sha, size, true);
		}
		return &ce->e;
	}
	if ((ce = calloc(1, sizeof(*ce))) == NULL)
		return NULL;
	memcpy(ce->e.sha256, sha, SHA256_LEN);
	ce->e.size = size;
	ce->e.atime = atime;
	ce->gen = c.gen;
	ce->e.private = private;
	if (shamap_put(&c.index, sha, ce) != 0) {
		free(ce);
		return NULL;
	}
	TAILQ_INSERT_HEAD(&c.lru, ce, lru);
	c.bytes += size;
	if (observer != NULL && !private)
		observer(sha, size, true);
	return &ce->e;
}

static struct centry *
centry_of(struct cache_entry *e)
{
	return (struct centry *)(void *)((char *)e -
	    offsetof(struct centry, e));
}

void
cache_touch(struct cache_entry *e)
{
	struct centry	*ce = centry_of(e);

	e->atime = time(NULL);
	TAILQ_REMOVE(&c.lru, ce, lru);
	TAILQ_INSERT_HEAD(&c.lru, ce, lru);
}

void
cache_pin(struct cache_entry *e)
{
	e->pins++;
}

void
cache_unpin(struct cache_entry *e)
{
	if (e->pins > 0)
		e->pins--;
}

void
cache_forget(const uint8_t *sha)
{
	struct centry	*ce = find(sha);

	if (ce != NULL && ce->e.pins == 0) {
		unlink_entry(ce);
		free(ce);
	}
}

/* Removal (the file goes on a worker; the index changes at once). */
static void
unlink_work(void *arg)
{
	if (unlink((char *)arg) == -1 && errno != ENOENT)
		log_warn("cache: unlink %s", (char *)arg);
}

static void
drop(struct centry *ce)
{
	char	 path[PATH_MAX], *p;

	cache_entry_path(ce->e.sha256, path, sizeof(path));
	unlink_entry(ce);
	free(ce);
	if ((p = strdup(path)) == NULL)
		return;
	if (workers_submit(unlink_work, free, p) < 0) {
		/* No workers left (shutdown): a stray file is found later. */
		free(p);
	}
}

int
cache_remove(const uint8_t *sha)
{
	struct centry	*ce = find(sha);

	if (ce == NULL)
		return -ENOENT;
	if (ce->e.pins > 0)
		return -EBUSY;
	drop(ce);
	return 0;
}

void
cache_evict(void)
{
	struct centry	*ce, *prev;
	char		 hex[2 * SHA256_LEN + 1];

	for (ce = TAILQ_LAST(&c.lru, lruq); ce != NULL && c.bytes > c.quota;
	    ce = prev) {
		prev = TAILQ_PREV(ce, lruq, lru);
		if (ce->e.pins > 0)
			continue;
		hex_encode(ce->e.sha256, SHA256_LEN, hex);
		log_debug("cache: evict %s (%llu bytes)", hex,
		    (unsigned long long)ce->e.size);
		drop(ce);
	}
}

void
cache_foreach(bool (*cb)(const struct cache_entry *, void *), void *arg)
{
	struct centry	*ce;

	TAILQ_FOREACH(ce, &c.lru, lru)
		if (!cb(&ce->e, arg))
			break;
}

/*
 * Disk side (workers).
 */
int
reopen_ro(int fd)
{
	char	path[64];
	int	ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((ro = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	return ro;
}

int
cache_open_entry(const uint8_t *sha, int *fdp, uint64_t *size)
{
	char		path[PATH_MAX];
	struct stat	st;
	struct timespec	ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	int		fd;

	cache_entry_path(sha, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -errno;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* The access time orders eviction across restarts. */
	(void)futimens(fd, ts);
	*fdp = fd;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int
open_retrying(const char *path, int flags)
{
	int	fd;

	if ((fd = open(path, flags, 0644)) == -1 && errno == ENOENT) {
		/* The cache directory vanished under us: make it again. */
		if (remake_dirs() == 0)
			fd = open(path, flags, 0644);
	}
	return fd == -1 ? -errno : fd;
}

int
cache_part_open(const uint8_t *sha, int *rw, int *ro)
{
	char	path[PATH_MAX];
	int	fd, r;

	cache_part_path(sha, ".part", path, sizeof(path));
	if ((fd = open_retrying(path, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW)) < 0)
		return fd;
	if ((r = reopen_ro(fd)) < 0) {
		close(fd);
		return r;
	}
	*rw = fd;
	*ro = r;
	return 0;
}

struct map_hdr {
	char		magic[8];
	uint64_t	size;
	uint32_t	piece_size;
	uint32_t	npieces;
};

int
cache_map_load(const uint8_t *sha, struct piecemap *pm, uint64_t size)
{
	char		path[PATH_MAX];
	struct map_hdr	h;
	ssize_t		n;
	int		fd, rc;

	if ((rc = piecemap_init(pm, size)) < 0)
		return rc;
	cache_part_path(sha, ".map", path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -errno;
	n = read(fd, &h, sizeof(h));
	if (n != (ssize_t)sizeof(h) || memcmp(h.magic, MAP_MAGIC, 8) != 0 ||
	    h.size != size || h.piece_size != pm->piece_size ||
	    h.npieces != pm->npieces) {
		close(fd);
		return -ENOENT;
	}
	n = read(fd, pm->bits, piecemap_nbytes(pm));
	close(fd);
	if (n != (ssize_t)piecemap_nbytes(pm)) {
		piecemap_clear(pm);
		return -ENOENT;
	}
	/* Recount, ignoring stray bits past the last piece. */
	pm->nhave = bitfield_count(pm->bits, pm->npieces);
	bitfield_trim(pm->bits, pm->npieces);
	return 0;
}

int
cache_map_save(const uint8_t *sha, const struct piecemap *pm, int partfd)
{
	char			path[PATH_MAX];
	struct atomicfile	af;
	struct map_hdr		h;
	int			rc;

	/* The map may only claim pieces that are already on disk. */
	if (fdatasync(partfd) == -1)
		return -errno;
	cache_part_path(sha, ".map", path, sizeof(path));
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAP_MAGIC, 8);
	h.size = pm->size;
	h.piece_size = pm->piece_size;
	h.npieces = pm->npieces;
	if ((rc = atomicfile_open(&af, path, 0644)) < 0)
		return rc;
	if ((rc = atomicfile_put(&af, &h, sizeof(h))) < 0 ||
	    (rc = atomicfile_put(&af, pm->bits, piecemap_nbytes(pm))) < 0) {
		atomicfile_abort(&af);
		return rc;
	}
	return atomicfile_commit(&af);
}

void
cache_part_discard(const uint8_t *sha)
{
	char	path[PATH_MAX];

	cache_part_path(sha, ".part", path, sizeof(path));
	unlink(path);
	cache_part_path(sha, ".map", path, sizeof(path));
	unlink(path);
}

/* Hash fd's first size bytes with pread (the offset is shared). */
static int
hash_fd(int fd, uint64_t size, uint8_t out[SHA256_LEN])
{
	struct hash_ctx	*h;
	uint8_t		*buf;
	uint64_t	 off = 0;
	ssize_t		 n;
	int		 rc = 0;

	if ((h = hash_new(HASH_SHA256)) == NULL)
		return -ENOMEM;
	if ((buf = malloc(IO_CHUNK)) == NULL) {
		hash_free(h);
		return -ENOMEM;
	}
	while (off < size) {
		size_t	want = size - off < IO_CHUNK ? size - off : IO_CHUNK;

		n = pread(fd, buf, want, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n == 0 ? -EBADMSG : -errno;
			break;
		}
		hash_update(h, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (rc == 0)
		hash_final(h, out);
	free(buf);
	hash_free(h);
	return rc;
}

/* Make sha256/XX/ and return the final path. */
static int
entry_dir(const uint8_t *sha, char *path, size_t len)
{
	char	dir[PATH_MAX], *slash;

	cache_entry_path(sha, path, len);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		if (errno != ENOENT || remake_dirs() < 0 ||
		    (mkdir(dir, 0755) == -1 && errno != EEXIST))
			return -errno;
	}
	return 0;
}

int
cache_part_hash(int partfd, uint64_t size, uint8_t got[SHA256_LEN])
{
	return hash_fd(partfd, size, got);
}

int
cache_part_commit(const uint8_t *sha, int partfd, uint64_t size)
{
	uint8_t	got[SHA256_LEN];
	int	rc;

	if ((rc = hash_fd(partfd, size, got)) < 0)
		return rc;
	return cache_part_commit_hashed(sha, partfd, size, got);
}

int
cache_part_commit_hashed(const uint8_t *sha, int partfd, uint64_t size,
    const uint8_t *got)
{
	char		 part[PATH_MAX], path[PATH_MAX], map[PATH_MAX];
	struct stat	 st;
	int		 rc;

	if (fstat(partfd, &st) == -1)
		return -errno;
	if ((uint64_t)st.st_size != size)
		return -EBADMSG;
	if (sodium_memcmp(got, sha, SHA256_LEN) != 0)
		return -EBADMSG;
	if (fchmod(partfd, 0644) == -1)
		return -errno;
	if ((rc = entry_dir(sha, path, sizeof(path))) < 0)
		return rc;
	cache_part_path(sha, ".part", part, sizeof(part));
	if ((rc = atomicfile_rename(partfd, part, path)) < 0)
		return rc;
	cache_part_path(sha, ".map", map, sizeof(map));
	unlink(map);
	return 0;
}

int
cache_mem_open(void)
{
	int	fd;

	if ((fd = memfd_create("aptbt-part", MFD_CLOEXEC)) == -1)
		return -errno;
	return fd;
}

/* Copy size bytes of in into out, both from offset 0. */
static int
copy_fd(int in, int out, uint64_t size)
{
	uint8_t	*buf;
	uint64_t off = 0;
	ssize_t	 n;
	int	 rc = 0;

	if ((buf = malloc(IO_CHUNK)) == NULL)
		return -ENOMEM;
	while (off < size && rc == 0) {
		size_t	want = size - off < IO_CHUNK ? size - off : IO_CHUNK;

		n = pread(in, buf, want, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = n == 0 ? -EBADMSG : -errno;
		else if (write(out, buf, (size_t)n) != n)
			rc = errno ? -errno : -EIO;
		else
			off += (uint64_t)n;
	}
	free(buf);
	return rc;
}

int
cache_mem_commit(const uint8_t *sha, int memfd, uint64_t size,
    const uint8_t *got)
{
	char		 path[PATH_MAX], tmp[PATH_MAX];
	struct stat	 st;
	int		 out, rc;

	if (fstat(memfd, &st) == -1)
		return -errno;
	if ((uint64_t)st.st_size != size ||
	    sodium_memcmp(got, sha, SHA256_LEN) != 0)
		return -EBADMSG;
	if ((rc = entry_dir(sha, path, sizeof(path))) < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s/tmp/commit.XXXXXX", c.dir);
	if ((out = mkostemp(tmp, O_CLOEXEC)) == -1 && errno == ENOENT &&
	    remake_dirs() == 0) {
		snprintf(tmp, sizeof(tmp), "%s/tmp/commit.XXXXXX", c.dir);
		out = mkostemp(tmp, O_CLOEXEC);
	}
	if (out == -1)
		return -errno;
	if ((rc = copy_fd(memfd, out, size)) == 0)
		rc = fchmod(out, 0644) == -1 ? -errno :
		    atomicfile_rename(out, tmp, path);
	close(out);
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	/* A part file left by an earlier attempt is worth nothing now. */
	cache_part_discard(sha);
	return 0;
}

int
cache_tmp_open(int *rw, int *ro)
{
	char	path[PATH_MAX];
	int	fd, r;

	snprintf(path, sizeof(path), "%s/tmp/dl.XXXXXX", c.dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1 && errno == ENOENT &&
	    remake_dirs() == 0) {
		snprintf(path, sizeof(path), "%s/tmp/dl.XXXXXX", c.dir);
		fd = mkostemp(path, O_CLOEXEC);
	}
	if (fd == -1)
		return -errno;
	if ((r = reopen_ro(fd)) < 0) {
		unlink(path);
		close(fd);
		return r;
	}
	/* Nothing names it from here on; the descriptors keep it alive. */
	unlink(path);
	*rw = fd;
	*ro = r;
	return 0;
}

int
cache_import_file(const char *src, uint8_t *sha, uint64_t *size,
    bool *existed, bool (*is_public)(const uint8_t *, void *), void *arg,
    bool *private)
{
	mode_t		 mode;

	*private = true;
	char		 path[PATH_MAX], tmp[PATH_MAX];
	struct stat	 st;
	struct hash_ctx	*h = NULL;
	uint8_t		*buf = NULL;
	ssize_t		 n;
	off_t		 off = 0;
	int		 in, out = -1, rc = 0;

	*existed = false;
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return -errno;
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = errno ? -errno : -EINVAL;
		close(in);
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp/import.XXXXXX", c.dir);
	if ((out = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		close(in);
		return rc;
	}
	/* One pass: what is hashed is exactly what was copied. */
	if ((buf = malloc(IO_CHUNK)) == NULL ||
	    (h = hash_new(HASH_SHA256)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	while ((n = pread(in, buf, IO_CHUNK, off)) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			rc = errno ? -errno : -EIO;
			goto fail;
		}
		hash_update(h, buf, (size_t)n);
		off += n;
	}
	if (n < 0) {
		rc = -errno;
		goto fail;
	}
	hash_final(h, sha);
	*size = (uint64_t)off;
	if ((rc = entry_dir(sha, path, sizeof(path))) < 0)
		goto fail;
	if (access(path, F_OK) == 0) {
		/* An import never makes an entry public: the file stays. */
		*existed = true;
		goto fail;
	}
	/* What was private to its owner stays so; a public copy is 0644. */
	*private = (st.st_mode & S_IROTH) == 0 || !is_public(sha, arg);
	mode = *private ? (st.st_mode & 0660) | 0600 : 0644;
	if ((rc = fchmod(out, mode) == -1 ? -errno :
	    atomicfile_rename(out, tmp, path)) < 0)
		goto fail;
	goto out;
fail:
	unlink(tmp);
out:
	hash_free(h);
	free(buf);
	close(out);
	close(in);
	return rc;
}
