/* SPDX-License-Identifier: ISC */
/*
 * discover.h - learn a file's torrent from its suite's manifest.
 *
 * apt names the suite of each file (Target-Base-URI).  If the mirror
 * publishes aptbt metadata there, the manifest (metadata.h, one request
 * per suite) gives the file's torrent URL; the torrent is fetched once
 * and kept (torrents.h), and the file's swarm gains the torrent's
 * info-hashes so standard BitTorrent clients can join it.  A mirror that
 * publishes nothing costs one remembered miss per suite.
 */
#ifndef APTBTD_DISCOVER_H
#define APTBTD_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/hash.h"

/* done(arg, true) once the torrent is known; (arg, false) if there is none. */
int	discover_torrent(const char *base, const uint8_t sha256[SHA256_LEN],
	    uint64_t size, void (*done)(void *, bool), void *arg);
/* Forget the pending discoveries made for arg (done is not called). */
void	discover_cancel(void *arg);
void	discover_shutdown(void);

#endif
