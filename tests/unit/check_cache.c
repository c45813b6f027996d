/* SPDX-License-Identifier: ISC */
/*
 * check_cache.c - unit tests for daemon/base/cache.c and daemon/base/workers.c:
 * commit and verification (of part files and of memory files), resuming a
 * part file from its persisted map,
 * LRU eviction under the quota (pinned entries stay), the startup scan,
 * a new scan after the directory was removed under us,
 * import, and a consistent cache after errors.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "common/hash.h"
#include "daemon/base/cache.h"
#include "daemon/base/pieces.h"
#include "daemon/base/workers.h"

static struct event_base	*base;
static char			 top[64];
static char			 dir[128];

/* Run the loop until the workers are idle and the scan is done. */
static void
settle(void)
{
	struct cache_stats	st;
	int			i;

	for (i = 0; i < 5000; i++) {
		cache_get_stats(&st);
		if (workers_pending() == 0 && st.scanned)
			return;
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_abort_msg("the workers did not settle");
}

static void
setup(void)
{
	snprintf(top, sizeof(top), "/tmp/check_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/cache", top);
	evthread_use_pthreads();
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_int_eq(workers_init(base, 2), 0);
	ck_assert_int_eq(cache_init(dir, 1ULL << 30), 0);
	settle();
}

static void
teardown(void)
{
	char	cmd[256];

	workers_shutdown();
	cache_shutdown();
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", top, top);
	ck_assert_int_eq(system(cmd), 0);
}

static void
fill(uint8_t *buf, size_t len, unsigned seed)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 9));
}

