/* SPDX-License-Identifier: ISC */
/*
 * ctl-import.c - "aptbt-ctl import DIR": add verified files already on
 * this machine (apt's /var/cache/apt/archives) to the cache, so they can
 * be served and seeded.
 *
 * What may be seeded is decided by the daemon from apt's verified indexes
 * (req-import.c), but the sources that need credentials are named in
 * apt's auth.conf, which only root may read: this command reads it and
 * sends the "machine" of every entry.  An auth.conf it cannot read is an
 * error, not a guess: packages of those sources would look public.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/ctl/authconf.h"
#include "client/ctl/ctl.h"
#include "common/units.h"

#define AUTH_CONF	"/etc/apt/auth.conf"
#define AUTH_CONF_D	"/etc/apt/auth.conf.d"
#define LISTS_DIR	"/var/lib/apt/lists"
#define MAX_AUTH_FILES	64

/*
 * The machines of one auth.conf file (authconf.h).  0, or -1 after
 * saying why.
 */
static int
read_machines(const char *path, struct authconf_machines *m, bool must_exist)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "aptbt-ctl: %s: %s (its sources' packages "
		    "could not be told from public ones)\n", path,
		    strerror(errno));
		return -1;
	}
	rc = authconf_read(f, m);
	fclose(f);
	if (rc == -ENOSPC)
		fprintf(stderr, "aptbt-ctl: %s: too many entries\n", path);
	else if (rc != 0)
		fprintf(stderr, "aptbt-ctl: %s: %s\n", path, strerror(-rc));
	return rc == 0 ? 0 : -1;
}

/* The files of apt's auth.conf.d (if any), sorted as apt reads them. */
static int
read_machines_dir(const char *dir, struct authconf_machines *m)
{
	struct dirent	**ents;
	char		  path[PATH_MAX];
	int		  n, i, rc = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : (fprintf(stderr,
		    "aptbt-ctl: %s: %s\n", dir, strerror(errno)), -1);
	for (i = 0; i < n; i++) {
		if (rc == 0 && ents[i]->d_name[0] != '.' &&
		    ents[i]->d_type != DT_DIR) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    ents[i]->d_name);
			rc = read_machines(path, m, true);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static int
ctl_import(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "auth-conf", required_argument, NULL, 'a' },
		{ "lists", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct bytebuf	 args = BYTEBUF_INIT;
	struct authconf_machines m = { { NULL }, 0 };
	const char	*auth[MAX_AUTH_FILES];
	const char	*lists = LISTS_DIR;
	char		 path[PATH_MAX], lpath[PATH_MAX], b[32];
	size_t		 nauth = 0, i;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "a:l:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (nauth == MAX_AUTH_FILES)
				return ctl_usage(&ctl_cmd_import);
			auth[nauth++] = optarg;
			break;
		case 'l':
			lists = optarg;
			break;
		default:
			return ctl_usage(&ctl_cmd_import);
		}
	}
	if (optind != argc - 1)
		return ctl_usage(&ctl_cmd_import);
	/* The daemon runs elsewhere (/): send it absolute paths. */
	if (realpath(argv[optind], path) == NULL) {
		perror(argv[optind]);
		return CTL_EXIT_USAGE;
	}
	if (realpath(lists, lpath) == NULL) {
		perror(lists);
		return CTL_EXIT_USAGE;
	}
	rc = 0;
	if (nauth == 0) {
		rc = read_machines(AUTH_CONF, &m, false);
		if (rc == 0)
			rc = read_machines_dir(AUTH_CONF_D, &m);
	}
	for (i = 0; i < nauth && rc == 0; i++)
		rc = read_machines(auth[i], &m, true);
	if (rc != 0) {
		authconf_free(&m);
		return CTL_EXIT_USAGE;
	}
	/* Keys in canonical order. */
	benc_put_kv_str(&args, "lists", lpath);
	benc_put_kv_str(&args, "path", path);
	benc_put_cstr(&args, "private");
	benc_put_list(&args);
	for (i = 0; i < m.n; i++)
		benc_put_cstr(&args, m.name[i]);
	benc_put_end(&args);
	authconf_free(&m);
	/* Hashing a big directory takes a while. */
	ctx->timeout_ms = 30 * 60 * 1000;
	rc = ctl_call(ctx, "import", &args);
	bytebuf_free(&args);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (ctx->json)
		ctl_print_json_result(ctx);
	else
		printf("imported %lld files (%s; %lld kept private), %lld "
		    "already cached, %lld failed\n",
		    (long long)ctl_result_int(ctx, "imported"),
		    units_format_bytes((uint64_t)ctl_result_int(ctx, "bytes"),
		    b, sizeof(b)), (long long)ctl_result_int(ctx, "private"),
		    (long long)ctl_result_int(ctx, "present"),
		    (long long)ctl_result_int(ctx, "failed"));
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_import = {
	"import", "[--lists DIR] [--auth-conf FILE]... DIR",
	"add files from DIR (e.g. /var/cache/apt/archives)",
	ctl_import
};
