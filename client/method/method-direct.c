/* SPDX-License-Identifier: ISC */
/*
 * method-direct.c - fetching from the mirror with libcurl's multi
 * interface: the path when aptbtd is absent, for private files, and for
 * the one retry after a hash mismatch.
 *
 * All transfers of this process share one multi handle, so connections
 * to a mirror are reused across apt's pipelined requests.  Bytes go to
 * the item layer as they arrive, so apt's progress (a stat of the file)
 * is true, and the verdict is the same as on the daemon path.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/method/backend.h"
#include "client/method/method.h"
#include "common/mirrorcurl.h"

struct xfer {
	CURL		*easy;
	struct item	*it;
	bool		 checked;	/* response code looked at */
	bool		 body_ok;	/* the body is the file */
	bool		 too_big;
	int		 write_err;	/* -errno from item_write */
	char		 status[128];	/* reason phrase of the last response */
	char		 errbuf[CURL_ERROR_SIZE];
	char		*user, *pass;
};

static CURLM	*multi;

static int
direct_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (multi = curl_multi_init()) == NULL)
		return -ENOMEM;
	return 0;
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL) {
		curl_multi_remove_handle(multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	free(x->user);
	free(x->pass);
	free(x);
}

static void
direct_cancel(struct item *it)
{
	xfer_free(it->be_data);
	it->be_data = NULL;
}

static void
direct_cleanup(void)
{
	if (multi != NULL)
		curl_multi_cleanup(multi);
	multi = NULL;
	curl_global_cleanup();
}

static bool
is_http(const struct item *it)
{
	return strncasecmp(it->url, "http", 4) == 0;
}

/* The first body bytes: is this the file, and how big is it? */
static void
check_response(struct xfer *x)
{
	curl_off_t	 len = -1, ft = -1;
	long		 code = 0;

	x->checked = true;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	x->body_ok = !is_http(x->it) || (code >= 200 && code < 300);
	if (!x->body_ok)
		return;
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	curl_easy_getinfo(x->easy, CURLINFO_FILETIME_T, &ft);
	item_start(x->it, len >= 0 ? (int64_t)len : -1, ft > 0 ? ft : 0);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	int		 r;

	if (!x->checked)
		check_response(x);
	if (!x->body_ok)
		return size * n;	/* an error page: not the file */
	if ((r = item_write(x->it, p, size * n)) < 0) {
		if (r == -EFBIG)
			x->too_big = true;
		else
			x->write_err = r;
		return 0;		/* stops the transfer */
	}
	return size * n;
}

/* Keep the reason phrase of each status line for apt's message. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n, i;
	char		*sp;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->checked = false;
		x->status[0] = '\0';
		if ((sp = memchr(p, ' ', len)) == NULL)
			return len;
		sp++;
		len -= (size_t)(sp - p);
		if ((p = memchr(sp, ' ', len)) == NULL)
			return size * n;
		len -= (size_t)(p - sp);
		for (i = 0; i < len && i + 1 < sizeof(x->status); i++) {
			if (p[i] == '\r' || p[i] == '\n')
				break;
			x->status[i] = p[i];
		}
		x->status[i] = '\0';
	}
	return size * n;
}

static void
set_tls(CURL *e)
{
	const char	*v;

	if ((v = conf_get(&method.conf, "Acquire::https::CaInfo")) != NULL &&
	    *v != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, v);
	if (!conf_get_bool(&method.conf, "Acquire::https::Verify-Peer", true))
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	if (!conf_get_bool(&method.conf, "Acquire::https::Verify-Host", true))
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	/* A client certificate is a credential: such files stay direct. */
	if ((v = conf_get(&method.conf, "Acquire::https::SslCert")) != NULL &&
	    *v != '\0')
		curl_easy_setopt(e, CURLOPT_SSLCERT, v);
	if ((v = conf_get(&method.conf, "Acquire::https::SslKey")) != NULL &&
	    *v != '\0')
		curl_easy_setopt(e, CURLOPT_SSLKEY, v);
}

