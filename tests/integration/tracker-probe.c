/* SPDX-License-Identifier: ISC */
/*
 * tracker-probe.c - a driver of the tracker client for tracker.sh: scrape
 * one key at one tracker through daemon/share/tracker.c and its HTTP and
 * UDP transports, as the daemon would.
 *
 * usage: tracker-probe URL HEXKEY
 * Prints "scrape complete=N downloaded=N incomplete=N" and exits 0, or
 * "scrape failed" and exits 1; exits 2 after 30 s without an answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/trackermsg.h"
#include "daemon/base/conf.h"
#include "daemon/base/webseed.h"
#include "daemon/meta/torrents.h"
#include "daemon/share/tracker.h"

struct aptbtd_conf	conf;
uint8_t			peer_self_id[20] = "-AB0100-trackerprobe";

/* No metadata here: every key is a zero-metadata one. */
const struct torrent *
torrents_by_key(const uint8_t key[SWARMKEY_LEN])
{
	return NULL;
}

const struct torrent *
torrents_by_sha256(const uint8_t sha256[SHA256_LEN])
{
	return NULL;
}

static struct event_base	*base;
static int			 status = 2;

static void
scraped(void *arg, const struct trk_scrape *s)
{
	if (s == NULL) {
		printf("scrape failed\n");
		status = 1;
	} else {
		printf("scrape complete=%lld downloaded=%lld incomplete=%lld\n",
		    (long long)s->complete, (long long)s->downloaded,
		    (long long)s->incomplete);
		status = 0;
	}
	event_base_loopbreak(base);
}

int
main(int argc, char *argv[])
{
	uint8_t		key[20];
	struct timeval	tv = { 30, 0 };

	if (argc != 3 || strlen(argv[2]) != 40 ||
	    !hex_decode(argv[2], 40, key, sizeof(key))) {
		fprintf(stderr, "usage: tracker-probe URL HEXKEY\n");
		return 2;
	}
	log_init("tracker-probe", LOG_LVL_DEBUG);
	if (sodium_init() < 0 || (base = event_base_new()) == NULL ||
	    webseed_init(base) != 0 || tracker_init(base, NULL) != 0)
		return 2;
	conf.trackers = argv[1];
	conf.tracker_announce_rate = 60;
	tracker_apply(true, 6881);
	if (tracker_scrape(key, scraped, NULL) != 0) {
		printf("scrape failed\n");
		return 1;
	}
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	tracker_shutdown();
	webseed_shutdown();
	event_base_free(base);
	return status;
}
