/* SPDX-License-Identifier: ISC */
/*
 * peers.c - a job's peer side: its piece sink for the swarm (the swarm's
 * peers are sources of the job's picker, like its mirrors), waiting for
 * site daemons that hold or fetch the file, and files fetched on another
 * daemon's behalf.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/layout.h"
#include "common/log.h"
#include "daemon/base/cache.h"
#include "daemon/base/conf.h"
#include "daemon/base/hostbudget.h"
#include "daemon/base/pieces.h"
#include "daemon/base/state.h"
#include "daemon/base/webseed.h"
#include "daemon/base/workers.h"
#include "daemon/engine/fetch.h"
#include "daemon/engine/job.h"
#include "daemon/engine/picker.h"
#include "daemon/meta/discover.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/piecesink.h"
#include "daemon/share/site.h"
#include "daemon/share/swarm.h"

/* The job behind the piece sink its swarm was handed. */
static struct job *
sink_job(struct piece_sink *sk)
{
	return (struct job *)((char *)sk - offsetof(struct job, sink));
}

static const struct job *
sink_cjob(const struct piece_sink *sk)
{
	return (const struct job *)((const char *)sk -
	    offsetof(struct job, sink));
}

/* The suite publishes a torrent for the file: standard clients may join. */
static void
torrent_found(void *arg, bool ok)
{
	struct job	*j = arg;

	j->discovering = false;
	if (ok && j->phase == PH_RUNNING && j->swarm != NULL)
		swarm_torrent_known(j->swarm);
	job_unref(j);
}

/* Split the work with the other daemons fetching the file (picker.h). */
static void
job_share(struct job *j)
{
	uint32_t	k, n, near_k, near_n;

	if (j->pk == NULL || !j->hashed)
		return;
	peermgr_rank(j->sha, &k, &n, &near_k, &near_n);
	picker_share(j->pk, PICKER_SHARE_MIRROR, k, n);
	picker_share(j->pk, PICKER_SHARE_IMPORT, near_k, near_n);
}

/*
 * Share the download with peers.  If a site daemon holds or fetches the
 * file, ask it first and let the mirrors wait while it delivers; else the
 * mirrors start at once and peers may still join.
 */
void
job_join_peers(struct job *j)
{
	enum peermgr_wait	wait;
	uint8_t			fetcher[SITE_ID_LEN];
	bool			asked = false;

	if (!j->hashed || j->pk == NULL || j->size <= 0)
		return;
	if (j->swarm == NULL) {
		j->swarm = swarm_for_job(&j->sink, j->sha, (uint64_t)j->size);
		if (j->swarm == NULL)
			return;
		peermgr_notify(j->sha, PEERMGR_FETCHING);
		if (j->base != NULL && !j->discovering) {
			j->discovering = true;
			j->refs++;
			if (discover_torrent(j->base, j->sha, (uint64_t)j->size,
			    torrent_found, j) < 0) {
				j->discovering = false;
				j->refs--;
			}
		}
	}
	/*
	 * Wait for peers if one holds the file, or fetches it and is the one
	 * that should (rendezvous).  Otherwise, if a site daemon scores
	 * higher for the file, ask it to fetch the file: when several start
	 * it together, each sends its want to the same daemon, which alone
	 * uses the mirror.  A file fetched for a peer is not passed on.
	 */
	if (state.paused || picker_complete(j->pk))
		return;
	job_share(j);
	if ((wait = peermgr_should_wait(j->sha, fetcher)) != PEERMGR_WAIT_NO) {
		if (!swarm_ask_peers(j->swarm))
			return;
		/* Its link's progress, not a fixed time, holds the mirrors. */
		if (wait == PEERMGR_WAIT_FETCHER)
			swarm_peer_fetching(j->swarm, fetcher);
	} else if (j->for_peer || j->delegated ||
	    !peermgr_delegate(j->sha, (uint64_t)j->size, j->url))
		return;
	else {
		j->delegated = true;
		asked = true;
		swarm_ask_peers(j->swarm);
	}
	/*
	 * The daemon we wait on, or just asked, needs a whole piece from the
	 * mirror before it can show progress: the fetcher's grace, once per
	 * file (a claim that follows our want gets no second one).
	 */
	if (!((wait == PEERMGR_WAIT_FETCHER || asked) &&
	    picker_preempt(j->pk, clock_ms())))
		picker_hold(j->pk, clock_ms(), PICKER_PEER_STALL_MS);
	log_debug("fetch %s: asking site peers first", j->url);
}

static void
fetch_peers_changed(void)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobtab.list, entry)
		if (j->phase == PH_RUNNING && j->swarm != NULL &&
		    !picker_complete(j->pk)) {
			job_share(j);
			swarm_ask_peers(j->swarm);
		}
}

