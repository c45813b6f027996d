/* SPDX-License-Identifier: ISC */
/*
 * confparse.h - "key = value" configuration files, driven by a key table.
 *
 * A program describes its settings once, as a table of struct conf_key
 * (name, type, where the value lives in its settings struct, default);
 * this module parses files and single assignments against that table, so
 * the daemon, its man page and its run-time "set" share one list.
 *
 * Syntax: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; a value may be enclosed in
 * double quotes to keep leading or trailing blanks or a '#'; otherwise a
 * '#' preceded by a blank starts a comment.  Unknown keys, bad values and
 * duplicate keys are errors naming the file and line.
 */
#ifndef APTBT_CONFPARSE_H
#define APTBT_CONFPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_type {
	CONF_STRING,	/* char *, any text */
	CONF_PATH,	/* char *, an absolute path */
	CONF_UINT,	/* uint64_t, decimal, within [min, max] */
	CONF_BYTES,	/* uint64_t, a size or rate: "500K", "10M", "0" */
	CONF_SECONDS,	/* uint64_t, "30", "30s", "5m", "2h" */
	CONF_BOOL,	/* bool: yes/no, true/false, on/off, 1/0 */
	CONF_ENUM,	/* int, index into choices */
};

struct conf_key {
	const char		*name;
	enum conf_type		 type;
	size_t			 offset;	/* of the field in the settings struct */
	const char		*def;		/* default, as it would be written */
	uint64_t		 min, max;	/* CONF_UINT; max 0 = no limit */
	const char *const	*choices;	/* CONF_ENUM, NULL-terminated */
	/* CONF_STRING: further validation; false with a reason in err. */
	bool			(*check)(const char *, char *err, size_t errlen);
};

#define CONF_ERRLEN	256

/*
 * Set every key to its default.  Returns 0, or -1 with a message in err
 * (a bad default is a programming error, but is reported, not assumed).
 */
int	conf_defaults(const struct conf_key *, size_t nkeys, void *obj,
	    char *err, size_t errlen);
/* Parse one value for one key; on error err says why (without location). */
int	conf_set(const struct conf_key *, size_t nkeys, void *obj,
	    const char *key, const char *value, char *err, size_t errlen);
/*
 * Parse a whole file or buffer over the values already in obj.  On error
 * returns -1 and err reads "FILE:LINE: message"; obj may then hold a mix
 * of old and new values, so parse into a scratch copy and swap on success.
 */
int	conf_load_file(const char *path, const struct conf_key *, size_t nkeys,
	    void *obj, char *err, size_t errlen);
int	conf_load_buf(const char *name, const char *buf, size_t len,
	    const struct conf_key *, size_t nkeys, void *obj,
	    char *err, size_t errlen);
/* Free the strings a settings struct owns. */
void	conf_free(const struct conf_key *, size_t nkeys, void *obj);
/* Deep copy (strings duplicated) into a zeroed or loaded dst; -1 on ENOMEM. */
int	conf_copy(const struct conf_key *, size_t nkeys, void *dst,
	    const void *src);
/* Find a key by name, or NULL. */
const struct conf_key *conf_find(const struct conf_key *, size_t nkeys,
	    const char *name);

#endif
