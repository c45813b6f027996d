/* SPDX-License-Identifier: ISC */
/*
 * gossip.h - a tracker cluster: the nodes tell each other their peers.
 *
 * Every node of `tracker_cluster` holds the same key (`tracker_cluster_key`)
 * and one UDP socket.  What a client announces to one node goes to every
 * other node as a delta, batched for at most GOSSIP_FLUSH_MS or until a
 * datagram is full; the other nodes put it in their store as a learned
 * peer, with the time it has left.  A node that starts, or that comes
 * back after GOSSIP_SILENT_MS of silence, is sent the whole local state
 * of every other node, paced; nodes send a heartbeat every
 * GOSSIP_HEARTBEAT_MS when there is nothing else to say, so silence is
 * seen.  Packets are built and checked by common/gossipmsg.h; what is
 * refused (unknown sender, over the rate, malformed, forged, stale,
 * replayed, old run) is dropped and counted per reason.  The packet
 * format is in doc/trackers.md.
 *
 * The cluster key also gives the key of the UDP tracker's connection
 * ids (gossip_connid_key), so every node accepts the ids any node gave.
 *
 * Loop-thread only.
 *
 * Return values:
 *	gossip_new		the cluster, or NULL with the reason in err
 *				(a node list that does not parse, a key
 *				file that is missing, short or readable by
 *				others, a port that cannot be bound).
 *	gossip_nodes		nodes written (self excluded), at most max.
 */
#ifndef APTBTD_GOSSIP_H
#define APTBTD_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gossipmsg.h"

#define GOSSIP_FLUSH_MS		50	/* a delta waits at most this */
#define GOSSIP_HEARTBEAT_MS	2000	/* something at least this often */
#define GOSSIP_SILENT_MS	6000	/* then a node is sent everything again */
#define GOSSIP_MAX_NODES	32
#define GOSSIP_RATE_PPS		1000	/* packets a second from one node */
#define GOSSIP_BURST		500
#define GOSSIP_FULL_PPS		400	/* the whole state, paced */
#define GOSSIP_MAX_LEARNED	500000	/* learned peers, all nodes together */
#define GOSSIP_MAX_TTL		(4 * 3600)	/* a learned peer lives at most */

struct event_base;
struct swarms;
struct gossip;

/* Why a datagram was dropped, besides the codec's verdicts. */
enum gossip_drop {
	GOSSIP_DROP_UNKNOWN,	/* not from a node of the cluster */
	GOSSIP_DROP_RATE,	/* over GOSSIP_RATE_PPS */
	GOSSIP_DROP_LEARNED,	/* records over GOSSIP_MAX_LEARNED */
	GOSSIP_NDROPS
};

struct gossip_node_stats {
	char		 name[72];	/* "ADDRESS:PORT" as configured */
	int64_t		 heard_ms_ago;	/* -1: never */
	uint64_t	 pkts_in;	/* accepted */
	uint64_t	 pkts_out;
	uint64_t	 recs_in;
	uint64_t	 recs_out;
	uint64_t	 rejected;	/* from this node's address, any reason */
	uint64_t	 full_sent;	/* whole states sent to it */
};

struct gossip_stats {
	char		 self[72];	/* our ADDRESS:PORT, or the port alone */
	size_t		 nodes;		/* others */
	uint64_t	 verdicts[GOSSIP_NVERDICTS];	/* [GOSSIP_OK]: accepted */
	uint64_t	 drops[GOSSIP_NDROPS];
	uint64_t	 deltas_out;	/* records queued as deltas */
};

/*
 * nodes: the `tracker_cluster` list ("ADDRESS:PORT, ..."), with or without
 * this node; keyfile: the cluster key; ttl: the seconds a local peer
 * lives, the most a learned one is given too.
 */
struct gossip	*gossip_new(struct event_base *, struct swarms *,
		    const char *nodes, const char *keyfile, uint32_t ttl,
		    char *err, size_t errlen);
void		 gossip_free(struct gossip *);

/* The key of UDP connection ids, the same on every node. */
const uint8_t	*gossip_connid_key(const struct gossip *);

void		 gossip_stats(const struct gossip *, struct gossip_stats *);
size_t		 gossip_nodes(const struct gossip *, struct gossip_node_stats *,
		    size_t max);

#endif
