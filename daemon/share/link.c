/* SPDX-License-Identifier: ISC */
/*
 * link.c - the BEP 3 conversation about one swarm with one peer.
 *
 * Messages go through a table indexed by message id.  Requests are kept
 * deep (the pipeline grows with the peer's rate so a fast LAN peer always
 * has over a megabyte in flight); blocks for upload are read on a worker,
 * up to a megabyte of them in one read, and sent from the read buffer
 * without another copy.  The peer's requests we serve, and under a rate
 * limit our own requests, wait their turn in the bandwidth tree
 * (bandwidth.h): a block is asked for or read only when the tree grants
 * it; the blocks granted to a link in one round are read together.
 */
#include "config.h"

#include "common/queue-compat.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitfield.h"
#include "common/bytebuf.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/peerext.h"
#include "common/peerwire.h"
#include "daemon/share/bandwidth.h"
#include "daemon/share/choker.h"
#include "daemon/share/link.h"
#include "daemon/share/meter.h"
#include "daemon/share/peer.h"
#include "daemon/share/pex.h"
#include "daemon/base/history.h"
#include "daemon/base/state.h"
#include "daemon/share/swarm.h"

#define PIPELINE_MIN		16	/* blocks: 256 KiB */
#define PIPELINE_MAX		512	/* blocks: 8 MiB */
#define PIPELINE_SECONDS	2	/* keep this much of the rate queued */
#define MAX_BLOCK		(128 * 1024)
#define MAX_UPLOADS		256	/* blocks queued for reading, one link */
#define READ_BATCH		64	/* blocks per read on a worker: 1 MiB */
#define CANCELLED_MAX		PIPELINE_MAX	/* remembered, see on_piece */

/*
 * An answer the peer asked for that is still queued: while it is, a
 * second request of the same kind is refused (one outstanding request
 * of each costly kind per link, whatever the peer sends).  The ticket
 * outlives the link if need be; link_free cuts the tie.
 */
struct ticket {
	struct link	*link;		/* NULL once the link is gone */
	struct bytebuf	 msg;
};

struct req {
	uint32_t	piece, begin, len;
};

/* Requested blocks, read together on a worker. */
struct upload {
	LIST_ENTRY(upload)	 entry;
	struct link		*link;		/* NULL once the link is gone */
	size_t			 n;
	struct swarm_rd		 rd[READ_BATCH];
};

/* The buffer of one read, shared by its blocks until all are sent. */
struct sendbuf {
	uint8_t			*data;
	size_t			 refs;
};

struct link {
	TAILQ_ENTRY(link)	 sentry;	/* swarm's list (swarm.c) */
	struct peer		*peer;
	uint32_t		 sid;
	struct swarm		*swarm;
	bool			 attached;	/* mux: the channel is open */
	bool			 started;
	bool			 dead;
	bool			 fast;		/* BEP 6 rules */
	uint8_t			*bits;
	uint32_t		 nhave;
	bool			 peer_choking, peer_interested;
	bool			 am_choking, am_interested;
	struct req		*reqs;
	size_t			 nreqs, reqcap;
	/*
	 * Requests we cancelled lately: the block may have crossed our
	 * CANCEL on the wire, which is no fault of the peer's.
	 */
	struct req		*cancelled;	/* CANCELLED_MAX, a ring */
	size_t			 ncancelled;
	unsigned		 pipeline;
	LIST_HEAD(, upload)	 uploads;	/* being read */
	struct upload		*pending;	/* granted, not yet read */
	unsigned		 nuploads;	/* blocks in both */
	struct req		*upq;		/* requests waiting for the tree */
	size_t			 upq_head, nupq, upqcap;
	struct bw_client	 bw;
	TAILQ_ENTRY(link)	 fentry;	/* on flushq while pending */
	struct meter		 down, up;
	time_t			 hashes_asked;	/* when we last asked */
	int64_t			 hashes_owed;	/* their request, until we know */
	bool			 hashes_pushed;	/* they want hints: push with haves */
	struct ticket		*hashes_answer;	/* queued, not yet sent */
};

typedef void (*msg_handler)(struct link *, const struct pw_msg *);

/* Links with granted blocks not yet read. */
static TAILQ_HEAD(, link)	flushq = TAILQ_HEAD_INITIALIZER(flushq);

