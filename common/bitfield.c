/* SPDX-License-Identifier: ISC */
/*
 * bitfield.c - bit-per-piece maps in BEP 3 order: counts and checks.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bitfield.h"

/* The bits of the last byte below bit n: all of them when n % 8 is 0. */
static uint8_t
last_mask(uint32_t n)
{
	return (uint8_t)(0xff00 >> (n % 8 ? n % 8 : 8));
}

uint32_t
bitfield_count(const uint8_t *bits, uint32_t n)
{
	size_t		i, len = bitfield_len(n);
	uint32_t	c = 0;

	if (len == 0)
		return 0;
	for (i = 0; i + 1 < len; i++)
		c += (uint32_t)__builtin_popcount(bits[i]);
	return c + (uint32_t)__builtin_popcount(bits[len - 1] & last_mask(n));
}

bool
bitfield_all(const uint8_t *bits, uint32_t n)
{
	return bitfield_count(bits, n) == n;
}

void
bitfield_fill(uint8_t *bits, uint32_t n)
{
	size_t	len = bitfield_len(n);

	if (len == 0)
		return;
	memset(bits, 0xff, len);
	bits[len - 1] = last_mask(n);
}

void
bitfield_trim(uint8_t *bits, uint32_t n)
{
	size_t	len = bitfield_len(n);

	if (len > 0)
		bits[len - 1] &= last_mask(n);
}

int
bitfield_check(const uint8_t *bits, size_t len, uint32_t n)
{
	if (len != bitfield_len(n))
		return -EBADMSG;
	if (len > 0 && (bits[len - 1] & (uint8_t)~last_mask(n)) != 0)
		return -EBADMSG;
	return 0;
}
