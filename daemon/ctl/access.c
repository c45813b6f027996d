/* SPDX-License-Identifier: ISC */
/*
 * access.c - classify control-socket callers by their credentials.
 *
 * The kernel vouches for the peer's uid and groups (SO_PEERCRED,
 * SO_PEERGROUPS), so no password or token is needed; the only names we
 * need, "_apt" and "aptbt", are resolved ahead of time because NSS lookups
 * may block and must stay off the event loop.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/ctl/access.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59
#endif

#define APT_USER	"_apt"
#define MAX_PEER_GROUPS	256

static uid_t	apt_uid = (uid_t)-1;
static gid_t	aptbt_gid = (gid_t)-1;
static bool	aptbt_gid_known;

void
access_init(const char *admin_group)
{
	struct passwd	*pw;
	struct group	*gr;

	pw = getpwnam(APT_USER);
	apt_uid = pw != NULL ? pw->pw_uid : (uid_t)-1;
	gr = admin_group[0] != '\0' ? getgrnam(admin_group) : NULL;
	aptbt_gid_known = gr != NULL;
	aptbt_gid = gr != NULL ? gr->gr_gid : (gid_t)-1;
	if (!aptbt_gid_known)
		log_info("admin group \"%s\" does not exist; only root may "
		    "change state", admin_group);
}

static bool
peer_in_group(int fd, gid_t primary, gid_t want)
{
	gid_t		groups[MAX_PEER_GROUPS];
	socklen_t	len = sizeof(groups);
	size_t		i;

	if (primary == want)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == want)
			return true;
	return false;
}

enum access_level
access_check(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		return ACCESS_NONE;
	}
	*uid = cred.uid;
	*pid = cred.pid;
	/* The daemon's own user is trusted like root: it owns the state. */
	if (cred.uid == 0 || cred.uid == geteuid())
		return ACCESS_ADMIN;
	if (aptbt_gid_known && peer_in_group(fd, cred.gid, aptbt_gid))
		return ACCESS_ADMIN;
	if (cred.uid == apt_uid)
		return ACCESS_FETCH;
	return ACCESS_READ;
}

bool
access_reserved(uid_t uid)
{
	return uid == 0 || uid == geteuid() || uid == apt_uid;
}

const char *
access_name(enum access_level level)
{
	static const char *const names[] = {
		[ACCESS_NONE] = "none",
		[ACCESS_READ] = "read",
		[ACCESS_FETCH] = "fetch",
		[ACCESS_ADMIN] = "admin",
	};

	return (unsigned)level < sizeof(names) / sizeof(names[0]) ?
	    names[level] : "?";
}
