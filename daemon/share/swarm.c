/* SPDX-License-Identifier: ISC */
/*
 * swarm.c - swarms: the index of shareable files, piece assembly and
 * verification, and reads for upload.  Which blocks to ask of which peer
 * is the piece sink's to say (the job's picker): the swarm reports each
 * link's pieces, choking and blocks to it.
 *
 * Trust: a block from a peer is held in memory until its piece is whole
 * and matches a hash we trust for it (apt's SHA-256 when the file is one
 * piece, else a piece-hash hint); only then does it reach the part file.
 * The whole file's SHA-256 is checked again before it enters the cache,
 * and the apt method checks it once more, so a wrong hint can cost time,
 * never correctness.  A piece that fails is fetched from the mirror and
 * its senders are penalised.
 *
 * Blame needs proof.  A piece that fails a peer's hint opens a dispute,
 * settled by the mirror's copy of the piece: it says whether the data's
 * senders or the hint's sender lied, and only that one is penalised, by
 * host (peer_penalise_host), connected or not.  Without a dispute (too
 * many open) nobody is blamed.  Hints are taken only for pieces we lack,
 * and we pass on only hashes we computed from our own bytes (own_known):
 * a peer's hint never becomes what we tell others, so an honest daemon
 * cannot be made to relay a liar's hashes and be banned for them.
 */
#include "config.h"

#include "common/queue-compat.h"
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/bitfield.h"
#include "common/hash.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/peerwire.h"
#include "common/shamap.h"
#include "daemon/share/announce.h"
#include "daemon/base/cache.h"
#include "daemon/share/link.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/piecesink.h"
#include "daemon/base/pieces.h"
#include "daemon/base/scope.h"
#include "daemon/base/history.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"
#include "daemon/meta/torrents.h"
#include "daemon/base/workers.h"

#define MAX_CONTRIB	4	/* peers blamed per piece */
#define BAD_DATA_POINTS	40
#define BAD_HINT_POINTS	60
#define DL_MEMORY_MAX	(256u * 1024 * 1024)	/* piece buffers, all swarms */
#define PICK_MAX	64	/* blocks asked of the sink at once */
#define OWN_HASHES_MAX	(8u * 1024 * 1024)	/* kept in the index, all files */
#define OWN_HASH_CHUNK	(16u * 1024 * 1024)	/* file bytes per worker job */

/*
 * A file we can share: in the cache, or being fetched.  The piece
 * hashes of our own verified copy, once computed for a peer, stay here
 * so the next swarm for the file need not read it all again.
 */
struct ientry {
	uint8_t			 sha256[SHA256_LEN];
	uint8_t			 key[SWARMKEY_LEN];
	uint64_t		 size;
	uint8_t			*own;		/* npieces SHA-256s, or NULL */
	size_t			 ownlen;
};

/*
 * A piece that failed its hint: either the senders of the data or the
 * sender of the hint lied.  The mirror's copy of the piece settles it.
 */
struct dispute {
	uint32_t		 piece;
	struct sockaddr_storage	 contrib[MAX_CONTRIB];
	unsigned		 ncontrib;
};
#define MAX_DISPUTES	64

/*
 * A piece being assembled from peers' blocks (which block came from whom
 * is the sink's to know).
 */
struct dlpiece {
	TAILQ_ENTRY(dlpiece)	 entry;
	uint32_t		 piece;
	uint32_t		 len;
	uint8_t			*buf;
	bool			 verifying;
};

/* A link's source id with the sink (-1: none) and its SINK_PEER_ flags. */
struct lsrc {
	int			 id;
	unsigned		 flags;
};

struct swarm {
	TAILQ_ENTRY(swarm)	 entry;
	uint8_t			 key[SWARMKEY_LEN];
	/* Metadata mode: the torrent's info-hashes, and SHA-1 piece hashes. */
	bool			 has_torrent;
	bool			 has_ih2;
	uint8_t			 ih1[SWARMKEY_LEN], ih2[SWARMKEY_LEN];
	uint8_t			 sha256[SHA256_LEN];
	uint64_t		 size;
	uint32_t		 piece_len, npieces;
	struct piece_sink	*sink;		/* fetching; NULL when seeding */
	uint8_t			*allbits;	/* seeding: every bit set */
	uint8_t			*hints;		/* npieces SHA-256s */
	uint8_t			*hint_known;	/* bit per piece */
	uint8_t			*own_known;	/* hashed from our own bytes */
	/*
	 * Who said so, per piece: only peers' hints need it, so it is made
	 * on the first (a seed never has one; its hashes are ours).  At
	 * 128 bytes a piece it would be most of a seed's memory.
	 */
	struct sockaddr_storage	*hint_from;
	bool			 hashing;	/* our own hashes being computed */
	struct dispute		*disputes;	/* failed against a peer's hint */
	unsigned		 ndisputes;
	TAILQ_HEAD(, dlpiece)	 dl;
	struct link		**links;
	struct lsrc		*lsrc;		/* of each link */
	unsigned		 nlinks, linkcap;
	/* A site daemon that fetches the file from the mirror. */
	uint8_t			 fetcher[PW_PEER_ID_LEN];
	bool			 has_fetcher;
	uint64_t		 from_peers, to_peers;
	unsigned		 refs;		/* worker jobs in flight */
	bool			 closing;
};

/* The index: SHA-256 and swarm key to struct ientry. */
static struct shamap	 by_sha, by_key;
static size_t		 own_bytes;	/* of every ientry's own hashes */
static TAILQ_HEAD(, swarm) swarms = TAILQ_HEAD_INITIALIZER(swarms);
static unsigned		 nswarms;
static size_t		 dl_memory;

static void	swarm_apply_torrent(struct swarm *);

int
swarm_init(void)
{
	if (shamap_init(&by_sha, SHA256_LEN) < 0 ||
	    shamap_init(&by_key, SWARMKEY_LEN) < 0)
		return -1;
	return 0;
}

/*
 * The index.
 */

static struct ientry *
index_sha(const uint8_t *sha)
{
	return shamap_get(&by_sha, sha);
}

