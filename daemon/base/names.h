/* SPDX-License-Identifier: ISC */
/*
 * names.h - the pool file names of files in the cache, so an older
 * version the daemon itself downloaded is a delta candidate
 * (doc/blocks.md) even when apt's archive directory was cleaned.
 *
 * The cache is keyed by SHA-256 and knows no names.  This index keeps,
 * per package, the names apt asked for as symbolic links into the
 * cache:
 *
 *   names/PACKAGE/NAME_VERSION_ARCH.deb -> ../../sha256/XX/<64 hex>
 *
 * so a candidate search lists one small directory, as it lists apt's
 * archive directory, and opens a candidate as any file.  Bounded: at
 * most NAMES_PER_PACKAGE names per package and kind of file (the newest
 * by dpkg's order), and links whose file left the cache are removed
 * when their package gets a new name.
 *
 * Crash story: a link is made under a temporary name and renamed into
 * place, so it is whole or absent; nothing is fsynced, as a link is a
 * hint: a lost one costs a delta, a dangling one (its file evicted) is
 * skipped when opened, and whatever a link leads to is checked block by
 * block, piece by piece and by the whole file's SHA-256 as any
 * candidate is.
 */
#ifndef APTBTD_NAMES_H
#define APTBTD_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

#define NAMES_PER_PACKAGE	3
#define NAMES_DIR		"names"

/*
 * Worker: remember that the file apt fetched from url (a pool file name
 * with a version: NAME_VERSION...) is the cache entry sha256.  Names
 * that are not such a file name, or hold bytes other than letters,
 * digits and "+-.~_%", are ignored.  0, or a negative errno.
 */
int	 names_add(const char *cache_dir, const char *url,
	    const uint8_t sha256[SHA256_LEN]);

/*
 * The directory of package pkg's names under cache_dir, into out; false
 * when pkg is not a plain package name or does not fit.  No I/O.
 */
bool	 names_dir(const char *cache_dir, const char *pkg, char *out,
	    size_t outlen);

#endif
