/* SPDX-License-Identifier: ISC */
/*
 * ratelimit.c - token buckets per address in a set-associative table
 * (see ratelimit.h).  Tokens are counted in thousandths, so a slow rate
 * still refills between two requests a few milliseconds apart.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/tracker/ratelimit.h"

#define WAYS	4
#define MILLI	1000u

struct bucket {
	uint8_t		 addr[16];
	uint64_t	 last_ms;	/* 0: the entry is free */
	uint64_t	 tokens;	/* thousandths */
};

struct ratelimit {
	struct bucket	*b;
	size_t		 nsets;
	uint32_t	 rate, burst;
	uint8_t		 key[crypto_shorthash_KEYBYTES];
};

struct ratelimit *
ratelimit_new(size_t entries)
{
	struct ratelimit	*rl;

	if (sodium_init() < 0 || (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->nsets = (entries + WAYS - 1) / WAYS;
	if (rl->nsets == 0)
		rl->nsets = 1;
	if ((rl->b = calloc(rl->nsets * WAYS, sizeof(*rl->b))) == NULL) {
		free(rl);
		return NULL;
	}
	randombytes_buf(rl->key, sizeof(rl->key));
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->b);
	free(rl);
}

void
ratelimit_configure(struct ratelimit *rl, uint32_t rate, uint32_t burst)
{
	rl->rate = rate;
	rl->burst = burst > 0 ? burst : 1;
}

size_t
ratelimit_bytes(const struct ratelimit *rl)
{
	return sizeof(*rl) + rl->nsets * WAYS * sizeof(*rl->b);
}

static struct bucket *
lookup(struct ratelimit *rl, const uint8_t addr[16])
{
	uint8_t		 h[crypto_shorthash_BYTES];
	uint64_t	 v;
	struct bucket	*set, *lru;
	size_t		 i;

	crypto_shorthash(h, addr, 16, rl->key);
	memcpy(&v, h, sizeof(v));
	set = rl->b + (size_t)(v % rl->nsets) * WAYS;
	lru = set;
	for (i = 0; i < WAYS; i++) {
		if (set[i].last_ms != 0 && memcmp(set[i].addr, addr, 16) == 0)
			return &set[i];
		if (set[i].last_ms < lru->last_ms)
			lru = &set[i];
	}
	memcpy(lru->addr, addr, 16);
	lru->last_ms = 0;
	return lru;
}

bool
ratelimit_take(struct ratelimit *rl, const uint8_t addr[16], uint64_t now_ms)
{
	struct bucket	*b;
	uint64_t	 cap = (uint64_t)rl->burst * MILLI;

	if (rl->rate == 0)
		return true;
	/* 0 marks a free entry: a clock at 0 counts as 1. */
	if (now_ms == 0)
		now_ms = 1;
	b = lookup(rl, addr);
	if (b->last_ms == 0)
		b->tokens = cap;
	else if (now_ms > b->last_ms) {
		/* rate a minute is rate thousandths in 60 ms. */
		b->tokens += (now_ms - b->last_ms) * rl->rate / 60;
		if (b->tokens > cap)
			b->tokens = cap;
	}
	b->last_ms = now_ms;
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}
