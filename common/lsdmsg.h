/* SPDX-License-Identifier: ISC */
/*
 * lsdmsg.h - Local Service Discovery (BEP 14) messages: build and parse.
 *
 * An announce is one UDP datagram sent to 239.192.152.143:6771 (IPv4) or
 * [ff15::efc0:988f]:6771 (IPv6), shaped like an HTTP request:
 *
 *	BT-SEARCH * HTTP/1.1\r\n
 *	Host: 239.192.152.143:6771\r\n
 *	Port: 6881\r\n
 *	Infohash: <40 hex digits>\r\n	(one or more)
 *	cookie: <token>\r\n		(optional; lets a sender drop its own)
 *	\r\n
 *	\r\n
 *
 * We build exactly that, with lower-case hex.  The parser takes what other
 * clients send (libtorrent: one Infohash per datagram and an 8-hex-digit
 * cookie; Transmission: no cookie): header names in any case, blanks
 * around values, bare LF line ends, unknown headers ignored, bytes after
 * the blank line ignored.  It is bounded: at most LSDMSG_MAX_KEYS keys are
 * kept (more are counted as dropped), and anything it does not understand
 * is a rejection, never a guess.
 */
#ifndef APTBT_LSDMSG_H
#define APTBT_LSDMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LSD_PORT		6771
#define LSD_GROUP4		"239.192.152.143"
#define LSD_GROUP6		"ff15::efc0:988f"
#define LSD_KEY_LEN		20

/* Our datagrams stay well under a 1500-byte Ethernet MTU. */
#define LSDMSG_DGRAM_MAX	1400
/* Keys kept from one received datagram (a full one holds about 25). */
#define LSDMSG_MAX_KEYS		64
#define LSDMSG_COOKIE_MAX	64

/*
 * The key aptbtd daemons announce to find each other: the first 20 bytes
 * of SHA-256("aptbt-lsd-v1").  Other clients see an unknown info-hash and
 * ignore it.
 */
extern const uint8_t lsd_presence_key[LSD_KEY_LEN];

enum lsdmsg_family {
	LSDMSG_IPV4,
	LSDMSG_IPV6,
};

struct lsdmsg {
	uint16_t	 port;		/* the sender's peer-wire port, 1..65535 */
	size_t		 nkeys;
	size_t		 dropped;	/* valid keys beyond LSDMSG_MAX_KEYS */
	uint8_t		 keys[LSDMSG_MAX_KEYS][LSD_KEY_LEN];
	char		 cookie[LSDMSG_COOKIE_MAX + 1];	/* "" when absent */
};

/*
 * Write an announce of nkeys keys into buf.  cookie may be NULL; else it
 * is 1..LSDMSG_COOKIE_MAX printable characters without blanks.  Returns
 * the length (no NUL is written after it), -EINVAL for a bad argument or
 * -ENOSPC when it does not fit in size.
 */
ssize_t	lsdmsg_build(char *buf, size_t size, enum lsdmsg_family,
	    uint16_t port, const uint8_t (*keys)[LSD_KEY_LEN], size_t nkeys,
	    const char *cookie);
/* How many keys an announce with these fields can carry in size bytes. */
size_t	lsdmsg_fit(size_t size, enum lsdmsg_family, uint16_t port,
	    const char *cookie);

/*
 * Parse one datagram.  Returns 0, or -EBADMSG when it is not a well-formed
 * announce: wrong request line, a malformed or repeated Port or cookie
 * header, no valid Infohash.  Infohash values that are not 40 hex digits
 * are skipped, since one bad key should not hide the others.
 */
int	lsdmsg_parse(const void *buf, size_t len, struct lsdmsg *);

#endif
