/* SPDX-License-Identifier: ISC */
/*
 * aptlists.h - the package SHA-256s apt has verified on this machine.
 *
 * apt keeps in its lists directory (Dir::State::lists, by default
 * /var/lib/apt/lists) only indexes whose hashes matched a Release file
 * whose signature it checked.  A package whose SHA-256 is in one of those
 * Packages files is one a public archive publishes, unless the source
 * needed credentials: an index whose file name starts with the name of a
 * credentialed source (a "machine" of apt's auth.conf, named as apt names
 * list files: the URI without its scheme, each '/' made '_') is skipped.
 * Only uncompressed "*_Packages" files are read (apt's default; with
 * Acquire::GzipIndexes nothing is found, and every import stays private).
 *
 * aptlists_load reads files: call it on a worker (workers.h).
 */
#ifndef APTBTD_APTLISTS_H
#define APTBTD_APTLISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

struct aptlists;

/*
 * Read the Packages files in dir, skipping those of the nprivate sources
 * in private; NULL with *err (a negative errno) when dir cannot be read.
 */
struct aptlists *aptlists_load(const char *dir, char *const *private,
	    size_t nprivate, int *err);
bool	 aptlists_has(const struct aptlists *, const uint8_t sha256[SHA256_LEN]);
/* Hashes found, and index files read and skipped (for the log). */
size_t	 aptlists_count(const struct aptlists *);
unsigned aptlists_files(const struct aptlists *, unsigned *skipped);
void	 aptlists_free(struct aptlists *);
/*
 * Does list file name belong to the source named machine ("host",
 * "host:port" or "host/path", a scheme allowed before it)?
 */
bool	 aptlists_source_matches(const char *name, const char *machine);

#endif
