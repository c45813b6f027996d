/* SPDX-License-Identifier: ISC */
/*
 * ctl-limit.c - "aptbt-ctl limit": show or change the rate limits, the
 * global ones or those of one file or one peer.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"
#include "common/units.h"

static const struct table_column file_columns[] = {
	{ "FILE", "sha256", TABLE_TEXT },
	{ "DOWN/S", "download_limit", TABLE_BYTES },
	{ "UP/S", "upload_limit", TABLE_BYTES },
};

static const struct table_column peer_columns[] = {
	{ "PEER", "address", TABLE_TEXT },
	{ "DOWN/S", "download_limit", TABLE_BYTES },
	{ "UP/S", "upload_limit", TABLE_BYTES },
};

static const char *
rate(uint64_t v, char *buf, size_t len)
{
	char	tmp[32];

	if (v == 0)
		return "unlimited";
	snprintf(buf, len, "%s/s", units_format_bytes(v, tmp, sizeof(tmp)));
	return buf;
}

static bool
parse_rate(const char *arg, uint64_t *out)
{
	if (units_parse_bytes(arg, out))
		return true;
	fprintf(stderr, "aptbt-ctl: bad rate \"%s\" (like 500K, 10M, 0)\n",
	    arg);
	return false;
}

static bool
has_rows(const struct ctl_ctx *ctx, const char *key)
{
	int	list = benc_dict_get_type(&ctx->reply, ctx->result, key,
	    BENC_LIST);

	return list >= 0 && benc_first(&ctx->reply, list) >= 0;
}

static int
ctl_limit(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "down", required_argument, NULL, 'd' },
		{ "file", required_argument, NULL, 'f' },
		{ "peer", required_argument, NULL, 'p' },
		{ "up", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct bytebuf	 args = BYTEBUF_INIT;
	uint64_t	 down = 0, up = 0;
	bool		 have_down = false, have_up = false;
	const char	*file = NULL, *peer = NULL;
	int		 ch, rc;
	char		 b1[48], b2[48];

	while ((ch = getopt_long(argc, argv, "d:f:p:u:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (!parse_rate(optarg, &down))
				return CTL_EXIT_USAGE;
			have_down = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'p':
			peer = optarg;
			break;
		case 'u':
			if (!parse_rate(optarg, &up))
				return CTL_EXIT_USAGE;
			have_up = true;
			break;
		default:
			return ctl_usage(&ctl_cmd_limit);
		}
	}
	if (optind != argc || (file != NULL && peer != NULL))
		return ctl_usage(&ctl_cmd_limit);
	/* Keys in canonical order. */
	if (have_down)
		benc_put_kv_int(&args, "down", (int64_t)down);
	if (file != NULL)
		benc_put_kv_str(&args, "file", file);
	if (peer != NULL)
		benc_put_kv_str(&args, "peer", peer);
	if (have_up)
		benc_put_kv_int(&args, "up", (int64_t)up);
	rc = ctl_call(ctx, "limit", &args);
	bytebuf_free(&args);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (ctx->json) {
		ctl_print_json_result(ctx);
		return CTL_EXIT_OK;
	}
	printf("download limit: %s\nupload limit:   %s\n",
	    rate((uint64_t)ctl_result_int(ctx, "download_limit"), b1,
	    sizeof(b1)),
	    rate((uint64_t)ctl_result_int(ctx, "upload_limit"), b2,
	    sizeof(b2)));
	if (ctl_result_int(ctx, "peer_download_limit") != 0 ||
	    ctl_result_int(ctx, "peer_upload_limit") != 0)
		printf("each peer:      down %s, up %s\n",
		    rate((uint64_t)ctl_result_int(ctx, "peer_download_limit"),
		    b1, sizeof(b1)),
		    rate((uint64_t)ctl_result_int(ctx, "peer_upload_limit"),
		    b2, sizeof(b2)));
	if (has_rows(ctx, "files")) {
		printf("\n");
		table_print(ctx, "files", file_columns,
		    sizeof(file_columns) / sizeof(file_columns[0]), NULL);
	}
	if (has_rows(ctx, "peers")) {
		printf("\n");
		table_print(ctx, "peers", peer_columns,
		    sizeof(peer_columns) / sizeof(peer_columns[0]), NULL);
	}
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_limit = {
	"limit", "[--down RATE] [--up RATE] [--file SHA256 | --peer ADDR[:PORT]]",
	"show or set rate limits, global or of one file or peer "
	"(RATE: 500K, 10M, 0 = none)", ctl_limit
};
