/* SPDX-License-Identifier: ISC */
/*
 * ctlconn.c - connect to aptbtd, send requests, read framed replies.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/ctlconn.h"
#include "common/ctlproto.h"

#define READ_CHUNK	(64 * 1024)

const char *
ctlconn_default_path(void)
{
	const char	*s = getenv("APTBT_SOCKET");

	return s != NULL && *s != '\0' ? s : CTLCONN_DEFAULT_SOCKET;
}

int
ctlconn_open(struct ctlconn *c, const char *path)
{
	struct sockaddr_un	sun;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_id = 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int	e = errno;

		close(c->fd);
		c->fd = -1;
		return -e;
	}
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1)
		return -errno;
	return 0;
}

void
ctlconn_close(struct ctlconn *c)
{
	unsigned	i;

	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
	bytebuf_free(&c->in);
}

static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int		r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

int
ctlconn_send(struct ctlconn *c, const struct bytebuf *b, int timeout_ms)
{
	size_t	off = 0;
	ssize_t	n;
	int	r;

	while (off < b->len) {
		n = send(c->fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if ((r = wait_fd(c->fd, POLLOUT, timeout_ms)) < 0)
				return r;
			continue;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * Keep descriptors that arrived with the data, in order.  Losing one would
 * pair every later "start" event with the wrong file, so overflow is an
 * error that ends the connection.
 */
static int
collect_fds(struct ctlconn *c, struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	size_t		 i, n;
	int		 fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (c->nfds < CTLCONN_MAX_FDS)
				c->fds[c->nfds++] = fd;
			else {
				close(fd);
				return -EPROTO;
			}
		}
	}
	return (msg->msg_flags & MSG_CTRUNC) ? -EPROTO : 0;
}

int
ctlconn_fill(struct ctlconn *c)
{
	struct msghdr	msg;
	struct iovec	iov;
	union {
		char		buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr	align;
	} cbuf;
	ssize_t		n;

	if (c->consumed > 0) {
		bytebuf_consume(&c->in, c->consumed);
		c->consumed = 0;
	}
	if (!bytebuf_reserve(&c->in, READ_CHUNK))
		return -ENOMEM;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = c->in.data + c->in.len;
	iov.iov_len = READ_CHUNK;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (collect_fds(c, &msg) != 0)
		return -EPROTO;
	if (n == 0)
		return -ECONNRESET;
	c->in.len += (size_t)n;
	return (int)n;
}

int
ctlconn_next(struct ctlconn *c, struct benc_doc *doc)
{
	ssize_t	flen;

	if (c->consumed > 0) {
		bytebuf_consume(&c->in, c->consumed);
		c->consumed = 0;
	}
	flen = ctl_frame_check(c->in.data, c->in.len);
	if (flen <= 0)
		return (int)flen;
	if (ctl_msg_parse(doc, c->in.data + CTL_HDR_LEN,
	    (size_t)flen - CTL_HDR_LEN) != 0)
		return -EBADMSG;
	c->consumed = (size_t)flen;
	return 1;
}

int
ctlconn_recv(struct ctlconn *c, struct benc_doc *doc, int timeout_ms)
{
	struct timespec	start, now;
	int		r, left = timeout_ms;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if ((r = ctlconn_next(c, doc)) != 0)
			return r < 0 ? r : 0;
		r = ctlconn_fill(c);
		if (r > 0)
			continue;
		if (r != -EAGAIN)
			return r;
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = timeout_ms - (int)((now.tv_sec - start.tv_sec) *
			    1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left <= 0)
				return -ETIMEDOUT;
		}
		if ((r = wait_fd(c->fd, POLLIN, left)) < 0)
			return r;
	}
}

int
ctlconn_take_fd(struct ctlconn *c)
{
	int	fd;

	if (c->nfds == 0)
		return -1;
	fd = c->fds[0];
	memmove(&c->fds[0], &c->fds[1], (c->nfds - 1) * sizeof(int));
	c->nfds--;
	return fd;
}
