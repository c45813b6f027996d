/* SPDX-License-Identifier: ISC */
/*
 * main.c - aptbtd: start-up, signals, reload and shutdown.
 *
 * Start-up order matters: configuration first (so a bad file stops us
 * before anything changes), then directories and the control socket
 * (which may need root), then privileges are dropped, and only then is
 * state loaded and the loop entered.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "common/clock.h"
#include "common/confparse.h"
#include "common/log.h"
#include "common/privdrop.h"
#include "daemon/ctl/access.h"
#include "daemon/base/conf.h"
#include "daemon/ctl/control.h"
#include "daemon/engine/engine.h"
#include "daemon/notify.h"
#include "daemon/privsep.h"
#include "daemon/proxy/proxy.h"
#include "daemon/engine/sharing.h"
#include "daemon/base/state.h"
#include "daemon/tracker/tracker.h"
#include "daemon/web/web.h"

static const char	*conf_path;	/* NULL: the default file */
static bool		 conf_explicit;
static bool		 debug_flag;
static uint64_t		 conf_download_limit, conf_upload_limit;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: aptbtd [-dfh] [-c file] [--version]\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -d, --debug        log at debug level\n"
	    "  -f, --foreground   stay in the foreground, log to stderr\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n"
	    "See aptbtd(8) and aptbtd.conf(5).\n", APTBTD_DEFAULT_CONF);
}

/* The limits from the file apply unless set at run time (aptbt-ctl limit). */
static void
apply_conf_limits(bool reload)
{
	bool	changed = conf.download_limit != conf_download_limit ||
	    conf.upload_limit != conf_upload_limit;

	if (!state.limits_set || (reload && changed)) {
		state.download_limit = conf.download_limit;
		state.upload_limit = conf.upload_limit;
		state.limits_set = false;
	}
	conf_download_limit = conf.download_limit;
	conf_upload_limit = conf.upload_limit;
}

static void
reload(void)
{
	char	 err[CONF_ERRLEN];
	char	*old_socket = strdup(conf.control_socket);

	notify_reloading();
	if (conf_load(conf_path, conf_explicit, err, sizeof(err)) == -1)
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
	else {
		if (!debug_flag)
			log_set_level((enum log_level)conf.log_level);
		access_init(conf.admin_group);
		apply_conf_limits(true);
		engine_reload();
		sharing_reload();
		web_reload(conf.status_listen);
		trackerd_reload();
		if (old_socket != NULL &&
		    strcmp(old_socket, conf.control_socket) != 0)
			log_notice("control_socket changes at the next restart");
		log_info("configuration reloaded");
	}
	free(old_socket);
	notify_ready("Running");
}

static void
stop_now(void *arg)
{
	event_base_loopbreak(arg);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	static bool		 stopping;
	struct event_base	*base = arg;

	switch (sig) {
	case SIGHUP:
		reload();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("received %s, shutting down", strsignal(sig));
		/* Trackers hear "stopped" first (2 s at most); twice: now. */
		if (stopping || !sharing_stop(stop_now, base))
			event_base_loopbreak(base);
		stopping = true;
		break;
	}
}

/*
 * Fork into the background.  The parent waits until the child reports
 * that it is serving (or dies), so "aptbtd && aptbt-ctl status" works and
 * start-up errors reach the terminal.  Returns the fd to report on.
 */
static int
daemonize(void)
{
	int	pfd[2], status;
	pid_t	pid;
	char	c;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) == 1)
			_exit(0);
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
		_exit(1);
	}
	close(pfd[0]);
	if (setsid() == -1)
		fatal("setsid");
	return pfd[1];
}

static void
detach_stdio(int ready_fd)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_use_syslog();
	if (write(ready_fd, "", 1) != 1)
		log_warn("cannot report readiness to the parent");
	close(ready_fd);
}

static void
make_dirs(uid_t uid, gid_t gid, int chown_it)
{
	static const struct {
		size_t	offset;
		mode_t	mode;
	} dirs[] = {
		{ offsetof(struct aptbtd_conf, state_dir), 0750 },
		{ offsetof(struct aptbtd_conf, cache_dir), 0755 },
	};
	const char	*path;
	size_t		 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path = *(char **)((char *)&conf + dirs[i].offset);
		if (privsep_mkdir(path, dirs[i].mode, uid, gid, chown_it) == -1)
			fatal("cannot create %s", path);
	}
}

