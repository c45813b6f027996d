/* SPDX-License-Identifier: ISC */
/*
 * check_config.c - unit tests for common/confparse.c.
 *
 * A local key table with one key of every type stands in for the
 * daemon's, so these tests do not move when the daemon's settings do.
 */
#define _POSIX_C_SOURCE 200809L	/* mkstemp */

#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/confparse.h"

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
	{ "cache-dir", CONF_PATH, OFF(dir), "/var/cache/aptbt", 0, 0, NULL, NULL },
	{ "max_peers", CONF_UINT, OFF(peers), "50", 1, 1000, NULL, NULL },
	{ "count", CONF_UINT, OFF(count), "0", 0, 0, NULL, NULL },
	{ "rate", CONF_BYTES, OFF(rate), "10M", 0, 0, NULL, NULL },
	{ "timeout", CONF_SECONDS, OFF(timeout), "30s", 0, 0, NULL, NULL },
	{ "share", CONF_BOOL, OFF(share), "yes", 0, 0, NULL, NULL },
	{ "mode", CONF_ENUM, OFF(mode), "lan", 0, 0, modes, NULL },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static void
defaults(struct settings *s)
{
	char	err[CONF_ERRLEN];

	memset(s, 0, sizeof(*s));
	ck_assert_msg(conf_defaults(keys, NKEYS, s, err, sizeof(err)) == 0,
	    "defaults: %s", err);
}

static int
load(struct settings *s, const char *text, char *err)
{
	return conf_load_buf("test.conf", text, strlen(text), keys, NKEYS, s,
	    err, CONF_ERRLEN);
}

START_TEST(test_defaults)
{
	struct settings	s;

	defaults(&s);
	ck_assert_str_eq(s.name, "aptbt");
	ck_assert_str_eq(s.dir, "/var/cache/aptbt");
	ck_assert_uint_eq(s.peers, 50);
	ck_assert_uint_eq(s.count, 0);
	ck_assert_uint_eq(s.rate, 10 * 1024 * 1024);
	ck_assert_uint_eq(s.timeout, 30);
	ck_assert(s.share);
	ck_assert_int_eq(s.mode, 1);
	conf_free(keys, NKEYS, &s);
	ck_assert_ptr_null(s.name);
	ck_assert_ptr_null(s.dir);
}
END_TEST

START_TEST(test_bad_default)
{
	static const struct conf_key bad[] = {
		{ "dir", CONF_PATH, OFF(dir), "relative", 0, 0, NULL, NULL },
	};
	struct settings	s;
	char		err[CONF_ERRLEN] = "";

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(conf_defaults(bad, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "dir"));
	conf_free(bad, 1, &s);
}
END_TEST

START_TEST(test_load)
{
	static const char text[] =
	    "# aptbtd test settings\n"
	    "\n"
	    "   \t\n"
	    "  # an indented comment\n"
	    "name = \"  spaced # not a comment \"\n"
	    "cache-dir=/srv/cache  # a comment\n"
	    "max_peers =  1000\n"
	    "count = 18446744073709551615\n"
	    "rate = 1.5M/s\n"
	    "timeout = 2h\r\n"
	    "share = off\n"
	    "\tmode = any";		/* no final newline */
	struct settings	s;
	char		err[CONF_ERRLEN];

	defaults(&s);
	ck_assert_msg(load(&s, text, err) == 0, "load: %s", err);
	ck_assert_str_eq(s.name, "  spaced # not a comment ");
	ck_assert_str_eq(s.dir, "/srv/cache");
	ck_assert_uint_eq(s.peers, 1000);
	ck_assert(s.count == UINT64_MAX);
	ck_assert_uint_eq(s.rate, 3 * 512 * 1024);
	ck_assert_uint_eq(s.timeout, 7200);
	ck_assert(!s.share);
	ck_assert_int_eq(s.mode, 2);
	conf_free(keys, NKEYS, &s);
}
END_TEST

