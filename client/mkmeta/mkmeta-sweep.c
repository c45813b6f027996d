/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-sweep.c - torrents of files that left the archive.
 *
 * Runs after every manifest is in place, so no published manifest ever
 * points at a torrent that is gone: a client reading the old manifest
 * mid-run still finds all of its torrents.  Only names of our own form
 * (XX/HEX64.torrent) are touched.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "client/mkmeta/mkmeta.h"

/* The SHA-256 a torrent's name stands for, when it is one of ours. */
static bool
torrent_sha(const char *xx, const char *name, uint8_t sha[SHA256_LEN])
{
	size_t	len = strlen(name);

	return len == 2 * SHA256_LEN + 8 &&
	    strcmp(name + 2 * SHA256_LEN, ".torrent") == 0 &&
	    name[0] == xx[0] && name[1] == xx[1] &&
	    hex_decode(name, 2 * SHA256_LEN, sha, SHA256_LEN);
}

static bool
xx_name(const char *s)
{
	return strlen(s) == 2 && hex_digit(s[0]) >= 0 && hex_digit(s[1]) >= 0;
}

/* Call fn on each XX directory under OUT/aptbt/torrents. */
static int
each_dir(const struct gen_opts *o, long (*fn)(const struct gen_opts *,
    const char *, const char *, const struct mm_set *),
    const struct mm_set *keep, long *total)
{
	const char	*out = o->outroot != NULL ? o->outroot : o->root;
	struct dirent	*d;
	DIR		*top;
	char		*base, *dir;
	long		 n;

	if (asprintf(&base, "%s/aptbt/torrents", out) == -1)
		return -ENOMEM;
	if ((top = opendir(base)) == NULL) {
		free(base);
		return errno == ENOENT ? 0 : -errno;
	}
	while ((d = readdir(top)) != NULL) {
		if (!xx_name(d->d_name))
			continue;
		if (asprintf(&dir, "%s/%s", base, d->d_name) == -1)
			break;
		if ((n = fn(o, dir, d->d_name, keep)) > 0)
			*total += n;
		free(dir);
	}
	closedir(top);
	free(base);
	return 0;
}

static long
sweep_dir(const struct gen_opts *o, const char *dir, const char *xx,
    const struct mm_set *keep)
{
	uint8_t		 sha[SHA256_LEN];
	struct dirent	*d;
	DIR		*dp;
	long		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		if (!torrent_sha(xx, d->d_name, sha) ||
		    mm_set_find(keep, sha) != NULL)
			continue;
		if (o->dry_run)
			printf("drop %s/%s\n", dir, d->d_name);
		else if (unlinkat(dirfd(dp), d->d_name, 0) == -1) {
			fprintf(stderr, "aptbt-mkmeta: %s/%s: %s\n", dir,
			    d->d_name, strerror(errno));
			continue;
		} else if (o->verbose)
			fprintf(stderr, "aptbt-mkmeta: dropped %s/%s\n", dir,
			    d->d_name);
		n++;
	}
	closedir(dp);
	return n;
}

long
mkmeta_sweep(const struct gen_opts *o, const struct mm_set *keep)
{
	long	total = 0;

	if (each_dir(o, sweep_dir, keep, &total) != 0)
		return -1;
	return total;
}

static long
temporaries_dir(const struct gen_opts *o, const char *dir, const char *xx,
    const struct mm_set *keep)
{
	(void)o;
	(void)xx;
	(void)keep;
	return atomicfile_sweep(dir);
}

void
mkmeta_sweep_temporaries(const struct gen_opts *o)
{
	long	total = 0;

	(void)each_dir(o, temporaries_dir, NULL, &total);
	if (total > 0)
		fprintf(stderr, "aptbt-mkmeta: removed %ld temporary files an "
		    "interrupted run left\n", total);
}
