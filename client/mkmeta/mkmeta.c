/* SPDX-License-Identifier: ISC */
/*
 * mkmeta.c - aptbt-mkmeta: write a .torrent for each file of a mirror.
 *
 * The torrents are published with the archive and regenerated with it,
 * so they are deterministic (see common/metainfo-build.c) and replace
 * the previous ones atomically: a mirror client never sees half a file.
 * A webseed URL ending in '/' is a directory: each file's own URL is
 * written, so any BEP 19 client fetches the file itself whatever the
 * torrent's display name.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/manifest.h"
#include "common/metainfo.h"
#include "client/mkmeta/mkmeta.h"

#define EXIT_USAGE	2
/* Smaller files hash in well under a second: no progress for them. */
#define PROGRESS_MIN	(64ull * 1024 * 1024)

struct opts {
	enum mi_form	 form;
	const char	*outdir;
	const char	*name;
	struct mi_tier	*tiers;
	size_t		 ntiers;
	size_t		 ntrackers;
	char		**webseeds;
	size_t		 nwebseeds;
	bool		 progress;
	/* --mirror and --archive: trackers are collected first, then
	 * sorted out */
	const char	*mirror;
	const char	*archive;
	const char	*suite;
	const char	*webseed_base;
	char		**targs;
	size_t		 ntargs;
	char		**mtrackers;	/* for the manifest */
	size_t		 nmtrackers;
	unsigned	 jobs;
	bool		 generate;	/* --mirror or --archive */
	bool		 dry_run;
	bool		 verbose;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: aptbt-mkmeta [--v1 | --hybrid] [--webseed URL]... "
	    "[--tracker URL[,URL]...]...\n"
	    "                    [-o DIR] [--name NAME] FILE...\n"
	    "       aptbt-mkmeta --mirror ROOT [--v1 | --hybrid] [--webseed URL]..."
	    "\n"
	    "                    [--tracker URL[,URL]...]... [-o OUTROOT] "
	    "[--dry-run] [-v] [-j N]\n"
	    "       aptbt-mkmeta --archive ROOT --suite SUITE [--v1 | --hybrid] "
	    "[--webseed-base URL]\n"
	    "                    [--tracker URL[,URL]...]... [-o OUTROOT] "
	    "[--dry-run] [-v] [-j N]\n"
	    "  --v1               v1 torrents, readable by every client "
	    "(default)\n"
	    "  --hybrid           v1+v2 hybrid torrents (BEP 52)\n"
	    "  -w, --webseed URL  mirror URL of the file, or of its directory "
	    "if URL ends in /\n"
	    "  -t, --tracker URLS one announce tier: comma-separated tracker "
	    "URLs\n"
	    "  -o, --output DIR   write DIR/FILE.torrent (default: beside "
	    "each FILE)\n"
	    "  -n, --name NAME    name shown by clients (one FILE only; "
	    "default: its file name)\n"
	    "  --mirror ROOT      torrents of every file of every suite under "
	    "ROOT/dists,\n"
	    "                     a manifest per suite; torrents of files "
	    "gone are dropped;\n"
	    "                     -w URL is the mirror's top URL, "
	    "-o its output top\n"
	    "  --archive ROOT     the same for the one suite of --suite "
	    "(nothing dropped)\n"
	    "  --suite SUITE      the suite, as under ROOT/dists/\n"
	    "  --webseed-base URL the mirror's top URL; each torrent's "
	    "webseed is URL/Filename\n"
	    "  --dry-run          list what would change (on stdout), write "
	    "nothing\n"
	    "  -v, --verbose      say which indices are read and which files "
	    "hashed\n"
	    "  -j, --jobs N       hash on N threads (default: one per core)\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n"
	    "See aptbt-mkmeta(1).\n");
}

static bool
url_scheme_ok(const char *url, const char *const *schemes)
{
	for (; *schemes != NULL; schemes++)
		if (strncmp(url, *schemes, strlen(*schemes)) == 0 &&
		    url[strlen(*schemes)] != '\0')
			return true;
	return false;
}

static const char *const webseed_schemes[] = {
	"http://", "https://", "ftp://", NULL
};
static const char *const tracker_schemes[] = {
	"http://", "https://", "udp://", NULL
};

/* A tracker on whatever host the manifest comes from: manifests only. */
static bool
tracker_pattern(const char *url)
{
	return url[0] == '/' || strstr(url, "://:") != NULL ||
	    strstr(url, ":///") != NULL;
}