static struct ientry *
index_key(const uint8_t *key)
{
	return shamap_get(&by_key, key);
}

void
swarm_index_add(const uint8_t sha256[SHA256_LEN], uint64_t size)
{
	struct ientry	*e;

	if ((e = index_sha(sha256)) != NULL) {
		e->size = size;
		announce_file(sha256, size, false);
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	memcpy(e->sha256, sha256, SHA256_LEN);
	swarmkey_from_sha256(sha256, e->key);
	e->size = size;
	if (shamap_put(&by_sha, e->sha256, e) != 0) {
		free(e);
		return;
	}
	if (shamap_put(&by_key, e->key, e) != 0) {
		shamap_remove(&by_sha, e->sha256);
		free(e);
		return;
	}
	announce_file(sha256, size, false);
}

void
swarm_index_remove(const uint8_t sha256[SHA256_LEN])
{
	struct ientry	*e;

	if ((e = shamap_remove(&by_sha, sha256)) == NULL)
		return;
	announce_file_gone(sha256);
	shamap_remove(&by_key, e->key);
	own_bytes -= e->ownlen;
	free(e->own);
	free(e);
}


/*
 * Swarm objects.
 */

/* Our own piece hashes from the index, if we computed them before. */
static void
own_hashes_take(struct swarm *s)
{
	struct ientry	*e = index_sha(s->sha256);
	uint32_t	 p;

	if (e == NULL || e->own == NULL || e->size != s->size ||
	    e->ownlen != (size_t)s->npieces * SHA256_LEN)
		return;
	memcpy(s->hints, e->own, e->ownlen);
	for (p = 0; p < s->npieces; p++) {
		bitfield_set(s->hint_known, p);
		bitfield_set(s->own_known, p);
	}
}

static void
own_hashes_keep(const struct swarm *s, const uint8_t *hashes)
{
	struct ientry	*e = index_sha(s->sha256);
	size_t		 len = (size_t)s->npieces * SHA256_LEN;

	if (e == NULL || e->own != NULL || e->size != s->size ||
	    own_bytes + len > OWN_HASHES_MAX ||
	    (e->own = malloc(len)) == NULL)
		return;
	memcpy(e->own, hashes, len);
	e->ownlen = len;
	own_bytes += len;
}

static struct swarm *
swarm_alloc(const uint8_t *sha256, uint64_t size)
{
	struct swarm	*s;
	size_t		 nbits;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	memcpy(s->sha256, sha256, SHA256_LEN);
	swarmkey_from_sha256(sha256, s->key);
	s->size = size;
	s->piece_len = layout_piece_length(size);
	s->npieces = layout_npieces(size);
	nbits = bitfield_len(s->npieces) + 1;
	s->hints = calloc(s->npieces + 1, SHA256_LEN);
	s->hint_known = calloc(nbits, 1);
	s->own_known = calloc(nbits, 1);
	if (s->hints == NULL || s->hint_known == NULL ||
	    s->own_known == NULL) {
		free(s->hints);
		free(s->hint_known);
		free(s->own_known);
		free(s);
		return NULL;
	}
	/* A file of one piece is verified by apt's own hash. */
	if (s->npieces == 1) {
		memcpy(s->hints, sha256, SHA256_LEN);
		bitfield_set(s->hint_known, 0);
		bitfield_set(s->own_known, 0);
	}
	own_hashes_take(s);
	TAILQ_INIT(&s->dl);
	TAILQ_INSERT_TAIL(&swarms, s, entry);
	nswarms++;
	swarm_apply_torrent(s);
	return s;
}

/* Take the file's torrent's keys; announce them on the LAN. */
static void
swarm_apply_torrent(struct swarm *s)
{
	const struct torrent	*t = torrents_by_sha256(s->sha256);
	uint8_t			 keys[2][SWARMKEY_LEN];
	size_t			 n = 0;

	if (t == NULL || t->npieces != s->npieces)
		return;
	s->has_torrent = true;
	memcpy(s->ih1, t->ih1, SWARMKEY_LEN);
	memcpy(keys[n++], t->ih1, SWARMKEY_LEN);
	if (t->has_v2) {
		s->has_ih2 = true;
		memcpy(s->ih2, t->ih2, SWARMKEY_LEN);
		memcpy(keys[n++], t->ih2, SWARMKEY_LEN);
	}
	/* Its piece hashes check every piece. */
	if (s->sink != NULL)
		s->sink->ops->checkable(s->sink, SINK_ALL);
	/* Standard clients in the swarm find us (and we them). */
	announce_keys((const uint8_t (*)[20])keys, n);
	/* Trackers: at once while fetching, else on the seed schedule. */
	announce_file(s->sha256, s->size, s->sink != NULL);
}

void
swarm_torrent_known(struct swarm *s)
{
	if (s->has_torrent)
		return;
	swarm_apply_torrent(s);
	swarm_pump(s);
}

void
swarm_pump(struct swarm *s)
{
	unsigned	i;

	for (i = 0; i < s->nlinks; i++)
		link_pump(s->links[i]);
}

bool
swarm_has_key(const struct swarm *s, const uint8_t key[SWARMKEY_LEN])
{
	return memcmp(s->key, key, SWARMKEY_LEN) == 0 ||
	    (s->has_torrent && memcmp(s->ih1, key, SWARMKEY_LEN) == 0) ||
	    (s->has_ih2 && memcmp(s->ih2, key, SWARMKEY_LEN) == 0);
}

static void
dlpiece_free(struct dlpiece *d)
{
	dl_memory -= d->len;
	free(d->buf);
	free(d);
}

static void
swarm_free(struct swarm *s)
{
	struct dlpiece	*d;

	while ((d = TAILQ_FIRST(&s->dl)) != NULL) {
		TAILQ_REMOVE(&s->dl, d, entry);
		if (d->verifying)
			d->buf = NULL;	/* the worker's done frees it */
		else
			dlpiece_free(d);
	}
	TAILQ_REMOVE(&swarms, s, entry);
	nswarms--;
	free(s->hints);
	free(s->hint_known);
	free(s->own_known);
	free(s->hint_from);
	free(s->allbits);
	free(s->links);
	free(s->lsrc);
	free(s->disputes);
	free(s);
}

/* Free a swarm nobody uses any more. */
static void
swarm_maybe_free(struct swarm *s)
{
	if (s->sink == NULL && s->nlinks == 0 && s->refs == 0)
		swarm_free(s);
}

/*
 * A worker job's done function drops the job's reference last: what it
 * does before (storing a piece, answering links) may close the last link
 * or end the job, which frees a swarm nobody holds.
 */
static void
swarm_done_ref(struct swarm *s)
{
	s->refs--;
	swarm_maybe_free(s);
}

struct swarm *
swarm_find_sha256(const uint8_t sha256[SHA256_LEN])
{
	struct swarm	*s;

	TAILQ_FOREACH(s, &swarms, entry)
		if (memcmp(s->sha256, sha256, SHA256_LEN) == 0)
			return s;
	return NULL;
}

static void	start_own_hashes(struct swarm *);

/* We hold the whole file: the bitfield of a seed, every piece set. */
static bool
swarm_set_complete(struct swarm *s)
{
	if (s->allbits != NULL)
		return true;
	if ((s->allbits = calloc(bitfield_len(s->npieces) + 1, 1)) == NULL)
		return false;
	bitfield_fill(s->allbits, s->npieces);
	return true;
}

struct swarm *
swarm_find(const uint8_t key[SWARMKEY_LEN], bool open)
{
	struct swarm		*s;
	struct ientry		*e;
	struct cache_entry	*ce;
	const struct torrent	*t;
	const uint8_t		*sha;
	uint64_t		 size;

	TAILQ_FOREACH(s, &swarms, entry)
		if (swarm_has_key(s, key))
			return s;
	if (!open)
		return NULL;
	if ((e = index_key(key)) != NULL) {
		sha = e->sha256;
		size = e->size;
	} else if ((t = torrents_by_key(key)) != NULL) {
		sha = t->sha256;
		size = t->size;
	} else
		return NULL;
	/* A cached file, unless private: open a seed. */
	if ((ce = cache_lookup(sha)) == NULL || ce->private)
		return NULL;
	if ((s = swarm_alloc(sha, size)) == NULL)
		return NULL;
	if (!swarm_set_complete(s)) {
		swarm_free(s);
		return NULL;
	}
	return s;
}

bool
swarm_shared_with(const struct swarm *s, const struct peer *p)
{
	return scope_allows(peer_addr(p));
}

const uint8_t *
swarm_key(const struct swarm *s)
{
	return s->key;
}

const uint8_t *
swarm_sha256(const struct swarm *s)
{
	return s->sha256;
}

bool
swarm_linked(const struct swarm *s, const struct peer *p)
{
	unsigned	i;

	for (i = 0; i < s->nlinks; i++)
		if (link_peer(s->links[i]) == p)
			return true;
	return false;
}

uint64_t
swarm_size(const struct swarm *s)
{
	return s->size;
}

uint32_t
swarm_npieces(const struct swarm *s)
{
	return s->npieces;
}


bool
swarm_complete(const struct swarm *s)
{
	return s->allbits != NULL;
}

bool
swarm_has_piece(const struct swarm *s, uint32_t piece)
{
	if (piece >= s->npieces)
		return false;
	if (s->allbits != NULL)
		return true;
	return s->sink != NULL && s->sink->ops->has(s->sink, piece);
}

const uint8_t *
swarm_bitfield(const struct swarm *s)
{
	if (s->allbits != NULL)
		return s->allbits;
	return s->sink != NULL ? s->sink->ops->bits(s->sink) : NULL;
}

static bool
is_fetcher(const struct swarm *s, const struct link *l)
{
	return s->has_fetcher && peer_is_daemon(link_peer(l)) &&
	    memcmp(peer_id(link_peer(l)), s->fetcher, PW_PEER_ID_LEN) == 0;
}

/* Make link i a source of the sink: choking us, with what it has. */
static void
lsrc_add(struct swarm *s, unsigned i)
{
	struct lsrc	*ls = &s->lsrc[i];
	uint32_t	 p;

	ls->flags = SINK_PEER_CHOKED;
	if (is_fetcher(s, s->links[i]))
		ls->flags |= SINK_PEER_FETCHER;
	if (!peer_near(link_peer(s->links[i])))
		ls->flags |= SINK_PEER_FAR;
	if (s->sink == NULL ||
	    (ls->id = s->sink->ops->peer_add(s->sink)) < 0) {
		ls->id = -1;
		return;
	}
	if (ls->flags != SINK_PEER_CHOKED)
		s->sink->ops->peer_flags(s->sink, ls->id, ls->flags);
	for (p = 0; p < s->npieces; p++)
		if (link_has(s->links[i], p))
			s->sink->ops->peer_have(s->sink, ls->id, p);
}

/* The link's entry, or NULL when it is not a source of the sink. */
static struct lsrc *
lsrc_of(const struct swarm *s, const struct link *l)
{
	unsigned	i;

	if (s->sink == NULL)
		return NULL;
	for (i = 0; i < s->nlinks; i++)
		if (s->links[i] == l)
			return s->lsrc[i].id >= 0 ? &s->lsrc[i] : NULL;
	return NULL;
}

void
swarm_link_add(struct swarm *s, struct link *l)
{
	struct link	**n;
	struct lsrc	 *ls;
	unsigned	  cap, i;

	/* A link belongs to one swarm, and is listed there once. */
	assert(link_swarm(l) == s);
	for (i = 0; i < s->nlinks; i++)
		assert(s->links[i] != l);

	if (s->nlinks == s->linkcap) {
		cap = s->linkcap ? s->linkcap * 2 : 4;
		if ((ls = reallocarray(s->lsrc, cap, sizeof(*ls))) == NULL)
			return;		/* the link works, unlisted */
		s->lsrc = ls;
		if ((n = reallocarray(s->links, cap, sizeof(*n))) == NULL)
			return;
		s->links = n;
		s->linkcap = cap;
	}
	s->links[s->nlinks] = l;
	lsrc_add(s, s->nlinks++);
}

struct link *const *
swarm_links(const struct swarm *s, unsigned *n)
{
	*n = s->nlinks;
	return s->links;
}

void
swarm_link_remove(struct swarm *s, struct link *l)
{
	unsigned	i;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i] == l) {
			if (s->sink != NULL && s->lsrc[i].id >= 0)
				s->sink->ops->peer_gone(s->sink,
				    s->lsrc[i].id);
			s->nlinks--;
			s->links[i] = s->links[s->nlinks];
			s->lsrc[i] = s->lsrc[s->nlinks];
			break;
		}
	swarm_maybe_free(s);
}

