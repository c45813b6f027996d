/* SPDX-License-Identifier: ISC */
/*
 * atomicfile.c - temporary file, fsync, rename, fsync of the directory.
 *
 * The temporary sits in the target's directory because rename is atomic
 * only within one file system.  The directory is opened first so that a
 * missing or unusable directory fails before anything is created.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"

#define TMP_SUFFIX	".tmp.XXXXXX"
#define TMP_SUFFIX_LEN	(sizeof(TMP_SUFFIX) - 1)
#define TMP_RANDOM_LEN	6	/* the X's mkostemp replaces */
/* What of the target's name fits in a temporary's name (NAME_MAX). */
#define TMP_BASE_MAX	(NAME_MAX - 1 - TMP_SUFFIX_LEN)

/* Open path's directory; *base is set to where its last component starts. */
static int
open_dir_of(const char *path, size_t *base)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	size_t		 len;
	int		 fd;

	if ((slash = strrchr(path, '/')) == NULL) {
		*base = 0;
		snprintf(dir, sizeof(dir), ".");
	} else {
		*base = (size_t)(slash - path) + 1;
		/* "/name" lives in "/", "a/name" in "a". */
		len = slash == path ? 1 : (size_t)(slash - path);
		if (len >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	if (path[*base] == '\0')
		return -EISDIR;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	return fd;
}

int
atomicfile_open(struct atomicfile *af, const char *path, mode_t mode)
{
	size_t	base, blen;
	int	n, rc;

	af->fd = af->dfd = -1;
	n = snprintf(af->path, sizeof(af->path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(af->path))
		return -ENAMETOOLONG;
	if ((af->dfd = open_dir_of(path, &base)) < 0)
		return af->dfd;
	blen = strlen(path + base);
	if (blen > TMP_BASE_MAX)
		blen = TMP_BASE_MAX;
	n = snprintf(af->tmp, sizeof(af->tmp), "%.*s.%.*s%s", (int)base,
	    path, (int)blen, path + base, TMP_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof(af->tmp)) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	if ((af->fd = mkostemp(af->tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		goto fail;
	}
	if (fchmod(af->fd, mode) == -1) {
		rc = -errno;
		unlink(af->tmp);
		close(af->fd);
		goto fail;
	}
	return 0;
fail:
	close(af->dfd);
	af->fd = af->dfd = -1;
	return rc;
}

int
atomicfile_put(struct atomicfile *af, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(af->fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The last step: the rename is durable once the directory is. */
static int
sync_dir(int dfd)
{
	int	rc;

	rc = fsync(dfd) == -1 ? -errno : 0;
	close(dfd);
	return rc;
}

int
atomicfile_commit(struct atomicfile *af)
{
	int	rc;

	rc = fsync(af->fd) == -1 ? -errno : 0;
	/* Some file systems report a failed write-back only here. */
	if (close(af->fd) == -1 && rc == 0)
		rc = -errno;
	af->fd = -1;
	if (rc == 0 && rename(af->tmp, af->path) == -1)
		rc = -errno;
	if (rc < 0) {
		unlink(af->tmp);
		close(af->dfd);
	} else
		rc = sync_dir(af->dfd);
	af->dfd = -1;
	return rc;
}

void
atomicfile_abort(struct atomicfile *af)
{
	if (af->fd != -1) {
		unlink(af->tmp);
		close(af->fd);
	}
	if (af->dfd != -1)
		close(af->dfd);
	af->fd = af->dfd = -1;
}

int
atomicfile_write(const char *path, const void *data, size_t len, mode_t mode)
{
	struct atomicfile	af;
	int			rc;

	if ((rc = atomicfile_open(&af, path, mode)) < 0)
		return rc;
	if ((rc = atomicfile_put(&af, data, len)) < 0) {
		atomicfile_abort(&af);
		return rc;
	}
	return atomicfile_commit(&af);
}

int
atomicfile_rename(int fd, const char *from, const char *to)
{
	size_t	base;
	int	dfd, rc;

	if ((dfd = open_dir_of(to, &base)) < 0)
		return dfd;
	if (fsync(fd) == -1 || rename(from, to) == -1) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	return sync_dir(dfd);
}

static bool
is_temp(const char *name)
{
	size_t	n = strlen(name), i;

	/* ".", at least one character of the target's name, the suffix. */
	if (name[0] != '.' || n < 2 + TMP_SUFFIX_LEN ||
	    strncmp(name + n - TMP_SUFFIX_LEN, TMP_SUFFIX,
	    TMP_SUFFIX_LEN - TMP_RANDOM_LEN) != 0)
		return false;
	for (i = n - TMP_RANDOM_LEN; i < n; i++)
		if (!isalnum((unsigned char)name[i]))
			return false;
	return true;
}

int
atomicfile_sweep(const char *dir)
{
	struct dirent	*e;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL)
		if (is_temp(e->d_name) && unlinkat(dirfd(d), e->d_name, 0) == 0)
			n++;
	closedir(d);
	return n;
}
