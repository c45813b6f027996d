/* SPDX-License-Identifier: ISC */
/*
 * hearsay.h - addresses learnt from others (PEX, LSD): which may be
 * dialled, and how often.
 *
 * A peer's word costs it one message and may cost us a connection, so
 * what it can make us dial is bounded here: never loopback, link-local,
 * multicast, unspecified or one of our own addresses (a peer would turn
 * us against services on this machine or against ourselves); per source
 * (the host that told us) SOURCE_DIALS a minute; all sources together
 * WORD_DIALS a minute.  Addresses configured by the admin ("peers",
 * "aptbt-ctl peers add") are not hearsay and are not checked here, so a
 * static peer on loopback still works.
 */
#ifndef APTBTD_HEARSAY_H
#define APTBTD_HEARSAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * New dials on one source's word, per minute, after a burst as large: a
 * PEX message names up to 50 peers, of which a handful are new.
 */
#define HEARSAY_SOURCE_DIALS	10
/* New dials on anyone's word, per minute, after a burst as large. */
#define HEARSAY_WORD_DIALS	60
/* Sources remembered for their rate; the stalest is forgotten first. */
#define HEARSAY_SOURCES		256

/* May sa be dialled on another's word at all?  (The address alone.) */
bool	 hearsay_dialable(const struct sockaddr *sa);
/* Is sa one of this machine's own addresses? (interfaces, cached 10 s) */
bool	 hearsay_is_local(const struct sockaddr *sa);
/*
 * Take one dial from the budgets of source (the teller's host) and of
 * all sources, at now_ms (clock_ms()); false, and nothing taken, when
 * either is spent.
 */
bool	 hearsay_take(const struct sockaddr *source, uint64_t now_ms);
/* Dials refused for the rate since start, for tests and logs. */
uint64_t hearsay_refused(void);
void	 hearsay_reset(void);

#endif
