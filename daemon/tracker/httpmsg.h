/* SPDX-License-Identifier: ISC */
/*
 * httpmsg.h - the embedded tracker's HTTP messages: read announces,
 * scrapes and seed batches, write the bencoded replies.
 *
 * Announce (BEP 3, 23, 7): the query string of GET /announce.  Required:
 * info_hash and peer_id (20 bytes each once percent-decoded) and port
 * (1 to 65535); optional: uploaded, downloaded, left (absent: a leecher),
 * event (started, completed, stopped, paused or empty), numwant, compact,
 * key, trackerid and the rest, ignored.  "ip" is ignored too: a peer is
 * recorded at the address its request came from.  Replies are always
 * compact: "peers" 6 bytes an IPv4 peer, "peers6" 18 an IPv6 one.
 *
 * Scrape (BEP 48): the query string of GET /scrape, one to
 * THTTP_SCRAPE_MAX info_hash parameters; a scrape without one (the whole
 * tracker) is refused.
 *
 * Seed batch (aptbt's own, doc/trackers.md): the bencoded body of POST
 * /aptbt/seeds, a dictionary of port, peer_id, key (optional), event
 * ("started", "stopped" or "") and hashes (N x 20 bytes, 1 <= N <=
 * THTTP_SEEDS_MAX).  Every announce reply names the path under the key
 * "aptbt seeds".
 *
 * The parsers are pure functions of their input, bounded by
 * THTTP_MAX_QUERY and THTTP_SEEDS_BODY.  Return values: NULL when the
 * request is good, else the failure reason to send (a static string).
 * The builders append to a bytebuf (its sticky failure says when memory
 * ran out) and write canonical bencode.
 */
#ifndef APTBTD_HTTPMSG_H
#define APTBTD_HTTPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "common/trackermsg.h"
#include "daemon/tracker/swarms.h"

#define THTTP_MAX_QUERY		4096	/* bytes of a query string */
#define THTTP_SCRAPE_MAX	64	/* info-hashes in one scrape */
#define THTTP_SEEDS_MAX		1000	/* info-hashes in one seed batch */
#define THTTP_SEEDS_BODY	(32 * 1024)
#define THTTP_SEEDS_PATH	"/aptbt/seeds"
#define THTTP_SEEDS_KEY		"aptbt seeds"

struct thttp_announce {
	uint8_t		 info_hash[20];
	uint8_t		 peer_id[20];
	uint16_t	 port;
	uint64_t	 uploaded, downloaded, left;
	bool		 has_left;
	enum trk_event	 event;
	int64_t		 numwant;	/* -1: not given */
};

struct thttp_seeds {
	uint16_t	 port;
	uint8_t		 peer_id[20];
	enum trk_event	 event;		/* TRK_EV_STARTED, _STOPPED or _NONE */
	const uint8_t	*hashes;	/* into the body: n x 20 bytes */
	size_t		 n;
};

/* What an announce reply says besides its peers. */
struct thttp_reply {
	int64_t			 interval, min_interval;
	uint32_t		 complete, incomplete;
	const struct swarms_peer *peers4, *peers6;
	size_t			 n4, n6;
};

const char	*thttp_parse_announce(const char *query, size_t len,
		    struct thttp_announce *);
/* hashes: room for THTTP_SCRAPE_MAX; *n set. */
const char	*thttp_parse_scrape(const char *query, size_t len,
		    uint8_t (*hashes)[20], size_t *n);
const char	*thttp_parse_seeds(const uint8_t *body, size_t len,
		    struct thttp_seeds *);

void		 thttp_put_announce(struct bytebuf *, const struct thttp_reply *);
/* n counts for n hashes (duplicates are written once). */
void		 thttp_put_scrape(struct bytebuf *, const uint8_t (*hashes)[20],
		    const struct swarms_counts *, size_t n);
void		 thttp_put_seeds(struct bytebuf *, int64_t interval,
		    size_t count);
void		 thttp_put_failure(struct bytebuf *, const char *reason);

#endif
