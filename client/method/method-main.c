/*
 * method-main.c - the aptbt apt method: talks to apt on stdin/stdout and
 * runs the one loop that drives the daemon connection and the mirror
 * transfers.
 *
 * apt starts us as root, sends 601 Configuration (we then drop to
 * APT::Sandbox::User) and pipelines 600 URI Acquire requests; each gets
 * 200 URI Start once its size is known, then 201 URI Done or 400 URI
 * Failure.  Closing our stdin is apt's way of saying it is done.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client/method/aptmsg.h"
#include "common/ctlconn.h"
#include "client/method/method.h"
#include "common/privdrop.h"

#define DEFAULT_TIMEOUT		30	/* seconds, as apt's http method */
#define DEFAULT_DAEMON_TIMEOUT	5

struct method	 method;

static bool	 no_daemon_said;
static char	*socket_path;

static void	 general_failure(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

void
method_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!method.debug)
		return;
	va_start(ap, fmt);
	fputs("aptbt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void
method_status(const struct item *it, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aptmsg_begin(&method.out, 102, "Status");
	if (it != NULL)
		aptmsg_add(&method.out, "URI", it->uri);
	aptmsg_add(&method.out, "Message", msg);
	aptmsg_end(&method.out);
}

void
method_no_daemon(const char *fmt, ...)
{
	va_list	 ap;

	if (no_daemon_said)
		return;
	no_daemon_said = true;
	va_start(ap, fmt);
	fputs("aptbt: aptbtd is not running (", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("); fetching directly from the mirror\n", stderr);
	va_end(ap);
}

void
method_flush(void)
{
	size_t	 off = 0;
	ssize_t	 n;

	if (bytebuf_failed(&method.out)) {
		/* A half-built message must never reach apt. */
		fputs("aptbt: out of memory\n", stderr);
		exit(100);
	}
	while (off < method.out.len) {
		n = write(STDOUT_FILENO, method.out.data + off,
		    method.out.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			exit(100);	/* apt is gone */
		off += (size_t)n;
	}
	bytebuf_reset(&method.out);
}

void
method_direct(struct item *it)
{
	int	 r;

	if ((r = item_begin(it)) < 0) {
		item_fail(it, NULL, false, "Cannot write %s: %s",
		    it->filename, strerror(-r));
		item_finish(it);
		return;
	}
	if ((r = direct_start(it)) < 0) {
		item_fail(it, NULL, true, "Cannot start the transfer: %s",
		    strerror(-r));
		item_finish(it);
	}
}

void
method_complete(struct item *it)
{
	int	 r;

	if ((r = item_done(it)) == 0) {
		item_finish(it);
		return;
	}
	if (r == -EBADMSG && !it->retried) {
		/* Whoever was wrong, the mirror gets the last word. */
		it->retried = true;
		method_status(it, "Hash Sum mismatch, fetching again from "
		    "the mirror");
		method_direct(it);
		return;
	}
	if (r == -EBADMSG)
		item_fail(it, "HashSumMismatch", false, "Hash Sum mismatch");
	else
		item_fail(it, NULL, false, "Cannot write %s: %s",
		    it->filename, strerror(-r));
	item_finish(it);
}

static void
capabilities(void)
{
	aptmsg_begin(&method.out, 100, "Capabilities");
	aptmsg_add(&method.out, "Version", "1.2");
	aptmsg_add(&method.out, "Pipeline", "true");
	aptmsg_add(&method.out, "Send-Config", "true");
	aptmsg_add(&method.out, "Send-URI-Encoded", "true");
	aptmsg_end(&method.out);
}

static void
general_failure(const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aptmsg_begin(&method.out, 401, "General Failure");
	aptmsg_add(&method.out, "Message", msg);
	aptmsg_end(&method.out);
	method_flush();
}

static int
configure(const struct aptmsg *msg)
{
	const char	*v;
	char		 err[256];
	int		 r;

	if ((r = conf_take(&method.conf, msg)) < 0)
		return r;
	method.debug = conf_get_bool(&method.conf, "Debug::Acquire::aptbt",
	    false);
	method.timeout = conf_get_long(&method.conf, "Acquire::aptbt::Timeout",
	    conf_get_long(&method.conf, "Acquire::http::Timeout",
	    DEFAULT_TIMEOUT));
	if (method.timeout < 1)
		method.timeout = DEFAULT_TIMEOUT;
	method.daemon_timeout = conf_get_long(&method.conf,
	    "Acquire::aptbt::Daemon-Timeout", DEFAULT_DAEMON_TIMEOUT);
	if (method.daemon_timeout < 1)
		method.daemon_timeout = DEFAULT_DAEMON_TIMEOUT;
	free(socket_path);
	v = conf_get(&method.conf, "Acquire::aptbt::Socket");
	if ((socket_path = strdup(v != NULL && *v != '\0' ? v :
	    ctlconn_default_path())) == NULL)
		return -ENOMEM;
	method.socket_path = socket_path;

	if ((r = privdrop(conf_get(&method.conf, "APT::Sandbox::User"), err,
	    sizeof(err))) < 0) {
		general_failure("aptbt: %s", err);
		return r;
	}
	method.configured = true;
	return 0;
}

static void
acquire(const struct aptmsg *msg)
{
	struct item	*it;
	char		 err[256], *user, *pass;
	const char	*uri;
	int		 r;

	if ((it = item_new(msg, err, sizeof(err))) == NULL) {
		if ((uri = aptmsg_get(msg, "URI")) == NULL) {
			general_failure("%s", err);
			return;
		}
		aptmsg_begin(&method.out, 400, "URI Failure");
		aptmsg_add(&method.out, "URI", uri);
		aptmsg_add(&method.out, "Message", err);
		aptmsg_end(&method.out);
		return;
	}
	TAILQ_INSERT_TAIL(&method.items, it, entry);

	/* Credentials make a file private: it never goes to the daemon. */
	if (url_has_userinfo(it->url) ||
	    (strncasecmp(it->url, "https:", 6) == 0 &&
	    conf_get(&method.conf, "Acquire::https::SslCert") != NULL))
		it->private = true;
	else if (auth_lookup(&method.conf, it->url, &user, &pass)) {
		it->private = true;
		free(user);
		free(pass);
	}
	if ((r = item_begin(it)) < 0) {
		item_fail(it, NULL, false, "Cannot write %s: %s",
		    it->filename, strerror(-r));
		item_finish(it);
		return;
	}
	if (!it->private && daemon_start(it)) {
		/* While the daemon works on it. */
		item_prepare(it);
		return;
	}
	if (!it->private)
		method_status(it, "aptbtd not running, fetching directly");
	if ((r = direct_start(it)) < 0) {
		item_fail(it, NULL, true, "Cannot start the transfer: %s",
		    strerror(-r));
		item_finish(it);
	}
}

static int
handle(const struct aptmsg *msg)
{
	switch (msg->code) {
	case 601:
		return configure(msg);
	case 600:
		acquire(msg);
		return 0;
	default:
		/* Other messages (e.g. 351 Aux Request answers) are not ours. */
		method_debug("ignoring message %03d %s", msg->code, msg->text);
		return 0;
	}
}

/* Read what apt sent; false at end of input or on a fatal error. */
static bool
read_apt(struct aptmsg_reader *rd)
{
	struct aptmsg	 msg;
	char		 buf[65536];
	ssize_t		 n;
	int		 r;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (aptmsg_reader_feed(rd, buf, (size_t)n) < 0)
		return false;
	while ((r = aptmsg_reader_next(rd, &msg)) != 0) {
		if (r == -EBADMSG) {
			fputs("aptbt: ignoring a malformed message from apt\n",
			    stderr);
			continue;
		}
		if (r < 0) {
			general_failure("aptbt: cannot read apt's messages: %s",
			    strerror(-r));
			return false;
		}
		r = handle(&msg);
		aptmsg_free(&msg);
		method_flush();
		if (r < 0)
			return false;
	}
	return true;
}

int
main(int argc, char *argv[])
{
	struct aptmsg_reader	 rd;
	struct pollfd		 pfd[2];
	struct item		*it;
	unsigned int		 n;
	int			 timeout, dfd, status = 0;
	short			 dev;

	signal(SIGPIPE, SIG_IGN);
	TAILQ_INIT(&method.items);
	bytebuf_init(&method.out);
	method.timeout = DEFAULT_TIMEOUT;
	method.daemon_timeout = DEFAULT_DAEMON_TIMEOUT;
	method.socket_path = (char *)ctlconn_default_path();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    direct_init() < 0) {
		fputs("aptbt: cannot initialise libcurl\n", stderr);
		return 100;
	}
	aptmsg_reader_init(&rd);
	capabilities();
	method_flush();

	for (;;) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n = 1;
		if ((dfd = daemon_fd(&dev)) != -1) {
			pfd[1].fd = dfd;
			pfd[1].events = dev;
			pfd[1].revents = 0;
			n = 2;
		}
		timeout = daemon_timeout_ms();
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		if (direct_poll(pfd, n, timeout) < 0) {
			status = 100;
			break;
		}
		if (n == 2 && pfd[1].revents != 0)
			daemon_io(pfd[1].revents);
		daemon_check_timeout();
		method_flush();
		if (pfd[0].revents != 0 && !read_apt(&rd))
			break;
		method_flush();
	}

	while ((it = TAILQ_FIRST(&method.items)) != NULL)
		item_finish(it);
	prep_shutdown();
	daemon_cleanup();
	direct_cleanup();
	curl_global_cleanup();
	aptmsg_reader_free(&rd);
	conf_clear(&method.conf);
	bytebuf_free(&method.out);
	free(socket_path);
	return status;
}
