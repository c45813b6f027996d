/* SPDX-License-Identifier: ISC */
/*
 * ctl-main.c - aptbt-ctl: talk to aptbtd over its control socket.
 *
 * Commands are rows in a table; the main program only parses the global
 * options, finds the row and runs it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/ctl/ctl.h"
#include "common/ctlproto.h"


static const struct ctl_cmd *const ctl_cmds[] = {
	&ctl_cmd_status,
	&ctl_cmd_pause,
	&ctl_cmd_resume,
	&ctl_cmd_limit,
	&ctl_cmd_files,
	&ctl_cmd_peers,
	&ctl_cmd_cache,
	&ctl_cmd_import,
	&ctl_cmd_mirrors,
	&ctl_cmd_tracker,
	&ctl_cmd_top,
	&ctl_cmd_apt,
};
#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: aptbt-ctl [-s socket] [--json] command [args]\n"
	    "  -s, --socket PATH  control socket (default $APTBT_SOCKET or "
	    "%s)\n"
	    "  -j, --json         print JSON instead of tables\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n"
	    "commands:\n", CTLCONN_DEFAULT_SOCKET);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %-26s %s\n", ctl_cmds[i]->name,
		    ctl_cmds[i]->args, ctl_cmds[i]->help);
	fprintf(f, "  help                                show this help\n"
	    "See aptbt-ctl(1).\n");
}

int
ctl_usage(const struct ctl_cmd *cmd)
{
	fprintf(stderr, "usage: aptbt-ctl [-s socket] [--json] %s %s\n",
	    cmd->name, cmd->args);
	return CTL_EXIT_USAGE;
}

static int
ctl_connect(struct ctl_ctx *ctx)
{
	int	r;

	if ((r = ctlconn_open(&ctx->conn, ctx->socket)) == 0)
		return CTL_EXIT_OK;
	fprintf(stderr, "aptbt-ctl: cannot reach aptbtd at %s: %s\n",
	    ctx->socket, strerror(-r));
	if (r == -ENOENT || r == -ECONNREFUSED)
		fprintf(stderr, "aptbt-ctl: start it with \"systemctl start "
		    "aptbtd\" (or run \"aptbtd\" as root)\n");
	return CTL_EXIT_UNREACHABLE;
}

int
ctl_call(struct ctl_ctx *ctx, const char *cmd, const struct bytebuf *args)
{
	struct bytebuf	 req = BYTEBUF_INIT;
	const uint8_t	*msg;
	size_t		 msglen;
	size_t		 mark;
	int64_t		 ok = 0;
	int		 r, rc;

	if ((rc = ctl_connect(ctx)) != CTL_EXIT_OK)
		return rc;
	mark = ctl_put_request_begin(&req);
	if (args != NULL)
		bytebuf_append(&req, args->data, args->len);
	if (ctl_put_request_end(&req, mark, cmd, 1) != 0) {
		fprintf(stderr, "aptbt-ctl: out of memory\n");
		bytebuf_free(&req);
		return CTL_EXIT_ERROR;
	}
	r = ctlconn_send(&ctx->conn, &req, ctx->timeout_ms);
	bytebuf_free(&req);
	/* Skip progress events; the last message is the reply. */
	while (r == 0) {
		if ((r = ctlconn_recv(&ctx->conn, &ctx->reply,
		    ctx->timeout_ms)) != 0)
			break;
		if (benc_dict_get(&ctx->reply, 0, "event") < 0)
			break;
		benc_free(&ctx->reply);
	}
	if (r != 0) {
		fprintf(stderr, "aptbt-ctl: aptbtd at %s did not answer: %s\n",
		    ctx->socket, r == -ETIMEDOUT ? "timed out" : strerror(-r));
		return CTL_EXIT_UNREACHABLE;
	}
	benc_dict_int(&ctx->reply, 0, "ok", &ok);
	if (!ok) {
		if (benc_dict_str(&ctx->reply, 0, "error", &msg, &msglen))
			fprintf(stderr, "aptbt-ctl: %s: %.*s\n", cmd,
			    (int)msglen, (const char *)msg);
		else
			fprintf(stderr, "aptbt-ctl: %s: failed\n", cmd);
		return CTL_EXIT_ERROR;
	}
	ctx->result = benc_dict_get_type(&ctx->reply, 0, "result", BENC_DICT);
	if (ctx->result < 0) {
		fprintf(stderr, "aptbt-ctl: %s: reply without a result\n", cmd);
		return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
}

int64_t
ctl_result_int(const struct ctl_ctx *ctx, const char *key)
{
	int64_t	v = 0;

	benc_dict_int(&ctx->reply, ctx->result, key, &v);
	return v;
}

void
ctl_print_json_result(const struct ctl_ctx *ctx)
{
	struct json	j;

	json_init(&j, stdout);
	json_from_benc(&j, &ctx->reply, ctx->result);
	json_end(&j);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_ctx	ctx;
	size_t		i;
	int		ch, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.socket = ctlconn_default_path();
	ctx.timeout_ms = 10000;
	ctx.conn.fd = -1;
	/* "+": stop at the command so its own options reach it. */
	while ((ch = getopt_long(argc, argv, "+hjs:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'j':
			ctx.json = true;
			break;
		case 's':
			ctx.socket = optarg;
			break;
		case 'V':
			printf("aptbt-ctl %s\n", APTBT_VERSION);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[0], ctl_cmds[i]->name) == 0)
			break;
	if (i == NCMDS) {
		fprintf(stderr, "aptbt-ctl: unknown command \"%s\"; try "
		    "\"aptbt-ctl help\"\n", argv[0]);
		return CTL_EXIT_USAGE;
	}
	optind = 0;	/* let the command run getopt over its own argv */
	rc = ctl_cmds[i]->exec(&ctx, argc, argv);
	if (ctx.reply.toks != NULL)
		benc_free(&ctx.reply);
	ctlconn_close(&ctx.conn);
	return rc;
}
