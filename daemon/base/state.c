/* SPDX-License-Identifier: ISC */
/*
 * state.c - save and restore the daemon's run-time state.
 *
 * Written with atomicfile: after a crash or power loss the file is
 * either the previous state or the new one.  Saves are
 * coalesced by a one-second timer so a burst of changes costs one write.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/atomicfile.h"
#include "common/bencode.h"
#include "common/log.h"
#include "daemon/base/state.h"

#define STATE_FILE	"state"
#define STATE_MAX	(64 * 1024)

struct daemon_state state;

static struct event	*save_ev;
static char		*save_dir;	/* our copy: a reload frees conf's */

/* Fields saved, by name: one table for load and save. */
static const struct {
	const char	*key;
	size_t		 offset;
	bool		 is_bool;
} state_fields[] = {
	{ "bytes_from_cache", offsetof(struct daemon_state, bytes_from_cache), false },
	{ "bytes_from_mirrors", offsetof(struct daemon_state, bytes_from_mirrors), false },
	{ "bytes_from_peers", offsetof(struct daemon_state, bytes_from_peers), false },
	{ "bytes_to_peers", offsetof(struct daemon_state, bytes_to_peers), false },
	{ "download_limit", offsetof(struct daemon_state, download_limit), false },
	{ "limits_set", offsetof(struct daemon_state, limits_set), true },
	{ "paused", offsetof(struct daemon_state, paused), true },
	{ "proxy_bytes", offsetof(struct daemon_state, proxy_bytes), false },
	{ "proxy_refused", offsetof(struct daemon_state, proxy_refused), false },
	{ "proxy_requests", offsetof(struct daemon_state, proxy_requests), false },
	{ "proxy_silences", offsetof(struct daemon_state, proxy_silences), false },
	{ "upload_limit", offsetof(struct daemon_state, upload_limit), false },
};
#define NFIELDS	(sizeof(state_fields) / sizeof(state_fields[0]))

static int
state_path(char *buf, size_t len, const char *dir)
{
	int	n;

	n = snprintf(buf, len, "%s/%s", dir, STATE_FILE);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
state_load(const char *dir)
{
	char		 path[PATH_MAX];
	uint8_t		 buf[STATE_MAX];
	struct benc_doc	 doc;
	ssize_t		 n;
	int64_t		 v;
	size_t		 i;
	int		 fd;
	char		*field;

	free(save_dir);
	if ((save_dir = strdup(dir)) == NULL)
		return -ENOMEM;
	if (state_path(path, sizeof(path), dir) != 0)
		return -ENAMETOOLONG;
	/* Whatever a crash left half-written is of no use now. */
	atomicfile_sweep(dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -errno;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		log_warn("%s", path);
		return -EIO;
	}
	if (benc_parse(&doc, buf, (size_t)n, NULL, BENC_STRICT) != 0 ||
	    doc.toks[0].type != BENC_DICT) {
		if (doc.toks != NULL)
			benc_free(&doc);
		log_warnx("%s: corrupt state file ignored", path);
		return -EBADMSG;
	}
	for (i = 0; i < NFIELDS; i++) {
		if (!benc_dict_int(&doc, 0, state_fields[i].key, &v) || v < 0)
			continue;
		field = (char *)&state + state_fields[i].offset;
		if (state_fields[i].is_bool)
			*(bool *)field = v != 0;
		else
			*(uint64_t *)field = (uint64_t)v;
	}
	benc_free(&doc);
	return 0;
}

int
state_save(const char *dir)
{
	char		 path[PATH_MAX];
	struct bytebuf	 b = BYTEBUF_INIT;
	const char	*field;
	size_t		 i;
	int		 rc;

	if (state_path(path, sizeof(path), dir) != 0)
		return -ENAMETOOLONG;
	benc_put_dict(&b);
	for (i = 0; i < NFIELDS; i++) {
		field = (const char *)&state + state_fields[i].offset;
		benc_put_kv_int(&b, state_fields[i].key,
		    state_fields[i].is_bool ? *(const bool *)field :
		    (int64_t)*(const uint64_t *)field);
	}
	benc_put_end(&b);
	if (bytebuf_failed(&b))
		rc = -ENOMEM;
	else
		rc = atomicfile_write(path, b.data, b.len, 0644);
	if (rc < 0)
		log_warnx("%s: cannot save state: %s", path, strerror(-rc));
	bytebuf_free(&b);
	return rc;
}

static void
save_cb(evutil_socket_t fd, short what, void *arg)
{
	if (save_dir != NULL)
		state_save(save_dir);
}

void
state_dirty(void)
{
	static const struct timeval	delay = { 1, 0 };

	if (save_ev == NULL || evtimer_pending(save_ev, NULL))
		return;
	evtimer_add(save_ev, &delay);
}

void
state_init_events(struct event_base *base)
{
	save_ev = evtimer_new(base, save_cb, NULL);
}

void
state_shutdown(void)
{
	if (save_ev != NULL) {
		if (evtimer_pending(save_ev, NULL) && save_dir != NULL)
			state_save(save_dir);
		event_free(save_ev);
		save_ev = NULL;
	}
	free(save_dir);
	save_dir = NULL;
}