void
swarm_have(struct swarm *s, const struct link *l, uint32_t piece)
{
	struct lsrc	*ls;

	if ((ls = lsrc_of(s, l)) != NULL)
		s->sink->ops->peer_have(s->sink, ls->id, piece);
}

static void
lsrc_flags(struct swarm *s, struct lsrc *ls, unsigned flags)
{
	if (flags == ls->flags)
		return;
	ls->flags = flags;
	s->sink->ops->peer_flags(s->sink, ls->id, flags);
}

void
swarm_choked(struct swarm *s, const struct link *l, bool choked)
{
	struct lsrc	*ls;

	if ((ls = lsrc_of(s, l)) != NULL)
		lsrc_flags(s, ls, choked ? ls->flags | SINK_PEER_CHOKED :
		    ls->flags & ~SINK_PEER_CHOKED);
}

void
swarm_peer_fetching(struct swarm *s, const uint8_t *id)
{
	struct lsrc	*ls;
	unsigned	 i;

	/* Its link, now or once it comes. */
	memcpy(s->fetcher, id, PW_PEER_ID_LEN);
	s->has_fetcher = true;
	for (i = 0; i < s->nlinks; i++)
		if (is_fetcher(s, s->links[i]) &&
		    (ls = lsrc_of(s, s->links[i])) != NULL)
			lsrc_flags(s, ls, ls->flags | SINK_PEER_FETCHER);
}