START_TEST(test_partial_and_values)
{
	struct settings	s;
	char		err[CONF_ERRLEN];

	/* Keys not named keep what the struct held. */
	defaults(&s);
	ck_assert_int_eq(load(&s, "max_peers = 1\n", err), 0);
	ck_assert_uint_eq(s.peers, 1);
	ck_assert_str_eq(s.name, "aptbt");
	ck_assert_uint_eq(s.timeout, 30);
	ck_assert_int_eq(load(&s, "", err), 0);
	ck_assert_int_eq(load(&s, "\n\n# only comments\n", err), 0);
	/* A '#' not after a blank is part of the value. */
	ck_assert_int_eq(load(&s, "name = a#b\n", err), 0);
	ck_assert_str_eq(s.name, "a#b");
	ck_assert_int_eq(load(&s, "name = \"\"\n", err), 0);
	ck_assert_str_eq(s.name, "");
	ck_assert_int_eq(load(&s, "name = \"x\" # after quotes\n", err), 0);
	ck_assert_str_eq(s.name, "x");
	ck_assert_int_eq(load(&s, "share = TRUE\nmode = off\n", err), 0);
	ck_assert(s.share);
	ck_assert_int_eq(s.mode, 0);
	ck_assert_int_eq(load(&s, "rate = 0\ntimeout = 5m\n", err), 0);
	ck_assert_uint_eq(s.rate, 0);
	ck_assert_uint_eq(s.timeout, 300);
	conf_free(keys, NKEYS, &s);
}
END_TEST

static const struct {
	const char	*text;
	const char	*where;		/* "FILE:LINE:" */
	const char	*word;		/* the message mentions it */
} errors[] = {
	{ "bogus = 1\n", "test.conf:1:", "bogus" },
	{ "# c\n\nmax_peers = 1\nnope = 2\n", "test.conf:4:", "nope" },
	{ "rate = 10X\n", "test.conf:1:", "rate" },
	{ "timeout = soon\n", "test.conf:1:", "timeout" },
	{ "share = maybe\n", "test.conf:1:", "share" },
	{ "mode = everywhere\n", "test.conf:1:", "mode" },
	{ "name = a\nname = b\n", "test.conf:2:", "name" },
	{ "max_peers = 5\n\nmax_peers = 5\n", "test.conf:3:", "max_peers" },
	{ "\nname\n", "test.conf:2:", NULL },
	{ "name \"x\"\n", "test.conf:1:", NULL },
	{ "max_peers = 0\n", "test.conf:1:", "max_peers" },
	{ "max_peers = 1001\n", "test.conf:1:", "max_peers" },
	{ "max_peers = -1\n", "test.conf:1:", "max_peers" },
	{ "max_peers = 12abc\n", "test.conf:1:", "max_peers" },
	{ "max_peers = \n", "test.conf:1:", "max_peers" },
	{ "count = 18446744073709551616\n", "test.conf:1:", "count" },
	{ "cache-dir = var/cache\n", "test.conf:1:", "cache-dir" },
	{ "cache-dir = \n", "test.conf:1:", "cache-dir" },
	{ "name = \"unterminated\n", "test.conf:1:", NULL },
	{ " = value\n", "test.conf:1:", NULL },
};

START_TEST(test_errors)
{
	struct settings	s;
	char		err[CONF_ERRLEN];
	size_t		i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		defaults(&s);
		strcpy(err, "unset");
		ck_assert_msg(load(&s, errors[i].text, err) == -1,
		    "accepted: %s", errors[i].text);
		ck_assert_msg(strncmp(err, errors[i].where,
		    strlen(errors[i].where)) == 0,
		    "\"%s\": error \"%s\" does not start with \"%s\"",
		    errors[i].text, err, errors[i].where);
		if (errors[i].word != NULL)
			ck_assert_msg(strstr(err, errors[i].word) != NULL,
			    "\"%s\": error \"%s\" does not name %s",
			    errors[i].text, err, errors[i].word);
		conf_free(keys, NKEYS, &s);
	}
}
END_TEST

