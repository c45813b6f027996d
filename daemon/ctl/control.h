/* SPDX-License-Identifier: ISC */
/*
 * control.h - the control socket server.
 *
 * Listens on the Unix socket from the configuration (or the one systemd
 * passes), checks each caller's credentials, reads framed requests and
 * hands them to the request table (request.h).  Replies are queued per
 * connection; a frame may carry a file descriptor (SCM_RIGHTS), which is
 * how the apt method receives a read-only view of a cache file.
 */
#ifndef APTBTD_CONTROL_H
#define APTBTD_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/bytebuf.h"

struct event_base;
struct ctl_conn;

/*
 * Start listening: a socket passed by systemd when there is one, else
 * path (created with mode 0666, as access is checked per caller).
 */
int	control_init(struct event_base *, const char *path);
/* Stop accepting, close every connection, remove the socket we created. */
void	control_shutdown(void);
/* Number of open control connections. */
unsigned control_nconns(void);

/*
 * Queue a complete frame (built with ctlproto.h) on a connection; fd >= 0
 * is sent along with the frame's first byte and stays owned by the caller.
 * Returns -1 if the connection is closing (the frame is dropped).
 */
int	ctl_conn_send(struct ctl_conn *, const struct bytebuf *frame, int fd);
/*
 * Long-running requests (downloads) keep a reference so the connection
 * outlives the handler's return; on_close tells them the caller went away.
 */
struct ctl_conn *ctl_conn_ref(struct ctl_conn *);
void	ctl_conn_unref(struct ctl_conn *);
bool	ctl_conn_closed(const struct ctl_conn *);

#endif