/*
 * Requests: the sink picks, the swarm keeps the buffers.
 */

static struct dlpiece *
dl_find(struct swarm *s, uint32_t piece)
{
	struct dlpiece	*d;

	TAILQ_FOREACH(d, &s->dl, entry)
		if (d->piece == piece)
			return d;
	return NULL;
}

static struct dlpiece *
dl_start(struct swarm *s, uint32_t piece)
{
	struct dlpiece	*d;
	uint32_t	 len = layout_piece_size(s->size, piece);

	if (dl_memory + len > DL_MEMORY_MAX)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->piece = piece;
	d->len = len;
	if ((d->buf = malloc(len)) == NULL) {
		free(d);
		return NULL;
	}
	dl_memory += len;
	TAILQ_INSERT_TAIL(&s->dl, d, entry);
	return d;
}

size_t
swarm_pick(struct swarm *s, struct link *l, uint32_t *pieces,
    uint32_t *begins, uint32_t *lens, size_t max)
{
	struct sink_block	 b[PICK_MAX];
	struct lsrc		*ls;
	size_t			 n, i, k;
	bool			 want_hints;

	if (s->allbits != NULL || state.paused ||
	    (ls = lsrc_of(s, l)) == NULL)
		return 0;
	if (max > PICK_MAX)
		max = PICK_MAX;
	n = s->sink->ops->next_blocks(s->sink, ls->id, b, max,
	    DL_MEMORY_MAX - dl_memory, &want_hints);
	for (i = 0, k = 0; i < n; i++) {
		if (dl_find(s, b[i].piece) == NULL &&
		    dl_start(s, b[i].piece) == NULL) {
			s->sink->ops->block_cancel(s->sink, ls->id,
			    b[i].piece, b[i].begin);
			continue;
		}
		pieces[k] = b[i].piece;
		begins[k] = b[i].begin;
		lens[k++] = b[i].len;
	}
	if (want_hints && peer_is_daemon(link_peer(l)))
		link_want_hashes(l, 0);
	return k;
}

void
swarm_unrequest(struct swarm *s, const struct link *l, uint32_t piece,
    uint32_t begin)
{
	struct lsrc	*ls;

	if ((ls = lsrc_of(s, l)) != NULL)
		s->sink->ops->block_cancel(s->sink, ls->id, piece, begin);
}

/* The sink withdrew a request: the link cancels it with the peer. */
static void
ev_cancel(void *arg, int id, uint32_t piece, uint32_t begin, uint32_t len)
{
	struct swarm	*s = arg;
	unsigned	 i;

	for (i = 0; i < s->nlinks; i++)
		if (s->lsrc[i].id == id) {
			link_cancel(s->links[i], piece, begin, len);
			return;
		}
}

/* The sink no longer has the piece assembled from peers. */
static void
ev_drop(void *arg, uint32_t piece)
{
	struct swarm	*s = arg;
	struct dlpiece	*d;

	if ((d = dl_find(s, piece)) == NULL || d->verifying)
		return;
	TAILQ_REMOVE(&s->dl, d, entry);
	dlpiece_free(d);
}

static const struct piece_sink_events swarm_sink_events = {
	.cancel = ev_cancel,
	.drop = ev_drop,
};

/*
 * Assembly and verification.
 */

struct verify_job {
	struct swarm	*s;
	struct dlpiece	*d;
	bool		 sha1;		/* the torrent's v1 piece hash */
	uint8_t		 expect[SHA256_LEN];
	bool		 ok;
	/* Blocks the sink had in the file already, read from fd. */
	int		 fd;
	uint8_t		 local[PIECE_MAX / LAYOUT_BLOCK / 8];
};

/* The blocks that were in the file already, into the piece's buffer. */
static bool
verify_local(struct verify_job *v)
{
	uint32_t	b, off, len;

	for (b = 0; (uint64_t)b * LAYOUT_BLOCK < v->d->len; b++) {
		if (!(v->local[b / 8] & (0x80 >> (b % 8))))
			continue;
		off = b * LAYOUT_BLOCK;
		len = v->d->len - off < LAYOUT_BLOCK ? v->d->len - off :
		    LAYOUT_BLOCK;
		if (pread(v->fd, v->d->buf + off, len,
		    (off_t)v->d->piece * v->s->piece_len + off) != (ssize_t)len)
			return false;
	}
	return true;
}

