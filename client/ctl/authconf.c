/* SPDX-License-Identifier: ISC */
/*
 * authconf.c - the machines of apt's auth.conf (authconf.h).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "client/ctl/authconf.h"

int
authconf_read(FILE *f, struct authconf_machines *m)
{
	char	tok[AUTHCONF_TOKEN_MAX + 1];
	int	ch;
	size_t	len;
	bool	want = false;

	for (;;) {
		while ((ch = getc(f)) == ' ' || ch == '\t' || ch == '\n' ||
		    ch == '\r')
			;
		if (ch == EOF)
			return 0;
		if (ch == '#') {
			while ((ch = getc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		len = 0;
		do {
			if (len < sizeof(tok) - 1)
				tok[len++] = (char)ch;
		} while ((ch = getc(f)) != EOF && ch != ' ' && ch != '\t' &&
		    ch != '\n' && ch != '\r');
		tok[len] = '\0';
		if (want) {
			if (m->n == AUTHCONF_MAX_MACHINES)
				return -ENOSPC;
			if ((m->name[m->n] = strdup(tok)) == NULL)
				return -ENOMEM;
			m->n++;
		}
		want = strcmp(tok, "machine") == 0;
	}
}

void
authconf_free(struct authconf_machines *m)
{
	while (m->n > 0)
		free(m->name[--m->n]);
}
