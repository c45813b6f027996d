/* SPDX-License-Identifier: ISC */
/*
 * choker.h - who we upload to.
 *
 * Daemons of our own site are never choked: they are the point of the
 * exercise, and the share scope already decides who they are.  Standard
 * clients get a few regular slots, given by the rate they upload to us
 * (tit-for-tat) while we download the file and by the rate we upload to
 * them, in turns, while we seed it, plus one optimistic slot that rotates.
 */
#ifndef APTBTD_CHOKER_H
#define APTBTD_CHOKER_H

struct event_base;
struct link;

#define CHOKER_SLOTS		8
#define CHOKER_ROUND		10	/* seconds between rechokes */
#define CHOKER_OPTIMISTIC	3	/* rounds an optimistic slot lasts */
#define CHOKER_SEED_TURN	3	/* rounds a seeding slot lasts if others wait */

void	choker_init(struct event_base *);
void	choker_shutdown(void);
void	choker_add(struct link *);
void	choker_remove(struct link *);
/* The peer became (un)interested. */
void	choker_interest(struct link *);
/* Choke everyone (pause) or let the next round decide (resume). */
void	choker_pause(int paused);

#endif