/* Bytes of the piece that were in the file already. */
static uint32_t
local_bytes(const struct verify_job *v)
{
	uint32_t	b, n = 0, off;

	for (b = 0; v->fd >= 0 && (uint64_t)b * LAYOUT_BLOCK < v->d->len;
	    b++)
		if (v->local[b / 8] & (0x80 >> (b % 8))) {
			off = b * LAYOUT_BLOCK;
			n += v->d->len - off < LAYOUT_BLOCK ? v->d->len - off :
			    LAYOUT_BLOCK;
		}
	return n;
}

static void
verify_work(void *arg)
{
	struct verify_job	*v = arg;
	uint8_t			 h[SHA256_LEN];

	if (v->fd >= 0 && !verify_local(v))
		v->ok = false;
	else if (v->sha1) {
		sha1(v->d->buf, v->d->len, h);
		v->ok = memcmp(h, v->expect, SHA1_LEN) == 0;
	} else {
		sha256(v->d->buf, v->d->len, h);
		v->ok = memcmp(h, v->expect, SHA256_LEN) == 0;
	}
}

static size_t
sockaddr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

/*
 * Penalise the hosts at these addresses, connected or not: a dispute may
 * be settled after the liar has gone, and reconnecting wipes nothing.
 * A host listed twice (two connections) is blamed once.
 */
static void
blame_addrs(const struct sockaddr_storage *addrs, unsigned n, int points,
    const char *why)
{
	unsigned	i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (netaddr_same_host((const struct sockaddr *)&addrs[i],
			    (const struct sockaddr *)&addrs[j]))
				break;
		if (j == i)
			peer_penalise_host((const struct sockaddr *)&addrs[i],
			    points, why);
	}
}

static bool
dispute_add(struct swarm *s, uint32_t piece,
    const struct sockaddr_storage *contrib, unsigned ncontrib)
{
	struct dispute	*n;

	if (s->disputes == NULL &&
	    (s->disputes = calloc(MAX_DISPUTES, sizeof(*n))) == NULL)
		return false;
	if (s->ndisputes == MAX_DISPUTES)
		return false;
	n = &s->disputes[s->ndisputes++];
	n->piece = piece;
	memcpy(n->contrib, contrib, ncontrib * sizeof(*contrib));
	n->ncontrib = ncontrib;
	return true;
}

/* The addresses of the sink's peers who (their links, while here). */
static unsigned
ids_addrs(const struct swarm *s, const int *who, size_t n,
    struct sockaddr_storage *addrs)
{
	const struct sockaddr	*sa;
	unsigned		 i, k = 0;
	size_t			 w;

	for (w = 0; w < n; w++)
		for (i = 0; i < s->nlinks; i++)
			if (s->lsrc[i].id == who[w]) {
				sa = peer_addr(link_peer(s->links[i]));
				memcpy(&addrs[k++], sa, sockaddr_len(sa));
				break;
			}
	return k;
}

/*
 * The mirror's copy of a disputed piece hashes to h: if that is the
 * hint, the data was wrong; if not, the hint was, and ours replaces it.
 */
static void
dispute_settle(struct swarm *s, uint32_t piece, const uint8_t *h)
{
	struct sockaddr_storage	 from;
	unsigned		 i;

	for (i = 0; i < s->ndisputes; i++)
		if (s->disputes[i].piece == piece)
			break;
	if (i == s->ndisputes)
		return;
	if (memcmp(s->hints + (size_t)piece * SHA256_LEN, h, SHA256_LEN) ==
	    0)
		blame_addrs(s->disputes[i].contrib, s->disputes[i].ncontrib,
		    BAD_DATA_POINTS, "sent a piece that failed its hash");
	else {
		if (s->hint_from != NULL)
			from = s->hint_from[piece];
		else
			memset(&from, 0, sizeof(from));
		blame_addrs(&from, from.ss_family != 0 ? 1 : 0,
		    BAD_HINT_POINTS, "sent a wrong piece hash");
		memcpy(s->hints + (size_t)piece * SHA256_LEN, h, SHA256_LEN);
		if (s->hint_from != NULL)
			memset(&s->hint_from[piece], 0, sizeof(s->hint_from[0]));
	}
	s->disputes[i] = s->disputes[--s->ndisputes];
}

static const char *
hexname(const uint8_t *sha)
{
	static char	buf[2 * 8 + 1];

	hex_encode(sha, 8, buf);
	return buf;
}

static void
verify_done(void *arg)
{
	struct verify_job	*v = arg;
	struct swarm		*s = v->s;
	struct dlpiece		*d = v->d;
	struct sockaddr_storage	 contrib[MAX_CONTRIB];
	int			 who[MAX_CONTRIB];
	unsigned		 n;
	bool			 had_local = v->fd >= 0;

	if (had_local)
		close(v->fd);
	if (d->buf == NULL) {		/* swarm ended meanwhile */
		dlpiece_free(d);
		free(v);
		swarm_done_ref(s);
		return;
	}
	TAILQ_REMOVE(&s->dl, d, entry);
	if (!v->ok && s->sink != NULL) {
		log_warnx("piece %u of %s failed its hash; fetching it from "
		    "the mirror", d->piece, hexname(s->sha256));
		/* The sink has the piece fetched from a mirror now. */
		n = s->sink->ops->piece_failed(s->sink, d->piece, who,
		    MAX_CONTRIB);
		n = ids_addrs(s, who, n, contrib);
		/*
		 * A trusted hash (apt's, the torrent's): the data was wrong.
		 * Else the mirror's copy decides; with no room to remember
		 * the dispute, nobody is blamed.  Nor when part of the piece
		 * was local: those bytes (a stale list's) may be the wrong ones.
		 */
		if (had_local)
			log_info("piece %u of %s was in part local: nobody "
			    "blamed", d->piece, hexname(s->sha256));
		else if (s->npieces == 1 || v->sha1)
			blame_addrs(contrib, n, BAD_DATA_POINTS,
			    "sent a piece that failed its hash");
		else if (!dispute_add(s, d->piece, contrib, n))
			log_info("piece %u of %s: too many open disputes; "
			    "nobody blamed", d->piece, hexname(s->sha256));
		dlpiece_free(d);
	} else if (s->sink != NULL && !swarm_has_piece(s, d->piece)) {
		n = d->len - local_bytes(v);
		s->from_peers += n;
		state.bytes_from_peers += n;
		history_add(HIST_PEERS, n);
		state_dirty();
		/* Its hash is the hash of the bytes we now hold. */
		if (!v->sha1)
			bitfield_set(s->own_known, d->piece);
		/* The job now owns the buffer. */
		s->sink->ops->store(s->sink, d->piece, d->buf, d->len,
		    v->sha1 ? NULL : v->expect);
		d->buf = NULL;
		dlpiece_free(d);
	} else
		dlpiece_free(d);
	free(v);
	swarm_pump(s);
	swarm_done_ref(s);
}

