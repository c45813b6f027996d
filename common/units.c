/* SPDX-License-Identifier: ISC */
/*
 * units.c - sizes, rates and durations as people write them in a config.
 *
 * Values are parsed exactly in integers (no floating point), so "1.5M"
 * is 1572864 on every machine and overflow is caught rather than wrapped.
 */
#include <stdio.h>
#include <string.h>

#include "common/units.h"

/* Fraction digits kept; more are accepted and ignored (rounding down). */
#define FRAC_DIGITS	9

struct unit {
	char		c;	/* lower case */
	uint64_t	mult;
};

static const struct unit size_units[] = {
	{ 'k', 1ULL << 10 },
	{ 'm', 1ULL << 20 },
	{ 'g', 1ULL << 30 },
	{ 't', 1ULL << 40 },
};

static const struct unit time_units[] = {
	{ 's', 1 },
	{ 'm', 60 },
	{ 'h', 60 * 60 },
	{ 'd', 24 * 60 * 60 },
};

/* A decimal number with an optional fraction. */
struct number {
	uint64_t	ip;
	uint64_t	frac;	/* numerator over den */
	uint64_t	den;	/* 1 when there is no fraction */
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static const char *
parse_number(const char *s, struct number *n)
{
	const char	*p = s;
	unsigned	 kept = 0;

	n->ip = 0;
	n->frac = 0;
	n->den = 1;
	if (!is_digit(*p))
		return NULL;
	for (; is_digit(*p); p++) {
		unsigned d = *p - '0';

		if (n->ip > (UINT64_MAX - d) / 10)
			return NULL;
		n->ip = n->ip * 10 + d;
	}
	if (*p != '.')
		return p;
	if (!is_digit(*++p))
		return NULL;
	for (; is_digit(*p); p++) {
		if (kept++ >= FRAC_DIGITS)
			continue;
		n->frac = n->frac * 10 + (uint64_t)(*p - '0');
		n->den *= 10;
	}
	return p;
}

/* n * mult, exactly, rounding a fraction down; false on overflow. */
static bool
scale(const struct number *n, uint64_t mult, uint64_t *out)
{
	uint64_t	v, f;

	if (mult != 0 && n->ip > UINT64_MAX / mult)
		return false;
	v = n->ip * mult;
	/*
	 * frac * mult / den without overflow: frac < den <= 10^9, so
	 * frac * (mult % den) < 10^18, and frac * (mult / den) < mult.
	 */
	f = n->frac * (mult / n->den) + n->frac * (mult % n->den) / n->den;
	if (f > UINT64_MAX - v)
		return false;
	*out = v + f;
	return true;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static uint64_t
find_unit(const struct unit *u, size_t n, int c)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (u[i].c == lower(c))
			return u[i].mult;
	return 0;
}

bool
units_parse_bytes(const char *s, uint64_t *out)
{
	struct number	 n;
	const char	*p;
	uint64_t	 mult = 1, m;

	if ((p = parse_number(s, &n)) == NULL)
		return false;
	p = skip_blanks(p);
	if ((m = find_unit(size_units,
	    sizeof(size_units) / sizeof(size_units[0]), *p)) != 0) {
		mult = m;
		p++;
		if (lower(*p) == 'i' && lower(p[1]) == 'b')
			p++;
	}
	if (lower(*p) == 'b')
		p++;
	if (p[0] == '/' && lower(p[1]) == 's')
		p += 2;
	/* A fraction of a byte is meaningless. */
	if (*p != '\0' || (mult == 1 && n.den != 1))
		return false;
	return scale(&n, mult, out);
}

bool
units_parse_seconds(const char *s, uint64_t *out)
{
	struct number	 n;
	const char	*p;
	uint64_t	 mult = 1, m;

	if ((p = parse_number(s, &n)) == NULL)
		return false;
	p = skip_blanks(p);
	if (*p != '\0') {
		if ((m = find_unit(time_units,
		    sizeof(time_units) / sizeof(time_units[0]), *p)) == 0)
			return false;
		mult = m;
		p++;
	}
	if (*p != '\0' || (mult == 1 && n.den != 1))
		return false;
	return scale(&n, mult, out);
}

char *
units_format_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const names[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	size_t		 i = 1;
	uint64_t	 unit = 1024, tenths;

	if (len == 0)
		return buf;
	if (v < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return buf;
	}
	/*
	 * One rounded decimal, computed without overflow; move up a unit
	 * rather than print "1024.0".
	 */
	for (;;) {
		tenths = (v / unit) * 10 + ((v % unit) * 10 + unit / 2) / unit;
		if (tenths < 10240 || i + 1 == sizeof(names) / sizeof(names[0]))
			break;
		unit <<= 10;
		i++;
	}
	if (tenths % 10 == 0)
		snprintf(buf, len, "%llu %s",
		    (unsigned long long)(tenths / 10), names[i]);
	else
		snprintf(buf, len, "%llu.%llu %s",
		    (unsigned long long)(tenths / 10),
		    (unsigned long long)(tenths % 10), names[i]);
	return buf;
}