static int
add_manifest_tracker(struct opts *o, char *url)
{
	char	**m;

	if (!manifest_tracker_ok(url)) {
		fprintf(stderr, "aptbt-mkmeta: bad tracker \"%s\" for the "
		    "manifest\n", url);
		return -EINVAL;
	}
	if (o->nmtrackers >= MANIFEST_MAX_TRACKERS) {
		fprintf(stderr, "aptbt-mkmeta: more than %d trackers for the "
		    "manifest\n", MANIFEST_MAX_TRACKERS);
		return -EINVAL;
	}
	if ((m = reallocarray(o->mtrackers, o->nmtrackers + 1,
	    sizeof(*m))) == NULL)
		return -ENOMEM;
	o->mtrackers = m;
	m[o->nmtrackers++] = url;
	return 0;
}

static int
add_tracker_tier(struct opts *o, char *arg)
{
	struct mi_tier	*t;
	char		*url, *save = NULL, **urls;
	size_t		 patterns = 0;

	if ((t = realloc(o->tiers, (o->ntiers + 1) * sizeof(*t))) == NULL)
		return -ENOMEM;
	o->tiers = t;
	t = &o->tiers[o->ntiers++];
	t->urls = NULL;
	t->nurls = 0;
	for (url = strtok_r(arg, ",", &save); url != NULL;
	    url = strtok_r(NULL, ",", &save)) {
		if (o->generate && add_manifest_tracker(o, url) != 0)
			return -EINVAL;
		if (o->generate && tracker_pattern(url)) {
			patterns++;
			continue;
		}
		if (!url_scheme_ok(url, tracker_schemes) ||
		    !metainfo_url_ok(url, strlen(url))) {
			fprintf(stderr, "aptbt-mkmeta: bad tracker URL \"%s\" "
			    "(http://, https:// or udp://, no blanks)\n", url);
			return -EINVAL;
		}
		if (++o->ntrackers > MI_MAX_TRACKERS) {
			fprintf(stderr, "aptbt-mkmeta: more than %d tracker "
			    "URLs\n", MI_MAX_TRACKERS);
			return -EINVAL;
		}
		if ((urls = reallocarray(t->urls, t->nurls + 1,
		    sizeof(*urls))) == NULL)
			return -ENOMEM;
		t->urls = urls;
		t->urls[t->nurls++] = url;
	}
	if (t->nurls == 0) {
		/* Patterns alone: the manifest has them, no torrent tier. */
		o->ntiers--;
		if (patterns > 0)
			return 0;
		fprintf(stderr, "aptbt-mkmeta: empty --tracker\n");
		return -EINVAL;
	}
	return 0;
}

static int
add_webseed(struct opts *o, char *url)
{
	char	**ws;

	if (!url_scheme_ok(url, webseed_schemes) ||
	    !metainfo_url_ok(url, strlen(url))) {
		fprintf(stderr, "aptbt-mkmeta: bad webseed URL \"%s\" "
		    "(http://, https:// or ftp://, no blanks)\n", url);
		return -EINVAL;
	}
	if (o->nwebseeds >= MI_MAX_WEBSEEDS) {
		fprintf(stderr, "aptbt-mkmeta: more than %d webseeds\n",
		    MI_MAX_WEBSEEDS);
		return -EINVAL;
	}
	if ((ws = reallocarray(o->webseeds, o->nwebseeds + 1,
	    sizeof(*ws))) == NULL)
		return -ENOMEM;
	o->webseeds = ws;
	ws[o->nwebseeds++] = url;
	return 0;
}

struct progress {
	const char	*path;
	int		 shown;		/* last percentage printed, or -1 */
};

static void
progress_cb(uint64_t done, uint64_t total, void *arg)
{
	struct progress	*p = arg;
	int		 pct = (int)(done * 100 / total);

	if (pct == p->shown)
		return;
	p->shown = pct;
	fprintf(stderr, "\r%s: hashing %3d%%", p->path, pct);
	if (done == total)
		fprintf(stderr, "\r\033[K");
}

static const char *
build_error(int err)
{
	switch (err) {
	case -EINVAL:
		return "bad name or URL";
	case -EFBIG:
		return "too large for a single-file torrent";
	case -ESTALE:
		return "file changed size while being read; try again";
	default:
		return strerror(-err);
	}
}

/* Each file's own URL under every webseed; see the comment at the top. */
static int
file_webseeds(const struct opts *o, const char *base, char ***out)
{
	char	**ws;
	size_t	  i;

	if ((ws = calloc(o->nwebseeds + 1, sizeof(*ws))) == NULL)
		return -ENOMEM;
	for (i = 0; i < o->nwebseeds; i++)
		if ((ws[i] = metainfo_url_join(o->webseeds[i], base)) ==
		    NULL) {
			while (i > 0)
				free(ws[--i]);
			free(ws);
			return -ENOMEM;
		}
	*out = ws;
	return 0;
}

static void
free_webseeds(char **ws, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ws[i]);
	free(ws);
}