static size_t	link_grant(struct bw_client *, enum bw_dir);

const uint8_t *
link_key(const struct link *l)
{
	return swarm_key(l->swarm);
}

struct peer *
link_peer(const struct link *l)
{
	return l->peer;
}

struct swarm *
link_swarm(const struct link *l)
{
	return l->swarm;
}

bool
link_has(const struct link *l, uint32_t piece)
{
	return piece < swarm_npieces(l->swarm) && bitfield_get(l->bits, piece);
}

bool
link_is_seed(const struct link *l)
{
	return l->nhave == swarm_npieces(l->swarm);
}

static void
link_send(struct link *l, struct bytebuf *b)
{
	if (!bytebuf_failed(b))
		peer_send(l->peer, l->sid, b, NULL, 0, NULL, NULL);
	bytebuf_reset(b);
}

static void
link_send_simple(struct link *l, uint8_t id)
{
	struct bytebuf	b = BYTEBUF_INIT;

	pw_put_simple(&b, id);
	link_send(l, &b);
	bytebuf_free(&b);
}

struct link *
link_new(struct peer *p, uint32_t sid, struct swarm *s)
{
	struct link	*l;
	uint32_t	 n = swarm_npieces(s);

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->bits = calloc(bitfield_len(n) + 1, 1)) == NULL) {
		free(l);
		return NULL;
	}
	l->peer = p;
	l->sid = sid;
	l->swarm = s;
	/* Daemons always speak the fast extension on their channels. */
	l->fast = peer_fast(p);
	l->peer_choking = l->am_choking = true;
	l->pipeline = PIPELINE_MIN;
	l->hashes_owed = -1;
	LIST_INIT(&l->uploads);
	if (bw_client_init(&l->bw, swarm_sha256(s), p, link_grant) != 0) {
		free(l->bits);
		free(l);
		return NULL;
	}
	swarm_link_add(s, l);
	return l;
}

static void
link_drop_requests(struct link *l)
{
	size_t	i;

	for (i = 0; i < l->nreqs; i++)
		swarm_unrequest(l->swarm, l, l->reqs[i].piece,
		    l->reqs[i].begin);
	l->nreqs = 0;
}

void
link_free(struct link *l, const char *why)
{
	struct upload	*u;

	if (l->dead)
		return;
	l->dead = true;
	pex_link_free(l);
	if (l->hashes_answer != NULL)
		l->hashes_answer->link = NULL;
	link_drop_requests(l);
	while ((u = LIST_FIRST(&l->uploads)) != NULL) {
		LIST_REMOVE(u, entry);
		u->link = NULL;		/* the read's done function frees it */
	}
	if (l->pending != NULL) {
		TAILQ_REMOVE(&flushq, l, fentry);
		free(l->pending);
	}
	choker_remove(l);
	bw_client_fini(&l->bw);
	swarm_link_remove(l->swarm, l);
	free(l->upq);
	free(l->reqs);
	free(l->cancelled);
	free(l->bits);
	free(l);
}

void
link_close(struct link *l)
{
	/*
	 * A standard client's connection is this one swarm: close it, and
	 * with it the link, so the connection never holds a freed link.
	 */
	if (l->sid == 0) {
		peer_close(l->peer, "its swarm ended");
		return;
	}
	peer_detach(l->peer, l->sid);
	link_free(l, "closed");
}

/*
 * A mux channel neither side wants anything from any more is detached,
 * so its swarm can be freed and the connection's channel table (256
 * slots) never fills with finished files.  The standard client's whole
 * connection is its one swarm: left to the peer to close.
 */
static bool
link_close_if_idle(struct link *l)
{
	if (l->dead || l->sid == 0 || !l->started || l->am_interested ||
	    l->peer_interested || l->nuploads > 0 || l->nreqs > 0 ||
	    l->nupq > l->upq_head)
		return false;
	/* Still fetching and the peer may yet get pieces we need: keep it. */
	if (!swarm_complete(l->swarm) && !link_is_seed(l))
		return false;
	link_close(l);
	return true;
}

/* Interest follows whether the peer has a piece we lack. */
static void
link_update_interest(struct link *l)
{
	uint32_t	i, n = swarm_npieces(l->swarm);
	bool		want = false;

	if (!swarm_complete(l->swarm))
		for (i = 0; i < n && !want; i++)
			want = link_has(l, i) && !swarm_has_piece(l->swarm, i);
	if (want == l->am_interested)
		return;
	l->am_interested = want;
	link_send_simple(l, want ? PW_INTERESTED : PW_NOT_INTERESTED);
}

