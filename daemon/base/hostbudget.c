/* SPDX-License-Identifier: ISC */
/*
 * hostbudget.c - per-host budgets of files and bytes per hour.
 *
 * A flat array searched linearly: HOSTBUDGET_HOSTS entries of 32 bytes,
 * consulted once per want, so a hash table would buy nothing.
 */
#include "config.h"

#include <netinet/in.h>

#include <string.h>

#include "daemon/base/hostbudget.h"

struct hb {
	int		 family;	/* 0: free */
	uint8_t		 addr[16];
	uint64_t	 start_ms;	/* of the window */
	uint64_t	 files, bytes;
};

static struct hb	 hosts[HOSTBUDGET_HOSTS];

/* The host part of sa: family and 4 or 16 bytes; false if neither. */
static bool
host_of(const struct sockaddr *sa, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	*family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    16);
		return true;
	}
	return false;
}

static struct hb *
find(int family, const uint8_t *addr)
{
	size_t	i;

	for (i = 0; i < HOSTBUDGET_HOSTS; i++)
		if (hosts[i].family == family &&
		    memcmp(hosts[i].addr, addr, 16) == 0)
			return &hosts[i];
	return NULL;
}

/* A fresh entry: a free one, else the one whose window began first. */
static struct hb *
make(int family, const uint8_t *addr, uint64_t now_ms)
{
	struct hb	*h = &hosts[0];
	size_t		 i;

	for (i = 0; i < HOSTBUDGET_HOSTS; i++) {
		if (hosts[i].family == 0) {
			h = &hosts[i];
			break;
		}
		if (hosts[i].start_ms < h->start_ms)
			h = &hosts[i];
	}
	memset(h, 0, sizeof(*h));
	h->family = family;
	memcpy(h->addr, addr, 16);
	h->start_ms = now_ms;
	return h;
}

/* Start a new window once the old one is over. */
static void
roll(struct hb *h, uint64_t now_ms)
{
	if (now_ms - h->start_ms >= HOSTBUDGET_WINDOW_MS) {
		h->start_ms = now_ms;
		h->files = h->bytes = 0;
	}
}

bool
hostbudget_take(const struct hostbudget_limits *lim,
    const struct sockaddr *sa, uint64_t size, uint64_t now_ms)
{
	struct hb	*h;
	uint8_t		 addr[16];
	int		 family;

	if (!host_of(sa, &family, addr))
		return false;
	if ((h = find(family, addr)) != NULL)
		roll(h, now_ms);
	if (lim->files == 0 || size > lim->bytes ||
	    (h != NULL && (h->files >= lim->files ||
	    h->bytes > lim->bytes - size)))
		return false;
	if (h == NULL)
		h = make(family, addr, now_ms);
	h->files++;
	h->bytes += size;
	return true;
}

void
hostbudget_spent(const struct sockaddr *sa, uint64_t now_ms,
    uint64_t *files, uint64_t *bytes)
{
	struct hb	*h;
	uint8_t		 addr[16];
	int		 family;

	*files = *bytes = 0;
	if (!host_of(sa, &family, addr) || (h = find(family, addr)) == NULL)
		return;
	roll(h, now_ms);
	*files = h->files;
	*bytes = h->bytes;
}

void
hostbudget_reset(void)
{
	memset(hosts, 0, sizeof(hosts));
}
