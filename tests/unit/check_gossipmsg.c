/* SPDX-License-Identifier: ISC */
/*
 * check_gossipmsg.c - the cluster's gossip codec: what it builds it reads
 * back, and a tampered, replayed, stale or old-run packet is refused.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/gossipmsg.h"

static const uint8_t key[GOSSIP_KEY_LEN] = "0123456789abcdef0123456789abcdef";
#define NOW	1800000000000ULL	/* ms since the epoch, the test's "now" */
#define RUN	((NOW - 5000) << 16 | 7)

static struct gossip_rec
rec4(int i, uint8_t flags)
{
	struct gossip_rec	r;

	memset(&r, 0, sizeof(r));
	memset(r.hash, i, sizeof(r.hash));
	r.flags = flags;
	r.port = (uint16_t)(6881 + i);
	r.ttl = 1800;
	r.addr[0] = 10; r.addr[1] = 0; r.addr[2] = 1; r.addr[3] = (uint8_t)i;
	return r;
}

static size_t
packet(struct gossip_builder *b, int nrec, uint64_t run, uint64_t t,
    uint64_t seq)
{
	struct gossip_rec	r;
	int			i;

	gossip_begin(b, GOSSIP_DELTA);
	for (i = 0; i < nrec; i++) {
		r = rec4(i, i % 2 ? GOSSIP_F_SEED : 0);
		ck_assert_int_eq(gossip_add(b, &r), 0);
	}
	return gossip_seal(b, key, run, t, seq);
}

START_TEST(test_roundtrip)
{
	struct gossip_builder	b;
	struct gossip_hdr	h;
	struct gossip_rec	r, got;
	size_t			len;

	gossip_begin(&b, GOSSIP_FULL);
	r = rec4(1, GOSSIP_F_SEED);
	ck_assert_int_eq(gossip_add(&b, &r), 0);
	memset(&r, 0, sizeof(r));
	memset(r.hash, 0xaa, 20);
	r.flags = GOSSIP_F_V6 | GOSSIP_F_REMOVE;
	r.port = 51413;
	r.ttl = 65535;
	r.addr[0] = 0xfd; r.addr[15] = 1;
	ck_assert_int_eq(gossip_add(&b, &r), 0);
	len = gossip_seal(&b, key, RUN, NOW, 1);
	ck_assert_uint_eq(len, GOSSIP_HDR_LEN + GOSSIP_REC4_LEN +
	    GOSSIP_REC6_LEN + GOSSIP_TAG_LEN);

	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(h.type, GOSSIP_FULL);
	ck_assert_int_eq(h.nrec, 2);
	ck_assert(h.sender == RUN && h.time_ms == NOW && h.seq == 1);
	ck_assert_int_eq(gossip_record(b.buf, len, 0, &got), 0);
	ck_assert_int_eq(got.port, 6882);
	ck_assert_int_eq(got.ttl, 1800);
	ck_assert_int_eq(got.flags, GOSSIP_F_SEED);
	ck_assert_int_eq(got.addr[3], 1);
	ck_assert_int_eq(gossip_record(b.buf, len, 1, &got), 0);
	ck_assert_mem_eq(&got, &r, sizeof(r));
	ck_assert_int_eq(gossip_record(b.buf, len, 2, &got), -1);
}
END_TEST

/* A datagram stays under 1400 bytes, and the builder says when it is full. */
START_TEST(test_fill)
{
	struct gossip_builder	b;
	struct gossip_hdr	h;
	struct gossip_rec	r;
	size_t			len;
	int			n = 0;

	gossip_begin(&b, GOSSIP_DELTA);
	for (;;) {
		r = rec4(n, 0);
		if (gossip_add(&b, &r) != 0)
			break;
		n++;
	}
	ck_assert_int_eq(n, GOSSIP_MAX_RECORDS);
	ck_assert_int_ge(n, 46);
	len = gossip_seal(&b, key, RUN, NOW, 9);
	ck_assert_uint_le(len, GOSSIP_MAX_DGRAM);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(h.nrec, n);
}
END_TEST