void
link_want_hashes(struct link *l, uint32_t first)
{
	struct bytebuf		b = BYTEBUF_INIT;
	struct pext_hashes	h;

	/* Once a second at most: the answer may simply not be ready. */
	if (peer_ext_hashes(l->peer) == 0 || l->hashes_asked == meter_now())
		return;
	memset(&h, 0, sizeof(h));
	h.type = PEXT_HASHES_REQUEST;
	h.piece = first;
	if (pext_hashes_put(&b, peer_ext_hashes(l->peer), &h) == 0)
		link_send(l, &b);
	bytebuf_free(&b);
	l->hashes_asked = meter_now();
}

static void
ticket_done(void *arg)
{
	struct ticket	*t = arg;

	if (t->link != NULL)
		t->link->hashes_answer = NULL;
	bytebuf_free(&t->msg);
	free(t);
}

/*
 * Queue b, a whole answer, holding the link's ticket until it is sent.
 * The message goes out as a head (its first byte) and a referenced rest,
 * so its release tells us when the socket took it.
 */
static void
send_ticketed(struct link *l, struct bytebuf *b)
{
	struct ticket	*t;
	struct bytebuf	 head = BYTEBUF_INIT;

	if (bytebuf_failed(b) || b->len < 2 ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		link_send(l, b);
		return;
	}
	t->msg = *b;
	*b = (struct bytebuf)BYTEBUF_INIT;
	t->link = l;
	l->hashes_answer = t;
	bytebuf_append(&head, t->msg.data, 1);
	if (bytebuf_failed(&head)) {
		l->hashes_answer = NULL;
		bytebuf_free(&t->msg);
		free(t);
		return;
	}
	peer_send(l->peer, l->sid, &head, t->msg.data + 1, t->msg.len - 1,
	    ticket_done, t);
	bytebuf_free(&head);
}

/* Answer a request for piece hashes from first on (data or reject). */
static void
send_hashes(struct link *l, uint32_t first, bool ticketed)
{
	struct pext_hashes	 h;
	struct bytebuf		 b = BYTEBUF_INIT;
	uint32_t		 i, n = swarm_npieces(l->swarm);
	uint8_t			*buf;

	memset(&h, 0, sizeof(h));
	h.piece = first;
	if (first >= n || (buf = malloc((size_t)(n - first) *
	    SHA256_LEN)) == NULL)
		return;
	for (i = first; i < n && i - first < PEXT_HASHES_MAX; i++)
		if (!swarm_piece_hash(l->swarm, i,
		    buf + (size_t)(i - first) * SHA256_LEN))
			break;
	h.hashes = buf;
	h.count = i - first;
	h.type = h.count > 0 ? PEXT_HASHES_DATA : PEXT_HASHES_REJECT;
	if (pext_hashes_put(&b, peer_ext_hashes(l->peer), &h) == 0) {
		if (ticketed)
			send_ticketed(l, &b);
		else
			link_send(l, &b);
	}
	bytebuf_free(&b);
	free(buf);
}

/* A request while the answer to the last one is still queued. */
static void
refuse_hashes(struct link *l, uint32_t first)
{
	struct pext_hashes	h;
	struct bytebuf		b = BYTEBUF_INIT;

	memset(&h, 0, sizeof(h));
	h.type = PEXT_HASHES_REJECT;
	h.piece = first;
	if (pext_hashes_put(&b, peer_ext_hashes(l->peer), &h) == 0)
		link_send(l, &b);
	bytebuf_free(&b);
}

void
link_hashes_ready(struct link *l, uint32_t first, uint32_t count)
{
	if (l->dead)
		return;
	if (l->hashes_owed >= 0) {
		/* Not there yet: the answer waits for its first hash. */
		if ((uint64_t)l->hashes_owed >= (uint64_t)first + count)
			return;
		send_hashes(l, (uint32_t)l->hashes_owed, true);
		l->hashes_owed = -1;
	} else if (l->hashes_pushed)
		send_hashes(l, first, false);
}

