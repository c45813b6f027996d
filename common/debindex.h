/* SPDX-License-Identifier: ISC */
/*
 * debindex.h - what a Debian archive's own indices say about its files.
 *
 * A suite's Release (or the clearsigned body of its InRelease) lists the
 * SHA-256 and size of every index under dists/SUITE/, and says whether
 * they are also published under by-hash/SHA256/.  The Packages indices
 * list each binary package's Filename, Size and SHA256; the Sources
 * indices list each source package's Directory and its files in
 * Checksums-Sha256.  These parsers read that text from memory, bounded
 * by its length: the archive is outside input (a mirror copies whatever
 * its upstream served), so every path is checked to stay under the
 * archive's top and malformed stanzas are skipped and counted, never
 * trusted.  Signatures are not checked here: the files a mirror lists
 * are checked against these hashes when they are read.
 */
#ifndef APTBT_DEBINDEX_H
#define APTBT_DEBINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

/* Longest path accepted in an index (PATH_MAX is for the whole path). */
#define DEBINDEX_MAX_PATH	1024

/*
 * True for a relative path with no empty, "." or ".." segment, no
 * blanks or control bytes, of 1 to DEBINDEX_MAX_PATH bytes: safe to
 * append to the archive's top.
 */
bool	debindex_relpath_ok(const char *path, size_t len);

struct release_entry {
	uint8_t		 sha256[SHA256_LEN];
	uint64_t	 size;
	char		*path;		/* relative to dists/SUITE/ */
};

struct release {
	struct release_entry	*v;
	size_t			 n;
	bool			 by_hash;	/* Acquire-By-Hash: yes */
	bool			 signed_body;	/* it came from an InRelease */
	/*
	 * Valid-Until, in seconds since the epoch: 0 when absent, -1 when
	 * not a date of the form "Sat, 05 Dec 2026 12:00:00 UTC" (a zone
	 * of UTC, GMT, Z or +0000): apt refuses such a Release, so do we.
	 */
	int64_t			 valid_until;
};

/*
 * Parse a Release file, or an InRelease: a clearsigned one gives its
 * body (dash-escapes removed, the signature ignored).  Entries of the
 * SHA256 field whose path is not safe (debindex_relpath_ok) or whose
 * hash or size is malformed are skipped.  Returns 0, -EINVAL when the
 * text has no SHA256 field or the clearsigned frame is broken, -ENOMEM;
 * on error the struct holds nothing to free.
 */
int	release_parse(struct release *, const char *buf, size_t len);
void	release_free(struct release *);

enum debindex_kind {
	DEBINDEX_PACKAGES,
	DEBINDEX_SOURCES,
};

/* Called for each file an index lists; path is NUL-terminated. */
typedef int	(*debindex_cb)(void *arg, const char *path, uint64_t size,
		    const uint8_t sha256[SHA256_LEN]);

/*
 * Call cb for every file of a Packages or Sources index, in order.  A
 * stanza without a usable path, size (> 0) and SHA-256 is skipped and
 * counted in *skipped.  Returns 0, the first non-zero value cb returned,
 * or -ENOMEM.
 */
int	debindex_parse(enum debindex_kind, const char *buf, size_t len,
	    debindex_cb cb, void *arg, size_t *skipped);

#endif
