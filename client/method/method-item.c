/* SPDX-License-Identifier: ISC */
/*
 * method-item.c - one file apt asked for: which backend fetches it, its
 * output, digests and verdict.
 *
 * Whichever backend the bytes come by (the daemon's verified cache file
 * or the mirror directly), they are written here, in order, into apt's
 * Filename and hashed as they are written, so what we report is the hash
 * of exactly the bytes apt will read.  201 URI Done is sent only when
 * every digest apt expects matches; on a mismatch the file is removed and
 * fetched once more through the fallback (the mirror, whoever was wrong),
 * then it is 400.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/method/aptmsg.h"
#include "client/method/backend.h"
#include "client/method/item.h"
#include "client/method/method.h"

/* Bytes copied per read of a source descriptor. */
#define COPY_CHUNK	(256 * 1024)

TAILQ_HEAD(item_list, item);

static struct item_list	 items = TAILQ_HEAD_INITIALIZER(items);
static const struct method_backend *first, *fallback;

static void	 item_free(struct item *);

/* What apt calls each digest, expected and reported. */
static const struct {
	const char	*expect;	/* in 600 URI Acquire */
	const char	*report;	/* in 201 URI Done */
	const char	*report2;	/* the older name apt also sends */
	size_t		 hexlen;
} dg_names[DG_NALG] = {
	[DG_SHA512] = { "Expected-SHA512", "SHA512-Hash", NULL, 128 },
	[DG_SHA256] = { "Expected-SHA256", "SHA256-Hash", NULL, 64 },
	[DG_SHA1] = { "Expected-SHA1", "SHA1-Hash", NULL, 40 },
	[DG_MD5] = { "Expected-MD5Sum", "MD5Sum-Hash", "MD5-Hash", 32 },
};

static const EVP_MD *
dg_md(enum dg_alg a)
{
	switch (a) {
	case DG_SHA512:
		return EVP_sha512();
	case DG_SHA256:
		return EVP_sha256();
	case DG_SHA1:
		return EVP_sha1();
	default:
		return EVP_md5();
	}
}

static int64_t
parse_size(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return v;
}

/* "aptbt+http://..." to "http://..."; NULL for what we do not fetch. */
static char *
plain_url(const char *uri)
{
	static const char *const schemes[] = { "http://", "https://",
	    "ftp://" };
	const char	*p = uri;
	size_t		 i;

	if (strncasecmp(p, "aptbt+", 6) == 0)
		p += 6;
	else if (strncasecmp(p, "aptbt://", 8) == 0) {
		char	*u;

		if (asprintf(&u, "http://%s", p + 8) == -1)
			return NULL;
		return u;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncasecmp(p, schemes[i], strlen(schemes[i])) == 0)
			return strdup(p);
	return NULL;
}

/* TOP + "dists/" + RELEASE + "/" for a package of a suite, else BASE. */
static char *
suite_base(const char *base, const char *type, const char *release)
{
	char	*top, *u;
	size_t	 len;

	if (type == NULL || strcmp(type, "deb") != 0 || release == NULL ||
	    *release == '\0' || strstr(release, "..") != NULL ||
	    strpbrk(release, "?#") != NULL)
		return plain_url(base);
	if ((top = plain_url(base)) == NULL)
		return NULL;
	len = strlen(top);
	/* A flat repository ("./" or "dir/") has no dists/. */
	if (release[strlen(release) - 1] == '/') {
		if (strcmp(release, "./") == 0)
			return top;
		if (asprintf(&u, "%s%s%s", top, len > 0 &&
		    top[len - 1] == '/' ? "" : "/", release) == -1)
			u = NULL;
	} else if (asprintf(&u, "%s%sdists/%s/", top, len > 0 &&
	    top[len - 1] == '/' ? "" : "/", release) == -1)
		u = NULL;
	free(top);
	return u;
}

