/*
 * ctl-peers.c - "aptbt-ctl peers": connected peers.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl.h"
#include "client/table.h"

static const struct table_column peers_columns[] = {
	{ "ADDRESS", "address", TABLE_TEXT },
	{ "CLIENT", "client", TABLE_TEXT },
	{ "DOWN/S", "down_rate", TABLE_BYTES },
	{ "UP/S", "up_rate", TABLE_BYTES },
	{ "PIECES", "pieces", TABLE_INT },
	{ "FLAGS", "flags", TABLE_TEXT },
};

static int
ctl_peers(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_peers);
	if ((rc = ctl_call(ctx, "peers", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		table_print(ctx, "peers", peers_columns,
		    sizeof(peers_columns) / sizeof(peers_columns[0]),
		    "no peers");
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_peers = {
	"peers", "", "list connected peers", ctl_peers
};
