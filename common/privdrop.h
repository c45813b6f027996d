/* SPDX-License-Identifier: ISC */
/*
 * privdrop.h - give up root for good.
 *
 * Both programs that start as root leave it before they read anything
 * untrusted: aptbtd for its configured user once its directories and
 * control socket are made (daemon/privsep.h), the apt method for
 * APT::Sandbox::User after 601 Configuration, as apt's own methods do.
 */
#ifndef APTBT_PRIVDROP_H
#define APTBT_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Look user up: 0 with its uid and primary gid, -ENOENT when there is no
 * such user, or another negative errno (the user database failed).
 */
int	privdrop_lookup(const char *user, uid_t *uid, gid_t *gid);
/*
 * Become user for good: its primary group alone (as apt's own methods
 * do: a supplementary group such as "aptbt" must not follow _apt into
 * the method and give it the daemon's admin rights), its gid, its uid (real, effective and saved), then
 * PR_SET_NO_NEW_PRIVS so that no exec gains privileges, then a check that
 * neither uid 0 nor gid 0 can be had back (a user whose group is root
 * fails it).  no_new_privs is per thread: call before starting any.
 *
 * Nothing to do, and 0, when we are not root or user is NULL, empty or
 * has uid 0 (staying root was asked for).  Otherwise 0, or a negative
 * errno with err set: -ENOENT and lookup failures change nothing; after
 * any other failure the process may be half-switched and the caller must
 * refuse to go on.
 */
int	privdrop(const char *user, char *err, size_t errlen);

#endif