static int
direct_start(struct item *it)
{
	struct xfer	*x;
	const char	*proxy;
	CURL		*e;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	x->it = it;
	if ((e = x->easy = curl_easy_init()) == NULL) {
		free(x);
		return -ENOMEM;
	}
	/* apt pipelines on one connection; a few in parallel do as well. */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    conf_get_long(&method.conf, "Acquire::aptbt::Max-Host-Connections",
	    4));
	if (mcurl_setup(e, it->url, method.timeout, method.timeout) < 0) {
		xfer_free(x);
		return -EINVAL;
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	if (it->ims > 0) {
		curl_easy_setopt(e, CURLOPT_TIMECONDITION,
		    (long)CURL_TIMECOND_IFMODSINCE);
		curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE,
		    (curl_off_t)it->ims);
	}
	if (it->max_size >= 0)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)it->max_size);
	if ((proxy = conf_proxy(&method.conf, it->url)) != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, proxy);
	if (!url_has_userinfo(it->url) &&
	    auth_lookup(&method.conf, it->url, &x->user, &x->pass) &&
	    x->user != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, x->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, x->pass);
	}
	set_tls(e);
	if (curl_multi_add_handle(multi, e) != CURLM_OK) {
		xfer_free(x);
		return -ENOMEM;
	}
	it->be_data = x;
	method_debug("%s: fetching %s directly", it->uri, it->url);
	return 0;
}

/*
 * One transfer ended: pass the verdict on (the item layer then cancels
 * it, which frees x).
 */
static void
xfer_done(struct xfer *x, CURLcode rc)
{
	struct item	*it = x->it;
	struct mcurl_fail f;
	long		 code = 0, port = 0, unmet = 0;
	char		*ip = NULL;
	char		 where[96] = "";
	curl_off_t	 ft = -1;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_CONDITION_UNMET, &unmet);
	curl_easy_getinfo(x->easy, CURLINFO_FILETIME_T, &ft);
	if (curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
	    ip != NULL && *ip != '\0') {
		curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_PORT, &port);
		snprintf(where, sizeof(where), " [IP: %s %ld]", ip, port);
	}

	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		item_fail(it, "MaximumSizeExceeded", false,
		    "File is larger than expected (more than %lld bytes). "
		    "Mirror sync in progress?%s", (long long)it->max_size,
		    where);
	} else if (x->write_err < 0) {
		item_fail(it, NULL, false, "Cannot write %s: %s",
		    it->filename, strerror(-x->write_err));
	} else if (rc != CURLE_OK) {
		mcurl_fail(&f, rc, code);
		item_fail(it, f.reason, f.transient, "%s",
		    x->errbuf[0] != '\0' ? x->errbuf : f.text);
	} else if (unmet || (is_http(it) && code == 304)) {
		item_ims_hit(it, ft > 0 ? ft : 0);
	} else if (is_http(it) && (code < 200 || code >= 300)) {
		mcurl_fail(&f, CURLE_HTTP_RETURNED_ERROR, code);
		/* HTTP/2 has no reason phrase: apt's "404  Not Found". */
		if (x->status[0] == '\0')
			snprintf(x->status, sizeof(x->status), " %s", f.text);
		item_fail(it, f.reason, f.transient, "%ld %s%s", code,
		    x->status, where);
	} else {
		if (!x->checked)
			check_response(x);
		item_complete(it, ft > 0 ? ft : 0);
	}
}

/* libcurl's sockets are its own: it waits for them and the loop's. */
static int
direct_wait(struct pollfd *pfd, unsigned int n, int timeout_ms)
{
	struct curl_waitfd	 wfd[4];
	unsigned int		 i;

	if (n > sizeof(wfd) / sizeof(wfd[0]))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		wfd[i].fd = pfd[i].fd;
		wfd[i].events = pfd[i].events;
		wfd[i].revents = 0;
	}
	if (curl_multi_poll(multi, wfd, n, timeout_ms, NULL) != CURLM_OK)
		return -EIO;
	for (i = 0; i < n; i++)
		pfd[i].revents = wfd[i].revents;
	return 0;
}

static void
direct_run(short revents)
{
	struct xfer	*x;
	CURLMsg		*m;
	char		*p;
	int		 running, left;

	(void)revents;
	curl_multi_perform(multi, &running);
	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		if ((x = (struct xfer *)(void *)p) != NULL)
			xfer_done(x, m->data.result);
	}
}

const struct method_backend direct_backend = {
	.name = "the mirror",
	.init = direct_init,
	.cleanup = direct_cleanup,
	.start = direct_start,
	.cancel = direct_cancel,
	.wait = direct_wait,
	.run = direct_run,
};
