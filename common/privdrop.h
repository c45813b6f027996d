/*
 * privdrop.h - become apt's sandbox user, as apt's own methods do.
 */
#ifndef APTBT_PRIVDROP_H
#define APTBT_PRIVDROP_H

#include <stddef.h>

/*
 * When running as root and user is neither NULL, empty nor "root", switch
 * to that user's uid and gid with no supplementary groups, and forbid
 * regaining privileges.  Returns 0, or a negative errno with err set.
 */
int	privdrop(const char *user, char *err, size_t errlen);

#endif
