/* SPDX-License-Identifier: ISC */
/*
 * netaddr.h - a peer named by people: "ADDRESS" or "ADDRESS:PORT".
 *
 * Used where an administrator points at one peer (aptbt-ctl limit
 * --peer): an IPv4 or IPv6 address in numeric form, IPv6 in brackets
 * when a port follows ("[fe80::1]:6881").  No port matches every port
 * of the address.
 */
#ifndef APTBT_NETADDR_H
#define APTBT_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETADDR_MAXLEN	64	/* longest accepted text, without a NUL */
#define NETADDR_STRLEN	(NETADDR_MAXLEN + 1)

struct netaddr {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order; IPv4 in the first 4 */
	uint16_t	port;		/* 0: any port */
};

/* Parse len bytes (no NUL needed); -EINVAL unless exactly one address. */
int	netaddr_parse(const char *, size_t len, struct netaddr *out);
/* The canonical text (inet_ntop form), buf of NETADDR_STRLEN. */
char	*netaddr_format(const struct netaddr *, char *buf, size_t len);
bool	netaddr_equal(const struct netaddr *, const struct netaddr *);
/*
 * Does sa (an IPv4-mapped IPv6 address counts as IPv4) match?  The port
 * matches sa's port or alt_port (a peer's listening port, 0: unknown).
 */
bool	netaddr_match(const struct netaddr *, const struct sockaddr *,
	    uint16_t alt_port);
/*
 * The same host: one family and one address, whatever the ports (bans,
 * blame and per-host caps count hosts, not connections).  NULL is no host.
 */
bool	netaddr_same_host(const struct sockaddr *, const struct sockaddr *);
/*
 * One subnet: the same /24 (IPv4, mapped addresses too) or /64 (IPv6).
 * Hosts on one link reach each other without crossing a router, so
 * pieces are better passed between them than across it.  NULL: false.
 */
bool	netaddr_same_subnet(const struct sockaddr *, const struct sockaddr *);

/*
 * A configured peer, "1.2.3.4:6881" or "[::1]:6881" (port 6881 when none
 * is given), resolved numerically: a name lookup could block the loop.
 * 0, or -EINVAL / -ENAMETOOLONG; free *res with freeaddrinfo.
 */
struct addrinfo;
int	netaddr_resolve(const char *hostport, struct addrinfo **res);
/* A configuration validator: a list of those, split by spaces or commas. */
bool	netaddr_check_list(const char *list, char *err, size_t errlen);

#endif
