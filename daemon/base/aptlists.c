/* SPDX-License-Identifier: ISC */
/*
 * aptlists.c - the "SHA256:" fields of apt's verified Packages indexes,
 * kept as a sorted array: one import looks up each of its files once.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/aptlists.h"

#define SUFFIX		"_Packages"

struct aptlists {
	uint8_t		*h;		/* n SHA-256s, sorted */
	size_t		 n, cap;
	unsigned	 files, skipped;
};

bool
aptlists_source_matches(const char *name, const char *machine)
{
	const char	*m = strstr(machine, "://");
	size_t		 i;

	m = m != NULL ? m + 3 : machine;
	for (i = 0; m[i] != '\0'; i++) {
		if (name[i] == '\0')
			return false;
		if (name[i] != (m[i] == '/' ? '_' : m[i]))
			return false;
	}
	/* A whole component: "host" is not "hostile", but is "host:81". */
	return i > 0 && (m[i - 1] == '/' || name[i] == '_' || name[i] == ':');
}

static int
add(struct aptlists *l, const uint8_t *h)
{
	uint8_t	*n;

	if (l->n == l->cap) {
		size_t	cap = l->cap ? l->cap * 2 : 1024;

		if ((n = reallocarray(l->h, cap, SHA256_LEN)) == NULL)
			return -ENOMEM;
		l->h = n;
		l->cap = cap;
	}
	memcpy(l->h + l->n * SHA256_LEN, h, SHA256_LEN);
	l->n++;
	return 0;
}

/* Every "SHA256: <hex>" field of one Packages file. */
static int
read_index(struct aptlists *l, const char *path)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	uint8_t	 h[SHA256_LEN];
	int	 rc = 0;

	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	while (rc == 0 && (n = getline(&line, &cap, f)) != -1) {
		if (n < 8 + 2 * SHA256_LEN || strncmp(line, "SHA256: ", 8) != 0)
			continue;
		if (hex_decode(line + 8, 2 * SHA256_LEN, h, SHA256_LEN))
			rc = add(l, h);
	}
	free(line);
	fclose(f);
	return rc;
}

static int
cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, SHA256_LEN);
}

struct aptlists *
aptlists_load(const char *dir, char *const *private, size_t nprivate,
    int *err)
{
	struct aptlists	*l;
	struct dirent	*d;
	DIR		*dp;
	char		 path[PATH_MAX];
	size_t		 len, i;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((dp = opendir(dir)) == NULL) {
		*err = -errno;
		free(l);
		return NULL;
	}
	while ((d = readdir(dp)) != NULL) {
		len = strlen(d->d_name);
		if (d->d_name[0] == '.' || len <= strlen(SUFFIX) ||
		    strcmp(d->d_name + len - strlen(SUFFIX), SUFFIX) != 0)
			continue;
		for (i = 0; i < nprivate; i++)
			if (aptlists_source_matches(d->d_name, private[i]))
				break;
		if (i < nprivate) {
			l->skipped++;
			continue;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    d->d_name) >= sizeof(path) || read_index(l, path) != 0)
			continue;
		l->files++;
	}
	closedir(dp);
	if (l->n > 0)
		qsort(l->h, l->n, SHA256_LEN, cmp_hash);
	return l;
}

bool
aptlists_has(const struct aptlists *l, const uint8_t sha256[SHA256_LEN])
{
	return l != NULL && l->n > 0 &&
	    bsearch(sha256, l->h, l->n, SHA256_LEN, cmp_hash) != NULL;
}

size_t
aptlists_count(const struct aptlists *l)
{
	return l->n;
}

unsigned
aptlists_files(const struct aptlists *l, unsigned *skipped)
{
	*skipped = l->skipped;
	return l->files;
}

void
aptlists_free(struct aptlists *l)
{
	if (l == NULL)
		return;
	free(l->h);
	free(l);
}
