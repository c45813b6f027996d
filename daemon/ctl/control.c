/* SPDX-License-Identifier: ISC */
/*
 * control.c - the control socket: accept, authenticate, frame, dispatch.
 *
 * Connections are served on the event loop without bufferevents because a
 * reply may carry a file descriptor: the descriptor has to travel with a
 * specific byte (the first of its frame), which needs our own sendmsg()
 * and an output queue that knows where each descriptor belongs.
 *
 * Every local user may connect, so no user may starve another: of the
 * CTL_MAX_CONNS slots, CTL_RESERVED are kept for root, the daemon's user
 * and _apt (access_reserved), every other uid holds at most
 * CTL_MAX_PER_UID, and their connections are closed after CTL_IDLE_SECONDS
 * with no request in progress.  A caller that does not read its replies
 * is not read either past CTL_OUT_PAUSE queued bytes, so each connection
 * holds at most that plus one reply.  apt's method keeps its connection open
 * between files (and gives the daemon up if it is closed), so reserved
 * callers are never timed out.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "common/ctlproto.h"
#include "common/log.h"
#include "daemon/ctl/access.h"
#include "daemon/ctl/control.h"
#include "daemon/ctl/request.h"

#define CTL_MAX_CONNS		256
#define CTL_RESERVED		64	/* for root, the daemon, _apt */
#define CTL_MAX_PER_UID		16	/* any other uid */
#define CTL_IDLE_SECONDS	30	/* any other uid, nothing in progress */
#define CTL_READ_CHUNK		(64 * 1024)
#define CTL_MAX_OUTPUT		(32 * 1024 * 1024)	/* a stuck reader */
#define CTL_OUT_PAUSE		(256 * 1024)	/* no new request past this */
#define CTL_MAX_PENDING_FDS	64

struct pending_fd {
	size_t	at;		/* offset in out where the frame starts */
	int	fd;		/* our dup, closed once sent */
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	int			 fd;
	struct event		*rev, *wev;
	struct event		*idle;		/* unreserved callers only */
	struct bytebuf		 in, out;
	size_t			 out_sent;	/* bytes of out already written */
	struct pending_fd	 fds[CTL_MAX_PENDING_FDS];
	unsigned		 nfds;
	unsigned		 refs;
	bool			 closing;	/* flush, then close */
	bool			 paused;	/* not read until out drains */
	bool			 closed;
	uid_t			 uid;
	pid_t			 pid;
	enum access_level	 access;
	bool			 reserved;	/* access_reserved(uid) */
};

