/* SPDX-License-Identifier: ISC */
/*
 * access.h - who may do what over the control socket.
 *
 * The caller is identified by SO_PEERCRED and SO_PEERGROUPS when it
 * connects.  User and group ids are resolved when the configuration is
 * loaded, never on the event loop, since a name lookup may block (NSS).
 */
#ifndef APTBTD_ACCESS_H
#define APTBTD_ACCESS_H

#include <sys/types.h>

#include <stdbool.h>

enum access_level {
	ACCESS_NONE,	/* may not connect */
	ACCESS_READ,	/* read-only queries: status, files, peers */
	ACCESS_FETCH,	/* and downloads: root, _apt, group aptbt */
	ACCESS_ADMIN,	/* and state changes: root, group aptbt */
};

/* Resolve the ids of the "_apt" user and the admin group (startup, reload). */
void	access_init(const char *admin_group);
/* Classify a connected Unix socket's peer; fills uid for logging. */
enum access_level access_check(int fd, uid_t *uid, pid_t *pid);
const char *access_name(enum access_level);
/*
 * Is uid one of the callers the control socket keeps slots for: root,
 * the daemon's own user and apt's "_apt" (apt must never be shut out)?
 */
bool	access_reserved(uid_t uid);

#endif
