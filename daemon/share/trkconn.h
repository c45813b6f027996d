/* SPDX-License-Identifier: ISC */
/*
 * trkconn.h - one announce to one tracker: what the tracker client
 * (tracker.c) hands its two transports, HTTP (trkhttp.c, libcurl on the
 * loop through base/webseed) and UDP (trkudp.c, BEP 15 on a libevent
 * socket), and how they answer.  Private to those three files.
 *
 * A transport takes a request, sends it, and calls trk_req_done() exactly
 * once, from the loop, never from inside trk_*_send(); cancelling a
 * request means that call never comes.
 */
#ifndef APTBTD_TRKCONN_H
#define APTBTD_TRKCONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/queue-compat.h"
#include "common/trackermsg.h"

struct event;
struct event_base;
struct evdns_getaddrinfo_request;
struct ws_xfer;

enum trk_status {
	TRK_ST_OK,		/* an announce reply */
	TRK_ST_REFUSED,		/* the tracker answered with a failure */
	TRK_ST_FAILED,		/* no usable answer this time */
	TRK_ST_ABSENT,		/* nothing there: no such host, port or path */
};

struct trk_req;
TAILQ_HEAD(trk_reqq, trk_req);

/* One tracker, by URL. */
struct trk {
	char			*url;
	bool			 udp;
	/*
	 * Named by the administrator ("trackers") or on a metadata host:
	 * may be on any address.  Others came from a torrent and are never
	 * reached on loopback, link-local or multicast addresses.
	 */
	bool			 trusted;
	uint32_t		 rank;		/* shuffle within a tier */
	uint64_t		 dead_until;	/* ms, monotonic; 0 = usable */
	uint64_t		 last_ok;	/* ms of the last good answer */
	bool			 answered;	/* ever, since start-up */
	/*
	 * Configured with other trackers in its tier (the nodes of one
	 * cluster): a UDP tracker that stops answering fails after one
	 * timeout, not BEP 15's four, since another node can answer.
	 */
	bool			 tier_mates;
	char			 tracker_id[TRK_ID_MAX + 1];
	uint64_t		 sent, ok, failed;
	unsigned		 busy;		/* requests of ours in flight */
	/* UDP */
	int			 fd;		/* connected; -1 when closed */
	struct event		*ev;
	struct evdns_getaddrinfo_request *dns;
	bool			 resolving;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;		/* 0 = not resolved */
	uint64_t		 cid;
	uint64_t		 cid_at;	/* ms; 0 = none */
	bool			 connecting;
	uint32_t		 conn_tid;
	unsigned		 conn_n;	/* BEP 15's n */
	struct event		*conn_timer;
	struct trk_reqq		 reqs;		/* waiting or in flight */
	/*
	 * Batched seed announces (doc/trackers.md): the URL the tracker's
	 * "aptbt seeds" named (NULL: it takes none), the seeds waiting for
	 * its next round, and when that round goes out.
	 */
	char			*seeds_url;
	uint64_t		 batch_off_until; /* ms: a batch failed */
	uint64_t		 batch_due;	/* ms; 0 = no round planned */
	uint64_t		 new_due;	/* ms: a round of new seeds */
	uint64_t		 new_last;	/* ms of the last such round */
	unsigned		 nbatched;
	unsigned		 binflight;	/* batch requests in flight */
	/* Seeds gone, for the next "stopped" batch (tracker.c bounds it). */
	uint8_t			(*bstops)[20];
	size_t			 nbstops;
	uint64_t		 bstop_due;	/* ms; 0 = none waiting */
};

/* One announce of one key to one tracker. */
struct trk_req {
	TAILQ_ENTRY(trk_req)	 entry;		/* in trk->reqs (UDP) */
	TAILQ_ENTRY(trk_req)	 oentry;	/* in the orphans (tracker.c) */
	struct trk		*t;
	void			*owner;		/* tracker.c's; NULL = orphan */
	uint8_t			 key[20];
	enum trk_event		 event;
	uint64_t		 left;
	int32_t			 numwant;
	/*
	 * A batch: the seeds hashes (nhashes, at most TRK_BATCH_MAX) POSTed
	 * to t->seeds_url with event, instead of an announce of key.
	 */
	bool			 batch;
	uint8_t			(*hashes)[20];
	size_t			 nhashes;
	/* A scrape (BEP 48, BEP 15) of key instead of an announce. */
	bool			 scrape;
	struct trk_scrape	 scr;
	void			(*scrape_cb)(void *, const struct trk_scrape *);
	void			*scrape_arg;
	/* HTTP */
	struct ws_xfer		*x;
	uint8_t			*buf;
	size_t			 len;
	bool			 too_big;
	/* UDP */
	uint32_t		 tid;
	unsigned		 n;		/* BEP 15's n */
	bool			 sent;
	struct event		*timer;
	/* The reply, for trk_req_done (large: a request owns one). */
	struct trk_reply	 reply;
};

/* What every announce says besides the key (tracker.c). */
void	trk_fill(const struct trk_req *, struct trk_announce *);
void	trk_req_done(struct trk_req *, enum trk_status,
	    const struct trk_reply *);
struct event_base *trk_base(void);

int	trk_http_send(struct trk_req *);
void	trk_http_cancel(struct trk_req *);

int	trk_udp_send(struct trk_req *);
void	trk_udp_cancel(struct trk_req *);
/* Close the tracker's socket and forget its connection (not its reqs). */
void	trk_udp_close(struct trk *);
void	trk_udp_shutdown(void);

#endif
