/* SPDX-License-Identifier: ISC */
/*
 * check_atomicfile.c - unit tests for common/atomicfile.c: whole writes,
 * streamed writes, the exact mode across rewrites, abort, the failure
 * paths (the old file is untouched and no temporary is left), committing
 * a file built elsewhere, and sweeping what a crashed writer left.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"

#define NOBODY_UID	65534

static char	dir[64];
static char	target[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_atomicfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/file", dir);
	umask(022);
}

static void
teardown(void)
{
	char	cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The file's contents must be exactly want. */
static void
assert_contents(const char *path, const char *want)
{
	char	buf[256];
	ssize_t	n;
	int	fd;

	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert_int_eq(memcmp(buf, want, (size_t)n), 0);
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* The directory holds only "file" (or nothing): no temporary is left. */
static void
assert_only_target(const char *d, int want_target)
{
	struct dirent	*e;
	DIR		*dp;
	int		 n = 0;

	ck_assert_ptr_nonnull(dp = opendir(d));
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		ck_assert_msg(strcmp(e->d_name, "file") == 0,
		    "stray entry %s", e->d_name);
		n++;
	}
	closedir(dp);
	ck_assert_int_eq(n, want_target);
}

static void
put_old(void)
{
	ck_assert_int_eq(atomicfile_write(target, "old", 3, 0640), 0);
}

START_TEST(test_write)
{
	ck_assert_int_eq(atomicfile_write(target, "hello", 5, 0640), 0);
	assert_contents(target, "hello");
	ck_assert_int_eq(mode_of(target), 0640);
	assert_only_target(dir, 1);
	/* Empty files are files too. */
	ck_assert_int_eq(atomicfile_write(target, "", 0, 0640), 0);
	assert_contents(target, "");
	/* A name relative to the working directory. */
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(atomicfile_write("file", "rel", 3, 0640), 0);
	assert_contents(target, "rel");
	assert_only_target(dir, 1);
}
END_TEST

START_TEST(test_overwrite_mode)
{
	put_old();
	ck_assert_int_eq(mode_of(target), 0640);
	/* The umask does not shave the mode asked for, on a rewrite either. */
	umask(0777);
	ck_assert_int_eq(atomicfile_write(target, "new", 3, 0640), 0);
	umask(022);
	assert_contents(target, "new");
	ck_assert_int_eq(mode_of(target), 0640);
	ck_assert_int_eq(atomicfile_write(target, "newer", 5, 0600), 0);
	ck_assert_int_eq(mode_of(target), 0600);
	assert_only_target(dir, 1);
}
END_TEST

/* Over the old file, begin a new one holding text so far. */
static void
begin_new(struct atomicfile *af, const char *text)
{
	put_old();
	ck_assert_int_eq(atomicfile_open(af, target, 0644), 0);
	ck_assert_int_eq(atomicfile_put(af, text, strlen(text)), 0);
}

START_TEST(test_stream)
{
	struct atomicfile	af;

	begin_new(&af, "new ");
	ck_assert_int_eq(atomicfile_put(&af, "contents", 8), 0);
	/* Until the commit a reader sees the old file, whole. */
	assert_contents(target, "old");
	ck_assert_int_eq(atomicfile_commit(&af), 0);
	assert_contents(target, "new contents");
	ck_assert_int_eq(mode_of(target), 0644);
	assert_only_target(dir, 1);
}
END_TEST

START_TEST(test_abort)
{
	struct atomicfile	af;

	begin_new(&af, "half");
	atomicfile_abort(&af);
	assert_contents(target, "old");
	ck_assert_int_eq(mode_of(target), 0640);
	assert_only_target(dir, 1);
	/* Aborting before anything was written leaves no file at all. */
	ck_assert_int_eq(unlink(target), 0);
	ck_assert_int_eq(atomicfile_open(&af, target, 0644), 0);
	atomicfile_abort(&af);
	assert_only_target(dir, 0);
}
END_TEST

/*
 * Run atomicfile_write in a child, as nobody when we are root (root
 * writes in any directory), and return its result.
 */