/* Room for n more of our requests; false if memory ran out. */
static bool
reqs_reserve(struct link *l, size_t n)
{
	struct req	*r;
	size_t		 cap;

	if (l->nreqs + n <= l->reqcap)
		return true;
	cap = (l->nreqs + n) * 2;
	if ((r = reallocarray(l->reqs, cap, sizeof(*r))) == NULL)
		return false;
	l->reqs = r;
	l->reqcap = cap;
	return true;
}

/* Ask for one block (room reserved): note it and send the request. */
static void
request_block(struct link *l, struct bytebuf *b, uint32_t piece,
    uint32_t begin, uint32_t len)
{
	l->reqs[l->nreqs].piece = piece;
	l->reqs[l->nreqs].begin = begin;
	l->reqs[l->nreqs].len = len;
	l->nreqs++;
	pw_put_block(b, PW_REQUEST, piece, begin, len);
	link_send(l, b);
}

void
link_pump(struct link *l)
{
	struct bytebuf	b = BYTEBUF_INIT;
	uint32_t	pieces[64], begins[64], lens[64];
	size_t		n, i, want;
	uint64_t	rate, pace;

	if (l->dead || !l->started || l->peer_choking || !l->am_interested)
		return;
	/*
	 * Enough in flight to cover PIPELINE_SECONDS at the current rate.
	 * Under a limit, requests go out at the limit's rate: keep that much
	 * queued, or a slow answer (the measured rate still low at the
	 * start, a busy peer) leaves the limit unused and the queue short.
	 */
	rate = meter_rate(&l->down);
	pace = bw_pace(&l->bw, BW_DOWN);
	if (rate < pace)
		rate = pace;
	l->pipeline = (unsigned)(rate * PIPELINE_SECONDS / LAYOUT_BLOCK);
	if (l->pipeline < PIPELINE_MIN)
		l->pipeline = PIPELINE_MIN;
	if (l->pipeline > PIPELINE_MAX)
		l->pipeline = PIPELINE_MAX;
	/* Never more than the peer said it keeps (BEP 10 "reqq"). */
	if (l->pipeline > peer_reqq(l->peer))
		l->pipeline = peer_reqq(l->peer);
	/* Under a limit the tree hands out requests one block at a time. */
	if (pace != 0) {
		if (l->nreqs < l->pipeline)
			bw_want(&l->bw, BW_DOWN);
		bytebuf_free(&b);
		return;
	}
	while (l->nreqs < l->pipeline) {
		want = l->pipeline - l->nreqs;
		if (want > 64)
			want = 64;
		n = swarm_pick(l->swarm, l, pieces, begins, lens, want);
		if (n == 0)
			break;
		if (!reqs_reserve(l, n)) {
			for (i = 0; i < n; i++)
				swarm_unrequest(l->swarm, l, pieces[i],
				    begins[i]);
			break;
		}
		for (i = 0; i < n; i++)
			request_block(l, &b, pieces[i], begins[i], lens[i]);
	}
	bytebuf_free(&b);
}

void
link_start(struct link *l)
{
	struct bytebuf	b = BYTEBUF_INIT;
	uint32_t	n = swarm_npieces(l->swarm);

	if (l->started || l->dead)
		return;
	if (l->sid != 0)
		l->attached = true;
	l->started = true;
	if (swarm_complete(l->swarm) && l->fast)
		pw_put_simple(&b, PW_HAVE_ALL);
	else if (n > 0 && swarm_bitfield(l->swarm) != NULL)
		pw_put_bitfield(&b, swarm_bitfield(l->swarm), n);
	else if (l->fast)
		pw_put_simple(&b, PW_HAVE_NONE);
	link_send(l, &b);
	bytebuf_free(&b);
	choker_add(l);
	if (l->sid == 0)
		pex_link_start(l);
}

void
link_set_sid(struct link *l, uint32_t sid)
{
	l->sid = sid;
}

void
link_attached(struct link *l, bool ok)
{
	if (!ok) {
		log_debug("peer %s: swarm refused", peer_name(l->peer));
		return;		/* peer.c frees the link */
	}
	link_start(l);
}

