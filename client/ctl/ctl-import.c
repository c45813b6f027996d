/* SPDX-License-Identifier: ISC */
/*
 * ctl-import.c - "aptbt-ctl import DIR": add verified files already on
 * this machine (apt's /var/cache/apt/archives) to the cache, so they can
 * be served and seeded.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/ctl/ctl.h"
#include "common/units.h"

static int
ctl_import(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct bytebuf	 args = BYTEBUF_INIT;
	char		 path[PATH_MAX], b[32];
	int		 rc;

	if (argc != 2)
		return ctl_usage(&ctl_cmd_import);
	/* The daemon runs elsewhere (/): send it an absolute path. */
	if (realpath(argv[1], path) == NULL) {
		perror(argv[1]);
		return CTL_EXIT_USAGE;
	}
	benc_put_kv_str(&args, "path", path);
	/* Hashing a big directory takes a while. */
	ctx->timeout_ms = 30 * 60 * 1000;
	rc = ctl_call(ctx, "import", &args);
	bytebuf_free(&args);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		printf("imported %lld files (%s), %lld already cached, "
		    "%lld failed\n", (long long)ctl_result_int(ctx, "imported"),
		    units_format_bytes((uint64_t)ctl_result_int(ctx, "bytes"),
		    b, sizeof(b)), (long long)ctl_result_int(ctx, "present"),
		    (long long)ctl_result_int(ctx, "failed"));
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_import = {
	"import", "DIR", "add files from DIR (e.g. /var/cache/apt/archives)",
	ctl_import
};
