/* SPDX-License-Identifier: ISC */
/*
 * method-daemon.c - fetching through aptbtd over the control socket.
 *
 * One connection carries every request of this method process ("fetch",
 * doc/control-protocol.md).  The daemon answers with a "start" event that
 * brings a read-only descriptor of its cache file, "progress" events as
 * verified bytes become readable, and a final reply.  The item layer
 * copies the bytes into apt's file as they come and hashes them: the
 * daemon's checks are a service, not the anchor.
 *
 * apt must never break because the daemon is down or stuck: a refused
 * connection, a broken stream or silence past Daemon-Timeout sends every
 * request of the connection to the fallback (the mirror directly), and
 * the daemon is not tried again by this process.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/method/backend.h"
#include "client/method/method.h"
#include "common/bencode.h"
#include "common/ctlconn.h"
#include "common/fetchmsg.h"
#include "common/hash.h"
#include "common/mirrorcurl.h"

enum dstate {
	D_UNTRIED,
	D_UP,
	D_DEAD,
};

/* One request on the connection: the item's be_data. */
struct dreq {
	TAILQ_ENTRY(dreq)	 entry;
	struct item		*it;
	int64_t			 id;
};
TAILQ_HEAD(dreq_list, dreq);

static struct {
	enum dstate	 state;
	struct ctlconn	 conn;
	struct timespec	 last_rx;	/* last frame, or first request */
	bool		 answered;	/* any frame seen on this connection */
	bool		 said_down;	/* told stderr we do without it */
	struct dreq_list pending;	/* requests not yet answered */
	struct bytebuf	 req;
} d = {
	.state = D_UNTRIED,
	.conn = { .fd = -1 },
	.pending = TAILQ_HEAD_INITIALIZER(d.pending),
};

static void daemon_give_up(const char *, ...)
    __attribute__((format(printf, 1, 2)));

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
ts_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* Say once, on stderr, that the daemon is not used, and why. */
static void
say_down(const char *why)
{
	if (d.said_down)
		return;
	d.said_down = true;
	fprintf(stderr, "aptbt: aptbtd is not running (%s); fetching "
	    "directly from the mirror\n", why);
}

static struct item *
find_item(int64_t id)
{
	struct dreq	*q;

	TAILQ_FOREACH(q, &d.pending, entry)
		if (q->id == id)
			return q->it;
	return NULL;
}

static void
daemon_cancel(struct item *it)
{
	struct dreq	*q = it->be_data;

	if (q == NULL)
		return;
	TAILQ_REMOVE(&d.pending, q, entry);
	free(q);
	it->be_data = NULL;
}

static bool
connect_daemon(void)
{
	char	 why[512];
	int	 r;

	if ((r = ctlconn_open(&d.conn, method.socket_path)) < 0) {
		d.conn.fd = -1;
		d.state = D_DEAD;
		snprintf(why, sizeof(why), "%s: %s", method.socket_path,
		    strerror(-r));
		say_down(why);
		return false;
	}
	method_debug("connected to aptbtd at %s", method.socket_path);
	d.state = D_UP;
	d.answered = false;
	return true;
}

static int
daemon_start(struct item *it)
{
	struct fetchmsg_req	 fr;
	struct dreq		*q;
	int64_t			 id;
	int			 r;

	if (d.state == D_UNTRIED && !connect_daemon())
		return -ENOTCONN;
	if (d.state != D_UP)
		return -ENOTCONN;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -ENOMEM;

	memset(&fr, 0, sizeof(fr));
	fr.uri = it->url;
	fr.base = it->base;
	fr.ims = it->ims;
	fr.max_size = it->max_size > 0 ? (uint64_t)it->max_size : 0;
	fr.size = it->expect_size;
	if (it->expect[DG_SHA256] != NULL)
		fr.has_sha256 = hex_decode(it->expect[DG_SHA256],
		    strlen(it->expect[DG_SHA256]), fr.sha256, SHA256_LEN);
	id = d.conn.next_id++;
	bytebuf_reset(&d.req);
	if (fetchmsg_put_request(&d.req, id, &fr) != 0) {
		free(q);
		return -EMSGSIZE;	/* too big for a frame */
	}
	if ((r = ctlconn_send(&d.conn, &d.req, (int)method.daemon_timeout *
	    1000)) < 0) {
		free(q);
		daemon_give_up("sending to aptbtd: %s", strerror(-r));
		return r;
	}
	if (TAILQ_EMPTY(&d.pending))
		clock_gettime(CLOCK_MONOTONIC, &d.last_rx);
	q->it = it;
	q->id = id;
	TAILQ_INSERT_TAIL(&d.pending, q, entry);
	it->be_data = q;
	method_debug("%s: request %lld to aptbtd", it->uri, (long long)id);
	return 0;
}

