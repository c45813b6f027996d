/* SPDX-License-Identifier: ISC */
/*
 * units.h - byte sizes and rates as people write them ("500K", "10M").
 *
 * Suffixes are binary (K = 1024) and case-insensitive, with an optional
 * trailing "B" or "iB"; a rate may end in "/s".  "0" means unlimited
 * where a limit is meant.
 */
#ifndef APTBT_UNITS_H
#define APTBT_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse a size or rate; false on syntax error or overflow. */
bool	units_parse_bytes(const char *, uint64_t *out);
/* Parse a duration such as "30", "30s", "5m", "2h" into seconds. */
bool	units_parse_seconds(const char *, uint64_t *out);
/* "1.5 MiB" style; returns buf. */
char	*units_format_bytes(uint64_t, char *buf, size_t len);

#endif
