/* SPDX-License-Identifier: ISC */
/*
 * ctl-peers.c - "aptbt-ctl peers": connected peers (flags: D daemon,
 * O outgoing, I incoming, H handshaking, N in our subnet, then the
 * source of a peer we dialled: S config, C aptbt-ctl, L LSD, X peer
 * exchange, T tracker);
 * "peers add" adds a daemon.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"

static const struct table_column peers_columns[] = {
	{ "ADDRESS", "address", TABLE_TEXT },
	{ "CLIENT", "client", TABLE_TEXT },
	{ "DOWN/S", "down_rate", TABLE_BYTES },
	{ "UP/S", "up_rate", TABLE_BYTES },
	{ "IN", "bytes_in", TABLE_BYTES },
	{ "OUT", "bytes_out", TABLE_BYTES },
	{ "SWARMS", "swarms", TABLE_INT },
	{ "FLAGS", "flags", TABLE_TEXT },
};

static int
ctl_peers(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct bytebuf	args = BYTEBUF_INIT;
	int		rc;

	if (argc == 3 && strcmp(argv[1], "add") == 0)
		benc_put_kv_str(&args, "add", argv[2]);
	else if (argc != 1)
		return ctl_usage(&ctl_cmd_peers);
	rc = ctl_call(ctx, "peers", &args);
	bytebuf_free(&args);
	if (rc != CTL_EXIT_OK)
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
	"peers", "[add ADDR:PORT]", "list peers, or add a daemon to connect to",
	ctl_peers
};
