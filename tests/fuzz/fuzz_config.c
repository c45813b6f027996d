/* SPDX-License-Identifier: ISC */
/*
 * fuzz_config.c - fuzz target for the configuration parser.
 *
 * The daemon re-reads its config on SIGHUP, so the parser must survive
 * any file an administrator (or an editor crash) leaves behind, report
 * every error with its file and line, and leak nothing either way.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/confparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

struct settings {
	char		*name;
	char		*dir;
	uint64_t	 peers;
	uint64_t	 count;
	uint64_t	 rate;
	uint64_t	 timeout;
	bool		 share;
	int		 mode;
};

static const char *const modes[] = { "off", "lan", "any", NULL };

#define OFF(f)	offsetof(struct settings, f)

static const struct conf_key keys[] = {
	{ "name", CONF_STRING, OFF(name), "aptbt", 0, 0, NULL, NULL },
	{ "dir", CONF_PATH, OFF(dir), "/var/cache/aptbt", 0, 0, NULL, NULL },
	{ "peers", CONF_UINT, OFF(peers), "50", 1, 1000, NULL, NULL },
	{ "count", CONF_UINT, OFF(count), "0", 0, 0, NULL, NULL },
	{ "rate", CONF_BYTES, OFF(rate), "10M", 0, 0, NULL, NULL },
	{ "timeout", CONF_SECONDS, OFF(timeout), "30s", 0, 0, NULL, NULL },
	{ "share", CONF_BOOL, OFF(share), "yes", 0, 0, NULL, NULL },
	{ "mode", CONF_ENUM, OFF(mode), "lan", 0, 0, modes, NULL },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings	s, copy;
	char		err[CONF_ERRLEN];
	int		rv;

	memset(&s, 0, sizeof(s));
	memset(&copy, 0, sizeof(copy));
	CHECK(conf_defaults(keys, NKEYS, &s, err, sizeof(err)) == 0);
	memset(err, 'x', sizeof(err));
	rv = conf_load_buf("fuzz.conf", (const char *)data, size, keys, NKEYS,
	    &s, err, sizeof(err));
	CHECK(rv == 0 || rv == -1);
	if (rv == -1) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
	}
	/* Whatever the outcome, the struct stays consistent. */
	CHECK(s.name != NULL && s.dir != NULL && s.dir[0] == '/');
	CHECK(s.peers >= 1 && s.peers <= 1000);
	CHECK(s.mode >= 0 && s.mode <= 2);
	CHECK(conf_copy(keys, NKEYS, &copy, &s) == 0);
	CHECK(strcmp(copy.name, s.name) == 0 && copy.rate == s.rate);
	conf_free(keys, NKEYS, &s);
	conf_free(keys, NKEYS, &copy);
	return 0;
}
