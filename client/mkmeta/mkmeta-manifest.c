/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-manifest.c - a suite's manifest, the last thing a run writes.
 *
 * The manifest is what points clients at torrents, so it is written only
 * once every torrent it lists is in place, and only when its bytes
 * change: a mirror's copy (and the Last-Modified that clients revalidate
 * against) changes only with the archive.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/mkmeta/mkmeta.h"

/* "../" for each directory between the manifest and the archive's top. */
static char *
torrents_location(const char *suite)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	const char	*s;
	size_t		 ups = 3;	/* aptbt/, SUITE/, dists/ */

	for (s = suite; *s != '\0'; s++)
		if (*s == '/')
			ups++;
	while (ups-- > 0)
		bytebuf_puts(&b, "../");
	bytebuf_puts(&b, "aptbt/torrents/");
	bytebuf_putc(&b, '\0');
	if (bytebuf_failed(&b)) {
		bytebuf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

int
mkmeta_manifest(const struct gen_opts *o, const char *suite,
    const struct mm_set *files, const struct mm_set *global, size_t *len)
{
	struct manifest_build	 b;
	struct manifest_entry	*e = NULL;
	struct bytebuf		 buf = BYTEBUF_INIT;
	const struct mm_file	*g;
	const char		*out = o->outroot != NULL ? o->outroot : o->root;
	char			*dir = NULL, *path = NULL, *written = NULL;
	char			*loc;
	size_t			 i, n = 0, pending = 0;
	int			 r, rv = -1;

	*len = 0;
	if ((loc = torrents_location(suite)) == NULL ||
	    (e = calloc(files->n + 1, sizeof(*e))) == NULL)
		goto out;
	for (i = 0; i < files->n; i++) {
		g = mm_set_find(global, files->v[i].sha);
		if (g != NULL && g->state == MM_WOULD_HASH)
			pending++;
		else if (g != NULL && g->state != MM_FAILED)
			e[n++] = g->e;
	}
	memset(&b, 0, sizeof(b));
	b.form = o->form;
	b.torrents = loc;
	b.trackers = (const char *const *)o->mtrackers;
	b.ntrackers = o->nmtrackers;
	b.entries = e;
	b.nentries = n;
	if ((r = manifest_encode(&b, &buf)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: cannot encode the manifest of "
		    "%s: %s\n", suite, strerror(-r));
		goto out;
	}
	*len = buf.len;
	if (asprintf(&dir, "%s/dists/%s/aptbt", out, suite) == -1 ||
	    asprintf(&path, "%s/manifest", dir) == -1)
		goto out;
	if (pending == 0 && mkmeta_same_content(path, &buf)) {
		fprintf(stderr, "aptbt-mkmeta: %s unchanged (%zu files, %zu "
		    "bytes)\n", path, n, buf.len);
		rv = 0;
		goto out;
	}
	if (o->dry_run) {
		printf("manifest %s\n", path);
		rv = 0;
		goto out;
	}
	if ((r = mkmeta_mkdirs(dir)) != 0 ||
	    (r = mkmeta_write_atomic(dir, "manifest", &buf, &written)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", path, strerror(-r));
		goto out;
	}
	fprintf(stderr, "aptbt-mkmeta: wrote %s (%zu files, %zu bytes)\n",
	    written, n, buf.len);
	rv = 0;
out:
	bytebuf_free(&buf);
	free(written);
	free(path);
	free(dir);
	free(loc);
	free(e);
	return rv;
}
