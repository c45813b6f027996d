/*
 * method.h - the aptbt apt method: shared state and the interfaces of its
 * parts.
 *
 * method-main.c runs the loop and speaks to apt; method-conf.c keeps what
 * apt sent in 601 Configuration; method-item.c owns each requested file
 * (writing it in order, hashing what it wrote, verifying, reporting to
 * apt); method-daemon.c fetches through aptbtd; method-direct.c fetches
 * from the mirror with libcurl when the daemon cannot (absent, silent,
 * credentials, a hash mismatch to retry).  Both fetch paths feed bytes to
 * the same item functions, so verification is written once.
 */
#ifndef APTBT_METHOD_H
#define APTBT_METHOD_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "common/bytebuf.h"

struct aptmsg;

enum item_via {
	VIA_NONE,
	VIA_DAEMON,
	VIA_DIRECT,
};

/* The digests apt may expect, in the order apt's own methods report. */
enum dg_alg {
	DG_SHA512,
	DG_SHA256,
	DG_SHA1,
	DG_MD5,
	DG_NALG,
};

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

	enum item_via		 via;
	void			*backend;	/* CURL * or daemon request */
	int64_t			 req_id;	/* daemon request id */
	int			 src_fd;	/* daemon's read-only file */
};

TAILQ_HEAD(item_list, item);

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
	struct item_list	 items;
	struct bytebuf		 out;		/* to apt, flushed each turn */
};

extern struct method	 method;

/* method-main.c */
void	 method_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 method_status(const struct item *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 method_flush(void);
/* Say once, on stderr, that the daemon is not used, and why. */
void	 method_no_daemon(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* Fetch it from the mirror from the first byte (a fresh attempt). */
void	 method_direct(struct item *);
/* All bytes are in: verify, then 201, one retry from the mirror, or 400. */
void	 method_complete(struct item *);

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

/* method-item.c */
struct item *item_new(const struct aptmsg *, char *err, size_t errlen);
void	 item_free(struct item *);
/* Open (truncate) Filename and reset the digests, for a fresh attempt. */
int	 item_begin(struct item *);
/*
 * Create Filename ahead of its bytes, when it cannot be an If-Modified-
 * Since hit, so the file is ready when they come; errors wait for them.
 */
void	 item_prepare(struct item *);

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
/* Tell apt the size is known (200 URI Start), once per attempt. */
void	 item_start(struct item *, int64_t size, time_t last_modified);
/* Append bytes in order; -EFBIG past Maximum-Size, -errno on write. */
int	 item_write(struct item *, const void *, size_t);
/*
 * The fetch ended with all bytes written.  Verifies against the expected
 * hashes: on a match reports 201 URI Done and returns 0; on a mismatch
 * returns -EBADMSG with the file emptied, and the caller retries or fails.
 */
int	 item_done(struct item *);
/* 201 URI Done with IMS-Hit. */
void	 item_ims_hit(struct item *, time_t last_modified);
/* 400 URI Failure; reason may be NULL. */
void	 item_fail(struct item *, const char *reason, bool transient,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Remove a finished item from the list and free it. */
void	 item_finish(struct item *);
/* RFC 1123 date for Last-Modified fields. */
void	 http_date(time_t, char *, size_t);

/* method-direct.c */
int	 direct_init(void);
void	 direct_cleanup(void);
/* Begin (or begin again) a direct fetch of it. */
int	 direct_start(struct item *);
void	 direct_cancel(struct item *);
/* Wait for input on the extra fds or curl's sockets, then run curl. */
int	 direct_poll(struct pollfd *, unsigned int n, int timeout_ms);

/* method-daemon.c */
/* Hand it to aptbtd; false when the daemon is not usable. */
bool	 daemon_start(struct item *);
void	 daemon_cancel(struct item *);
/* The daemon socket's fd and the events wanted, or -1. */
int	 daemon_fd(short *events);
void	 daemon_io(short revents);
/* Milliseconds until the daemon's deadline, or -1 when none. */
int	 daemon_timeout_ms(void);
void	 daemon_check_timeout(void);
void	 daemon_cleanup(void);

#endif