bool
swarm_block(struct swarm *s, struct link *l, uint32_t piece, uint32_t begin,
    const uint8_t *data, uint32_t len)
{
	struct dlpiece		*d;
	struct verify_job	*v;
	const struct torrent	*t;
	struct lsrc		*ls;
	int			 rc;

	/* The sink knows the blocks asked and in: it may not want this. */
	if ((ls = lsrc_of(s, l)) == NULL ||
	    (d = dl_find(s, piece)) == NULL || d->verifying ||
	    (uint64_t)begin + len > d->len ||
	    (rc = s->sink->ops->block_done(s->sink, ls->id, piece,
	    begin)) == 0)
		return false;	/* a duplicate from end game, or stale */
	memcpy(d->buf + begin, data, len);
	if (rc < 2)
		return true;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return true;
	v->s = s;
	v->d = d;
	v->fd = s->sink->ops->local != NULL ? s->sink->ops->local(s->sink,
	    piece, v->local, sizeof(v->local)) : -1;
	if (bitfield_get(s->hint_known, piece))
		memcpy(v->expect, s->hints + (size_t)piece * SHA256_LEN,
		    SHA256_LEN);
	else if (s->has_torrent && (t = torrents_by_sha256(s->sha256)) != NULL) {
		v->sha1 = true;
		memcpy(v->expect, t->pieces + (size_t)piece * SHA1_LEN,
		    SHA1_LEN);
	} else {
		/* Unverifiable (cannot happen: the sink knows). */
		if (v->fd >= 0)
			close(v->fd);
		free(v);
		TAILQ_REMOVE(&s->dl, d, entry);
		dlpiece_free(d);
		return true;
	}
	d->verifying = true;
	s->refs++;
	if (workers_submit(verify_work, verify_done, v) != 0) {
		s->refs--;
		d->verifying = false;
		if (v->fd >= 0)
			close(v->fd);
		free(v);
	}
	return true;
}

/*
 * A piece from a mirror reached the disk.  Peers streaming the file from
 * us need its hash to verify it, so hash our copy (on a worker) first.
 */
struct mhash_job {
	struct swarm	*s;
	uint32_t	 piece;
	bool		 dispute;
	uint8_t		 hash[SHA256_LEN];
	int		 err;
};

