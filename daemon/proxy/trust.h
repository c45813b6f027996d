/* SPDX-License-Identifier: ISC */
/*
 * trust.h - the hashes the proxy may vouch for, from the archive's chain.
 *
 * A proxy client does not tell aptbtd what a file should hash to, so the
 * proxy builds that knowledge as apt does: a suite's InRelease, checked
 * with gpgv against "proxy_keyrings" (in a child process, on a worker,
 * killed after TRUST_GPGV_TIMEOUT_S), or, for a suite that publishes
 * none, its Release checked against the detached Release.gpg apt asks for
 * next, gives the SHA-256 and size of each index under dists/SUITE/,
 * unless its Valid-Until has passed (checked again at every lookup: an
 * expired suite's files are passed through); a Packages index (plain, .gz or .xz,
 * decompressed by a child) whose hash came from there gives each pool
 * file's.  A file with such a hash is fetched by hash, so the engine
 * checks it, caches and shares it; a file without one (an unsigned suite,
 * a key we lack, a Packages not seen yet) is passed through by URL and
 * never cached or seeded.  Nothing here is trusted before gpgv said yes.
 * A verified suite's signed text is kept in state_dir, so that after a
 * restart the tables are rebuilt from it (checked again) and from the
 * cached Packages indices it lists.
 */
#ifndef APTBTD_TRUST_H
#define APTBTD_TRUST_H

#include <stdbool.h>
#include <stdint.h>

#include "common/hash.h"

struct proxyurl;

#define TRUST_GPGV_TIMEOUT_S	30
#define TRUST_CHILD_TIMEOUT_S	120	/* decompressing a Packages */
#define TRUST_MAX_RELEASE	(16u * 1024 * 1024)
#define TRUST_MAX_PACKAGES	(1024u * 1024 * 1024)	/* decompressed */
#define TRUST_MAX_SUITES	256
#define TRUST_MAX_ARCHIVES	64
#define TRUST_MAX_UNSIGNED	16	/* Release files awaiting their .gpg */
/* Pool hashes held in all (about 100 bytes each); past it, no more. */
#define TRUST_MAX_POOL_FILES	(4u * 1024 * 1024)

/* What the chain says about one file. */
struct trust_hit {
	bool		 hashed;
	uint8_t		 sha256[SHA256_LEN];
	int64_t		 size;
	/* An index to read once verified: a Packages, and its compression. */
	bool		 packages;
	char		 comp[4];	/* "", "gz" or "xz" */
};

/* Look a classified URL up; hit->hashed false: pass it through. */
void	trust_lookup(const struct proxyurl *, struct trust_hit *hit);
/*
 * Is this a file to learn from once fetched (an InRelease, a Release,
 * the Release.gpg of a Release kept, a Packages)?
 */
bool	trust_wants(const struct proxyurl *, const struct trust_hit *);
/*
 * A file trust_wants() was fetched whole: an InRelease or a Release.gpg
 * (not verified yet: gpgv runs), a Release (kept for its Release.gpg),
 * or a Packages index the engine verified against hit.  fd
 * is read-only and not kept (it is reopened).  cb(cbarg) runs on the
 * loop once the tables hold what it taught (or it taught nothing), so
 * the client's response can end only then and its next request finds
 * the hashes.  Returns 0, or -errno and cb is not called.
 */
int	trust_learn(const struct proxyurl *, const struct trust_hit *, int fd,
	    void (*cb)(void *), void *cbarg);
/*
 * Check again, on workers, the suites verified before the last stop
 * (kept under state_dir), and read again their Packages indices the cache
 * holds.  Until that is done their files are passed through.  Call once
 * the workers and the cache run.
 */
void	trust_restore(void);
/* Forget everything; learning still under way is dropped when done. */
void	trust_shutdown(void);

/* Counts, for status and tests. */
struct trust_stats {
	unsigned	suites;		/* verified InRelease files held */
	uint64_t	pool_files;	/* pool files with a hash */
	uint64_t	bad_signatures;
};
void	trust_get_stats(struct trust_stats *);

#endif
