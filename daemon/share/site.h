/* SPDX-License-Identifier: ISC */
/*
 * site.h - which daemon of the site fetches a file from the mirror.
 *
 * When several daemons start the same file together, one of them should
 * fetch it from the mirror and the others stream it from that one.  Each
 * ranks the daemons it knows by a rendezvous score, SHA-256(peer id ||
 * file SHA-256); every daemon computes the same order from what it
 * already knows, so they agree within one message, and the load of many
 * files spreads evenly over the site's daemons.  Pure arithmetic, tested
 * alone (tests/unit/check_site.c).
 */
#ifndef APTBTD_SITE_H
#define APTBTD_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/hash.h"

#define SITE_ID_LEN	20	/* a BitTorrent peer id */

/* The daemon's score for a file; higher fetches. */
uint64_t site_score(const uint8_t id[SITE_ID_LEN],
	    const uint8_t sha256[SHA256_LEN]);
/* Does the daemon other rank above self for this file? */
bool	 site_outranks(const uint8_t other[SITE_ID_LEN],
	    const uint8_t self[SITE_ID_LEN], const uint8_t sha256[SHA256_LEN]);

#endif