static void
print_hashes(const struct metainfo *mi, const char *path)
{
	char	hex[2 * SHA256_LEN + 1];

	if (mi->has_v1) {
		hex_encode(mi->info_hash_v1, SHA1_LEN, hex);
		printf("v1:%s ", hex);
	}
	if (mi->has_v2) {
		hex_encode(mi->info_hash_v2, SHA256_LEN, hex);
		printf("v2:%s ", hex);
	}
	printf("%s\n", path);
}

static int
mkmeta_file(const struct opts *o, const char *file)
{
	struct mi_build	 b;
	struct metainfo	 mi;
	struct bytebuf	 out = BYTEBUF_INIT;
	struct progress	 prog = { file, -1 };
	struct stat	 st;
	char		*dcopy = NULL, *bcopy = NULL, *tname = NULL;
	char		*path = NULL, **ws = NULL;
	const char	*base, *dir, *why = NULL;
	int		 fd, r, rv = -1;

	if ((dcopy = strdup(file)) == NULL || (bcopy = strdup(file)) == NULL)
		goto nomem;
	base = basename(bcopy);
	dir = o->outdir != NULL ? o->outdir : dirname(dcopy);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", file,
		    strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size == 0)
		why = "empty file: no torrent can describe it (clients "
		    "refuse zero-length files)";
	if (why != NULL) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", file, why);
		close(fd);
		goto done;
	}
	if (file_webseeds(o, base, &ws) != 0) {
		close(fd);
		goto nomem;
	}
	memset(&b, 0, sizeof(b));
	b.form = o->form;
	b.name = o->name != NULL ? o->name : base;
	b.tiers = o->tiers;
	b.ntiers = o->ntiers;
	b.webseeds = ws;
	b.nwebseeds = o->nwebseeds;
	if (o->progress && st.st_size >= (off_t)PROGRESS_MIN) {
		b.progress = progress_cb;
		b.progress_arg = &prog;
	}
	r = metainfo_build(fd, &b, &out);
	close(fd);
	if (prog.shown >= 0 && prog.shown < 100)
		fputc('\n', stderr);
	if (r != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: %s\n", file,
		    build_error(r));
		goto done;
	}
	/* Read back what we wrote: a self-check, and the info-hashes. */
	if ((r = metainfo_parse(&mi, out.data, out.len)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s: built an invalid torrent: "
		    "%s\n", file, metainfo_strerror(r));
		goto done;
	}
	if (asprintf(&tname, "%s.torrent", base) == -1) {
		tname = NULL;
		metainfo_free(&mi);
		goto nomem;
	}
	if ((r = mkmeta_write_atomic(dir, tname, &out, &path)) != 0) {
		fprintf(stderr, "aptbt-mkmeta: %s/%s: %s\n", dir, tname,
		    strerror(-r));
		metainfo_free(&mi);
		goto done;
	}
	print_hashes(&mi, path);
	metainfo_free(&mi);
	rv = 0;
	goto done;
nomem:
	fprintf(stderr, "aptbt-mkmeta: %s: out of memory\n", file);
done:
	free_webseeds(ws, ws != NULL ? o->nwebseeds : 0);
	bytebuf_free(&out);
	free(path);
	free(tname);
	free(dcopy);
	free(bcopy);
	return rv;
}

static bool
name_ok(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A URL that is not a directory names one file, so it fits one FILE. */
static bool
webseeds_fit(const struct opts *o, int nfiles)
{
	size_t	i, n;

	for (i = 0; nfiles > 1 && i < o->nwebseeds; i++) {
		n = strlen(o->webseeds[i]);
		if (o->webseeds[i][n - 1] != '/')
			return false;
	}
	return true;
}

/* aptbt-mkmeta --mirror and --archive: see mkmeta-mirror.c. */
static int
run_generate(struct opts *o, int nargs)
{
	struct gen_opts	a;
	size_t		i;
	long		ncpu;

	if (nargs > 0 || o->name != NULL ||
	    (o->archive != NULL) == (o->mirror != NULL) ||
	    (o->archive != NULL && (o->suite == NULL || o->nwebseeds > 0)) ||
	    (o->mirror != NULL && o->suite != NULL)) {
		fprintf(stderr, "aptbt-mkmeta: --mirror ROOT, or --archive ROOT "
		    "--suite SUITE (with --webseed-base, not --webseed); no "
		    "FILE, no --name\n");
		return EXIT_USAGE;
	}
	if (o->webseed_base != NULL &&
	    (!url_scheme_ok(o->webseed_base, webseed_schemes) ||
	    !metainfo_url_ok(o->webseed_base, strlen(o->webseed_base)))) {
		fprintf(stderr, "aptbt-mkmeta: bad --webseed-base \"%s\"\n",
		    o->webseed_base);
		return EXIT_USAGE;
	}
	/* --webseed-base is --webseed's older name: the mirror's top. */
	if (o->webseed_base != NULL &&
	    add_webseed(o, (char *)(uintptr_t)o->webseed_base) != 0)
		return EXIT_USAGE;
	for (i = 0; i < o->ntargs; i++)
		if (add_tracker_tier(o, o->targs[i]) != 0)
			return EXIT_USAGE;
	memset(&a, 0, sizeof(a));
	a.root = o->mirror != NULL ? o->mirror : o->archive;
	a.suite = o->mirror != NULL ? NULL : o->suite;
	a.outroot = o->outdir;
	a.form = o->form;
	a.webseeds = o->webseeds;
	a.nwebseeds = o->nwebseeds;
	a.tiers = o->tiers;
	a.ntiers = o->ntiers;
	a.mtrackers = o->mtrackers;
	a.nmtrackers = o->nmtrackers;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	a.jobs = o->jobs > 0 ? o->jobs : ncpu > 0 ? (unsigned)ncpu : 1;
	a.progress = isatty(STDERR_FILENO);
	a.dry_run = o->dry_run;
	a.verbose = o->verbose;
	return mkmeta_generate(&a);
}

static int
parse_jobs(struct opts *o, const char *arg)
{
	char		*end;
	unsigned long	 n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < 1 || n > 256 ||
	    arg[0] == '-') {
		fprintf(stderr, "aptbt-mkmeta: --jobs takes 1 to 256\n");
		return -EINVAL;
	}
	o->jobs = (unsigned)n;
	return 0;
}

