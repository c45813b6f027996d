/* SPDX-License-Identifier: ISC */
/*
 * peer.h - one TCP connection to another BitTorrent client.
 *
 * A connection starts with the BEP 3 handshake for one swarm key.  With a
 * standard client (libtorrent, Transmission) it then carries that one
 * swarm.  Between two aptbtd daemons the handshake names the daemon key
 * (PEER_DAEMON_KEY) and the connection carries any number of swarms as
 * aptbt_mux channels, plus each side's have-index (doc/peer-extensions.md),
 * so asking a known daemon for a file costs no handshake.
 *
 * peer.c owns the transport: handshakes, framing, extension negotiation,
 * mux control messages, keep-alives, rate limits.  Everything about one
 * swarm on the connection is a link (link.h).
 */
#ifndef APTBTD_PEER_H
#define APTBTD_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/bytebuf.h"
#include "common/swarmkey.h"

struct event_base;
struct ident;
struct link;
struct peer;

/* The key of the connection between daemons: SHA-256("aptbt-daemon-v1")[:20]. */
extern uint8_t	PEER_DAEMON_KEY[SWARMKEY_LEN];
/* Our own peer id: our key's (common/identity.h). */
extern uint8_t	peer_self_id[20];

/* Our extension ids: what we put in our extended handshake's "m". */
enum {
	PEER_EXT_PEX = 1,
	PEER_EXT_HASHES = 2,
	PEER_EXT_MUX = 3,
	PEER_EXT_METADATA = 4,	/* BEP 9, metadata-mode swarms only */
};

/* How we came to talk to a peer, for "aptbt-ctl peers". */
enum peer_source {
	PEER_SRC_INCOMING = 0,	/* it connected to us */
	PEER_SRC_CONFIG,	/* the "peers" setting */
	PEER_SRC_CTL,		/* "aptbt-ctl peers add" */
	PEER_SRC_LSD,		/* Local Service Discovery */
	PEER_SRC_PEX,		/* another peer's ut_pex (BEP 11) */
	PEER_SRC_TRACKER,	/* a tracker's announce reply */
};

struct peer_stats {
	char		 addr[64];
	char		 client[65];
	bool		 daemon;
	bool		 outgoing;
	unsigned	 nlinks;
	uint64_t	 bytes_in, bytes_out;
	uint64_t	 rate_in, rate_out;	/* bytes/s, smoothed */
};

/*
 * What a peer tells its owner, the peer manager, which registers these
 * once: a peer never calls the manager by name.
 */
struct pext_mux;
struct peer_events {
	/* Both handshakes are in: false refuses the peer (it is closed). */
	bool	 (*handshaken)(struct peer *);
	/*
	 * A daemon's extension handshake is done and it proved its id: it may
	 * take part.  It may close the peer (a duplicate).
	 */
	void	 (*daemon_ready)(struct peer *);
	/* A daemon's have-index update, and its request that we fetch. */
	void	 (*index)(struct peer *, const struct pext_mux *);
	void	 (*want)(struct peer *, const struct pext_mux *);
	void	 (*closed)(struct peer *, const char *why);
	/* Some of an active peer's queued output was sent. */
	void	 (*drained)(struct peer *);
	/* Add penalty points to the peer's host; returns its total. */
	int	 (*penalty)(const struct sockaddr *, int points);
	void	 (*ban)(const struct sockaddr *, const char *why);
	/* The port we listen on, for the extension handshake. */
	uint16_t (*listen_port)(void);
};

/* id: our key pair; its peer id is ours on every connection. */
int	 peer_init(struct event_base *, const struct peer_events *,
	    const struct ident *id);
void	 peer_shutdown(void);
/* Apply the global limits (bytes/s, 0 = none) to every connection. */
void	 peer_set_limits(uint64_t down, uint64_t up);

/* Why a connection that reached our own listener is closed. */
#define PEER_WHY_SELF	"connected to ourselves"

