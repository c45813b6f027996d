/*
 * ctl-cache.c - "aptbt-ctl cache": cache usage and entries.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl.h"
#include "client/table.h"
#include "common/units.h"

static const struct table_column cache_columns[] = {
	{ "SHA256", "sha256", TABLE_HEX12 },
	{ "SIZE", "size", TABLE_BYTES },
	{ "NAME", "name", TABLE_TEXT },
};

static int
ctl_cache(struct ctl_ctx *ctx, int argc, char **argv)
{
	char	b1[32], b2[32];
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_cache);
	if ((rc = ctl_call(ctx, "cache", NULL)) != CTL_EXIT_OK)
		return rc;
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
	"cache", "", "show cache usage and entries", ctl_cache
};
