/* SPDX-License-Identifier: ISC */
/*
 * link.h - one swarm on one peer connection.
 *
 * The BEP 3 conversation about a single file: bitfields and haves,
 * choking and interest, our requests to the peer and its requests to us,
 * and aptbt_hashes hints.  A link is the same whether it is a standard
 * client's whole connection or one aptbt_mux channel between daemons.
 */
#ifndef APTBTD_LINK_H
#define APTBTD_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct link;
struct peer;
struct pw_msg;
struct swarm;

struct link *link_new(struct peer *, uint32_t sid, struct swarm *);
/* Drop the link (connection closed, channel detached, swarm ending). */
void	 link_free(struct link *, const char *why);
/* Start talking: our bitfield, interest. */
void	 link_start(struct link *);
/* The channel our attach asked for (set right after peer_attach). */
void	 link_set_sid(struct link *, uint32_t sid);
/* The answer to our attach. */
void	 link_attached(struct link *, bool ok);
/*
 * Right after our attach to a daemon whose have-index lists the file:
 * start as if it had attached, said have all and unchoked us.
 */
void	 link_presume_seed(struct link *);
/* An incoming peer wire message for this swarm. */
void	 link_handle(struct link *, const struct pw_msg *);
/* Read the blocks granted to links in this round of the tree. */
void	 link_flush_all(void);

const uint8_t *link_key(const struct link *);
struct peer *link_peer(const struct link *);
struct swarm *link_swarm(const struct link *);
bool	 link_has(const struct link *, uint32_t piece);
bool	 link_is_seed(const struct link *);
/* Our download ended: drop the link if neither side wants more. */
void	 link_done(struct link *);
/* We now hold a piece: send "have"; maybe lose interest. */
void	 link_have(struct link *, uint32_t piece);
/* New blocks may be requestable (hints arrived, a piece was freed). */
void	 link_pump(struct link *);
/* Our request for the block is withdrawn: cancel it with the peer. */
void	 link_cancel(struct link *, uint32_t piece, uint32_t begin,
	    uint32_t len);
/*
 * Our piece hashes from first on (count of them) are known now: answer
 * a request we held back, or pass them on to a peer that wants hints.
 */
void	 link_hashes_ready(struct link *, uint32_t first, uint32_t count);
/* Ask the peer for piece hashes from first on. */
void	 link_want_hashes(struct link *, uint32_t first);
/* Detach from the swarm (download finished and nothing to serve). */
void	 link_close(struct link *);

/* For the choker. */
void	 link_set_choke(struct link *, bool choke);
bool	 link_peer_interested(const struct link *);
uint64_t link_rate_down(struct link *);
uint64_t link_rate_up(struct link *);

#endif
