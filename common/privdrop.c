/* SPDX-License-Identifier: ISC */
/*
 * privdrop.c - switch from root to an unprivileged user.
 *
 * The order matters: the groups first (setgroups needs root), then the
 * gid, then the uid.  Afterwards getting root back must fail; a process
 * that could would only look unprivileged, so that is an error too.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/privdrop.h"

int
privdrop_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		return errno != 0 && errno != ENOENT && errno != ESRCH ?
		    -errno : -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
privdrop(const char *user, char *err, size_t errlen)
{
	uid_t	uid;
	gid_t	gid;
	int	rc;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return 0;
	if ((rc = privdrop_lookup(user, &uid, &gid)) == -ENOENT)
		snprintf(err, errlen, "no such user \"%s\"", user);
	else if (rc < 0)
		snprintf(err, errlen, "cannot look up user \"%s\": %s", user,
		    strerror(-rc));
	if (rc < 0)
		return rc;
	if (uid == 0)
		return 0;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		rc = -errno;
		snprintf(err, errlen, "cannot switch to user \"%s\": %s", user,
		    strerror(-rc));
		return rc;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		rc = -errno;
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(-rc));
		return rc;
	}
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1) {
		snprintf(err, errlen, "could regain root after switching to "
		    "\"%s\"", user);
		return -EPERM;
	}
	return 0;
}
