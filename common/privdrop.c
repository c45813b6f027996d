/*
 * privdrop.c - drop root for APT::Sandbox::User.
 *
 * apt starts methods as root and leaves the switch to them, after 601
 * Configuration has named the user.  The order matters: groups first
 * (setgroups needs root), then the gid, then the uid; afterwards getting
 * root back must fail, and no exec may gain privileges.
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
privdrop(const char *user, char *err, size_t errlen)
{
	struct passwd	*pw;
	gid_t		 gid;
	uid_t		 uid;

	if (geteuid() != 0 || user == NULL || *user == '\0' ||
	    strcmp(user, "root") == 0)
		return 0;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "no such user \"%s\"", user);
		return errno != 0 ? -errno : -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot switch to user \"%s\": %s", user,
		    strerror(errno));
		return -errno;
	}
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		snprintf(err, errlen, "could regain root after switching to "
		    "\"%s\"", user);
		return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -errno;
	}
	return 0;
}
