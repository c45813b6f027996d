/* SPDX-License-Identifier: ISC */
/*
 * cache.h - the content-addressed store of verified files.
 *
 * Layout under cache_dir:
 *   sha256/XX/<64 hex>	complete, verified files, XX = first byte: 0644
 *			when public, not world-readable when private
 *   partial/<hex>.part	downloads in progress, by expected SHA-256
 *   partial/<hex>.map	their persisted piece maps (common/atomicfile.h)
 *   tmp/		files with no expected hash, unlinked once opened,
 *			and copies of small downloads on their way in
 *
 * A small download (one piece) lives in an anonymous memory file until it
 * is verified: nothing on disk to create, resume or clean up while it
 * comes in; its commit copies it into tmp/, then on into sha256/.
 *
 * A file enters sha256/ only after its whole-file SHA-256 matched, then
 * fsync, rename and an fsync of the directory: after a crash an entry is
 * either complete or absent.  The in-memory index (a hash table with an
 * LRU list) is rebuilt by a scan at startup; quota overflow evicts the
 * least recently used entries that nobody is using.
 *
 * Public and private: only a public entry is offered to peers (the
 * observer hears of public entries only).  Downloads are public (the apt
 * method never sends a request made with credentials to the daemon); an
 * import is public only when req-import.c says so.  The mark is the file's
 * mode, so it survives restarts with nothing else to keep: a private file
 * has no world-read bit (an imported 0600 file stays 0600).
 *
 * Index functions run on the event loop.  The functions marked "worker"
 * block on the disk and are only called from worker jobs (workers.h).
 */
#ifndef APTBTD_CACHE_H
#define APTBTD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/hash.h"

struct piecemap;

struct cache_entry {
	uint8_t		 sha256[SHA256_LEN];
	uint64_t	 size;
	time_t		 atime;
	unsigned	 pins;		/* in use: never evicted */
	bool		 private;	/* for this machine only, never shared */
};

struct cache_stats {
	uint64_t	 count;
	uint64_t	 bytes;
	uint64_t	 quota;
	bool		 scanned;	/* the startup scan has finished */
};

/* Create the directories and start the scan on the workers. */
int	 cache_init(const char *dir, uint64_t quota);
void	 cache_shutdown(void);
void	 cache_set_quota(uint64_t);
void	 cache_get_stats(struct cache_stats *);
const char *cache_root(void);

/*
 * Be told when a public entry enters or leaves the index (loop thread),
 * so the peer side can announce what this machine can share; a private
 * entry made public counts as entering.
 */
void	 cache_set_observer(void (*)(const uint8_t *sha256, uint64_t size,
	    bool present));

/* Index (loop thread). */
struct cache_entry *cache_lookup(const uint8_t *sha256);
/*
 * Add or refresh an entry, then evict over quota; NULL on ENOMEM.  A
 * private entry becomes public when it is added again as public (its file
 * was replaced by a download); a public one never becomes private.
 */
struct cache_entry *cache_add(const uint8_t *sha256,
	    uint64_t size, time_t atime, bool private);
void	 cache_touch(struct cache_entry *);
void	 cache_pin(struct cache_entry *);
void	 cache_unpin(struct cache_entry *);
/* Forget an entry whose file turned out to be missing. */
void	 cache_forget(const uint8_t *sha256);
/* Remove an entry and its file: 0, -ENOENT, or -EBUSY when pinned. */
int	 cache_remove(const uint8_t *sha256);
/* Entries from the most to the least recently used; stop when cb is false. */
void	 cache_foreach(bool (*cb)(const struct cache_entry *, void *),
	    void *arg);
/* Evict least recently used, unpinned entries until under quota. */
void	 cache_evict(void);

/* Paths. */
void	 cache_entry_path(const uint8_t *sha256, char *, size_t);
void	 cache_part_path(const uint8_t *sha256, const char *ext,
	    char *, size_t);

/*
 * Disk (worker threads).  All return 0 or a negative errno.
 */
/* Open a complete entry read-only; *size from fstat.  Marks its atime. */
int	 cache_open_entry(const uint8_t *sha256, int *fd,
	    uint64_t *size);
/*
 * Open or create the part file: *rw for writing, *ro a separate read-only
 * open file description for a reader.  Recreates vanished directories.
 */
int	 cache_part_open(const uint8_t *sha256, int *rw, int *ro);
/* Load the persisted map; -ENOENT if none or it does not fit size. */
int	 cache_map_load(const uint8_t *sha256, struct piecemap *,
	    uint64_t size);
/* Make the data durable, then replace the map atomically. */
int	 cache_map_save(const uint8_t *sha256,
	    const struct piecemap *, int partfd);
/* Remove the part file and its map. */
void	 cache_part_discard(const uint8_t *sha256);
/* The SHA-256 of partfd's first size bytes (-EBADMSG if it is shorter). */
int	 cache_part_hash(int partfd, uint64_t size,
	    uint8_t got[SHA256_LEN]);
/*
 * Verify partfd holds size bytes hashing to sha256 (-EBADMSG if not),
 * fsync, rename into sha256/, fsync the directory, drop the map.
 */
/* The same with the file's SHA-256 already computed. */
int	 cache_part_commit_hashed(const uint8_t *sha256, int partfd,
	    uint64_t size, const uint8_t *got);
int	 cache_part_commit(const uint8_t *sha256, int partfd,
	    uint64_t size);
/*
 * Copy a small verified download from memfd into the store: into tmp/,
 * fsync, rename into sha256/, fsync the directory; -EBADMSG when it does
 * not hold size bytes hashing to sha256 (got: its SHA-256).
 */
int	 cache_mem_commit(const uint8_t *sha256, int memfd, uint64_t size,
	    const uint8_t *got);
/* An anonymous memory file (no disk): its descriptor, or -errno. */
int	 cache_mem_open(void);
/* An anonymous temporary file for data with no expected hash. */
int	 cache_tmp_open(int *rw, int *ro);
/*
 * Hash a regular file and copy it into the store (import).  is_public
 * (called on the worker with the hash) says whether the copy is public:
 * then it is made 0644, else it keeps the original's mode without any
 * world bit (0600 stays 0600, 0644 becomes 0640).  *private tells which.
 */
int	 cache_import_file(const char *path, uint8_t *sha256,
	    uint64_t *size, bool *existed,
	    bool (*is_public)(const uint8_t *sha256, void *), void *arg,
	    bool *private);
/* Reopen an fd read-only as a new open file description. */
int	 reopen_ro(int fd);

#endif
