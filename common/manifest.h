/* SPDX-License-Identifier: ISC */
/*
 * manifest.h - the per-suite metadata manifest (doc/manifest.md).
 *
 * A mirror that publishes aptbt metadata puts one manifest per suite at
 * dists/SUITE/aptbt/manifest.  It maps the SHA-256 of every file of the
 * suite to the file's size and the info-hashes of its torrent, whose URL
 * follows from the SHA-256, so a client asks the mirror once per suite
 * and never probes for a torrent per package.  The entries are fixed-width
 * records sorted by SHA-256 in one byte string: a lookup is a binary
 * search, and parsing a manifest of any size costs a handful of tokens
 * and one linear check of the order.
 */
#ifndef APTBT_MANIFEST_H
#define APTBT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/metainfo.h"

#define MANIFEST_VERSION	1
#define MANIFEST_MAX_ENTRIES	(1u << 20)
/* Room for MANIFEST_MAX_ENTRIES hybrid records and the small rest. */
#define MANIFEST_MAX_INPUT	(MANIFEST_MAX_ENTRIES * 92u + 256u * 1024)
#define MANIFEST_MAX_RECORD	256
#define MANIFEST_MAX_TRACKERS	16
#define MANIFEST_MAX_URL	1024

/* Record widths of version 1; a record may be wider (later fields). */
#define MANIFEST_REC_V1		(SHA256_LEN + 8 + SHA1_LEN)
#define MANIFEST_REC_HYBRID	(MANIFEST_REC_V1 + SHA256_LEN)

/* Where the manifest sits, relative to a suite's base URL (dists/SUITE/). */
#define MANIFEST_PATH		"aptbt/manifest"

enum manifest_error {
	MANIFEST_OK = 0,
	MANIFEST_EBENCODE,	/* not canonical bencode */
	MANIFEST_EVERSION,	/* version missing or not one we read */
	MANIFEST_EFORM,		/* form unknown, or record too narrow for it */
	MANIFEST_EENTRIES,	/* entries missing, ragged, or too many */
	MANIFEST_EORDER,	/* entries not strictly sorted by SHA-256 */
	MANIFEST_ESIZE,		/* an entry of size zero */
	MANIFEST_ETORRENTS,	/* torrent location missing or malformed */
	MANIFEST_ETRACKERS,	/* tracker list malformed */
	MANIFEST_ENOMEM,
	MANIFEST_NERRORS
};

struct manifest_entry {
	uint8_t		 sha256[SHA256_LEN];
	uint64_t	 size;
	uint8_t		 info_hash_v1[SHA1_LEN];
	uint8_t		 info_hash_v2[SHA256_LEN];	/* hybrid only */
	bool		 has_v2;
};

struct manifest {
	enum mi_form	 form;
	size_t		 reclen;
	size_t		 nentries;
	const uint8_t	*entries;	/* nentries * reclen, sorted */
	char		*torrents;	/* torrent directory, as written */
	char		**trackers;	/* tracker URLs and patterns, as written */
	size_t		 ntrackers;
	uint8_t		*raw;		/* private copy; entries points into it */
	size_t		 rawlen;
};

/*
 * Parse a manifest of len bytes (at most MANIFEST_MAX_INPUT); the input
 * is copied.  Returns 0 or -enum manifest_error; on error the struct
 * holds nothing to free.
 */
int	 manifest_parse(struct manifest *, const void *buf, size_t len);
void	 manifest_free(struct manifest *);
const char *manifest_strerror(int err);

/* Binary search; true and *out filled when the file is listed. */
bool	 manifest_lookup(const struct manifest *, const uint8_t sha[SHA256_LEN],
	    struct manifest_entry *out);
/* Entry i in SHA-256 order (i < nentries). */
void	 manifest_entry(const struct manifest *, size_t i,
	    struct manifest_entry *out);

/*
 * A torrent's path under the torrent directory: "XX/HEX64.torrent", XX
 * being the first two hex digits.  out holds MANIFEST_TORRENT_NAME_LEN + 1.
 */
#define MANIFEST_TORRENT_NAME_LEN	(3 + 2 * SHA256_LEN + 8)
void	 manifest_torrent_name(const uint8_t sha[SHA256_LEN], char *out);
/* The torrent's absolute URL, given the manifest's own; NULL on ENOMEM. */
char	*manifest_torrent_url(const struct manifest *, const char *murl,
	    const uint8_t sha[SHA256_LEN]);
/*
 * Tracker i as an absolute URL: a pattern naming no host ("/announce",
 * "udp://:6969/announce") means the host the manifest came from.  NULL
 * when murl has no host, or on ENOMEM.
 */
char	*manifest_tracker_url(const struct manifest *, const char *murl,
	    size_t i);
/* The same for one tracker string (manifest_tracker_ok) of any origin. */
char	*manifest_pattern_url(const char *tracker, const char *murl);
/* Is the string a pattern (no host of its own) rather than a URL? */
bool	 manifest_tracker_is_pattern(const char *tracker);

/*
 * Resolve a reference against an absolute base URL (RFC 3986 section 5,
 * without query or fragment handling beyond keeping them).  NULL when the
 * base is not absolute, or on ENOMEM.
 */
char	*manifest_url_resolve(const char *base, const char *ref);

/* The manifest URL of a suite base URL (apt's Target-Base-URI). */
char	*manifest_url_of_base(const char *base);

/* True for a string the parser accepts as torrent location / tracker. */
bool	 manifest_torrents_ok(const char *);
bool	 manifest_tracker_ok(const char *);

/* What the generator writes; entries in any order, duplicates merged. */
struct manifest_build {
	enum mi_form			 form;
	const char			*torrents;
	const char *const		*trackers;
	size_t				 ntrackers;
	const struct manifest_entry	*entries;
	size_t				 nentries;
};

/*
 * Append the canonical manifest to out.  Returns 0, -EINVAL for a bad
 * torrent location or tracker, too many trackers or entries, an entry of
 * size zero, or two different entries with the same SHA-256; -ENOMEM.
 */
int	 manifest_encode(const struct manifest_build *, struct bytebuf *out);

#endif
