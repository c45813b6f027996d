/* SPDX-License-Identifier: ISC */
/*
 * gossipmsg.h - the tracker cluster's gossip packets: build, authenticate,
 * parse, and refuse replays.
 *
 * The nodes of a tracker cluster tell each other which peers announced to
 * them, in UDP datagrams authenticated with a key every node holds
 * (libsodium crypto_auth, HMAC-SHA-512-256).  One packet, big-endian:
 *
 *	off  len  field
 *	  0    4  magic "aptg"
 *	  4    1  version (1)
 *	  5    1  type: 1 delta, 2 hello (send me your state), 3 full state
 *	  6    2  number of records
 *	  8    8  sender: the node's run id (start time in ms << 16 | random)
 *	 16    8  time the packet was built, ms since the epoch
 *	 24    8  sequence number, 1 up, per run of the sender
 *	 32    -  records, each:
 *		 20  info-hash
 *		  1  flags: 1 remove, 2 seed, 4 IPv6
 *		  2  port
 *		  2  seconds the peer has left (learned peers expire then)
 *		4/16 address
 *	  -   32  crypto_auth tag over every byte before it
 *
 * Every parser here is a pure function of its input: the clock and the
 * replay window are the caller's.  A packet is accepted only when its tag
 * verifies, its time is within GOSSIP_SKEW_MS of ours, and its sequence
 * number has not been seen from that run of that sender (a sliding window
 * of GOSSIP_WINDOW numbers; older ones are refused).  A sender's new run
 * (a larger run id) replaces its old one; a smaller run id is taken only
 * after the current one has been silent for twice the skew, when every
 * packet of the old run is stale anyway.
 */
#ifndef APTBT_GOSSIPMSG_H
#define APTBT_GOSSIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GOSSIP_MAGIC		0x61707467u	/* "aptg" */
#define GOSSIP_VERSION		1
#define GOSSIP_KEY_LEN		32
#define GOSSIP_HDR_LEN		32
#define GOSSIP_TAG_LEN		32
#define GOSSIP_MAX_DGRAM	1400		/* bytes of one datagram */
#define GOSSIP_REC4_LEN		29
#define GOSSIP_REC6_LEN		41
/* What one datagram can carry of the smallest record. */
#define GOSSIP_MAX_RECORDS	\
	((GOSSIP_MAX_DGRAM - GOSSIP_HDR_LEN - GOSSIP_TAG_LEN) / GOSSIP_REC4_LEN)
#define GOSSIP_SKEW_MS		30000		/* +-, against our clock */
#define GOSSIP_WINDOW		4096		/* sequence numbers remembered */

enum gossip_type {
	GOSSIP_DELTA = 1,
	GOSSIP_HELLO = 2,
	GOSSIP_FULL = 3,
};

enum gossip_flag {
	GOSSIP_F_REMOVE = 1,
	GOSSIP_F_SEED = 2,
	GOSSIP_F_V6 = 4,
};

/* Why a packet was refused; counted per reason by the transport. */
enum gossip_verdict {
	GOSSIP_OK = 0,
	GOSSIP_EMALFORMED,	/* too short or long, bad magic/version/type/count */
	GOSSIP_EFORGED,		/* the tag does not verify */
	GOSSIP_ESTALE,		/* time outside +-GOSSIP_SKEW_MS */
	GOSSIP_EREPLAY,		/* sequence seen, or older than the window */
	GOSSIP_EOLDRUN,		/* a run of the sender older than the current */
	GOSSIP_NVERDICTS
};

struct gossip_rec {
	uint8_t		 hash[20];
	uint8_t		 flags;		/* enum gossip_flag */
	uint16_t	 port;		/* host order */
	uint16_t	 ttl;		/* seconds left */
	uint8_t		 addr[16];	/* network order; IPv4 in the first 4 */
};

struct gossip_hdr {
	uint8_t		 type;		/* enum gossip_type */
	uint16_t	 nrec;
	uint64_t	 sender;
	uint64_t	 time_ms;
	uint64_t	 seq;
};

/* The replay state of one sender. */
struct gossip_window {
	uint64_t	 run;		/* 0: nothing heard yet */
	uint64_t	 top;		/* highest sequence accepted */
	uint64_t	 last_ms;	/* our clock when last accepted */
	uint64_t	 bits[GOSSIP_WINDOW / 64];
};

/* A packet being built: records are added until it is full. */
struct gossip_builder {
	uint8_t		 buf[GOSSIP_MAX_DGRAM];
	size_t		 len;		/* header and records so far */
	uint16_t	 nrec;
};

/* The name of a verdict, for logs and counters. */
const char	*gossip_verdict_name(enum gossip_verdict);

/* The wire length of a record. */
size_t		 gossip_rec_len(const struct gossip_rec *);

/* Starts a packet of the given type; records follow. */
void		 gossip_begin(struct gossip_builder *, enum gossip_type);

/*
 * Adds one record.  Returns 0, or -1 when the packet has no room for it
 * (send this one and begin another).
 */
int		 gossip_add(struct gossip_builder *, const struct gossip_rec *);

/*
 * Stamps sender, time and sequence, appends the tag, and returns the
 * datagram's length (the bytes are in b->buf).  The builder may be
 * sealed again with another sequence number.
 */
size_t		 gossip_seal(struct gossip_builder *, const uint8_t *key,
		    uint64_t sender, uint64_t time_ms, uint64_t seq);

/*
 * Reads the header and checks the shape and the tag of a datagram, no
 * clock or window involved.  Returns GOSSIP_OK, GOSSIP_EMALFORMED or
 * GOSSIP_EFORGED.  With a NULL key the tag is not checked (for the
 * fuzzer, which cannot forge one).
 */
enum gossip_verdict gossip_open(const uint8_t *, size_t, const uint8_t *key,
		    struct gossip_hdr *);

/*
 * The i-th record of a datagram gossip_open() accepted.  Returns 0, or -1
 * when there is no such record (the records are checked by gossip_open,
 * so that means i >= nrec).
 */
int		 gossip_record(const uint8_t *, size_t, size_t i,
		    struct gossip_rec *);

/*
 * Checks a header gossip_open() accepted against our wall clock (ms since
 * the epoch, for the skew) and the sender's window, and records it there
 * when accepted.  mono_ms is our monotonic clock (for silence).  Returns
 * GOSSIP_OK, GOSSIP_ESTALE, GOSSIP_EREPLAY or GOSSIP_EOLDRUN.  *newrun is
 * set when this packet starts a run of the sender we had not heard.
 */
enum gossip_verdict gossip_accept(struct gossip_window *,
		    const struct gossip_hdr *, uint64_t now_ms, uint64_t mono_ms,
		    bool *newrun);

/*
 * Derives the gossip MAC key and the UDP connection-id key from a cluster
 * key (crypto_kdf, distinct contexts), so the one file serves both and
 * neither key tells the other.
 */
void		 gossip_derive(const uint8_t *cluster_key, uint8_t *mac_key,
		    uint8_t *connid_key);

/*
 * Reads a cluster key file: a regular file of exactly GOSSIP_KEY_LEN
 * bytes that neither group nor others may read or write.  Returns 0, or
 * -1 with the reason in err.
 */
int		 gossip_key_load(const char *path, uint8_t *key, char *err,
		    size_t errlen);

#endif
