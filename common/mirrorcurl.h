/* SPDX-License-Identifier: ISC */
/*
 * mirrorcurl.h - a transfer from a mirror with libcurl, as the daemon and
 * the apt method both make it: one set-up of the easy handle, and one
 * table of what apt is told when the transfer fails.
 *
 * apt reacts to a few FailReason words (MaximumSizeExceeded,
 * RedirectionLoop, HttpErrorNNN, and Timeout, ConnectionRefused,
 * ResolveFailure as network trouble) and to Transient-Failure, which
 * makes Acquire::Retries apply.  Whichever path fetched the file, apt
 * hears the same words for the same failure.
 */
#ifndef APTBT_MIRRORCURL_H
#define APTBT_MIRRORCURL_H

#include <stdbool.h>

#include <curl/curl.h>

/* What went wrong, in apt's terms. */
struct mcurl_fail {
	char		 reason[24];	/* FailReason word, never empty */
	const char	*text;		/* for people; curl's own is better */
	bool		 transient;	/* Transient-Failure: true */
	bool		 mirror_fault;	/* the mirror failed: avoid it a while */
};

/*
 * Set up e to fetch url: the protocols allowed (http, https, ftp, for
 * redirects too), redirects followed, the user agent, TCP keepalive,
 * the file's time asked for, and the limits: connecting may take
 * connect_timeout seconds, and a transfer that moves no byte for
 * stall_time seconds ends with CURLE_OPERATION_TIMEDOUT.  The caller
 * adds its callbacks, range and conditions.
 * Returns 0, or -EINVAL when libcurl refused an option.
 */
int	 mcurl_setup(CURL *e, const char *url, long connect_timeout,
	    long stall_time);

/*
 * Fill f for a transfer that ended with rc (not CURLE_OK) after the
 * server's last reply code (CURLINFO_RESPONSE_CODE: an HTTP status or
 * an FTP reply; 0 if none).  An HTTP status the caller judged a failure
 * itself is passed as rc CURLE_HTTP_RETURNED_ERROR with that status.
 * Codes libcurl may add later get a generic transient ConnectionFailed.
 */
void	 mcurl_fail(struct mcurl_fail *f, CURLcode rc, long reply);

#endif
