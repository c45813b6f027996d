/* SPDX-License-Identifier: ISC */
/*
 * mkmeta.h - aptbt-mkmeta's parts.
 *
 *	mkmeta.c		options, and torrents for files named by hand
 *	mkmeta-mirror.c		--mirror and --archive: the run, in its order
 *	mkmeta-index.c		a suite's Release and the indices it lists
 *	mkmeta-decomp.c		.gz and .xz indices, in memory
 *	mkmeta-pool.c		hashing on every core, and the progress line
 *	mkmeta-torrent.c	one file's torrent: reused, rewritten or hashed
 *	mkmeta-blocks.c		block sums of uncompressed files
 *	mkmeta-manifest.c	a suite's manifest
 *	mkmeta-sweep.c		torrents of files that left the archive
 *	mkmeta-state.c		what the last complete run published
 *	mkmeta-write.c		atomic writes and small file helpers
 */
#ifndef APTBT_MKMETA_H
#define APTBT_MKMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/manifest.h"
#include "common/metainfo.h"

/* mkmeta-write.c */

/*
 * Publish buf as dir/base with atomicfile, readable as the umask allows;
 * *outpath gets the malloc'ed path.  0 or a negative errno.
 */
int	mkmeta_write_atomic(const char *dir, const char *base,
	    const struct bytebuf *buf, char **outpath);
/* mkdir -p; 0 or a negative errno. */
int	mkmeta_mkdirs(const char *path);
/* The whole of a regular file of at most max bytes into out; 0, -EFBIG
 * or a negative errno (-ENOENT when it is not there). */
int	mkmeta_read_file(const char *path, size_t max, struct bytebuf *out);
/* True when path already holds exactly these bytes. */
bool	mkmeta_same_content(const char *path, const struct bytebuf *want);

/* mkmeta-decomp.c */

/*
 * Decompress a whole .gz or .xz file held in memory (suffix ".gz" or
 * ".xz"; "" copies) into out, at most max bytes.  0, -EINVAL for data
 * that is not of that kind or is cut short, -EFBIG, -ENOMEM.
 */
int	mkmeta_decompress(const char *suffix, const uint8_t *in, size_t len,
	    size_t max, struct bytebuf *out);

/* What a run is asked to do (mkmeta.c fills it in). */
struct gen_opts {
	const char		*root;		/* the mirror's top */
	const char		*outroot;	/* where to write; root if NULL */
	const char		*suite;		/* --archive; NULL for --mirror */
	enum mi_form		 form;
	char *const		*webseeds;	/* the mirror's top URLs */
	size_t			 nwebseeds;
	const struct mi_tier	*tiers;		/* written into the torrents */
	size_t			 ntiers;
	char *const		*mtrackers;	/* written into the manifests */
	size_t			 nmtrackers;
	unsigned		 jobs;		/* hashing threads */
	bool			 progress;	/* a progress line on stderr */
	bool			 dry_run;	/* say what would change only */
	bool			 verbose;
};

/* One file of the archive, known by its content. */
enum mm_state {
	MM_FAILED,		/* left out of the manifests */
	MM_KEPT,		/* its torrent was already right */
	MM_REWRITTEN,		/* new name, webseed or tracker; not reread */
	MM_HASHED,		/* read and hashed */
	MM_WOULD_HASH,		/* --dry-run: would be read and hashed */
};

struct mm_file {
	uint8_t			 sha[SHA256_LEN];
	uint64_t		 size;
	char			*filename;	/* under root, as the index says */
	enum mm_state		 state;
	size_t			 torrent_len;	/* bytes of its torrent */
	struct manifest_entry	 e;
};

/* Names are copied into blocks of their own: no allocation per file. */
struct mm_names;

struct mm_set {
	struct mm_file		*v;
	size_t			 n, cap;
	struct mm_names		*names;		/* the copied names */
};

/* mkmeta-index.c */

/* Add a file to a set (the name is copied); 0 or -ENOMEM. */
int	mm_set_add(struct mm_set *, const uint8_t sha[SHA256_LEN],
	    uint64_t size, const char *filename);
/*
 * Add a file of another set, its name shared: that set must outlive this
 * one.  0 or -ENOMEM.
 */
int	mm_set_add_shared(struct mm_set *, const struct mm_file *);
/* Sort by SHA-256, one entry per content (the smallest name kept). */
void	mm_set_unique(struct mm_set *);
/* The entry of this content, or NULL (the set is unique). */
struct mm_file *mm_set_find(const struct mm_set *, const uint8_t *sha);
void	mm_set_free(struct mm_set *);

/*
 * Every file the indices of dists/SUITE list, into set (not yet unique).
 * With a Release (or an InRelease) each index it lists is read in the
 * first form found intact: plain, .xz, .gz, each by name or else under
 * by-hash/SHA256/; an index whose every form is absent is skipped (a
 * partial mirror), one present but not matching the Release is an
 * error.  Without either, only when allow_bare, the binary-* and
 * source directories are read as found.  *nindex gets the indices read.
 * 0, -ENOENT when the suite has no Release, InRelease or (bare) index,
 * or -EIO (said on stderr).  Each plain index read gets its block list
 * (mkmeta_index_blocks) and is added to plain, when not NULL.
 */