static void
mhash_work(void *arg)
{
	struct mhash_job	*m = arg;
	char			 path[PATH_MAX];
	uint32_t		 len = layout_piece_size(m->s->size, m->piece);
	uint8_t			*buf;
	int			 fd;

	cache_part_path(m->s->sha256, ".part", path, sizeof(path));
	if ((buf = malloc(len)) == NULL) {
		m->err = -ENOMEM;
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		m->err = -errno;
	else {
		if (pread(fd, buf, len, (off_t)m->piece * m->s->piece_len) !=
		    (ssize_t)len)
			m->err = -EIO;
		else
			sha256(buf, len, m->hash);
		close(fd);
	}
	free(buf);
}

static void
mhash_done(void *arg)
{
	struct mhash_job	*m = arg;
	struct swarm		*s = m->s;

	/* The job's reference holds s until the end: see swarm_done_ref. */
	if (m->err == 0 && m->dispute)
		dispute_settle(s, m->piece, m->hash);
	/* Our bytes' hash replaces a peer's hint (wrong or not). */
	if (m->err == 0) {
		memcpy(s->hints + (size_t)m->piece * SHA256_LEN, m->hash,
		    SHA256_LEN);
		if (s->hint_from != NULL)
			memset(&s->hint_from[m->piece], 0,
			    sizeof(s->hint_from[0]));
		bitfield_set(s->hint_known, m->piece);
		bitfield_set(s->own_known, m->piece);
	}
	swarm_piece_stored(s, m->piece);
	free(m);
	swarm_done_ref(s);
}

void
swarm_mirror_piece(struct swarm *s, uint32_t piece, bool dispute)
{
	struct mhash_job	*m;

	if (piece >= s->npieces)
		return;
	if (((bitfield_get(s->own_known, piece) || s->nlinks == 0) &&
	    !dispute) || (m = calloc(1, sizeof(*m))) == NULL) {
		swarm_piece_stored(s, piece);
		return;
	}
	m->s = s;
	m->piece = piece;
	m->dispute = dispute;
	s->refs++;
	if (workers_submit(mhash_work, mhash_done, m) != 0) {
		s->refs--;
		free(m);
		swarm_piece_stored(s, piece);
	}
}

void
swarm_piece_stored(struct swarm *s, uint32_t piece)
{
	unsigned	i;

	/* A link may close itself (nothing left to exchange): go backwards. */
	s->refs++;
	for (i = s->nlinks; i > 0; i--)
		if (i <= s->nlinks)
			link_have(s->links[i - 1], piece);
	s->refs--;
	swarm_maybe_free(s);
}

/*
 * Hints.
 */

bool
swarm_hashes_pending(struct swarm *s)
{
	start_own_hashes(s);
	return s->hashing;
}

bool
swarm_piece_hash(const struct swarm *s, uint32_t piece, uint8_t *out)
{
	/* Only what we hashed ourselves: never a peer's word passed on. */
	if (piece >= s->npieces || !bitfield_get(s->own_known, piece))
		return false;
	memcpy(out, s->hints + (size_t)piece * SHA256_LEN, SHA256_LEN);
	return true;
}

void
swarm_hints(struct swarm *s, struct link *l, uint32_t first,
    const uint8_t *hashes, size_t count)
{
	const struct sockaddr	*sa = peer_addr(link_peer(l));
	size_t			 i;
	uint32_t		 p;

	for (i = 0; i < count; i++) {
		p = first + (uint32_t)i;
		/* A piece we hold needs no hint: ours is the one that counts. */
		if (p >= s->npieces || bitfield_get(s->hint_known, p) ||
		    swarm_has_piece(s, p))
			continue;
		/* Without a record of who sent it a hint is worth nothing. */
		if (s->hint_from == NULL && (s->hint_from = calloc(
		    s->npieces + 1, sizeof(*s->hint_from))) == NULL)
			return;
		memcpy(s->hints + (size_t)p * SHA256_LEN,
		    hashes + i * SHA256_LEN, SHA256_LEN);
		memcpy(&s->hint_from[p], sa, sockaddr_len(sa));
		bitfield_set(s->hint_known, p);
		if (s->sink != NULL)
			s->sink->ops->checkable(s->sink, p);
	}
}

/*
 * Our own piece hashes of a verified file, to answer others' requests.
 */

struct ownhash_job {
	struct swarm	*s;
	uint32_t	 first, count;
	uint8_t		*hashes;
	int		 err;
};

static void
ownhash_work(void *arg)
{
	struct ownhash_job	*o = arg;
	char			 path[PATH_MAX];
	uint8_t			*buf;
	uint32_t		 i, p, len;
	int			 fd;

	cache_entry_path(o->s->sha256, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		o->err = -errno;
		return;
	}
	if ((buf = malloc(o->s->piece_len)) == NULL) {
		close(fd);
		o->err = -ENOMEM;
		return;
	}
	for (i = 0; i < o->count; i++) {
		p = o->first + i;
		len = layout_piece_size(o->s->size, p);
		if (pread(fd, buf, len, (off_t)p * o->s->piece_len) !=
		    (ssize_t)len) {
			o->err = -EIO;
			break;
		}
		sha256(buf, len, o->hashes + (size_t)i * SHA256_LEN);
	}
	free(buf);
	close(fd);
}

static int	ownhash_submit(struct swarm *, uint32_t first);

/*
 * One chunk is hashed: peers waiting for hints get them now, so a peer
 * streams the start of a large file while we still hash its end.
 */
static void
ownhash_done(void *arg)
{
	struct ownhash_job	*o = arg;
	struct swarm		*s = o->s;
	uint32_t		 i, next = o->first + o->count;

	if (o->err == 0) {
		memcpy(s->hints + (size_t)o->first * SHA256_LEN, o->hashes,
		    (size_t)o->count * SHA256_LEN);
		for (i = o->first; i < next; i++) {
			if (s->hint_from != NULL)
				memset(&s->hint_from[i], 0,
				    sizeof(s->hint_from[0]));
			bitfield_set(s->hint_known, i);
			bitfield_set(s->own_known, i);
		}
	}
	if (o->err != 0 || next >= s->npieces || s->nlinks == 0 ||
	    ownhash_submit(s, next) != 0) {
		s->hashing = false;
		if (o->err == 0 && next >= s->npieces)
			own_hashes_keep(s, s->hints);
	}
	for (i = 0; i < s->nlinks; i++)
		link_hashes_ready(s->links[i], o->first,
		    s->hashing ? o->count : s->npieces - o->first);
	free(o->hashes);
	free(o);
	swarm_done_ref(s);
}

static int
ownhash_submit(struct swarm *s, uint32_t first)
{
	struct ownhash_job	*o;
	uint32_t		 n = OWN_HASH_CHUNK / s->piece_len;

	if (n == 0)
		n = 1;
	if (n > s->npieces - first)
		n = s->npieces - first;
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->hashes = malloc((size_t)n * SHA256_LEN)) == NULL) {
		free(o);
		return -ENOMEM;
	}
	o->s = s;
	o->first = first;
	o->count = n;
	s->refs++;
	if (workers_submit(ownhash_work, ownhash_done, o) != 0) {
		s->refs--;
		free(o->hashes);
		free(o);
		return -EAGAIN;
	}
	return 0;
}

static void
start_own_hashes(struct swarm *s)
{
	uint32_t	p;

	if (s->npieces <= 1 || s->hashing || s->allbits == NULL)
		return;
	for (p = 0; p < s->npieces && bitfield_get(s->own_known, p); p++)
		;
	if (p == s->npieces)
		return;		/* every hash is one we computed */
	if (ownhash_submit(s, 0) == 0)
		s->hashing = true;
}

/*
 * Reads for upload, on a worker: the job's memory file, else the cached
 * file, else the part file.  A peer asks for blocks in runs, so a batch
 * costs one open, one pread per run of adjacent blocks and one trip
 * through the worker queue.
 */

struct read_job {
	struct swarm	*s;
	int		 fd;		/* a memory file's, or -1 */
	struct swarm_rd	*rd;
	size_t		 n, total;
	uint8_t		*data;
	int		 err;
	void		(*done)(void *, uint8_t *, int);
	void		*arg;
};

