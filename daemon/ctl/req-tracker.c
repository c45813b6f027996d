/* SPDX-License-Identifier: ISC */
/*
 * req-tracker.c - "tracker": the embedded tracker's swarms, peers,
 * memory, request rates and refusals (daemon/base/trkstats.h).
 *
 * "enabled" is 0 when tracker = no (every other count then 0).  "nodes"
 * lists the gossip state of a tracker cluster's other nodes, "gossip_*"
 * what became of the datagrams they (or anyone) sent, "cluster_self"
 * this node ("" without a cluster); "tracker_peers" lists the trackers
 * of other sites we exchange peers with, "xchg_*" the exchanges they
 * asked of us.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/base/trkstats.h"
#include "daemon/ctl/request.h"

static void
put_nodes(struct bytebuf *b, const struct trkstats_cluster *c)
{
	size_t	i;

	benc_put_cstr(b, "nodes");
	benc_put_list(b);
	for (i = 0; i < c->nnodes; i++) {
		const struct trkstats_node *n = &c->nodes[i];

		benc_put_dict(b);
		benc_put_kv_int(b, "full_sent", (int64_t)n->full_sent);
		benc_put_kv_int(b, "heard_ms", n->heard_ms_ago);
		benc_put_kv_str(b, "name", n->name);
		benc_put_kv_int(b, "pkts_in", (int64_t)n->pkts_in);
		benc_put_kv_int(b, "pkts_out", (int64_t)n->pkts_out);
		benc_put_kv_int(b, "recs_in", (int64_t)n->recs_in);
		benc_put_kv_int(b, "recs_out", (int64_t)n->recs_out);
		benc_put_kv_int(b, "rejected", (int64_t)n->rejected);
		benc_put_end(b);
	}
	benc_put_end(b);
}

static void
put_tpeers(struct bytebuf *b, const struct trkstats_cluster *c)
{
	size_t	i;

	benc_put_cstr(b, "tracker_peers");
	benc_put_list(b);
	for (i = 0; i < c->ntpeers; i++) {
		const struct trkstats_tpeer *t = &c->tpeers[i];

		benc_put_dict(b);
		benc_put_kv_int(b, "failures", (int64_t)t->failures);
		benc_put_kv_int(b, "learned", (int64_t)t->learned);
		benc_put_kv_int(b, "ok_ms", t->ok_ms_ago);
		benc_put_kv_int(b, "rounds", (int64_t)t->rounds);
		benc_put_kv_int(b, "sent", (int64_t)t->sent);
		benc_put_kv_str(b, "url", t->url);
		benc_put_end(b);
	}
	benc_put_end(b);
}

static void
req_tracker(struct request *req)
{
	static struct trkstats		 st;	/* 5 KiB: not on the stack */
	const struct trkstats_cluster	*c = &st.cluster;
	struct bytebuf			*b;
	bool				 on = trkstats_get(&st);

	b = request_reply_begin(req);
	/* Keys in canonical order. */
	benc_put_kv_int(b, "announces", (int64_t)st.announces);
	benc_put_kv_str(b, "cluster_self", c->self);
	benc_put_kv_int(b, "enabled", on);
	benc_put_kv_int(b, "evicted", (int64_t)st.evicted);
	benc_put_kv_int(b, "expired", (int64_t)st.expired);
	benc_put_kv_int(b, "gossip_accepted", (int64_t)c->accepted);
	benc_put_kv_int(b, "gossip_deltas_out", (int64_t)c->deltas_out);
	benc_put_kv_int(b, "gossip_forged", (int64_t)c->forged);
	benc_put_kv_int(b, "gossip_learned_over", (int64_t)c->learned_over);
	benc_put_kv_int(b, "gossip_malformed", (int64_t)c->malformed);
	benc_put_kv_int(b, "gossip_old_run", (int64_t)c->old_run);
	benc_put_kv_int(b, "gossip_over_rate", (int64_t)c->over_rate);
	benc_put_kv_int(b, "gossip_replayed", (int64_t)c->replayed);
	benc_put_kv_int(b, "gossip_stale", (int64_t)c->stale);
	benc_put_kv_int(b, "gossip_unknown", (int64_t)c->unknown);
	benc_put_kv_int(b, "http_requests", (int64_t)st.http_requests);
	benc_put_kv_int(b, "http_rps_milli", st.http_rps_milli);
	benc_put_kv_int(b, "interval", st.interval);
	benc_put_kv_int(b, "learned", (int64_t)st.learned);
	benc_put_kv_int(b, "malformed", (int64_t)st.malformed);
	benc_put_kv_int(b, "memory_max", (int64_t)st.mem_max);
	benc_put_kv_int(b, "memory_other", (int64_t)st.mem_other);
	benc_put_kv_int(b, "memory_used", (int64_t)st.mem_used);
	put_nodes(b, c);
	benc_put_kv_int(b, "numwant_max", st.numwant_max);
	benc_put_kv_int(b, "peer_ttl", st.peer_ttl);
	benc_put_kv_int(b, "peers", (int64_t)(st.peers4 + st.peers6));
	benc_put_kv_int(b, "peers4", (int64_t)st.peers4);
	benc_put_kv_int(b, "peers6", (int64_t)st.peers6);
	benc_put_kv_int(b, "port", st.port);
	benc_put_kv_int(b, "rate", st.rate);
	benc_put_kv_int(b, "rate_limited", (int64_t)st.rate_limited);
	benc_put_kv_int(b, "refused", (int64_t)st.refused);
	benc_put_kv_int(b, "scrapes", (int64_t)st.scrapes);
	benc_put_kv_int(b, "seed_batches", (int64_t)st.seed_batches);
	benc_put_kv_int(b, "seed_hashes", (int64_t)st.seed_hashes);
	benc_put_kv_int(b, "seeds", (int64_t)st.seeds);
	benc_put_kv_int(b, "swarms", (int64_t)st.swarms);
	put_tpeers(b, c);
	benc_put_kv_int(b, "udp_requests", (int64_t)st.udp_requests);
	benc_put_kv_int(b, "udp_rps_milli", st.udp_rps_milli);
	benc_put_kv_int(b, "xchg_refused", (int64_t)c->xchg_refused);
	benc_put_kv_int(b, "xchg_served", (int64_t)c->xchg_served);
	request_reply_end(req);
}

const struct request_entry req_tracker_entry = {
	"tracker", ACCESS_READ, "tracker", req_tracker
};
