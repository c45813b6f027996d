/* SPDX-License-Identifier: ISC */
/*
 * proxyurl.h - what an apt proxy client asks for, and whether to fetch it.
 *
 * A client of aptbtd's proxy front end names a file in one of the forms
 * apt-cacher-ng's clients send:
 *
 *   http://HOST[:PORT]/PATH           absolute URI (Acquire::http::Proxy)
 *   /HTTPS///HOST[:PORT]/PATH         an HTTPS repository, fetched by us
 *   /HOST[:PORT]/PATH                 origin form, the proxy as the mirror
 *   /                                 the usage page
 *
 * (an absolute URI may carry the /HTTPS/// or /HOST/ form in its path
 * too).  The request target is outside input, so this is the one place
 * that decides what it may reach: http or https only, a plain host name
 * or address (no user info), a path of archive shape (a "dists" or
 * "pool" segment, which covers by-hash under dists/) with no empty, "."
 * or ".." segment, no query or fragment, no control bytes, backslashes
 * or escaped separators.  What it returns is the URL to fetch, rebuilt
 * from the checked parts, so nothing unchecked reaches libcurl.  A pure
 * function: no I/O, no allocation.
 */
#ifndef APTBT_PROXYURL_H
#define APTBT_PROXYURL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROXYURL_MAX		4096	/* longest target and URL */
#define PROXYURL_HOST_MAX	253

enum proxyurl_kind {
	PROXYURL_USAGE,		/* "/": the usage page */
	PROXYURL_RELEASE,	/* dists/SUITE/{InRelease,Release,Release.gpg} */
	PROXYURL_INDEX,		/* another file under dists/ */
	PROXYURL_BYHASH,	/* dists/.../by-hash/ALGO/HEX */
	PROXYURL_POOL,		/* a file under pool/ */
};

struct proxyurl {
	enum proxyurl_kind kind;
	bool		 https;
	char		 host[PROXYURL_HOST_MAX + 1];	/* lower case, no [] */
	uint16_t	 port;		/* 0: the scheme's */
	/*
	 * The host is a loopback, link-local or unspecified address, or a
	 * localhost name: fetched only when the administrator listed it.
	 */
	bool		 host_local;
	char		 url[PROXYURL_MAX + 1];	/* what to fetch */
	/* url[0, base_len) is the archive's top, before dists/ or pool/. */
	size_t		 base_len;
	/* For dists/: url[0, suite_len) is the suite's dists/SUITE. */
	size_t		 suite_len;
};

/*
 * Classify a request target (len bytes, no NUL needed).  Returns 0 with
 * out filled, or the HTTP status to answer with: 400 for a malformed
 * target, 403 for a well-formed one the proxy does not fetch (another
 * scheme, a path not of archive shape), 414 for one too long; *why then
 * says why in a few words.
 */
int	proxyurl_parse(const char *target, size_t len, struct proxyurl *out,
	    const char **why);

/*
 * Is the request's host in list ("any", or host names / addresses with
 * an optional :PORT, split by spaces or commas; a name matches itself
 * only, not its subdomains)?  A local host (host_local) matches only
 * when listed by name, never through "any".
 */
bool	proxyurl_host_allowed(const struct proxyurl *, const char *list);

/* The same, but "any" does not count: is the host listed by name? */
bool	proxyurl_host_listed(const struct proxyurl *, const char *list);

#endif
