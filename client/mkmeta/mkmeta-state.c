/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-state.c - what the last complete run left, so a rerun with
 * nothing changed reads no torrent.
 *
 * OUT/aptbt/.mkmeta.state holds, per content the run published, the
 * torrent's size and info-hashes and a digest of the name the torrent was
 * built for, behind a digest of every option that shapes a torrent's
 * bytes (form, webseeds, trackers, this program's version).  A file whose
 * content, size and name match a record, under the same options, and
 * whose torrent still has the recorded size (one stat) is kept without
 * reading it; anything else takes the slow path of mkmeta-torrent.c,
 * which reads the torrent itself.
 *
 * The state is only ever true of a finished run: the first write of a
 * run (mkmeta_write_atomic, the sweep) unlinks it, and it is written
 * again, atomically, after the sweep.  A run killed half-way leaves none,
 * and the next run reads every torrent as before.  Records are
 * fixed-width, sorted by SHA-256: loading is one read, a lookup a binary
 * search; a damaged state only sends files down the slow path (each
 * record is checked against a torrent's size before use), and the
 * manifests it feeds are hints that clients verify.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/mkmeta/mkmeta.h"

#define STATE_MAGIC	"aptbt-mkmeta-state 1\n"
#define STATE_MAGIC_LEN	(sizeof(STATE_MAGIC) - 1)
#define STATE_HEAD	(STATE_MAGIC_LEN + SHA256_LEN)
/* sha256, size, name digest, torrent size, v1 and v2 info-hash, has_v2 */
#define REC_SHA		0
#define REC_SIZE	(REC_SHA + SHA256_LEN)
#define REC_NAME	(REC_SIZE + 8)
#define REC_TLEN	(REC_NAME + 8)
#define REC_IH1		(REC_TLEN + 8)
#define REC_IH2		(REC_IH1 + SHA1_LEN)
#define REC_V2		(REC_IH2 + SHA256_LEN)
#define REC_LEN		(REC_V2 + 1)
#define STATE_MAX	(MANIFEST_MAX_ENTRIES * 2u * REC_LEN + STATE_HEAD)

static struct {
	char		*path;		/* NULL: no state kept (dry run) */
	struct bytebuf	 raw;
	const uint8_t	*rec;		/* sorted records, or NULL */
	size_t		 n;
	uint8_t		 opts[SHA256_LEN];
	int		 tdir;		/* OUT/aptbt/torrents, or -1 */
	int		 dropped;	/* the file on disk is gone */
} st = { .tdir = -1 };

/* Held by the first writer until the unlink is done: no write before. */
static pthread_mutex_t	drop_lock = PTHREAD_MUTEX_INITIALIZER;

static void
put64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* FNV-1a: a name that changed changes its torrent's name and webseeds. */
static uint64_t
name_digest(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void
options_digest(const struct gen_opts *o, uint8_t out[SHA256_LEN])
{
	struct bytebuf	b = BYTEBUF_INIT;
	size_t		i, k;

	bytebuf_puts(&b, PACKAGE_VERSION);
	bytebuf_putc(&b, '\0');
	bytebuf_putc(&b, o->form == MI_FORM_HYBRID ? 'h' : '1');
	for (i = 0; i < o->nwebseeds; i++) {
		bytebuf_puts(&b, o->webseeds[i]);
		bytebuf_putc(&b, '\0');
	}
	bytebuf_putc(&b, '\1');
	for (i = 0; i < o->ntiers; i++) {
		for (k = 0; k < o->tiers[i].nurls; k++) {
			bytebuf_puts(&b, o->tiers[i].urls[k]);
			bytebuf_putc(&b, '\0');
		}
		bytebuf_putc(&b, '\1');
	}
	if (bytebuf_failed(&b))
		memset(out, 0, SHA256_LEN);	/* matches no state written */
	else
		sha256(b.data, b.len, out);
	bytebuf_free(&b);
}

void
mkmeta_state_load(const struct gen_opts *o)
{
	const char	*out = o->outroot != NULL ? o->outroot : o->root;
	size_t		 i, body;
	char		*tdir;

	memset(&st, 0, sizeof(st));
	st.tdir = -1;
	options_digest(o, st.opts);
	if (asprintf(&st.path, "%s/aptbt/.mkmeta.state", out) == -1) {
		st.path = NULL;
		return;
	}
	/* Stats relative to it walk two names, not the whole path. */
	if (asprintf(&tdir, "%s/aptbt/torrents", out) == -1)
		return;
	st.tdir = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(tdir);
	if (st.tdir == -1)
		return;
	if (mkmeta_read_file(st.path, STATE_MAX, &st.raw) != 0 ||
	    st.raw.len < STATE_HEAD ||
	    memcmp(st.raw.data, STATE_MAGIC, STATE_MAGIC_LEN) != 0 ||
	    memcmp(st.raw.data + STATE_MAGIC_LEN, st.opts, SHA256_LEN) != 0 ||
	    (body = st.raw.len - STATE_HEAD) % REC_LEN != 0)
		return;
	st.rec = st.raw.data + STATE_HEAD;
	st.n = body / REC_LEN;
	/* Out of order, a binary search could miss: trust none of it. */
	for (i = 1; i < st.n; i++)
		if (memcmp(st.rec + (i - 1) * REC_LEN, st.rec + i * REC_LEN,
		    SHA256_LEN) >= 0) {
			st.rec = NULL;
			st.n = 0;
			return;
		}
}

static const uint8_t *
find(const uint8_t sha[SHA256_LEN])
{
	size_t	lo = 0, hi = st.n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(sha, st.rec + mid * REC_LEN, SHA256_LEN);
		if (c == 0)
			return st.rec + mid * REC_LEN;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool
mkmeta_state_keep(struct mm_file *f, const char *tname)
{
	const uint8_t	*r;
	struct stat	 sb;

	if (st.rec == NULL || (r = find(f->sha)) == NULL ||
	    get64(r + REC_SIZE) != f->size ||
	    get64(r + REC_NAME) != name_digest(f->filename) ||
	    fstatat(st.tdir, tname, &sb, 0) == -1 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size != get64(r + REC_TLEN))
		return false;
	memcpy(f->e.info_hash_v1, r + REC_IH1, SHA1_LEN);
	memcpy(f->e.info_hash_v2, r + REC_IH2, SHA256_LEN);
	f->e.has_v2 = r[REC_V2] != 0;
	f->torrent_len = (size_t)sb.st_size;
	f->state = MM_KEPT;
	return true;
}

/*
 * Records of both sets, merged in SHA-256 order (each set is sorted),
 * onto b unless NULL; returns how many.
 */
static size_t
put_records(struct bytebuf *b, const struct mm_set *g,
    const struct mm_set *plain)
{
	const struct mm_file	*f;
	uint8_t			 r[REC_LEN];
	size_t			 i = 0, k = 0, n = 0;

	while (i < g->n || k < plain->n) {
		if (k >= plain->n || (i < g->n &&
		    memcmp(g->v[i].sha, plain->v[k].sha, SHA256_LEN) < 0))
			f = &g->v[i++];
		else if (i < g->n &&
		    memcmp(g->v[i].sha, plain->v[k].sha, SHA256_LEN) == 0) {
			k++;	/* a pool file that is also an index */
			continue;
		} else
			f = &plain->v[k++];
		if (f->state == MM_FAILED && f >= g->v && f < g->v + g->n)
			continue;
		if (n++, b == NULL)
			continue;
		memset(r, 0, sizeof(r));
		memcpy(r + REC_SHA, f->sha, SHA256_LEN);
		put64(r + REC_SIZE, f->size);
		put64(r + REC_NAME, name_digest(f->filename));
		put64(r + REC_TLEN, f->torrent_len);
		memcpy(r + REC_IH1, f->e.info_hash_v1, SHA1_LEN);
		memcpy(r + REC_IH2, f->e.info_hash_v2, SHA256_LEN);
		r[REC_V2] = f->e.has_v2;
		bytebuf_append(b, r, sizeof(r));
	}
	return n;
}

bool
mkmeta_state_same(const struct mm_set *g, const struct mm_set *plain)
{
	size_t	i;

	if (st.rec == NULL || st.n != put_records(NULL, g, plain))
		return false;
	for (i = 0; i < g->n; i++)
		if (g->v[i].state != MM_KEPT || find(g->v[i].sha) == NULL)
			return false;
	for (i = 0; i < plain->n; i++)
		if (find(plain->v[i].sha) == NULL)
			return false;
	return true;
}

bool
mkmeta_state_loaded(void)
{
	return st.rec != NULL;
}

void
mkmeta_state_drop(void)
{
	if (st.path == NULL || __atomic_load_n(&st.dropped, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&drop_lock);
	if (!st.dropped) {
		(void)unlink(st.path);
		__atomic_store_n(&st.dropped, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&drop_lock);
}

void
mkmeta_state_save(const struct gen_opts *o, const struct mm_set *g,
    const struct mm_set *plain, bool same)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	char		*dir, *slash, *written = NULL;
	int		 r;

	if (st.path == NULL || o->dry_run ||
	    (same && !__atomic_load_n(&st.dropped, __ATOMIC_ACQUIRE)))
		return;
	bytebuf_append(&b, STATE_MAGIC, STATE_MAGIC_LEN);
	bytebuf_append(&b, st.opts, SHA256_LEN);
	put_records(&b, g, plain);
	if (bytebuf_failed(&b) || (dir = strdup(st.path)) == NULL) {
		bytebuf_free(&b);
		return;
	}
	slash = strrchr(dir, '/');
	*slash = '\0';
	if ((r = mkmeta_write_atomic(dir, slash + 1, &b, &written)) != 0)
		fprintf(stderr, "aptbt-mkmeta: %s: %s (the next run reads "
		    "every torrent)\n", st.path, strerror(-r));
	free(written);
	free(dir);
	bytebuf_free(&b);
}

void
mkmeta_state_free(void)
{
	free(st.path);
	bytebuf_free(&st.raw);
	if (st.tdir != -1)
		close(st.tdir);
	memset(&st, 0, sizeof(st));
	st.tdir = -1;
}
