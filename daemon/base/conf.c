/* SPDX-License-Identifier: ISC */
/*
 * conf.c - aptbtd's settings table and configuration loading.
 *
 * The key table below is the one list of settings: defaults live here,
 * aptbtd.conf(5) and etc/aptbtd.conf describe the same rows.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/confparse.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/netaddr.h"
#include "daemon/base/conf.h"
#include "daemon/base/scope.h"

struct aptbtd_conf conf;

static const char *const log_level_names[] = {
	"err", "warning", "notice", "info", "debug", NULL
};

/* "none" or empty (no status page), or one ADDRESS:PORT. */
static bool
status_listen_check(const char *v, char *err, size_t errlen)
{
	struct netaddr	na;

	if (v[0] == '\0' || strcmp(v, "none") == 0 ||
	    (netaddr_parse(v, strlen(v), &na) == 0 && na.port != 0))
		return true;
	snprintf(err, errlen, "\"%s\" is not ADDRESS:PORT or none (numeric, "
	    "e.g. 127.0.0.1:9977 or [::1]:9977)", v);
	return false;
}

/* A comma or blank separated list whose items all pass ok. */
static bool
list_check(const char *list, bool (*ok)(const char *), const char *what,
    char *err, size_t errlen)
{
	char		 item[1024];
	const char	*p = list;
	size_t		 len;

	while (*(p += strspn(p, " \t,")) != '\0') {
		len = strcspn(p, " \t,");
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "%s too long", what);
			return false;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (!ok(item)) {
			snprintf(err, errlen, "not %s: %s", what, item);
			return false;
		}
		p += len;
	}
	return true;
}

/* "none", or a numeric ADDRESS:PORT to listen on. */
static bool
proxy_listen_check(const char *v, char *err, size_t errlen)
{
	struct netaddr	a;

	if (strcmp(v, "none") == 0)
		return true;
	if (netaddr_parse(v, strlen(v), &a) < 0 || a.port == 0) {
		snprintf(err, errlen, "\"%s\" is not none or a numeric "
		    "ADDRESS:PORT like 127.0.0.1:3142 or [::1]:3142", v);
		return false;
	}
	return true;
}

static bool
tracker_url_ok(const char *s)
{
	return manifest_tracker_ok(s) && !manifest_tracker_is_pattern(s);
}

