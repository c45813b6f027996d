/* SPDX-License-Identifier: ISC */
/*
 * metadata.h - finding a file's torrent through its suite's manifest.
 *
 * apt names the suite of every file it asks for (Target-Base-URI, e.g.
 * http://mirror/debian/dists/bookworm/).  The first lookup under a suite
 * fetches BASE/aptbt/manifest once through the webseed engine; later
 * lookups are answered from memory.  Manifests are kept on disk under
 * state_dir/manifests and revalidated with If-Modified-Since after a
 * restart or once they are older than the freshness time.  A suite
 * without a manifest (404, or one we cannot read) is remembered as a miss,
 * so a mirror that publishes no metadata sees one request per suite and
 * miss time, never one per package.
 */
#ifndef APTBTD_METADATA_H
#define APTBTD_METADATA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/hash.h"
#include "common/manifest.h"

struct event_base;

/* Everything below is valid only during the callback. */
struct md_answer {
	const struct manifest_entry *entry;
	enum mi_form	 form;
	const char	*manifest_url;
	const char	*torrent_url;	/* absolute */
	/* Absolute tracker URLs: those on the manifest's host first. */
	char *const	*trackers;
	size_t		 ntrackers;
};

/* answer is NULL when the suite publishes no metadata for the file. */
typedef void	(*metadata_cb)(void *arg, const struct md_answer *answer);

struct md_times {
	time_t	fresh;		/* a manifest is used this long unchecked */
	time_t	miss;		/* a 404 or unreadable manifest is remembered */
	time_t	error;		/* a transient failure is remembered */
};

/* state_dir NULL: no disk cache. */
int	 metadata_init(struct event_base *, const char *state_dir);
/* Pending callbacks are dropped, not called. */
void	 metadata_shutdown(void);
void	 metadata_set_times(const struct md_times *);

/*
 * Look the file with this SHA-256 up in the manifest of the suite at
 * base_uri.  Returns 1 when cb was already called (the answer was in
 * memory), 0 when it will be called from the event loop, or a negative
 * errno (cb not called): -EINVAL for a base that is not an absolute URL.
 */
int	 metadata_lookup(const char *base_uri, const uint8_t sha[SHA256_LEN],
	    metadata_cb cb, void *arg);
/* Forget every pending lookup made with this cb and arg. */
void	 metadata_cancel(metadata_cb cb, void *arg);

/*
 * The URL of the block list (common/blocks.h) the suite at base_uri
 * would publish for the file with this SHA-256, beside its torrents,
 * whether or not the manifest lists the file (plain indices have lists
 * and no entry); NULL while the manifest is not known (look it up first)
 * or on ENOMEM.  The list may not exist: a 404 means none.
 */
char	*metadata_blocks_url(const char *base_uri,
	    const uint8_t sha[SHA256_LEN]);

struct md_stats {
	uint64_t	fetches;	/* requests sent for manifests */
	uint64_t	not_modified;	/* of which answered 304 */
	uint64_t	loaded;		/* manifests taken from disk */
	uint64_t	lookups;
	uint64_t	found;
};
void	 metadata_get_stats(struct md_stats *);

#endif
