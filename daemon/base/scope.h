/* SPDX-License-Identifier: ISC */
/*
 * scope.h - which peer addresses this daemon shares with ("share").
 *
 * What a machine seeds tells others which packages it has, so sharing is
 * limited by address: "lan" (private, link-local and loopback ranges, not
 * CGNAT 100.64/10), "any", "off", or a list of CIDR prefixes.
 */
#ifndef APTBTD_SCOPE_H
#define APTBTD_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Parse and apply a share setting; false with err set when not valid. */
bool	scope_set(const char *setting, char *err, size_t errlen);
/* Only check it (a configuration key's validator). */
bool	scope_check(const char *setting, char *err, size_t errlen);
/* May we exchange data with this address? */
bool	scope_allows(const struct sockaddr *);
/* The setting as parsed, for status. */
const char *scope_describe(void);
bool	scope_off(void);
void	scope_free(void);

#endif
