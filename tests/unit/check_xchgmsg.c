/* SPDX-License-Identifier: ISC */
/*
 * check_xchgmsg.c - the tracker peer exchange body: what is built reads
 * back, the bounds hold, a body that lies is refused, and private
 * addresses are known as such.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/xchgmsg.h"

static struct xchg_builder	b;

static struct xchg_peer
p4(int a, int b2, int c, int d, uint16_t port)
{
	struct xchg_peer	p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.addr[0] = (uint8_t)a; p.addr[1] = (uint8_t)b2;
	p.addr[2] = (uint8_t)c; p.addr[3] = (uint8_t)d;
	p.port = port;
	return p;
}

static struct xchg_peer
p6(uint8_t first, uint8_t second, uint16_t port)
{
	struct xchg_peer	p;

	memset(&p, 0, sizeof(p));
	p.family = 6;
	p.addr[0] = first;
	p.addr[1] = second;
	p.addr[15] = 1;
	p.port = port;
	return p;
}

START_TEST(test_roundtrip)
{
	struct xchg_peer	ps[3];
	struct xchg_swarm	s;
	uint8_t			ih[20];
	size_t			len, off = XCHG_HDR_LEN;

	xchg_begin(&b);
	memset(ih, 1, 20);
	ps[0] = p6(0x20, 0x01, 51413);
	ps[1] = p4(203, 0, 113, 5, 6881);
	ps[2] = p4(198, 51, 100, 7, 6882);
	ck_assert_int_eq(xchg_add(&b, ih, ps, 3), 0);
	memset(ih, 2, 20);
	ck_assert_int_eq(xchg_add(&b, ih, NULL, 0), 0);
	len = xchg_finish(&b);
	ck_assert_uint_eq(len, XCHG_HDR_LEN + 22 + 12 + 18 + 22);
	ck_assert_int_eq(xchg_check(b.buf, len), 2);
	ck_assert_int_eq(xchg_next(b.buf, len, &off, &s), 0);
	ck_assert_int_eq(s.n4, 2);
	ck_assert_int_eq(s.n6, 1);
	ck_assert_int_eq(s.peers[0].port, 6881);
	ck_assert_int_eq(s.peers[1].addr[3], 7);
	ck_assert_int_eq(s.peers[2].family, 6);
	ck_assert_int_eq(s.peers[2].port, 51413);
	ck_assert_int_eq(xchg_next(b.buf, len, &off, &s), 0);
	ck_assert_int_eq(s.n4 + s.n6, 0);
	ck_assert_int_eq(s.ih[0], 2);
	ck_assert_int_eq(xchg_next(b.buf, len, &off, &s), -1);
	ck_assert_uint_eq(off, len);
}
END_TEST

START_TEST(test_bounds)
{
	struct xchg_peer	ps[100];
	struct xchg_swarm	s;
	uint8_t			ih[20];
	size_t			len, off = XCHG_HDR_LEN;
	int			i, n = 0;

	for (i = 0; i < 100; i++)
		ps[i] = p4(203, 0, 113, i + 1, 6881);
	xchg_begin(&b);
	memset(ih, 0, sizeof(ih));
	/* Peers beyond XCHG_MAX_PEERS a family are left out. */
	ck_assert_int_eq(xchg_add(&b, ih, ps, 100), 0);
	for (i = 1; i < 10000; i++) {
		ih[0] = (uint8_t)i;
		ih[1] = (uint8_t)(i >> 8);
		if (xchg_add(&b, ih, ps, 100) != 0)
			break;
	}
	n = i;
	len = xchg_finish(&b);
	ck_assert_uint_le(len, XCHG_MAX_BODY);
	ck_assert_int_eq(xchg_check(b.buf, len), n);
	ck_assert_int_eq(xchg_next(b.buf, len, &off, &s), 0);
	ck_assert_int_eq(s.n4, XCHG_MAX_PEERS);
	/* Many small swarms: XCHG_MAX_SWARMS. */
	xchg_begin(&b);
	for (i = 0; i < 10000; i++) {
		ih[0] = (uint8_t)i;
		ih[1] = (uint8_t)(i >> 8);
		if (xchg_add(&b, ih, NULL, 0) != 0)
			break;
	}
	ck_assert_int_eq(i, XCHG_MAX_SWARMS);
}
END_TEST

