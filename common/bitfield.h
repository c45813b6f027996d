/* SPDX-License-Identifier: ISC */
/*
 * bitfield.h - a bit per piece, in BEP 3 order.
 *
 * Bit i is bit 7 - i % 8 of byte i / 8 (the first piece is the high bit
 * of the first byte), as the peer wire's bitfield message sends it, so
 * one layout serves what we store, send and receive.  The bits past the
 * last piece in the last byte ("spare bits") are zero in anything we
 * send; a received bitfield with a spare bit set is invalid.
 *
 * get, set and clear do no range check: the caller knows its piece count.
 */
#ifndef APTBT_BITFIELD_H
#define APTBT_BITFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes holding n bits. */
static inline size_t
bitfield_len(uint32_t n)
{
	return ((size_t)n + 7) / 8;
}

static inline bool
bitfield_get(const uint8_t *bits, uint32_t i)
{
	return (bits[i / 8] & (0x80 >> (i % 8))) != 0;
}

static inline void
bitfield_set(uint8_t *bits, uint32_t i)
{
	bits[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static inline void
bitfield_clear(uint8_t *bits, uint32_t i)
{
	bits[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* How many of bits 0 to n - 1 are set (spare bits are not counted). */
uint32_t bitfield_count(const uint8_t *bits, uint32_t n);
/* Are bits 0 to n - 1 all set?  (True for n = 0.) */
bool	 bitfield_all(const uint8_t *bits, uint32_t n);
/* Set bits 0 to n - 1 and clear the spare bits. */
void	 bitfield_fill(uint8_t *bits, uint32_t n);
/* Clear the spare bits past bit n - 1. */
void	 bitfield_trim(uint8_t *bits, uint32_t n);
/*
 * A received bitfield for n bits: exactly bitfield_len(n) bytes, spare
 * bits zero.  0, or -EBADMSG.
 */
int	 bitfield_check(const uint8_t *bits, size_t len, uint32_t n);

#endif
