/* SPDX-License-Identifier: ISC */
/*
 * ctl-status.c - "aptbt-ctl status": version, uptime, pause, limits and
 * where the bytes came from.
 */
#include "config.h"

#include <stdio.h>

#include "client/ctl/ctl.h"
#include "common/units.h"

/* JSON keys, in print order; "paused" is a boolean, the rest integers. */
static const char *const status_int_keys[] = {
	"uptime_s", "download_limit", "upload_limit", "files", "downloads",
	"swarms", "peers", "daemons", "connections", "bytes_from_mirrors",
	"bytes_from_peers", "bytes_to_peers", "bytes_from_cache",
	"proxy_requests", "proxy_refused", "proxy_bytes", "proxy_silences",
};

static void
print_json(struct ctl_ctx *ctx)
{
	struct json	 j;
	const uint8_t	*v;
	size_t		 vlen, i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "version");
	if (benc_dict_str(&ctx->reply, ctx->result, "version", &v, &vlen))
		json_string(&j, v, vlen);
	else
		json_cstring(&j, "");
	json_key(&j, "paused");
	json_bool(&j, ctl_result_int(ctx, "paused") != 0);
	json_key(&j, "share");
	if (benc_dict_str(&ctx->reply, ctx->result, "share", &v, &vlen))
		json_string(&j, v, vlen);
	else
		json_cstring(&j, "");
	for (i = 0; i < sizeof(status_int_keys) / sizeof(status_int_keys[0]);
	    i++) {
		json_key(&j, status_int_keys[i]);
		json_int(&j, ctl_result_int(ctx, status_int_keys[i]));
	}
	json_end_object(&j);
	json_end(&j);
}

static const char *
rate(int64_t v, char *buf, size_t len)
{
	char	b[32];

	if (v <= 0)
		return "unlimited";
	snprintf(buf, len, "%s/s", units_format_bytes((uint64_t)v, b,
	    sizeof(b)));
	return buf;
}

static const char *
bytes(const struct ctl_ctx *ctx, const char *key, char *buf, size_t len)
{
	return units_format_bytes((uint64_t)ctl_result_int(ctx, key), buf, len);
}

static void
print_table(struct ctl_ctx *ctx)
{
	const uint8_t	*v = (const uint8_t *)"?";
	size_t		 vlen = 1;
	int64_t		 up = ctl_result_int(ctx, "uptime_s");
	char		 b1[48], b2[48], b3[48], b4[48];

	benc_dict_str(&ctx->reply, ctx->result, "version", &v, &vlen);
	printf("aptbtd %.*s, up %lldd %02lld:%02lld:%02lld\n", (int)vlen,
	    (const char *)v, (long long)(up / 86400),
	    (long long)(up / 3600 % 24), (long long)(up / 60 % 60),
	    (long long)(up % 60));
	printf("state:   %s\n", ctl_result_int(ctx, "paused") ?
	    "paused (no peer traffic; apt's downloads use the mirrors)" :
	    "running");
	printf("limits:  down %s, up %s\n",
	    rate(ctl_result_int(ctx, "download_limit"), b1, sizeof(b1)),
	    rate(ctl_result_int(ctx, "upload_limit"), b2, sizeof(b2)));
	printf("files:   %lld cached, %lld downloading, %lld shared now\n",
	    (long long)ctl_result_int(ctx, "files"),
	    (long long)ctl_result_int(ctx, "downloads"),
	    (long long)ctl_result_int(ctx, "swarms"));
	benc_dict_str(&ctx->reply, ctx->result, "share", &v, &vlen);
	printf("peers:   %lld connected (%lld aptbt daemons), sharing with "
	    "%.*s\n", (long long)ctl_result_int(ctx, "peers"),
	    (long long)ctl_result_int(ctx, "daemons"), (int)vlen,
	    (const char *)v);
	printf("bytes:   %s from mirrors, %s from peers, %s to peers, "
	    "%s served from cache\n",
	    bytes(ctx, "bytes_from_mirrors", b1, sizeof(b1)),
	    bytes(ctx, "bytes_from_peers", b2, sizeof(b2)),
	    bytes(ctx, "bytes_to_peers", b3, sizeof(b3)),
	    bytes(ctx, "bytes_from_cache", b4, sizeof(b4)));
	printf("proxy:   %lld requests answered, %lld refused, %s sent, "
	    "%lld broken off when no byte came\n",
	    (long long)ctl_result_int(ctx, "proxy_requests"),
	    (long long)ctl_result_int(ctx, "proxy_refused"),
	    bytes(ctx, "proxy_bytes", b1, sizeof(b1)),
	    (long long)ctl_result_int(ctx, "proxy_silences"));
}

static int
ctl_status(struct ctl_ctx *ctx, int argc, char **argv)
{
	int	rc;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_status);
	if ((rc = ctl_call(ctx, "status", NULL)) != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		print_json(ctx);
	else
		print_table(ctx);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_status = {
	"status", "", "show what the daemon is doing", ctl_status
};
