/* SPDX-License-Identifier: ISC */
/*
 * trkhttp.c - announces to HTTP trackers (BEP 3, 23, 7) over libcurl's
 * multi handle that already runs on the loop for mirrors (ws_get).
 *
 * A batch of seeds (doc/trackers.md) is a POST to the URL the tracker
 * advertised; any failure of it is only that: the tracker stays usable
 * for announces.
 *
 * A scrape (BEP 48) goes to the announce URL with its last segment
 * "announce" made "scrape"; a tracker without one cannot be scraped.
 *
 * A tracker that cannot be reached at all, or whose announce path does
 * not exist (404), is "absent": the client then leaves it alone for an
 * hour.  A reply is read into memory up to TRK_MAX_REPLY bytes; a longer
 * one is cut off and counts as a failure.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/base/webseed.h"
#include "daemon/share/trkconn.h"

#define HTTP_TIMEOUT	10L	/* seconds: connecting, then the whole reply */

static bool
h_start(void *arg, const struct ws_resp *r)
{
	return true;
}

static enum ws_data
h_data(void *arg, const uint8_t *data, size_t n)
{
	struct trk_req	*q = arg;
	uint8_t		*nb;

	if (q->len + n > TRK_MAX_REPLY ||
	    (nb = realloc(q->buf, q->len + n)) == NULL) {
		q->too_big = true;
		return WS_DATA_STOP;
	}
	q->buf = nb;
	memcpy(q->buf + q->len, data, n);
	q->len += n;
	return WS_DATA_TAKEN;
}

/* What a batch's reply says, in q->reply (interval, failure text). */
static enum trk_status
batch_status(struct trk_req *q, const struct ws_result *r)
{
	struct trk_batch_reply	b;
	int			rc = 0;

	memset(&q->reply, 0, offsetof(struct trk_reply, peers));
	q->reply.interval = q->reply.min_interval = -1;
	if (!r->ok) {
		log_info("tracker %s: batch: %s", q->t->seeds_url, r->msg);
		return TRK_ST_FAILED;
	}
	if (q->too_big || (rc = trk_batch_parse(q->buf, q->len, &b)) != 0) {
		log_info("tracker %s: batch: %s", q->t->seeds_url,
		    q->too_big ? "reply too large" : trk_strerror(rc));
		return TRK_ST_FAILED;
	}
	if (b.failed) {
		q->reply.failed = true;
		memcpy(q->reply.message, b.message, sizeof(q->reply.message));
		return TRK_ST_REFUSED;
	}
	if (b.count >= 0 && (size_t)b.count != q->nhashes)
		log_info("tracker %s: batch of %zu seeds: took %lld",
		    q->t->seeds_url, q->nhashes, (long long)b.count);
	q->reply.interval = b.interval;
	return TRK_ST_OK;
}

static void
h_done(void *arg, const struct ws_result *r)
{
	struct trk_req	*q = arg;
	enum trk_status	 st;
	int		 rc;

	q->x = NULL;
	if (q->batch)
		st = batch_status(q, r);
	else if (!r->ok) {
		/* No answer at all, or no announce there. */
		st = r->code == 0 || r->code == 404 || r->code == 410 ?
		    TRK_ST_ABSENT : TRK_ST_FAILED;
		log_info("tracker %s: %s", q->t->url, r->msg);
	} else if (q->too_big) {
		log_info("tracker %s: reply over %d bytes", q->t->url,
		    TRK_MAX_REPLY);
		st = TRK_ST_FAILED;
	} else if (q->scrape) {
		bool	failed;

		if ((rc = trk_http_scrape_parse(q->buf, q->len, q->key,
		    &q->scr, &failed)) != 0) {
			log_info("tracker %s: scrape: %s", q->t->url,
			    trk_strerror(rc));
			st = TRK_ST_FAILED;
		} else
			st = failed ? TRK_ST_REFUSED : TRK_ST_OK;
	} else if ((rc = trk_http_parse(q->buf, q->len, &q->reply)) != 0) {
		log_info("tracker %s: %s", q->t->url, trk_strerror(rc));
		st = TRK_ST_FAILED;
	} else
		st = q->reply.failed ? TRK_ST_REFUSED : TRK_ST_OK;
	free(q->buf);
	q->buf = NULL;
	q->len = 0;
	trk_req_done(q, st, &q->reply);
}

static const struct ws_callbacks h_cb = { h_start, h_data, h_done };

static int
batch_send(struct trk_req *q, const struct trk_announce *a)
{
	struct trk_batch	 b = {
		.peer_id = a->peer_id, .port = a->port, .key = a->key,
		.event = q->event, .hashes = (const uint8_t (*)[20])q->hashes,
		.n = q->nhashes,
	};
	uint8_t			*body;
	int			 n;

	if (q->t->seeds_url == NULL)
		return -EINVAL;
	if ((body = malloc(TRK_BATCH_BODY_MAX)) == NULL)
		return -ENOMEM;
	if ((n = trk_batch_body(body, TRK_BATCH_BODY_MAX, &b)) < 0) {
		free(body);
		return n;
	}
	q->len = 0;
	q->too_big = false;
	q->x = ws_post(q->t->seeds_url, HTTP_TIMEOUT, q->t->trusted ? NULL :
	    trk_addr_public, body, (size_t)n, &h_cb, q);
	free(body);
	return q->x == NULL ? -ENOMEM : 0;
}

int
trk_http_send(struct trk_req *q)
{
	struct trk_announce	a;
	char			url[TRK_URL_MAX];
	int			rc;

	trk_fill(q, &a);
	if (q->batch)
		return batch_send(q, &a);
	if (q->scrape)
		rc = trk_http_scrape_url(url, sizeof(url), q->t->url, q->key);
	else
		rc = trk_http_url(url, sizeof(url), q->t->url, &a);
	if (rc != 0)
		return rc;
	q->len = 0;
	q->too_big = false;
	if ((q->x = ws_get(url, HTTP_TIMEOUT, q->t->trusted ? NULL :
	    trk_addr_public, &h_cb, q)) == NULL)
		return -ENOMEM;
	return 0;
}

void
trk_http_cancel(struct trk_req *q)
{
	if (q->x != NULL)
		ws_cancel(q->x);
	q->x = NULL;
	free(q->buf);
	q->buf = NULL;
}
