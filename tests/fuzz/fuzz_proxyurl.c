/* SPDX-License-Identifier: ISC */
/*
 * fuzz_proxyurl.c - fuzz target for the proxy's request-target classifier.
 *
 * The input is one request target.  Whatever is accepted must be a URL
 * the classifier itself accepts again, unchanged (so the rebuilt URL
 * says nothing the checks did not see): http or https, no dot or empty
 * segment, no query, only printable ASCII, the archive's top a prefix
 * ending in '/'.  Whatever is refused carries a 4xx status and a reason.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/proxyurl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct proxyurl	u, again;
	const char		*why, *auth;
	size_t			 i, n;
	int			 rc;

	rc = proxyurl_parse((const char *)data, len, &u, &why);
	if (rc != 0) {
		CHECK(rc >= 400 && rc < 500);
		CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	if (u.kind == PROXYURL_USAGE)
		return 0;
	n = strlen(u.url);
	CHECK(n > 0 && n <= PROXYURL_MAX);
	CHECK(strncmp(u.url, "http://", 7) == 0 ||
	    strncmp(u.url, "https://", 8) == 0);
	CHECK(u.https == (u.url[4] == 's'));
	for (i = 0; i < n; i++)
		CHECK(u.url[i] > 0x20 && u.url[i] < 0x7f && u.url[i] != '?' &&
		    u.url[i] != '#' && u.url[i] != '\\');
	auth = strstr(u.url, "://") + 3;
	CHECK(memchr(auth, '@', (size_t)(strchr(auth, '/') - auth)) == NULL);
	CHECK(strstr(u.url + 8, "//") == NULL);
	CHECK(strstr(u.url, "/../") == NULL && strstr(u.url, "/./") == NULL);
	CHECK(u.base_len > 0 && u.base_len < n && u.url[u.base_len - 1] == '/');
	CHECK(strncmp(u.url + u.base_len, "dists/", 6) == 0 ||
	    strncmp(u.url + u.base_len, "pool/", 5) == 0);
	CHECK(u.kind == PROXYURL_POOL || (u.suite_len > u.base_len &&
	    u.suite_len < n && u.url[u.suite_len] == '/'));
	/* An https URL is asked for as /HTTPS///, an http one as is. */
	if (u.https) {
		static char	t[PROXYURL_MAX + 16];

		memcpy(t, "/HTTPS///", 9);
		memcpy(t + 9, u.url + 8, n - 8);
		CHECK(proxyurl_parse(t, n + 1, &again, &why) == 0);
	} else
		CHECK(proxyurl_parse(u.url, n, &again, &why) == 0);
	CHECK(strcmp(again.url, u.url) == 0 && again.kind == u.kind &&
	    again.base_len == u.base_len && again.suite_len == u.suite_len &&
	    again.host_local == u.host_local && again.port == u.port);
	(void)proxyurl_host_allowed(&u, "any, a.example:80 [::1]:8080 ::1");
	return 0;
}
