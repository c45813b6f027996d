/* SPDX-License-Identifier: ISC */
/*
 * fuzz_lsdmsg.c - fuzz target for the BEP 14 announce parser.
 *
 * The input is one datagram.  Whatever the parser accepts must be sane
 * (a port, one to LSDMSG_MAX_KEYS distinct keys, a printable cookie) and
 * must build again into an announce that parses to the same fields.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lsdmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct lsdmsg	m, r;
	/* Room for LSDMSG_MAX_KEYS keys, more than one datagram carries. */
	static char		buf[4096];
	const char		*cookie;
	ssize_t			n;
	size_t			i, j;

	if (lsdmsg_parse(data, len, &m) != 0)
		return 0;
	CHECK(m.port != 0);
	CHECK(m.nkeys >= 1 && m.nkeys <= LSDMSG_MAX_KEYS);
	CHECK(m.dropped == 0 || m.nkeys == LSDMSG_MAX_KEYS);
	for (i = 0; i < m.nkeys; i++)
		for (j = i + 1; j < m.nkeys; j++)
			CHECK(memcmp(m.keys[i], m.keys[j], LSD_KEY_LEN) != 0);
	CHECK(strlen(m.cookie) <= LSDMSG_COOKIE_MAX);

	cookie = m.cookie[0] != '\0' ? m.cookie : NULL;
	n = lsdmsg_build(buf, sizeof(buf), LSDMSG_IPV4, m.port,
	    (const uint8_t (*)[LSD_KEY_LEN])m.keys, m.nkeys, cookie);
	CHECK(n > 0 && (size_t)n <= sizeof(buf));
	CHECK(lsdmsg_parse(buf, (size_t)n, &r) == 0);
	CHECK(r.port == m.port && r.nkeys == m.nkeys && r.dropped == 0);
	CHECK(memcmp(r.keys, m.keys, m.nkeys * LSD_KEY_LEN) == 0);
	CHECK(strcmp(r.cookie, m.cookie) == 0);
	return 0;
}
