/* SPDX-License-Identifier: ISC */
/*
 * fuzz_xchg.c - fuzz target for the tracker peer exchange body parser.
 *
 * The input is one POST body (or one reply).  Whatever xchg_check()
 * accepts must read back swarm by swarm to its end, each swarm within
 * the bounds, with no port 0, and must build again into the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xchgmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct xchg_builder	b;
	static struct xchg_swarm	s;
	size_t				off = XCHG_HDR_LEN, i;
	int				n, k = 0;

	if ((n = xchg_check(data, len)) < 0)
		return 0;
	CHECK(n <= XCHG_MAX_SWARMS);
	xchg_begin(&b);
	while (xchg_next(data, len, &off, &s) == 0) {
		CHECK(s.n4 <= XCHG_MAX_PEERS && s.n6 <= XCHG_MAX_PEERS);
		for (i = 0; i < (size_t)s.n4 + s.n6; i++) {
			CHECK(s.peers[i].port != 0);
			CHECK(s.peers[i].family == (i < s.n4 ? 4 : 6));
			(void)xchg_private(&s.peers[i]);
		}
		CHECK(xchg_add(&b, s.ih, s.peers, (size_t)s.n4 + s.n6) == 0);
		k++;
	}
	CHECK(k == n);
	CHECK(off == len);
	CHECK(xchg_finish(&b) == len);
	CHECK(memcmp(b.buf, data, len) == 0);
	return 0;
}
