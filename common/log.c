/* SPDX-License-Identifier: ISC */
/*
 * log.c - logging to stderr, with journald priorities under systemd.
 *
 * journald reads "<N>" prefixes on a service's stdout/stderr as syslog
 * priorities, so one code path serves both the foreground and systemd;
 * $JOURNAL_STREAM tells whether stderr is the journal (systemd.exec(5)).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/log.h"

static const char	*log_ident = "aptbt";
static enum log_level	 log_level = LOG_LVL_INFO;
static int		 log_journal;
static int		 log_syslog;

static const struct {
	const char	*name;
	int		 syslog_prio;
} log_levels[] = {
	[LOG_LVL_ERR] =		{ "err",	3 },
	[LOG_LVL_WARN] =	{ "warning",	4 },
	[LOG_LVL_NOTICE] =	{ "notice",	5 },
	[LOG_LVL_INFO] =	{ "info",	6 },
	[LOG_LVL_DEBUG] =	{ "debug",	7 },
};

/* True when stderr is the journal stream systemd told us about. */
static int
stderr_is_journal(void)
{
	const char	*js;
	struct stat	 st;
	unsigned long long dev, ino;

	if ((js = getenv("JOURNAL_STREAM")) == NULL)
		return 0;
	if (sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, enum log_level level)
{
	log_ident = ident;
	log_level = level;
	log_journal = stderr_is_journal();
}

void
log_use_syslog(void)
{
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = 1;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(s, log_levels[i].name) == 0)
			return (int)i;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(log_levels) / sizeof(log_levels[0]))
		return "?";
	return log_levels[level].name;
}

static void vlog(enum log_level, int, int, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

static void
vlog(enum log_level level, int with_errno, int saved_errno, const char *fmt,
    va_list ap)
{
	char	msg[1024];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog)
		syslog(log_levels[level].syslog_prio, "%s%s%s", msg,
		    with_errno ? ": " : "",
		    with_errno ? strerror(saved_errno) : "");
	else if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", log_levels[level].syslog_prio,
		    msg, with_errno ? ": " : "",
		    with_errno ? strerror(saved_errno) : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", log_ident, msg,
		    with_errno ? ": " : "",
		    with_errno ? strerror(saved_errno) : "");
	fflush(stderr);
}

#define LOG_FN(fn, level, with_errno)					\
void									\
fn(const char *fmt, ...)						\
{									\
	int	saved_errno = errno;					\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	vlog(level, with_errno, saved_errno, fmt, ap);			\
	va_end(ap);							\
	errno = saved_errno;						\
}

LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_notice, LOG_LVL_NOTICE, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 1, saved_errno, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
