/* SPDX-License-Identifier: ISC */
/*
 * debver.c - dpkg's version comparison (lib/dpkg/version.c's algorithm)
 * and the parts of a pool file name.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/debver.h"

/* dpkg's order of a non-digit: '~' first, then the end, letters, others. */
static int
order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c != '\0')
		return c + 256;
	return 0;
}

/* Compare two parts (upstream or revision) of lengths la and lb. */
static int
verrevcmp(const char *a, size_t la, const char *b, size_t lb)
{
	const char	*ea = a + la, *eb = b + lb;

	while (a < ea || b < eb) {
		int	first_diff = 0;

		while ((a < ea && !isdigit((unsigned char)*a)) ||
		    (b < eb && !isdigit((unsigned char)*b))) {
			int	ac = a < ea ? order((unsigned char)*a) : 0;
			int	bc = b < eb ? order((unsigned char)*b) : 0;

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ea && *a == '0')
			a++;
		while (b < eb && *b == '0')
			b++;
		while (a < ea && isdigit((unsigned char)*a) && b < eb &&
		    isdigit((unsigned char)*b)) {
			if (first_diff == 0)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ea && isdigit((unsigned char)*a))
			return 1;
		if (b < eb && isdigit((unsigned char)*b))
			return -1;
		if (first_diff != 0)
			return first_diff;
	}
	return 0;
}

struct ver {
	long		 epoch;
	const char	*up, *rev;
	size_t		 lup, lrev;
};

static void
parse(const char *s, struct ver *v)
{
	const char	*colon = strchr(s, ':'), *dash;
	char		*end;

	v->epoch = 0;
	if (colon != NULL) {
		v->epoch = strtol(s, &end, 10);
		if (end == colon)
			s = colon + 1;
		else
			v->epoch = 0;
	}
	v->up = s;
	if ((dash = strrchr(s, '-')) != NULL) {
		v->lup = (size_t)(dash - s);
		v->rev = dash + 1;
		v->lrev = strlen(dash + 1);
	} else {
		v->lup = strlen(s);
		v->rev = "";
		v->lrev = 0;
	}
}

int
debver_cmp(const char *a, const char *b)
{
	struct ver	va, vb;
	int		r;

	parse(a, &va);
	parse(b, &vb);
	if (va.epoch != vb.epoch)
		return va.epoch < vb.epoch ? -1 : 1;
	if ((r = verrevcmp(va.up, va.lup, vb.up, vb.lup)) != 0)
		return r;
	return verrevcmp(va.rev, va.lrev, vb.rev, vb.lrev);
}

/* Every dot-separated part of s (which starts with '.') starts with a letter. */
static bool
all_words(const char *s)
{
	for (; *s == '.'; s = strchrnul(s + 1, '.'))
		if (!isalpha((unsigned char)s[1]))
			return false;
	return *s == '\0';
}

static bool
put(char *out, size_t outlen, const char *s, size_t len)
{
	if (len == 0 || len >= outlen)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

bool
debver_split(const char *file, char *name, size_t namelen, char *version,
    size_t verlen, char *ext, size_t extlen)
{
	const char	*u1, *u2, *e, *v;
	size_t		 o = 0;

	if ((u1 = strchr(file, '_')) == NULL ||
	    !put(name, namelen, file, (size_t)(u1 - file)))
		return false;
	v = u1 + 1;
	if ((u2 = strchr(v, '_')) != NULL)
		e = u2;
	else {
		for (e = strchr(v, '.'); e != NULL && !all_words(e);
		    e = strchr(e + 1, '.'))
			;
		if (e == NULL)
			return false;
	}
	if (!put(ext, extlen, e, strlen(e)) || e == v)
		return false;
	/* The version, "%3a" back to ':'. */
	while (v < e) {
		if (o + 1 >= verlen)
			return false;
		if (e - v >= 3 && strncasecmp(v, "%3a", 3) == 0) {
			version[o++] = ':';
			v += 3;
		} else
			version[o++] = *v++;
	}
	version[o] = '\0';
	return true;
}
