/* SPDX-License-Identifier: ISC */
/*
 * ctl-apt.c - "aptbt-ctl apt enable|disable|show": switch this machine's
 * apt sources to and from the aptbt+ schemes.
 *
 * The files are those apt reads by default: ETC/sources.list and the
 * *.list and *.sources files of ETC/sources.list.d (ETC is /etc/apt, or
 * --etc, under --root).  The text work is aptsrc.c's; this file reads,
 * backs up and replaces files.
 *
 * Backup: before enable changes FILE it saves FILE's bytes, mode and owner
 * as FILE.aptbt.save beside it (apt ignores names ending in ".save").
 * disable puts that copy back byte for byte, and removes it, when FILE is
 * still what enable made of it; if FILE was edited since, disable only
 * removes "aptbt+" from it and keeps the backup.  Every write is atomic
 * (common/atomicfile.h) and keeps the file's mode and owner.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/ctl/aptsrc.h"
#include "client/ctl/ctl.h"
#include "common/atomicfile.h"
#include "common/bytebuf.h"

#define SAVE_SUFFIX	".aptbt.save"
#define FILE_MAX	(16 * 1024 * 1024)	/* no sources file is this big */

struct apt_run {
	enum aptsrc_action	 action;
	bool			 dry_run;
	struct json		 j;		/* show --json */
	bool			 json;
	const char		*path;		/* the file being visited */
	unsigned		 count[APTSRC_NKINDS];
	unsigned		 changed;	/* URIs rewritten, all files */
	unsigned		 files;		/* files rewritten */
	int			 rc;
	struct bytebuf		 seen;		/* dev_t, ino_t pairs done */
};

/* Read a whole file; 0, or -errno (-EFBIG past FILE_MAX). */
static int
read_file(const char *path, struct bytebuf *b, struct stat *st)
{
	char	buf[65536];
	ssize_t	n;
	int	fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, st) == -1) {
		e = -errno;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = -errno;
			break;
		}
		if (b->len + (size_t)n > FILE_MAX) {
			e = -EFBIG;
			break;
		}
		bytebuf_append(b, buf, (size_t)n);
	}
	if (e == 0 && bytebuf_failed(b))
		e = -ENOMEM;
out:
	close(fd);
	return e;
}

/* Replace path by data atomically, with st's mode and owner. */
static int
write_like(const char *path, const struct bytebuf *data, const struct stat *st)
{
	struct atomicfile	af;
	int			r;

	if ((r = atomicfile_open(&af, path, st->st_mode & 07777)) != 0)
		return r;
	if ((st->st_uid != geteuid() || st->st_gid != getegid()) &&
	    fchown(af.fd, st->st_uid, st->st_gid) == -1) {
		r = -errno;
		atomicfile_abort(&af);
		return r;
	}
	if ((r = atomicfile_put(&af, data->data, data->len)) != 0) {
		atomicfile_abort(&af);
		return r;
	}
	return atomicfile_commit(&af);
}

/* A URI as it may be printed: no password, no user name. */
static void
print_uri(FILE *f, const struct aptsrc_uri *u)
{
	const char	*at, *sl;

	if (u->kind == APTSRC_CREDENTIALS &&
	    (sl = memchr(u->uri, '/', u->len)) != NULL &&
	    (at = memchr(u->uri, '@', u->len)) != NULL && at > sl + 1) {
		fprintf(f, "%.*s***%.*s", (int)(sl + 2 - u->uri), u->uri,
		    (int)(u->uri + u->len - at), at);
		return;
	}
	fprintf(f, "%.*s", (int)u->len, u->uri);
}

static void
show_json(struct apt_run *run, const struct aptsrc_uri *u)
{
	char	*s = NULL;
	size_t	 n = 0;
	FILE	*m;

	if ((m = open_memstream(&s, &n)) == NULL)
		return;
	print_uri(m, u);
	fclose(m);
	json_begin_object(&run->j);
	json_key(&run->j, "file");
	json_cstring(&run->j, run->path);
	json_key(&run->j, "line");
	json_int(&run->j, (int64_t)u->line);
	json_key(&run->j, "uri");
	json_string(&run->j, s, n);
	json_key(&run->j, "aptbt");
	json_bool(&run->j, u->kind == APTSRC_ON);
	json_key(&run->j, "reason");
	json_cstring(&run->j, aptsrc_kind_reason(u->kind));
	json_end_object(&run->j);
	free(s);
}