static int
write_as_nobody(const char *path)
{
	pid_t	pid;
	int	status;

	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		if (geteuid() == 0 && seteuid(NOBODY_UID) == -1)
			_exit(255);
		_exit(-atomicfile_write(path, "new", 3, 0644));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

START_TEST(test_unwritable_dir)
{
	put_old();
	ck_assert_int_eq(chmod(dir, 0555), 0);
	ck_assert_int_eq(write_as_nobody(target), -EACCES);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	assert_contents(target, "old");
	ck_assert_int_eq(mode_of(target), 0640);
	assert_only_target(dir, 1);
}
END_TEST

START_TEST(test_bad_paths)
{
	char	path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/missing/file", dir);
	ck_assert_int_eq(atomicfile_write(path, "x", 1, 0644), -ENOENT);
	snprintf(path, sizeof(path), "%s/", dir);
	ck_assert_int_eq(atomicfile_write(path, "x", 1, 0644), -EISDIR);
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(atomicfile_write(path, "x", 1, 0644), -ENAMETOOLONG);
	/* The target is a directory with something in it: rename fails. */
	ck_assert_int_eq(mkdir(target, 0755), 0);
	snprintf(path, sizeof(path), "%s/inside", target);
	ck_assert_int_eq(atomicfile_write(path, "in", 2, 0644), 0);
	ck_assert_int_lt(atomicfile_write(target, "x", 1, 0644), 0);
	assert_contents(path, "in");
	assert_only_target(dir, 1);
}
END_TEST

START_TEST(test_long_name)
{
	char	path[PATH_MAX];
	int	n;

	/* A target name too long to prefix and suffix still gets a temporary. */
	n = snprintf(path, sizeof(path), "%s/", dir);
	memset(path + n, 'b', NAME_MAX);
	path[n + NAME_MAX] = '\0';
	ck_assert_int_eq(atomicfile_write(path, "long", 4, 0644), 0);
	assert_contents(path, "long");
	ck_assert_int_eq(unlink(path), 0);
	assert_only_target(dir, 0);
}
END_TEST

START_TEST(test_write_fails)
{
	struct rlimit	rl = { 2, 2 };
	pid_t		pid;
	int		status;

	/* The disk refuses the bytes (here: a file size limit). */
	put_old();
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(255);
		_exit(-atomicfile_write(target, "too long", 8, 0644));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), EFBIG);
	assert_contents(target, "old");
	assert_only_target(dir, 1);
}
END_TEST

START_TEST(test_rename)
{
	char	sub[PATH_MAX], from[PATH_MAX + 8];
	int	fd;

	/* A file built in another directory is committed over the target. */
	put_old();
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(from, sizeof(from), "%s/built", sub);
	ck_assert_int_ge(fd = open(from, O_WRONLY | O_CREAT, 0644), 0);
	ck_assert_int_eq(write(fd, "built", 5), 5);
	ck_assert_int_eq(atomicfile_rename(fd, from, target), 0);
	close(fd);
	assert_contents(target, "built");
	ck_assert_int_eq(access(from, F_OK), -1);
	/* Failure leaves the source where it was: it is the caller's. */
	ck_assert_int_ge(fd = open(from, O_WRONLY | O_CREAT, 0644), 0);
	ck_assert_int_lt(atomicfile_rename(fd, from, sub), 0);
	close(fd);
	ck_assert_int_eq(access(from, F_OK), 0);
	snprintf(sub, sizeof(sub), "%s/missing/x", dir);
	ck_assert_int_eq(atomicfile_rename(fd, from, sub), -ENOENT);
	ck_assert_int_eq(unlink(from), 0);
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	ck_assert_int_eq(rmdir(sub), 0);
	assert_contents(target, "built");
	assert_only_target(dir, 1);
}
END_TEST

/* Make an empty file named name in the test directory. */
static void
touch(const char *name)
{
	char	path[PATH_MAX];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT, 0644), 0);
	close(fd);
}

START_TEST(test_sweep)
{
	static const char *const keep[] = {
		"file",
		".hidden",
		"file.tmp.a1B2c3",	/* not hidden: not ours */
		".tmp.a1B2c3",		/* no target name */
		".file.tmp.a1B2c",	/* too short */
		".file.tmp.a1B-c3",
		".file.tmp",
	};
	struct atomicfile	af;
	pid_t			pid;
	int			status;
	size_t			i;

	/* A writer dies between open and commit. */
	put_old();
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		if (atomicfile_open(&af, target, 0644) < 0 ||
		    atomicfile_put(&af, "half", 4) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 1; i < sizeof(keep) / sizeof(keep[0]); i++)
		touch(keep[i]);
	touch(".x.tmp.zzzzzz");
	ck_assert_int_eq(atomicfile_sweep(dir), 2);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		char	path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, keep[i]);
		ck_assert_msg(access(path, F_OK) == 0, "%s swept", keep[i]);
		if (i > 0)
			ck_assert_int_eq(unlink(path), 0);
	}
	assert_contents(target, "old");
	assert_only_target(dir, 1);
	ck_assert_int_eq(atomicfile_sweep(dir), 0);
	snprintf(target, sizeof(target), "%s/missing", dir);
	ck_assert_int_eq(atomicfile_sweep(target), -ENOENT);
}
END_TEST

static Suite *
atomicfile_suite(void)
{
	Suite	*s = suite_create("atomicfile");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_overwrite_mode);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_unwritable_dir);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_long_name);
	tcase_add_test(tc, test_write_fails);
	tcase_add_test(tc, test_rename);
	tcase_add_test(tc, test_sweep);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(atomicfile_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
