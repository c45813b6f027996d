/* SPDX-License-Identifier: ISC */
/*
 * ctl-top.c - "aptbt-ctl top": the daemon's rates, downloads and peers,
 * redrawn in place every second, like top(1).
 *
 * Each frame asks the daemon the same three questions as "status",
 * "files" and "peers" (one connection each: the daemon answers one
 * request per connection) and renders them into memory first, so the
 * terminal gets one write per frame: cursor home, the lines each ended by
 * "erase to end of line", then "erase below".  Rates are the differences
 * of the status counters between two frames.  The terminal is put in
 * non-canonical, no-echo mode on the alternate screen; it is restored on
 * every way out (q, SIGINT, SIGTERM, SIGHUP, a lost daemon).  Batch mode
 * (-b) prints plain frames one after the other, for scripts and tests.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "client/ctl/ctl.h"
#include "client/ctl/table.h"
#include "common/units.h"

static volatile sig_atomic_t	top_stop, top_resized;

static const struct table_column top_files[] = {
	{ "SHA256", "sha256", TABLE_HEX12 },
	{ "STATE", "state", TABLE_TEXT },
	{ "SIZE", "size", TABLE_BYTES },
	{ "DONE", "progress", TABLE_PERMILLE },
	{ "FROM-PEERS", "bytes_from_peers", TABLE_BYTES },
	{ "TO-PEERS", "bytes_to_peers", TABLE_BYTES },
	{ "PEERS", "peers", TABLE_INT },
};

static const struct table_column top_peers[] = {
	{ "ADDRESS", "address", TABLE_TEXT },
	{ "CLIENT", "client", TABLE_TEXT },
	{ "DOWN/S", "down_rate", TABLE_BYTES },
	{ "UP/S", "up_rate", TABLE_BYTES },
	{ "IN", "bytes_in", TABLE_BYTES },
	{ "OUT", "bytes_out", TABLE_BYTES },
	{ "FLAGS", "flags", TABLE_TEXT },
};

/* The status counters a rate is made of. */
enum { C_MIRRORS, C_PEERS, C_TO_PEERS, C_CACHE, NCOUNTERS };
static const char *const counter_keys[NCOUNTERS] = {
	"bytes_from_mirrors", "bytes_from_peers", "bytes_to_peers",
	"bytes_from_cache",
};

struct top {
	struct ctl_ctx	*ctx;
	bool		 batch;
	unsigned	 rows, cols;	/* of the terminal; 0: unlimited */
	int64_t		 last[NCOUNTERS];
	double		 last_t;
	bool		 have_last;
	struct termios	 saved;
	bool		 tty_changed;
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		top_resized = 1;
	else
		top_stop = 1;
}

/* One request; the reply stays in ctx until the next. */
static int
ask(struct top *t, const char *cmd)
{
	if (t->ctx->reply.toks != NULL)
		benc_free(&t->ctx->reply);
	ctlconn_close(&t->ctx->conn);
	return ctl_call(t->ctx, cmd, NULL);
}

static const char *
rate(double v, char *buf, size_t len)
{
	char	b[32];

	if (v < 0)
		return "-";
	snprintf(buf, len, "%s/s", units_format_bytes((uint64_t)(v + 0.5), b,
	    sizeof(b)));
	return buf;
}