static void
fetch_peer_fetching(const uint8_t *sha, const uint8_t *peer_id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobtab.list, entry) {
		if (!j->hashed || memcmp(j->sha, sha, SHA256_LEN) != 0)
			continue;
		if (j->phase != PH_RUNNING || j->swarm == NULL ||
		    state.paused || picker_complete(j->pk))
			return;
		job_share(j);
		if (!site_outranks(peer_id, peer_self_id, sha))
			return;		/* we keep the mirror */
		/*
		 * Once per file: a claim is free to make, bytes are not.  Its
		 * link is still the fetcher's: blocks from it extend the hold.
		 */
		if (!picker_preempt(j->pk, clock_ms())) {
			swarm_peer_fetching(j->swarm, peer_id);
			return;
		}
		log_debug("fetch %s: another daemon fetches it too; streaming "
		    "from it", j->url);
		job_cancel_sources(j);
		swarm_peer_fetching(j->swarm, peer_id);
		swarm_ask_peers(j->swarm);
		return;
	}
}

static int
sink_peer_add(struct piece_sink *sk)
{
	struct job	*j = sink_job(sk);

	if (j->pk == NULL)
		return -ENOENT;
	return picker_source_add(j->pk, PICKER_PEER, PICKER_SRC_CHOKED,
	    clock_ms());
}

/*
 * The ops below that may free pieces for the mirrors wake the job's
 * timer rather than schedule here: the swarm is in the middle of a
 * link's message or its going.
 */
static void
sink_peer_gone(struct piece_sink *sk, int id)
{
	struct job	*j = sink_job(sk);

	if (j->pk == NULL)
		return;
	picker_source_gone(j->pk, id);
	job_wake(j);
}

static void
sink_peer_flags(struct piece_sink *sk, int id, unsigned flags)
{
	struct job	*j = sink_job(sk);
	unsigned	 pf = 0;

	if (j->pk == NULL)
		return;
	if (flags & SINK_PEER_CHOKED)
		pf |= PICKER_SRC_CHOKED;
	if (flags & SINK_PEER_FETCHER)
		pf |= PICKER_SRC_FETCHER;
	if (flags & SINK_PEER_FAR)
		pf |= PICKER_SRC_FAR;
	picker_source_flags(j->pk, id, pf, clock_ms());
	job_wake(j);
}

static void
sink_peer_have(struct piece_sink *sk, int id, uint32_t piece)
{
	struct job	*j = sink_job(sk);

	if (j->pk != NULL)
		picker_have(j->pk, id, piece, clock_ms());
}

static void
sink_checkable(struct piece_sink *sk, uint32_t piece)
{
	struct job	*j = sink_job(sk);

	if (j->pk != NULL)
		picker_checkable(j->pk, piece == SINK_ALL ? PICKER_ALL : piece);
}