/* Send a CANCEL for a request taken off reqs, and remember it. */
static void
send_cancel(struct link *l, const struct req *r)
{
	struct bytebuf	b = BYTEBUF_INIT;

	if (l->cancelled == NULL)
		l->cancelled = calloc(CANCELLED_MAX, sizeof(*l->cancelled));
	if (l->cancelled != NULL)
		l->cancelled[l->ncancelled++ % CANCELLED_MAX] = *r;
	pw_put_block(&b, PW_CANCEL, r->piece, r->begin, r->len);
	link_send(l, &b);
	bytebuf_free(&b);
}

/* Forget a cancelled request the peer answered; false if none. */
static bool
take_cancelled(struct link *l, uint32_t piece, uint32_t begin, uint32_t len)
{
	size_t	i;

	if (l->cancelled == NULL)
		return false;
	for (i = 0; i < CANCELLED_MAX; i++)
		if (l->cancelled[i].len == len && l->cancelled[i].len > 0 &&
		    l->cancelled[i].piece == piece &&
		    l->cancelled[i].begin == begin) {
			l->cancelled[i].len = 0;
			return true;
		}
	return false;
}

void
link_done(struct link *l)
{
	size_t	i;

	/* End-game duplicates still out are of no use now: cancel them. */
	if (swarm_complete(l->swarm)) {
		for (i = 0; i < l->nreqs; i++)
			send_cancel(l, &l->reqs[i]);
		l->nreqs = 0;
	}
	link_update_interest(l);
	link_close_if_idle(l);
}

void
link_have(struct link *l, uint32_t piece)
{
	struct bytebuf		b = BYTEBUF_INIT;
	struct pext_hashes	h;
	uint8_t			hash[SHA256_LEN];

	if (!l->started || l->dead)
		return;
	/* A peer streaming from us needs the hint before it can verify. */
	if (l->hashes_pushed && swarm_piece_hash(l->swarm, piece, hash)) {
		memset(&h, 0, sizeof(h));
		h.type = PEXT_HASHES_DATA;
		h.piece = piece;
		h.hashes = hash;
		h.count = 1;
		if (pext_hashes_put(&b, peer_ext_hashes(l->peer), &h) == 0)
			link_send(l, &b);
	}
	pw_put_index(&b, PW_HAVE, piece);
	link_send(l, &b);
	bytebuf_free(&b);
	link_update_interest(l);
	link_close_if_idle(l);
}

/*
 * Choking (decided by choker.c; these only speak).
 */
static void	reject(struct link *, uint32_t, uint32_t, uint32_t);

void
link_set_choke(struct link *l, bool choke)
{
	if (l->am_choking == choke || l->dead)
		return;
	l->am_choking = choke;
	link_send_simple(l, choke ? PW_CHOKE : PW_UNCHOKE);
	/* Requests still waiting for their turn will not be served. */
	for (; choke && l->upq_head < l->nupq; l->upq_head++)
		reject(l, l->upq[l->upq_head].piece, l->upq[l->upq_head].begin,
		    l->upq[l->upq_head].len);
	l->upq_head = l->nupq = 0;
}

bool
link_peer_interested(const struct link *l)
{
	return l->peer_interested;
}

uint64_t
link_rate_down(struct link *l)
{
	return meter_rate(&l->down);
}

uint64_t
link_rate_up(struct link *l)
{
	return meter_rate(&l->up);
}

/*
 * Incoming messages.
 */

static void
on_choke(struct link *l, const struct pw_msg *m)
{
	l->peer_choking = true;
	/* With BEP 6 the peer rejects what it will not serve; else all is lost. */
	if (!l->fast)
		link_drop_requests(l);
	swarm_choked(l->swarm, l, true);
}

static void
on_unchoke(struct link *l, const struct pw_msg *m)
{
	l->peer_choking = false;
	swarm_choked(l->swarm, l, false);
	link_pump(l);
}

static void
on_interested(struct link *l, const struct pw_msg *m)
{
	l->peer_interested = m->id == PW_INTERESTED;
	if (!l->peer_interested && link_close_if_idle(l))
		return;
	choker_interest(l);
}

static void
set_have(struct link *l, uint32_t piece)
{
	if (link_has(l, piece))
		return;
	bitfield_set(l->bits, piece);
	l->nhave++;
	swarm_have(l->swarm, l, piece);
}

static void
on_have(struct link *l, const struct pw_msg *m)
{
	if (m->index >= swarm_npieces(l->swarm)) {
		peer_penalise(l->peer, 50, "have for a piece out of range");
		return;
	}
	set_have(l, m->index);
	link_update_interest(l);
	link_pump(l);
}

