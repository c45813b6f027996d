/* SPDX-License-Identifier: ISC */
/*
 * ctl.h - aptbt-ctl's command table and the helpers its commands share.
 *
 * Each command is one ctl-NAME.c file exporting a struct ctl_cmd; ctl-main.c
 * lists them.  A command builds its request's arguments, calls ctl_call(),
 * and prints the result as a table or, with --json, as JSON.
 */
#ifndef APTBT_CTL_H
#define APTBT_CTL_H

#include <stdbool.h>

#include "common/ctlconn.h"
#include "client/ctl/json.h"
#include "common/bencode.h"
#include "common/bytebuf.h"

/* Exit codes, documented in aptbt-ctl(1). */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,		/* the daemon answered with an error */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,	/* no daemon, or it did not answer */
};

struct ctl_ctx {
	const char	*socket;
	bool		 json;
	int		 timeout_ms;
	struct ctlconn	 conn;
	struct benc_doc	 reply;		/* valid after ctl_call() */
	int		 result;	/* token of the "result" dict */
};

struct ctl_cmd {
	const char	*name;
	const char	*args;		/* usage of its arguments */
	const char	*help;		/* one line */
	/* argv[0] is the command name; returns an exit code. */
	int		(*exec)(struct ctl_ctx *, int argc, char **argv);
};

/* The commands, one per ctl-NAME.c. */
extern const struct ctl_cmd ctl_cmd_apt;
extern const struct ctl_cmd ctl_cmd_cache;
extern const struct ctl_cmd ctl_cmd_files;
extern const struct ctl_cmd ctl_cmd_import;
extern const struct ctl_cmd ctl_cmd_limit;
extern const struct ctl_cmd ctl_cmd_mirrors;
extern const struct ctl_cmd ctl_cmd_pause;
extern const struct ctl_cmd ctl_cmd_peers;
extern const struct ctl_cmd ctl_cmd_resume;
extern const struct ctl_cmd ctl_cmd_status;
extern const struct ctl_cmd ctl_cmd_top;
extern const struct ctl_cmd ctl_cmd_tracker;

/*
 * Send cmd with the arguments already written into args (a bencoded
 * dict body, sorted keys; may be NULL) and wait for the reply.  Prints
 * errors itself and returns an exit code; on CTL_EXIT_OK ctx->reply and
 * ctx->result hold the answer.
 */
int	ctl_call(struct ctl_ctx *, const char *cmd, const struct bytebuf *args);
/* Print the usage of one command to stderr; returns CTL_EXIT_USAGE. */
int	ctl_usage(const struct ctl_cmd *);
/* Integer from the result dict, 0 when absent. */
int64_t	ctl_result_int(const struct ctl_ctx *, const char *key);
/* Print the whole result as JSON (the --json output of simple commands). */
void	ctl_print_json_result(const struct ctl_ctx *);

#endif
