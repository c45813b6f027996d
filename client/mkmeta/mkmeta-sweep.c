/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-sweep.c - torrents and block lists of files that left the archive.
 *
 * Runs after every manifest is in place, so no published manifest ever
 * points at a torrent that is gone: a client reading the old manifest
 * mid-run still finds all of its torrents.  Only names of our own form
 * (XX/HEX64.torrent, XX/HEX64.blocks) are touched.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/blocks.h"
#include "client/mkmeta/mkmeta.h"

/* The directories swept, and the suffix of the names of ours in them. */
static const struct {
	const char	*dir;
	const char	*suffix;
} kinds[] = {
	{ "torrents", ".torrent" },
	{ BLOCKS_DIR, ".blocks" },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

struct keep {
	const struct mm_set	*keep, *also;
	const char		*suffix;
};

/* The SHA-256 a file's name stands for, when it is one of ours. */
static bool
name_sha(const char *xx, const char *name, const char *suffix,
    uint8_t sha[SHA256_LEN])
{
	size_t	len = strlen(name);

	return len == 2 * SHA256_LEN + strlen(suffix) &&
	    strcmp(name + 2 * SHA256_LEN, suffix) == 0 &&
	    name[0] == xx[0] && name[1] == xx[1] &&
	    hex_decode(name, 2 * SHA256_LEN, sha, SHA256_LEN);
}

static bool
xx_name(const char *s)
{
	return strlen(s) == 2 && hex_digit(s[0]) >= 0 && hex_digit(s[1]) >= 0;
}

/* Call fn on each XX directory under OUT/aptbt/KIND. */
static int
each_dir(const struct gen_opts *o, const char *kind,
    long (*fn)(const struct gen_opts *, const char *, const char *,
    const struct keep *), const struct keep *keep, long *total)
{
	const char	*out = o->outroot != NULL ? o->outroot : o->root;
	struct dirent	*d;
	DIR		*top;
	char		*base, *dir;
	long		 n;

	if (asprintf(&base, "%s/aptbt/%s", out, kind) == -1)
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
    const struct keep *k)
{
	uint8_t		 sha[SHA256_LEN];
	struct dirent	*d;
	DIR		*dp;
	long		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		if (!name_sha(xx, d->d_name, k->suffix, sha) ||
		    mm_set_find(k->keep, sha) != NULL ||
		    (k->also != NULL && mm_set_find(k->also, sha) != NULL))
			continue;
		if (o->dry_run)
			printf("drop %s/%s\n", dir, d->d_name);
		else if (mkmeta_state_drop(),
		    unlinkat(dirfd(dp), d->d_name, 0) == -1) {
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
mkmeta_sweep(const struct gen_opts *o, const struct mm_set *keep,
    const struct mm_set *also)
{
	struct keep	k = { keep, also, NULL };
	long		total = 0;
	size_t		i;

	for (i = 0; i < NKINDS; i++) {
		k.suffix = kinds[i].suffix;
		if (each_dir(o, kinds[i].dir, sweep_dir, &k, &total) != 0)
			return -1;
	}
	return total;
}

static long
temporaries_dir(const struct gen_opts *o, const char *dir, const char *xx,
    const struct keep *keep)
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
	size_t	i;

	for (i = 0; i < NKINDS; i++)
		(void)each_dir(o, kinds[i].dir, temporaries_dir, NULL, &total);
	if (total > 0)
		fprintf(stderr, "aptbt-mkmeta: removed %ld temporary files an "
		    "interrupted run left\n", total);
}
