/* SPDX-License-Identifier: ISC */
/*
 * bandwidth.h - the bandwidth tree: the global budget, then each file,
 * then each peer of the file.
 *
 * Between daemons one connection carries many files, so a file's share
 * cannot be a socket limit: it is applied where the work is decided, at
 * the blocks we request (download) and the requested blocks we read to
 * send (upload).  Every link (one file with one peer) is a client of the
 * tree.  A link with work asks for a turn; turns go round-robin over the
 * files that wait and, within a file, round-robin over its links, one
 * block a turn, while every level on the way (global, file, peer) has
 * tokens left.  So busy files share the budget equally and never starve
 * each other, and the peers of a file share its part.  The global limit
 * is also held at the sockets (peer.c), which counts protocol bytes too.
 */
#ifndef APTBTD_BANDWIDTH_H
#define APTBTD_BANDWIDTH_H

#include "common/queue-compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"
#include "common/netaddr.h"

struct event_base;
struct peer;

enum bw_dir {
	BW_DOWN,
	BW_UP,
};
#define BW_NDIR		2

/* Upload bytes a connection may have queued (read or unsent) at once. */
#define BW_BACKLOG	(4 * 1024 * 1024)

struct bw_node;
struct bw_client;

/* Do one unit of work (send one request, start one read): its bytes, or 0 when there is none. */
typedef size_t	(*bw_grant_fn)(struct bw_client *, enum bw_dir);

/* Embedded in a link; the fields are the tree's. */
struct bw_client {
	TAILQ_ENTRY(bw_client)	 q[BW_NDIR];
	struct bw_node		*file, *peer;
	bw_grant_fn		 grant;
	bool			 waiting[BW_NDIR];
	uint64_t		 inflight;	/* granted upload bytes not yet sent */
};

/* An explicit limit of one file or one peer address. */
struct bw_limit {
	bool		 is_peer;
	uint8_t		 sha256[SHA256_LEN];
	struct netaddr	 addr;
	uint64_t	 down, up;	/* bytes/s, 0 = none */
};
#define BW_MAX_LIMITS	256

int	 bw_init(struct event_base *);
void	 bw_shutdown(void);

int	 bw_client_init(struct bw_client *, const uint8_t sha256[SHA256_LEN],
	    const struct peer *, bw_grant_fn);
void	 bw_client_fini(struct bw_client *);
/* Must transfers take turns?  The tightest limit on the path in bytes/s,
 * or 0: no limit, go ahead. */
uint64_t bw_pace(struct bw_client *, enum bw_dir);
/* The link has work in that direction: its grant function is called. */
void	 bw_want(struct bw_client *, enum bw_dir);
/* Granted upload bytes were handed to the connection (or dropped). */
void	 bw_sent(struct bw_client *, size_t);
/* A connection's output drained below BW_BACKLOG / 2. */
void	 bw_output_drained(void);

/*
 * Called after each round of turns, so that what was granted one block
 * at a time can be read from disk together.
 */
void	 bw_set_round_end(void (*)(void));

/* Limits in bytes/s, 0 = none. */
void	 bw_set_global(uint64_t down, uint64_t up);
void	 bw_set_peer_default(uint64_t down, uint64_t up);
/*
 * Set the limits of lim's file or peer (down or up < 0 keeps the value;
 * both 0 removes the entry); lim then holds the values in force.
 * -ENOSPC past BW_MAX_LIMITS entries.
 */
int	 bw_limit_set(struct bw_limit *lim, int64_t down, int64_t up);
void	 bw_limit_foreach(void (*cb)(const struct bw_limit *, void *),
	    void *);

#endif
