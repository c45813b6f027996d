/* SPDX-License-Identifier: ISC */
/*
 * udpmsg.h - the embedded tracker's UDP packets (BEP 15), server side:
 * read a client's request, write the reply.
 *
 * Requests are big-endian: connection id (8), action (4), transaction id
 * (4), then per action: connect nothing (the id is BEP 15's magic),
 * announce 82 bytes (info-hash, peer id, downloaded, left, uploaded,
 * event, ip, key, numwant, port; BEP 41 options after them are
 * ignored), scrape 20 bytes an info-hash (at most TUDP_SCRAPE_MAX read).
 *
 * tudp_parse is a pure function of the packet.  Returns 0, or:
 *	-TUDP_ESHORT	under 16 bytes: not worth an answer (tid unknown)
 *	-TUDP_EACTION	an action we do not serve (answer an error)
 *	-TUDP_EFORM	too short for its action, a connect without the
 *			magic, an unknown event or port 0 (answer an error)
 * r->action and r->tid are set whenever 16 bytes were there.
 * The builders return the reply's length (0 when outlen is too small).
 */
#ifndef APTBTD_UDPMSG_H
#define APTBTD_UDPMSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/trackermsg.h"
#include "daemon/tracker/swarms.h"

#define TUDP_SCRAPE_MAX		74	/* info-hashes of one scrape reply */
#define TUDP_MAX_PACKET		1500	/* read at most; a reply fits too */

enum tudp_error {
	TUDP_OK = 0,
	TUDP_ESHORT,
	TUDP_EACTION,
	TUDP_EFORM,
};

struct tudp_req {
	uint64_t	 cid;
	uint32_t	 action;	/* enum trk_action, or what came */
	uint32_t	 tid;
	/* announce */
	uint8_t		 info_hash[20];
	uint8_t		 peer_id[20];
	uint64_t	 downloaded, left, uploaded;
	enum trk_event	 event;
	int32_t		 numwant;	/* -1: the tracker's default */
	uint16_t	 port;
	/* scrape: pointers into the packet */
	const uint8_t	*hashes;
	size_t		 nhashes;
	const char	*why;		/* TUDP_EFORM: what to answer */
};

int	 tudp_parse(const uint8_t *buf, size_t len, struct tudp_req *);

size_t	 tudp_put_connect(uint8_t *out, size_t outlen, uint32_t tid,
	    uint64_t cid);
/* Peers of one family (6 or 18 bytes each), as many as fit. */
size_t	 tudp_put_announce(uint8_t *out, size_t outlen, uint32_t tid,
	    uint32_t interval, uint32_t leechers, uint32_t seeders,
	    const struct swarms_peer *, size_t n);
size_t	 tudp_put_scrape(uint8_t *out, size_t outlen, uint32_t tid,
	    const struct swarms_counts *, size_t n);
size_t	 tudp_put_error(uint8_t *out, size_t outlen, uint32_t tid,
	    const char *msg);

#endif
