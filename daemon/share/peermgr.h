/* SPDX-License-Identifier: ISC */
/*
 * peermgr.h - which peers we talk to: listening, connecting, the
 * directory of site daemons and what each holds.
 *
 * Daemons are found through static "peers" and LAN discovery; each keeps
 * one multiplexed connection to every other and learns their have-indexes,
 * so a download knows at once which daemon to ask.  Addresses outside the
 * share scope are never contacted or accepted; peers that sent bad data
 * are banned for a while.
 */
#ifndef APTBTD_PEERMGR_H
#define APTBTD_PEERMGR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "daemon/share/peer.h"

struct event_base;
struct peer;
struct pext_mux;
struct swarm;

int	 peermgr_init(struct event_base *);
void	 peermgr_shutdown(void);
/*
 * Apply "peers", "share" and listen_port after a (re)load: daemons no
 * longer in "peers" are disconnected; a new port that cannot be bound
 * leaves the old one listening.  -1 with err on a bad value.
 */
int	 peermgr_configure(char *err, size_t errlen);
/* Pause closes every peer connection and refuses new ones. */
void	 peermgr_pause(bool);
/* The port we listen on (the configured one when not listening). */
uint16_t peermgr_listen_port(void);

/*
 * Add a daemon's address: PEER_SRC_CONFIG ("peers"), PEER_SRC_CTL
 * ("aptbt-ctl peers add"), both retried forever, or PEER_SRC_LSD and
 * PEER_SRC_TRACKER: then only an address hearsay.h allows, at its rate
 * (-EPERM, -EAGAIN), heard and not retried, and (LSD) forgotten once
 * silent for 15 minutes.
 */
int	 peermgr_add(const struct sockaddr *, socklen_t, enum peer_source);
int	 peermgr_add_string(const char *hostport, enum peer_source);
/* What peers report to us; peer_init takes it. */
extern const struct peer_events peermgr_peer_events;

/*
 * What other daemons say that concerns downloads, told to the engine
 * through callbacks it registers once (share never includes engine
 * headers).
 */
struct peermgr_events {
	/* Their have-indexes changed: downloads may find a holder. */
	void	(*holders_changed)(void);
	/* A daemon says it fetches this file (site.h decides who yields). */
	void	(*peer_fetching)(const uint8_t *sha256, const uint8_t *peer_id);
	/*
	 * A daemon asks us to fetch a file for it (peermgr_delegate); from
	 * is its address, the host its budget and any penalty belong to.
	 */
	void	(*peer_want)(const uint8_t *sha256, uint64_t size,
		    const char *url, const char *who,
		    const struct sockaddr *from);
};
void	 peermgr_set_events(const struct peermgr_events *);

/* Our own index changed: a file is held, being fetched, or gone. */
void	 peermgr_notify(const uint8_t sha256[SHA256_LEN], int what);
#define PEERMGR_HAVE		0
#define PEERMGR_FETCHING	1
#define PEERMGR_DROP		2

/*
 * Join a standard client (heard by LSD, or told of by PEX by teller) in
 * the swarm of key: 1 when a connection was started, 0 when we have one
 * to that host already, -EPERM when scope, bans, pause, max_connections,
 * max_connections_per_file, the per-host cap or the address (loopback,
 * link-local, ours: hearsay.h) forbid it, -EAGAIN over the dial rates
 * (hearsay.h).
 */
int	 peermgr_connect_key(const struct sockaddr *, socklen_t,
	    const uint8_t key[20], enum peer_source,
	    const struct sockaddr *teller);
/*
 * Should a new download wait for peers: a daemon holds the file, or one
 * fetching it scores higher for it (rendezvous) than we do?
 */
enum peermgr_wait {
	PEERMGR_WAIT_NO,
	PEERMGR_WAIT_HOLDER,		/* a daemon holds the whole file */
	PEERMGR_WAIT_FETCHER,		/* a higher-scoring daemon fetches it */
};
/*
 * fetcher (if not NULL) gets the id of the highest-scoring daemon that
 * fetches it, for PEERMGR_WAIT_FETCHER: its link is the one to wait on.
 */
enum peermgr_wait peermgr_should_wait(const uint8_t sha256[SHA256_LEN],
	    uint8_t *fetcher);
/*
 * Several daemons starting one file together must not all fetch it from
 * the mirror: if a connected daemon scores higher for it than we do, ask
 * the highest to fetch it (a want) and return true; then its pieces come
 * to us as they arrive.
 */
bool	 peermgr_delegate(const uint8_t sha256[SHA256_LEN], uint64_t size,
	    const char *url);
/*
 * Our rank (0 the highest, by site score) among the daemons that say they
 * fetch this file and us: of all of them (*k of *n), and of those in our
 * subnet (*near_k of *near_n).  Every daemon ranks alike, so they can
 * split the work without a message more.
 */
void	 peermgr_rank(const uint8_t sha256[SHA256_LEN], uint32_t *k,
	    uint32_t *n, uint32_t *near_k, uint32_t *near_n);
/* Attach the swarm on every daemon holding or fetching it; returns count. */
unsigned peermgr_attach_holders(struct swarm *);
unsigned peermgr_ndaemons(void);

#endif
