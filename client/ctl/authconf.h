/* SPDX-License-Identifier: ISC */
/*
 * authconf.h - the "machine" values of apt's auth.conf (a netrc-style
 * file: tokens separated by blanks, "#" comments to the end of a line),
 * which name the sources whose packages are private (aptbt-ctl import).
 *
 * Pure: reads a stream, allocates only the names it returns.
 */
#ifndef APTBT_AUTHCONF_H
#define APTBT_AUTHCONF_H

#include <stddef.h>
#include <stdio.h>

#define AUTHCONF_MAX_MACHINES	256
#define AUTHCONF_TOKEN_MAX	1023	/* longer tokens are cut */

struct authconf_machines {
	char	*name[AUTHCONF_MAX_MACHINES];
	size_t	 n;
};

/*
 * Add the machines named in f to m.  0, -ENOSPC past
 * AUTHCONF_MAX_MACHINES, -ENOMEM; on an error what was added stays.
 */
int	authconf_read(FILE *f, struct authconf_machines *m);
void	authconf_free(struct authconf_machines *m);

#endif