static TAILQ_HEAD(, ctl_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static unsigned			 nconns;
static unsigned			 nunreserved;	/* of nconns */
static struct event_base	*ctl_base;
static struct event		*listen_ev;
static struct event		*resume_ev;	/* accept again after EMFILE */
static int			 listen_fd = -1;
static char			*socket_path;	/* set when we created it */

static void	conn_close(struct ctl_conn *);
static void	conn_flush(struct ctl_conn *);

/* Something happened on c (a request, a reply): its idle time restarts. */
static void
conn_busy(struct ctl_conn *c)
{
	struct timeval	tv = { CTL_IDLE_SECONDS, 0 };

	if (c->idle != NULL && !c->closed)
		evtimer_add(c->idle, &tv);
}

unsigned
control_nconns(void)
{
	return nconns;
}

struct ctl_conn *
ctl_conn_ref(struct ctl_conn *c)
{
	c->refs++;
	return c;
}

static void
conn_free(struct ctl_conn *c)
{
	bytebuf_free(&c->in);
	bytebuf_free(&c->out);
	free(c);
}

void
ctl_conn_unref(struct ctl_conn *c)
{
	if (--c->refs == 0 && c->closed)
		conn_free(c);
}

bool
ctl_conn_closed(const struct ctl_conn *c)
{
	return c->closed || c->closing;
}

int
ctl_conn_send(struct ctl_conn *c, const struct bytebuf *frame, int fd)
{
	int	dupfd = -1;

	if (c->closed || c->closing)
		return -1;
	if (c->out.len - c->out_sent + frame->len > CTL_MAX_OUTPUT) {
		log_warnx("control: uid %u pid %d is not reading its replies; "
		    "closing", (unsigned)c->uid, (int)c->pid);
		conn_close(c);
		return -1;
	}
	if (fd >= 0) {
		if (c->nfds == CTL_MAX_PENDING_FDS ||
		    (dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
			log_warn("control: cannot queue a descriptor");
			return -1;
		}
		c->fds[c->nfds].at = c->out.len;
		c->fds[c->nfds].fd = dupfd;
		c->nfds++;
	}
	bytebuf_append(&c->out, frame->data, frame->len);
	if (bytebuf_failed(&c->out)) {
		conn_close(c);
		return -1;
	}
	conn_busy(c);
	conn_flush(c);
	return 0;
}

/* Error reply for a message we could not even dispatch, then hang up. */
static void
conn_reject(struct ctl_conn *c, int64_t id, const char *msg)
{
	struct bytebuf	b = BYTEBUF_INIT;

	log_info("control: uid %u pid %d: %s", (unsigned)c->uid, (int)c->pid,
	    msg);
	/* Sending may find the peer gone and close c: keep it until done. */
	ctl_conn_ref(c);
	if (ctl_put_error(&b, id, msg, NULL, 0) == 0)
		ctl_conn_send(c, &b, -1);
	bytebuf_free(&b);
	if (!c->closed) {
		c->closing = true;
		conn_flush(c);
	}
	ctl_conn_unref(c);
}

static void
conn_close(struct ctl_conn *c)
{
	unsigned	i;

	if (c->closed)
		return;
	c->closed = true;
	event_free(c->rev);
	event_free(c->wev);
	if (c->idle != NULL)
		event_free(c->idle);
	close(c->fd);
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i].fd);
	c->nfds = 0;
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	if (!c->reserved)
		nunreserved--;
	if (c->refs == 0)
		conn_free(c);
}

/* Write as much queued output as the socket takes. */
static void
conn_flush(struct ctl_conn *c)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cbuf;
	size_t		 limit;
	ssize_t		 n;
	bool		 with_fd;

	while (!c->closed && c->out_sent < c->out.len) {
		with_fd = c->nfds > 0 && c->fds[0].at == c->out_sent;
		/* Stop before the next frame that carries a descriptor. */
		limit = c->out.len;
		if (c->nfds > (with_fd ? 1u : 0u))
			limit = c->fds[with_fd ? 1 : 0].at;
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = c->out.data + c->out_sent;
		iov.iov_len = limit - c->out_sent;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (with_fd) {
			memset(&cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf.buf;
			msg.msg_controllen = sizeof(cbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &c->fds[0].fd, sizeof(int));
		}
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				event_add(c->wev, NULL);
				return;
			}
			log_debug("control: pid %d: write: %s", (int)c->pid,
			    strerror(errno));
			conn_close(c);
			return;
		}
		if (with_fd) {
			close(c->fds[0].fd);
			memmove(&c->fds[0], &c->fds[1],
			    (c->nfds - 1) * sizeof(c->fds[0]));
			c->nfds--;
		}
		c->out_sent += (size_t)n;
	}
	if (c->closed)
		return;
	/* Everything sent: compact, and finish a pending close. */
	bytebuf_reset(&c->out);
	c->out_sent = 0;
	event_del(c->wev);
	if (c->closing)
		conn_close(c);
	else if (c->paused) {
		/* Read again; frames already buffered are taken from there. */
		c->paused = false;
		event_add(c->rev, NULL);
		event_active(c->rev, EV_READ, 0);
	}
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_flush(arg);
}

