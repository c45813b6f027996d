/* SPDX-License-Identifier: ISC */
/*
 * trackermsg.h - BitTorrent tracker messages: build requests, parse replies.
 *
 * HTTP trackers (BEP 3) answer an announce with a bencoded dictionary:
 * "failure reason", or "interval", "min interval", "tracker id",
 * "warning message", "complete", "incomplete" and peers, either compact
 * (BEP 23: 6 bytes per IPv4 peer in "peers", 18 per IPv6 peer in
 * "peers6", BEP 7) or a list of dictionaries ("ip", "port").  A scrape
 * (BEP 48) answers {"files": {info-hash: {complete, downloaded,
 * incomplete}}}.
 *
 * UDP trackers (BEP 15) speak big-endian binary: connect (action 0),
 * announce (1), scrape (2), error (3), each reply carrying the
 * transaction id of its request.  An announce reply lists peers of the
 * address family the request was sent over.
 *
 * Every parser here is a pure function of its input and is bounded: a
 * reply larger than TRK_MAX_REPLY is refused, at most TRK_MAX_PEERS peers
 * are kept (the rest are counted), and a reply we cannot read is an
 * error, never a guess.  A tracker may be hostile: what it says about
 * intervals is clamped by the caller, and which peers may be dialled is
 * decided by trk_peer_dialable().
 */
#ifndef APTBT_TRACKERMSG_H
#define APTBT_TRACKERMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRK_MAX_REPLY		(64 * 1024)	/* bytes of one reply */
#define TRK_MAX_PEERS		200		/* peers kept from one reply */
#define TRK_MSG_MAX		256		/* failure/warning text kept */
#define TRK_ID_MAX		64		/* tracker id kept */
#define TRK_URL_MAX		2048
#define TRK_SCRAPE_MAX		64		/* info-hashes per UDP scrape */
#define TRK_SEEDS_PATH_MAX	128		/* "aptbt seeds" path kept */
#define TRK_BATCH_MAX		1000		/* info-hashes in one batch */
#define TRK_BATCH_BODY_MAX	(32 * 1024)	/* a batch request's body */

/* BEP 15's magic connection id of a connect request. */
#define TRK_UDP_MAGIC		0x41727101980ULL
#define TRK_UDP_CONNECT_LEN	16
#define TRK_UDP_ANNOUNCE_LEN	98

enum trk_event {
	TRK_EV_NONE = 0,
	TRK_EV_COMPLETED = 1,
	TRK_EV_STARTED = 2,
	TRK_EV_STOPPED = 3,
};

enum trk_action {
	TRK_ACT_CONNECT = 0,
	TRK_ACT_ANNOUNCE = 1,
	TRK_ACT_SCRAPE = 2,
	TRK_ACT_ERROR = 3,
};

enum trk_error {
	TRK_OK = 0,
	TRK_ETOOBIG,		/* reply over TRK_MAX_REPLY */
	TRK_EBENCODE,		/* not bencode, or not a dictionary */
	TRK_EFORM,		/* a field of the wrong type or shape */
	TRK_ESHORT,		/* UDP: shorter than its action needs */
	TRK_ETID,		/* UDP: not the transaction we sent */
	TRK_EACTION,		/* UDP: an action we did not ask for */
	TRK_NERRORS
};

struct trk_peer {
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 addr[16];	/* network order; IPv4 in the first 4 */
	uint16_t	 port;		/* host order */
};

/* What an announce reply said; fields absent are -1 or empty. */
struct trk_reply {
	bool		 failed;		/* "failure reason" / action error */
	char		 message[TRK_MSG_MAX];	/* failure or warning text */
	bool		 warning;		/* message is a warning */
	int64_t		 interval;		/* seconds, as sent */
	int64_t		 min_interval;
	int64_t		 complete, incomplete;	/* seeders, leechers */
	char		 tracker_id[TRK_ID_MAX + 1];
	/*
	 * "aptbt seeds": the path, on the announce URL's host and port,
	 * that takes batched seed announces (doc/trackers.md); "" when the
	 * tracker named none or a path we would not use.
	 */
	char		 seeds_path[TRK_SEEDS_PATH_MAX + 1];
	size_t		 npeers;
	size_t		 dropped;		/* peers over TRK_MAX_PEERS or bad */
	struct trk_peer	 peers[TRK_MAX_PEERS];
};

struct trk_scrape {
	int64_t		 complete, downloaded, incomplete;	/* -1 absent */
};

/* What the client tells the tracker in one announce. */
struct trk_announce {
	const uint8_t	*info_hash;	/* 20 bytes */
	const uint8_t	*peer_id;	/* 20 bytes */
	uint16_t	 port;
	uint64_t	 uploaded, downloaded, left;
	enum trk_event	 event;
	uint32_t	 key;
	int32_t		 numwant;	/* -1: the tracker's default */
	const char	*tracker_id;	/* NULL or "" when none was given */
};

