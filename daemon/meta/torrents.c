/*
 * torrents.c - known torrents, by file hash and by info-hash.
 *
 * Few enough to keep in a flat array: a site caches thousands of files,
 * and a lookup happens once per connection or download, not per message.
 * Saved files are written with atomicfile like every other state.
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
#include "daemon/meta/torrents.h"

#define TORRENT_MAX_FILE	(4 * 1024 * 1024)

static struct torrent	*list;
static size_t		 count, cap;
static char		*dir;

size_t
torrents_count(void)
{
	return count;
}

const struct torrent *
torrents_by_sha256(const uint8_t sha256[SHA256_LEN])
{
	size_t	i;

	for (i = 0; i < count; i++)
		if (memcmp(list[i].sha256, sha256, SHA256_LEN) == 0)
			return &list[i];
	return NULL;
}

const struct torrent *
torrents_by_key(const uint8_t key[SWARMKEY_LEN])
{
	size_t	i;

	for (i = 0; i < count; i++)
		if ((list[i].has_v1 &&
		    memcmp(list[i].ih1, key, SWARMKEY_LEN) == 0) ||
		    (list[i].has_v2 &&
		    memcmp(list[i].ih2, key, SWARMKEY_LEN) == 0))
			return &list[i];
	return NULL;
}

void
torrents_foreach(void (*cb)(const struct torrent *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < count; i++)
		cb(&list[i], arg);
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
	memcpy(t->pieces, mi->pieces, (size_t)mi->npieces * SHA1_LEN);
	return 0;
}

static int
list_add(struct torrent *t)
{
	struct torrent	*n;
	size_t		 ncap;

	if (count == cap) {
		ncap = cap ? cap * 2 : 64;
		if ((n = reallocarray(list, ncap, sizeof(*n))) == NULL)
			return -ENOMEM;
		list = n;
		cap = ncap;
	}
	list[count++] = *t;
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
	if ((rc = list_add(&t)) != 0) {
		free(t.pieces);
		return rc;
	}
	/* Losing the saved copy only costs seeding under it after a restart. */
	if ((rc = save(sha256, raw, len)) != 0)
		log_warnx("torrents: cannot save in %s: %s", dir,
		    strerror(-rc));
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
		if (torrent_from(&t, sha, mi.length, &mi) == 0 &&
		    list_add(&t) != 0)
			free(t.pieces);
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
	if (count > 0)
		log_info("torrents: %zu known", count);
	return 0;
}

void
torrents_shutdown(void)
{
	size_t	i;

	for (i = 0; i < count; i++)
		free(list[i].pieces);
	free(list);
	list = NULL;
	count = cap = 0;
	free(dir);
	dir = NULL;
}
