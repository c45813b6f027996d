/* SPDX-License-Identifier: ISC */
/*
 * conf.h - aptbtd's settings: the key table and the live configuration.
 *
 * The table (conf.c) is the single list of settings; aptbtd.conf(5)
 * documents the same keys.  A reload parses into a fresh struct and swaps
 * it in only when the whole file is good.
 */
#ifndef APTBTD_CONF_H
#define APTBTD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APTBTD_DEFAULT_CONF	SYSCONFDIR "/aptbt/aptbtd.conf"

struct aptbtd_conf {
	char		*admin_group;		/* may pause, limit, remove */
	char		*control_socket;
	char		*cache_dir;
	uint64_t	 cache_size;		/* cache quota, bytes */
	char		*delta_dirs;		/* older versions for a delta */
	char		*mirrors;		/* base URLs of one archive's mirrors */
	char		*state_dir;
	uint64_t	 listen_port;
	bool		 lsd;			/* Local Service Discovery, BEP 14 */
	uint64_t	 download_limit;	/* bytes/s, 0 = unlimited */
	uint64_t	 upload_limit;
	uint64_t	 peer_download_limit;	/* each peer, bytes/s */
	uint64_t	 peer_upload_limit;
	uint64_t	 peer_want_bytes;	/* mirror bytes per host and hour */
	uint64_t	 peer_want_files;	/* files fetched per host and hour */
	int		 log_level;		/* enum log_level */
	char		*user;			/* drop to this user when root; "" = stay */
	char		*peers;			/* static daemons, ADDR:PORT list */
	uint64_t	 max_connections;	/* peer connections in all */
	uint64_t	 max_connections_per_file; /* standard clients per swarm */
	char		*share;			/* lan, any, off or prefixes */
	char		*status_listen;		/* ADDRESS:PORT of the status page, "none" */
	char		*trackers;		/* our own trackers, URL list */
	char		*trackers_on_metadata_hosts; /* patterns, URL list */
	uint64_t	 tracker_announce_rate;	/* seed announces a minute */
	char		*tracker_cluster;	/* nodes, ADDRESS:PORT list */
	char		*tracker_cluster_key;	/* 32-byte key file */
	char		*tracker_peers;		/* other sites' trackers, URLs */
	bool		 tracker_peers_share_private; /* RFC 1918, ULA too */
	uint64_t	 tracker_peers_interval; /* seconds between rounds */
	bool		 tracker;		/* run the embedded tracker */
	uint64_t	 tracker_port;		/* its HTTP and UDP port */
	uint64_t	 tracker_interval;	/* seconds, told to clients */
	uint64_t	 tracker_peer_ttl;	/* seconds; 0: 2 x interval */
	uint64_t	 tracker_numwant_max;	/* peers in one reply */
	uint64_t	 tracker_max_memory;	/* bytes of swarm state */
	uint64_t	 tracker_rate;		/* requests a minute per address */
	char		*proxy_listen;		/* ADDRESS:PORT or "none" */
	char		*proxy_allow;		/* clients besides the share scope */
	char		*proxy_upstreams;	/* hosts the proxy fetches from */
	char		*proxy_keyrings;	/* gpgv keyrings (globs) */
};

extern struct aptbtd_conf conf;

/*
 * Load path (NULL: the default file, which may be missing) into conf.
 * On error conf is unchanged and err says "FILE:LINE: message".
 */
int	conf_load(const char *path, bool must_exist, char *err, size_t errlen);
void	conf_release(void);
/* Every setting as the running daemon has it, as text, in key order. */
void	conf_foreach(void (*cb)(const char *key, const char *value, void *),
	    void *);

#endif