START_TEST(test_refused)
{
	struct xchg_peer	ps[2];
	uint8_t			ih[20], copy[XCHG_MAX_BODY + 1];
	size_t			len;

	memset(ih, 9, 20);
	ps[0] = p4(203, 0, 113, 1, 6881);
	ps[1] = p4(203, 0, 113, 2, 6882);
	xchg_begin(&b);
	ck_assert_int_eq(xchg_add(&b, ih, ps, 2), 0);
	len = xchg_finish(&b);
	ck_assert_int_eq(xchg_check(b.buf, len), 1);
	/* Short, long, another version, a count that lies. */
	ck_assert_int_eq(xchg_check(b.buf, len - 1), -1);
	memcpy(copy, b.buf, len);
	copy[len] = 0;
	ck_assert_int_eq(xchg_check(copy, len + 1), -1);
	copy[4] = 2;
	ck_assert_int_eq(xchg_check(copy, len), -1);
	memcpy(copy, b.buf, len);
	copy[XCHG_HDR_LEN + 20] = 3;
	ck_assert_int_eq(xchg_check(copy, len), -1);
	memcpy(copy, b.buf, len);
	copy[XCHG_HDR_LEN + 20] = XCHG_MAX_PEERS + 1;
	ck_assert_int_eq(xchg_check(copy, len), -1);
	/* Port 0. */
	memcpy(copy, b.buf, len);
	copy[XCHG_HDR_LEN + 22 + 4] = 0;
	copy[XCHG_HDR_LEN + 22 + 5] = 0;
	ck_assert_int_eq(xchg_check(copy, len), -1);
	/* One swarm twice. */
	ck_assert_int_eq(xchg_add(&b, ih, ps, 2), 0);
	len = xchg_finish(&b);
	ck_assert_int_eq(xchg_check(b.buf, len), -1);
	ck_assert_int_eq(xchg_check(b.buf, XCHG_MAX_BODY + 1), -1);
}
END_TEST

START_TEST(test_private)
{
	struct xchg_peer	p;

	ck_assert(xchg_private(&(struct xchg_peer){ 0 }) == false);
	p = p4(10, 1, 2, 3, 1);
	ck_assert(xchg_private(&p));
	p = p4(172, 16, 0, 1, 1);
	ck_assert(xchg_private(&p));
	p = p4(172, 32, 0, 1, 1);
	ck_assert(!xchg_private(&p));
	p = p4(192, 168, 1, 1, 1);
	ck_assert(xchg_private(&p));
	p = p4(169, 254, 1, 1, 1);
	ck_assert(xchg_private(&p));
	p = p4(100, 64, 0, 1, 1);
	ck_assert(xchg_private(&p));
	p = p4(203, 0, 113, 1, 1);
	ck_assert(!xchg_private(&p));
	p = p6(0xfd, 0x00, 1);
	ck_assert(xchg_private(&p));
	p = p6(0xfe, 0x80, 1);
	ck_assert(xchg_private(&p));
	p = p6(0x20, 0x01, 1);
	ck_assert(!xchg_private(&p));
	/* ::ffff:192.168.0.1 */
	memset(&p, 0, sizeof(p));
	p.family = 6;
	p.addr[10] = p.addr[11] = 0xff;
	p.addr[12] = 192; p.addr[13] = 168; p.addr[15] = 1;
	ck_assert(xchg_private(&p));
}
END_TEST

static Suite *
xchgmsg_suite(void)
{
	Suite	*s = suite_create("xchgmsg");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_private);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xchgmsg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