static void
on_bitfield(struct link *l, const struct pw_msg *m)
{
	uint32_t	i, n = swarm_npieces(l->swarm);

	if (bitfield_check(m->payload, m->len, n) != 0) {
		peer_penalise(l->peer, 100, "bad bitfield");
		return;
	}
	for (i = 0; i < n; i++)
		if (bitfield_get(m->payload, i))
			set_have(l, i);
	link_update_interest(l);
	link_pump(l);
}

static void
on_have_all(struct link *l, const struct pw_msg *m)
{
	uint32_t	i, n = swarm_npieces(l->swarm);

	for (i = 0; i < n; i++)
		set_have(l, i);
	link_update_interest(l);
	link_pump(l);
}

/*
 * A daemon unchokes a daemon that is interested at once and handles a
 * channel's messages in order after the attach, so interest and requests
 * may go out right behind our attach: the file costs one round trip, not
 * three.  Whatever the peer says next overrides what we presumed; what it
 * will not serve it rejects (the fast extension), and after a refusal it
 * ignores the channel's frames.
 */
void
link_presume_seed(struct link *l)
{
	uint32_t	i, n = swarm_npieces(l->swarm);

	if (l->dead || l->started || !l->fast)
		return;
	link_start(l);
	for (i = 0; i < n; i++)
		set_have(l, i);
	l->peer_choking = false;
	swarm_choked(l->swarm, l, false);
	link_update_interest(l);
	link_pump(l);
}

static void
on_have_none(struct link *l, const struct pw_msg *m)
{
}

static void
reject(struct link *l, uint32_t piece, uint32_t begin, uint32_t len)
{
	struct bytebuf	b = BYTEBUF_INIT;

	if (!l->fast)
		return;
	pw_put_block(&b, PW_REJECT, piece, begin, len);
	link_send(l, &b);
	bytebuf_free(&b);
}

static void
sendbuf_unref(void *arg)
{
	struct sendbuf	*sb = arg;

	if (--sb->refs == 0) {
		free(sb->data);
		free(sb);
	}
}

static void
upload_done(void *arg, uint8_t *data, int err)
{
	struct upload	*u = arg;
	struct link	*l = u->link;
	struct bytebuf	 b = BYTEBUF_INIT;
	struct sendbuf	*sb = NULL;
	size_t		 i, off = 0, total;

	if (l == NULL) {		/* the link went away meanwhile */
		free(data);
		free(u);
		return;
	}
	LIST_REMOVE(u, entry);
	l->nuploads -= (unsigned)u->n;
	for (i = 0, total = 0; i < u->n; i++)
		total += u->rd[i].len;
	bw_sent(&l->bw, total);		/* read: the connection's now */
	if (err != 0 || l->am_choking ||
	    (sb = malloc(sizeof(*sb))) == NULL) {
		for (i = 0; i < u->n; i++)
			reject(l, u->rd[i].piece, u->rd[i].begin,
			    u->rd[i].len);
		free(data);
		free(u);
		return;
	}
	sb->data = data;
	sb->refs = u->n;
	for (i = 0; i < u->n; i++) {
		pw_put_piece_header(&b, u->rd[i].piece, u->rd[i].begin,
		    u->rd[i].len);
		/* On failure too, peer_send releases its reference. */
		peer_send(l->peer, l->sid, &b, data + off, u->rd[i].len,
		    sendbuf_unref, sb);
		bytebuf_reset(&b);
		off += u->rd[i].len;
	}
	bytebuf_free(&b);
	swarm_count_up(l->swarm, off);
	state.bytes_to_peers += off;
	history_add(HIST_UPLOAD, off);
	meter_add(&l->up, off);
	state_dirty();
	free(u);
}

static void
link_flush(struct link *l)
{
	struct upload	*u = l->pending;
	size_t		 i, total;

	if (u == NULL || l->dead)
		return;
	l->pending = NULL;
	TAILQ_REMOVE(&flushq, l, fentry);
	LIST_INSERT_HEAD(&l->uploads, u, entry);
	if (swarm_read(l->swarm, u->rd, u->n, upload_done, u) != 0) {
		LIST_REMOVE(u, entry);
		l->nuploads -= (unsigned)u->n;
		for (i = 0, total = 0; i < u->n; i++) {
			total += u->rd[i].len;
			reject(l, u->rd[i].piece, u->rd[i].begin,
			    u->rd[i].len);
		}
		bw_sent(&l->bw, total);
		free(u);
	}
}

