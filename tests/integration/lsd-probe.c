/* SPDX-License-Identifier: ISC */
/*
 * lsd-probe.c - drives daemon/share/lsd.c for tests/integration/lsd.sh.
 *
 * usage: lsd-probe -p PORT [-k HEX]... [-w HEX]... [-P] [-e] [-l] [-t SECS]
 *
 *	-p PORT	the peer-wire port announced
 *	-k HEX	announce this key at start
 *	-P	announce the daemons' presence key (lsd_presence)
 *	-w HEX	wait until this key is heard from someone else
 *	-e	echo: announce each -w key as soon as it is heard
 *	-l	listen on TCP PORT and wait for a connection to it
 *	-t SECS	give up after SECS seconds (default 20)
 *
 * Prints "heard ADDR:PORT port P key HEX" for every key heard, "connect
 * ADDR" for every TCP connection, then "done" once every -w key was
 * heard (and, with -l, a connection came) and exits 0 a second later, so
 * that answers it queued still go out; or "timeout" and exits 1.  With nothing to wait for it runs until the timeout and exits 0.
 * Debug logging goes to stderr.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "common/hash.h"
#include "common/log.h"
#include "daemon/share/lsd.h"

#define MAX_KEYS	16

static uint8_t		 announce[MAX_KEYS][LSD_KEY_LEN];
static size_t		 nannounce;
static uint8_t		 want[MAX_KEYS][LSD_KEY_LEN];
static bool		 got[MAX_KEYS];
static size_t		 nwant;
static bool		 echo, listening, connected, finished;
static struct event_base *base;
static struct event	*linger;
static const struct timeval one_second = { 1, 0 };

static void
usage(void)
{
	fprintf(stderr, "usage: lsd-probe -p PORT [-k HEX]... [-w HEX]... "
	    "[-P] [-e] [-l] [-t SECS]\n");
	exit(2);
}

static void
add_key(uint8_t (*keys)[LSD_KEY_LEN], size_t *n, const char *hex)
{
	if (*n == MAX_KEYS || strlen(hex) != 2 * LSD_KEY_LEN ||
	    !hex_decode(hex, 2 * LSD_KEY_LEN, keys[*n], LSD_KEY_LEN))
		usage();
	(*n)++;
}

static void
check_done(void)
{
	size_t	i;

	if (finished || (nwant == 0 && !listening))
		return;
	for (i = 0; i < nwant; i++)
		if (!got[i])
			return;
	if (listening && !connected)
		return;
	finished = true;
	printf("done\n");
	fflush(stdout);
	/* Linger a second: answers queued just now still go out. */
	evtimer_del(linger);
	evtimer_add(linger, &one_second);
}

static void
heard(const struct sockaddr *from, socklen_t fromlen, uint16_t port,
    const uint8_t (*keys)[LSD_KEY_LEN], size_t nkeys, void *arg)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)from;
	char				 addr[INET_ADDRSTRLEN];
	char				 hex[2 * LSD_KEY_LEN + 1];
	size_t				 i, j;

	(void)arg;
	if (fromlen < sizeof(*sin) || inet_ntop(AF_INET, &sin->sin_addr, addr,
	    sizeof(addr)) == NULL)
		return;
	for (i = 0; i < nkeys; i++) {
		hex_encode(keys[i], LSD_KEY_LEN, hex);
		printf("heard %s:%u port %u key %s\n", addr,
		    (unsigned)ntohs(sin->sin_port), (unsigned)port, hex);
		for (j = 0; j < nwant; j++) {
			if (got[j] || memcmp(want[j], keys[i], LSD_KEY_LEN))
				continue;
			got[j] = true;
			if (echo)
				lsd_announce(&want[j], 1);
		}
	}
	fflush(stdout);
	check_done();
}

static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	char			addr[INET_ADDRSTRLEN];
	int			c;

	(void)what;
	(void)arg;
	if ((c = accept(fd, (struct sockaddr *)&sin, &slen)) == -1)
		return;
	if (inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr)) != NULL)
		printf("connect %s\n", addr);
	fflush(stdout);
	close(c);
	connected = true;
	check_done();
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (arg != NULL && !finished)
		*(bool *)arg = true;
	event_base_loopbreak(base);
}

static int
tcp_listen(uint16_t port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char *argv[])
{
	struct event	*tev, *lev = NULL;
	struct timeval	 tv = { 20, 0 };
	unsigned long	 port = 0;
	bool		 presence = false, timed_out = false;
	int		 ch, rc, lfd = -1;

	log_init("lsd-probe", LOG_LVL_DEBUG);
	while ((ch = getopt(argc, argv, "ek:lPp:t:w:")) != -1) {
		switch (ch) {
		case 'e':
			echo = true;
			break;
		case 'k':
			add_key(announce, &nannounce, optarg);
			break;
		case 'l':
			listening = true;
			break;
		case 'P':
			presence = true;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 't':
			tv.tv_sec = (time_t)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			add_key(want, &nwant, optarg);
			break;
		default:
			usage();
		}
	}
	if (port == 0 || port > 65535 || optind != argc)
		usage();
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (listening) {
		if ((lfd = tcp_listen((uint16_t)port)) == -1)
			fatal("listen on TCP port %lu", port);
		lev = event_new(base, lfd, EV_READ | EV_PERSIST, accept_cb,
		    NULL);
		if (lev == NULL || event_add(lev, NULL) == -1)
			fatalx("event_add");
	}
	if ((rc = lsd_init(base, (uint16_t)port, heard, NULL)) != 0)
		fatalx("lsd_init: %s", strerror(-rc));
	if (nannounce > 0)
		lsd_announce((const uint8_t (*)[LSD_KEY_LEN])announce,
		    nannounce);
	if (presence)
		lsd_presence(lsd_presence_key);
	tev = evtimer_new(base, timeout_cb, &timed_out);
	linger = evtimer_new(base, timeout_cb, NULL);
	if (tev == NULL || linger == NULL || evtimer_add(tev, &tv) == -1)
		fatalx("evtimer_add");
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);

	lsd_shutdown();
	event_free(tev);
	event_free(linger);
	if (lev != NULL)
		event_free(lev);
	if (lfd != -1)
		close(lfd);
	event_base_free(base);
	if (timed_out && (nwant > 0 || listening)) {
		printf("timeout\n");
		return 1;
	}
	return 0;
}
