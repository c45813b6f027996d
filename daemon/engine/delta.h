/* SPDX-License-Identifier: ISC */
/*
 * delta.h - a new file built from related local data before it is
 * fetched (doc/blocks.md).
 *
 * When a job's suite publishes a block list for its file, and an older
 * version of the same package file lies in the daemon's own cache (the
 * names it keeps, base/names.h) or in one of the delta_dirs (for an
 * index: the file apt keeps of the same URL, or for one fetched by hash
 * the plain list files of its directory), the job's pieces are first
 * built from it: the list (fetched beside the torrent) is matched over
 * the candidates with the rolling sum (common/blockmatch.h), each hit
 * confirmed by the strong sum, matched blocks written into the job's
 * file.  Pieces found whole are handed to the picker as stored
 * (verified against the torrent's SHA-1 when the torrent is known, else
 * left to the file's SHA-256); pieces found in part are handed to it
 * with their missing extents (picker_piece_partial), so peers and
 * mirrors alike fetch only those; pieces with nothing local are the
 * picker's as in any job.  Nothing here is trusted: the file still
 * reaches apt only once its SHA-256 matches, and a delta is tried on a
 * job's first attempt only.
 *
 * Engine-private, like job.h.
 */
#ifndef APTBTD_DELTA_H
#define APTBTD_DELTA_H

#include <stdbool.h>
#include <stdint.h>

struct job;

/*
 * Start the delta phase of a job whose file and picker are open and
 * which has nothing yet.  True when it started: it holds a reference and
 * calls job_run(j) when done, whatever happened.  False when there is
 * nothing to try (no suite, no candidate, compressed data, a retry):
 * the caller runs the job itself.
 */
bool	delta_start(struct job *j);

/*
 * At shutdown, once the workers are gone: drop the deltas still waiting
 * for the network, without running their jobs.
 */
void	delta_shutdown(void);

#endif
