/*
 * choker.c - unchoke decisions for standard peers; daemons always served.
 *
 * The round timer runs only while some interested standard peer waits,
 * so an idle or daemon-only site never wakes up for it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/choker.h"
#include "daemon/link.h"
#include "daemon/peer.h"

struct entry {
	struct link	*link;
	bool		 unchoked;
	bool		 optimistic;
};

static struct entry	*entries;
static size_t		 nentries, cap;
static struct event	*round_ev;
static unsigned		 round_no;
static bool		 paused;

static void	rechoke(void);

static void
round_cb(evutil_socket_t fd, short what, void *arg)
{
	round_no++;
	rechoke();
}

void
choker_init(struct event_base *base)
{
	round_ev = evtimer_new(base, round_cb, NULL);
}

void
choker_shutdown(void)
{
	if (round_ev != NULL)
		event_free(round_ev);
	round_ev = NULL;
	free(entries);
	entries = NULL;
	nentries = cap = 0;
}

static struct entry *
find(struct link *l)
{
	size_t	i;

	for (i = 0; i < nentries; i++)
		if (entries[i].link == l)
			return &entries[i];
	return NULL;
}

void
choker_add(struct link *l)
{
	struct entry	*e;

	if (find(l) != NULL)
		return;
	if (nentries == cap) {
		size_t	ncap = cap ? cap * 2 : 64;

		if ((e = reallocarray(entries, ncap, sizeof(*e))) == NULL)
			return;
		entries = e;
		cap = ncap;
	}
	memset(&entries[nentries], 0, sizeof(entries[0]));
	entries[nentries++].link = l;
	rechoke();
}

void
choker_remove(struct link *l)
{
	struct entry	*e;

	if ((e = find(l)) == NULL)
		return;
	*e = entries[--nentries];
}

void
choker_interest(struct link *l)
{
	rechoke();
}

void
choker_pause(int p)
{
	paused = p != 0;
	rechoke();
}

static int
by_rate(const void *a, const void *b)
{
	uint64_t	ra = link_rate_down(((const struct entry *)a)->link);
	uint64_t	rb = link_rate_down(((const struct entry *)b)->link);

	return ra < rb ? 1 : ra > rb ? -1 : 0;
}

static void
rechoke(void)
{
	static const struct timeval	 tv = { CHOKER_ROUND, 0 };
	struct entry			*e;
	size_t				 i, slots = 0, waiting = 0;
	bool				 have_optimistic = false;

	/* Fastest uploaders to us first. */
	if (nentries > 1)
		qsort(entries, nentries, sizeof(entries[0]), by_rate);
	for (i = 0; i < nentries; i++) {
		e = &entries[i];
		if (paused || !link_peer_interested(e->link)) {
			e->unchoked = e->optimistic = false;
			link_set_choke(e->link, true);
			continue;
		}
		if (peer_is_daemon(link_peer(e->link))) {
			e->unchoked = true;
			link_set_choke(e->link, false);
			continue;
		}
		if (e->optimistic && round_no % CHOKER_OPTIMISTIC != 0) {
			have_optimistic = true;
			continue;
		}
		e->optimistic = false;
		e->unchoked = slots < CHOKER_SLOTS;
		if (e->unchoked)
			slots++;
		else
			waiting++;
		link_set_choke(e->link, !e->unchoked);
	}
	/* One optimistic slot for a waiting peer, chosen at random. */
	if (!paused && !have_optimistic && waiting > 0) {
		size_t	pick = (size_t)random() % waiting, k = 0;

		for (i = 0; i < nentries; i++) {
			e = &entries[i];
			if (e->unchoked || e->optimistic ||
			    !link_peer_interested(e->link) ||
			    peer_is_daemon(link_peer(e->link)))
				continue;
			if (k++ == pick) {
				e->optimistic = true;
				link_set_choke(e->link, false);
				break;
			}
		}
	}
	if (round_ev == NULL)
		return;
	if (waiting > 0 || have_optimistic) {
		if (!evtimer_pending(round_ev, NULL))
			evtimer_add(round_ev, &tv);
	} else
		evtimer_del(round_ev);
}
