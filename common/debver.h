/* SPDX-License-Identifier: ISC */
/*
 * debver.h - Debian version order, and a pool file name's parts.
 *
 * Candidates for a delta (an older version of the same package) are
 * ranked by version as dpkg ranks them; their names come from apt's
 * archive directory and the pool (NAME_VERSION_ARCH.deb, NAME_VERSION.dsc,
 * NAME_VERSION.orig.tar.xz), where an epoch's ':' is written "%3a".
 */
#ifndef APTBT_DEBVER_H
#define APTBT_DEBVER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * dpkg --compare-versions: <0, 0 or >0.  Versions are taken as given
 * (an epoch "N:" first, a revision after the last '-'); a string that is
 * not a valid version still orders, consistently.
 */
int	debver_cmp(const char *a, const char *b);

/*
 * Split a pool file name into name (up to the first '_'), version ("%3a"
 * decoded) and the rest, ext: from a second '_' on when there is one
 * ("_amd64.deb"), else from the first '.' after which every dot-separated
 * part starts with a letter (".tar", ".debian.tar.xz", ".dsc").  Files
 * of one package differ only in version when name and ext are equal.
 * False when there is no '_', a part is empty or does not fit.
 */
bool	debver_split(const char *file, char *name, size_t namelen,
	    char *version, size_t verlen, char *ext, size_t extlen);

#endif
