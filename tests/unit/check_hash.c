/* SPDX-License-Identifier: ISC */
/*
 * check_hash.c - unit tests for common/hash.c against the FIPS 180
 * example vectors, and for hex encoding.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define MSG448	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

static const struct {
	enum hash_alg	 alg;
	const char	*msg;
	const char	*hex;
} vectors[] = {
	{ HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ HASH_SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	{ HASH_SHA1, MSG448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ HASH_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad" },
	{ HASH_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855" },
	{ HASH_SHA256, MSG448, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1" },
	{ HASH_SHA512, "abc", "ddaf35a193617abacc417349ae204131"
	    "12e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
	    "454d4423643ce80e2a9ac94fa54ca49f" },
	{ HASH_SHA512, "", "cf83e1357eefb8bdf1542850d66d8007"
	    "d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f"
	    "63b931bd47417a81a538327af927da3e" },
};

START_TEST(test_vectors)
{
	struct hash_ctx	*h;
	uint8_t		 out[HASH_MAX_LEN];
	char		 hex[2 * HASH_MAX_LEN + 1];
	size_t		 i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		n = hash_len(vectors[i].alg);
		ck_assert_uint_eq(2 * n, strlen(vectors[i].hex));
		h = hash_new(vectors[i].alg);
		ck_assert_ptr_nonnull(h);
		hash_update(h, vectors[i].msg, strlen(vectors[i].msg));
		hash_final(h, out);
		hex_encode(out, n, hex);
		ck_assert_str_eq(hex, vectors[i].hex);
		/* hash_final resets: the same context hashes again. */
		hash_update(h, vectors[i].msg, strlen(vectors[i].msg));
		hash_final(h, out);
		hex_encode(out, n, hex);
		ck_assert_str_eq(hex, vectors[i].hex);
		hash_free(h);

		if (vectors[i].alg == HASH_SHA1)
			sha1(vectors[i].msg, strlen(vectors[i].msg), out);
		else if (vectors[i].alg == HASH_SHA256)
			sha256(vectors[i].msg, strlen(vectors[i].msg), out);
		else
			continue;
		hex_encode(out, n, hex);
		ck_assert_str_eq(hex, vectors[i].hex);
	}
	ck_assert_uint_eq(hash_len(HASH_SHA1), SHA1_LEN);
	ck_assert_uint_eq(hash_len(HASH_SHA256), SHA256_LEN);
	ck_assert_uint_eq(hash_len(HASH_SHA512), 64);
	hash_free(NULL);
}
END_TEST

/* A million 'a's fed in uneven pieces, as reads from a socket arrive. */
START_TEST(test_million_a)
{
	static const struct {
		enum hash_alg	 alg;
		const char	*hex;
	} want[] = {
		{ HASH_SHA1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
		{ HASH_SHA256, "cdc76e5c9914fb9281a1c7e284d73e67"
		    "f1809a48a497200e046d39ccc7112cd0" },
	};
	struct hash_ctx	*h;
	uint8_t		 out[HASH_MAX_LEN];
	char		 hex[2 * HASH_MAX_LEN + 1];
	char		 a[1000];
	size_t		 i, done, step;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		h = hash_new(want[i].alg);
		ck_assert_ptr_nonnull(h);
		for (done = 0, step = 1; done < 1000000; done += step) {
			step = step % 997 + 1;
			if (step > 1000000 - done)
				step = 1000000 - done;
			hash_update(h, a, step);
		}
		hash_update(h, a, 0);
		hash_final(h, out);
		hex_encode(out, hash_len(want[i].alg), hex);
		ck_assert_str_eq(hex, want[i].hex);
		hash_free(h);
	}
}
END_TEST

START_TEST(test_hex)
{
	static const uint8_t	bin[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	uint8_t			out[8];
	char			hex[2 * sizeof(bin) + 1];

	hex_encode(bin, sizeof(bin), hex);
	ck_assert_str_eq(hex, "00017f80abff");
	hex_encode(bin, 0, hex);
	ck_assert_str_eq(hex, "");

	ck_assert(hex_decode("00017f80abff", 12, out, 6));
	ck_assert_mem_eq(out, bin, 6);
	ck_assert(hex_decode("00017F80ABFF", 12, out, 6));
	ck_assert_mem_eq(out, bin, 6);
	ck_assert(hex_decode("", 0, out, 0));

	/* Bad digits anywhere, odd length, wrong length. */
	ck_assert(!hex_decode("0g017f80abff", 12, out, 6));
	ck_assert(!hex_decode("00017f80abfG", 12, out, 6));
	ck_assert(!hex_decode("00 17f80abff", 12, out, 6));
	ck_assert(!hex_decode("0x017f80abff", 12, out, 6));
	ck_assert(!hex_decode("00017f80abf", 11, out, 6));
	ck_assert(!hex_decode("00017f80abf", 11, out, 5));
	ck_assert(!hex_decode("00017f80ab", 10, out, 6));
	ck_assert(!hex_decode("00017f80abff00", 14, out, 6));
	ck_assert(!hex_decode("0", 1, out, 0));
	ck_assert(!hex_decode("00\0001", 4, out, 2));
}
END_TEST

static Suite *
hash_suite(void)
{
	Suite	*s = suite_create("hash");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_million_a);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hash_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