/* A copy failed: say why, for the one item. */
static void
copy_failed(struct item *it, int r)
{
	if (r == -EFBIG)
		item_fail(it, "MaximumSizeExceeded", false,
		    "File is larger than allowed (more than %lld bytes)",
		    (long long)it->max_size);
	else if (r == -EBADMSG)
		/* The daemon's file did not hold what it said: use the mirror. */
		item_fallback(it, false, "aptbtd failed, fetching directly");
	else
		item_fail(it, NULL, false, "Cannot write %s: %s",
		    it->filename, strerror(-r));
}

static void
on_event(struct item *it, const struct fetchmsg_event *e)
{
	int	fd, r;

	if (e->kind == FETCHMSG_START) {
		if ((fd = ctlconn_take_fd(&d.conn)) == -1) {
			daemon_give_up("aptbtd sent no file with its answer");
			return;
		}
		if (it == NULL) {
			close(fd);	/* a request we already gave up on */
			return;
		}
		if ((r = item_source(it, fd)) < 0) {
			copy_failed(it, r);
			return;
		}
		item_start(it, e->size, (time_t)e->last_modified);
		return;
	}
	if (it != NULL && e->kind == FETCHMSG_PROGRESS &&
	    (r = item_have(it, e->have)) < 0)
		copy_failed(it, r);
	/* Events we do not know are for later releases: ignore them. */
}

static void
on_reply(struct item *it, const struct fetchmsg_event *e)
{
	int	r;

	if (e->ims_hit) {
		item_ims_hit(it, (time_t)e->last_modified);
		return;
	}
	item_start(it, e->size, (time_t)e->last_modified);
	if ((r = item_have(it, (uint64_t)e->size)) < 0 ||
	    (r = it->written == (uint64_t)e->size ? 0 : -EBADMSG) < 0) {
		copy_failed(it, r);
		return;
	}
	item_complete(it, (time_t)e->last_modified);
}

/*
 * Say an HTTP error as apt's own http method does ("404  Not Found": the
 * status line's reason phrase keeps its leading blank), so scripts and
 * people that know apt's messages find them; false when reason is not
 * an HttpErrorNNN word.
 */
static bool
http_error_text(const char *reason, char *text, size_t len)
{
	struct mcurl_fail	 f;
	const char		*p;
	char			*end;
	long			 code;

	if (strncmp(reason, "HttpError", 9) != 0)
		return false;
	p = reason + 9;
	if (*p < '1' || *p > '9')
		return false;
	code = strtol(p, &end, 10);
	if (*end != '\0' || code > 999)
		return false;
	mcurl_fail(&f, CURLE_HTTP_RETURNED_ERROR, code);
	snprintf(text, len, "%ld  %s", code, f.text);
	return true;
}

static void
on_error(struct item *it, const struct benc_doc *doc, int msg)
{
	const uint8_t	*s;
	size_t		 len;
	char		 reason[64], text[512];
	int64_t		 transient = 0;

	reason[0] = text[0] = '\0';
	if (benc_dict_str(doc, msg, "reason", &s, &len) &&
	    len < sizeof(reason)) {
		memcpy(reason, s, len);
		reason[len] = '\0';
	}
	if (benc_dict_str(doc, msg, "error", &s, &len))
		snprintf(text, sizeof(text), "%.*s", (int)len, s);
	benc_dict_int(doc, msg, "transient", &transient);
	method_debug("%s: aptbtd: %s (%s)", it->uri, text, reason);

	/*
	 * What a mirror said about the file (404, too big) would only be
	 * said again: apt gets it.  Anything else may be the daemon's own
	 * trouble (its cache, a shutdown) or its view of the network (a
	 * mirror it cannot reach, perhaps for want of apt's proxy), so it
	 * is worth one fetch from the mirror; so is a mismatch the daemon
	 * could not settle, after which the mirror has the last word.
	 */
	if (!http_error_text(reason, text, sizeof(text)) &&
	    strcmp(reason, "MaximumSizeExceeded") != 0) {
		item_fallback(it, strcmp(reason, "HashSumMismatch") == 0,
		    "aptbtd failed, fetching directly");
		return;
	}
	item_fail(it, reason, transient == 1, "%s", text[0] != '\0' ? text :
	    reason);
}

