/* SPDX-License-Identifier: ISC */
/*
 * netaddr.c - parse, print and match "ADDRESS[:PORT]" peer names.
 *
 * The text comes from the control socket, so the parser is strict and
 * bounded: numeric addresses only (no resolver on the daemon's loop),
 * a decimal port of 1 to 65535 without sign or leading zeros.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/netaddr.h"

static int
parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 5 || s[0] == '0')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int
netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
	char		 host[NETADDR_STRLEN];
	const char	*colon, *end = s + len;
	size_t		 hlen;
	uint16_t	 port = 0;

	if (len == 0 || len > NETADDR_MAXLEN || memchr(s, '\0', len) != NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (close + 1 != end) {
			if (close[1] != ':' || parse_port(close + 2,
			    (size_t)(end - close - 2), &port) != 0)
				return -EINVAL;
		}
		if (inet_pton(AF_INET6, host, out->addr) != 1)
			return -EINVAL;
		out->family = AF_INET6;
	} else {
		colon = memchr(s, ':', len);
		/* Two colons or more: a bare IPv6 address, no port. */
		if (colon != NULL && memchr(colon + 1, ':',
		    (size_t)(end - colon - 1)) != NULL) {
			memcpy(host, s, len);
			host[len] = '\0';
			if (inet_pton(AF_INET6, host, out->addr) != 1)
				return -EINVAL;
			out->family = AF_INET6;
		} else {
			hlen = colon != NULL ? (size_t)(colon - s) : len;
			memcpy(host, s, hlen);
			host[hlen] = '\0';
			if (colon != NULL && parse_port(colon + 1,
			    (size_t)(end - colon - 1), &port) != 0)
				return -EINVAL;
			if (inet_pton(AF_INET, host, out->addr) != 1)
				return -EINVAL;
			out->family = AF_INET;
		}
	}
	/* An IPv4-mapped IPv6 address is the IPv4 peer it names. */
	if (out->family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)out->addr)) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
	}
	out->port = port;
	return 0;
}

char *
netaddr_format(const struct netaddr *a, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->addr, host, sizeof(host));
	if (a->port == 0)
		snprintf(buf, len, "%s", host);
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, (unsigned)a->port);
	else
		snprintf(buf, len, "%s:%u", host, (unsigned)a->port);
	return buf;
}

bool
netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

bool
netaddr_match(const struct netaddr *a, const struct sockaddr *sa,
    uint16_t alt_port)
{
	const uint8_t	*addr;
	uint16_t	 port;
	int		 family = sa->sa_family;

	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		addr = (const uint8_t *)&sin->sin_addr;
		port = ntohs(sin->sin_port);
	} else if (family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		addr = sin6->sin6_addr.s6_addr;
		port = ntohs(sin6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			family = AF_INET;
			addr += 12;
		}
	} else
		return false;
	if (family != a->family ||
	    memcmp(addr, a->addr, family == AF_INET ? 4 : 16) != 0)
		return false;
	return a->port == 0 || a->port == port ||
	    (alt_port != 0 && a->port == alt_port);
}

int
netaddr_resolve(const char *hostport, struct addrinfo **res)
{
	struct addrinfo	 hints;
	char		 host[256], *colon;
	const char	*port = "6881";

	if (strlen(hostport) >= sizeof(host))
		return -ENAMETOOLONG;
	strcpy(host, hostport);
	if (host[0] == '[') {
		if ((colon = strchr(host, ']')) == NULL)
			return -EINVAL;
		*colon = '\0';
		if (colon[1] == ':')
			port = colon + 2;
		memmove(host, host + 1, strlen(host));
	} else if ((colon = strrchr(host, ':')) != NULL &&
	    strchr(host, ':') == colon) {
		*colon = '\0';
		port = colon + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, res) != 0)
		return -EINVAL;
	return 0;
}

bool
netaddr_check_list(const char *list, char *err, size_t errlen)
{
	struct addrinfo	*res;
	char		*copy, *tok, *save;
	bool		 ok = true;

	if ((copy = strdup(list)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL && ok;
	    tok = strtok_r(NULL, " ,\t", &save)) {
		if (netaddr_resolve(tok, &res) != 0) {
			snprintf(err, errlen, "\"%s\" is not ADDRESS:PORT "
			    "(numeric, e.g. 192.168.1.5:6881 or [fe80::1]:6881)",
			    tok);
			ok = false;
		} else
			freeaddrinfo(res);
	}
	free(copy);
	return ok;
}

bool
netaddr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a == NULL || b == NULL || a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return false;
}

/* The bytes of sa's address that name its subnet, in v4 form when mapped. */
static const uint8_t *
subnet_bytes(const struct sockaddr *sa, size_t *len)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	const uint8_t		*a;

	if (sa->sa_family == AF_INET) {
		*len = 3;
		return (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (sa->sa_family != AF_INET6)
		return NULL;
	a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		*len = 3;
		return a + 12;
	}
	*len = 8;
	return a;
}

bool
netaddr_same_subnet(const struct sockaddr *a, const struct sockaddr *b)
{
	const uint8_t	*x, *y;
	size_t		 xl, yl;

	if (a == NULL || b == NULL ||
	    (x = subnet_bytes(a, &xl)) == NULL ||
	    (y = subnet_bytes(b, &yl)) == NULL)
		return false;
	return xl == yl && memcmp(x, y, xl) == 0;
}
