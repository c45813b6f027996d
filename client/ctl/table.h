/* SPDX-License-Identifier: ISC */
/*
 * table.h - print a list of dictionaries from a reply as aligned columns.
 *
 * Column widths are measured over all rows first, so output lines up
 * whatever the values; a column whose key a row lacks prints "-".
 */
#ifndef APTBT_TABLE_H
#define APTBT_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct ctl_ctx;

enum table_format {
	TABLE_TEXT,
	TABLE_INT,
	TABLE_BYTES,	/* human size */
	TABLE_PERMILLE,	/* 0-1000 as a percentage */
	TABLE_HEX12,	/* a hash, first 12 hex digits */
	TABLE_AGE,	/* a Unix time, shown as how long ago */
};

struct table_column {
	const char		*title;
	const char		*key;
	enum table_format	 format;
};

/* Print result[list_key]; empty_msg (if not NULL) when the list is empty. */
void	table_print(const struct ctl_ctx *, const char *list_key,
	    const struct table_column *, size_t ncols, const char *empty_msg);
/* The same to f, with at most max_rows rows after the titles. */
void	table_fprint(FILE *f, const struct ctl_ctx *, const char *list_key,
	    const struct table_column *, size_t ncols, const char *empty_msg,
	    size_t max_rows);

#endif