void
link_flush_all(void)
{
	struct link	*l;

	while ((l = TAILQ_FIRST(&flushq)) != NULL)
		link_flush(l);
}

static void
on_request(struct link *l, const struct pw_msg *m)
{
	uint32_t	psize;

	if (m->index >= swarm_npieces(l->swarm)) {
		peer_penalise(l->peer, 50, "request out of range");
		return;
	}
	psize = layout_piece_size(swarm_size(l->swarm), m->index);
	if (m->length == 0 || m->length > MAX_BLOCK ||
	    (uint64_t)m->begin + m->length > psize) {
		peer_penalise(l->peer, 50, "bad request");
		return;
	}
	if (l->am_choking || !swarm_has_piece(l->swarm, m->index) ||
	    l->nuploads + (l->nupq - l->upq_head) >= MAX_UPLOADS) {
		reject(l, m->index, m->begin, m->length);
		return;
	}
	if (l->nupq == l->upqcap) {
		if (l->upq_head > 0) {
			memmove(l->upq, l->upq + l->upq_head,
			    (l->nupq - l->upq_head) * sizeof(*l->upq));
			l->nupq -= l->upq_head;
			l->upq_head = 0;
		} else {
			size_t		 cap = l->upqcap ? l->upqcap * 2 : 16;
			struct req	*r = reallocarray(l->upq, cap,
			    sizeof(*r));

			if (r == NULL) {
				reject(l, m->index, m->begin, m->length);
				return;
			}
			l->upq = r;
			l->upqcap = cap;
		}
	}
	l->upq[l->nupq].piece = m->index;
	l->upq[l->nupq].begin = m->begin;
	l->upq[l->nupq].len = m->length;
	l->nupq++;
	bw_want(&l->bw, BW_UP);
}

/*
 * The tree's turn to serve: the oldest waiting request joins the link's
 * batch, read on a worker when the round ends (link_flush_all) or the
 * batch is full.
 */
static size_t
grant_upload(struct link *l)
{
	struct upload	*u;
	struct req	 r;

	while (l->upq_head < l->nupq) {
		r = l->upq[l->upq_head++];
		if (l->upq_head == l->nupq)
			l->upq_head = l->nupq = 0;
		if ((u = l->pending) == NULL) {
			if ((u = calloc(1, sizeof(*u))) == NULL) {
				reject(l, r.piece, r.begin, r.len);
				continue;
			}
			u->link = l;
			l->pending = u;
			TAILQ_INSERT_TAIL(&flushq, l, fentry);
		}
		u->rd[u->n].piece = r.piece;
		u->rd[u->n].begin = r.begin;
		u->rd[u->n].len = r.len;
		u->n++;
		l->nuploads++;
		if (u->n == READ_BATCH)
			link_flush(l);
		return r.len;
	}
	return 0;
}

/* The tree's turn to download: ask for one more block. */
static size_t
grant_request(struct link *l)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	uint32_t	 piece, begin, len;

	if (l->dead || !l->started || l->peer_choking || !l->am_interested ||
	    l->nreqs >= l->pipeline || !reqs_reserve(l, 1) ||
	    swarm_pick(l->swarm, l, &piece, &begin, &len, 1) == 0)
		return 0;
	request_block(l, &b, piece, begin, len);
	bytebuf_free(&b);
	return len;
}

static size_t
link_grant(struct bw_client *c, enum bw_dir d)
{
	struct link	*l = (struct link *)(void *)((char *)c -
	    offsetof(struct link, bw));

	if (l->dead)
		return 0;
	return d == BW_UP ? grant_upload(l) : grant_request(l);
}

/* Remove our request for a block; false if we never asked for it. */
static bool
take_request(struct link *l, uint32_t piece, uint32_t begin, uint32_t len)
{
	size_t	i;

	for (i = 0; i < l->nreqs; i++)
		if (l->reqs[i].piece == piece && l->reqs[i].begin == begin &&
		    l->reqs[i].len == len) {
			l->reqs[i] = l->reqs[--l->nreqs];
			return true;
		}
	return false;
}

