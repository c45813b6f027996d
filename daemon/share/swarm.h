/* SPDX-License-Identifier: ISC */
/*
 * swarm.h - one file shared with peers.
 *
 * A swarm exists while a file is being fetched (it belongs to the fetch
 * job) or while a peer takes part in it (a seed from the cache, opened on
 * demand: thousands of cached files cost a hash-table entry each, not a
 * swarm).  It knows the file's layout, which pieces we hold, the piece
 * hashes learnt so far and the links (peers) taking part; it assembles
 * blocks from peers into pieces and verifies them before they are stored.
 */
#ifndef APTBTD_SWARM_H
#define APTBTD_SWARM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/hash.h"
#include "common/swarmkey.h"

struct piece_sink;
struct link;
struct peer;
struct piecemap;

struct swarm_stats {
	uint8_t		 sha256[SHA256_LEN];
	uint64_t	 size;
	uint64_t	 have_bytes;
	bool		 seeding;
	unsigned	 nlinks;
	uint64_t	 from_peers, to_peers, from_mirrors;
};

int	 swarm_init(void);
void	 swarm_shutdown(void);

/* Files we hold (cache) and fetch: the index behind lookups by key. */
void	 swarm_index_add(const uint8_t sha256[SHA256_LEN], uint64_t size);
void	 swarm_index_remove(const uint8_t sha256[SHA256_LEN]);
/* Every file of the index; cb must not change it. */
void	 swarm_index_foreach(void (*cb)(const uint8_t *sha256, uint64_t size,
	    void *), void *arg);

/*
 * The swarm for a key: an active one, or (open) a seed for a cached file
 * with that key.  NULL when we take no part in it.
 */
struct swarm *swarm_find(const uint8_t key[SWARMKEY_LEN], bool open);
struct swarm *swarm_find_sha256(const uint8_t sha256[SHA256_LEN]);
/* May this peer take part (share scope, not private)? */
bool	 swarm_shared_with(const struct swarm *, const struct peer *);

/* The fetch job's side: it hands in where pieces go (piecesink.h). */
struct swarm *swarm_for_job(struct piece_sink *,
	    const uint8_t sha256[SHA256_LEN], uint64_t size);
void	 swarm_job_done(struct swarm *, bool complete);
/* A piece reached the disk (from any source): tell the peers. */
void	 swarm_piece_stored(struct swarm *, uint32_t piece);
/*
 * The same for a piece from a mirror: hashed first, as a hint for peers,
 * and (dispute) to settle whether the peers' copy or its hint was wrong.
 */
void	 swarm_mirror_piece(struct swarm *, uint32_t piece, bool dispute);
/* Ask daemons that hold or fetch the file for it; true if any was asked. */
bool	 swarm_ask_peers(struct swarm *);
/*
 * The daemon with this peer id fetches the file from the mirror: its
 * link (now or once it comes) holds the mirrors while it makes progress.
 */
void	 swarm_peer_fetching(struct swarm *, const uint8_t *peer_id);
/* Let every link ask for blocks (some may have come free). */
void	 swarm_pump(struct swarm *);

/* The link's side. */
const uint8_t *swarm_key(const struct swarm *);
const uint8_t *swarm_sha256(const struct swarm *);
/* The file's torrent became known (metadata mode): take its keys. */
void	 swarm_torrent_known(struct swarm *);
bool	 swarm_has_key(const struct swarm *, const uint8_t key[SWARMKEY_LEN]);
/* Is this peer already in the swarm? */
bool	 swarm_linked(const struct swarm *, const struct peer *);
uint64_t swarm_size(const struct swarm *);
uint32_t swarm_npieces(const struct swarm *);
bool	 swarm_has_piece(const struct swarm *, uint32_t);
bool	 swarm_complete(const struct swarm *);
const uint8_t *swarm_bitfield(const struct swarm *);
void	 swarm_link_add(struct swarm *, struct link *);
/* The links taking part, valid until the swarm changes. */
struct link *const *swarm_links(const struct swarm *, unsigned *n);
void	 swarm_link_remove(struct swarm *, struct link *);
/* The link's peer has a piece; it chokes us or not. */
void	 swarm_have(struct swarm *, const struct link *, uint32_t piece);
void	 swarm_choked(struct swarm *, const struct link *, bool choked);
/* A block from a peer; swarm takes a copy.  false if it was not wanted. */
bool	 swarm_block(struct swarm *, struct link *, uint32_t piece,
	    uint32_t begin, const uint8_t *, uint32_t len);
/* Up to max blocks to request from a link, as the sink picks them. */
size_t	 swarm_pick(struct swarm *, struct link *, uint32_t *pieces,
	    uint32_t *begins, uint32_t *lens, size_t max);
/* A request was rejected, cancelled or lost with its link. */
void	 swarm_unrequest(struct swarm *, const struct link *, uint32_t piece,
	    uint32_t begin);
/* One block to read for upload. */
struct swarm_rd {
	uint32_t	piece, begin, len;
};
/*
 * Read n blocks for upload on a worker, one after the other into one
 * buffer; done(arg, data, err) runs on the loop and owns data.
 */
int	 swarm_read(struct swarm *, const struct swarm_rd *, size_t n,
	    void (*done)(void *, uint8_t *, int), void *arg);
/*
 * Piece hashes (zero-metadata hints).  Pending while we hash our copy,
 * which the first asking starts: peers with a torrent never need them.
 */
bool	 swarm_hashes_pending(struct swarm *);
bool	 swarm_piece_hash(const struct swarm *, uint32_t, uint8_t *out);
void	 swarm_hints(struct swarm *, struct link *, uint32_t first,
	    const uint8_t *hashes, size_t count);
void	 swarm_get_stats(const struct swarm *, struct swarm_stats *);
void	 swarm_foreach(void (*cb)(struct swarm *, void *), void *arg);
unsigned swarm_count(void);
/* Traffic accounting for files and status. */
void	 swarm_count_up(struct swarm *, uint64_t);

#endif