/* Tracker URLs; "|" between two of them starts the next BEP 12 tier. */
static bool
trackers_check(const char *list, char *err, size_t errlen)
{
	char		 tier[4096];
	const char	*p = list;
	size_t		 len;

	for (;;) {
		len = strcspn(p, "|");
		if (len >= sizeof(tier)) {
			snprintf(err, errlen, "trackers: too long");
			return false;
		}
		memcpy(tier, p, len);
		tier[len] = '\0';
		if (!list_check(tier, tracker_url_ok,
		    "an http://, https:// or udp:// tracker URL", err, errlen))
			return false;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

static bool
tracker_pattern_ok(const char *s)
{
	return manifest_tracker_ok(s) && manifest_tracker_is_pattern(s);
}

static bool
patterns_check(const char *list, char *err, size_t errlen)
{
	return list_check(list, tracker_pattern_ok,
	    "a tracker pattern (/PATH, or SCHEME://:PORT/PATH)", err, errlen);
}

/* A numeric ADDRESS:PORT with its port: a tracker cluster's node. */
static bool
node_ok(const char *s)
{
	struct netaddr	a;

	return netaddr_parse(s, strlen(s), &a) == 0 && a.port != 0;
}

static bool
cluster_check(const char *list, char *err, size_t errlen)
{
	return list_check(list, node_ok, "a numeric ADDRESS:PORT (e.g. "
	    "10.0.0.1:6970 or [fd00::1]:6970)", err, errlen);
}

/* http://ADDRESS[:PORT]/PATH, ADDRESS numeric: another site's tracker. */
static bool
tpeer_ok(const char *s)
{
	struct netaddr	 a;
	const char	*slash;

	if (strncmp(s, "http://", 7) != 0 || (slash = strchr(s + 7, '/')) ==
	    NULL)
		return false;
	return netaddr_parse(s + 7, (size_t)(slash - s - 7), &a) == 0;
}

static bool
tpeers_check(const char *list, char *err, size_t errlen)
{
	return list_check(list, tpeer_ok, "http://ADDRESS[:PORT]/PATH with a "
	    "numeric address (e.g. http://10.2.0.1:6969/aptbt/exchange)",
	    err, errlen);
}

/* Empty, or an absolute path. */
static bool
abspath_check(const char *v, char *err, size_t errlen)
{
	if (v[0] == '\0' || v[0] == '/')
		return true;
	snprintf(err, errlen, "\"%s\" is not an absolute path", v);
	return false;
}

#define KEY(name, type, def)						\
	{ #name, type, offsetof(struct aptbtd_conf, name), def, 0, 0, NULL, NULL }

/* Sorted by name. */
static const struct conf_key conf_keys[] = {
	KEY(admin_group, CONF_STRING, "aptbt"),
	KEY(cache_dir, CONF_PATH, "/var/cache/aptbtd"),
	KEY(cache_size, CONF_BYTES, "4G"),
	KEY(control_socket, CONF_PATH, "/run/aptbtd/control.sock"),
	KEY(delta_dirs, CONF_STRING, "/var/cache/apt/archives /var/lib/apt/lists"),
	KEY(download_limit, CONF_BYTES, "0"),
	{ "listen_port", CONF_UINT, offsetof(struct aptbtd_conf, listen_port),
	    "6881", 1, 65535, NULL, NULL },
	{ "log_level", CONF_ENUM, offsetof(struct aptbtd_conf, log_level),
	    "info", 0, 0, log_level_names, NULL },
	KEY(lsd, CONF_BOOL, "yes"),
	{ "max_connections", CONF_UINT,
	    offsetof(struct aptbtd_conf, max_connections), "512", 1, 65535,
	    NULL, NULL },
	{ "max_connections_per_file", CONF_UINT,
	    offsetof(struct aptbtd_conf, max_connections_per_file), "50", 1,
	    65535, NULL, NULL },
	KEY(mirrors, CONF_STRING, ""),
	KEY(peer_download_limit, CONF_BYTES, "0"),
	KEY(peer_upload_limit, CONF_BYTES, "0"),
	KEY(peer_want_bytes, CONF_BYTES, "1G"),
	{ "peer_want_files", CONF_UINT,
	    offsetof(struct aptbtd_conf, peer_want_files), "200", 0, 1000000,
	    NULL, NULL },
	{ "peers", CONF_STRING, offsetof(struct aptbtd_conf, peers), "",
	    0, 0, NULL, netaddr_check_list },
	{ "proxy_allow", CONF_STRING, offsetof(struct aptbtd_conf,
	    proxy_allow), "", 0, 0, NULL, addrscope_check },
	KEY(proxy_keyrings, CONF_STRING,
	    "/usr/share/keyrings/debian-archive-keyring.gpg "
	    "/etc/apt/trusted.gpg.d/*"),
	{ "proxy_listen", CONF_STRING, offsetof(struct aptbtd_conf,
	    proxy_listen), "127.0.0.1:3142", 0, 0, NULL, proxy_listen_check },
	{ "proxy_upstreams", CONF_STRING, offsetof(struct aptbtd_conf,
	    proxy_upstreams), "any", 0, 0, NULL, NULL },
	{ "share", CONF_STRING, offsetof(struct aptbtd_conf, share), "lan",
	    0, 0, NULL, scope_check },
	KEY(state_dir, CONF_PATH, "/var/lib/aptbtd"),
	{ "status_listen", CONF_STRING,
	    offsetof(struct aptbtd_conf, status_listen), "127.0.0.1:9977",
	    0, 0, NULL, status_listen_check },
	KEY(tracker, CONF_BOOL, "no"),
	{ "tracker_announce_rate", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_announce_rate), "60", 1,
	    6000, NULL, NULL },
	{ "tracker_cluster", CONF_STRING,
	    offsetof(struct aptbtd_conf, tracker_cluster), "", 0, 0, NULL,
	    cluster_check },
	{ "tracker_cluster_key", CONF_STRING,
	    offsetof(struct aptbtd_conf, tracker_cluster_key), "", 0, 0, NULL,
	    abspath_check },
	{ "tracker_interval", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_interval), "1800", 30,
	    86400, NULL, NULL },
	KEY(tracker_max_memory, CONF_BYTES, "64M"),
	{ "tracker_numwant_max", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_numwant_max), "200", 1,
	    1000, NULL, NULL },
	{ "tracker_peer_ttl", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_peer_ttl), "0", 0,
	    604800, NULL, NULL },
	{ "tracker_peers", CONF_STRING,
	    offsetof(struct aptbtd_conf, tracker_peers), "", 0, 0, NULL,
	    tpeers_check },
	{ "tracker_peers_interval", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_peers_interval), "30", 1,
	    3600, NULL, NULL },
	KEY(tracker_peers_share_private, CONF_BOOL, "no"),
	{ "tracker_port", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_port), "6969", 1, 65535,
	    NULL, NULL },
	{ "tracker_rate", CONF_UINT,
	    offsetof(struct aptbtd_conf, tracker_rate), "6000", 0, 6000000,
	    NULL, NULL },
	{ "trackers", CONF_STRING, offsetof(struct aptbtd_conf, trackers), "",
	    0, 0, NULL, trackers_check },
	{ "trackers_on_metadata_hosts", CONF_STRING,
	    offsetof(struct aptbtd_conf, trackers_on_metadata_hosts), "",
	    0, 0, NULL, patterns_check },
	KEY(upload_limit, CONF_BYTES, "0"),
	KEY(user, CONF_STRING, "aptbt"),
};
#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