struct item *
item_new(const struct aptmsg *msg, char *err, size_t errlen)
{
	struct item	*it;
	const char	*uri, *fn, *v;
	size_t		 a, i;

	if ((uri = aptmsg_get(msg, "URI")) == NULL ||
	    (fn = aptmsg_get(msg, "Filename")) == NULL || *fn == '\0') {
		snprintf(err, errlen, "600 URI Acquire without URI or Filename");
		return NULL;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	it->fd = -1;
	it->src_fd = -1;
	it->size = -1;
	if ((it->uri = strdup(uri)) == NULL ||
	    (it->filename = strdup(fn)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((it->url = plain_url(uri)) == NULL) {
		snprintf(err, errlen, "Unsupported URI %s", uri);
		goto fail;
	}
	for (a = 0; a < DG_NALG; a++) {
		if ((v = aptmsg_get(msg, dg_names[a].expect)) == NULL)
			continue;
		if ((it->expect[a] = strdup(v)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (i = 0; it->expect[a][i] != '\0'; i++)
			if (it->expect[a][i] >= 'A' && it->expect[a][i] <= 'F')
				it->expect[a][i] += 'a' - 'A';
	}
	it->expect_size = parse_size(aptmsg_get(msg,
	    "Expected-Checksum-FileSize"));
	it->max_size = parse_size(aptmsg_get(msg, "Maximum-Size"));
	if (it->max_size == 0)
		it->max_size = -1;
	if ((v = aptmsg_get(msg, "Last-Modified")) != NULL &&
	    (it->ims = curl_getdate(v, NULL)) < 0)
		it->ims = 0;
	/*
	 * The suite's base: where aptbtd looks for published metadata.  apt
	 * names the suite's directory in Target-Base-URI for index files
	 * only; for packages (Target-Type: deb) it is the archive's top, and
	 * the suite is Target-Release.
	 */
	if ((v = aptmsg_get(msg, "Target-Base-URI")) != NULL)
		it->base = suite_base(v, aptmsg_get(msg, "Target-Type"),
		    aptmsg_get(msg, "Target-Release"));
	return it;
fail:
	item_free(it);
	return NULL;
}

static void
dg_free(struct item *it)
{
	size_t	 a;

	for (a = 0; a < DG_NALG; a++) {
		EVP_MD_CTX_free(it->dg[a]);
		it->dg[a] = NULL;
	}
}

static void
item_free(struct item *it)
{
	size_t	 a;

	if (it == NULL)
		return;
	if (it->prep != NULL && (it->fd = prep_take(it)) != -1 &&
	    it->written == 0)
		(void)unlink(it->filename);	/* made ahead, never used */
	if (it->fd != -1)
		close(it->fd);
	if (it->src_fd != -1)
		close(it->src_fd);
	dg_free(it);
	for (a = 0; a < DG_NALG; a++) {
		free(it->expect[a]);
		free(it->got[a]);
	}
	free(it->uri);
	free(it->url);
	free(it->base);
	free(it->filename);
	free(it);
}

/*
 * Opened on the first byte, so an IMS hit never touches the file, unless
 * it was made ahead (item_prepare).
 */
static int
item_open(struct item *it)
{
	if (it->fd != -1)
		return 0;
	if (it->prep != NULL && (it->fd = prep_take(it)) != -1)
		return 0;
	it->fd = prep_open(it->filename);
	return it->fd == -1 ? -errno : 0;
}

/* Start an attempt from the first byte: empty Filename, fresh digests. */
static int
item_begin(struct item *it)
{
	bool	 any = false;
	size_t	 a;

	if (it->src_fd != -1) {
		close(it->src_fd);
		it->src_fd = -1;
	}
	if (it->fd != -1 && (ftruncate(it->fd, 0) == -1 ||
	    lseek(it->fd, 0, SEEK_SET) == -1))
		return -errno;
	it->written = 0;
	it->started = false;
	it->size = -1;
	it->last_modified = 0;

	/*
	 * SHA-256 always (it is what the daemon is keyed by); the others
	 * when apt expects them, or all of them when apt expects nothing,
	 * as apt's http method does.
	 */
	dg_free(it);
	for (a = 0; a < DG_NALG; a++)
		any |= it->expect[a] != NULL;
	for (a = 0; a < DG_NALG; a++) {
		if (a != DG_SHA256 && any && it->expect[a] == NULL)
			continue;
		if ((it->dg[a] = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(it->dg[a], dg_md(a), NULL) != 1) {
			dg_free(it);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Create Filename ahead of its bytes, when it cannot be an If-Modified-
 * Since hit, so the file is ready when they come; errors wait for them.
 */
static void
item_prepare(struct item *it)
{
	if (it->ims == 0 && it->expect[DG_SHA256] != NULL)
		prep_request(it);
}

/* RFC 1123 date for Last-Modified fields. */
static void
http_date(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	/* The C locale is never changed here, so the names are English. */
	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void
item_start(struct item *it, int64_t size, time_t last_modified)
{
	char	 date[64];

	if (it->started)
		return;
	it->started = true;
	it->size = size;
	it->last_modified = last_modified;
	aptmsg_begin(&method.out, 200, "URI Start");
	aptmsg_add(&method.out, "URI", it->uri);
	if (size >= 0)
		aptmsg_addf(&method.out, "Size", "%lld", (long long)size);
	if (last_modified > 0) {
		http_date(last_modified, date, sizeof(date));
		aptmsg_add(&method.out, "Last-Modified", date);
	}
	aptmsg_end(&method.out);
}

int
item_write(struct item *it, const void *p, size_t len)
{
	const char	*c = p;
	size_t		 a, left;
	ssize_t		 n;
	int		 r;

	if (it->max_size >= 0 && (uint64_t)it->max_size - it->written < len)
		return -EFBIG;
	if ((r = item_open(it)) < 0)
		return r;
	for (a = 0; a < DG_NALG; a++)
		if (it->dg[a] != NULL)
			EVP_DigestUpdate(it->dg[a], p, len);
	for (left = len; left > 0; ) {
		if ((n = write(it->fd, c, left)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += n;
		left -= (size_t)n;
	}
	it->written += len;
	return 0;
}

int
item_source(struct item *it, int fd)
{
	int	 r;

	/* The source began again (after a mismatch): so do we. */
	if (it->src_fd != -1 && (r = item_begin(it)) < 0) {
		close(fd);
		return r;
	}
	it->src_fd = fd;
	return 0;
}

int
item_have(struct item *it, int64_t have)
{
	static char	 buf[COPY_CHUNK];
	uint64_t	 want;
	ssize_t		 n;
	int		 r;

	if (have < 0)
		return -EBADMSG;
	if ((uint64_t)have <= it->written)
		return 0;
	if (it->src_fd == -1)
		return -EBADMSG;
	while (it->written < (uint64_t)have) {
		want = (uint64_t)have - it->written;
		if (want > sizeof(buf))
			want = sizeof(buf);
		n = pread(it->src_fd, buf, (size_t)want, (off_t)it->written);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (n == 0)
			return -EBADMSG;	/* promised bytes missing */
		if ((r = item_write(it, buf, (size_t)n)) < 0)
			return r;
	}
	return 0;
}

/* Remove what we wrote: a bad file must not be left for apt to find. */
static void
item_discard(struct item *it)
{
	if (it->fd != -1) {
		(void)ftruncate(it->fd, 0);
		close(it->fd);
		it->fd = -1;
	}
	(void)unlink(it->filename);
}

/*
 * All bytes are written: on a match report 201 URI Done and return 0; on
 * a mismatch return -EBADMSG with the file removed.
 */
static int
item_done(struct item *it)
{
	char		 hex[DG_NALG][EVP_MAX_MD_SIZE * 2 + 1], date[64];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	size_t		 a, i;
	bool		 ok = true;
	int		 r;

	for (a = 0; a < DG_NALG; a++) {
		hex[a][0] = '\0';
		if (it->dg[a] == NULL)
			continue;
		if (EVP_DigestFinal_ex(it->dg[a], md, &mdlen) != 1)
			return -ENOMEM;
		for (i = 0; i < mdlen; i++)
			snprintf(hex[a] + 2 * i, 3, "%02x", md[i]);
	}
	dg_free(it);
	for (a = 0; a < DG_NALG; a++)
		if (it->expect[a] != NULL && strcmp(it->expect[a], hex[a]) != 0)
			ok = false;
	if (it->expect_size >= 0 && (uint64_t)it->expect_size != it->written)
		ok = false;
	if (!ok) {
		/* Kept for the 400 URI Failure, so apt can show them. */
		for (a = 0; a < DG_NALG; a++) {
			free(it->got[a]);
			it->got[a] = hex[a][0] != '\0' ? strdup(hex[a]) : NULL;
		}
		it->got_size = it->written;
		method_debug("%s: hash mismatch (sha256 %s, expected %s)",
		    it->uri, hex[DG_SHA256],
		    it->expect[DG_SHA256] ? it->expect[DG_SHA256] : "-");
		item_discard(it);
		return -EBADMSG;
	}
	if ((r = item_open(it)) < 0)
		return r;
	/* apt takes the next If-Modified-Since from the file's mtime. */
	if (it->last_modified > 0) {
		struct timespec	 ts[2] = {
			{ .tv_sec = it->last_modified },
			{ .tv_sec = it->last_modified },
		};

		(void)futimens(it->fd, ts);
	}
	if (close(it->fd) == -1) {
		it->fd = -1;
		return -errno;
	}
	it->fd = -1;

	if (!it->started)
		item_start(it, (int64_t)it->written, it->last_modified);
	aptmsg_begin(&method.out, 201, "URI Done");
	aptmsg_add(&method.out, "URI", it->uri);
	aptmsg_add(&method.out, "Filename", it->filename);
	aptmsg_addf(&method.out, "Size", "%llu",
	    (unsigned long long)it->written);
	if (it->last_modified > 0) {
		http_date(it->last_modified, date, sizeof(date));
		aptmsg_add(&method.out, "Last-Modified", date);
	}
	for (a = 0; a < DG_NALG; a++) {
		if (hex[a][0] == '\0')
			continue;
		aptmsg_add(&method.out, dg_names[a].report, hex[a]);
		if (dg_names[a].report2 != NULL)
			aptmsg_add(&method.out, dg_names[a].report2, hex[a]);
	}
	aptmsg_addf(&method.out, "Checksum-FileSize-Hash", "%llu",
	    (unsigned long long)it->written);
	aptmsg_end(&method.out);
	return 0;
}

/* The backend lets go of it; the item lives on. */
static void
detach(struct item *it)
{
	const struct method_backend	*be = it->be;

	if (be == NULL)
		return;
	it->be = NULL;
	be->cancel(it);
	it->be_data = NULL;
}

/* apt has its answer: forget the item. */
static void
finish(struct item *it)
{
	detach(it);
	TAILQ_REMOVE(&items, it, entry);
	item_free(it);
}

void
item_ims_hit(struct item *it, time_t last_modified)
{
	char	 date[64];

	detach(it);
	/* apt keeps its old copy; ours is empty and must not replace it. */
	if (it->fd != -1) {
		close(it->fd);
		it->fd = -1;
	}
	dg_free(it);
	aptmsg_begin(&method.out, 201, "URI Done");
	aptmsg_add(&method.out, "URI", it->uri);
	aptmsg_add(&method.out, "Filename", it->filename);
	aptmsg_add(&method.out, "IMS-Hit", "true");
	if (last_modified <= 0)
		last_modified = it->ims;
	if (last_modified > 0) {
		http_date(last_modified, date, sizeof(date));
		aptmsg_add(&method.out, "Last-Modified", date);
	}
	aptmsg_end(&method.out);
	finish(it);
}

void
item_fail(struct item *it, const char *reason, bool transient,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];
	size_t	 a;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	detach(it);
	if (it->prep != NULL && it->fd == -1)
		it->fd = prep_take(it);
	if (reason != NULL && (strcmp(reason, "HashSumMismatch") == 0 ||
	    strcmp(reason, "MaximumSizeExceeded") == 0))
		item_discard(it);
	else if (it->fd != -1) {
		close(it->fd);
		it->fd = -1;
		/* Made ahead of bytes that never came: leave nothing. */
		if (it->written == 0)
			(void)unlink(it->filename);
	}
	dg_free(it);
	method_debug("%s: failed: %s (%s)", it->uri, msg,
	    reason != NULL ? reason : "-");
	aptmsg_begin(&method.out, 400, "URI Failure");
	aptmsg_add(&method.out, "URI", it->uri);
	aptmsg_add(&method.out, "Message", msg);
	if (reason != NULL)
		aptmsg_add(&method.out, "FailReason", reason);
	if (transient)
		aptmsg_add(&method.out, "Transient-Failure", "true");
	if (reason != NULL && strcmp(reason, "HashSumMismatch") == 0) {
		for (a = 0; a < DG_NALG; a++)
			if (it->got[a] != NULL)
				aptmsg_add(&method.out, dg_names[a].report,
				    it->got[a]);
		aptmsg_addf(&method.out, "Checksum-FileSize-Hash", "%llu",
		    (unsigned long long)it->got_size);
	}
	aptmsg_end(&method.out);
	finish(it);
}

static void
fail_write(struct item *it, int r)
{
	item_fail(it, NULL, false, "Cannot write %s: %s", it->filename,
	    strerror(-r));
}

/* The fallback takes it over; if it cannot, apt may try again later. */
static void
start_fallback(struct item *it)
{
	int	 r;

	if ((r = fallback->start(it)) < 0) {
		item_fail(it, NULL, true, "Cannot start the transfer: %s",
		    strerror(-r));
		return;
	}
	it->be = fallback;
}

/* Fetch it again from the first byte, through the fallback. */
static void
refetch(struct item *it)
{
	int	 r;

	detach(it);
	if ((r = item_begin(it)) < 0) {
		fail_write(it, r);
		return;
	}
	start_fallback(it);
}

void
item_fallback(struct item *it, bool last_word, const char *why)
{
	if (last_word)
		it->retried = true;
	method_say(102, "Status", it->uri, "%s", why);
	refetch(it);
}

void
item_complete(struct item *it, time_t last_modified)
{
	int	 r;

	detach(it);
	if (last_modified > 0)
		it->last_modified = last_modified;
	if ((r = item_done(it)) == 0) {
		finish(it);
		return;
	}
	if (r == -EBADMSG && !it->retried) {
		/* Whoever was wrong, the mirror gets the last word. */
		it->retried = true;
		method_say(102, "Status", it->uri, "Hash Sum mismatch, "
		    "fetching again from the mirror");
		refetch(it);
		return;
	}
	if (r == -EBADMSG)
		item_fail(it, "HashSumMismatch", false, "Hash Sum mismatch");
	else
		fail_write(it, r);
}

void
item_setup(const struct method_backend *f, const struct method_backend *fb)
{
	first = f;
	fallback = fb;
}

void
item_fetch(struct item *it)
{
	int	 r;

	TAILQ_INSERT_TAIL(&items, it, entry);
	if ((r = item_begin(it)) < 0) {
		fail_write(it, r);
		return;
	}
	/* Credentials make a file private: only the fallback sees it. */
	if (!it->private) {
		if (first->start(it) == 0) {
			it->be = first;
			/* While the first backend works on it. */
			item_prepare(it);
			return;
		}
		method_say(102, "Status", it->uri,
		    "%s not running, fetching directly", first->name);
	}
	start_fallback(it);
}

void
item_finish_all(void)
{
	struct item	*it;

	while ((it = TAILQ_FIRST(&items)) != NULL)
		finish(it);
}
