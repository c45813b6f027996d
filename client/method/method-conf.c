/* SPDX-License-Identifier: ISC */
/*
 * method-conf.c - apt's configuration as sent in 601 Configuration.
 *
 * apt sends its whole configuration tree as "Config-Item: Name=Value"
 * lines with the value %-escaped.  We keep the flat list and look names
 * up case-insensitively, as apt's own configuration does; the last
 * assignment of a name wins.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/method/aptmsg.h"
#include "client/method/method.h"

void
conf_clear(struct method_conf *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		free(c->keys[i]);
		free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

int
conf_take(struct method_conf *c, const struct aptmsg *msg)
{
	size_t	 i, n;
	char	*k, *eq;

	conf_clear(c);
	for (i = n = 0; i < msg->nfields; i++)
		if (strcasecmp(msg->fields[i].name, "Config-Item") == 0)
			n++;
	if (n == 0)
		return 0;
	if ((c->keys = calloc(n, sizeof(*c->keys))) == NULL ||
	    (c->vals = calloc(n, sizeof(*c->vals))) == NULL) {
		conf_clear(c);
		return -ENOMEM;
	}
	for (i = 0; i < msg->nfields; i++) {
		if (strcasecmp(msg->fields[i].name, "Config-Item") != 0)
			continue;
		/* An item without "=" is not apt's: skip it. */
		if ((eq = strchr(msg->fields[i].value, '=')) == NULL)
			continue;
		if ((k = strndup(msg->fields[i].value,
		    (size_t)(eq - msg->fields[i].value))) == NULL)
			goto nomem;
		c->keys[c->n] = k;
		if ((c->vals[c->n] = strdup(eq + 1)) == NULL) {
			free(k);
			goto nomem;
		}
		aptmsg_unescape(c->keys[c->n]);
		aptmsg_unescape(c->vals[c->n]);
		c->n++;
	}
	return 0;
nomem:
	conf_clear(c);
	return -ENOMEM;
}

const char *
conf_get(const struct method_conf *c, const char *name)
{
	size_t	 i;

	for (i = c->n; i > 0; i--)
		if (strcasecmp(c->keys[i - 1], name) == 0)
			return c->vals[i - 1];
	return NULL;
}

long
conf_get_long(const struct method_conf *c, const char *name, long def)
{
	const char	*v;
	char		*end;
	long		 l;

	if ((v = conf_get(c, name)) == NULL || *v == '\0')
		return def;
	errno = 0;
	l = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return def;
	return l;
}

bool
conf_get_bool(const struct method_conf *c, const char *name, bool def)
{
	static const char *const yes[] = { "true", "yes", "on", "1",
	    "enable" };
	static const char *const no[] = { "false", "no", "off", "0",
	    "disable" };
	const char	*v;
	size_t		 i;

	if ((v = conf_get(c, name)) == NULL)
		return def;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return true;
		if (strcasecmp(v, no[i]) == 0)
			return false;
	}
	return def;
}

/* Copy the scheme and host of url (no userinfo, no port). */
static bool
url_split(const char *url, char *scheme, size_t slen, char *host,
    size_t hlen)
{
	const char	*p, *h, *e, *at;
	size_t		 n;

	if ((p = strstr(url, "://")) == NULL || (size_t)(p - url) >= slen)
		return false;
	memcpy(scheme, url, (size_t)(p - url));
	scheme[p - url] = '\0';
	h = p + 3;
	e = h + strcspn(h, "/?#");
	for (at = h; at < e; at++)
		if (*at == '@')
			h = at + 1;
	if (*h == '[') {
		p = memchr(h, ']', (size_t)(e - h));
		n = p != NULL ? (size_t)(p - h) + 1 : (size_t)(e - h);
	} else {
		p = memchr(h, ':', (size_t)(e - h));
		n = p != NULL ? (size_t)(p - h) : (size_t)(e - h);
	}
	if (n >= hlen)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return true;
}

const char *
conf_proxy(const struct method_conf *c, const char *url)
{
	char		 scheme[16], host[256], name[512];
	const char	*v;

	if (!url_split(url, scheme, sizeof(scheme), host, sizeof(host)))
		return NULL;
	snprintf(name, sizeof(name), "Acquire::%s::Proxy::%s", scheme, host);
	if ((v = conf_get(c, name)) == NULL) {
		snprintf(name, sizeof(name), "Acquire::%s::Proxy", scheme);
		v = conf_get(c, name);
	}
	if (v == NULL)
		return NULL;	/* libcurl then honours $http_proxy etc. */
	if (strcasecmp(v, "DIRECT") == 0 || *v == '\0')
		return "";
	return v;
}
