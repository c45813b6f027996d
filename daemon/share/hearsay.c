/* SPDX-License-Identifier: ISC */
/*
 * hearsay.c - what we may dial on another's word (hearsay.h).
 *
 * Rates are token buckets in milli-dials, refilled continuously from the
 * monotonic clock.  Our own addresses come from getifaddrs(), kept for
 * ten seconds: a PEX message can name fifty addresses and the interface
 * list changes rarely.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "daemon/share/hearsay.h"

#define MINUTE_MS	60000
#define LOCAL_MAX	64	/* interface addresses remembered */
#define LOCAL_TTL_MS	10000

struct bucket {
	uint64_t	milli;		/* tokens, in thousandths of a dial */
	uint64_t	at;		/* ms of the last refill */
};

struct source {
	int		family;
	uint8_t		addr[16];
	struct bucket	b;
	uint64_t	used;		/* ms, for forgetting the stalest */
};

static struct source	sources[HEARSAY_SOURCES];
static size_t		nsources;
static struct bucket	word = { HEARSAY_WORD_DIALS * 1000, 0 };
static uint64_t		refused;

static struct {
	int		family;
	uint8_t		addr[16];
} local[LOCAL_MAX];
static size_t		nlocal;
static uint64_t		local_at;	/* ms; 0: never read */

/* family and the address bytes of sa, IPv4-mapped IPv6 as IPv4. */
static bool
addr_of(const struct sockaddr *sa, int *family, const uint8_t **addr)
{
	const struct in6_addr	*a6;

	if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		*addr = (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		*family = AF_INET;
		*addr = a6->s6_addr + 12;
	} else {
		*family = AF_INET6;
		*addr = a6->s6_addr;
	}
	return true;
}

static void
local_refresh(uint64_t now)
{
	struct ifaddrs	*ifa, *i;
	int		 family;
	const uint8_t	*addr;

	if (local_at != 0 && now - local_at < LOCAL_TTL_MS)
		return;
	local_at = now;
	nlocal = 0;
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL && nlocal < LOCAL_MAX; i = i->ifa_next) {
		if (i->ifa_addr == NULL ||
		    !addr_of(i->ifa_addr, &family, &addr))
			continue;
		local[nlocal].family = family;
		memcpy(local[nlocal].addr, addr, family == AF_INET ? 4 : 16);
		nlocal++;
	}
	freeifaddrs(ifa);
}

bool
hearsay_is_local(const struct sockaddr *sa)
{
	int		 family;
	const uint8_t	*addr;
	size_t		 i;

	if (!addr_of(sa, &family, &addr))
		return false;
	local_refresh(clock_ms() + 1);
	for (i = 0; i < nlocal; i++)
		if (local[i].family == family && memcmp(local[i].addr, addr,
		    family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

bool
hearsay_dialable(const struct sockaddr *sa)
{
	static const uint8_t	zero[16];
	int			family;
	const uint8_t		*a;

	if (!addr_of(sa, &family, &a))
		return false;
	if (family == AF_INET) {
		/* 0/8 "this network", 127/8 loopback, 169.254/16, 224/3. */
		if (a[0] == 0 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
		    a[0] >= 224)
			return false;
	} else {
		/* ::, ::1, fe80::/10, ff00::/8. */
		if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
			return false;
		if ((a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff)
			return false;
	}
	return !hearsay_is_local(sa);
}

static bool
bucket_take(struct bucket *b, uint64_t per_minute, uint64_t now)
{
	uint64_t	full = per_minute * 1000;

	if (now > b->at) {
		b->milli += (now - b->at) * per_minute * 1000 / MINUTE_MS;
		if (b->milli > full)
			b->milli = full;
	}
	b->at = now;
	return b->milli >= 1000;
}

static struct source *
source_of(const struct sockaddr *sa, uint64_t now)
{
	int		 family;
	const uint8_t	*addr;
	size_t		 i, oldest = 0;
	struct source	*s;

	if (!addr_of(sa, &family, &addr))
		return NULL;
	for (i = 0; i < nsources; i++) {
		if (sources[i].family == family && memcmp(sources[i].addr,
		    addr, family == AF_INET ? 4 : 16) == 0)
			return &sources[i];
		if (sources[i].used < sources[oldest].used)
			oldest = i;
	}
	/*
	 * A forgotten source starts with a full bucket again: to gain by
	 * it an attacker needs HEARSAY_SOURCES addresses, and the global
	 * bucket still holds.
	 */
	s = &sources[nsources < HEARSAY_SOURCES ? nsources++ : oldest];
	memset(s, 0, sizeof(*s));
	s->family = family;
	memcpy(s->addr, addr, family == AF_INET ? 4 : 16);
	s->b.milli = HEARSAY_SOURCE_DIALS * 1000;
	s->b.at = now;
	return s;
}

bool
hearsay_take(const struct sockaddr *source, uint64_t now)
{
	struct source	*s;

	if ((s = source_of(source, now)) == NULL)
		return false;
	s->used = now;
	if (!bucket_take(&s->b, HEARSAY_SOURCE_DIALS, now) ||
	    !bucket_take(&word, HEARSAY_WORD_DIALS, now)) {
		refused++;
		return false;
	}
	s->b.milli -= 1000;
	word.milli -= 1000;
	return true;
}

uint64_t
hearsay_refused(void)
{
	return refused;
}

void
hearsay_reset(void)
{
	nsources = 0;
	word.milli = HEARSAY_WORD_DIALS * 1000;
	word.at = 0;
	refused = 0;
	local_at = 0;
	nlocal = 0;
}