static size_t
sink_next_blocks(struct piece_sink *sk, int id, struct sink_block *out,
    size_t max, uint64_t room, bool *want_hints)
{
	struct job		*j = sink_job(sk);
	struct picker_block	 b[64];
	ssize_t			 n, i;

	*want_hints = false;
	if (j->pk == NULL || j->phase != PH_RUNNING)
		return 0;
	if (max > sizeof(b) / sizeof(b[0]))
		max = sizeof(b) / sizeof(b[0]);
	if ((n = picker_next_blocks(j->pk, id, clock_ms(), b, max, room,
	    want_hints)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		out[i].piece = b[i].piece;
		out[i].begin = b[i].begin;
		out[i].len = b[i].len;
	}
	return (size_t)n;
}

static int
sink_block_done(struct piece_sink *sk, int id, uint32_t piece,
    uint32_t begin)
{
	struct job	*j = sink_job(sk);
	int		 rc;

	if (j->pk == NULL || j->phase != PH_RUNNING)
		return 0;
	rc = picker_block_done(j->pk, id, piece, begin, clock_ms());
	return rc < 0 ? 0 : rc;
}

static void
sink_block_cancel(struct piece_sink *sk, int id, uint32_t piece,
    uint32_t begin)
{
	struct job	*j = sink_job(sk);

	if (j->pk != NULL)
		picker_block_cancel(j->pk, id, piece, begin);
}

static size_t
sink_piece_failed(struct piece_sink *sk, uint32_t piece, int *who,
    size_t max)
{
	struct job	*j = sink_job(sk);
	int		 n;

	if (j->pk == NULL ||
	    (n = picker_piece_failed(j->pk, piece, who, max)) < 0)
		return 0;
	job_wake(j);
	return (size_t)n;
}

static bool
sink_has(const struct piece_sink *sk, uint32_t piece)
{
	const struct job	*j = sink_cjob(sk);

	return j->pk != NULL && piecemap_has(picker_map(j->pk), piece);
}

static const uint8_t *
sink_bits(const struct piece_sink *sk)
{
	const struct job	*j = sink_cjob(sk);

	return j->pk != NULL ? picker_map(j->pk)->bits : NULL;
}

static uint64_t
sink_have_bytes(const struct piece_sink *sk)
{
	const struct job	*j = sink_cjob(sk);

	return j->pk != NULL ? piecemap_bytes(picker_map(j->pk)) : 0;
}

static int
sink_mem_fd(const struct piece_sink *sk)
{
	const struct job	*j = sink_cjob(sk);

	return j->mem ? j->rw : -1;
}

static int
sink_local(const struct piece_sink *sk, uint32_t piece, uint8_t *local,
    size_t nbytes)
{
	const struct job	*j = sink_cjob(sk);
	const struct piecemap	*pm;
	const struct picker_extent *miss;
	uint32_t		 begin;
	bool			 any = false;

	if (j->pk == NULL || j->rw < 0 ||
	    picker_piece_missing(j->pk, piece, &miss) == 0)
		return -1;
	pm = picker_map(j->pk);
	memset(local, 0, nbytes);
	for (begin = 0; begin < piecemap_len(pm, piece); begin += LAYOUT_BLOCK)
		if (begin / LAYOUT_BLOCK / 8 < nbytes &&
		    picker_block_local(j->pk, piece, begin)) {
			local[begin / LAYOUT_BLOCK / 8] |=
			    (uint8_t)(0x80 >> (begin / LAYOUT_BLOCK % 8));
			any = true;
		}
	return any ? fcntl(j->rw, F_DUPFD_CLOEXEC, 0) : -1;
}

/* A verified piece from peers, written on a worker. */
struct pjob {
	struct job	*job;
	uint32_t	 piece;
	uint8_t		*data;
	uint32_t	 len;
	uint64_t	 off;
	int		 fd;
	int		 rc;
	struct hash_ctx	*inc;		/* next in file order: hash it too */
	bool		 whole;		/* the whole file, digest its SHA-256 */
	bool		 alone;		/* no other write in flight */
	uint64_t	 gen;
	uint8_t		 digest[SHA256_LEN];
};

static void
pwrite_work(void *arg)
{
	struct pjob	*p = arg;

	if (p->inc != NULL)
		hash_update(p->inc, p->data, p->len);
	p->rc = pwrite_all(p->fd, p->data, p->len, p->off);
}

/* A piece from peers is in the file. */
static void
piece_stored(struct job *j, uint32_t piece, uint32_t len)
{
	if (picker_piece_stored(j->pk, piece, true) < 0)
		return;
	j->peer_bytes += len;
	if (j->swarm != NULL)
		swarm_piece_stored(j->swarm, piece);
	j->prefix = piecemap_prefix(picker_map(j->pk));
	progress_flush(j, false);
	map_save(j);
	inc_catch_up(j);
	job_check_complete(j);
}

static void
pwrite_done(void *arg)
{
	struct pjob	*p = arg;
	struct job	*j = p->job;

	free(p->data);
	j->writes--;
	if (p->rc == 0 && p->whole && p->alone && j->phase == PH_RUNNING) {
		memcpy(j->whole, p->digest, SHA256_LEN);
		j->whole_gen = p->gen;
		j->whole_hashed = true;
	}
	if (p->inc != NULL) {
		j->inc_busy = false;
		if (j->inc_broken || p->rc < 0)
			inc_reset(j, true);
	}
	if (j->phase != PH_RUNNING || j->pk == NULL) {
		free(p);
		job_unref(j);
		return;
	}
	if (p->rc < 0)
		job_fail(j, errno_reason(-p->rc), true, "writing to cache %s: "
		    "%s", cache_root(), strerror(-p->rc));
	else
		piece_stored(j, p->piece, p->len);
	free(p);
	job_unref(j);
}

static void
sink_store(struct piece_sink *sk, uint32_t piece, uint8_t *data,
    uint32_t len, const uint8_t *sha256)
{
	struct job	*j = sink_job(sk);
	struct pjob	*p;
	bool		 whole = sha256 != NULL && piece == 0 &&
			    j->size == (int64_t)len;

	if (j->phase != PH_RUNNING || j->pk == NULL || j->rw < 0 ||
	    piece >= picker_map(j->pk)->npieces ||
	    piecemap_has(picker_map(j->pk), piece)) {
		free(data);
		return;
	}
	/*
	 * The whole file into a memory file: no disk to wait for, so no
	 * worker either.  (Should that fail, a worker tries and reports.)
	 */
	if (whole && j->mem && j->writes == 0 &&
	    pwrite_all(j->rw, data, len, 0) == 0) {
		free(data);
		inc_reset(j, true);
		j->wgen++;
		memcpy(j->whole, sha256, SHA256_LEN);
		j->whole_gen = j->wgen;
		j->whole_hashed = true;
		piece_stored(j, piece, len);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(data);
		return;
	}
	p->job = j;
	p->piece = piece;
	p->data = data;
	p->len = len;
	p->off = (uint64_t)piece * picker_map(j->pk)->piece_size;
	p->fd = j->rw;
	/*
	 * Usually the next piece in file order: hash it from this buffer
	 * (unless the swarm already knows the whole file's digest).
	 */
	if (!whole && j->hashed && !j->inc_broken && !j->inc_busy &&
	    p->off == j->inc_off &&
	    (j->inc != NULL || (j->inc = hash_new(HASH_SHA256)) != NULL))
		p->inc = j->inc;
	p->whole = whole;
	if (whole)
		memcpy(p->digest, sha256, SHA256_LEN);
	p->alone = j->writes == 0;
	p->gen = j->wgen + 1;
	if (workers_submit(pwrite_work, pwrite_done, p) < 0) {
		free(data);
		free(p);
		return;
	}
	if (p->inc != NULL) {
		j->inc_off += len;
		j->inc_busy = true;
	}
	j->writes++;
	j->wgen++;
	j->refs++;
}

const struct piece_sink_ops job_sink_ops = {
	.has = sink_has,
	.bits = sink_bits,
	.have_bytes = sink_have_bytes,
	.peer_add = sink_peer_add,
	.peer_gone = sink_peer_gone,
	.peer_flags = sink_peer_flags,
	.peer_have = sink_peer_have,
	.checkable = sink_checkable,
	.next_blocks = sink_next_blocks,
	.block_done = sink_block_done,
	.block_cancel = sink_block_cancel,
	.piece_failed = sink_piece_failed,
	.store = sink_store,
	.mem_fd = sink_mem_fd,
	.local = sink_local,
};

/*
 * A site daemon asks us to fetch a file for it.  Only from a mirror this
 * daemon uses itself (configured, or asked for by its own apt), so a peer
 * cannot make it contact any other host; the file ends in the cache like
 * any other, and the asker streams it from us as pieces arrive.
 *
 * The SHA-256 and size are the asker's word, and the mirror's bytes are
 * the site's: each host may have at most peer_want_files files and
 * peer_want_bytes bytes (at the size it named) fetched per hour; a file
 * we hold costs nothing (it is served from the cache); a job for a peer
 * is never retried after a mismatch, and the asker is penalised for it
 * (job.c).
 */
static void
fetch_peer_want(const uint8_t *sha, uint64_t size, const char *url,
    const char *who, const struct sockaddr *from)
{
	struct hostbudget_limits lim = { conf.peer_want_files,
	    conf.peer_want_bytes };
	struct fetchmsg_req	 a;
	struct cache_entry	*ce;
	struct job		*j;
	int			 rc;

	if (jobtab.stopping || state.paused || size > INT64_MAX ||
	    size > conf.cache_size)
		return;
	if ((ce = cache_lookup(sha)) != NULL && ce->private)
		return;		/* never announced, never fetched for others */
	if (ce != NULL) {
		/* It may have missed our index: say it again. */
		peermgr_notify(sha, PEERMGR_HAVE);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.uri = url;
	a.has_sha256 = true;
	memcpy(a.sha256, sha, SHA256_LEN);
	a.size = (int64_t)size;
	if (job_find(&a) != NULL)
		return;
	if (!ws_mirror_known(url)) {
		log_debug("fetch: %s wants %s from a mirror we do not use",
		    who, url);
		return;
	}
	if (jobtab.nfor_peers >= FOR_PEERS_MAX)
		return;
	if (!hostbudget_take(&lim, from, size, clock_ms())) {
		log_info("fetch: %s wants %s: over its budget of %llu files "
		    "and %llu bytes an hour; not fetched", who, url,
		    (unsigned long long)lim.files,
		    (unsigned long long)lim.bytes);
		return;
	}
	if ((j = job_new(&a)) == NULL)
		return;
	j->for_peer = true;
	memcpy(&j->asker, from, from->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	jobtab.nfor_peers++;
	log_debug("fetch %s: fetching it for %s", url, who);
	if ((rc = job_open(j, false)) < 0)
		job_fail(j, "CacheError", true, "%s", strerror(-rc));
}

const struct peermgr_events job_peer_events = {
	.holders_changed = fetch_peers_changed,
	.peer_fetching = fetch_peer_fetching,
	.peer_want = fetch_peer_want,
};
