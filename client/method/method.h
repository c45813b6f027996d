/* SPDX-License-Identifier: ISC */
/*
 * method.h - the aptbt apt method: shared state and the small parts
 * every layer uses.
 *
 * The layers, each using only those below it:
 *   method-main.c    the loop, and the apt protocol (item.h);
 *   method-item.c    one apt request: its file, digests and verdict;
 *   backend.h        how an item is fetched, and how a backend reports;
 *   method-daemon.c  through aptbtd,  method-direct.c  from the mirror.
 * Below them all: this header (configuration, credentials, the output to
 * apt, files made ahead).
 */
#ifndef APTBT_METHOD_H
#define APTBT_METHOD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "common/bytebuf.h"

struct aptmsg;
struct method_backend;

/* The digests apt may expect, in the order apt's own methods report. */
enum dg_alg {
	DG_SHA512,
	DG_SHA256,
	DG_SHA1,
	DG_MD5,
	DG_NALG,
};

/*
 * One file apt asked for.  The request (uri .. private) is what backends
 * read; the rest is the item layer's, but for be_data.
 */
struct item {
	TAILQ_ENTRY(item)	 entry;
	char			*uri;		/* exactly as apt sent it */
	char			*url;		/* without "aptbt+" */
	char			*base;		/* Target-Base-URI, plain; or NULL */
	char			*filename;
	char			*expect[DG_NALG];	/* lower-case hex or NULL */
	int64_t			 expect_size;	/* -1: not given */
	int64_t			 max_size;	/* -1: no limit */
	time_t			 ims;		/* 0: none */
	bool			 private;	/* credentials: never the daemon */
	struct prep		*prep;		/* Filename being made ahead */

	int			 fd;		/* Filename, -1 when closed */
	uint64_t		 written;
	void			*dg[DG_NALG];	/* EVP_MD_CTX, NULL when unused */
	bool			 started;	/* 200 URI Start sent */
	int64_t			 size;		/* announced; -1 unknown */
	time_t			 last_modified;	/* 0 unknown */
	bool			 retried;	/* fetched again after a mismatch */
	char			*got[DG_NALG];	/* digests of a mismatching file */
	uint64_t		 got_size;
	int			 src_fd;	/* read-only source, -1 none */

	const struct method_backend *be;	/* fetching it, or NULL */
	void			*be_data;	/* that backend's own */
};

struct method_conf {
	char		**keys;		/* "Name" (case kept), values unescaped */
	char		**vals;
	size_t		  n;
};

struct method {
	struct method_conf	 conf;
	bool			 configured;	/* 601 seen */
	bool			 debug;
	long			 timeout;	/* seconds, mirror stalls */
	long			 daemon_timeout;
	char			*socket_path;
	struct bytebuf		 out;		/* to apt, flushed each turn */
};

extern struct method	 method;

/* method-out.c: what goes to apt (method.out) and to stderr */
void	 method_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* A message for apt, with a URI (unless NULL) and a Message. */
void	 method_say(int code, const char *text, const char *uri,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Write method.out to apt, whole; exits when apt is gone. */
void	 method_flush(void);

/* method-conf.c */
int	 conf_take(struct method_conf *, const struct aptmsg *);
const char *conf_get(const struct method_conf *, const char *name);
long	 conf_get_long(const struct method_conf *, const char *name, long def);
bool	 conf_get_bool(const struct method_conf *, const char *name, bool def);
void	 conf_clear(struct method_conf *);
/* The proxy for a URL: NULL to use libcurl's default, "" for none. */
const char *conf_proxy(const struct method_conf *, const char *url);

/* method-auth.c: auth.conf (Dir::Etc::netrc, netrcparts) */
/* True when a login applies to url, with user and pass set (free them). */
bool	 auth_lookup(const struct method_conf *, const char *url, char **user,
	    char **pass);
bool	 url_has_userinfo(const char *url);

/* method-prep.c: apt's files made ahead on a helper thread */
struct prep;
/* Open (create, truncate) a file for apt: a descriptor or -1 (errno). */
int	 prep_open(const char *path);
/* Start making it->filename. */
void	 prep_request(struct item *);
/*
 * The descriptor made for it (waiting if it is being made), or -1 when
 * it was not made (then nothing was created); it->prep is done with.
 */
int	 prep_take(struct item *);
void	 prep_shutdown(void);

#endif
