/* SPDX-License-Identifier: ISC */
/*
 * ctl-mirrors.c - "aptbt-ctl mirrors": per-mirror statistics.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"

static const struct table_column mirrors_columns[] = {
	{ "MIRROR", "url", TABLE_TEXT },
	{ "BYTES", "bytes", TABLE_BYTES },
	{ "RATE/S", "rate", TABLE_BYTES },
	{ "REQUESTS", "requests", TABLE_INT },
	{ "ERRORS", "errors", TABLE_INT },
	{ "ACTIVE", "active", TABLE_INT },
	{ "FAILURES", "failures", TABLE_INT },
};

static int
ctl_mirrors(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_mirrors);
	if ((rc = ctl_call(ctx, "mirrors", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		table_print(ctx, "mirrors", mirrors_columns,
		    sizeof(mirrors_columns) / sizeof(mirrors_columns[0]),
		    "no mirror used yet");
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_mirrors = {
	"mirrors", "", "show per-mirror statistics", ctl_mirrors
};
