/* SPDX-License-Identifier: ISC */
/*
 * mkmeta-torrent.c - one file's torrent, hashing it only when new.
 *
 * Torrents are named by content (aptbt/torrents/XX/SHA256HEX.torrent), so
 * suites sharing a file share its torrent, and the torrent already there
 * is the memory of what was hashed: its name pins the content and size,
 * so its piece hashes cannot have gone stale.  A rerun therefore reads
 * the small torrent, not the file: kept as it is when it comes out the
 * same, rebuilt from its own hashes when a name, webseed or tracker
 * changed.  Only a content never seen is read, once, for SHA-1 pieces,
 * SHA-256 leaves, its SHA-256, which must match the index, and the block
 * sums of an uncompressed file (mkmeta-blocks.c), written before the
 * torrent: a torrent there means its list is there too, and a file that
 * should have a list and has none is read again.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blocks.h"
#include "client/mkmeta/mkmeta.h"

struct job {
	const struct gen_opts	*o;
	struct mm_file		*f;
	struct mi_build		 b;
	char			*dir;		/* OUT/aptbt/torrents/XX */
	char			 tname[MANIFEST_TORRENT_NAME_LEN + 1];
	char			*path;		/* dir/HEX.torrent */
	char			**ws;
	uint64_t		*hashed;
	uint64_t		 done;		/* this file's bytes so far */
	bool			 want_blocks;
	struct blocks_enc	 enc;
};

static void
consume_cb(const uint8_t *buf, size_t len, void *arg)
{
	blocks_enc_feed(arg, buf, len);
}

/* The block list of what was just read, published before its torrent. */
static int
publish_blocks(struct job *j)
{
	struct bytebuf	list = BYTEBUF_INIT;
	int		r, rv = -1;

	if ((r = blocks_enc_finish(&j->enc, &list)) != 0)
		fprintf(stderr, "aptbt-mkmeta: %s: block sums: %s\n",
		    j->f->filename, blocks_strerror(r));
	else
		rv = mkmeta_blocks_publish(j->o, j->f->sha, &list);
	bytebuf_free(&list);
	return rv;
}

/* BASE/Filename, each byte outside a path's safe set percent-encoded. */
static char *
webseed_url(const char *base, const char *filename)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 blen = strlen(base);
	char			*url, *o;

	if ((url = malloc(blen + 1 + 3 * strlen(filename) + 1)) == NULL)
		return NULL;
	memcpy(url, base, blen);
	o = url + blen;
	if (blen > 0 && base[blen - 1] != '/')
		*o++ = '/';
	for (; *filename != '\0'; filename++) {
		unsigned char	c = (unsigned char)*filename;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/+:@", c) != NULL)
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o = '\0';
	return url;
}

static void
progress_cb(uint64_t done, uint64_t total, void *arg)
{
	struct job	*j = arg;

	(void)total;
	__atomic_fetch_add(j->hashed, done - j->done, __ATOMIC_RELAXED);
	j->done = done;
}

/* The info-hashes of what we are about to publish, for the manifest. */
static int
take_hashes(struct job *j, const struct bytebuf *out)
{
	struct metainfo	mi;

	if (metainfo_parse(&mi, out->data, out->len) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: built an invalid torrent\n",
		    j->f->filename);
		return -1;
	}
	memcpy(j->f->e.info_hash_v1, mi.info_hash_v1, SHA1_LEN);
	memcpy(j->f->e.info_hash_v2, mi.info_hash_v2, SHA256_LEN);
	j->f->e.has_v2 = mi.has_v2;
	j->f->torrent_len = out->len;
	metainfo_free(&mi);
	return 0;
}

static int
publish(struct job *j, const struct bytebuf *out)
{
	char	*written = NULL;
	int	 r;

	if (j->o->dry_run)
		return 0;
	if ((r = mkmeta_mkdirs(j->dir)) != 0 ||
	    (r = mkmeta_write_atomic(j->dir, j->tname + 3, out,
	    &written)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", j->path,
		    strerror(-r));
		return -1;
	}
	free(written);
	return 0;
}

/*
 * The torrent already there, rebuilt with today's options: 1 when it
 * could be (state and hashes set, written if it changed), 0 when the
 * file must be hashed, -1 on failure.
 */
static int
reuse(struct job *j)
{
	struct bytebuf	 old = BYTEBUF_INIT, out = BYTEBUF_INIT;
	struct metainfo	 mi;
	int		 rv = 0;

	if (mkmeta_read_file(j->path, MI_MAX_INPUT, &old) != 0 ||
	    metainfo_parse(&mi, old.data, old.len) != 0) {
		bytebuf_free(&old);
		return 0;
	}
	if (mi.length == j->f->size &&
	    metainfo_rebuild(&mi, &j->b, &out) == 0) {
		rv = 1;
		if (out.len == old.len &&
		    memcmp(out.data, old.data, old.len) == 0) {
			/* The same bytes: the parse we have gives the hashes. */
			memcpy(j->f->e.info_hash_v1, mi.info_hash_v1, SHA1_LEN);
			memcpy(j->f->e.info_hash_v2, mi.info_hash_v2,
			    SHA256_LEN);
			j->f->e.has_v2 = mi.has_v2;
			j->f->torrent_len = old.len;
			j->f->state = MM_KEPT;
		} else if (take_hashes(j, &out) == 0 && publish(j, &out) == 0)
			j->f->state = MM_REWRITTEN;
		else
			rv = -1;
	}
	metainfo_free(&mi);
	bytebuf_free(&old);
	bytebuf_free(&out);
	return rv;
}

