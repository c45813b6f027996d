/* SPDX-License-Identifier: ISC */
/*
 * cluster.h - the embedded tracker's company: the nodes of its cluster
 * (`tracker_cluster`, gossip.h) and the trackers of other sites it
 * exchanges peers with (`tracker_peers`, trkpeers.h), as configured.
 *
 * tracker.c calls cluster_apply() once its store runs and after every
 * reload: the gossip is (re)started when its settings changed, stopped
 * when they are gone, and the connection-id key of the UDP tracker is
 * the cluster's while a cluster runs.  A setting that cannot be used
 * (a key file others can read, a port taken) is logged and that part
 * stays off; the tracker runs on alone.
 *
 * Return values: cluster_apply 0, or -1 when a configured part could not
 * start (logged, with the reason).
 */
#ifndef APTBTD_CLUSTER_H
#define APTBTD_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/base/trkstats.h"

struct event_base;
struct swarms;

int	cluster_apply(struct event_base *, struct swarms *, uint32_t ttl);
void	cluster_stop(void);
void	cluster_fill(struct trkstats_cluster *);

/*
 * An exchange a tracker peer POSTed to XCHG_PATH: the HTTP status (200,
 * 400, 403; 404 when no tracker peers are configured), the answer's body
 * in *out, *outlen for a 200.
 */
struct sockaddr;
int	cluster_exchange(const struct sockaddr *, const uint8_t *body,
	    size_t len, const uint8_t **out, size_t *outlen);

#endif