/* Any flipped bit, anywhere, and the packet is forged. */
START_TEST(test_tampered)
{
	struct gossip_builder	b;
	struct gossip_hdr	h;
	uint8_t			copy[GOSSIP_MAX_DGRAM];
	uint8_t			other[GOSSIP_KEY_LEN];
	size_t			len, i;

	len = packet(&b, 3, RUN, NOW, 1);
	for (i = 8; i < len; i++) {
		memcpy(copy, b.buf, len);
		copy[i] ^= 0x01;
		ck_assert_int_eq(gossip_open(copy, len, key, &h),
		    GOSSIP_EFORGED);
	}
	/* Sealed with another key: forged. */
	memset(other, 'x', sizeof(other));
	gossip_seal(&b, other, RUN, NOW, 1);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_EFORGED);
	/* Cut short or with a byte more: malformed before anything else. */
	len = packet(&b, 3, RUN, NOW, 1);
	ck_assert_int_eq(gossip_open(b.buf, GOSSIP_HDR_LEN, key, &h),
	    GOSSIP_EMALFORMED);
	b.buf[0] = 'X';
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_EMALFORMED);
}
END_TEST

/* Authentic but lying about its records: malformed. */
START_TEST(test_malformed_body)
{
	struct gossip_builder	b;
	struct gossip_hdr	h;
	size_t			len;

	packet(&b, 2, RUN, NOW, 1);
	b.nrec = 3;		/* claims a record it does not carry */
	len = gossip_seal(&b, key, RUN, NOW, 1);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_EMALFORMED);

	packet(&b, 2, RUN, NOW, 1);
	b.buf[GOSSIP_HDR_LEN + 20] = 0x80;	/* an unknown flag */
	len = gossip_seal(&b, key, RUN, NOW, 1);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_EMALFORMED);

	gossip_begin(&b, (enum gossip_type)9);
	len = gossip_seal(&b, key, RUN, NOW, 1);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_EMALFORMED);

	packet(&b, 0, RUN, NOW, 0);	/* sequence 0 is never sent */
	len = gossip_seal(&b, key, RUN, NOW, 0);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_EMALFORMED);
}
END_TEST

START_TEST(test_stale)
{
	struct gossip_builder	b;
	struct gossip_window	w;
	struct gossip_hdr	h;
	bool			nr;
	size_t			len;

	memset(&w, 0, sizeof(w));
	len = packet(&b, 1, RUN, NOW - GOSSIP_SKEW_MS - 1, 1);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 100, &nr), GOSSIP_ESTALE);
	len = packet(&b, 1, RUN, NOW + GOSSIP_SKEW_MS + 1, 2);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 100, &nr), GOSSIP_ESTALE);
	/* A time that would wrap a sum: stale. */
	len = packet(&b, 1, RUN, UINT64_MAX - 100, 5);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 100, &nr), GOSSIP_ESTALE);
	/* The edges of the window are in. */
	len = packet(&b, 1, RUN, NOW - GOSSIP_SKEW_MS, 3);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 100, &nr), GOSSIP_OK);
	ck_assert(nr);
	len = packet(&b, 1, RUN, NOW + GOSSIP_SKEW_MS, 4);
	ck_assert_int_eq(gossip_open(b.buf, len, key, &h), GOSSIP_OK);
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 100, &nr), GOSSIP_OK);
	ck_assert(!nr);
}
END_TEST

