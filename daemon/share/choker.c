/* SPDX-License-Identifier: ISC */
/*
 * choker.c - unchoke decisions for standard peers; daemons always served.
 *
 * Every CHOKER_ROUND seconds the regular slots are given again, to the
 * peers that rank first: for a file we are downloading, by the rate they
 * upload to us (tit-for-tat); for a file we seed, by the rate we upload
 * to them, except that a peer that has held its slot CHOKER_SEED_TURN
 * rounds goes behind those waiting, so seeding rotates.  One more slot is
 * optimistic: a waiting peer at random, for CHOKER_OPTIMISTIC rounds.
 * Between rounds, a peer that becomes interested may take a free slot,
 * but nobody loses one.  The round timer runs only while some interested
 * standard peer waits, so an idle or daemon-only site never wakes for it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/share/choker.h"
#include "daemon/share/link.h"
#include "daemon/share/peer.h"
#include "daemon/share/swarm.h"

struct entry {
	struct link	*link;
	bool		 unchoked;	/* a regular slot */
	bool		 optimistic;
	bool		 expired;	/* seeding: held its slot long enough */
	unsigned	 since;		/* round the slot was given */
	uint64_t	 score;		/* bytes/s that rank it */
};

static struct entry	*entries;
static size_t		 nentries, cap;
static struct event	*round_ev;
static unsigned		 round_no;
static bool		 paused;

static void	rechoke(bool new_round);

static void
round_cb(evutil_socket_t fd, short what, void *arg)
{
	round_no++;
	rechoke(true);
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
	rechoke(false);
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
	rechoke(false);
}

void
choker_pause(int p)
{
	paused = p != 0;
	rechoke(false);
}

/* Peers whose turn is not over first, then the fastest. */
static int
by_rank(const void *a, const void *b)
{
	const struct entry	*ea = a, *eb = b;

	if (ea->expired != eb->expired)
		return ea->expired ? 1 : -1;
	return ea->score < eb->score ? 1 : ea->score > eb->score ? -1 : 0;
}

static bool
standard(const struct entry *e)
{
	return !paused && link_peer_interested(e->link) &&
	    !peer_is_daemon(link_peer(e->link));
}

static void
rank(void)
{
	struct entry	*e;
	size_t		 i;
	bool		 seeding;

	for (i = 0; i < nentries; i++) {
		e = &entries[i];
		seeding = swarm_complete(link_swarm(e->link));
		e->score = seeding ? link_rate_up(e->link) :
		    link_rate_down(e->link);
		e->expired = seeding && e->unchoked &&
		    round_no - e->since >= CHOKER_SEED_TURN;
	}
	if (nentries > 1)
		qsort(entries, nentries, sizeof(entries[0]), by_rank);
}

static void
rechoke(bool new_round)
{
	static const struct timeval	 tv = { CHOKER_ROUND, 0 };
	struct entry			*e;
	size_t				 i, slots = 0, waiting = 0, pick, k;
	bool				 have_optimistic = false, was;

	if (new_round)
		rank();
	/* Who may not have a slot, who keeps one. */
	for (i = 0; i < nentries; i++) {
		e = &entries[i];
		if (!paused && link_peer_interested(e->link) &&
		    peer_is_daemon(link_peer(e->link))) {
			link_set_choke(e->link, false);
			continue;
		}
		if (!standard(e)) {
			e->unchoked = e->optimistic = false;
			link_set_choke(e->link, true);
			continue;
		}
		if (e->optimistic && new_round &&
		    round_no - e->since >= CHOKER_OPTIMISTIC)
			e->optimistic = false;
		if (e->optimistic)
			have_optimistic = true;
		else if (e->unchoked && !new_round)
			slots++;
	}
	/* Free regular slots, in rank order. */
	for (i = 0; i < nentries; i++) {
		e = &entries[i];
		if (!standard(e) || e->optimistic ||
		    (e->unchoked && !new_round))
			continue;
		was = e->unchoked;
		e->unchoked = slots < CHOKER_SLOTS;
		if (e->unchoked) {
			slots++;
			if (!was)
				e->since = round_no;
		} else
			waiting++;
		link_set_choke(e->link, !e->unchoked);
	}
	/* One optimistic slot for a waiting peer, chosen at random. */
	if (!have_optimistic && waiting > 0) {
		pick = (size_t)random() % waiting;
		for (i = 0, k = 0; i < nentries; i++) {
			e = &entries[i];
			if (!standard(e) || e->unchoked || e->optimistic)
				continue;
			if (k++ == pick) {
				e->optimistic = true;
				e->since = round_no;
				link_set_choke(e->link, false);
				have_optimistic = true;
				waiting--;
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
