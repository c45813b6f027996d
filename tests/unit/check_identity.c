/* SPDX-License-Identifier: ISC */
/*
 * check_identity.c - unit tests for common/identity.c: peer ids named by
 * keys, proofs that bind both nonces and both ids, the key file.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/identity.h"
#include "common/peerwire.h"

static struct ident	a, b, m;	/* two daemons and an impostor */
static uint8_t		na[IDENT_NONCE_LEN], nb[IDENT_NONCE_LEN];

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	ck_assert_int_eq(ident_generate(&a), 0);
	ck_assert_int_eq(ident_generate(&b), 0);
	ck_assert_int_eq(ident_generate(&m), 0);
	randombytes_buf(na, sizeof(na));
	randombytes_buf(nb, sizeof(nb));
}

START_TEST(test_peer_id)
{
	uint8_t	id[IDENT_ID_LEN];

	/* Our client prefix, then the key's hash: stable, and one per key. */
	ck_assert(memcmp(a.id, PW_PEER_ID_PREFIX, PW_PEER_ID_PREFIX_LEN) == 0);
	ident_peer_id(a.pk, id);
	ck_assert(memcmp(id, a.id, sizeof(id)) == 0);
	ck_assert(memcmp(a.id, b.id, sizeof(id)) != 0);
	ck_assert(ident_names(a.pk, a.id));
	ck_assert(!ident_names(m.pk, a.id));
	id[IDENT_ID_LEN - 1] ^= 1;
	ck_assert(!ident_names(a.pk, id));
}
END_TEST

START_TEST(test_proof)
{
	uint8_t	sig[IDENT_SIG_LEN], other[IDENT_NONCE_LEN];

	/* b proves itself to a: a checks with its own nonce and id. */
	ident_prove(&b, na, nb, a.id, sig);
	ck_assert(ident_check(b.pk, nb, b.id, na, a.id, sig));
	/* Replayed on another connection (a's nonce differs): refused. */
	memcpy(other, na, sizeof(other));
	other[0] ^= 0x80;
	ck_assert(!ident_check(b.pk, nb, b.id, other, a.id, sig));
	/* Shown to another daemon, or with its nonce changed: refused. */
	ck_assert(!ident_check(b.pk, nb, b.id, na, m.id, sig));
	ck_assert(!ident_check(b.pk, other, b.id, na, a.id, sig));
	/* An impostor claims b's id: its key does not name it... */
	ident_prove(&m, na, nb, a.id, sig);
	ck_assert(!ident_check(m.pk, nb, b.id, na, a.id, sig));
	/* ...and b's key does not verify its signature. */
	ck_assert(!ident_check(b.pk, nb, b.id, na, a.id, sig));
	/* A flipped bit anywhere in the signature is caught. */
	ident_prove(&b, na, nb, a.id, sig);
	sig[IDENT_SIG_LEN / 2] ^= 4;
	ck_assert(!ident_check(b.pk, nb, b.id, na, a.id, sig));
}
END_TEST

START_TEST(test_key_file)
{
	char		dir[] = "/tmp/check_identity.XXXXXX", path[64];
	struct ident	k1, k2;
	struct stat	st;
	int		fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/identity", dir);
	/* Made on first use, private, and the same key after. */
	ck_assert_int_eq(ident_load(&k1, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq((uint64_t)st.st_size, IDENT_SK_LEN);
	ck_assert_int_eq(ident_load(&k2, path), 0);
	ck_assert(memcmp(&k1, &k2, sizeof(k1)) == 0);
	ck_assert(ident_names(k2.pk, k2.id));
	/* A short or long file is refused, not replaced. */
	ck_assert_int_eq(truncate(path, 10), 0);
	ck_assert_int_eq(ident_load(&k2, path), -EBADMSG);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, k1.sk, sizeof(k1.sk)), sizeof(k1.sk));
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	ck_assert_int_eq(ident_load(&k2, path), -EBADMSG);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, IDENT_SK_LEN + 1);
	unlink(path);
	/* No directory: the error, not a crash. */
	rmdir(dir);
	ck_assert_int_eq(ident_load(&k2, path), -ENOENT);
}
END_TEST

static Suite *
identity_suite(void)
{
	Suite	*s = suite_create("identity");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_peer_id);
	tcase_add_test(tc, test_proof);
	tcase_add_test(tc, test_key_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(identity_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
