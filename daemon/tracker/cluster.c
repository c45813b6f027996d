/* SPDX-License-Identifier: ISC */
/*
 * cluster.c - the tracker cluster and the tracker peers, as configured
 * (see cluster.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/base/conf.h"
#include "daemon/tracker/cluster.h"
#include "daemon/tracker/gossip.h"
#include "daemon/tracker/tracker.h"
#include "daemon/tracker/trkpeers.h"

static struct {
	struct gossip	*g;
	struct swarms	*swarms;	/* the store g runs on */
	char		*nodes, *keyfile;	/* what g was started with */
	uint32_t	 ttl;
	struct trkpeers	*tp;
	struct swarms	*tp_swarms;
	char		*tp_urls;
	bool		 tp_private;
	uint32_t	 tp_interval;
	struct xchg_builder out;	/* an exchange's answer */
} cl;

static bool
same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static void
gossip_stop(void)
{
	if (cl.g != NULL)
		log_info("tracker cluster: stopped");
	gossip_free(cl.g);
	cl.g = NULL;
	free(cl.nodes);
	free(cl.keyfile);
	cl.nodes = cl.keyfile = NULL;
	cl.swarms = NULL;
}

static int
gossip_apply(struct event_base *base, struct swarms *swarms, uint32_t ttl)
{
	const char	*nodes = conf.tracker_cluster;
	char		 err[512];

	if (nodes == NULL || nodes[0] == '\0') {
		gossip_stop();
		return 0;
	}
	/* The key file is read again on a reload: it may have been fixed. */
	if (cl.g != NULL && cl.swarms == swarms && cl.ttl == ttl &&
	    same(cl.nodes, nodes) && same(cl.keyfile,
	    conf.tracker_cluster_key))
		return 0;
	gossip_stop();
	if ((cl.g = gossip_new(base, swarms, nodes, conf.tracker_cluster_key,
	    ttl, err, sizeof(err))) == NULL) {
		log_warnx("tracker cluster off: %s", err);
		return -1;
	}
	cl.swarms = swarms;
	cl.ttl = ttl;
	cl.nodes = strdup(nodes);
	cl.keyfile = strdup(conf.tracker_cluster_key != NULL ?
	    conf.tracker_cluster_key : "");
	trackerd_set_connid_key(gossip_connid_key(cl.g));
	return 0;
}

static void
tpeers_stop(void)
{
	if (cl.tp != NULL)
		log_info("tracker peers: stopped");
	trkpeers_free(cl.tp);
	cl.tp = NULL;
	free(cl.tp_urls);
	cl.tp_urls = NULL;
	cl.tp_swarms = NULL;
}

static int
tpeers_apply(struct event_base *base, struct swarms *swarms)
{
	const char	*urls = conf.tracker_peers;
	uint32_t	 iv = (uint32_t)conf.tracker_peers_interval;
	char		 err[512];

	if (urls == NULL || urls[0] == '\0') {
		tpeers_stop();
		return 0;
	}
	if (cl.tp != NULL && cl.tp_swarms == swarms && same(cl.tp_urls, urls) &&
	    cl.tp_private == conf.tracker_peers_share_private &&
	    cl.tp_interval == iv)
		return 0;
	tpeers_stop();
	if ((cl.tp = trkpeers_new(base, swarms, urls,
	    conf.tracker_peers_share_private, iv, err, sizeof(err))) == NULL) {
		log_warnx("tracker peers off: %s", err);
		return -1;
	}
	cl.tp_swarms = swarms;
	cl.tp_urls = strdup(urls);
	cl.tp_private = conf.tracker_peers_share_private;
	cl.tp_interval = iv;
	return 0;
}

int
cluster_apply(struct event_base *base, struct swarms *swarms, uint32_t ttl)
{
	int	rc = gossip_apply(base, swarms, ttl);

	return tpeers_apply(base, swarms) == -1 ? -1 : rc;
}

void
cluster_stop(void)
{
	gossip_stop();
	tpeers_stop();
}

int
cluster_exchange(const struct sockaddr *sa, const uint8_t *body, size_t len,
    const uint8_t **out, size_t *outlen)
{
	int	code;

	if (cl.tp == NULL)
		return 404;
	if ((code = trkpeers_serve(cl.tp, sa, body, len, &cl.out)) == 200) {
		*out = cl.out.buf;
		*outlen = cl.out.len;
	}
	return code;
}

void
cluster_fill(struct trkstats_cluster *c)
{
	struct gossip_stats	 gs;
	struct gossip_node_stats ns[GOSSIP_MAX_NODES];
	size_t			 i, n;

	memset(c, 0, sizeof(*c));
	if (cl.tp != NULL)
		trkpeers_fill(cl.tp, c);
	if (cl.g == NULL)
		return;
	gossip_stats(cl.g, &gs);
	memcpy(c->self, gs.self, sizeof(c->self));
	c->accepted = gs.verdicts[GOSSIP_OK];
	c->malformed = gs.verdicts[GOSSIP_EMALFORMED];
	c->forged = gs.verdicts[GOSSIP_EFORGED];
	c->stale = gs.verdicts[GOSSIP_ESTALE];
	c->replayed = gs.verdicts[GOSSIP_EREPLAY];
	c->old_run = gs.verdicts[GOSSIP_EOLDRUN];
	c->unknown = gs.drops[GOSSIP_DROP_UNKNOWN];
	c->over_rate = gs.drops[GOSSIP_DROP_RATE];
	c->learned_over = gs.drops[GOSSIP_DROP_LEARNED];
	c->deltas_out = gs.deltas_out;
	n = gossip_nodes(cl.g, ns, GOSSIP_MAX_NODES);
	for (i = 0; i < n && i < TRKSTATS_NODES; i++) {
		struct trkstats_node *o = &c->nodes[i];

		memcpy(o->name, ns[i].name, sizeof(o->name));
		o->heard_ms_ago = ns[i].heard_ms_ago;
		o->pkts_in = ns[i].pkts_in;
		o->pkts_out = ns[i].pkts_out;
		o->recs_in = ns[i].recs_in;
		o->recs_out = ns[i].recs_out;
		o->rejected = ns[i].rejected;
		o->full_sent = ns[i].full_sent;
	}
	c->nnodes = i;
}
