/* SPDX-License-Identifier: ISC */
/*
 * ctl-tracker.c - "aptbt-ctl tracker": the embedded tracker's swarms,
 * peers, memory, request rates and refusals.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl/ctl.h"
#include "common/units.h"

static long long
v(const struct ctl_ctx *ctx, const char *key)
{
	return (long long)ctl_result_int(ctx, key);
}

static void
print_text(struct ctl_ctx *ctx)
{
	char	b1[32], b2[32], b3[32];

	if (!v(ctx, "enabled")) {
		printf("embedded tracker: off (tracker = no in aptbtd.conf)\n");
		return;
	}
	printf("tracker:  port %lld (HTTP and UDP), interval %lld s, peers "
	    "kept %lld s, at most %lld peers a reply\n", v(ctx, "port"),
	    v(ctx, "interval"), v(ctx, "peer_ttl"), v(ctx, "numwant_max"));
	printf("swarms:   %lld, %lld peers (%lld IPv4, %lld IPv6), %lld "
	    "seeds, %lld learned from other trackers\n", v(ctx, "swarms"),
	    v(ctx, "peers"), v(ctx, "peers4"), v(ctx, "peers6"),
	    v(ctx, "seeds"), v(ctx, "learned"));
	printf("memory:   %s of %s for swarms, %s for rate limits\n",
	    units_format_bytes((uint64_t)v(ctx, "memory_used"), b1,
	    sizeof(b1)), units_format_bytes((uint64_t)v(ctx, "memory_max"),
	    b2, sizeof(b2)), units_format_bytes((uint64_t)v(ctx,
	    "memory_other"), b3, sizeof(b3)));
	printf("requests: HTTP %.2f/s (%lld in all), UDP %.2f/s (%lld in "
	    "all); %lld announces, %lld scrapes, %lld seed batches (%lld "
	    "hashes)\n", v(ctx, "http_rps_milli") / 1000.0,
	    v(ctx, "http_requests"), v(ctx, "udp_rps_milli") / 1000.0,
	    v(ctx, "udp_requests"), v(ctx, "announces"), v(ctx, "scrapes"),
	    v(ctx, "seed_batches"), v(ctx, "seed_hashes"));
	printf("refused:  %lld malformed, %lld over the rate limit (%lld a "
	    "minute per address), %lld over the memory bound; %lld peers "
	    "evicted, %lld expired\n", v(ctx, "malformed"),
	    v(ctx, "rate_limited"), v(ctx, "rate"), v(ctx, "refused"),
	    v(ctx, "evicted"), v(ctx, "expired"));
	printf("nodes:    none (no tracker cluster)\n");
}

static int
ctl_tracker(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&ctl_cmd_tracker);
	if ((rc = ctl_call(ctx, "tracker", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		print_text(ctx);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_tracker = {
	"tracker", "", "show the embedded tracker's swarms and requests",
	ctl_tracker
};