START_TEST(test_replayed)
{
	struct gossip_builder	b;
	struct gossip_window	w;
	struct gossip_hdr	h;
	bool			nr;
	uint64_t		seq;

	memset(&w, 0, sizeof(w));
	for (seq = 1; seq <= 10; seq++) {
		packet(&b, 1, RUN, NOW, seq);
		ck_assert_int_eq(gossip_open(b.buf, GOSSIP_HDR_LEN +
		    GOSSIP_REC4_LEN + GOSSIP_TAG_LEN, key, &h), GOSSIP_OK);
		ck_assert_int_eq(gossip_accept(&w, &h, NOW, seq, &nr),
		    GOSSIP_OK);
		ck_assert(nr == (seq == 1));
		/* The same bytes again: a replay. */
		ck_assert_int_eq(gossip_accept(&w, &h, NOW, seq, &nr),
		    GOSSIP_EREPLAY);
	}
	/* Out of order within the window: accepted once. */
	h.seq = 20;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 20, &nr), GOSSIP_OK);
	h.seq = 15;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 21, &nr), GOSSIP_OK);
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 21, &nr), GOSSIP_EREPLAY);
	h.seq = 5;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 21, &nr), GOSSIP_EREPLAY);
	/* Slid out of the window: refused even if never seen. */
	h.seq = 20 + GOSSIP_WINDOW;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 22, &nr), GOSSIP_OK);
	h.seq = 19;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 22, &nr), GOSSIP_EREPLAY);
	h.seq = 21;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 22, &nr), GOSSIP_OK);
}
END_TEST

/* A restarted sender starts over; its old run cannot be replayed in. */
START_TEST(test_runs)
{
	struct gossip_window	w;
	struct gossip_hdr	h;
	bool			nr;

	memset(&w, 0, sizeof(w));
	memset(&h, 0, sizeof(h));
	h.type = GOSSIP_DELTA;
	h.time_ms = NOW;
	h.sender = RUN;
	h.seq = 500;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 1000, &nr), GOSSIP_OK);
	h.sender = RUN + 0x10000;	/* restarted a second later */
	h.seq = 1;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 1001, &nr), GOSSIP_OK);
	ck_assert(nr);
	h.sender = RUN;
	h.seq = 501;
	ck_assert_int_eq(gossip_accept(&w, &h, NOW, 1002, &nr),
	    GOSSIP_EOLDRUN);
	/* Once the new run has been silent past every old packet's age. */
	ck_assert_int_eq(gossip_accept(&w, &h, NOW,
	    1001 + 2 * GOSSIP_SKEW_MS, &nr), GOSSIP_OK);
	ck_assert(nr);
}
END_TEST

START_TEST(test_derive)
{
	uint8_t	mac[GOSSIP_KEY_LEN], cid[GOSSIP_KEY_LEN];
	uint8_t	mac2[GOSSIP_KEY_LEN], cid2[GOSSIP_KEY_LEN];

	gossip_derive(key, mac, cid);
	gossip_derive(key, mac2, cid2);
	ck_assert_mem_eq(mac, mac2, sizeof(mac));
	ck_assert_mem_eq(cid, cid2, sizeof(cid));
	ck_assert(memcmp(mac, cid, sizeof(mac)) != 0);
	ck_assert(memcmp(mac, key, sizeof(mac)) != 0);
}
END_TEST

static void
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	int	fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(test_keyfile)
{
	char		 dir[256], path[300], err[256];
	uint8_t		 k[GOSSIP_KEY_LEN];
	const char	*t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check_gossipmsg.XXXXXX",
	    t != NULL && *t != '\0' && strlen(t) < 200 ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key", dir);

	write_file(path, key, sizeof(key), 0600);
	ck_assert_int_eq(gossip_key_load(path, k, err, sizeof(err)), 0);
	ck_assert_mem_eq(k, key, sizeof(k));

	write_file(path, key, sizeof(key), 0644);
	ck_assert_int_eq(gossip_key_load(path, k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));

	write_file(path, key, 31, 0600);
	ck_assert_int_eq(gossip_key_load(path, k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "exactly 32 bytes"));

	write_file(path, "0123456789abcdef0123456789abcdef\n", 33, 0600);
	ck_assert_int_eq(gossip_key_load(path, k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 32"));

	unlink(path);
	ck_assert_int_eq(gossip_key_load(path, k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	rmdir(dir);
}
END_TEST

static Suite *
gossipmsg_suite(void)
{
	Suite	*s = suite_create("gossipmsg");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_malformed_body);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_replayed);
	tcase_add_test(tc, test_runs);
	tcase_add_test(tc, test_derive);
	tcase_add_test(tc, test_keyfile);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(gossipmsg_suite());
	int	 failed;

	if (sodium_init() < 0)
		return 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
