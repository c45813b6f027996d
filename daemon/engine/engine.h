/* SPDX-License-Identifier: ISC */
/*
 * engine.h - the download engine as one unit for main.c: worker pool,
 * cache, mirrors and download jobs, started and stopped in order.
 */
#ifndef APTBTD_ENGINE_H
#define APTBTD_ENGINE_H

struct event_base;

/* After privileges are dropped and the configuration is loaded. */
int	engine_init(struct event_base *);
/* After a successful configuration reload (quota, mirrors). */
void	engine_reload(void);
/* Before control_shutdown(): requesters are told, then all is freed. */
void	engine_shutdown(void);

#endif
