/* SPDX-License-Identifier: ISC */
/*
 * proxyurl.c - the proxy front end's request targets, checked and rebuilt.
 *
 * Everything is refused unless it has the one shape we know: a host that
 * libcurl's resolver cannot read as something else (no user info, no
 * numeric forms other than a dotted quad or a bracketed IPv6 address,
 * whose meaning inet_aton and inet_pton would disagree on) and a path
 * whose segments a server cannot reinterpret (no ".", "..", empty
 * segments, escaped dots or slashes).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "common/proxyurl.h"

#define FAIL(code, msg)	do { *why = (msg); return (code); } while (0)

static bool
has_prefix_ci(const char *s, size_t len, const char *p)
{
	size_t	n = strlen(p);

	return len >= n && strncasecmp(s, p, n) == 0;
}

static bool
v4_local(const uint8_t *a)
{
	return a[0] == 127 || a[0] == 0 || (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static bool
v6_local(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
		return v4_local(a->s6_addr + 12);
	return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a);
}

static bool
name_local(const char *h)
{
	static const char *const names[] = {
		"localhost", "ip6-localhost", "ip6-loopback", "localhost6",
	};
	size_t	i, n = strlen(h);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(h, names[i]) == 0)
			return true;
	return n >= 10 && strcmp(h + n - 10, ".localhost") == 0;
}

/* A host name's labels: letters, digits, inner hyphens; none empty. */
static bool
name_ok(const char *h)
{
	const char	*label = h, *p;

	for (p = h;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || *label == '-' || p[-1] == '-' ||
			    p - label > 63)
				return false;
			if (*p == '\0')
				return true;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	}
}

/*
 * Could a resolver read this name as an address (inet_aton's "127.1",
 * "2130706433", "0x7f.1")?  A real name's last label is never numeric.
 */
