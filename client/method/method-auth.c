/* SPDX-License-Identifier: ISC */
/*
 * method-auth.c - logins from apt's auth.conf, and what makes a fetch
 * private.
 *
 * A file fetched with credentials must never go through the daemon (it
 * would be cached for sharing), so the method needs to know, per URL,
 * whether auth.conf (Dir::Etc::netrc and the files in Dir::Etc::netrcparts)
 * names it.  The format is netrc's: "machine HOST[:PORT][/PATH] login U
 * password P", optionally with a scheme in front of HOST.  An entry
 * matches when host (and port, and scheme, when given) agree and its path
 * is a prefix of the URL's path.  The files are read as the sandbox user,
 * as apt's own methods do.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/method/method.h"

#define AUTH_MAX_FILE	(1024 * 1024)

struct url_parts {
	char	scheme[16];
	char	host[256];
	char	port[8];
	char	path[1024];
};

bool
url_has_userinfo(const char *url)
{
	const char	*p, *e;

	if ((p = strstr(url, "://")) == NULL)
		return false;
	p += 3;
	e = p + strcspn(p, "/?#");
	return memchr(p, '@', (size_t)(e - p)) != NULL;
}

static bool
copy_span(char *dst, size_t dlen, const char *s, size_t n)
{
	if (n >= dlen)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* Split [scheme://][user@]host[:port][/path]; the scheme may be absent. */
static bool
url_parse(const char *s, struct url_parts *u)
{
	const char	*p, *h, *e, *c;

	memset(u, 0, sizeof(*u));
	if ((p = strstr(s, "://")) != NULL) {
		if (!copy_span(u->scheme, sizeof(u->scheme), s,
		    (size_t)(p - s)))
			return false;
		h = p + 3;
	} else
		h = s;
	e = h + strcspn(h, "/?#");
	if ((c = memchr(h, '@', (size_t)(e - h))) != NULL)
		h = c + 1;
	c = NULL;
	if (*h == '[') {
		if ((p = memchr(h, ']', (size_t)(e - h))) != NULL &&
		    p + 1 < e && p[1] == ':')
			c = p + 1;
	} else
		c = memchr(h, ':', (size_t)(e - h));
	if (c != NULL) {
		if (!copy_span(u->host, sizeof(u->host), h, (size_t)(c - h)) ||
		    !copy_span(u->port, sizeof(u->port), c + 1,
		    (size_t)(e - c - 1)))
			return false;
	} else if (!copy_span(u->host, sizeof(u->host), h, (size_t)(e - h)))
		return false;
	return copy_span(u->path, sizeof(u->path), e, strcspn(e, "?#"));
}

static const char *
default_port(const char *scheme)
{
	if (strcasecmp(scheme, "https") == 0)
		return "443";
	if (strcasecmp(scheme, "ftp") == 0)
		return "21";
	return "80";
}

static bool
machine_matches(const char *machine, const struct url_parts *u)
{
	struct url_parts m;
	const char	*uport;
	size_t		 n;

	if (!url_parse(machine, &m))
		return false;
	if (m.scheme[0] != '\0' && strcasecmp(m.scheme, u->scheme) != 0)
		return false;
	if (strcasecmp(m.host, u->host) != 0)
		return false;
	uport = u->port[0] != '\0' ? u->port : default_port(u->scheme);
	if (m.port[0] != '\0' && strcmp(m.port, uport) != 0)
		return false;
	n = strlen(m.path);
	while (n > 0 && m.path[n - 1] == '/')
		n--;
	return strncmp(m.path, u->path, n) == 0 &&
	    (u->path[n] == '\0' || u->path[n] == '/');
}

/* Next blank-separated token of *p, skipping '#' comments. */
static char *
next_token(char **p)
{
	char	*s = *p, *t;

	for (;;) {
		s += strspn(s, " \t\r\n");
		if (*s != '#')
			break;
		s += strcspn(s, "\n");
	}
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	t = s;
	s += strcspn(s, " \t\r\n");
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return t;
}

/* Search one file; true (and the login) at the first matching entry. */
static bool
auth_file(const char *path, const struct url_parts *u, char **user,
    char **pass)
{
	FILE	*f;
	char	*buf, *p, *tok, *login = NULL, *password = NULL;
	size_t	 n;
	bool	 in = false, found = false;

	if ((f = fopen(path, "re")) == NULL)
		return false;
	if ((buf = malloc(AUTH_MAX_FILE + 1)) == NULL) {
		fclose(f);
		return false;
	}
	n = fread(buf, 1, AUTH_MAX_FILE, f);
	fclose(f);
	buf[n] = '\0';

	p = buf;
	while ((tok = next_token(&p)) != NULL) {
		if (strcmp(tok, "machine") == 0) {
			if (in && (login != NULL || password != NULL)) {
				found = true;
				break;
			}
			tok = next_token(&p);
			in = tok != NULL && machine_matches(tok, u);
			login = password = NULL;
		} else if (strcmp(tok, "login") == 0) {
			if ((tok = next_token(&p)) != NULL && in)
				login = tok;
		} else if (strcmp(tok, "password") == 0) {
			if ((tok = next_token(&p)) != NULL && in)
				password = tok;
		}
	}
	if (in && (login != NULL || password != NULL))
		found = true;
	if (found) {
		*user = strdup(login != NULL ? login : "");
		*pass = strdup(password != NULL ? password : "");
		if (*user == NULL || *pass == NULL) {
			/* Still private: the caller must not share the file. */
			free(*user);
			free(*pass);
			*user = *pass = NULL;
		}
	}
	free(buf);
	return found;
}

/* Resolve a Dir::Etc::* name the way apt does: relative to Dir::Etc. */
static void
etc_path(const struct method_conf *c, const char *name, const char *def,
    char *out, size_t len)
{
	const char	*v, *etc, *root;

	if ((v = conf_get(c, name)) == NULL)
		v = def;
	if (v[0] == '/') {
		snprintf(out, len, "%s", v);
		return;
	}
	if ((etc = conf_get(c, "Dir::Etc")) == NULL)
		etc = "etc/apt/";
	if (etc[0] == '/') {
		snprintf(out, len, "%s/%s", etc, v);
		return;
	}
	if ((root = conf_get(c, "Dir")) == NULL)
		root = "/";
	snprintf(out, len, "%s/%s/%s", root, etc, v);
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
conf_name(const struct dirent *d)
{
	size_t	 n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".conf") == 0;
}

bool
auth_lookup(const struct method_conf *c, const char *url, char **user,
    char **pass)
{
	struct url_parts u;
	struct dirent	**names;
	char		 path[4096], dir[4096];
	bool		 found = false;
	int		 i, n;

	*user = *pass = NULL;
	if (!url_parse(url, &u))
		return false;
	etc_path(c, "Dir::Etc::netrc", "auth.conf", path, sizeof(path));
	if (auth_file(path, &u, user, pass))
		return true;
	etc_path(c, "Dir::Etc::netrcparts", "auth.conf.d", dir, sizeof(dir));
	if ((n = scandir(dir, &names, conf_name, name_cmp)) < 0)
		return false;
	for (i = 0; i < n; i++) {
		if (!found) {
			if (snprintf(path, sizeof(path), "%s/%s", dir,
			    names[i]->d_name) < (int)sizeof(path))
				found = auth_file(path, &u, user, pass);
		}
		free(names[i]);
	}
	free(names);
	return found;
}