/* Decode and dispatch every complete frame in the input buffer. */
static void
conn_process(struct ctl_conn *c)
{
	struct benc_doc	 doc;
	ssize_t		 flen;
	int64_t		 id;

	while (!c->closed && !c->closing) {
		/*
		 * A caller that asks and does not read holds at most one
		 * reply past CTL_OUT_PAUSE: its next request waits.
		 */
		if (c->out.len - c->out_sent > CTL_OUT_PAUSE) {
			c->paused = true;
			event_del(c->rev);
			return;
		}
		flen = ctl_frame_check(c->in.data, c->in.len);
		if (flen == 0)
			return;
		if (flen < 0) {
			conn_reject(c, 0, "request too large");
			return;
		}
		if (ctl_msg_parse(&doc, c->in.data + CTL_HDR_LEN,
		    (size_t)flen - CTL_HDR_LEN) != 0) {
			conn_reject(c, 0, "malformed request");
			return;
		}
		if (!benc_dict_int(&doc, 0, "id", &id)) {
			benc_free(&doc);
			conn_reject(c, 0, "request without an id");
			return;
		}
		/* The handler may close c; keep it alive until we return. */
		conn_busy(c);
		ctl_conn_ref(c);
		request_dispatch(c, &doc, c->uid, c->access);
		benc_free(&doc);
		if (!c->closed)
			bytebuf_consume(&c->in, (size_t)flen);
		if (c->refs == 1 && c->closed) {
			ctl_conn_unref(c);
			return;
		}
		ctl_conn_unref(c);
	}
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn	*c = arg;
	ssize_t		 n;

	if (!bytebuf_reserve(&c->in, CTL_READ_CHUNK)) {
		conn_close(c);
		return;
	}
	n = read(c->fd, c->in.data + c->in.len, CTL_READ_CHUNK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		conn_process(c);	/* resumed: frames may wait in c->in */
		return;
	}
	if (n <= 0) {
		/* Peer gone; drop unsent replies with it. */
		conn_close(c);
		return;
	}
	c->in.len += (size_t)n;
	conn_process(c);
}

/*
 * Out of descriptors (or kernel memory), the connection stays in the
 * backlog and the socket stays readable: listening on would spin the
 * loop.  Stop for a while, and say so once per shortage.
 */
#define ACCEPT_PAUSE_MS	250

static bool	short_of_fds;

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	if (listen_ev != NULL)
		event_add(listen_ev, NULL);
}

static void
accept_pause(int err)
{
	static const struct timeval	pause = { 0, ACCEPT_PAUSE_MS * 1000 };

	if (!short_of_fds)
		log_warnx("control: cannot accept: %s; pausing",
		    strerror(err));
	short_of_fds = true;
	event_del(listen_ev);
	evtimer_add(resume_ev, &pause);
}

/*
 * The idle timer of an unreserved caller: close it unless a request is
 * still being served (a handler holds a reference).  Replies it leaves
 * unread for that long do not keep it open.
 */
static void
conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn	*c = arg;

	if (c->refs > 0) {
		conn_busy(c);
		return;
	}
	log_info("control: uid %u pid %d idle for %d s; closing",
	    (unsigned)c->uid, (int)c->pid, CTL_IDLE_SECONDS);
	conn_close(c);
}

static unsigned
conns_of_uid(uid_t uid)
{
	struct ctl_conn	*c;
	unsigned	 n = 0;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->uid == uid)
			n++;
	return n;
}

