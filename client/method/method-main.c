/* SPDX-License-Identifier: ISC */
/*
 * method-main.c - the aptbt apt method: reads apt on stdin and runs the
 * one loop that drives the backends (the daemon connection, the mirror
 * transfers); what is fetched and answered is the item layer's.
 *
 * apt starts us as root, sends 601 Configuration (we then drop to
 * APT::Sandbox::User) and pipelines 600 URI Acquire requests; each gets
 * 200 URI Start once its size is known, then 201 URI Done or 400 URI
 * Failure.  Closing our stdin is apt's way of saying it is done.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client/method/aptmsg.h"
#include "client/method/backend.h"
#include "client/method/item.h"
#include "client/method/method.h"
#include "common/ctlconn.h"
#include "common/privdrop.h"

#define DEFAULT_TIMEOUT		30	/* seconds, as apt's http method */
#define DEFAULT_DAEMON_TIMEOUT	5

/* Tried first, then the fallback (item_setup); the loop serves both. */
static const struct method_backend *const backends[] = {
	&daemon_backend,
	&direct_backend,
};
#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

static char	*socket_path;

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
		method_say(401, "General Failure", NULL, "aptbt: %s", err);
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

	if ((it = item_new(msg, err, sizeof(err))) == NULL) {
		if ((uri = aptmsg_get(msg, "URI")) == NULL)
			method_say(401, "General Failure", NULL, "%s", err);
		else
			method_say(400, "URI Failure", uri, "%s", err);
		return;
	}
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
	item_fetch(it);
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
			method_say(401, "General Failure", NULL,
			    "aptbt: cannot read apt's messages: %s",
			    strerror(-r));
			method_flush();
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

/* Wait for apt and the backends; -1 on a fatal error. */
static int
wait_all(struct pollfd *pfd, int *at)
{
	const struct method_backend	*b, *waiter = NULL;
	unsigned int			 i, n = 1;
	int				 fd, t, timeout = 1000;
	short				 ev;

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (i = 0; i < NBACKENDS; i++) {
		b = backends[i];
		at[i] = -1;
		if (b->fd != NULL && (fd = b->fd(&ev)) != -1) {
			pfd[n].fd = fd;
			pfd[n].events = ev;
			pfd[n].revents = 0;
			at[i] = (int)n++;
		}
		if (b->timeout_ms != NULL && (t = b->timeout_ms()) >= 0 &&
		    t < timeout)
			timeout = t;
		if (b->wait != NULL)
			waiter = b;
	}
	if (waiter != NULL)
		return waiter->wait(pfd, n, timeout) < 0 ? -1 : 0;
	return poll(pfd, n, timeout) == -1 && errno != EINTR ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	struct aptmsg_reader	 rd;
	struct pollfd		 pfd[1 + NBACKENDS];
	int			 at[NBACKENDS];
	unsigned int		 i;
	int			 status = 0;

	signal(SIGPIPE, SIG_IGN);
	bytebuf_init(&method.out);
	method.timeout = DEFAULT_TIMEOUT;
	method.daemon_timeout = DEFAULT_DAEMON_TIMEOUT;
	method.socket_path = (char *)ctlconn_default_path();
	for (i = 0; i < NBACKENDS; i++)
		if (backends[i]->init != NULL && backends[i]->init() < 0) {
			fprintf(stderr, "aptbt: cannot initialise %s\n",
			    backends[i]->name);
			return 100;
		}
	item_setup(&daemon_backend, &direct_backend);
	aptmsg_reader_init(&rd);
	capabilities();
	method_flush();

	for (;;) {
		if (wait_all(pfd, at) < 0) {
			status = 100;
			break;
		}
		for (i = 0; i < NBACKENDS; i++)
			backends[i]->run(at[i] != -1 ? pfd[at[i]].revents : 0);
		method_flush();
		if (pfd[0].revents != 0 && !read_apt(&rd))
			break;
		method_flush();
	}

	item_finish_all();
	prep_shutdown();
	for (i = 0; i < NBACKENDS; i++)
		if (backends[i]->cleanup != NULL)
			backends[i]->cleanup();
	aptmsg_reader_free(&rd);
	conf_clear(&method.conf);
	bytebuf_free(&method.out);
	free(socket_path);
	return status;
}