static void
on_frame(const struct benc_doc *doc)
{
	struct fetchmsg_event	 e;
	const uint8_t		*ev = NULL;
	size_t			 evlen = 0;
	struct item		*it;
	int64_t			 id, ok;
	int			 res;

	if (!benc_dict_int(doc, 0, "id", &id) ||
	    !benc_dict_int(doc, 0, "ok", &ok)) {
		daemon_give_up("aptbtd sent a message without id or ok");
		return;
	}
	it = find_item(id);
	res = benc_dict_get_type(doc, 0, "result", BENC_DICT);
	if (benc_dict_str(doc, 0, "event", &ev, &evlen)) {
		if (fetchmsg_get_event(doc, ev, evlen, res, &e) == 0)
			on_event(it, &e);
		return;
	}
	if (it == NULL)
		return;
	if (ok != 1)
		on_error(it, doc, 0);
	else if (fetchmsg_get_event(doc, NULL, 0, res, &e) < 0)
		copy_failed(it, -EBADMSG);	/* a reply without its size */
	else
		on_reply(it, &e);
}

static int
daemon_fd(short *events)
{
	if (d.state != D_UP)
		return -1;
	*events = POLLIN;
	return d.conn.fd;
}

static void
daemon_io(short revents)
{
	struct benc_doc	 doc;
	int		 r;

	if (d.state != D_UP || (revents & (POLLIN | POLLHUP | POLLERR)) == 0)
		return;
	for (;;) {
		r = ctlconn_fill(&d.conn);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			daemon_give_up("aptbtd closed the connection (%s)",
			    strerror(-r));
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &d.last_rx);
		d.answered = true;
		while (d.state == D_UP &&
		    (r = ctlconn_next(&d.conn, &doc)) == 1) {
			on_frame(&doc);
			benc_free(&doc);
			/*
			 * apt sends its next request when one is done: tell
			 * it now, not after the rest of what arrived.
			 */
			method_flush();
		}
		if (d.state != D_UP)
			return;
		if (r < 0) {
			daemon_give_up("aptbtd sent a malformed message");
			return;
		}
	}
}

/* Silence allowed: short until the daemon has shown it is alive. */
static int64_t
deadline_ms(void)
{
	long	 s = method.daemon_timeout;

	if (d.answered && method.timeout > s)
		s = method.timeout;
	return ts_ms(&d.last_rx) + (int64_t)s * 1000;
}

static int
daemon_timeout_ms(void)
{
	int64_t	 left;

	if (d.state != D_UP || TAILQ_EMPTY(&d.pending))
		return -1;
	left = deadline_ms() - now_ms();
	if (left < 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

static void
daemon_run(short revents)
{
	if (revents != 0)
		daemon_io(revents);
	if (d.state != D_UP || TAILQ_EMPTY(&d.pending) ||
	    now_ms() < deadline_ms())
		return;
	daemon_give_up("no answer from aptbtd within %ld seconds",
	    d.answered && method.timeout > method.daemon_timeout ?
	    method.timeout : method.daemon_timeout);
}

/* Stop using the daemon; everything it had goes to the fallback. */
static void
daemon_give_up(const char *fmt, ...)
{
	struct dreq	*q;
	va_list		 ap;
	char		 why[256];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (d.state == D_UP)
		ctlconn_close(&d.conn);
	d.state = D_DEAD;
	say_down(why);
	/* Each item_fallback cancels (unlinks) its request. */
	while ((q = TAILQ_FIRST(&d.pending)) != NULL)
		item_fallback(q->it, false,
		    "aptbtd not answering, fetching directly");
}

static void
daemon_cleanup(void)
{
	if (d.state == D_UP)
		ctlconn_close(&d.conn);
	d.state = D_DEAD;
	bytebuf_free(&d.req);
}

const struct method_backend daemon_backend = {
	.name = "aptbtd",
	.cleanup = daemon_cleanup,
	.start = daemon_start,
	.cancel = daemon_cancel,
	.fd = daemon_fd,
	.timeout_ms = daemon_timeout_ms,
	.run = daemon_run,
};
