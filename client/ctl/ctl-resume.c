/* SPDX-License-Identifier: ISC */
/*
 * ctl-resume.c - "aptbt-ctl resume": restart peer traffic.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl/ctl.h"

static int
ctl_resume(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_resume);
	if ((rc = ctl_call(ctx, "resume", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		printf("resumed\n");
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_resume = {
	"resume", "", "restart peer traffic after a pause", ctl_resume
};