START_TEST(test_set)
{
	struct settings	s;
	char		err[CONF_ERRLEN];

	defaults(&s);
	ck_assert_int_eq(conf_set(keys, NKEYS, &s, "rate", "500K", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(s.rate, 500 * 1024);
	ck_assert_int_eq(conf_set(keys, NKEYS, &s, "name", "other", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(s.name, "other");
	ck_assert_int_eq(conf_set(keys, NKEYS, &s, "rate", "fast", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "rate"));
	ck_assert_ptr_null(strstr(err, ".conf:"));
	ck_assert_uint_eq(s.rate, 500 * 1024);
	ck_assert_int_eq(conf_set(keys, NKEYS, &s, "nokey", "1", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "nokey"));
	/* A tiny error buffer is still terminated. */
	ck_assert_int_eq(conf_set(keys, NKEYS, &s, "nokey", "1", err, 4), -1);
	ck_assert_uint_eq(strlen(err), 3);

	ck_assert_ptr_eq(conf_find(keys, NKEYS, "timeout"), &keys[5]);
	ck_assert_ptr_null(conf_find(keys, NKEYS, "time"));
	ck_assert_ptr_null(conf_find(keys, NKEYS, ""));
	conf_free(keys, NKEYS, &s);
}
END_TEST

START_TEST(test_copy_free)
{
	struct settings	a, b;
	char		err[CONF_ERRLEN];

	defaults(&a);
	ck_assert_int_eq(load(&a, "name = first\nmode = off\ncount = 7\n",
	    err), 0);
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(conf_copy(keys, NKEYS, &b, &a), 0);
	ck_assert_str_eq(b.name, "first");
	ck_assert_ptr_ne(b.name, a.name);
	ck_assert_ptr_ne(b.dir, a.dir);
	ck_assert_str_eq(b.dir, a.dir);
	ck_assert_int_eq(b.mode, 0);
	ck_assert_uint_eq(b.count, 7);
	ck_assert_uint_eq(b.rate, a.rate);
	ck_assert(b.share == a.share);

	/* The copy is independent of its source. */
	ck_assert_int_eq(conf_set(keys, NKEYS, &a, "name", "second", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(b.name, "first");
	conf_free(keys, NKEYS, &a);
	ck_assert_str_eq(b.name, "first");

	/* Copying over a filled struct replaces (and frees) its strings. */
	defaults(&a);
	ck_assert_int_eq(conf_copy(keys, NKEYS, &b, &a), 0);
	ck_assert_str_eq(b.name, "aptbt");
	conf_free(keys, NKEYS, &a);
	conf_free(keys, NKEYS, &b);
	conf_free(keys, NKEYS, &b);
}
END_TEST

START_TEST(test_file)
{
	struct settings	 s;
	char		 path[] = "/tmp/check_config.XXXXXX";
	char		 err[CONF_ERRLEN];
	static const char text[] = "name = fromfile\n\nbogus = 1\n";
	int		 fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, 16), 16);	/* first line only */
	close(fd);
	defaults(&s);
	ck_assert_msg(conf_load_file(path, keys, NKEYS, &s, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(s.name, "fromfile");

	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	ck_assert_int_eq(conf_load_file(path, keys, NKEYS, &s, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, ":3:"));
	unlink(path);

	ck_assert_int_eq(conf_load_file(path, keys, NKEYS, &s, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "error \"%s\" without path",
	    err);
	ck_assert_int_eq(conf_load_file("/", keys, NKEYS, &s, err,
	    sizeof(err)), -1);
	conf_free(keys, NKEYS, &s);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_bad_default);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_partial_and_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_copy_free);
	tcase_add_test(tc, test_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