/* A complete entry of len bytes with content seed, on disk and indexed. */
static void
put_entry(unsigned seed, size_t len, uint8_t sha[SHA256_LEN])
{
	uint8_t	*buf = malloc(len);
	int	 rw, ro;

	ck_assert_ptr_nonnull(buf);
	fill(buf, len, seed);
	sha256(buf, len, sha);
	ck_assert_int_eq(cache_part_open(sha, &rw, &ro), 0);
	ck_assert_int_eq(pwrite(rw, buf, len, 0), (ssize_t)len);
	ck_assert_int_eq(cache_part_commit(sha, rw, len), 0);
	ck_assert_ptr_nonnull(cache_add(sha, len, time(NULL), false));
	close(rw);
	close(ro);
	free(buf);
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

START_TEST(test_commit)
{
	uint8_t		buf[5000], sha[SHA256_LEN], bad[SHA256_LEN];
	char		path[PATH_MAX], part[PATH_MAX];
	struct stat	st;
	int		rw, ro;

	fill(buf, sizeof(buf), 1);
	sha256(buf, sizeof(buf), sha);
	memcpy(bad, sha, sizeof(bad));
	bad[0] ^= 1;

	/* A wrong expected hash: nothing enters the store. */
	ck_assert_int_eq(cache_part_open(bad, &rw, &ro), 0);
	ck_assert_int_eq(pwrite(rw, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_int_eq(cache_part_commit(bad, rw, sizeof(buf)), -EBADMSG);
	cache_entry_path(bad, path, sizeof(path));
	ck_assert(!exists(path));
	/* A short file is no match either. */
	ck_assert_int_eq(cache_part_commit(bad, rw, sizeof(buf) + 1), -EBADMSG);
	close(rw);
	close(ro);
	cache_part_discard(bad);
	cache_part_path(bad, ".part", part, sizeof(part));
	ck_assert(!exists(part));

	/* The right one lands in sha256/XX/<hex>, 0644, with its bytes. */
	ck_assert_int_eq(cache_part_open(sha, &rw, &ro), 0);
	ck_assert_int_eq(pwrite(rw, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_int_eq(cache_part_commit(sha, rw, sizeof(buf)), 0);
	cache_entry_path(sha, path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(buf));
	cache_part_path(sha, ".part", part, sizeof(part));
	ck_assert(!exists(part));
	/* The reader's descriptor is read-only and still valid. */
	ck_assert_int_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_int_eq(write(ro, "x", 1), -1);
	close(rw);
	close(ro);
}
END_TEST

START_TEST(test_resume)
{
	struct piecemap	pm, back;
	uint8_t		sha[SHA256_LEN], *buf;
	uint64_t	size = 4 * PIECE_DEFAULT + 5;
	char		map[PATH_MAX];
	int		rw, ro, fd;

	memset(sha, 0xab, sizeof(sha));
	ck_assert_ptr_nonnull(buf = malloc(size));
	fill(buf, size, 2);
	ck_assert_int_eq(cache_part_open(sha, &rw, &ro), 0);
	ck_assert_int_eq(piecemap_init(&pm, size), 0);
	ck_assert_uint_eq(pm.npieces, 5);
	ck_assert_int_eq(pwrite(rw, buf, PIECE_DEFAULT, 0), PIECE_DEFAULT);
	ck_assert_int_eq(pwrite(rw, buf + 3 * PIECE_DEFAULT, PIECE_DEFAULT,
	    3 * PIECE_DEFAULT), PIECE_DEFAULT);
	piecemap_set(&pm, 0);
	piecemap_set(&pm, 3);
	ck_assert_int_eq(cache_map_save(sha, &pm, rw), 0);
	/* The process dies: descriptors close, the memory is gone. */
	close(rw);
	close(ro);
	piecemap_free(&pm);

	ck_assert_int_eq(cache_map_load(sha, &back, size), 0);
	ck_assert_uint_eq(back.nhave, 2);
	ck_assert(piecemap_has(&back, 0));
	ck_assert(!piecemap_has(&back, 1));
	ck_assert(piecemap_has(&back, 3));
	ck_assert_uint_eq(piecemap_prefix(&back), PIECE_DEFAULT);
	piecemap_free(&back);

	/* A map for another size is not ours to trust. */
	ck_assert_int_eq(cache_map_load(sha, &back, size + 1), -ENOENT);
	piecemap_free(&back);
	/* Nor a truncated one. */
	cache_part_path(sha, ".map", map, sizeof(map));
	ck_assert_int_ge(fd = open(map, O_WRONLY), 0);
	ck_assert_int_eq(ftruncate(fd, 10), 0);
	close(fd);
	ck_assert_int_eq(cache_map_load(sha, &back, size), -ENOENT);
	piecemap_free(&back);
	free(buf);
}
END_TEST

START_TEST(test_lru)
{
	uint8_t			 a[SHA256_LEN], b[SHA256_LEN], c[SHA256_LEN];
	char			 pa[PATH_MAX], pc[PATH_MAX];
	struct cache_stats	 st;
	struct cache_entry	*e;

	put_entry(10, 1000, a);
	put_entry(11, 1000, b);
	put_entry(12, 1000, c);
	cache_get_stats(&st);
	ck_assert_uint_eq(st.count, 3);
	ck_assert_uint_eq(st.bytes, 3000);

	/* Use a (most recent), pin b (in use): c is the one to go. */
	cache_touch(cache_lookup(a));
	cache_pin(e = cache_lookup(b));
	cache_set_quota(2000);
	settle();
	ck_assert_ptr_nonnull(cache_lookup(a));
	ck_assert_ptr_nonnull(cache_lookup(b));
	ck_assert_ptr_null(cache_lookup(c));
	cache_entry_path(c, pc, sizeof(pc));
	ck_assert(!exists(pc));

	/* Under a tiny quota only the pinned entry survives. */
	cache_set_quota(10);
	settle();
	ck_assert_ptr_null(cache_lookup(a));
	ck_assert_ptr_nonnull(cache_lookup(b));
	cache_entry_path(a, pa, sizeof(pa));
	ck_assert(!exists(pa));
	ck_assert_int_eq(cache_remove(b), -EBUSY);
	cache_unpin(e);
	ck_assert_int_eq(cache_remove(b), 0);
	ck_assert_int_eq(cache_remove(b), -ENOENT);
	cache_get_stats(&st);
	ck_assert_uint_eq(st.count, 0);
	ck_assert_uint_eq(st.bytes, 0);
}
END_TEST

START_TEST(test_scan)
{
	uint8_t			 a[SHA256_LEN], b[SHA256_LEN];
	char			 stray[PATH_MAX], other[PATH_MAX];
	char			 orphan[PATH_MAX];
	struct cache_stats	 st;
	FILE			*f;

	put_entry(20, 777, a);
	put_entry(21, 100000, b);
	snprintf(stray, sizeof(stray), "%s/tmp/dl.leftover", dir);
	ck_assert_ptr_nonnull(f = fopen(stray, "w"));
	fclose(f);
	snprintf(orphan, sizeof(orphan), "%s/partial/%064d.part", dir, 0);
	ck_assert_ptr_nonnull(f = fopen(orphan, "w"));
	fclose(f);
	snprintf(other, sizeof(other), "%s/sha256/README", dir);
	ck_assert_ptr_nonnull(f = fopen(other, "w"));
	fclose(f);

	/* Restart: the index comes back from the disk alone. */
	settle();
	cache_shutdown();
	ck_assert_int_eq(cache_init(dir, 1ULL << 30), 0);
	settle();
	cache_get_stats(&st);
	ck_assert_uint_eq(st.count, 2);
	ck_assert_uint_eq(st.bytes, 100777);
	ck_assert_ptr_nonnull(cache_lookup(a));
	ck_assert_uint_eq(cache_lookup(b)->size, 100000);
	ck_assert(!exists(stray));
	ck_assert(!exists(orphan));	/* a part without its map */
	ck_assert(exists(other));
}
END_TEST

/*
 * The cache directory removed under us: the first write that misses it
 * makes it again, and the next look at the index starts a scan that drops
 * the entries that went with it, but not one in use nor one added since,
 * and does not sweep the part files of downloads in progress.
 */
START_TEST(test_removed)
{
	uint8_t			 a[SHA256_LEN], b[SHA256_LEN], d[SHA256_LEN];
	uint8_t			 e[SHA256_LEN], p[SHA256_LEN];
	char			 cmd[256], part[PATH_MAX];
	struct cache_stats	 st;
	int			 rw, ro;

	put_entry(40, 1000, a);
	put_entry(41, 2000, b);
	cache_pin(cache_lookup(b));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	/* Nothing wrote yet: nothing is known to be lost. */
	cache_get_stats(&st);
	ck_assert(st.scanned);
	ck_assert_uint_eq(st.count, 2);

	put_entry(42, 3000, d);		/* makes the directories again */
	memset(p, 0x5a, sizeof(p));
	ck_assert_int_eq(cache_part_open(p, &rw, &ro), 0);
	ck_assert_int_eq(pwrite(rw, "x", 1, 0), 1);
	cache_get_stats(&st);
	ck_assert(!st.scanned);		/* the new scan is under way */
	put_entry(43, 4000, e);		/* added while it runs */
	settle();
	ck_assert_ptr_null(cache_lookup(a));
	ck_assert_ptr_nonnull(cache_lookup(b));	/* pinned: left alone */
	ck_assert_ptr_nonnull(cache_lookup(d));
	ck_assert_ptr_nonnull(cache_lookup(e));
	cache_get_stats(&st);
	ck_assert_uint_eq(st.count, 3);
	ck_assert_uint_eq(st.bytes, 9000);
	cache_part_path(p, ".part", part, sizeof(part));
	ck_assert(exists(part));
	close(rw);
	close(ro);
	cache_unpin(cache_lookup(b));

	/* Once settled, no further scan without a further loss. */
	cache_get_stats(&st);
	ck_assert(st.scanned);
}
END_TEST

static bool
yes(const uint8_t *sha, void *arg)
{
	return true;
}

static bool
no(const uint8_t *sha, void *arg)
{
	return false;
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

START_TEST(test_import)
{
	uint8_t		buf[3000], want[SHA256_LEN], got[SHA256_LEN];
	char		src[PATH_MAX], path[PATH_MAX];
	uint64_t	size;
	bool		existed, priv;
	FILE		*f;

	fill(buf, sizeof(buf), 30);
	sha256(buf, sizeof(buf), want);
	snprintf(src, sizeof(src), "%s/pkg_1.0_all.deb", top);
	ck_assert_ptr_nonnull(f = fopen(src, "w"));
	ck_assert_uint_eq(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
	fclose(f);
	ck_assert_int_eq(chmod(src, 0644), 0);
	ck_assert_int_eq(cache_import_file(src, got, &size, &existed, yes,
	    NULL, &priv), 0);
	ck_assert_mem_eq(got, want, SHA256_LEN);
	ck_assert_uint_eq(size, sizeof(buf));
	ck_assert(!existed);
	ck_assert(!priv);
	cache_entry_path(want, path, sizeof(path));
	ck_assert(exists(path));
	ck_assert_uint_eq(mode_of(path), 0644);
	ck_assert_int_eq(cache_import_file(src, got, &size, &existed, yes,
	    NULL, &priv), 0);
	ck_assert(existed);
	/* Not a regular file. */
	ck_assert_int_lt(cache_import_file(top, got, &size, &existed, yes,
	    NULL, &priv), 0);
}
END_TEST

/* A private import keeps its mode without world bits, whatever the hash. */
START_TEST(test_import_private)
{
	uint8_t		buf[2000], want[SHA256_LEN], got[SHA256_LEN];
	char		src[PATH_MAX], path[PATH_MAX];
	uint64_t	size;
	bool		existed, priv;
	FILE		*f;
	int		i;
	static const struct {
		mode_t	 mode;
		bool	 listed;
		mode_t	 want;
		bool	 priv;
	} cases[] = {
		{ 0600, true, 0600, true },	/* its owner's: never public */
		{ 0640, true, 0640, true },
		{ 0644, false, 0640, true },	/* apt never vouched for it */
		{ 0644, true, 0644, false },
	};

	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		fill(buf, sizeof(buf), 40 + i);
		sha256(buf, sizeof(buf), want);
		snprintf(src, sizeof(src), "%s/secret%d", top, i);
		ck_assert_ptr_nonnull(f = fopen(src, "w"));
		ck_assert_uint_eq(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
		fclose(f);
		ck_assert_int_eq(chmod(src, cases[i].mode), 0);
		ck_assert_int_eq(cache_import_file(src, got, &size, &existed,
		    cases[i].listed ? yes : no, NULL, &priv), 0);
		ck_assert(!existed);
		ck_assert(priv == cases[i].priv);
		cache_entry_path(want, path, sizeof(path));
		ck_assert_uint_eq(mode_of(path), cases[i].want);
	}
}
END_TEST

START_TEST(test_errors)
{
	uint8_t		buf[4096], sha[SHA256_LEN];
	char		hex[2 * SHA256_LEN + 1], blocker[PATH_MAX];
	char		part[PATH_MAX], cmd[PATH_MAX + 16];
	struct stat	st;
	int		rw, ro;
	FILE		*f;

	/* sha256/XX cannot be made: the commit fails, the part stays. */
	fill(buf, sizeof(buf), 40);
	sha256(buf, sizeof(buf), sha);
	hex_encode(sha, SHA256_LEN, hex);
	snprintf(blocker, sizeof(blocker), "%s/sha256/%.2s", dir, hex);
	ck_assert_ptr_nonnull(f = fopen(blocker, "w"));
	fclose(f);
	ck_assert_int_eq(cache_part_open(sha, &rw, &ro), 0);
	ck_assert_int_eq(pwrite(rw, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_int_lt(cache_part_commit(sha, rw, sizeof(buf)), 0);
	ck_assert_ptr_null(cache_lookup(sha));
	cache_part_path(sha, ".part", part, sizeof(part));
	ck_assert(exists(part));
	/* Once the obstacle is gone the same part commits. */
	ck_assert_int_eq(unlink(blocker), 0);
	ck_assert_int_eq(cache_part_commit(sha, rw, sizeof(buf)), 0);
	close(rw);
	close(ro);

	/* The whole cache directory vanishes: it is made again. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	sha[0] ^= 1;
	ck_assert_int_eq(cache_part_open(sha, &rw, &ro), 0);
	close(rw);
	close(ro);

	/* A file with no hash is anonymous from the start. */
	ck_assert_int_eq(cache_tmp_open(&rw, &ro), 0);
	ck_assert_int_eq(fstat(rw, &st), 0);
	ck_assert_uint_eq(st.st_nlink, 0);
	ck_assert_int_eq(write(rw, "abc", 3), 3);
	ck_assert_int_eq(pread(ro, buf, 3, 0), 3);
	ck_assert_int_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(rw);
	close(ro);

	/* Without write permission (only meaningful when not root). */
	if (geteuid() != 0) {
		snprintf(part, sizeof(part), "%s/partial", dir);
		ck_assert_int_eq(chmod(part, 0555), 0);
		sha[0] ^= 2;
		ck_assert_int_eq(cache_part_open(sha, &rw, &ro), -EACCES);
		ck_assert_int_eq(chmod(part, 0755), 0);
	}
}
END_TEST

START_TEST(test_mem_commit)
{
	uint8_t		buf[7000], sha[SHA256_LEN], bad[SHA256_LEN], back[7000];
	char		path[PATH_MAX], part[PATH_MAX], cmd[PATH_MAX + 64];
	struct stat	st;
	int		fd, rw, ro;

	fill(buf, sizeof(buf), 3);
	sha256(buf, sizeof(buf), sha);
	memcpy(bad, sha, sizeof(bad));
	bad[5] ^= 1;
	ck_assert_int_ge(fd = cache_mem_open(), 0);
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));

	/* The digest must be the expected hash, the size the file's. */
	ck_assert_int_eq(cache_mem_commit(bad, fd, sizeof(buf), sha),
	    -EBADMSG);
	ck_assert_int_eq(cache_mem_commit(sha, fd, sizeof(buf), bad),
	    -EBADMSG);
	ck_assert_int_eq(cache_mem_commit(sha, fd, sizeof(buf) - 1, sha),
	    -EBADMSG);
	cache_entry_path(sha, path, sizeof(path));
	ck_assert(!exists(path));

	/* A part file left from an earlier attempt goes with the commit. */
	ck_assert_int_eq(cache_part_open(sha, &rw, &ro), 0);
	close(rw);
	close(ro);
	cache_part_path(sha, ".part", part, sizeof(part));
	ck_assert(exists(part));
	ck_assert_int_eq(cache_mem_commit(sha, fd, sizeof(buf), sha), 0);
	close(fd);
	ck_assert(!exists(part));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(buf));
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	ck_assert_int_eq(read(fd, back, sizeof(back)), (ssize_t)sizeof(back));
	ck_assert_mem_eq(back, buf, sizeof(buf));
	close(fd);
	/* Nothing is left in tmp/. */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/tmp')\"", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static int	counter;

static void
count_work(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void
count_done(void *arg)
{
	counter++;
}

START_TEST(test_workers)
{
	int	worked = 0, i;

	counter = 0;
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(workers_submit(count_work, count_done,
		    &worked), 0);
	settle();
	ck_assert_int_eq(worked, 100);
	ck_assert_int_eq(counter, 100);
	/* Shutdown drains what is queued and runs its done functions. */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(workers_submit(count_work, count_done,
		    &worked), 0);
	workers_shutdown();
	ck_assert_int_eq(counter, 110);
	ck_assert_int_eq(workers_submit(count_work, count_done, &worked),
	    -ESHUTDOWN);
}
END_TEST

static int	gate;

/* Background work that waits for a job somebody waits on; counts if it came. */
static void
gated_work(void *arg)
{
	int	i;

	for (i = 0; i < 2000 && !__atomic_load_n(&gate, __ATOMIC_SEQ_CST);
	    i++)
		usleep(1000);
	if (__atomic_load_n(&gate, __ATOMIC_SEQ_CST))
		__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void
open_gate(void *arg)
{
	__atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

START_TEST(test_workers_bg)
{
	int	worked = 0, i;

	/*
	 * Background jobs never take every thread: the job that opens the
	 * gate they wait at still runs while they queue.
	 */
	counter = 0;
	gate = 0;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(workers_submit_bg(gated_work, count_done,
		    &worked), 0);
	usleep(20000);
	ck_assert_int_eq(workers_submit(open_gate, count_done, &worked), 0);
	settle();
	ck_assert_int_eq(__atomic_load_n(&gate, __ATOMIC_SEQ_CST), 1);
	ck_assert_int_eq(worked, 5);
	ck_assert_int_eq(counter, 5);
	/* Shutdown drains background jobs too. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(workers_submit_bg(count_work, count_done,
		    &worked), 0);
	workers_shutdown();
	ck_assert_int_eq(counter, 8);
	ck_assert_int_eq(workers_submit_bg(count_work, count_done, &worked),
	    -ESHUTDOWN);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_commit);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_scan);
	tcase_add_test(tc, test_removed);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_import_private);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_workers);
	tcase_add_test(tc, test_mem_commit);
	tcase_add_test(tc, test_workers_bg);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(cache_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