/* For each URI: count it; show prints it, enable/disable tell the skips. */
static void
visit(void *arg, const struct aptsrc_uri *u)
{
	struct apt_run	*run = arg;

	run->count[u->kind]++;
	if (run->action == APTSRC_SHOW && run->json) {
		show_json(run, u);
		return;
	}
	if (run->action == APTSRC_SHOW) {
		printf("%-7s %s:%zu ", u->kind == APTSRC_ON ? "aptbt" :
		    u->kind == APTSRC_OFF ? "direct" : "skipped", run->path,
		    u->line);
		print_uri(stdout, u);
		if (u->kind != APTSRC_ON)
			printf(" (%s)", aptsrc_kind_reason(u->kind));
		printf("\n");
	} else if (run->action == APTSRC_ENABLE && u->kind != APTSRC_ON &&
	    u->kind != APTSRC_OFF) {
		printf("%s:%zu: ", run->path, u->line);
		print_uri(stdout, u);
		printf(": %s\n", aptsrc_kind_reason(u->kind));
	}
}

/* --dry-run: the lines that would change, as a unified diff. */
static void
print_diff(const char *path, const struct bytebuf *a, const struct bytebuf *b,
    const char *what)
{
	const char	*pa = (const char *)a->data, *pb = (const char *)b->data;
	const char	*ea = pa + a->len, *eb = pb + b->len, *na, *nb;
	size_t		 line = 1, la, lb;

	printf("--- %s\n+++ %s (after aptbt-ctl apt %s)\n", path, path, what);
	while (pa < ea && pb < eb) {
		na = memchr(pa, '\n', (size_t)(ea - pa));
		nb = memchr(pb, '\n', (size_t)(eb - pb));
		la = na != NULL ? (size_t)(na - pa) : (size_t)(ea - pa);
		lb = nb != NULL ? (size_t)(nb - pb) : (size_t)(eb - pb);
		if (la != lb || memcmp(pa, pb, la) != 0)
			printf("@@ -%zu +%zu @@\n-%.*s\n+%.*s\n", line, line,
			    (int)la, pa, (int)lb, pb);
		pa += la + 1;
		pb += lb + 1;
		line++;
	}
}

static int
rewrite(const struct bytebuf *in, const char *path, enum aptsrc_action act,
    struct bytebuf *out, struct apt_run *run)
{
	return aptsrc_rewrite((const char *)in->data, in->len,
	    aptsrc_format_of(path), act, out, run != NULL ? visit : NULL, run);
}

static bool
same(const struct bytebuf *a, const struct bytebuf *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->data, b->data, a->len) == 0);
}

static void
file_error(struct apt_run *run, const char *what, const char *path, int r)
{
	fprintf(stderr, "aptbt-ctl: apt: %s %s: %s\n", what, path,
	    strerror(-r));
	run->rc = CTL_EXIT_ERROR;
}

/*
 * disable: the backup's bytes if path is still what enable made of the
 * backup, else path without aptbt+.  *restored says which.
 */
static int
disable_text(struct apt_run *run, const char *path, const char *save,
    const struct bytebuf *cur, struct bytebuf *out, bool *restored)
{
	struct bytebuf	saved = BYTEBUF_INIT, again = BYTEBUF_INIT;
	struct stat	st;
	int		n, r;

	*restored = false;
	n = rewrite(cur, path, APTSRC_DISABLE, out, run);
	if ((r = read_file(save, &saved, &st)) == 0 &&
	    rewrite(&saved, path, APTSRC_ENABLE, &again, NULL) >= 0 &&
	    same(&again, cur)) {
		bytebuf_reset(out);
		bytebuf_append(out, saved.data, saved.len);
		*restored = true;
		n = same(&saved, cur) ? 0 : n > 0 ? n : 1;
	} else if (r == 0 && n > 0)
		printf("%s: changed since \"apt enable\": removing aptbt+ "
		    "and keeping %s\n", path, save);
	bytebuf_free(&saved);
	bytebuf_free(&again);
	return bytebuf_failed(out) ? -1 : n;
}