/* Why a caller may not have a slot now, or NULL when it may. */
static const char *
slot_refused(uid_t uid, bool reserved)
{
	if (nconns >= CTL_MAX_CONNS)
		return "too many connections";
	if (reserved)
		return NULL;
	if (nunreserved >= CTL_MAX_CONNS - CTL_RESERVED)
		return "the slots left are kept for root and _apt";
	if (conns_of_uid(uid) >= CTL_MAX_PER_UID)
		return "too many connections from this user";
	return NULL;
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct ctl_conn	*c;
	int		 fd;
	uid_t		 uid;
	pid_t		 pid;
	enum access_level access;
	const char	*why;
	bool		 reserved;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			accept_pause(errno);
		else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	short_of_fds = false;
	access = access_check(fd, &uid, &pid);
	if (access == ACCESS_NONE) {
		close(fd);
		return;
	}
	reserved = access_reserved(uid);
	if ((why = slot_refused(uid, reserved)) != NULL) {
		log_warnx("control: %s; refusing uid %u pid %d", why,
		    (unsigned)uid, (int)pid);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->uid = uid;
	c->pid = pid;
	c->access = access;
	c->reserved = reserved;
	c->rev = event_new(ctl_base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->wev = event_new(ctl_base, fd, EV_WRITE, conn_write_cb, c);
	if (!reserved)
		c->idle = evtimer_new(ctl_base, conn_idle_cb, c);
	if (c->rev == NULL || c->wev == NULL ||
	    (!reserved && c->idle == NULL) || event_add(c->rev, NULL) == -1) {
		if (c->rev != NULL)
			event_free(c->rev);
		if (c->wev != NULL)
			event_free(c->wev);
		if (c->idle != NULL)
			event_free(c->idle);
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	if (!reserved)
		nunreserved++;
	conn_busy(c);
	log_debug("control: connection from uid %u pid %d (%s)",
	    (unsigned)uid, (int)pid, access_name(access));
}

/* A socket file left by a crashed daemon is removed; a live one is not. */
static int
remove_stale_socket(const char *path, const struct sockaddr_un *sun)
{
	int	fd, r;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		log_warnx("control: %s is in use: is aptbtd already running?",
		    path);
		errno = EADDRINUSE;
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

static int
listen_path(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;
	mode_t			old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: socket path too long: %s", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (access(path, F_OK) == 0 && remove_stale_socket(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	/* Every local user may connect; access_check() decides what they may do. */
	old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control: bind %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 64) == -1) {
		log_warn("control: listen %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	if ((socket_path = strdup(path)) == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

int
control_init(struct event_base *base, const char *path)
{
	int	n;

	ctl_base = base;
	n = sd_listen_fds(1);
	if (n > 1) {
		log_warnx("control: systemd passed %d sockets, expected 1", n);
		return -EINVAL;
	}
	if (n == 1) {
		listen_fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(listen_fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			log_warnx("control: the socket systemd passed is not "
			    "a listening Unix stream socket");
			return -EINVAL;
		}
		if (fcntl(listen_fd, F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(listen_fd, F_SETFD, FD_CLOEXEC) == -1)
			return -errno;
		log_info("control: using the socket passed by systemd");
	} else if ((listen_fd = listen_path(path)) == -1)
		return -errno;
	listen_ev = event_new(base, listen_fd, EV_READ | EV_PERSIST, accept_cb,
	    NULL);
	resume_ev = evtimer_new(base, resume_cb, NULL);
	if (listen_ev == NULL || resume_ev == NULL ||
	    event_add(listen_ev, NULL) == -1)
		return -ENOMEM;
	if (socket_path != NULL)
		log_info("control: listening on %s", socket_path);
	return 0;
}

void
control_shutdown(void)
{
	struct ctl_conn	*c;

	if (listen_ev != NULL) {
		event_free(listen_ev);
		listen_ev = NULL;
	}
	if (resume_ev != NULL) {
		event_free(resume_ev);
		resume_ev = NULL;
	}
	if (listen_fd != -1) {
		close(listen_fd);
		listen_fd = -1;
	}
	while ((c = TAILQ_FIRST(&conns)) != NULL)
		conn_close(c);
	/* A socket systemd owns outlives us; one we made does not. */
	if (socket_path != NULL) {
		unlink(socket_path);
		free(socket_path);
		socket_path = NULL;
	}
}