/* The socket's directory, unless systemd hands us the socket itself. */
static void
make_socket_dir(uid_t uid, gid_t gid, int chown_it)
{
	char	*dir, *slash;

	if (notify_under_systemd())
		return;
	if ((dir = strdup(conf.control_socket)) == NULL)
		fatal("strdup");
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (privsep_mkdir(dir, 0755, uid, gid, chown_it) == -1)
			fatal("cannot create %s", dir);
	}
	free(dir);
}

/*
 * Peer connections (max_connections), cache files being written and
 * commits that trail their answers all hold descriptors: the usual soft
 * limit of 1024 is too tight, so take what the hard limit allows (up to
 * NOFILE_WANT; libevent and libcurl use epoll, not select).
 */
#define NOFILE_WANT	16384

static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= NOFILE_WANT)
		return;
	rl.rlim_cur = rl.rlim_max < NOFILE_WANT ? rl.rlim_max : NOFILE_WANT;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the open-file limit");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct event_base	*base;
	struct event		*sigev[3];
	static const int	 sigs[3] = { SIGHUP, SIGTERM, SIGINT };
	char			 err[CONF_ERRLEN];
	bool			 foreground = false;
	uid_t			 uid;
	gid_t			 gid;
	int			 ch, drop, ready_fd = -1, rc;
	size_t			 i;

	log_init("aptbtd", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, "c:dfhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			conf_explicit = true;
			break;
		case 'd':
			debug_flag = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("aptbtd %s\n", APTBT_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conf_load(conf_path, conf_explicit, err, sizeof(err)) == -1)
		fatalx("%s", err);
	log_set_level(debug_flag ? LOG_LVL_DEBUG :
	    (enum log_level)conf.log_level);
	/* systemd supervises a foreground process (Type=notify). */
	if (notify_under_systemd())
		foreground = true;

	if (privsep_lookup(conf.user, &uid, &gid, &drop) == -1)
		return 1;
	if (!foreground)
		ready_fd = daemonize();
	umask(022);
	make_dirs(uid, gid, drop);
	make_socket_dir(uid, gid, drop);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();

	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no pthreads support");
	if ((base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	/*
	 * Before the control socket appears: whoever sees it may signal us
	 * at once, and a TERM then must shut down cleanly (it is handled
	 * once the loop runs), not kill the process half started.
	 */
	for (i = 0; i < 3; i++) {
		sigev[i] = evsignal_new(base, sigs[i], signal_cb, base);
		if (sigev[i] == NULL || event_add(sigev[i], NULL) == -1)
			fatalx("cannot install signal handlers");
	}
	if ((rc = control_init(base, conf.control_socket)) < 0)
		fatalx("cannot open the control socket %s: %s",
		    conf.control_socket, strerror(-rc));
	/* The method works without it: a taken port is not fatal. */
	if ((rc = proxy_init(base)) < 0)
		log_warnx("no apt proxy: cannot listen on %s: %s",
		    conf.proxy_listen, strerror(-rc));
	if (drop) {
		if ((rc = privdrop(conf.user, err, sizeof(err))) < 0)
			fatalx("cannot drop privileges: %s", err);
		log_info("running as user %s", conf.user);
	}

	access_init(conf.admin_group);
	state.started = clock_s();
	state.started_at = time(NULL);
	state_load(conf.state_dir);
	apply_conf_limits(false);
	state_init_events(base);
	if (engine_init(base) < 0)
		fatalx("cannot start the download engine");
	if (sharing_init(base) < 0)
		fatalx("cannot start sharing with peers");
	notify_init(base);
	/* The page is a convenience: without its port the daemon still serves. */
	web_init(base, conf.status_listen);
	/* The same for the embedded tracker (off unless tracker = yes). */
	if (trackerd_init(base) < 0)
		log_warnx("cannot start the embedded tracker: out of memory");

	log_info("aptbtd %s ready (cache %s, state %s)", APTBT_VERSION,
	    conf.cache_dir, conf.state_dir);
	notify_ready("Running");
	if (ready_fd != -1)
		detach_stdio(ready_fd);
	event_base_dispatch(base);

	notify_stopping();
	proxy_shutdown();
	web_shutdown();
	trackerd_shutdown();
	sharing_shutdown();
	engine_shutdown();
	control_shutdown();
	state_shutdown();
	rc = state_save(conf.state_dir) == 0 ? 0 : 1;
	notify_shutdown();
	for (i = 0; i < 3; i++)
		event_free(sigev[i]);
	event_base_free(base);
	libevent_global_shutdown();
	conf_release();
	log_info("stopped");
	return rc;
}