static void
on_piece(struct link *l, const struct pw_msg *m)
{
	uint32_t	len;

	if (m->len < 8)
		return;
	len = (uint32_t)(m->len - 8);
	if (!take_request(l, m->index, m->begin, len) &&
	    !take_cancelled(l, m->index, m->begin, len)) {
		/* Unasked blocks cost the sender, not us: drop them. */
		peer_penalise(l->peer, 5, "unrequested block");
		return;
	}
	meter_add(&l->down, len);
	swarm_block(l->swarm, l, m->index, m->begin, m->payload + 8, len);
	if (!l->dead)
		link_pump(l);
}

static void
on_cancel(struct link *l, const struct pw_msg *m)
{
	size_t	i;

	/* Reads already started are cheap to finish; waiting ones are not. */
	for (i = l->upq_head; i < l->nupq; i++)
		if (l->upq[i].piece == m->index && l->upq[i].begin ==
		    m->begin && l->upq[i].len == m->length) {
			memmove(l->upq + i, l->upq + i + 1,
			    (l->nupq - i - 1) * sizeof(*l->upq));
			l->nupq--;
			break;
		}
}

static void
on_reject(struct link *l, const struct pw_msg *m)
{
	if (take_request(l, m->index, m->begin, m->length))
		swarm_unrequest(l->swarm, l, m->index, m->begin);
	else
		take_cancelled(l, m->index, m->begin, m->length);
}

void
link_cancel(struct link *l, uint32_t piece, uint32_t begin, uint32_t len)
{
	struct req	r = { piece, begin, len };

	if (!l->dead && take_request(l, piece, begin, len))
		send_cancel(l, &r);
}

static void
on_hashes(struct link *l, const struct pw_msg *m)
{
	struct pext_hashes	 h;
	uint32_t		 n = swarm_npieces(l->swarm);

	if (pext_hashes_parse(m->payload + 1, m->len - 1, &h) != 0) {
		peer_penalise(l->peer, 20, "malformed aptbt_hashes");
		return;
	}
	switch (h.type) {
	case PEXT_HASHES_REQUEST:
		l->hashes_pushed = true;
		if (l->hashes_answer != NULL || l->hashes_owed >= 0) {
			refuse_hashes(l, h.piece);
			break;
		}
		/* Still hashing our own copy: answer when that is done. */
		if (swarm_hashes_pending(l->swarm) && h.piece < n)
			l->hashes_owed = h.piece;
		else
			send_hashes(l, h.piece, true);
		break;
	case PEXT_HASHES_DATA:
		if (h.piece < n && h.count <= n - h.piece)
			swarm_hints(l->swarm, l, h.piece, h.hashes, h.count);
		link_pump(l);
		break;
	case PEXT_HASHES_REJECT:
		break;
	}
}

static void
on_extended(struct link *l, const struct pw_msg *m)
{
	if (m->ext_id == PEER_EXT_HASHES)
		on_hashes(l, m);
	else if (m->ext_id == PEER_EXT_PEX)
		pex_received(l, m->payload + 1, m->len - 1);
}

static void
on_ignore(struct link *l, const struct pw_msg *m)
{
}

static const msg_handler handlers[] = {
	[PW_CHOKE] = on_choke,
	[PW_UNCHOKE] = on_unchoke,
	[PW_INTERESTED] = on_interested,
	[PW_NOT_INTERESTED] = on_interested,
	[PW_HAVE] = on_have,
	[PW_BITFIELD] = on_bitfield,
	[PW_REQUEST] = on_request,
	[PW_PIECE] = on_piece,
	[PW_CANCEL] = on_cancel,
	[PW_PORT] = on_ignore,
	[PW_SUGGEST] = on_ignore,
	[PW_HAVE_ALL] = on_have_all,
	[PW_HAVE_NONE] = on_have_none,
	[PW_REJECT] = on_reject,
	[PW_ALLOWED_FAST] = on_ignore,
	[PW_EXTENDED] = on_extended,
};

void
link_handle(struct link *l, const struct pw_msg *m)
{
	if (l->dead || m->id < 0 ||
	    (size_t)m->id >= sizeof(handlers) / sizeof(handlers[0]) ||
	    handlers[m->id] == NULL)
		return;		/* unknown ids are allowed and ignored */
	handlers[m->id](l, m);
}