static bool
looks_numeric(const char *h)
{
	const char	*last = strrchr(h, '.');
	const char	*p;

	last = last == NULL ? h : last + 1;
	if (last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))
		return true;
	for (p = last; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* HOST[:PORT] of len bytes into out; 0 or an HTTP status. */
static int
parse_authority(const char *s, size_t len, struct proxyurl *out,
    const char **why)
{
	const char	*colon = NULL, *end = s + len, *p;
	size_t		 hlen;
	unsigned long	 port = 0;
	uint8_t		 a4[4];
	struct in6_addr	 a6;

	if (len == 0)
		FAIL(400, "no host");
	if (memchr(s, '@', len) != NULL)
		FAIL(400, "user information in the URL");
	if (s[0] == '[') {
		if ((p = memchr(s, ']', len)) == NULL)
			FAIL(400, "unterminated IPv6 address");
		hlen = (size_t)(p - s - 1);
		if (hlen == 0 || hlen >= sizeof(out->host))
			FAIL(400, "bad IPv6 address");
		memcpy(out->host, s + 1, hlen);
		out->host[hlen] = '\0';
		if (inet_pton(AF_INET6, out->host, &a6) != 1)
			FAIL(400, "bad IPv6 address");
		out->host_local = v6_local(&a6);
		p++;
		if (p < end && *p != ':')
			FAIL(400, "junk after the IPv6 address");
		colon = p < end ? p : NULL;
	} else {
		colon = memchr(s, ':', len);
		hlen = colon != NULL ? (size_t)(colon - s) : len;
		if (hlen == 0 || hlen > PROXYURL_HOST_MAX)
			FAIL(400, "bad host name");
		for (p = s; p < s + hlen; p++)
			out->host[p - s] = (char)tolower((unsigned char)*p);
		out->host[hlen] = '\0';
		if (!name_ok(out->host))
			FAIL(400, "bad host name");
		if (looks_numeric(out->host)) {
			if (inet_pton(AF_INET, out->host, a4) != 1)
				FAIL(400, "not a dotted-quad address");
			out->host_local = v4_local(a4);
		} else
			out->host_local = name_local(out->host);
	}
	if (colon != NULL) {
		if (colon + 1 == end || end - colon > 6)
			FAIL(400, "bad port");
		for (p = colon + 1; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				FAIL(400, "bad port");
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port == 0 || port > 65535)
			FAIL(400, "bad port");
	}
	out->port = (uint16_t)port;
	return 0;
}

static bool
seg_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/*
 * The path (from its '/', len bytes): every segment checked, its kind
 * found.  dists and pool are offsets of those segments, or -1.
 */
static int
parse_path(const char *s, size_t len, struct proxyurl *out, long *archive,
    long *suite_end, const char **why)
{
	const char	*seg, *p, *end = s + len;
	size_t		 slen, nseg = 0, after = 0, last = 0;
	long		 at = -1, sfx = -1;
	bool		 dists = false, byhash = false;
	int		 c;

	if (len == 1)
		FAIL(403, "not an archive path (dists/ or pool/)");
	for (seg = s + 1; seg <= end; seg = p + 1) {
		p = memchr(seg, '/', (size_t)(end - seg));
		if (p == NULL)
			p = end;
		slen = (size_t)(p - seg);
		if (slen == 0)
			FAIL(400, "empty path segment");
		if (seg_is(seg, slen, ".") || seg_is(seg, slen, ".."))
			FAIL(400, "dot segment in the path");
		for (const char *q = seg; q < p; q++) {
			if (*q != '%')
				continue;
			if (p - q < 3 || hex_digit(q[1]) < 0 ||
			    hex_digit(q[2]) < 0)
				FAIL(400, "bad percent escape");
			c = hex_digit(q[1]) * 16 + hex_digit(q[2]);
			if (c <= 0x20 || c >= 0x7f || c == '/' || c == '.' ||
			    c == '\\' || c == '%')
				FAIL(400, "escaped separator in the path");
		}
		nseg++;
		if (at < 0 && (seg_is(seg, slen, "dists") ||
		    seg_is(seg, slen, "pool"))) {
			at = (long)(seg - s);
			dists = seg[0] == 'd';
			after = 0;
		} else if (at >= 0) {
			after++;
			if (after == 1)
				sfx = (long)(p - s);
			if (dists && seg_is(seg, slen, "by-hash"))
				byhash = true;
		}
		last = (size_t)(seg - s);
		if (p == end)
			break;
	}
	if (at < 0 || after == 0)
		FAIL(403, "not an archive path (dists/ or pool/)");
	*archive = at;
	*suite_end = -1;
	if (!dists)
		out->kind = PROXYURL_POOL;
	else {
		if (after < 2)
			FAIL(403, "not an archive path (dists/SUITE/FILE)");
		*suite_end = sfx;
		slen = len - last;
		if (byhash)
			out->kind = PROXYURL_BYHASH;
		else if (after == 2 && (seg_is(s + last, slen, "InRelease") ||
		    seg_is(s + last, slen, "Release") ||
		    seg_is(s + last, slen, "Release.gpg")))
			out->kind = PROXYURL_RELEASE;
		else
			out->kind = PROXYURL_INDEX;
	}
	(void)nseg;
	return 0;
}

int
proxyurl_parse(const char *t, size_t len, struct proxyurl *out,
    const char **why)
{
	const char	*auth, *path, *p;
	size_t		 alen, plen, i, hl;
	long		 archive, suite_end;
	int		 rc, n;

	memset(out, 0, sizeof(*out));
	*why = "";
	if (len == 0)
		FAIL(400, "empty request target");
	if (len > PROXYURL_MAX)
		FAIL(414, "request target too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f ||
		    t[i] == '\\')
			FAIL(400, "control, blank or non-ASCII byte in the URL");
	if (memchr(t, '?', len) != NULL || memchr(t, '#', len) != NULL)
		FAIL(403, "query or fragment in the URL");
	if (has_prefix_ci(t, len, "http://")) {
		auth = t + 7;
		p = memchr(auth, '/', len - 7);
		if (p == NULL)
			FAIL(403, "not an archive path (dists/ or pool/)");
		alen = (size_t)(p - auth);
		if ((rc = parse_authority(auth, alen, out, why)) != 0)
			return rc;
		path = p;
		plen = len - (size_t)(p - t);
		if (!has_prefix_ci(path, plen, "/HTTPS///"))
			goto have_host;
	} else if (t[0] == '/') {
		path = t;
		plen = len;
		if (plen == 1) {
			out->kind = PROXYURL_USAGE;
			return 0;
		}
	} else if (memchr(t, ':', len) != NULL)
		FAIL(403, "only http and https URLs are fetched");
	else
		FAIL(400, "not a URL");
	/* /HTTPS///HOST/PATH or /HOST/PATH */
	memset(out, 0, sizeof(*out));
	if (has_prefix_ci(path, plen, "/HTTPS///")) {
		out->https = true;
		path += 9;
		plen -= 9;
	} else {
		path += 1;
		plen -= 1;
	}
	if ((p = memchr(path, '/', plen)) == NULL)
		FAIL(403, "not an archive path (dists/ or pool/)");
	if ((rc = parse_authority(path, (size_t)(p - path), out, why)) != 0)
		return rc;
	plen -= (size_t)(p - path);
	path = p;
have_host:
	if ((rc = parse_path(path, plen, out, &archive, &suite_end, why)) != 0)
		return rc;
	hl = strchr(out->host, ':') != NULL ? 2 : 0;	/* IPv6: [] */
	n = snprintf(out->url, sizeof(out->url), "%s://%s%s%s", out->https ?
	    "https" : "http", hl ? "[" : "", out->host, hl ? "]" : "");
	if (out->port != 0)
		n += snprintf(out->url + n, sizeof(out->url) - (size_t)n,
		    ":%u", out->port);
	if ((size_t)n + plen > PROXYURL_MAX)
		FAIL(414, "URL too long");
	memcpy(out->url + n, path, plen);
	out->url[(size_t)n + plen] = '\0';
	out->base_len = (size_t)n + (size_t)archive;
	out->suite_len = suite_end >= 0 ? (size_t)n + (size_t)suite_end : 0;
	return 0;
}

static bool
host_in(const struct proxyurl *u, const char *list, bool any_counts)
{
	const char	*p = list, *tok, *tok0, *colon, *rb;
	size_t		 tlen, hlen, plen;
	unsigned long	 port;
	char		*end;
	uint16_t	 want = u->port != 0 ? u->port : u->https ? 443 : 80;

	while (*p != '\0') {
		p += strspn(p, " ,\t");
		tok = tok0 = p;
		tlen = strcspn(p, " ,\t");
		p += tlen;
		if (tlen == 0)
			continue;
		if (tlen == 3 && strncasecmp(tok, "any", 3) == 0) {
			if (any_counts && !u->host_local)
				return true;
			continue;
		}
		/* [v6]:port, name:port, or without the port */
		rb = tok[0] == '[' ? memchr(tok, ']', tlen) : NULL;
		colon = memchr(rb != NULL ? rb : tok, ':',
		    tlen - (size_t)((rb != NULL ? rb : tok) - tok));
		if (rb == NULL && tok[0] != '[' && colon != NULL &&
		    memchr(colon + 1, ':', tlen - (size_t)(colon + 1 - tok)))
			colon = NULL;		/* bare IPv6 */
		hlen = colon != NULL ? (size_t)(colon - tok) : tlen;
		if (rb != NULL) {
			tok++;
			hlen = (size_t)(rb - tok);
		}
		if (hlen != strlen(u->host) ||
		    strncasecmp(tok, u->host, hlen) != 0)
			continue;
		if (colon == NULL)
			return true;
		plen = tlen - (size_t)(colon + 1 - tok0);
		if (plen == 0 || plen > 5 ||
		    strspn(colon + 1, "0123456789") < plen)
			continue;
		port = strtoul(colon + 1, &end, 10);
		if (port == want)
			return true;
	}
	return false;
}

bool
proxyurl_host_allowed(const struct proxyurl *u, const char *list)
{
	return host_in(u, list, true);
}

bool
proxyurl_host_listed(const struct proxyurl *u, const char *list)
{
	return host_in(u, list, false);
}
