/* SPDX-License-Identifier: ISC */
/*
 * torrents.h - the torrents we know for files: metadata mode.
 *
 * When a mirror publishes metadata, a file's swarm is the one of its
 * .torrent, so standard clients (libtorrent, Transmission) take part in
 * it under the torrent's info-hash.  This module keeps each known
 * torrent's keys and v1 piece hashes by the file's SHA-256, saved under
 * state_dir/torrents so a file is seeded under its info-hash across
 * restarts.  A torrent is accepted only if it describes the file
 * exactly: same size, the canonical piece layout, a single file.
 */
#ifndef APTBTD_TORRENTS_H
#define APTBTD_TORRENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"
#include "common/swarmkey.h"

/*
 * Tracker URLs in the order to try them, as BEP 12 tiers.  Lists are
 * shared: the torrents of one archive name the same trackers, so ten
 * thousand torrents hold a handful of lists.
 */
struct torrent_trackers {
	char		**urls;
	uint8_t		 *tiers;	/* tier of each URL, ascending */
	size_t		  n;
};

struct torrent {
	uint8_t		 sha256[SHA256_LEN];
	uint64_t	 size;
	uint32_t	 npieces;
	bool		 has_v1, has_v2;
	uint8_t		 ih1[SWARMKEY_LEN];	/* v1 info-hash */
	uint8_t		 ih2[SWARMKEY_LEN];	/* v2 info-hash, truncated */
	uint8_t		*pieces;		/* v1: npieces SHA-1s */
	/* The torrent's own announce-list (or announce); NULL when none. */
	const struct torrent_trackers *trackers;
	/*
	 * Trackers on the host the metadata came from (tracker
	 * localization), saved beside the torrent; NULL when none.
	 */
	const struct torrent_trackers *host_trackers;
	/* The info dictionary's place in the saved file (BEP 9). */
	uint32_t	 info_off, info_len;
};

/* Load the saved torrents (at start-up, before the loop runs). */
int	 torrents_init(const char *state_dir);
void	 torrents_shutdown(void);
/*
 * Take a torrent for the file with this SHA-256 and size; saves it.
 * 0, or -EINVAL when it does not describe the file as we cut it.
 */
int	 torrents_add(const uint8_t sha256[SHA256_LEN], uint64_t size,
	    const uint8_t *raw, size_t len);
/*
 * The trackers on the host the torrent came from: n URLs, one tier.
 * Ignored for an unknown torrent; -ENOMEM.
 */
int	 torrents_set_host_trackers(const uint8_t sha256[SHA256_LEN],
	    char *const *urls, size_t n);
const struct torrent *torrents_by_sha256(const uint8_t sha256[SHA256_LEN]);
/* By either info-hash (v2 truncated to 20 bytes, as BEP 52 swarms do). */
const struct torrent *torrents_by_key(const uint8_t key[SWARMKEY_LEN]);
/*
 * The info dictionary's bytes, read from the saved torrent and checked
 * against the v1 info-hash, for peers that know only that (BEP 9): a
 * malloc'ed copy in *out.  0, -ENOENT when the torrent was not saved,
 * -EIO when the file no longer holds it, -ENOMEM.
 */
int	 torrents_info(const struct torrent *, uint8_t **out, size_t *len);
/*
 * A walk that may span loop turns: the torrent after *pos (start at 0),
 * or NULL at the end.  Torrents added or dropped meanwhile may be missed
 * or seen twice.
 */
const struct torrent *torrents_next(size_t *pos);
void	 torrents_foreach(void (*cb)(const struct torrent *, void *), void *);
size_t	 torrents_count(void);

#endif