static int
hash_file(struct job *j)
{
	struct bytebuf	 out = BYTEBUF_INIT;
	struct blocks_shape sh;
	struct stat	 st;
	uint8_t		 sha[SHA256_LEN];
	char		*fpath;
	int		 fd, r, rv = -1;

	if (j->o->dry_run) {
		j->f->state = MM_WOULD_HASH;
		return 0;
	}
	if (asprintf(&fpath, "%s/%s", j->o->root, j->f->filename) == -1)
		return -1;
	if ((fd = open(fpath, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", fpath,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != j->f->size) {
		fprintf(stderr, "aptbt-mkmeta: %s: size differs from the "
		    "index\n", fpath);
		goto out;
	}
	j->b.file_sha256 = sha;
	j->b.progress = progress_cb;
	j->b.progress_arg = j;
	if (j->want_blocks) {
		if (!blocks_shape_for(j->f->filename, j->f->size, &sh) ||
		    blocks_enc_init_shape(&j->enc, &sh) != 0) {
			fprintf(stderr, "aptbt-mkmeta: out of memory\n");
			goto out;
		}
		j->b.consume = consume_cb;
		j->b.consume_arg = &j->enc;
	}
	if ((r = metainfo_build(fd, &j->b, &out)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", fpath,
		    r == -ESTALE ? "changed size while being read" :
		    strerror(-r));
		goto out;
	}
	if (memcmp(sha, j->f->sha, SHA256_LEN) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: SHA-256 differs from the "
		    "index\n", fpath);
		goto out;
	}
	if (j->want_blocks && publish_blocks(j) != 0)
		goto out;
	if (take_hashes(j, &out) == 0 && publish(j, &out) == 0) {
		j->f->state = MM_HASHED;
		rv = 0;
	}
out:
	if (fd != -1)
		close(fd);
	blocks_enc_free(&j->enc);
	bytebuf_free(&out);
	free(fpath);
	return rv;
}

/*
 * Kept as the last run's state says, its torrent stat'ed, and the block
 * list of a file that wants one present (a stat more).
 */
static bool
fast_keep(const struct gen_opts *o, struct mm_file *f, const char *tname)
{
	if (!mkmeta_state_keep(f, tname))
		return false;
	if (mkmeta_wants_blocks(f->filename, f->size) &&
	    !mkmeta_blocks_present(o, f->sha, f->size, f->filename)) {
		f->state = MM_FAILED;
		return false;
	}
	return true;
}

int
mkmeta_torrent(const struct gen_opts *o, struct mm_file *f, uint64_t *hashed)
{
	struct job	 j;
	const char	*out = o->outroot != NULL ? o->outroot : o->root;
	const char	*slash;
	size_t		 i, nws = 0;
	int		 rv = -1;

	memset(&j, 0, sizeof(j));
	j.o = o;
	j.f = f;
	j.hashed = hashed;
	f->state = MM_FAILED;
	memset(&f->e, 0, sizeof(f->e));
	memcpy(f->e.sha256, f->sha, SHA256_LEN);
	f->e.size = f->size;
	manifest_torrent_name(f->sha, j.tname);
	/* Most files of a rerun: one stat, no allocation. */
	if (fast_keep(o, f, j.tname))
		return 0;
	j.tname[2] = '\0';
	if (asprintf(&j.dir, "%s/aptbt/torrents/%s", out, j.tname) == -1) {
		j.dir = NULL;
		goto out;
	}
	j.tname[2] = '/';
	if (asprintf(&j.path, "%s/%s", j.dir, j.tname + 3) == -1) {
		j.path = NULL;
		goto out;
	}
	if ((j.ws = calloc(o->nwebseeds + 1, sizeof(*j.ws))) == NULL)
		goto out;
	for (nws = 0; nws < o->nwebseeds; nws++)
		if ((j.ws[nws] = webseed_url(o->webseeds[nws],
		    f->filename)) == NULL)
			goto out;
	slash = strrchr(f->filename, '/');
	j.b.form = o->form;
	j.b.name = slash != NULL ? slash + 1 : f->filename;
	j.b.tiers = o->tiers;
	j.b.ntiers = o->ntiers;
	j.b.webseeds = j.ws;
	j.b.nwebseeds = o->nwebseeds;
	j.want_blocks = mkmeta_wants_blocks(f->filename, f->size);
	if (j.want_blocks &&
	    !mkmeta_blocks_present(o, f->sha, f->size, f->filename))
		rv = 0;
	else
		rv = reuse(&j);
	if (rv == 0)
		rv = hash_file(&j);
	else if (rv == 1)
		rv = 0;
out:
	if (rv != 0)
		f->state = MM_FAILED;
	for (i = 0; i < nws; i++)
		free(j.ws[i]);
	free(j.ws);
	free(j.path);
	free(j.dir);
	return rv;
}