const char *trk_strerror(int err);

/*
 * HTTP.  The announce URL (announce + '?' or '&' + the BEP 3 parameters,
 * compact=1): 0, or -ENAMETOOLONG when it does not fit in outlen.
 */
int	 trk_http_url(char *out, size_t outlen, const char *announce,
	    const struct trk_announce *);
/*
 * BEP 48: the scrape URL of an announce URL, for one info-hash, when the
 * last path segment begins with "announce"; -ENOTSUP when the tracker
 * has none, -ENAMETOOLONG when it does not fit.
 */
int	 trk_http_scrape_url(char *out, size_t outlen, const char *announce,
	    const uint8_t info_hash[20]);
/* Parse an announce reply; 0 or -enum trk_error (r is then undefined). */
int	 trk_http_parse(const uint8_t *buf, size_t len, struct trk_reply *r);
/*
 * Parse a scrape reply for one info-hash; 0 (s all -1 when the tracker
 * does not know it), or -enum trk_error; *failed set on "failure reason".
 */
int	 trk_http_scrape_parse(const uint8_t *buf, size_t len,
	    const uint8_t info_hash[20], struct trk_scrape *s, bool *failed);

/*
 * Batched seed announces, aptbt's own extension (doc/trackers.md): a
 * tracker that advertised "aptbt seeds" takes a POST to that path of a
 * bencoded dictionary {event, hashes (n x 20 bytes), key, peer_id, port}
 * and answers {"interval", "count"} or {"failure reason"}.
 */
struct trk_batch {
	const uint8_t	*peer_id;	/* 20 bytes */
	uint16_t	 port;
	uint32_t	 key;		/* sent as 8 hex digits, as over HTTP */
	enum trk_event	 event;		/* none, started or stopped */
	const uint8_t	(*hashes)[20];
	size_t		 n;		/* 1 .. TRK_BATCH_MAX */
};

struct trk_batch_reply {
	bool		 failed;
	char		 message[TRK_MSG_MAX];
	int64_t		 interval;	/* -1 when absent (a failure) */
	int64_t		 count;		/* -1 when absent */
};

/*
 * The request's body: its length (at most TRK_BATCH_BODY_MAX), or
 * -EINVAL (no hash, over TRK_BATCH_MAX, event "completed"), or
 * -ENAMETOOLONG when outlen is too small.
 */
int	 trk_batch_body(uint8_t *out, size_t outlen, const struct trk_batch *);
/*
 * The batch URL: the announce URL's scheme, host and port with path;
 * 0, -EINVAL when the announce URL has no host, -ENAMETOOLONG.
 */
int	 trk_batch_url(char *out, size_t outlen, const char *announce,
	    const char *path);
/* Parse a batch reply; 0 (failed set on "failure reason") or -trk_error. */
int	 trk_batch_parse(const uint8_t *buf, size_t len,
	    struct trk_batch_reply *);

/* UDP.  Builders return the packet's length (buffers sized as named). */
size_t	 trk_udp_connect(uint8_t out[TRK_UDP_CONNECT_LEN], uint32_t tid);
size_t	 trk_udp_announce(uint8_t out[TRK_UDP_ANNOUNCE_LEN], uint64_t cid,
	    uint32_t tid, const struct trk_announce *);
/* n info-hashes (at most TRK_SCRAPE_MAX): 16 + 20 n bytes. */
size_t	 trk_udp_scrape(uint8_t *out, size_t outlen, uint64_t cid,
	    uint32_t tid, const uint8_t (*hashes)[20], size_t n);

/*
 * A reply to our transaction tid, sent for action want.  An error reply
 * (action 3) is accepted for any want: r->failed is set with its text.
 * Returns the action read (>= 0) or -enum trk_error.
 *	connect:  *cid set.
 *	announce: r filled; peers are 6-byte entries when ipv6 is false,
 *	          18-byte entries when it is true.
 *	scrape:   up to nscrape entries of s filled, in request order.
 * cid, r and s may be NULL when that action is not wanted.
 */
int	 trk_udp_parse(const uint8_t *buf, size_t len, uint32_t tid,
	    enum trk_action want, bool ipv6, uint64_t *cid,
	    struct trk_reply *r, struct trk_scrape *s, size_t nscrape);

/*
 * May a peer a tracker named be dialled at all?  Not port 0, not
 * unspecified, loopback, link-local, multicast or broadcast addresses
 * (nor IPv4-mapped forms of them).  The caller also refuses its own.
 */
bool	 trk_peer_dialable(const struct trk_peer *);

/*
 * The same judgement of an address alone (any port): may a tracker named
 * by outside input (a torrent's announce-list) be reached there?
 */
struct sockaddr;
bool	 trk_addr_public(const struct sockaddr *);

/* Clamp a tracker's interval (seconds) to [lo, hi]; def when absent. */
int64_t	 trk_clamp_interval(int64_t v, int64_t def, int64_t lo, int64_t hi);

#endif
