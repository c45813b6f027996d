/* SPDX-License-Identifier: ISC */
/*
 * log.h - logging for the daemon and the tools.
 *
 * In the foreground messages go to stderr as "aptbtd: message".  Under
 * systemd (stderr connected to the journal, as $JOURNAL_STREAM tells) each
 * line carries a "<N>" syslog priority prefix so journald records the
 * level.  Callers put the context (file, peer, URL) into the message.
 * log_warn() and fatal() append strerror(errno), as OpenBSD's log.c does;
 * the x variants do not.
 */
#ifndef APTBT_LOG_H
#define APTBT_LOG_H

#include <stdbool.h>
#include <stdnoreturn.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void	log_init(const char *ident, enum log_level);
void	log_set_level(enum log_level);
/* After detaching from the terminal: log through syslog(3) instead. */
void	log_use_syslog(void);
enum log_level log_get_level(void);
/* "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int	log_level_parse(const char *);
const char *log_level_name(enum log_level);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
