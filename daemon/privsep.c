/*
 * privsep.c - create the daemon's directories and drop root.
 *
 * The daemon parses untrusted input from peers, trackers and mirrors; it
 * must never do so as root.  Dropping happens after the directories are
 * made and the control socket is bound, the only steps that may need root.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/privsep.h"

int
privsep_lookup(const char *user, uid_t *uid, gid_t *gid, int *drop)
{
	struct passwd	*pw;

	*drop = 0;
	*uid = geteuid();
	*gid = getegid();
	if (user == NULL || user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("user \"%s\" does not exist: create it "
		    "(systemd-sysusers) or set \"user\" in the configuration",
		    user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	*drop = pw->pw_uid != 0;
	return 0;
}

int
privsep_mkdir(const char *path, mode_t mode, uid_t uid, gid_t gid,
    int chown_it)
{
	char	buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	/* Parents: plain 0755, owned by whoever made them. */
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	if (chown_it && chown(buf, uid, gid) == -1)
		return -1;
	return 0;
}

int
privsep_drop(const char *user, uid_t uid, gid_t gid)
{
	if (initgroups(user, gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_warn("cannot drop privileges to %s", user);
		return -1;
	}
	if (setuid(0) != -1) {
		log_warnx("still able to regain root after dropping to %s",
		    user);
		return -1;
	}
	log_info("running as user %s", user);
	return 0;
}
