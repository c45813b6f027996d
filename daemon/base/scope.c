/* SPDX-License-Identifier: ISC */
/*
 * scope.c - the "share" setting: address prefixes peers must fall in.
 *
 * Matching is on raw address bytes; IPv4-mapped IPv6 addresses are
 * matched as IPv4 so a dual-stack socket does not widen the scope.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/scope.h"

#define SCOPE_MAX	64

struct prefix {
	int	family;		/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	int	bits;
};

static struct prefix	 prefixes[SCOPE_MAX];
static size_t		 nprefixes;
static bool		 share_any, share_off;
static char		*described;

/* The "lan" ranges: RFC 1918, link-local, loopback, ULA; not CGNAT. */
static const char *const lan_prefixes[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
	"127.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128",
};

static bool
parse_prefix(const char *s, struct prefix *p)
{
	char		 buf[64], *slash, *end;
	long		 bits;
	int		 max;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	memset(p, 0, sizeof(*p));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else
		return false;
	bits = max;
	if (slash != NULL) {
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0' || bits < 0 || bits > max)
			return false;
	}
	p->bits = (int)bits;
	return true;
}

static bool
prefix_match(const struct prefix *p, int family, const uint8_t *addr)
{
	int	full = p->bits / 8, rest = p->bits % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

static bool
scope_parse(const char *setting, struct prefix *next, size_t *np, bool *anyp,
    bool *offp, char *err, size_t errlen)
{
	size_t		 n = 0, i;
	char		*copy, *tok, *save;
	bool		 any = false, off = false, ok = true;

	if ((copy = strdup(setting)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL && ok;
	    tok = strtok_r(NULL, " ,\t", &save)) {
		if (strcmp(tok, "any") == 0)
			any = true;
		else if (strcmp(tok, "off") == 0)
			off = true;
		else if (strcmp(tok, "lan") == 0) {
			for (i = 0; i < sizeof(lan_prefixes) /
			    sizeof(lan_prefixes[0]) && n < SCOPE_MAX; i++)
				parse_prefix(lan_prefixes[i], &next[n++]);
		} else if (n == SCOPE_MAX || !parse_prefix(tok, &next[n++])) {
			snprintf(err, errlen, "\"%s\" is not lan, any, off or "
			    "an address prefix like 10.1.0.0/16", tok);
			ok = false;
		}
	}
	free(copy);
	if (ok && off && (any || n > 0)) {
		snprintf(err, errlen, "\"off\" cannot be combined with "
		    "other values");
		ok = false;
	}
	if (ok && !off && !any && n == 0) {
		snprintf(err, errlen, "empty; use lan, any, off or prefixes");
		ok = false;
	}
	*np = n;
	*anyp = any;
	*offp = off;
	return ok;
}

bool
scope_check(const char *setting, char *err, size_t errlen)
{
	struct prefix	next[SCOPE_MAX];
	size_t		n;
	bool		any, off;

	return scope_parse(setting, next, &n, &any, &off, err, errlen);
}

bool
scope_set(const char *setting, char *err, size_t errlen)
{
	struct prefix	next[SCOPE_MAX];
	size_t		n;
	bool		any, off;

	if (!scope_parse(setting, next, &n, &any, &off, err, errlen))
		return false;
	memcpy(prefixes, next, n * sizeof(next[0]));
	nprefixes = n;
	share_any = any;
	share_off = off;
	free(described);
	described = strdup(setting);
	return true;
}

static bool
prefixes_allow(const struct prefix *list, size_t n, bool any, bool off,
    const struct sockaddr *sa)
{
	const uint8_t	*addr;
	int		 family;
	size_t		 i;

	if (off)
		return false;
	if (any)
		return true;
	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			family = AF_INET;
			addr = a6->s6_addr + 12;
		} else {
			family = AF_INET6;
			addr = a6->s6_addr;
		}
	} else
		return false;
	for (i = 0; i < n; i++)
		if (prefix_match(&list[i], family, addr))
			return true;
	return false;
}

bool
scope_allows(const struct sockaddr *sa)
{
	return prefixes_allow(prefixes, nprefixes, share_any, share_off, sa);
}

struct addrscope {
	struct prefix	 v[SCOPE_MAX];
	size_t		 n;
	bool		 any, off;
};

struct addrscope *
addrscope_new(const char *setting, char *err, size_t errlen)
{
	struct addrscope	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (setting[strspn(setting, " ,\t")] == '\0')
		a->off = true;
	else if (!scope_parse(setting, a->v, &a->n, &a->any, &a->off, err,
	    errlen)) {
		free(a);
		return NULL;
	}
	return a;
}

bool
addrscope_check(const char *setting, char *err, size_t errlen)
{
	struct addrscope	*a = addrscope_new(setting, err, errlen);

	addrscope_free(a);
	return a != NULL;
}

bool
addrscope_allows(const struct addrscope *a, const struct sockaddr *sa)
{
	return a != NULL && prefixes_allow(a->v, a->n, a->any, a->off, sa);
}

void
addrscope_free(struct addrscope *a)
{
	free(a);
}

const char *
scope_describe(void)
{
	return described != NULL ? described : "lan";
}

bool
scope_off(void)
{
	return share_off;
}

void
scope_free(void)
{
	free(described);
	described = NULL;
}
