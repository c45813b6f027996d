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

/*
 * Another address list of the same syntax, kept by its user (the proxy's
 * "proxy_allow"); "" is the empty list, which allows nobody.  NULL with
 * err set when not valid.
 */
struct addrscope;
struct addrscope *addrscope_new(const char *setting, char *err, size_t errlen);
bool	addrscope_allows(const struct addrscope *, const struct sockaddr *);
void	addrscope_free(struct addrscope *);
/* A configuration validator for such a list. */
bool	addrscope_check(const char *setting, char *err, size_t errlen);
bool	scope_off(void);
void	scope_free(void);

#endif
