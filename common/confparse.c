/* SPDX-License-Identifier: ISC */
/*
 * confparse.c - parse "key = value" files against a table of keys.
 *
 * Each type has one parser in a table, so adding a setting never adds a
 * branch here.  Parsing is strict: a typo in /etc/aptbt/aptbtd.conf should
 * stop the daemon with the file and line, not be silently ignored.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/confparse.h"
#include "common/units.h"

#define CONF_MAX_FILE	(1024 * 1024)
#define CONF_MAX_LINE	4096

typedef int (*conf_parse_fn)(const struct conf_key *, void *field,
    const char *value, char *err, size_t errlen);

static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
set_string(char **field, const char *value, char *err, size_t errlen)
{
	char	*s;

	if ((s = strdup(value)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	free(*field);
	*field = s;
	return 0;
}

static int
parse_string(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	char	why[CONF_ERRLEN];

	if (k->check != NULL && !k->check(value, why, sizeof(why))) {
		seterr(err, errlen, "%s: %s", k->name, why);
		return -1;
	}
	return set_string(field, value, err, errlen);
}

static int
parse_path(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	if (value[0] != '/') {
		seterr(err, errlen, "%s: \"%s\" is not an absolute path",
		    k->name, value);
		return -1;
	}
	return set_string(field, value, err, errlen);
}

static int
parse_uint(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	unsigned long long	 v;
	char			*end;

	if (!isdigit((unsigned char)value[0]))
		goto bad;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno != 0 || *end != '\0')
		goto bad;
	if (v < k->min || (k->max != 0 && v > k->max)) {
		seterr(err, errlen, "%s: %llu is out of range (%llu-%llu)",
		    k->name, v, (unsigned long long)k->min,
		    (unsigned long long)k->max);
		return -1;
	}
	*(uint64_t *)field = v;
	return 0;
bad:
	seterr(err, errlen, "%s: \"%s\" is not a number", k->name, value);
	return -1;
}

static int
parse_bytes(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	if (!units_parse_bytes(value, field)) {
		seterr(err, errlen,
		    "%s: \"%s\" is not a size (like 500K, 10M, 0)",
		    k->name, value);
		return -1;
	}
	return 0;
}

static int
parse_seconds(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	if (!units_parse_seconds(value, field)) {
		seterr(err, errlen,
		    "%s: \"%s\" is not a duration (like 30s, 5m, 2h)",
		    k->name, value);
		return -1;
	}
	return 0;
}

static const struct {
	const char	*word;
	bool		 value;
} bool_words[] = {
	{ "yes", true }, { "true", true }, { "on", true }, { "1", true },
	{ "no", false }, { "false", false }, { "off", false }, { "0", false },
};

static int
parse_bool(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		if (strcasecmp(value, bool_words[i].word) == 0) {
			*(bool *)field = bool_words[i].value;
			return 0;
		}
	seterr(err, errlen, "%s: \"%s\" is not yes or no", k->name, value);
	return -1;
}

static int
parse_enum(const struct conf_key *k, void *field, const char *value,
    char *err, size_t errlen)
{
	char	choices[256] = "";
	int	i;

	for (i = 0; k->choices[i] != NULL; i++)
		if (strcmp(value, k->choices[i]) == 0) {
			*(int *)field = i;
			return 0;
		}
	for (i = 0; k->choices[i] != NULL; i++) {
		if (i > 0)
			strncat(choices, ", ", sizeof(choices) -
			    strlen(choices) - 1);
		strncat(choices, k->choices[i], sizeof(choices) -
		    strlen(choices) - 1);
	}
	seterr(err, errlen, "%s: \"%s\" is not one of %s", k->name, value,
	    choices);
	return -1;
}

static const conf_parse_fn conf_parsers[] = {
	[CONF_STRING] = parse_string,
	[CONF_PATH] = parse_path,
	[CONF_UINT] = parse_uint,
	[CONF_BYTES] = parse_bytes,
	[CONF_SECONDS] = parse_seconds,
	[CONF_BOOL] = parse_bool,
	[CONF_ENUM] = parse_enum,
};

static bool
conf_owns_string(enum conf_type t)
{
	return t == CONF_STRING || t == CONF_PATH;
}

const struct conf_key *
conf_find(const struct conf_key *keys, size_t nkeys, const char *name)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
conf_set_key(const struct conf_key *k, void *obj, const char *value,
    char *err, size_t errlen)
{
	if ((size_t)k->type >= sizeof(conf_parsers) / sizeof(conf_parsers[0]) ||
	    conf_parsers[k->type] == NULL) {
		seterr(err, errlen, "%s: unsupported type", k->name);
		return -1;
	}
	return conf_parsers[k->type](k, (char *)obj + k->offset, value, err,
	    errlen);
}

int
conf_set(const struct conf_key *keys, size_t nkeys, void *obj,
    const char *key, const char *value, char *err, size_t errlen)
{
	const struct conf_key	*k;

	if ((k = conf_find(keys, nkeys, key)) == NULL) {
		seterr(err, errlen, "unknown key \"%s\"", key);
		return -1;
	}
	return conf_set_key(k, obj, value, err, errlen);
}

int
conf_defaults(const struct conf_key *keys, size_t nkeys, void *obj,
    char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		if (conf_set_key(&keys[i], obj, keys[i].def != NULL ?
		    keys[i].def : "", err, errlen) == -1)
			return -1;
	return 0;
}

void
conf_free(const struct conf_key *keys, size_t nkeys, void *obj)
{
	size_t	 i;
	char	**field;

	for (i = 0; i < nkeys; i++) {
		if (!conf_owns_string(keys[i].type))
			continue;
		field = (char **)((char *)obj + keys[i].offset);
		free(*field);
		*field = NULL;
	}
}

int
conf_copy(const struct conf_key *keys, size_t nkeys, void *dst,
    const void *src)
{
	size_t	  i;
	char	**d;
	char	 *const *s;

	for (i = 0; i < nkeys; i++) {
		d = (char **)((char *)dst + keys[i].offset);
		s = (char *const *)((const char *)src + keys[i].offset);
		if (!conf_owns_string(keys[i].type)) {
			memcpy(d, s, keys[i].type == CONF_BOOL ? sizeof(bool) :
			    keys[i].type == CONF_ENUM ? sizeof(int) :
			    sizeof(uint64_t));
			continue;
		}
		free(*d);
		*d = NULL;
		if (*s != NULL && (*d = strdup(*s)) == NULL)
			return -1;
	}
	return 0;
}

static char *
trim(char *s)
{
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/*
 * Split one line into key and value in place.  Returns 1 for an
 * assignment, 0 for a blank or comment line, -1 with err set.
 */