/* A file reached twice (a link to another sources file) is done once. */
static bool
seen_before(struct apt_run *run, const struct stat *st)
{
	const uint8_t	*p;
	uint8_t		 id[sizeof(st->st_dev) + sizeof(st->st_ino)];

	memcpy(id, &st->st_dev, sizeof(st->st_dev));
	memcpy(id + sizeof(st->st_dev), &st->st_ino, sizeof(st->st_ino));
	for (p = run->seen.data; p != NULL &&
	    p + sizeof(id) <= run->seen.data + run->seen.len; p += sizeof(id))
		if (memcmp(p, id, sizeof(id)) == 0)
			return true;
	bytebuf_append(&run->seen, id, sizeof(id));
	return false;
}

static void
do_file(struct apt_run *run, const char *path)
{
	struct bytebuf	cur = BYTEBUF_INIT, out = BYTEBUF_INIT;
	struct stat	st;
	char		real[PATH_MAX], save[PATH_MAX + sizeof(SAVE_SUFFIX)];
	bool		restored = false;
	int		n, r;

	run->path = path;
	if ((r = read_file(path, &cur, &st)) != 0) {
		file_error(run, "cannot read", path, r);
		goto out;
	}
	if (seen_before(run, &st))
		goto out;
	/* A link is followed: its target is the file to rewrite. */
	if (realpath(path, real) == NULL) {
		file_error(run, "cannot resolve", path, -errno);
		goto out;
	}
	snprintf(save, sizeof(save), "%s%s", real, SAVE_SUFFIX);
	if (run->action == APTSRC_DISABLE)
		n = disable_text(run, path, save, &cur, &out, &restored);
	else
		n = rewrite(&cur, path, run->action, &out, run);
	if (n < 0) {
		file_error(run, "rewriting", path, -ENOMEM);
		goto out;
	}
	if (run->action == APTSRC_SHOW || n == 0)
		goto out;
	if (run->dry_run) {
		print_diff(path, &cur, &out,
		    run->action == APTSRC_ENABLE ? "enable" : "disable");
		goto out;
	}
	if (run->action == APTSRC_ENABLE &&
	    (r = write_like(save, &cur, &st)) != 0) {
		file_error(run, "cannot save a backup as", save, r);
		goto out;
	}
	if ((r = write_like(real, &out, &st)) != 0) {
		file_error(run, "cannot write", real, r);
		goto out;
	}
	run->files++;
	run->changed += (unsigned)n;
	if (run->action == APTSRC_ENABLE)
		printf("%s: %d source%s now through aptbt (backup: %s)\n",
		    path, n, n == 1 ? "" : "s", save);
	else if (restored) {
		if (unlink(save) == -1)
			file_error(run, "cannot remove", save, -errno);
		printf("%s: restored from %s\n", path, save);
	} else
		printf("%s: %d source%s back to direct\n", path, n,
		    n == 1 ? "" : "s");
out:
	bytebuf_free(&cur);
	bytebuf_free(&out);
}