int	mkmeta_suite_files(const struct gen_opts *, const char *suite,
	    bool allow_bare, struct mm_set *set, size_t *nindex,
	    struct mm_set *plain);

/* mkmeta-torrent.c */

/*
 * Give f its torrent at OUT/aptbt/torrents/XX/HEX.torrent: keep the one
 * there when it is already what we would write, rewrite it from its own
 * piece hashes when only a name, webseed or tracker changed, else read
 * and hash the file (checked against the index's SHA-256).  Sets
 * f->state, f->e and f->torrent_len; hashed bytes are added to *hashed
 * as they go.  0, or -1 with the reason on stderr.
 */
int	mkmeta_torrent(const struct gen_opts *, struct mm_file *f,
	    uint64_t *hashed);

/* mkmeta-blocks.c */

/*
 * True for a file that gets a block list (blocks_shape_for: large
 * enough, and uncompressed or a package file).
 */
bool	mkmeta_wants_blocks(const char *filename, uint64_t size);
/* The size of that list, 0 for none. */
size_t	mkmeta_blocks_len(const char *filename, uint64_t size);
/*
 * True when OUT/aptbt/blocks holds the list of this content, named
 * filename (by its size: a list of another shape is written again).
 */
bool	mkmeta_blocks_present(const struct gen_opts *,
	    const uint8_t sha[SHA256_LEN], uint64_t size,
	    const char *filename);
/* Write a list atomically (nothing with --dry-run); 0 or -1 (said). */
int	mkmeta_blocks_publish(const struct gen_opts *,
	    const uint8_t sha[SHA256_LEN], const struct bytebuf *list);
/*
 * The list of an index read whole into memory (path names it in
 * messages and says whether it is compressed), unless already there.
 * 0 or -1 (said on stderr).
 */
int	mkmeta_index_blocks(const struct gen_opts *,
	    const uint8_t sha[SHA256_LEN], const char *path,
	    const uint8_t *data, size_t len);

/* mkmeta-pool.c */

/*
 * mkmeta_torrent for every file of set on o->jobs threads; a progress
 * line on stderr when o->progress.  Returns how many failed.
 */
size_t	mkmeta_pool_run(const struct gen_opts *, struct mm_set *set);

/* mkmeta-manifest.c */

/*
 * The manifest of suite from the files of its set that have a torrent
 * (global holds their entries), written last and only when its bytes
 * change.  *len gets its size.  0 or -1 (said on stderr).
 */
int	mkmeta_manifest(const struct gen_opts *, const char *suite,
	    const struct mm_set *files, const struct mm_set *global,
	    size_t *len);

/* mkmeta-sweep.c */

/*
 * Remove (with --dry-run: list) every torrent under OUT/aptbt/torrents
 * and every list under OUT/aptbt/blocks whose content is in neither keep
 * nor also (which may be NULL).  Returns how many, or -1.
 */
long	mkmeta_sweep(const struct gen_opts *, const struct mm_set *keep,
	    const struct mm_set *also);
/* Remove the temporaries a killed run left in OUT's metadata dirs. */
void	mkmeta_sweep_temporaries(const struct gen_opts *);

/* mkmeta-state.c */

/* Read OUT/aptbt/.mkmeta.state when it was written under these options. */
void	mkmeta_state_load(const struct gen_opts *);
/* True when a state was loaded: the last run finished, nothing since. */
bool	mkmeta_state_loaded(void);
/*
 * Keep f as the state records it when its size and name match and its
 * torrent, tname under OUT/aptbt/torrents, has the recorded size (one
 * stat): true with f->state, f->e and f->torrent_len set; false to take
 * the slow path.
 */
bool	mkmeta_state_keep(struct mm_file *f, const char *tname);
/* True when every file was kept and the sets are the state's exactly. */
bool	mkmeta_state_same(const struct mm_set *g, const struct mm_set *plain);
/* Before the first change to the tree: the state stops being true. */
void	mkmeta_state_drop(void);
/*
 * Write the state of the files that have a torrent and of the indices,
 * unless same (mkmeta_state_same) and nothing was written since.
 */
void	mkmeta_state_save(const struct gen_opts *, const struct mm_set *g,
	    const struct mm_set *plain, bool same);
void	mkmeta_state_free(void);

/* mkmeta-mirror.c */

/*
 * The run: every suite (or o->suite), their torrents, their manifests,
 * then the sweep.  Returns 0 when everything was written, 1 when some
 * files or suites failed (the others written), 2 when nothing could be
 * done.
 */
int	mkmeta_generate(const struct gen_opts *);

#endif
