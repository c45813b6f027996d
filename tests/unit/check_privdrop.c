/* SPDX-License-Identifier: ISC */
/*
 * check_privdrop.c - unit tests for common/privdrop.c: a drop to "nobody"
 * leaves no way back to root (ids, groups, no_new_privs), a drop to a
 * user that does not exist changes nothing, and the cases that stay root
 * on purpose.  Each drop runs in a child, which reports the first check
 * that failed through a pipe.  Needs root: skipped (77) otherwise.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/privdrop.h"

#define SKIP		77
#define NGROUPS_WANT	64

/* One check a child makes on itself. */
struct probe {
	const char	*what;
	bool		 ok;
};

/* Run fn in a child and fail with the name of its first failed probe. */
static void
in_child(size_t (*fn)(struct probe *, size_t), const char *name)
{
	struct probe	probes[16];
	char		failed[64] = "";
	size_t		n, i;
	ssize_t		len;
	pid_t		pid;
	int		status, fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(fds[0]);
		n = fn(probes, sizeof(probes) / sizeof(probes[0]));
		for (i = 0; i < n && probes[i].ok; i++)
			;
		if (i < n)
			snprintf(failed, sizeof(failed), "%s", probes[i].what);
		len = (ssize_t)strlen(failed) + 1;
		_exit(write(fds[1], failed, (size_t)len) == len ? 0 : 1);
	}
	close(fds[1]);
	len = read(fds[0], failed, sizeof(failed) - 1);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_gt(len, 0);
	ck_assert_msg(failed[0] == '\0', "%s: %s failed", name, failed);
}

/* Whether this process's only group is gid, as apt's methods keep. */
static bool
groups_are_only(gid_t gid)
{
	gid_t	have[NGROUPS_WANT];
	int	n;

	n = getgroups(NGROUPS_WANT, have);
	return n == 1 && have[0] == gid;
}

static size_t
drop_nobody(struct probe *p, size_t max)
{
	struct passwd	*pw;
	char		 err[256];
	uid_t		 uid;
	gid_t		 gid;
	size_t		 n = 0;

	(void)max;
	pw = getpwnam("nobody");
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	p[n++] = (struct probe){ "privdrop", privdrop("nobody", err,
	    sizeof(err)) == 0 };
	p[n++] = (struct probe){ "getuid", getuid() == uid };
	p[n++] = (struct probe){ "geteuid", geteuid() == uid };
	p[n++] = (struct probe){ "getgid", getgid() == gid };
	p[n++] = (struct probe){ "getegid", getegid() == gid };
	p[n++] = (struct probe){ "groups", groups_are_only(gid) };
	p[n++] = (struct probe){ "no_new_privs",
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 };
	p[n++] = (struct probe){ "setuid(0)", setuid(0) == -1 &&
	    errno == EPERM };
	p[n++] = (struct probe){ "setgid(0)", setgid(0) == -1 &&
	    errno == EPERM };
	p[n++] = (struct probe){ "still nobody", getuid() == uid &&
	    geteuid() == uid };
	return n;
}

START_TEST(test_drop)
{
	ck_assert_ptr_nonnull(getpwnam("nobody"));
	in_child(drop_nobody, "drop to nobody");
}
END_TEST

/* Everything privdrop may change, to compare before and after. */
struct ids {
	uid_t	uid, euid;
	gid_t	gid, egid;
	int	ngroups;
	gid_t	groups[NGROUPS_WANT];
	int	nnp;
};

static void
ids_get(struct ids *s)
{
	memset(s, 0, sizeof(*s));
	s->uid = getuid();
	s->euid = geteuid();
	s->gid = getgid();
	s->egid = getegid();
	s->ngroups = getgroups(NGROUPS_WANT, s->groups);
	s->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

static size_t
drop_unknown(struct probe *p, size_t max)
{
	struct ids	before, after;
	char		err[256] = "";
	size_t		n = 0;

	(void)max;
	ids_get(&before);
	p[n++] = (struct probe){ "-ENOENT", privdrop("aptbt-no-such-user",
	    err, sizeof(err)) == -ENOENT };
	p[n++] = (struct probe){ "message", strstr(err,
	    "aptbt-no-such-user") != NULL };
	ids_get(&after);
	p[n++] = (struct probe){ "unchanged",
	    memcmp(&before, &after, sizeof(before)) == 0 };
	p[n++] = (struct probe){ "root", geteuid() == 0 };
	return n;
}

START_TEST(test_unknown_user)
{
	in_child(drop_unknown, "drop to a user that does not exist");
}
END_TEST

static size_t
stay_root(struct probe *p, size_t max)
{
	static const char *const users[] = { NULL, "", "root" };
	struct ids	before, after;
	char		err[256];
	size_t		n = 0, i;

	ids_get(&before);
	for (i = 0; i < sizeof(users) / sizeof(users[0]) && n < max; i++)
		p[n++] = (struct probe){ "stays root",
		    privdrop(users[i], err, sizeof(err)) == 0 };
	ids_get(&after);
	p[n++] = (struct probe){ "unchanged",
	    memcmp(&before, &after, sizeof(before)) == 0 };
	return n;
}

START_TEST(test_stay_root)
{
	in_child(stay_root, "no user, or root");
}
END_TEST

START_TEST(test_lookup)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	ck_assert_int_eq(privdrop_lookup("nobody", &uid, &gid), 0);
	ck_assert_int_eq(uid, pw->pw_uid);
	ck_assert_int_eq(gid, pw->pw_gid);
	ck_assert_int_eq(privdrop_lookup("aptbt-no-such-user", &uid, &gid),
	    -ENOENT);
}
END_TEST

static Suite *
privdrop_suite(void)
{
	Suite	*s = suite_create("privdrop");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_unknown_user);
	tcase_add_test(tc, test_stay_root);
	tcase_add_test(tc, test_lookup);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (geteuid() != 0) {
		printf("check_privdrop: skipped: dropping privileges needs "
		    "root\n");
		return SKIP;
	}
	sr = srunner_create(privdrop_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