/* The names apt reads in sources.list.d (apt-pkg/contrib/fileutl.cc). */
static int
part_filter(const struct dirent *d)
{
	const char	*p;
	size_t		 n = strlen(d->d_name);

	for (p = d->d_name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			return 0;
	return (n > 5 && strcmp(d->d_name + n - 5, ".list") == 0) ||
	    (n > 8 && strcmp(d->d_name + n - 8, ".sources") == 0);
}

/* dir/name into out; false if it does not fit. */
static bool
join(char *out, size_t size, const char *dir, const char *name)
{
	int	n = snprintf(out, size, "%s/%s", dir, name);

	return n >= 0 && (size_t)n < size;
}

static void
all_files(struct apt_run *run, const char *etc)
{
	struct dirent	**names;
	struct stat	  st;
	char		  path[PATH_MAX], dir[PATH_MAX];
	int		  n, i;

	if (join(path, sizeof(path), etc, "sources.list") &&
	    stat(path, &st) == 0)
		do_file(run, path);
	if (!join(path, sizeof(path), etc, "sources.list.d")) {
		file_error(run, "cannot list", etc, -ENAMETOOLONG);
		return;
	}
	strcpy(dir, path);
	if ((n = scandir(dir, &names, part_filter, alphasort)) < 0) {
		if (errno != ENOENT)
			file_error(run, "cannot list", dir, -errno);
		return;
	}
	for (i = 0; i < n; i++) {
		if (join(path, sizeof(path), dir, names[i]->d_name) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			do_file(run, path);
		free(names[i]);
	}
	free(names);
}

static bool
is_dir(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
summary(const struct apt_run *run, const char *methods)
{
	unsigned	skipped = 0, k;
	char		m[PATH_MAX];

	for (k = APTSRC_CREDENTIALS; k < APTSRC_NKINDS; k++)
		skipped += run->count[k];
	if (run->action == APTSRC_SHOW)
		printf("%u through aptbt, %u direct, %u skipped\n",
		    run->count[APTSRC_ON], run->count[APTSRC_OFF], skipped);
	else if (run->dry_run)
		printf("dry run: %u source%s would change; nothing written\n",
		    run->count[run->action == APTSRC_ENABLE ? APTSRC_OFF :
		    APTSRC_ON], run->changed == 1 ? "" : "s");
	else if (run->action == APTSRC_ENABLE)
		printf("%u source%s switched in %u file%s; %u skipped\n",
		    run->changed, run->changed == 1 ? "" : "s", run->files,
		    run->files == 1 ? "" : "s", skipped);
	else
		printf("%u file%s back to direct\n", run->files,
		    run->files == 1 ? "" : "s");
	if (run->action == APTSRC_ENABLE && run->changed > 0 &&
	    join(m, sizeof(m), methods, "aptbt+http") && access(m, X_OK) != 0)
		fprintf(stderr, "aptbt-ctl: apt: warning: %s is missing: apt "
		    "cannot fetch aptbt+ sources until aptbt is installed\n",
		    m);
}

static int
ctl_apt(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "etc", required_argument, NULL, 'e' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const actions[] = {
		[APTSRC_SHOW] = "show",
		[APTSRC_ENABLE] = "enable",
		[APTSRC_DISABLE] = "disable",
	};
	struct apt_run	run;
	const char	*root = "", *etc = "/etc/apt";
	char		dir[PATH_MAX], methods[PATH_MAX];
	size_t		i;
	int		ch;

	memset(&run, 0, sizeof(run));
	while ((ch = getopt_long(argc, argv, "ne:r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			run.dry_run = true;
			break;
		case 'e':
			etc = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		default:
			return ctl_usage(&ctl_cmd_apt);
		}
	}
	if (optind + 1 != argc)
		return ctl_usage(&ctl_cmd_apt);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(argv[optind], actions[i]) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return ctl_usage(&ctl_cmd_apt);
	run.action = (enum aptsrc_action)i;
	run.json = ctx->json;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", root, etc) >=
	    sizeof(dir)) {
		fprintf(stderr, "aptbt-ctl: apt: path too long\n");
		return CTL_EXIT_USAGE;
	}
	if (!is_dir(dir)) {
		fprintf(stderr, "aptbt-ctl: apt: %s is not a directory; give "
		    "apt's configuration directory with --etc\n", dir);
		return CTL_EXIT_ERROR;
	}
	snprintf(methods, sizeof(methods), "%s/usr/lib/apt/methods", root);
	if (run.json && run.action == APTSRC_SHOW) {
		json_init(&run.j, stdout);
		json_begin_object(&run.j);
		json_key(&run.j, "sources");
		json_begin_array(&run.j);
	}
	all_files(&run, dir);
	bytebuf_free(&run.seen);
	if (run.json && run.action == APTSRC_SHOW) {
		json_end_array(&run.j);
		json_end_object(&run.j);
		json_end(&run.j);
	} else
		summary(&run, methods);
	return run.rc;
}

const struct ctl_cmd ctl_cmd_apt = {
	"apt", "[--dry-run] [--root DIR] [--etc DIR] enable|disable|show",
	"switch apt's sources to aptbt+ and back", ctl_apt
};
