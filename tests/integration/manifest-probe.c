/* SPDX-License-Identifier: ISC */
/*
 * manifest-probe.c - drive daemon/meta/metadata.c from the command line, for
 * tests/integration/manifest.sh.
 *
 * usage: manifest-probe [-s STATE_DIR] [-r ROUNDS] [-f FRESH] [-m MISS]
 *                       BASE_URI SHA256HEX...
 *
 * Each round looks every SHA-256 up at once (so they all wait on one
 * manifest fetch the first time), then waits for every answer.  One line
 * per answer on stdout:
 *   found SHA SIZE V1 V2|- TORRENT-URL [TRACKER...]
 *   none SHA
 * and at the end "stats fetches=N not_modified=N loaded=N lookups=N
 * found=N".  Exit status 0, or 1 on a usage or set-up error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/hash.h"
#include "common/log.h"
#include "daemon/meta/metadata.h"
#include "daemon/base/webseed.h"

static struct event_base	*base;
static const char		*base_uri;
static uint8_t			(*shas)[SHA256_LEN];
static int			 nshas, rounds = 1, round_no, pending;

static void	start_round(void);

static void
answer(void *arg, const struct md_answer *a)
{
	const uint8_t	*sha = arg;
	char		 hex[2 * SHA256_LEN + 1], h1[2 * SHA1_LEN + 1];
	char		 h2[2 * SHA256_LEN + 1] = "-";
	size_t		 i;

	hex_encode(sha, SHA256_LEN, hex);
	if (a == NULL)
		printf("none %s\n", hex);
	else {
		hex_encode(a->entry->info_hash_v1, SHA1_LEN, h1);
		if (a->entry->has_v2)
			hex_encode(a->entry->info_hash_v2, SHA256_LEN, h2);
		printf("found %s %llu %s %s %s", hex,
		    (unsigned long long)a->entry->size, h1, h2,
		    a->torrent_url);
		for (i = 0; i < a->ntrackers; i++)
			printf(" %s", a->trackers[i]);
		printf("\n");
	}
	if (--pending == 0)
		start_round();
}

static void
start_round(void)
{
	int	i, r;

	if (round_no++ == rounds) {
		event_base_loopexit(base, NULL);
		return;
	}
	/* Hold the count up while issuing: answers may come at once. */
	pending = nshas + 1;
	for (i = 0; i < nshas; i++) {
		r = metadata_lookup(base_uri, shas[i], answer, shas[i]);
		if (r < 0) {
			fprintf(stderr, "manifest-probe: lookup: %s\n",
			    strerror(-r));
			exit(1);
		}
	}
	if (--pending == 0)
		start_round();
}

int
main(int argc, char *argv[])
{
	struct md_times	 t = { 3600, 3600, 300 };
	struct md_stats	 st;
	const char	*state_dir = NULL;
	int		 c, i;

	while ((c = getopt(argc, argv, "s:r:f:m:")) != -1) {
		switch (c) {
		case 's':
			state_dir = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'f':
			t.fresh = atoi(optarg);
			break;
		case 'm':
			t.miss = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2 || rounds < 1)
		goto usage;
	base_uri = argv[optind++];
	nshas = argc - optind;
	if ((shas = calloc((size_t)nshas, sizeof(*shas))) == NULL)
		return 1;
	for (i = 0; i < nshas; i++)
		if (strlen(argv[optind + i]) != 2 * SHA256_LEN ||
		    !hex_decode(argv[optind + i], 2 * SHA256_LEN, shas[i],
		    SHA256_LEN))
			goto usage;
	log_init("manifest-probe", LOG_LVL_DEBUG);
	if ((base = event_base_new()) == NULL || webseed_init(base) != 0 ||
	    metadata_init(base, state_dir) != 0) {
		fprintf(stderr, "manifest-probe: set-up failed\n");
		return 1;
	}
	metadata_set_times(&t);
	start_round();
	event_base_dispatch(base);
	metadata_get_stats(&st);
	printf("stats fetches=%llu not_modified=%llu loaded=%llu lookups=%llu "
	    "found=%llu\n", (unsigned long long)st.fetches,
	    (unsigned long long)st.not_modified, (unsigned long long)st.loaded,
	    (unsigned long long)st.lookups, (unsigned long long)st.found);
	metadata_shutdown();
	webseed_shutdown();
	event_base_free(base);
	free(shas);
	return 0;
usage:
	fprintf(stderr, "usage: manifest-probe [-s STATE_DIR] [-r ROUNDS] "
	    "[-f FRESH] [-m MISS] BASE_URI SHA256HEX...\n");
	return 1;
}
