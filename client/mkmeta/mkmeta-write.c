/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-write.c - publishing files atomically, and reading small ones.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "client/mkmeta/mkmeta.h"

int
mkmeta_write_atomic(const char *dir, const char *base,
    const struct bytebuf *buf, char **outpath)
{
	char	*path;
	mode_t	 um;
	int	 rc;

	if (asprintf(&path, "%s/%s", dir, base) == -1)
		return -ENOMEM;
	mkmeta_state_drop();
	/* Published files: readable by all, as the umask allows. */
	um = umask(0);
	umask(um);
	if ((rc = atomicfile_write(path, buf->data, buf->len,
	    0666 & ~um)) < 0) {
		free(path);
		return rc;
	}
	*outpath = path;
	return 0;
}

int
mkmeta_mkdirs(const char *path)
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

int
mkmeta_read_file(const char *path, size_t max, struct bytebuf *out)
{
	struct stat	st;
	ssize_t		n;
	int		fd, rv = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, &st) == -1)
		rv = -errno;
	else if (!S_ISREG(st.st_mode))
		rv = -EINVAL;
	else if ((uint64_t)st.st_size > max)
		rv = -EFBIG;
	else if (!bytebuf_reserve(out, (size_t)st.st_size + 1))
		rv = -ENOMEM;
	/* Read to the end: the size may have changed since fstat. */
	while (rv == 0) {
		if (out->cap - out->len < 65536 &&
		    !bytebuf_reserve(out, 65536)) {
			rv = -ENOMEM;
			break;
		}
		n = read(fd, out->data + out->len, out->cap - out->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			rv = -errno;
		else if (n == 0)
			break;
		else if ((out->len += (size_t)n) > max)
			rv = -EFBIG;
	}
	close(fd);
	return rv;
}

bool
mkmeta_same_content(const char *path, const struct bytebuf *want)
{
	struct bytebuf	have = BYTEBUF_INIT;
	bool		same;

	same = mkmeta_read_file(path, want->len, &have) == 0 &&
	    have.len == want->len &&
	    memcmp(have.data, want->data, want->len) == 0;
	bytebuf_free(&have);
	return same;
}
