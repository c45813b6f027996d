/* SPDX-License-Identifier: ISC */
/*
 * utmeta.h - BEP 9 ut_metadata: a torrent's info dictionary for peers
 * that know only its info-hash (a magnet link).
 *
 * Served only in metadata mode, where a saved .torrent holds an info
 * dictionary whose hash is the swarm's key; a zero-metadata key is a
 * hash of the file's SHA-256, not of any dictionary, so there is nothing
 * a peer could check and such requests are rejected.  We never ask for
 * metadata ourselves: a swarm's torrent comes from the mirror's signed
 * chain of indexes (daemon/meta/), not from peers.
 *
 * Bounds per connection (doc/threat-model.md): at most UTMETA_QUEUED
 * answers queued unsent, and every piece of the dictionary served at
 * most UTMETA_PASSES times; further requests are rejected.
 */
#ifndef APTBTD_UTMETA_H
#define APTBTD_UTMETA_H

#include <stddef.h>
#include <stdint.h>

#include "common/swarmkey.h"

#define UTMETA_QUEUED	8
#define UTMETA_PASSES	2

struct peer;
struct utmeta_conn;

/* The metadata_size to advertise for a swarm key; -1: we serve none. */
int64_t	 utmeta_size(const uint8_t key[SWARMKEY_LEN]);
/*
 * A ut_metadata message (the payload after the extension id) on the
 * peer's connection; *c is its state, made on first use.  their_id is
 * the peer's id for ut_metadata (0: it cannot take our answers).
 */
void	 utmeta_handle(struct peer *, struct utmeta_conn **c,
	    uint8_t their_id, const uint8_t *payload, size_t len);
/* The connection closed: forget it (answers still queued let go). */
void	 utmeta_conn_free(struct utmeta_conn *);
/* Drop the cached dictionary (shutdown). */
void	 utmeta_shutdown(void);

#endif
