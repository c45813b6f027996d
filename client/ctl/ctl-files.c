/* SPDX-License-Identifier: ISC */
/*
 * ctl-files.c - "aptbt-ctl files": files being fetched or seeded.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"

static const struct table_column files_columns[] = {
	{ "SHA256", "sha256", TABLE_HEX12 },
	{ "STATE", "state", TABLE_TEXT },
	{ "MODE", "mode", TABLE_TEXT },
	{ "SIZE", "size", TABLE_BYTES },
	{ "DONE", "progress", TABLE_PERMILLE },
	{ "FROM-PEERS", "bytes_from_peers", TABLE_BYTES },
	{ "TO-PEERS", "bytes_to_peers", TABLE_BYTES },
	{ "PEERS", "peers", TABLE_INT },
};

static int
ctl_files(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_files);
	if ((rc = ctl_call(ctx, "files", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		table_print(ctx, "files", files_columns,
		    sizeof(files_columns) / sizeof(files_columns[0]),
		    "no files");
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_files = {
	"files", "", "list files being fetched or seeded", ctl_files
};
