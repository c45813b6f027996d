/* SPDX-License-Identifier: ISC */
/*
 * mkmeta.h - aptbt-mkmeta's parts: writing files, and the archive mode.
 */
#ifndef APTBT_MKMETA_H
#define APTBT_MKMETA_H

#include <stdbool.h>
#include <stddef.h>

#include "common/bytebuf.h"
#include "common/metainfo.h"

/*
 * Publish buf as dir/base with atomicfile, readable as the umask allows;
 * *outpath gets the malloc'ed path.  0 or a negative errno.
 */
int	mkmeta_write_atomic(const char *dir, const char *base,
	    const struct bytebuf *buf, char **outpath);

struct archive_opts {
	const char		*root;		/* the mirror's top */
	const char		*suite;		/* under dists/ */
	const char		*outroot;	/* where to write; root if NULL */
	enum mi_form		 form;
	const char		*webseed_base;	/* the mirror's top URL, or NULL */
	const struct mi_tier	*tiers;		/* written into the torrents */
	size_t			 ntiers;
	char *const		*mtrackers;	/* written into the manifest */
	size_t			 nmtrackers;
	bool			 progress;
};

/*
 * Torrents for every file the suite's Packages files list, then the
 * suite's manifest.  Returns 0 when everything was written, 1 when some
 * files failed (the manifest lists the others), 2 when nothing could be
 * done.
 */
int	mkmeta_archive(const struct archive_opts *);

#endif
