/* SPDX-License-Identifier: ISC */
/*
 * privsep.h - directories and privileges at startup.
 *
 * Under systemd the unit gives the daemon its own user and directories.
 * Started by hand as root, the daemon makes the same directories, binds
 * its socket, and then gives up root for the configured user before it
 * reads anything from the network (common/privdrop.h does the switch).
 */
#ifndef APTBTD_PRIVSEP_H
#define APTBTD_PRIVSEP_H

#include <sys/types.h>

/*
 * Look up the user to run as ("" or NULL: stay as we are, also when not
 * root).  Returns 0 and fills uid/gid, with *drop set when common/privdrop
 * will switch to them, or -1 with a message logged.
 */
int	privsep_lookup(const char *user, uid_t *uid, gid_t *gid, int *drop);
/* mkdir -p path with mode, owned by uid:gid when we are root. */
int	privsep_mkdir(const char *path, mode_t mode, uid_t, gid_t, int chown_it);

#endif
