/* SPDX-License-Identifier: ISC */
/*
 * names.c - pool file names of cached files, as symbolic links (names.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/debver.h"
#include "common/hash.h"
#include "daemon/base/names.h"

#define NAME_LEN	200		/* longest name kept */
#define SCAN_MAX	64		/* names of one package looked at */

/* A name apt may ask for: letters, digits, "+-.~_%", no leading dot. */
static bool
plain(const char *s, size_t max)
{
	size_t	n = strlen(s);

	if (n == 0 || n > max || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+-.~_%") == n;
}

bool
names_dir(const char *cache_dir, const char *pkg, char *out, size_t outlen)
{
	int	n;

	if (!plain(pkg, NAME_LEN) || strchr(pkg, '_') != NULL)
		return false;
	n = snprintf(out, outlen, "%s/%s/%s", cache_dir, NAMES_DIR, pkg);
	return n > 0 && (size_t)n < outlen;
}

/* The file name of a URL's path, into out; false if none or too long. */
static bool
url_file(const char *url, char *out, size_t outlen)
{
	const char	*end = url + strcspn(url, "?#"), *s = end;

	while (s > url && s[-1] != '/')
		s--;
	if (s == end || (size_t)(end - s) >= outlen)
		return false;
	memcpy(out, s, (size_t)(end - s));
	out[end - s] = '\0';
	return true;
}

struct kept {
	char	file[NAME_LEN + 1];
	char	ver[NAME_LEN + 1];
};

static int
kept_cmp(const void *a, const void *b)
{
	const struct kept	*x = a, *y = b;

	return debver_cmp(y->ver, x->ver);	/* newest first */
}

/*
 * Drop the names of this package and kind whose file left the cache,
 * and all but the newest NAMES_PER_PACKAGE.
 */
static void
prune(const char *dir, const char *ext)
{
	char		 name[NAME_LEN + 1], ver[NAME_LEN + 1],
			 cext[NAME_LEN + 1], path[PATH_MAX];
	struct kept	 k[SCAN_MAX];
	struct dirent	*e;
	struct stat	 st;
	size_t		 n = 0, i;
	DIR		*dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (!plain(e->d_name, NAME_LEN) ||
		    !debver_split(e->d_name, name, sizeof(name), ver,
		    sizeof(ver), cext, sizeof(cext)) || strcmp(cext, ext) != 0)
			continue;
		if (fstatat(dirfd(dp), e->d_name, &st, 0) == -1) {
			if (errno == ENOENT)
				unlinkat(dirfd(dp), e->d_name, 0);
			continue;
		}
		if (n == SCAN_MAX) {
			unlinkat(dirfd(dp), e->d_name, 0);
			continue;
		}
		memcpy(k[n].file, e->d_name, strlen(e->d_name) + 1);
		memcpy(k[n++].ver, ver, sizeof(ver));
	}
	if (n > NAMES_PER_PACKAGE) {
		qsort(k, n, sizeof(k[0]), kept_cmp);
		for (i = NAMES_PER_PACKAGE; i < n; i++)
			if (snprintf(path, sizeof(path), "%s/%s", dir,
			    k[i].file) < (int)sizeof(path))
				unlink(path);
	}
	closedir(dp);
}

int
names_add(const char *cache_dir, const char *url,
    const uint8_t sha256[SHA256_LEN])
{
	char	file[NAME_LEN + 1], name[NAME_LEN + 1], ver[NAME_LEN + 1],
		ext[NAME_LEN + 1], dir[PATH_MAX], path[PATH_MAX],
		tmp[PATH_MAX], target[2 * SHA256_LEN + 32],
		hex[2 * SHA256_LEN + 1];
	int	n;

	if (!url_file(url, file, sizeof(file)) || !plain(file, NAME_LEN) ||
	    !debver_split(file, name, sizeof(name), ver, sizeof(ver), ext,
	    sizeof(ext)) || !names_dir(cache_dir, name, dir, sizeof(dir)))
		return -EINVAL;
	hex_encode(sha256, SHA256_LEN, hex);
	snprintf(target, sizeof(target), "../../sha256/%.2s/%s", hex, hex);
	n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* Two workers may name files of one package at once. */
	n = snprintf(tmp, sizeof(tmp), "%s/.new-%lx-%s", dir,
	    (unsigned long)pthread_self(), file);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (snprintf(path, sizeof(path), "%s/%s", cache_dir, NAMES_DIR) > 0 &&
	    mkdir(path, 0755) == -1 && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -errno;
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	unlink(tmp);
	if (symlink(target, tmp) == -1)
		return -errno;
	if (rename(tmp, path) == -1) {
		n = -errno;
		unlink(tmp);
		return n;
	}
	prune(dir, ext);
	return 0;
}
