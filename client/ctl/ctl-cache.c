/* SPDX-License-Identifier: ISC */
/*
 * ctl-cache.c - "aptbt-ctl cache": cache usage and entries, and removal
 * of one entry by its SHA-256.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"
#include "common/units.h"

static const struct table_column cache_columns[] = {
	{ "SHA256", "sha256", TABLE_HEX12 },
	{ "SIZE", "size", TABLE_BYTES },
	{ "LAST USED", "atime", TABLE_AGE },
};

static int
ctl_cache(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "remove", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct bytebuf	 args = BYTEBUF_INIT;
	const char	*remove = NULL;
	char		 b1[32], b2[32];
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		if (ch != 'r')
			return ctl_usage(&ctl_cmd_cache);
		remove = optarg;
	}
	if (optind != argc)
		return ctl_usage(&ctl_cmd_cache);
	if (remove != NULL)
		benc_put_kv_str(&args, "remove", remove);
	rc = ctl_call(ctx, "cache", &args);
	bytebuf_free(&args);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (remove != NULL && !ctx->json) {
		printf("removed %s\n", remove);
		return CTL_EXIT_OK;
	}
	if (ctx->json) {
		ctl_print_json_result(ctx);
		return CTL_EXIT_OK;
	}
	printf("%lld files, %s", (long long)ctl_result_int(ctx, "files"),
	    units_format_bytes((uint64_t)ctl_result_int(ctx, "bytes"), b1,
	    sizeof(b1)));
	if (ctl_result_int(ctx, "quota") > 0)
		printf(" of %s", units_format_bytes(
		    (uint64_t)ctl_result_int(ctx, "quota"), b2, sizeof(b2)));
	printf("\n");
	table_print(ctx, "entries", cache_columns,
	    sizeof(cache_columns) / sizeof(cache_columns[0]), NULL);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_cache = {
	"cache", "[--remove SHA256]", "show cache usage, or remove an entry",
	ctl_cache
};