int
conf_load(const char *path, bool must_exist, char *err, size_t errlen)
{
	struct aptbtd_conf	next;

	memset(&next, 0, sizeof(next));
	if (conf_defaults(conf_keys, NKEYS, &next, err, errlen) == -1)
		goto fail;
	if (path == NULL)
		path = APTBTD_DEFAULT_CONF;
	if (must_exist || access(path, F_OK) == 0) {
		if (conf_load_file(path, conf_keys, NKEYS, &next, err,
		    errlen) == -1)
			goto fail;
	} else
		log_debug("%s: not found, using built-in defaults", path);
	conf_free(conf_keys, NKEYS, &conf);
	conf = next;
	return 0;
fail:
	conf_free(conf_keys, NKEYS, &next);
	return -1;
}

void
conf_foreach(void (*cb)(const char *key, const char *value, void *),
    void *arg)
{
	const struct conf_key	*k;
	const char		*p;
	char			 num[24];
	size_t			 i;

	for (i = 0; i < NKEYS; i++) {
		k = &conf_keys[i];
		p = (const char *)&conf + k->offset;
		switch (k->type) {
		case CONF_STRING:
		case CONF_PATH:
			cb(k->name, *(char *const *)(const void *)p, arg);
			break;
		case CONF_BOOL:
			cb(k->name, *(const bool *)(const void *)p ? "yes" :
			    "no", arg);
			break;
		case CONF_ENUM:
			cb(k->name, k->choices[*(const int *)(const void *)p],
			    arg);
			break;
		default:
			snprintf(num, sizeof(num), "%llu", (unsigned long long)
			    *(const uint64_t *)(const void *)p);
			cb(k->name, num, arg);
			break;
		}
	}
}

void
conf_release(void)
{
	conf_free(conf_keys, NKEYS, &conf);
}