static int
conf_split(char *line, char **key, char **value, char *err, size_t errlen)
{
	char	*eq, *v, *p;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if ((eq = strchr(line, '=')) == NULL) {
		seterr(err, errlen, "expected \"key = value\"");
		return -1;
	}
	*eq = '\0';
	*key = trim(line);
	if (**key == '\0') {
		seterr(err, errlen, "missing key before '='");
		return -1;
	}
	for (p = *key; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			seterr(err, errlen, "bad character in key \"%s\"",
			    *key);
			return -1;
		}
	v = trim(eq + 1);
	if (*v == '"') {
		if ((p = strchr(v + 1, '"')) == NULL) {
			seterr(err, errlen, "unterminated quoted value");
			return -1;
		}
		*p = '\0';
		if (*trim(p + 1) != '\0' && *trim(p + 1) != '#') {
			seterr(err, errlen, "text after quoted value");
			return -1;
		}
		*value = v + 1;
		return 1;
	}
	/* An unquoted '#' after a blank starts a comment. */
	for (p = v; *p != '\0'; p++)
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	*value = trim(v);
	return 1;
}

int
conf_load_buf(const char *name, const char *buf, size_t len,
    const struct conf_key *keys, size_t nkeys, void *obj, char *err,
    size_t errlen)
{
	char		 line[CONF_MAX_LINE], msg[CONF_ERRLEN];
	char		*key, *value;
	unsigned char	*seen;
	size_t		 pos = 0, n, lineno = 0;
	const char	*nl;
	int		 r, rc = -1;
	const struct conf_key *k;

	if ((seen = calloc(nkeys ? nkeys : 1, 1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (pos < len) {
		lineno++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n >= sizeof(line)) {
			seterr(err, errlen, "%s:%zu: line too long", name,
			    lineno);
			goto out;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n) != NULL) {
			seterr(err, errlen, "%s:%zu: NUL byte in line", name,
			    lineno);
			goto out;
		}
		if ((r = conf_split(line, &key, &value, msg, sizeof(msg))) == 0)
			continue;
		if (r == -1) {
			seterr(err, errlen, "%s:%zu: %s", name, lineno, msg);
			goto out;
		}
		if ((k = conf_find(keys, nkeys, key)) == NULL) {
			seterr(err, errlen, "%s:%zu: unknown key \"%s\"", name,
			    lineno, key);
			goto out;
		}
		if (seen[k - keys]++) {
			seterr(err, errlen, "%s:%zu: duplicate key \"%s\"",
			    name, lineno, key);
			goto out;
		}
		if (conf_set_key(k, obj, value, msg, sizeof(msg)) == -1) {
			seterr(err, errlen, "%s:%zu: %s", name, lineno, msg);
			goto out;
		}
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

int
conf_load_file(const char *path, const struct conf_key *keys, size_t nkeys,
    void *obj, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_FILE) {
		seterr(err, errlen, "%s: %s", path, !S_ISREG(st.st_mode) ?
		    "not a regular file" : "file too large");
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	rc = conf_load_buf(path, buf, off, keys, nkeys, obj, err, errlen);
	free(buf);
	return rc;
}
