/* SPDX-License-Identifier: ISC */
/*
 * table.c - aligned text tables for aptbt-ctl.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"
#include "common/units.h"

#define CELL_MAX	128
#define TABLE_MAX_COLS	16

static void
format_age(int64_t when, char *out, size_t len)
{
	int64_t	ago = (int64_t)time(NULL) - when;

	if (when <= 0)
		snprintf(out, len, "-");
	else if (ago < 120)
		snprintf(out, len, "%llds ago", (long long)(ago < 0 ? 0 : ago));
	else if (ago < 2 * 3600)
		snprintf(out, len, "%lldm ago", (long long)(ago / 60));
	else if (ago < 2 * 86400)
		snprintf(out, len, "%lldh ago", (long long)(ago / 3600));
	else
		snprintf(out, len, "%lldd ago", (long long)(ago / 86400));
}

static void
format_cell(const struct benc_doc *doc, int row, const struct table_column *col,
    char *out, size_t len)
{
	const uint8_t	*s;
	size_t		 slen;
	int64_t		 v;

	snprintf(out, len, "-");
	if (benc_dict_str(doc, row, col->key, &s, &slen)) {
		if (col->format == TABLE_HEX12 && slen > 12)
			slen = 12;
		snprintf(out, len, "%.*s", (int)slen, (const char *)s);
		return;
	}
	if (!benc_dict_int(doc, row, col->key, &v))
		return;
	switch (col->format) {
	case TABLE_BYTES:
		units_format_bytes(v < 0 ? 0 : (uint64_t)v, out, len);
		break;
	case TABLE_AGE:
		format_age(v, out, len);
		break;
	case TABLE_PERMILLE:
		snprintf(out, len, "%lld.%lld%%", (long long)(v / 10),
		    (long long)(v % 10));
		break;
	default:
		snprintf(out, len, "%lld", (long long)v);
		break;
	}
}

void
table_print(const struct ctl_ctx *ctx, const char *list_key,
    const struct table_column *cols, size_t ncols, const char *empty_msg)
{
	table_fprint(stdout, ctx, list_key, cols, ncols, empty_msg, SIZE_MAX);
}

void
table_fprint(FILE *f, const struct ctl_ctx *ctx, const char *list_key,
    const struct table_column *cols, size_t ncols, const char *empty_msg,
    size_t max_rows)
{
	const struct benc_doc	*doc = &ctx->reply;
	size_t			 width[TABLE_MAX_COLS], i, n;
	char			 cell[CELL_MAX];
	int			 list, row;

	if (ncols > TABLE_MAX_COLS)
		ncols = TABLE_MAX_COLS;
	list = benc_dict_get_type(doc, ctx->result, list_key, BENC_LIST);
	if (list < 0 || benc_first(doc, list) < 0) {
		if (empty_msg != NULL)
			fprintf(f, "%s\n", empty_msg);
		return;
	}
	for (i = 0; i < ncols; i++)
		width[i] = strlen(cols[i].title);
	for (row = benc_first(doc, list); row >= 0;
	    row = benc_next(doc, list, row)) {
		if (doc->toks[row].type != BENC_DICT)
			continue;
		for (i = 0; i < ncols; i++) {
			format_cell(doc, row, &cols[i], cell, sizeof(cell));
			if ((n = strlen(cell)) > width[i])
				width[i] = n;
		}
	}
	for (i = 0; i < ncols; i++)
		fprintf(f, "%-*s%s", (int)width[i], cols[i].title,
		    i + 1 < ncols ? "  " : "\n");
	for (row = benc_first(doc, list), n = 0; row >= 0 && n < max_rows;
	    row = benc_next(doc, list, row)) {
		if (doc->toks[row].type != BENC_DICT)
			continue;
		n++;
		for (i = 0; i < ncols; i++) {
			format_cell(doc, row, &cols[i], cell, sizeof(cell));
			fprintf(f, "%-*s%s", (int)width[i], cell,
			    i + 1 < ncols ? "  " : "\n");
		}
	}
}
