/* SPDX-License-Identifier: ISC */
/*
 * ctl-pause.c - "aptbt-ctl pause": stop all peer traffic.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl/ctl.h"

static int
ctl_pause(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_pause);
	if ((rc = ctl_call(ctx, "pause", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		printf("paused: no peer traffic; apt's downloads continue "
		    "from the mirrors\n");
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_pause = {
	"pause", "", "stop all peer traffic (apt keeps working)", ctl_pause
};
