/* SPDX-License-Identifier: ISC */
/*
 * redial.c - one more dial for a standard client that hung up at once.
 *
 * A small table of (address, swarm key) pairs: pending ones wait for
 * their time on one timer; done ones stay to keep it to once.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/swarmkey.h"
#include "daemon/share/peer.h"
#include "daemon/share/peermgr.h"
#include "daemon/share/redial.h"

struct redial {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	uint8_t			 key[SWARMKEY_LEN];
	enum peer_source	 source;
	char			 name[64];
	uint64_t		 at;	/* ms: hung up, or (pending) to dial */
	bool			 pending;
	bool			 used;
};

static struct redial	 tab[REDIAL_MAX];
static struct event	*timer;

static void
arm(void)
{
	uint64_t	now = clock_ms(), next = UINT64_MAX, d;
	struct timeval	tv;
	size_t		i;

	for (i = 0; i < REDIAL_MAX; i++)
		if (tab[i].used && tab[i].pending && tab[i].at < next)
			next = tab[i].at;
	if (next == UINT64_MAX || timer == NULL)
		return;
	d = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(timer, &tv);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	now = clock_ms();
	size_t		i;
	int		rc;

	for (i = 0; i < REDIAL_MAX; i++) {
		if (!tab[i].used || !tab[i].pending || tab[i].at > now)
			continue;
		tab[i].pending = false;
		rc = peermgr_connect_key((struct sockaddr *)&tab[i].ss,
		    tab[i].len, tab[i].key, tab[i].source,
		    (struct sockaddr *)&tab[i].ss);
		log_info("peers: redialling %s: %s", tab[i].name,
		    rc == 1 ? "dialled" :
		    rc == 0 ? "connected already" : "not allowed now");
	}
	arm();
}

void
redial_closed(struct peer *p)
{
	uint64_t	 now = clock_ms();
	const uint8_t	*key = peer_key(p);
	const struct sockaddr *sa = peer_addr(p);
	socklen_t	 len = sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	size_t		 i, slot = REDIAL_MAX;

	if (!peer_outgoing(p) || peer_is_daemon(p) ||
	    !peer_hung_up_within(p, REDIAL_WINDOW_MS))
		return;
	for (i = 0; i < REDIAL_MAX; i++) {
		if (tab[i].used && memcmp(tab[i].key, key, SWARMKEY_LEN) == 0 &&
		    tab[i].len == len &&
		    memcmp(&tab[i].ss, sa, tab[i].len) == 0) {
			if (tab[i].pending || now - tab[i].at < REDIAL_FORGET_MS)
				return;		/* once is enough */
			slot = i;
			break;
		}
		/* A free slot, else the oldest that waits for nothing. */
		if (!tab[i].used)
			slot = slot < REDIAL_MAX && !tab[slot].used ? slot : i;
		else if (!tab[i].pending && (slot == REDIAL_MAX ||
		    (tab[slot].used && tab[i].at < tab[slot].at)))
			slot = i;
	}
	if (slot == REDIAL_MAX)
		return;			/* all pending: a flood, not a duplicate */
	memcpy(&tab[slot].ss, sa, len);
	tab[slot].len = len;
	memcpy(tab[slot].key, key, SWARMKEY_LEN);
	tab[slot].source = peer_source(p);
	snprintf(tab[slot].name, sizeof(tab[slot].name), "%s", peer_name(p));
	tab[slot].at = now + REDIAL_DELAY_MS;
	tab[slot].pending = true;
	tab[slot].used = true;
	log_info("peer %s: closed right after connecting; dialling it again "
	    "in %u ms", peer_name(p), REDIAL_DELAY_MS);
	arm();
}

int
redial_init(struct event_base *base)
{
	memset(tab, 0, sizeof(tab));
	if ((timer = evtimer_new(base, timer_cb, NULL)) == NULL)
		return -ENOMEM;
	return 0;
}

void
redial_shutdown(void)
{
	if (timer != NULL)
		event_free(timer);
	timer = NULL;
}
