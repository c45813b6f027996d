/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-blocks.c - the block sums of files (doc/blocks.md).
 *
 * Uncompressed data gains most from them (a new Packages finds 97% of
 * itself in the old one): the plain indices a suite publishes and pool
 * files whose name says they are not compressed get lists of 512-byte
 * blocks.  A new .deb finds 0-16% of itself in the old .deb: package
 * files get compact lists (2 KiB blocks, narrow sums), which cost less
 * than zsync's control file.  Other compressed files get none; nor does
 * anything under BLOCKS_MIN_FILE bytes (blocks_shape_for, the rule
 * aptbtd follows in asking for them).  Lists are named by content like
 * torrents (aptbt/blocks/XX/SHA256HEX.blocks); one of the size the
 * encoder would write is taken as written, so a rerun reads nothing.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/blocks.h"
#include "client/mkmeta/mkmeta.h"

bool
mkmeta_wants_blocks(const char *filename, uint64_t size)
{
	return blocks_wanted(filename, size);
}

size_t
mkmeta_blocks_len(const char *filename, uint64_t size)
{
	struct blocks_shape	sh;

	if (!blocks_shape_for(filename, size, &sh))
		return 0;
	return blocks_encoded_len_shape(size, &sh);
}

/* OUT/aptbt/blocks/XX into *dir and the list's base name into name. */
static int
blocks_dir(const struct gen_opts *o, const uint8_t sha[SHA256_LEN],
    char **dir, char name[BLOCKS_NAME_LEN + 1])
{
	const char	*out = o->outroot != NULL ? o->outroot : o->root;

	blocks_name(sha, name);
	if (asprintf(dir, "%s/aptbt/" BLOCKS_DIR "/%.2s", out, name) == -1) {
		*dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

bool
mkmeta_blocks_present(const struct gen_opts *o, const uint8_t sha[SHA256_LEN],
    uint64_t size, const char *filename)
{
	struct stat	 st;
	char		 name[BLOCKS_NAME_LEN + 1], *dir, *path;
	bool		 ok = false;

	if (blocks_dir(o, sha, &dir, name) != 0)
		return false;
	if (asprintf(&path, "%s/%s", dir, name + 3) != -1) {
		ok = stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (uint64_t)st.st_size == mkmeta_blocks_len(filename, size);
		free(path);
	}
	free(dir);
	return ok;
}

int
mkmeta_blocks_publish(const struct gen_opts *o, const uint8_t sha[SHA256_LEN],
    const struct bytebuf *list)
{
	char	 name[BLOCKS_NAME_LEN + 1], *dir, *written = NULL;
	int	 r;

	if (o->dry_run)
		return 0;
	if ((r = blocks_dir(o, sha, &dir, name)) != 0 ||
	    (r = mkmeta_mkdirs(dir)) != 0 ||
	    (r = mkmeta_write_atomic(dir, name + 3, list, &written)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s/%s: %s\n",
		    dir != NULL ? dir : "aptbt/" BLOCKS_DIR, name + 3,
		    strerror(-r));
		free(dir);
		return -1;
	}
	free(written);
	free(dir);
	return 0;
}

int
mkmeta_index_blocks(const struct gen_opts *o, const uint8_t sha[SHA256_LEN],
    const char *path, const uint8_t *data, size_t len)
{
	struct bytebuf	list = BYTEBUF_INIT;
	int		r, rv = -1;

	struct blocks_shape sh;

	if (o->dry_run || !blocks_shape_for(path, len, &sh) ||
	    mkmeta_blocks_present(o, sha, len, path))
		return 0;
	if ((r = blocks_encode_shape(data, len, &sh, &list)) != 0)
		fprintf(stderr, "aptbt-mkmeta: %s: block sums: %s\n", path,
		    blocks_strerror(r));
	else
		rv = mkmeta_blocks_publish(o, sha, &list);
	bytebuf_free(&list);
	return rv;
}