static int
add_targ(struct opts *o, char *arg)
{
	char	**t;

	if ((t = reallocarray(o->targs, o->ntargs + 1, sizeof(*t))) == NULL)
		return -ENOMEM;
	o->targs = t;
	t[o->ntargs++] = arg;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "v1", no_argument, NULL, '1' },
		{ "hybrid", no_argument, NULL, '2' },
		{ "webseed", required_argument, NULL, 'w' },
		{ "tracker", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "mirror", required_argument, NULL, 'M' },
		{ "archive", required_argument, NULL, 'A' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "suite", required_argument, NULL, 'S' },
		{ "webseed-base", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts	o;
	size_t		i;
	int		c, a, failed = 0, rv = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.form = MI_FORM_V1;
	while ((c = getopt_long(argc, argv, "w:t:o:n:vj:hV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case '1':
			o.form = MI_FORM_V1;
			break;
		case '2':
			o.form = MI_FORM_HYBRID;
			break;
		case 'w':
			if (add_webseed(&o, optarg) != 0)
				goto out;
			break;
		case 't':
			/* Sorted out once we know the mode. */
			if (add_targ(&o, optarg) != 0)
				goto out;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'M':
			o.mirror = optarg;
			break;
		case 'A':
			o.archive = optarg;
			break;
		case 'D':
			o.dry_run = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'j':
			if (parse_jobs(&o, optarg) != 0)
				goto out;
			break;
		case 'S':
			o.suite = optarg;
			break;
		case 'B':
			o.webseed_base = optarg;
			break;
		case 'h':
			usage(stdout);
			rv = 0;
			goto out;
		case 'V':
			printf("aptbt-mkmeta %s\n", APTBT_VERSION);
			rv = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (o.archive != NULL || o.mirror != NULL) {
		o.generate = true;
		rv = run_generate(&o, argc - optind);
		goto out;
	}
	if (o.suite != NULL || o.webseed_base != NULL || o.dry_run ||
	    o.verbose || o.jobs > 0) {
		fprintf(stderr, "aptbt-mkmeta: --suite, --webseed-base, "
		    "--dry-run, --verbose and --jobs go with --mirror or "
		    "--archive\n");
		goto out;
	}
	for (i = 0; i < o.ntargs; i++)
		if (add_tracker_tier(&o, o.targs[i]) != 0)
			goto out;
	if (optind >= argc) {
		usage(stderr);
		goto out;
	}
	if (o.name != NULL && (argc - optind > 1 || !name_ok(o.name))) {
		fprintf(stderr, "aptbt-mkmeta: --name takes a file name "
		    "(no '/') and only one FILE\n");
		goto out;
	}
	if (!webseeds_fit(&o, argc - optind)) {
		fprintf(stderr, "aptbt-mkmeta: with several FILEs every "
		    "--webseed must be a directory URL ending in '/'\n");
		goto out;
	}
	o.progress = isatty(STDERR_FILENO);
	for (a = optind; a < argc; a++)
		if (mkmeta_file(&o, argv[a]) != 0)
			failed = 1;
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "aptbt-mkmeta: stdout: %s\n", strerror(errno));
		failed = 1;
	}
	rv = failed;
out:
	for (i = 0; i < o.ntiers; i++)
		free(o.tiers[i].urls);
	free(o.tiers);
	free(o.webseeds);
	free(o.targs);
	free(o.mtrackers);
	return rv;
}
