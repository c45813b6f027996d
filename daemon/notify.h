/* SPDX-License-Identifier: ISC */
/*
 * notify.h - tell systemd how the daemon is doing (sd_notify).
 *
 * Every call is a no-op when not run by systemd ($NOTIFY_SOCKET unset).
 */
#ifndef APTBTD_NOTIFY_H
#define APTBTD_NOTIFY_H

#include <stdbool.h>

struct event_base;

/* Start the watchdog pings if systemd asked for them ($WATCHDOG_USEC). */
void	notify_init(struct event_base *);
void	notify_ready(const char *status);
void	notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_shutdown(void);
/* True when started by systemd (notify socket or passed sockets). */
bool	notify_under_systemd(void);

#endif