/* An accepted socket; the handshake decides what it is. */
struct peer *peer_accept(int fd, const struct sockaddr *, socklen_t);
/* Connect for one swarm key, or PEER_DAEMON_KEY for a daemon. */
struct peer *peer_connect(const struct sockaddr *, socklen_t,
	    const uint8_t key[SWARMKEY_LEN]);
void	 peer_close(struct peer *, const char *why);

bool	 peer_is_daemon(const struct peer *);
bool	 peer_outgoing(const struct peer *);
/* Both sides speak BEP 6 (always true between daemons). */
bool	 peer_fast(const struct peer *);
bool	 peer_ready(const struct peer *);	/* handshakes done */
const char *peer_name(const struct peer *);
const uint8_t *peer_id(const struct peer *);
const struct sockaddr *peer_addr(const struct peer *);
/*
 * Is the peer on our own link: heard by LSD, or in the subnet of the
 * address we reach it from (netaddr_same_subnet)?  Pieces cross a
 * router once, then spread among near peers.
 */
bool	 peer_near(const struct peer *);
void	 peer_get_stats(const struct peer *, struct peer_stats *);
/*
 * Our dial that the peer itself closed (end of stream, reset) within ms
 * of the TCP connection being made; asked of a closed peer.
 */
bool	 peer_hung_up_within(const struct peer *, uint64_t ms);
/* Penalise a peer for bad data; it is banned past a threshold. */
void	 peer_penalise(struct peer *, int points, const char *why);
/* Ban the peer's host at once (it broke a hard limit) and close it. */
void	 peer_ban(struct peer *, const char *why);
/*
 * The same for a host, whether or not it is connected now (blame settled
 * after its connection ended): the points are kept by address, and past
 * the threshold the host is banned and every connection from it closed.
 */
void	 peer_penalise_host(const struct sockaddr *, int points,
	    const char *why);

/*
 * Send one complete BEP 3 message (built with the pw_put_ helpers) for
 * the swarm of sid (0: the connection's own swarm).  Mux channels wrap it
 * in a frame.  data/len, if given, follow the message as its last bytes
 * (a piece's block) without being copied; free_cb(arg) releases them once
 * sent.  Returns -1 if the connection is closing.
 */
int	 peer_send(struct peer *, uint32_t sid, const struct bytebuf *msg,
	    const void *data, size_t len, void (*free_cb)(void *), void *arg);
/* The swarm key of the handshake. */
const uint8_t *peer_key(const struct peer *);
/* The port the peer listens on, from its extended handshake (0: unknown). */
uint16_t peer_listen_port(const struct peer *);
/*
 * Requests we may keep outstanding to the peer on one link: its "reqq",
 * PEER_REQQ_DEFAULT when it gave none.
 */
#define PEER_REQQ_DEFAULT	250
uint32_t peer_reqq(const struct peer *);
/* Our extension id for aptbt_hashes as the peer numbered it (0: none). */
uint8_t	 peer_ext_hashes(const struct peer *);
/* The same for ut_pex (0: the peer does not take it). */
uint8_t	 peer_ext_pex(const struct peer *);
void	 peer_set_source(struct peer *, enum peer_source);
enum peer_source peer_source(const struct peer *);

/* Mux: attach a swarm on a daemon connection; the link learns the answer. */
int	 peer_attach(struct peer *, struct link *, uint32_t *sid);
void	 peer_detach(struct peer *, uint32_t sid);
/* Send our have-index to the peer (full or delta). */
void	 peer_send_index(struct peer *, const uint8_t *have, size_t nhave,
	    const uint8_t *fetching, size_t nfetching, const uint8_t *drop,
	    size_t ndrop, bool full);
/* Ask a daemon to fetch a file from its mirror for us (doc: want). */
void	 peer_send_want(struct peer *, const uint8_t sha256[32], uint64_t size,
	    const char *url);

/* Bytes queued on the connection, not yet written. */
size_t	 peer_output_len(const struct peer *);

/* Iterate over every connection. */
void	 peer_foreach(void (*cb)(struct peer *, void *), void *arg);
unsigned peer_count(void);

#endif
