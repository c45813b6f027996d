/* SPDX-License-Identifier: ISC */
/*
 * privsep.c - create the daemon's directories and drop root.
 *
 * The daemon parses untrusted input from peers, trackers and mirrors; it
 * must never do so as root.  Dropping happens after the directories are
 * made and the control socket is bound, the only steps that may need root;
 * main.c then calls common/privdrop.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/privdrop.h"
#include "daemon/privsep.h"

int
privsep_lookup(const char *user, uid_t *uid, gid_t *gid, int *drop)
{
	int	rc;

	*drop = 0;
	*uid = geteuid();
	*gid = getegid();
	if (user == NULL || user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((rc = privdrop_lookup(user, uid, gid)) == -ENOENT) {
		log_warnx("user \"%s\" does not exist: create it "
		    "(systemd-sysusers) or set \"user\" in the configuration",
		    user);
		return -1;
	}
	if (rc < 0) {
		log_warnx("cannot look up user \"%s\": %s", user,
		    strerror(-rc));
		return -1;
	}
	*drop = *uid != 0;
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
