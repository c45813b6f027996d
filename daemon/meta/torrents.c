/* SPDX-License-Identifier: ISC */
/*
 * torrents.c - known torrents, by file hash and by info-hash.
 *
 * Two maps point at each torrent: one by the file's SHA-256, one by each
 * of its info-hashes (an incoming connection names one).  When two
 * torrents claim one info-hash, the first known keeps it.  Saved files
 * are written with atomicfile like every other state.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/metainfo.h"
#include "common/shamap.h"
#include "daemon/meta/torrents.h"

#define TORRENT_MAX_FILE	(4 * 1024 * 1024)
#define MAX_TRACKER_LISTS	256	/* distinct lists kept; others dropped */
#define MAX_TRACKERS		16	/* URLs of one list */

static struct shamap	 by_sha;	/* SHA-256 to struct torrent */
static struct shamap	 by_key;	/* either info-hash to struct torrent */
static char		*dir;
static struct torrent_trackers *lists[MAX_TRACKER_LISTS];
static size_t		 nlists;

static bool
list_same(const struct torrent_trackers *l, char *const *urls,
    const uint8_t *tiers, size_t n)
{
	size_t	i;

	if (l->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (l->tiers[i] != tiers[i] || strcmp(l->urls[i], urls[i]) != 0)
			return false;
	return true;
}

static void
list_free(struct torrent_trackers *l)
{
	size_t	i;

	for (i = 0; l != NULL && i < l->n; i++)
		free(l->urls[i]);
	if (l != NULL) {
		free(l->urls);
		free(l->tiers);
	}
	free(l);
}

/* The shared list with these URLs and tiers; NULL when none or no room. */
static const struct torrent_trackers *
list_intern(char *const *urls, const uint8_t *tiers, size_t n)
{
	struct torrent_trackers	*l;
	size_t			 i;

	if (n == 0)
		return NULL;
	for (i = 0; i < nlists; i++)
		if (list_same(lists[i], urls, tiers, n))
			return lists[i];
	if (nlists == MAX_TRACKER_LISTS ||
	    (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->urls = calloc(n, sizeof(char *))) == NULL ||
	    (l->tiers = malloc(n)) == NULL) {
		list_free(l);
		return NULL;
	}
	for (; l->n < n; l->n++) {
		if ((l->urls[l->n] = strdup(urls[l->n])) == NULL) {
			list_free(l);
			return NULL;
		}
		l->tiers[l->n] = tiers[l->n];
	}
	lists[nlists++] = l;
	return l;
}

/* The torrent's announce-list as a shared list. */
static const struct torrent_trackers *
list_of(const struct metainfo *mi)
{
	char	*urls[MAX_TRACKERS];
	uint8_t	 tiers[MAX_TRACKERS];
	size_t	 n = 0, i, j;

	for (i = 0; i < mi->ntiers && i < 255; i++)
		for (j = 0; j < mi->tiers[i].nurls && n < MAX_TRACKERS; j++) {
			urls[n] = mi->tiers[i].urls[j];
			tiers[n++] = (uint8_t)i;
		}
	return list_intern(urls, tiers, n);
}

/*
 * The host trackers of a torrent are kept beside it, one URL a line in
 * <sha256>.hosts, so a seed is announced near its metadata after a
 * restart too.
 */
static void
hosts_path(const uint8_t *sha256, char *path, size_t len)
{
	char	hex[2 * SHA256_LEN + 1];

	hex_encode(sha256, SHA256_LEN, hex);
	snprintf(path, len, "%s/%s.hosts", dir, hex);
}

static void
hosts_save(const uint8_t *sha256, char *const *urls, size_t n)
{
	char	path[PATH_MAX], buf[MAX_TRACKERS * (MI_MAX_URL + 1)];
	size_t	len = 0, i;
	int	rc;

	if (dir == NULL)
		return;
	hosts_path(sha256, path, sizeof(path));
	if (n == 0) {
		(void)unlink(path);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t	ul = strlen(urls[i]);

		if (len + ul + 1 > sizeof(buf))
			break;
		memcpy(buf + len, urls[i], ul);
		len += ul;
		buf[len++] = '\n';
	}
	if ((rc = atomicfile_write(path, buf, len, 0644)) != 0)
		log_warnx("torrents: %s: %s", path, strerror(-rc));
}

/* The saved host trackers of a torrent just loaded, if any. */
static void
hosts_load(struct torrent *t)
{
	char	path[PATH_MAX], buf[MAX_TRACKERS * (MI_MAX_URL + 1) + 1];
	char	*urls[MAX_TRACKERS], *p, *nl;
	uint8_t	tiers[MAX_TRACKERS] = { 0 };
	size_t	n = 0;
	ssize_t	got;
	int	fd;

	hosts_path(t->sha256, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return;
	buf[got] = '\0';
	for (p = buf; *p != '\0' && n < MAX_TRACKERS; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		/* Our own file, but a disk is outside input too. */
		if (metainfo_url_ok(p, strlen(p)))
			urls[n++] = p;
	}
	t->host_trackers = list_intern(urls, tiers, n);
}

int
torrents_set_host_trackers(const uint8_t sha256[SHA256_LEN],
    char *const *urls, size_t n)
{
	struct torrent			*t = shamap_get(&by_sha, sha256);
	const struct torrent_trackers	*l;
	uint8_t				 tiers[MAX_TRACKERS] = { 0 };

	if (t == NULL)
		return 0;
	if (n > MAX_TRACKERS)
		n = MAX_TRACKERS;
	l = list_intern(urls, tiers, n);
	if (n > 0 && l == NULL)
		return -ENOMEM;
	if (l != t->host_trackers)
		hosts_save(sha256, urls, n);
	t->host_trackers = l;
	return 0;
}

size_t
torrents_count(void)
{
	return shamap_count(&by_sha);
}

const struct torrent *
torrents_by_sha256(const uint8_t sha256[SHA256_LEN])
{
	return shamap_get(&by_sha, sha256);
}

const struct torrent *
torrents_by_key(const uint8_t key[SWARMKEY_LEN])
{
	return shamap_get(&by_key, key);
}

const struct torrent *
torrents_next(size_t *pos)
{
	const uint8_t	*k;
	void		*t;

	return shamap_next(&by_sha, pos, &k, &t) ? t : NULL;
}

void
torrents_foreach(void (*cb)(const struct torrent *, void *), void *arg)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*t;

	while (shamap_next(&by_sha, &pos, &k, &t))
		cb(t, arg);
}

/* Check that mi describes the file and fill t from it. */
static int
torrent_from(struct torrent *t, const uint8_t *sha256, uint64_t size,
    const struct metainfo *mi)
{
	memset(t, 0, sizeof(*t));
	if (mi->length != size || mi->piece_length !=
	    layout_piece_length(size) || mi->npieces != layout_npieces(size) ||
	    !mi->has_v1)
		return -EINVAL;
	memcpy(t->sha256, sha256, SHA256_LEN);
	t->size = size;
	t->npieces = mi->npieces;
	t->has_v1 = true;
	memcpy(t->ih1, mi->info_hash_v1, SWARMKEY_LEN);
	if (mi->has_v2) {
		t->has_v2 = true;
		memcpy(t->ih2, mi->info_hash_v2, SWARMKEY_LEN);
	}
	if ((t->pieces = malloc((size_t)mi->npieces * SHA1_LEN)) == NULL)
		return -ENOMEM;
	t->trackers = list_of(mi);
	t->info_off = (uint32_t)mi->info_off;
	t->info_len = (uint32_t)mi->info_len;
	memcpy(t->pieces, mi->pieces, (size_t)mi->npieces * SHA1_LEN);
	return 0;
}

/* Forget t (after a failed index_add) and free it, not its pieces. */
static void
index_drop(struct torrent *t)
{
	shamap_remove(&by_sha, t->sha256);
	if (shamap_get(&by_key, t->ih1) == t)
		shamap_remove(&by_key, t->ih1);
	if (t->has_v2 && shamap_get(&by_key, t->ih2) == t)
		shamap_remove(&by_key, t->ih2);
	free(t);
}

/* Index a copy of t (filled by torrent_from) under its keys; 0 or -ENOMEM. */
static int
index_add(const struct torrent *t)
{
	struct torrent	*n;

	if ((n = malloc(sizeof(*n))) == NULL)
		return -ENOMEM;
	*n = *t;
	if (shamap_put(&by_sha, n->sha256, n) != 0) {
		free(n);
		return -ENOMEM;
	}
	/* The first torrent known under an info-hash keeps it. */
	if ((shamap_get(&by_key, n->ih1) == NULL &&
	    shamap_put(&by_key, n->ih1, n) != 0) ||
	    (n->has_v2 && shamap_get(&by_key, n->ih2) == NULL &&
	    shamap_put(&by_key, n->ih2, n) != 0)) {
		index_drop(n);
		return -ENOMEM;
	}
	return 0;
}

static int
save(const uint8_t *sha256, const uint8_t *raw, size_t len)
{
	char	hex[2 * SHA256_LEN + 1], path[PATH_MAX];

	if (dir == NULL)
		return 0;
	hex_encode(sha256, SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/%s.torrent", dir, hex);
	return atomicfile_write(path, raw, len, 0644);
}

int
torrents_add(const uint8_t sha256[SHA256_LEN], uint64_t size,
    const uint8_t *raw, size_t len)
{
	struct metainfo	mi;
	struct torrent	t;
	int		rc;

	if (torrents_by_sha256(sha256) != NULL)
		return 0;
	if ((rc = metainfo_parse(&mi, raw, len)) != 0)
		return -EINVAL;
	rc = torrent_from(&t, sha256, size, &mi);
	metainfo_free(&mi);
	if (rc != 0)
		return rc;
	if ((rc = index_add(&t)) != 0) {
		free(t.pieces);
		return rc;
	}
	/* Losing the saved copy only costs seeding under it after a restart. */
	if ((rc = save(sha256, raw, len)) != 0)
		log_warnx("torrents: cannot save in %s: %s", dir,
		    strerror(-rc));
	return 0;
}

/*
 * A small file in the state folder, read on the loop like the rest of
 * this module's files; the hash check catches a file replaced under us.
 */
int
torrents_info(const struct torrent *t, uint8_t **out, size_t *len)
{
	char		 hex[2 * SHA256_LEN + 1], path[PATH_MAX];
	uint8_t		*buf, h[SHA1_LEN];
	ssize_t		 n;
	int		 fd;

	*out = NULL;
	*len = 0;
	if (dir == NULL || t->info_len == 0)
		return -ENOENT;
	hex_encode(t->sha256, SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/%s.torrent", dir, hex);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -ENOENT;
	if ((buf = malloc(t->info_len)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, buf, t->info_len, t->info_off);
	close(fd);
	if (n != (ssize_t)t->info_len) {
		free(buf);
		return -EIO;
	}
	sha1(buf, t->info_len, h);
	if (memcmp(h, t->ih1, SWARMKEY_LEN) != 0) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*len = t->info_len;
	return 0;
}

/* Read one saved torrent named <sha256hex>.torrent. */
static void
load_one(const char *name)
{
	char		 path[PATH_MAX];
	uint8_t		 sha[SHA256_LEN], *buf;
	struct stat	 st;
	struct metainfo	 mi;
	struct torrent	 t;
	ssize_t		 n;
	int		 fd;

	if (strlen(name) != 2 * SHA256_LEN + 8 ||
	    strcmp(name + 2 * SHA256_LEN, ".torrent") != 0 ||
	    !hex_decode(name, 2 * SHA256_LEN, sha, SHA256_LEN))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > TORRENT_MAX_FILE ||
	    (buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n == st.st_size && metainfo_parse(&mi, buf, (size_t)n) == 0) {
		if (shamap_get(&by_sha, sha) == NULL &&
		    torrent_from(&t, sha, mi.length, &mi) == 0) {
			hosts_load(&t);
			if (index_add(&t) != 0)
				free(t.pieces);
		}
		metainfo_free(&mi);
	} else
		log_warnx("torrents: %s: unreadable, ignored", path);
	free(buf);
}

int
torrents_init(const char *state_dir)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	int		 rc;

	if ((rc = shamap_init(&by_sha, SHA256_LEN)) < 0 ||
	    (rc = shamap_init(&by_key, SWARMKEY_LEN)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/torrents", state_dir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_warn("torrents: %s", path);
		return 0;	/* metadata mode just does not persist */
	}
	if ((dir = strdup(path)) == NULL)
		return -ENOMEM;
	atomicfile_sweep(dir);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		load_one(e->d_name);
	closedir(d);
	if (torrents_count() > 0)
		log_info("torrents: %zu known", torrents_count());
	return 0;
}

void
torrents_shutdown(void)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*t;

	while (shamap_next(&by_sha, &pos, &k, &t)) {
		free(((struct torrent *)t)->pieces);
		free(t);
	}
	shamap_free(&by_sha);
	shamap_free(&by_key);
	free(dir);
	dir = NULL;
	while (nlists > 0)
		list_free(lists[--nlists]);
}