static void
read_work(void *arg)
{
	struct read_job	*r = arg;
	char		 path[PATH_MAX];
	size_t		 i, j, off = 0, run;
	off_t		 at;
	int		 fd = r->fd;

	cache_entry_path(r->s->sha256, path, sizeof(path));
	if (fd == -1 && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cache_part_path(r->s->sha256, ".part", path, sizeof(path));
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd == -1) {
		r->err = -errno;
		return;
	}
	if ((r->data = malloc(r->total)) == NULL) {
		r->err = -ENOMEM;
		close(fd);
		return;
	}
	for (i = 0; i < r->n; i = j) {
		at = (off_t)r->rd[i].piece * r->s->piece_len + r->rd[i].begin;
		run = r->rd[i].len;
		/* Blocks that follow each other in the file: one read. */
		for (j = i + 1; j < r->n && (off_t)r->rd[j].piece *
		    r->s->piece_len + r->rd[j].begin == at + (off_t)run; j++)
			run += r->rd[j].len;
		if (pread(fd, r->data + off, run, at) != (ssize_t)run) {
			r->err = -EIO;
			break;
		}
		off += run;
	}
	close(fd);
}

static void
read_done(void *arg)
{
	struct read_job	*r = arg;
	struct swarm	*s = r->s;

	if (r->err != 0) {
		free(r->data);
		r->data = NULL;
	}
	r->done(r->arg, r->data, r->err);
	free(r->rd);
	free(r);
	swarm_done_ref(s);
}

int
swarm_read(struct swarm *s, const struct swarm_rd *rd, size_t n,
    void (*done)(void *, uint8_t *, int), void *arg)
{
	struct read_job	*r;
	size_t		 i;
	int		 fd;

	if (n == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	if ((r->rd = reallocarray(NULL, n, sizeof(*rd))) == NULL) {
		free(r);
		return -ENOMEM;
	}
	memcpy(r->rd, rd, n * sizeof(*rd));
	r->s = s;
	r->n = n;
	for (i = 0; i < n; i++)
		r->total += rd[i].len;
	r->done = done;
	r->arg = arg;
	r->fd = -1;
	if (s->sink != NULL && (fd = s->sink->ops->mem_fd(s->sink)) >= 0 &&
	    (r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		free(r->rd);
		free(r);
		return -EAGAIN;
	}
	s->refs++;
	if (workers_submit(read_work, read_done, r) != 0) {
		s->refs--;
		free(r->rd);
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return -EAGAIN;
	}
	return 0;
}

void
swarm_count_up(struct swarm *s, uint64_t n)
{
	s->to_peers += n;
}

/*
 * The fetch job's side.
 */

struct swarm *
swarm_for_job(struct piece_sink *sink, const uint8_t sha256[SHA256_LEN],
    uint64_t size)
{
	struct swarm	*s;

	unsigned	 i;
	uint32_t	 p;

	if ((s = swarm_find_sha256(sha256)) == NULL &&
	    (s = swarm_alloc(sha256, size)) == NULL)
		return NULL;
	/*
	 * A seed whose file left the cache (removed, evicted) while its
	 * links lived on: we no longer have what those links were told,
	 * and a complete swarm picks nothing.  Start over as a download.
	 */
	if (s->allbits != NULL) {
		free(s->allbits);
		s->allbits = NULL;
		while (s->nlinks > 0)
			link_close(s->links[0]);
	}
	s->sink = sink;
	sink->ev = &swarm_sink_events;
	sink->ev_arg = s;
	announce_file(sha256, size, true);
	/* What the sink's picker learns: the hashes, then the links. */
	if (s->has_torrent)
		sink->ops->checkable(sink, SINK_ALL);
	else
		for (p = 0; p < s->npieces; p++)
			if (bitfield_get(s->hint_known, p))
				sink->ops->checkable(sink, p);
	for (i = 0; i < s->nlinks; i++)
		lsrc_add(s, i);
	return s;
}

void
swarm_job_done(struct swarm *s, bool complete)
{
	struct dlpiece	*d, *next;
	unsigned	 i;

	s->sink->ev = NULL;
	s->sink = NULL;
	for (i = 0; i < s->nlinks; i++)
		s->lsrc[i].id = -1;
	TAILQ_FOREACH_SAFE(d, &s->dl, entry, next) {
		if (d->verifying)
			continue;
		TAILQ_REMOVE(&s->dl, d, entry);
		dlpiece_free(d);
	}
	if (!complete || !swarm_set_complete(s)) {
		/* Failed: nothing to offer; end every link. */
		announce_file_gone(s->sha256);
		s->refs++;	/* the last link's going must not free s yet */
		while (s->nlinks > 0)
			link_close(s->links[0]);
		s->refs--;
		swarm_maybe_free(s);
		return;
	}
	/* link_done may close links: walk from the end. */
	s->refs++;
	for (i = s->nlinks; i > 0; i--)
		if (i <= s->nlinks)
			link_done(s->links[i - 1]);
	s->refs--;
	swarm_maybe_free(s);
}

bool
swarm_ask_peers(struct swarm *s)
{
	return peermgr_attach_holders(s) > 0;
}

void
swarm_get_stats(const struct swarm *s, struct swarm_stats *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->sha256, s->sha256, SHA256_LEN);
	st->size = s->size;
	st->seeding = s->allbits != NULL;
	st->have_bytes = st->seeding ? s->size :
	    s->sink != NULL ? s->sink->ops->have_bytes(s->sink) : 0;
	st->nlinks = s->nlinks;
	st->from_peers = s->from_peers;
	st->to_peers = s->to_peers;
}

void
swarm_foreach(void (*cb)(struct swarm *, void *), void *arg)
{
	struct swarm	*s, *next;

	TAILQ_FOREACH_SAFE(s, &swarms, entry, next)
		cb(s, arg);
}

void
swarm_index_foreach(void (*cb)(const uint8_t *sha256, uint64_t size, void *),
    void *arg)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;

	while (shamap_next(&by_sha, &pos, &k, &v))
		cb(((struct ientry *)v)->sha256, ((struct ientry *)v)->size,
		    arg);
}

unsigned
swarm_count(void)
{
	return nswarms;
}

void
swarm_shutdown(void)
{
	size_t		 pos = 0;
	const uint8_t	*k;
	void		*v;
	struct ientry	*e;

	while (shamap_next(&by_sha, &pos, &k, &v)) {
		e = v;
		free(e->own);
		free(e);
	}
	shamap_free(&by_sha);
	shamap_free(&by_key);
	own_bytes = 0;
}
