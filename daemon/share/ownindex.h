/* SPDX-License-Identifier: ISC */
/*
 * ownindex.h - our have-index, sent to each daemon as its output drains.
 *
 * A daemon that connects gets the SHA-256 of every file we hold (at most
 * PEXT_INDEX_ADVERTISED).  Queued all at once that is 320 KB per
 * connection for 10,000 files (more in libevent's power-of-two buffer
 * chunks), 160 MB for 500 daemons connecting together, and it stays
 * queued for a peer that does not read.  Here it goes in messages of
 * OWNINDEX_BATCH hashes, the next one queued only while the connection's
 * output is below OWNINDEX_LOW: the cost is one sorted snapshot shared by
 * every connection under way (freed when none is) and at most
 * OWNINDEX_LOW + one message (an 8 KiB buffer chunk) per connection.
 *
 * Files that come or go while an index is under way reach the peer as
 * deltas (peermgr_notify); the rest of the index then comes from a new
 * snapshot, from the first hash after the last one sent, so no file
 * held throughout is skipped and no file dropped is listed after its
 * drop.
 */
#ifndef APTBTD_OWNINDEX_H
#define APTBTD_OWNINDEX_H

#include <stdbool.h>

#include "common/hash.h"

struct peer;

/*
 * Queued output that stops us; hashes per message (7 KiB: with its
 * framing, one 8 KiB buffer chunk).
 */
#define OWNINDEX_LOW	(4 * 1024)
#define OWNINDEX_BATCH	224

/* One connection's place in our index. */
struct ownindex_cursor {
	uint8_t		 last[SHA256_LEN];	/* the last hash sent */
	bool		 active;		/* more to send */
	bool		 started;		/* the first (full) message went */
};

/* The cache gained or lost a file: the next message takes a new snapshot. */
void	 ownindex_changed(void);
/* Begin sending our index to p (a daemon whose handshakes are done). */
void	 ownindex_start(struct peer *, struct ownindex_cursor *);
/*
 * p's output drained: queue more while it has room.  False when the
 * index is complete (or p can take no more): the cursor is inactive.
 */
bool	 ownindex_more(struct peer *, struct ownindex_cursor *);
/* p is gone: forget its place (a no-op when inactive). */
void	 ownindex_stop(struct ownindex_cursor *);
/* Free the snapshot (at exit, once every cursor stopped). */
void	 ownindex_shutdown(void);

#endif
