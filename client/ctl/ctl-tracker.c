/* SPDX-License-Identifier: ISC */
/*
 * ctl-tracker.c - "aptbt-ctl tracker": the embedded tracker's swarms,
 * peers, memory, request rates and refusals.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"
#include "common/units.h"

static long long
v(const struct ctl_ctx *ctx, const char *key)
{
	return (long long)ctl_result_int(ctx, key);
}

static const struct table_column node_columns[] = {
	{ "NODE", "name", TABLE_TEXT },
	{ "HEARD_MS", "heard_ms", TABLE_INT },
	{ "PKTS_IN", "pkts_in", TABLE_INT },
	{ "PKTS_OUT", "pkts_out", TABLE_INT },
	{ "PEERS_IN", "recs_in", TABLE_INT },
	{ "PEERS_OUT", "recs_out", TABLE_INT },
	{ "REJECTED", "rejected", TABLE_INT },
	{ "FULL_SENT", "full_sent", TABLE_INT },
};

static const struct table_column tpeer_columns[] = {
	{ "TRACKER PEER", "url", TABLE_TEXT },
	{ "OK_MS", "ok_ms", TABLE_INT },
	{ "ROUNDS", "rounds", TABLE_INT },
	{ "FAILURES", "failures", TABLE_INT },
	{ "SENT", "sent", TABLE_INT },
	{ "LEARNED", "learned", TABLE_INT },
};

static const char *
str(const struct ctl_ctx *ctx, const char *key)
{
	static char	 buf[128];
	const uint8_t	*p;
	size_t		 len;
	int		 t;

	buf[0] = '\0';
	if ((t = benc_dict_get(&ctx->reply, ctx->result, key)) >= 0 &&
	    (p = benc_str(&ctx->reply, t, &len)) != NULL) {
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, p, len);
		buf[len] = '\0';
	}
	return buf;
}

static void
print_cluster(struct ctl_ctx *ctx)
{
	printf("cluster:  ");
	if (str(ctx, "cluster_self")[0] == '\0')
		printf("none (no tracker_cluster)\n");
	else {
		printf("this node %s; gossip %lld accepted; dropped %lld "
		    "forged, %lld replayed, %lld stale, %lld old-run, %lld "
		    "malformed, %lld from unknown senders, %lld over the "
		    "rate, %lld over the learned bound\n",
		    str(ctx, "cluster_self"), v(ctx, "gossip_accepted"),
		    v(ctx, "gossip_forged"), v(ctx, "gossip_replayed"),
		    v(ctx, "gossip_stale"), v(ctx, "gossip_old_run"),
		    v(ctx, "gossip_malformed"), v(ctx, "gossip_unknown"),
		    v(ctx, "gossip_over_rate"), v(ctx, "gossip_learned_over"));
		table_print(ctx, "nodes", node_columns, sizeof(node_columns) /
		    sizeof(node_columns[0]), "no other node");
	}
	printf("exchange: %lld served, %lld refused\n", v(ctx, "xchg_served"),
	    v(ctx, "xchg_refused"));
	table_print(ctx, "tracker_peers", tpeer_columns,
	    sizeof(tpeer_columns) / sizeof(tpeer_columns[0]),
	    "no tracker peers");
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
	print_cluster(ctx);
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
