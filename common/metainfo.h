/* SPDX-License-Identifier: ISC */
/*
 * metainfo.h - single-file .torrent metadata: parsing and building.
 *
 * aptbt makes each file its own swarm, so only single-file torrents are
 * accepted: v1 (BEP 3), v2 (BEP 52) and hybrid v1+v2.  Parsing is
 * tolerant of other people's torrents (unsorted keys, unknown keys,
 * junk tracker entries are skipped) but bounded, and everything the
 * transfer engine relies on is checked: the piece count, the v1 piece
 * hashes' length, and the v2 piece layer against the pieces root.  The
 * info-hashes are always the hashes of the raw bytes of the info value as
 * they arrived.
 *
 * The builder writes the canonical form aptbt-mkmeta publishes: sorted
 * keys, the piece length of common/layout.h, no creation date, so the
 * same file with the same options always gives the same bytes.
 */
#ifndef APTBT_METAINFO_H
#define APTBT_METAINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "common/hash.h"

#define MI_MAX_INPUT		(16u * 1024 * 1024)
#define MI_MIN_PIECE		(16u * 1024)
#define MI_MAX_PIECE		(1u << 30)
#define MI_MAX_URL		2048
#define MI_MAX_TRACKERS		64	/* URLs kept over all tiers */
#define MI_MAX_WEBSEEDS		64

/* Parser errors, returned negated. */
enum mi_error {
	MI_OK = 0,
	MI_EBENCODE,		/* not valid bencode */
	MI_ENOINFO,		/* no info dictionary */
	MI_EMULTIFILE,		/* more than one file */
	MI_ENAME,		/* name missing or empty */
	MI_ELENGTH,		/* length missing, zero or out of range */
	MI_EPIECELEN,		/* piece length not a power of two in range */
	MI_EPIECES,		/* v1 pieces missing or of the wrong length */
	MI_EVERSION,		/* unknown meta version */
	MI_EFILETREE,		/* v2 file tree malformed */
	MI_EROOT,		/* v2 pieces root missing or not 32 bytes */
	MI_ELAYERS,		/* v2 piece layer missing, wrong size or wrong hashes */
	MI_EHYBRID,		/* the v1 and v2 parts describe different files */
	MI_ENOMEM,
	MI_NERRORS
};

/* One BEP 12 tier: tried in order, the URLs within it shuffled. */
struct mi_tier {
	char	**urls;
	size_t	  nurls;
};

struct metainfo {
	char		*name;		/* display only: control bytes become '?' */
	uint64_t	 length;
	uint32_t	 piece_length;
	uint32_t	 npieces;
	/* v1: npieces SHA-1 hashes, concatenated */
	const uint8_t	*pieces;
	/* v2: the merkle root of the file, and its piece layer (npieces
	 * SHA-256 hashes) or NULL for a file of one piece, whose only piece
	 * hash is the root itself */
	uint8_t		 pieces_root[SHA256_LEN];
	const uint8_t	*layer;
	uint8_t		 info_hash_v1[SHA1_LEN];
	uint8_t		 info_hash_v2[SHA256_LEN];
	bool		 has_v1;
	bool		 has_v2;
	struct mi_tier	*tiers;		/* announce-list, else announce */
	size_t		 ntiers;
	char		**webseeds;	/* url-list (BEP 19), as written */
	size_t		 nwebseeds;
	uint8_t		*raw;		/* private copy the pointers point into */
	size_t		 rawlen;
	/* Where the info dictionary's bytes are in raw (BEP 9 serves them). */
	size_t		 info_off, info_len;
};

/*
 * Parse a .torrent of len bytes (at most MI_MAX_INPUT); the input is
 * copied, so it may go away afterwards.  Returns 0 or -enum mi_error; on
 * error the struct holds nothing to free.
 */
int	 metainfo_parse(struct metainfo *, const void *buf, size_t len);
void	 metainfo_free(struct metainfo *);
const char *metainfo_strerror(int err);

/*
 * True when the parser keeps a tracker or webseed URL: 1 to MI_MAX_URL
 * bytes, none of them blank or control characters.
 */
bool	 metainfo_url_ok(const void *url, size_t len);

/* Length of piece i (the last one may be short). */
uint32_t metainfo_piece_size(const struct metainfo *, uint32_t i);

/*
 * The URL of a single file under a BEP 19 webseed URL: a URL ending in
 * '/' names a directory and gets the percent-encoded name appended; any
 * other URL is the file itself.  Returns a malloc'ed string, or NULL on
 * ENOMEM.
 */
char	*metainfo_url_join(const char *url, const char *name);
/* The URL to fetch the file from webseed i; as metainfo_url_join(). */
char	*metainfo_webseed_url(const struct metainfo *, size_t i);

enum mi_form {
	MI_FORM_V1,		/* what Transmission 3 and every client read */
	MI_FORM_HYBRID,		/* v1 + v2 (BEP 52): two swarm keys */
};

struct mi_build {
	enum mi_form		 form;
	const char		*name;		/* v1 name and v2 file name */
	const struct mi_tier	*tiers;
	size_t			 ntiers;
	char *const		*webseeds;	/* written to url-list as given */
	size_t			 nwebseeds;
	/* Called after each read with the bytes hashed so far; may be NULL. */
	void			(*progress)(uint64_t done, uint64_t total,
				    void *arg);
	void			*progress_arg;
	/*
	 * When not NULL, receives the SHA-256 of the whole file, taken in
	 * the same pass, so a caller can check the file against an index
	 * without reading it twice.
	 */
	uint8_t			*file_sha256;
	/*
	 * When not NULL, sees every byte of the file in order, in the same
	 * pass (the block sums of common/blocks.h ride on it).
	 */
	void			(*consume)(const uint8_t *, size_t, void *arg);
	void			*consume_arg;
};

/*
 * Hash the regular file open on fd (from its start, size from fstat) and
 * append a canonical torrent for it to out.  Returns 0 or a negative
 * errno: -EINVAL for an empty file or one that is not regular, a bad
 * name (empty, ".", "..", or holding '/' or NUL), a URL that
 * metainfo_url_ok() refuses, or more than MI_MAX_TRACKERS or
 * MI_MAX_WEBSEEDS URLs; -EFBIG when the torrent would exceed
 * MI_MAX_INPUT; -ESTALE when the file changed size while being read;
 * -ENOMEM; or what fstat or pread failed with.
 */
int	 metainfo_build(int fd, const struct mi_build *, struct bytebuf *out);

/*
 * The torrent metainfo_build would write for the file mi describes, from
 * mi's own piece hashes, without reading the file: what lets a mirror's
 * rerun change a name, a webseed or a tracker of a file it has hashed
 * before.  b's progress and file_sha256 are not used.  Returns 0, -ESTALE
 * when mi's pieces are not the canonical layout or lack the v2 hashes
 * b->form needs (hash the file instead), or as metainfo_build.
 */
int	 metainfo_rebuild(const struct metainfo *mi, const struct mi_build *b,
	    struct bytebuf *out);

#endif
