/* SPDX-License-Identifier: ISC */
/*
 * atomicfile.h - replace a file so that a reader never sees half of it.
 *
 * Every file the programs rewrite in place (the daemon's state, saved
 * torrents, cached metadata, piece maps, mkmeta's published files) goes
 * through here: the new contents are written to a temporary file in the
 * target's own directory, and commit makes them the target:
 *
 *	fsync(temporary)	the new bytes are on disk
 *	rename(temporary, target)	atomic: the name points at old or new
 *	fsync(directory)	the rename itself is on disk
 *
 * Crash story.  Whatever instant the machine dies or the process is
 * killed, a reader of the target afterwards finds either the complete old
 * file (or none, if there was none) or the complete new one, never a mix
 * and never a short file: before the rename the target is untouched, the
 * rename swaps names in one step, and the new bytes were durable before
 * the name pointed at them.  Once commit has returned 0 the new file
 * survives a power loss too.  A crash before the rename can leave the
 * temporary behind (hidden: ".<target>.tmp.XXXXXX"); the directory's
 * owner sweeps those away with atomicfile_sweep when it starts.  Without a crash no temporary is ever left: commit,
 * abort and every failure remove it.
 *
 * The mode given is the file's exact mode (fchmod; the umask does not
 * apply), so a rewrite keeps the mode the file is meant to have.
 * Functions return 0 or a negative errno.  Not for files others write at
 * the same time: the last commit wins.
 */
#ifndef APTBT_ATOMICFILE_H
#define APTBT_ATOMICFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct atomicfile {
	int	fd;			/* the temporary, open for writing */
	int	dfd;			/* the target's directory */
	char	path[PATH_MAX];		/* the target */
	char	tmp[PATH_MAX];		/* the temporary beside it */
};

/*
 * Create the temporary for path with mode.  Write to af->fd directly or
 * with atomicfile_put; then atomicfile_commit or atomicfile_abort, exactly
 * once.  Errors: those of open(2) on path's directory and of creating a
 * file in it (-EACCES, -ENOENT, -EROFS, ...), -ENAMETOOLONG.
 */
int	atomicfile_open(struct atomicfile *, const char *path, mode_t mode);
/* Write all of data at the temporary's offset (retrying short writes). */
int	atomicfile_put(struct atomicfile *, const void *data, size_t len);
/*
 * fsync, rename over the target, fsync the directory; releases af either
 * way.  On failure before the rename the temporary is removed and the
 * target untouched.  A failing directory fsync is reported although the
 * new file is already in place (it may not survive a power loss).
 */
int	atomicfile_commit(struct atomicfile *);
/* Remove the temporary and release af; the target stays as it was. */
void	atomicfile_abort(struct atomicfile *);
/* open + put + commit: the whole of a small file in one call. */
int	atomicfile_write(const char *path, const void *data, size_t len,
	    mode_t mode);
/*
 * Commit a file written elsewhere: fd, already complete under the name
 * from, is fsynced, renamed to to and to's directory fsynced.  For files
 * that are built in another directory than their final one (the cache's
 * partial and tmp folders).  On failure nothing is removed: from is the
 * caller's.
 */
int	atomicfile_rename(int fd, const char *from, const char *to);
/*
 * Remove the temporaries a crash left in dir; only while no atomicfile
 * is open there (at startup).  Returns how many, or a negative errno.
 */
int	atomicfile_sweep(const char *dir);

#endif
