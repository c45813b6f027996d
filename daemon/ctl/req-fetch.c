/*
 * req-fetch.c - "fetch": download a file for the apt method.
 *
 * Arguments: {"ims": T?, "max_size": N?, "sha256": HEX?, "size": N?,
 * "uri": URL}.  The answer comes later, as events and a final reply
 * (fetch.h); here the arguments are checked.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "daemon/engine/fetch.h"
#include "daemon/ctl/request.h"

#define URI_MAX		4096

static const char *const schemes[] = { "http://", "https://", "ftp://" };

static bool
uri_ok(const uint8_t *u, size_t len)
{
	size_t	i, n;

	if (len == 0 || len > URI_MAX || memchr(u, '\0', len) != NULL)
		return false;
	for (i = 0; i < len; i++)
		if (u[i] <= ' ' || u[i] == 0x7f)
			return false;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (len > n && strncasecmp((const char *)u, schemes[i], n) == 0)
			return true;
	}
	return false;
}

static void
req_fetch(struct request *req)
{
	struct fetch_args	 a;
	const uint8_t		*u, *h;
	size_t			 ulen, hlen;
	int64_t			 v;
	char			 uri[URI_MAX + 1], base[URI_MAX + 1];

	memset(&a, 0, sizeof(a));
	a.size = -1;
	if (!request_arg_str(req, "uri", &u, &ulen) || !uri_ok(u, ulen)) {
		request_reply_error(req, "BadRequest",
		    "fetch needs an http, https or ftp \"uri\"");
		return;
	}
	memcpy(uri, u, ulen);
	uri[ulen] = '\0';
	a.uri = uri;
	if (request_arg_str(req, "sha256", &h, &hlen)) {
		if (hlen != 2 * SHA256_LEN || !hex_decode((const char *)h,
		    hlen, a.sha256, SHA256_LEN)) {
			request_reply_error(req, "BadRequest",
			    "\"sha256\" must be 64 hex digits");
			return;
		}
		a.has_sha256 = true;
	}
	if (request_arg_int(req, "size", &v)) {
		if (v < 0) {
			request_reply_error(req, "BadRequest", "bad \"size\"");
			return;
		}
		a.size = v;
	}
	if (request_arg_int(req, "max_size", &v) && v > 0)
		a.max_size = (uint64_t)v;
	if (request_arg_int(req, "ims", &v) && v > 0)
		a.ims = (time_t)v;
	if (request_arg_str(req, "base", &u, &ulen) && uri_ok(u, ulen)) {
		memcpy(base, u, ulen);
		base[ulen] = '\0';
		a.base = base;
	}
	if (a.max_size > 0 && a.size > 0 && (uint64_t)a.size > a.max_size) {
		request_reply_error(req, "MaximumSizeExceeded",
		    "expected size %lld is over the maximum %llu",
		    (long long)a.size, (unsigned long long)a.max_size);
		return;
	}
	fetch_request(req->conn, req->id, &a);
}

const struct request_entry req_fetch_entry = {
	"fetch", ACCESS_FETCH,
	"fetch uri=URL [sha256=HEX] [size=N] [max_size=N] [ims=T] [base=URL]",
	req_fetch
};
