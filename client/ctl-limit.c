/*
 * ctl-limit.c - "aptbt-ctl limit": show or change the rate limits.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "client/ctl.h"
#include "common/units.h"

static int
ctl_limit(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "down", required_argument, NULL, 'd' },
		{ "up", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct bytebuf	 args = BYTEBUF_INIT;
	uint64_t	 down = 0, up = 0;
	bool		 have_down = false, have_up = false;
	int		 ch, rc;
	char		 b1[32], b2[32];

	while ((ch = getopt_long(argc, argv, "d:u:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (!units_parse_bytes(optarg, &down)) {
				fprintf(stderr, "aptbt-ctl: bad rate \"%s\" "
				    "(like 500K, 10M, 0)\n", optarg);
				return CTL_EXIT_USAGE;
			}
			have_down = true;
			break;
		case 'u':
			if (!units_parse_bytes(optarg, &up)) {
				fprintf(stderr, "aptbt-ctl: bad rate \"%s\" "
				    "(like 500K, 10M, 0)\n", optarg);
				return CTL_EXIT_USAGE;
			}
			have_up = true;
			break;
		default:
			return ctl_usage(&ctl_cmd_limit);
		}
	}
	if (optind != argc)
		return ctl_usage(&ctl_cmd_limit);
	if (have_down)
		benc_put_kv_int(&args, "down", (int64_t)down);
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
	down = (uint64_t)ctl_result_int(ctx, "download_limit");
	up = (uint64_t)ctl_result_int(ctx, "upload_limit");
	printf("download limit: %s%s\nupload limit:   %s%s\n",
	    down ? units_format_bytes(down, b1, sizeof(b1)) : "unlimited",
	    down ? "/s" : "",
	    up ? units_format_bytes(up, b2, sizeof(b2)) : "unlimited",
	    up ? "/s" : "");
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_limit = {
	"limit", "[--down RATE] [--up RATE]",
	"show or set rate limits (RATE: 500K, 10M, 0 = none)", ctl_limit
};
