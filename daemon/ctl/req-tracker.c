/* SPDX-License-Identifier: ISC */
/*
 * req-tracker.c - "tracker": the embedded tracker's swarms, peers,
 * memory, request rates and refusals (daemon/base/trkstats.h).
 *
 * "enabled" is 0 when tracker = no (every other count then 0).  "nodes"
 * lists the gossip state of a tracker cluster's nodes: empty until a
 * cluster is configured.
 */
#include "config.h"

#include "common/bencode.h"
#include "daemon/base/trkstats.h"
#include "daemon/ctl/request.h"

static void
req_tracker(struct request *req)
{
	struct trkstats	 st;
	struct bytebuf	*b;
	bool		 on = trkstats_get(&st);

	b = request_reply_begin(req);
	/* Keys in canonical order. */
	benc_put_kv_int(b, "announces", (int64_t)st.announces);
	benc_put_kv_int(b, "enabled", on);
	benc_put_kv_int(b, "evicted", (int64_t)st.evicted);
	benc_put_kv_int(b, "expired", (int64_t)st.expired);
	benc_put_kv_int(b, "http_requests", (int64_t)st.http_requests);
	benc_put_kv_int(b, "http_rps_milli", st.http_rps_milli);
	benc_put_kv_int(b, "interval", st.interval);
	benc_put_kv_int(b, "learned", (int64_t)st.learned);
	benc_put_kv_int(b, "malformed", (int64_t)st.malformed);
	benc_put_kv_int(b, "memory_max", (int64_t)st.mem_max);
	benc_put_kv_int(b, "memory_other", (int64_t)st.mem_other);
	benc_put_kv_int(b, "memory_used", (int64_t)st.mem_used);
	benc_put_cstr(b, "nodes");
	benc_put_list(b);
	benc_put_end(b);
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
	benc_put_kv_int(b, "udp_requests", (int64_t)st.udp_requests);
	benc_put_kv_int(b, "udp_rps_milli", st.udp_rps_milli);
	request_reply_end(req);
}

const struct request_entry req_tracker_entry = {
	"tracker", ACCESS_READ, "tracker", req_tracker
};