static void
render_status(struct top *t, FILE *f)
{
	struct ctl_ctx	*ctx = t->ctx;
	const uint8_t	*v = (const uint8_t *)"?";
	size_t		 vlen = 1, i;
	int64_t		 up = ctl_result_int(ctx, "uptime_s"), cur[NCOUNTERS];
	double		 r[NCOUNTERS], tn = now_s();
	char		 b[NCOUNTERS][48], clock[16];
	time_t		 wall = time(NULL);
	struct tm	 tm;

	for (i = 0; i < NCOUNTERS; i++) {
		cur[i] = ctl_result_int(ctx, counter_keys[i]);
		r[i] = t->have_last && tn > t->last_t ?
		    (double)(cur[i] - t->last[i]) / (tn - t->last_t) : -1;
		if (t->have_last && r[i] < 0)
			r[i] = 0;	/* a restarted daemon */
		t->last[i] = cur[i];
	}
	t->last_t = tn;
	t->have_last = true;
	localtime_r(&wall, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	benc_dict_str(&ctx->reply, ctx->result, "version", &v, &vlen);
	fprintf(f, "aptbt-ctl top - %s - aptbtd %.*s, up %lldd %02lld:%02lld:"
	    "%02lld, %s\n", clock, (int)vlen, (const char *)v,
	    (long long)(up / 86400), (long long)(up / 3600 % 24),
	    (long long)(up / 60 % 60), (long long)(up % 60),
	    ctl_result_int(ctx, "paused") ? "paused" : "running");
	fprintf(f, "rates:  mirrors %s, peers %s, to peers %s, cache %s\n",
	    rate(r[C_MIRRORS], b[0], sizeof(b[0])),
	    rate(r[C_PEERS], b[1], sizeof(b[1])),
	    rate(r[C_TO_PEERS], b[2], sizeof(b[2])),
	    rate(r[C_CACHE], b[3], sizeof(b[3])));
	fprintf(f, "totals: mirrors %s, peers %s, to peers %s, cache %s\n",
	    units_format_bytes((uint64_t)cur[C_MIRRORS], b[0], sizeof(b[0])),
	    units_format_bytes((uint64_t)cur[C_PEERS], b[1], sizeof(b[1])),
	    units_format_bytes((uint64_t)cur[C_TO_PEERS], b[2], sizeof(b[2])),
	    units_format_bytes((uint64_t)cur[C_CACHE], b[3], sizeof(b[3])));
	fprintf(f, "files:  %lld cached, %lld downloading, %lld shared; "
	    "peers: %lld (%lld aptbt daemons)\n",
	    (long long)ctl_result_int(ctx, "files"),
	    (long long)ctl_result_int(ctx, "downloads"),
	    (long long)ctl_result_int(ctx, "swarms"),
	    (long long)ctl_result_int(ctx, "peers"),
	    (long long)ctl_result_int(ctx, "daemons"));
}

/* One frame into memory; an exit code. */
static int
render(struct top *t, char **frame, size_t *len)
{
	FILE	*f;
	size_t	 rows;
	int	 rc;

	if ((f = open_memstream(frame, len)) == NULL)
		return CTL_EXIT_ERROR;
	/* Half the lines left below the 4 of status and 2 titles each. */
	rows = t->rows > 12 ? (t->rows - 9) / 2 : t->rows ? 1 : SIZE_MAX;
	if ((rc = ask(t, "status")) == CTL_EXIT_OK) {
		render_status(t, f);
		rc = ask(t, "files");
	}
	if (rc == CTL_EXIT_OK) {
		fprintf(f, "\n");
		table_fprint(f, t->ctx, "files", top_files,
		    sizeof(top_files) / sizeof(top_files[0]), "no files", rows);
		rc = ask(t, "peers");
	}
	if (rc == CTL_EXIT_OK) {
		fprintf(f, "\n");
		table_fprint(f, t->ctx, "peers", top_peers,
		    sizeof(top_peers) / sizeof(top_peers[0]), "no peers", rows);
	}
	fclose(f);
	return rc;
}

/* Draw in place: each line cut to the terminal, old text erased. */
static void
draw(const struct top *t, const char *frame, size_t len)
{
	const char	*p = frame, *e = frame + len, *nl;
	unsigned	 row = 0;
	size_t		 n;

	fputs("\033[H", stdout);
	while (p < e && (t->rows == 0 || row < t->rows)) {
		nl = memchr(p, '\n', (size_t)(e - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(e - p);
		if (t->cols > 0 && n > t->cols)
			n = t->cols;
		fwrite(p, 1, n, stdout);
		fputs("\033[K", stdout);
		p = nl != NULL ? nl + 1 : e;
		if (++row < t->rows && p < e)
			fputs("\r\n", stdout);
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

static void
term_size(struct top *t)
{
	struct winsize	ws;

	t->rows = 24;
	t->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
	}
}

static int
term_enter(struct top *t)
{
	struct termios	raw;

	if (tcgetattr(STDIN_FILENO, &t->saved) == -1)
		return -errno;
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == -1)
		return -errno;
	t->tty_changed = true;
	/* Alternate screen, cursor hidden. */
	fputs("\033[?1049h\033[?25l", stdout);
	fflush(stdout);
	return 0;
}

static void
term_leave(struct top *t)
{
	if (!t->tty_changed)
		return;
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	t->tty_changed = false;
}

/* Wait up to secs for q or a signal; true when it is time to stop. */
static bool
wait_key(const struct top *t, double secs)
{
	struct pollfd	pfd = { STDIN_FILENO, POLLIN, 0 };
	double		end = now_s() + secs, left;
	char		c;
	ssize_t		n;

	while (!top_stop && (left = end - now_s()) > 0) {
		if (t->batch) {
			poll(NULL, 0, (int)(left * 1000) + 1);
			continue;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0) {
			if (top_resized)
				return false;
			continue;
		}
		if ((n = read(STDIN_FILENO, &c, 1)) == 1 &&
		    (c == 'q' || c == 'Q'))
			return true;
		if (n == 0)
			return true;	/* the terminal went away */
	}
	return top_stop != 0;
}

static int
ctl_top(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct top		 t;
	struct sigaction	 sa;
	char			*frame, *end;
	size_t			 len;
	double			 delay = 1;
	long			 frames = -1, n;
	int			 ch, rc = CTL_EXIT_OK;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	while ((ch = getopt(argc, argv, "bd:n:")) != -1) {
		switch (ch) {
		case 'b':
			t.batch = true;
			break;
		case 'd':
			delay = strtod(optarg, &end);
			if (*end != '\0' || !(delay >= 0.1 && delay <= 3600))
				return ctl_usage(&ctl_cmd_top);
			break;
		case 'n':
			frames = strtol(optarg, &end, 10);
			if (*end != '\0' || frames < 1)
				return ctl_usage(&ctl_cmd_top);
			break;
		default:
			return ctl_usage(&ctl_cmd_top);
		}
	}
	if (optind != argc)
		return ctl_usage(&ctl_cmd_top);
	if (!t.batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "aptbt-ctl: top: not a terminal; use -b for "
		    "batch mode\n");
		return CTL_EXIT_USAGE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	/* The first frame before the screen changes: errors stay visible. */
	if (!t.batch)
		term_size(&t);
	if ((rc = render(&t, &frame, &len)) != CTL_EXIT_OK) {
		free(frame);
		return rc;
	}
	if (!t.batch && term_enter(&t) != 0) {
		free(frame);
		fprintf(stderr, "aptbt-ctl: top: cannot set up the terminal: "
		    "%s\n", strerror(errno));
		return CTL_EXIT_ERROR;
	}
	for (n = 1;; n++) {
		if (t.batch) {
			fwrite(frame, 1, len, stdout);
			fflush(stdout);
		} else
			draw(&t, frame, len);
		free(frame);
		frame = NULL;
		if ((frames > 0 && n >= frames) || wait_key(&t, delay))
			break;
		if (top_resized) {
			top_resized = 0;
			term_size(&t);
		}
		if ((rc = render(&t, &frame, &len)) != CTL_EXIT_OK)
			break;
		if (t.batch)
			printf("\n");
	}
	free(frame);
	term_leave(&t);
	if (rc != CTL_EXIT_OK)
		fprintf(stderr, "aptbt-ctl: top: lost aptbtd at %s\n",
		    ctx->socket);
	return rc;
}

const struct ctl_cmd ctl_cmd_top = {
	"top", "[-b] [-n FRAMES] [-d SECONDS]",
	"live view of rates, downloads and peers (q quits)", ctl_top
};
