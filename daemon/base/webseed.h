/* SPDX-License-Identifier: ISC */
/*
 * webseed.h - mirrors as sources: libcurl's multi interface on the loop.
 *
 * Every HTTP, HTTPS and FTP transfer of the daemon runs in one curl multi
 * handle driven by libevent (socket and timer callbacks, no polling), so
 * connections to a mirror are reused across files.  A transfer asks for a
 * byte range and hands the body to its owner as it arrives.
 *
 * A mirror is a base URL: one of the configured "mirrors" (which serve the
 * same archive, so a URL under one maps onto all of them) or, for other
 * URLs, the scheme and host.  Each mirror keeps statistics and a backoff
 * state that schedulers consult before giving it work.
 */
#ifndef APTBTD_WEBSEED_H
#define APTBTD_WEBSEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct sockaddr;
struct ws_mirror;
struct ws_xfer;

struct ws_mirror_stats {
	const char	*name;		/* base URL */
	bool		 configured;	/* from the "mirrors" setting */
	uint64_t	 bytes;
	uint64_t	 requests;
	uint64_t	 errors;
	uint64_t	 rate;		/* bytes/s, recent */
	unsigned	 active;	/* transfers running */
	unsigned	 failures;	/* consecutive */
	time_t		 backoff_until;	/* 0 = usable */
};

/* What a response said before its body. */
struct ws_resp {
	long		 code;		/* HTTP status, or FTP reply */
	uint64_t	 start;		/* offset of the first body byte */
	int64_t		 total;		/* whole file size, -1 unknown */
	time_t		 last_modified;	/* -1 unknown */
};

struct ws_result {
	bool		 ok;
	bool		 not_modified;	/* If-Modified-Since answered 304 */
	bool		 stopped;	/* the owner stopped it (not an error) */
	long		 code;
	char		 reason[24];	/* apt FailReason word when !ok */
	bool		 transient;
	bool		 mirror_fault;	/* blame the mirror (not a 404) */
	char		 msg[320];
};

enum ws_data {
	WS_DATA_TAKEN,		/* consumed all of it */
	WS_DATA_PAUSE,		/* none consumed; call ws_resume() later */
	WS_DATA_STOP,		/* end the transfer, no error */
};

struct ws_callbacks {
	/* The body starts; false stops the transfer. */
	bool		(*start)(void *, const struct ws_resp *);
	enum ws_data	(*data)(void *, const uint8_t *, size_t);
	/* The transfer is over and freed; always called unless cancelled. */
	void		(*done)(void *, const struct ws_result *);
};

int	 webseed_init(struct event_base *);
void	 webseed_shutdown(void);
/* Replace the configured mirror list ("http://a/debian, http://b/debian"). */
int	 webseed_set_mirrors(const char *list);

/*
 * Is the URL on a mirror we use: a configured one, or a host we already
 * fetched from?
 */
bool	 ws_mirror_known(const char *url);
/* The mirror a URL belongs to (created on first use); NULL on bad URL. */
struct ws_mirror *ws_mirror_of(const char *url);
/*
 * The URL on every other configured mirror of the same archive: up to max
 * malloc'd strings in out, with their mirrors; returns how many.
 */
size_t	 ws_alternates(const char *url, char **out, struct ws_mirror **mout,
	    size_t max);
/*
 * From now on, transfers from this mirror never connect to a loopback,
 * link-local or unspecified address, whatever its name resolves to or a
 * redirect names: for hosts that reach us from the network (the apt
 * proxy's clients), not from the administrator.  A configured mirror is
 * left alone.
 */
void	 ws_mirror_restrict(struct ws_mirror *);
bool	 ws_mirror_usable(const struct ws_mirror *);
uint64_t ws_mirror_rate(const struct ws_mirror *);
void	 ws_mirror_get_stats(const struct ws_mirror *, struct ws_mirror_stats *);
/* All mirrors known, configured first. */
void	 ws_mirror_foreach(void (*cb)(const struct ws_mirror_stats *, void *),
	    void *);

/*
 * Fetch [start, end) of url (end 0: to the end of the file; start 0 and
 * end 0: a plain GET), with If-Modified-Since when ims > 0.
 */
struct ws_xfer *ws_fetch(struct ws_mirror *, const char *url, uint64_t start,
	    uint64_t end, time_t ims, const struct ws_callbacks *, void *arg);
/*
 * A plain GET that belongs to no mirror (a tracker's announce, say): no
 * statistics, no backoff, no redirects, and at most timeout seconds for
 * the connection and again for the whole request.  allow, if not NULL,
 * is asked about each address before it is connected to; false fails
 * the transfer as a connection failure (code 0).
 */
struct ws_xfer *ws_get(const char *url, long timeout,
	    bool (*allow)(const struct sockaddr *),
	    const struct ws_callbacks *, void *arg);
/*
 * The same as a POST of body (len bytes, copied), Content-Type
 * application/x-bittorrent: a tracker's batched seed announce.
 */
struct ws_xfer *ws_post(const char *url, long timeout,
	    bool (*allow)(const struct sockaddr *), const uint8_t *body,
	    size_t len, const struct ws_callbacks *, void *arg);
/* Stop a transfer; its callbacks are not called again. */
void	 ws_cancel(struct ws_xfer *);
/* Deliver again after WS_DATA_PAUSE. */
void	 ws_resume(struct ws_xfer *);
/* This transfer's recent rate in bytes/s. */
uint64_t ws_xfer_rate(const struct ws_xfer *);

#endif
