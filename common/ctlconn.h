/* SPDX-License-Identifier: ISC */
/*
 * ctlconn.h - the client end of the control socket.
 *
 * Used by aptbt-ctl (one request, blocking) and by the apt method (many
 * requests in flight, driven from its own poll loop).  Frames may carry
 * a file descriptor; descriptors are queued in arrival order and taken
 * with ctlconn_take_fd() when the frame that brought one is handled.
 */
#ifndef APTBT_CTLCONN_H
#define APTBT_CTLCONN_H

#include <stdint.h>

#include "common/bencode.h"
#include "common/bytebuf.h"

#define CTLCONN_DEFAULT_SOCKET	"/run/aptbtd/control.sock"
#define CTLCONN_MAX_FDS		64

struct ctlconn {
	int		fd;
	struct bytebuf	in;
	size_t		consumed;	/* frame handed out by the last next() */
	int		fds[CTLCONN_MAX_FDS];
	unsigned	nfds;
	int64_t		next_id;
};

/* $APTBT_SOCKET, or the default path. */
const char *ctlconn_default_path(void);

/* Connect; returns 0 or -errno (-ENOENT/-ECONNREFUSED: no daemon). */
int	ctlconn_open(struct ctlconn *, const char *path);
void	ctlconn_close(struct ctlconn *);
/* Write a whole frame (blocking, with a timeout in ms); 0 or -errno. */
int	ctlconn_send(struct ctlconn *, const struct bytebuf *, int timeout_ms);
/*
 * One read from the socket; >0 bytes, -EAGAIN, -ECONNRESET at EOF, -EPROTO
 * when descriptors were lost (the stream can no longer be trusted), -errno.
 */
int	ctlconn_fill(struct ctlconn *);
/*
 * The next buffered message, if complete: returns 1 and a document that
 * stays valid until the next call, 0 when more input is needed, or
 * -EBADMSG/-EMSGSIZE on a broken stream.
 */
int	ctlconn_next(struct ctlconn *, struct benc_doc *);
/* Wait up to timeout_ms (-1: forever) for the next message. */
int	ctlconn_recv(struct ctlconn *, struct benc_doc *, int timeout_ms);
/* The oldest received descriptor not yet taken, or -1. */
int	ctlconn_take_fd(struct ctlconn *);

#endif
