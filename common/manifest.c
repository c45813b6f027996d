/* SPDX-License-Identifier: ISC */
/*
 * manifest.c - parsing, looking up and writing the per-suite manifest.
 *
 * The manifest comes from a mirror, so it is untrusted: the parser is
 * bounded (size, tokens, entries), takes canonical bencode only, and
 * checks the order of the records once so that every later lookup can
 * binary-search without further checks.  Nothing here trusts a manifest
 * entry beyond locating a torrent: the torrent and the file are verified
 * on their own (see DESIGN.md, trust model).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/manifest.h"

static const char *const manifest_errors[MANIFEST_NERRORS] = {
	[MANIFEST_OK] = "no error",
	[MANIFEST_EBENCODE] = "not canonical bencode",
	[MANIFEST_EVERSION] = "unknown manifest version",
	[MANIFEST_EFORM] = "unknown form or record width",
	[MANIFEST_EENTRIES] = "entries missing, ragged or too many",
	[MANIFEST_EORDER] = "entries not sorted by SHA-256",
	[MANIFEST_ESIZE] = "entry of size zero",
	[MANIFEST_ETORRENTS] = "bad torrent location",
	[MANIFEST_ETRACKERS] = "bad tracker list",
	[MANIFEST_ENOMEM] = "out of memory",
};

static const struct {
	const char	*name;
	enum mi_form	 form;
	size_t		 reclen;
} manifest_forms[] = {
	{ "v1", MI_FORM_V1, MANIFEST_REC_V1 },
	{ "hybrid", MI_FORM_HYBRID, MANIFEST_REC_HYBRID },
};
#define NFORMS	(sizeof(manifest_forms) / sizeof(manifest_forms[0]))

/* The whole document is a few keys; the entries are one string. */
static const struct benc_limits manifest_limits = {
	MANIFEST_MAX_INPUT, 64 + 2 * MANIFEST_MAX_TRACKERS, 4
};

const char *
manifest_strerror(int err)
{
	if (err > 0 || -err >= MANIFEST_NERRORS)
		return "unknown error";
	return manifest_errors[-err];
}

/* "scheme:" as RFC 3986 spells it; its length, or 0. */
static size_t
scheme_len(const char *s)
{
	size_t	i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; s[i] != '\0' && s[i] != ':'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '+' || s[i] == '-' || s[i] == '.'))
			return 0;
	return s[i] == ':' ? i : 0;
}

static bool
has_prefix(const char *s, const char *const *prefixes)
{
	for (; *prefixes != NULL; prefixes++)
		if (strncmp(s, *prefixes, strlen(*prefixes)) == 0)
			return true;
	return false;
}

static bool
text_ok(const char *s)
{
	size_t	len = strlen(s);

	return len > 0 && len <= MANIFEST_MAX_URL && metainfo_url_ok(s, len) &&
	    strpbrk(s, "?#") == NULL;
}

bool
manifest_torrents_ok(const char *s)
{
	static const char *const schemes[] = {
		"http://", "https://", "ftp://", NULL
	};
	size_t	len = strlen(s);

	if (!text_ok(s) || s[len - 1] != '/' || strncmp(s, "//", 2) == 0)
		return false;
	/* A relative path's first segment cannot hold ':' (RFC 3986). */
	if (strchr(s, ':') != NULL &&
	    (strchr(s, '/') == NULL || strchr(s, ':') < strchr(s, '/')))
		return has_prefix(s, schemes) && scheme_len(s) > 0;
	return true;
}

bool
manifest_tracker_ok(const char *s)
{
	static const char *const schemes[] = {
		"http://", "https://", "udp://", NULL
	};
	const char	*p;

	if (!text_ok(s))
		return false;
	if (s[0] == '/')
		return s[1] != '/';
	if (!has_prefix(s, schemes))
		return false;
	/* An empty host stands for the manifest's; a path must follow. */
	p = strstr(s, "://") + 3;
	return strchr(p, '/') != NULL && memchr(p, '@', strcspn(p, "/")) ==
	    NULL;
}

bool
manifest_tracker_is_pattern(const char *s)
{
	return s[0] == '/' || strstr(s, ":///") != NULL ||
	    strstr(s, "://:") != NULL;
}

static void
manifest_zero(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void
manifest_free(struct manifest *m)
{
	size_t	i;

	for (i = 0; i < m->ntrackers; i++)
		free(m->trackers[i]);
	free(m->trackers);
	free(m->torrents);
	free(m->raw);
	manifest_zero(m);
}

static char *
tok_strdup(const struct benc_doc *d, int tok)
{
	const uint8_t	*p;
	size_t		 len;
	char		*s;

	p = benc_str(d, tok, &len);
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	/* An embedded NUL would hide the rest from every later check. */
	if (strlen(s) != len)
		s[0] = '\0';
	return s;
}

static int
parse_form(struct manifest *m, const struct benc_doc *d)
{
	int64_t	rec;
	int	t;
	size_t	i;

	if ((t = benc_dict_get_type(d, 0, "form", BENC_STR)) < 0 ||
	    !benc_dict_int(d, 0, "record", &rec))
		return -MANIFEST_EFORM;
	for (i = 0; i < NFORMS; i++)
		if (benc_str_eq(d, t, manifest_forms[i].name))
			break;
	if (i == NFORMS || rec < (int64_t)manifest_forms[i].reclen ||
	    rec > MANIFEST_MAX_RECORD)
		return -MANIFEST_EFORM;
	m->form = manifest_forms[i].form;
	m->reclen = (size_t)rec;
	return 0;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int
parse_entries(struct manifest *m, const struct benc_doc *d)
{
	const uint8_t	*p;
	size_t		 len, i;
	int		 t;

	if ((t = benc_dict_get_type(d, 0, "entries", BENC_STR)) < 0)
		return -MANIFEST_EENTRIES;
	p = benc_str(d, t, &len);
	if (len % m->reclen != 0 || len / m->reclen > MANIFEST_MAX_ENTRIES)
		return -MANIFEST_EENTRIES;
	m->nentries = len / m->reclen;
	m->entries = m->raw + (p - d->buf);
	for (i = 0; i < m->nentries; i++) {
		p = m->entries + i * m->reclen;
		if (get_be64(p + SHA256_LEN) == 0)
			return -MANIFEST_ESIZE;
		if (i > 0 && memcmp(p - m->reclen, p, SHA256_LEN) >= 0)
			return -MANIFEST_EORDER;
	}
	return 0;
}

static int
parse_strings(struct manifest *m, const struct benc_doc *d)
{
	int	t, it;

	if ((t = benc_dict_get_type(d, 0, "torrents", BENC_STR)) < 0)
		return -MANIFEST_ETORRENTS;
	if ((m->torrents = tok_strdup(d, t)) == NULL)
		return -MANIFEST_ENOMEM;
	if (!manifest_torrents_ok(m->torrents))
		return -MANIFEST_ETORRENTS;
	if (benc_dict_get(d, 0, "trackers") < 0)
		return 0;
	if ((t = benc_dict_get_type(d, 0, "trackers", BENC_LIST)) < 0 ||
	    d->toks[t].count > MANIFEST_MAX_TRACKERS)
		return -MANIFEST_ETRACKERS;
	if ((m->trackers = calloc(d->toks[t].count + 1,
	    sizeof(*m->trackers))) == NULL)
		return -MANIFEST_ENOMEM;
	for (it = benc_first(d, t); it >= 0; it = benc_next(d, t, it)) {
		if (d->toks[it].type != BENC_STR)
			return -MANIFEST_ETRACKERS;
		if ((m->trackers[m->ntrackers] = tok_strdup(d, it)) == NULL)
			return -MANIFEST_ENOMEM;
		if (!manifest_tracker_ok(m->trackers[m->ntrackers++]))
			return -MANIFEST_ETRACKERS;
	}
	return 0;
}

int
manifest_parse(struct manifest *m, const void *buf, size_t len)
{
	struct benc_doc	d;
	int64_t		version;
	int		rv;

	manifest_zero(m);
	if (len > MANIFEST_MAX_INPUT)
		return -MANIFEST_EBENCODE;
	if ((rv = benc_parse(&d, buf, len, &manifest_limits,
	    BENC_STRICT)) != 0)
		return rv == -BENC_ENOMEM ? -MANIFEST_ENOMEM :
		    -MANIFEST_EBENCODE;
	if (d.toks[0].type != BENC_DICT) {
		rv = -MANIFEST_EBENCODE;
		goto out;
	}
	/* The version first: a later version may change everything else. */
	if (!benc_dict_int(&d, 0, "version", &version) ||
	    version != MANIFEST_VERSION) {
		rv = -MANIFEST_EVERSION;
		goto out;
	}
	if ((m->raw = malloc(len ? len : 1)) == NULL) {
		rv = -MANIFEST_ENOMEM;
		goto out;
	}
	memcpy(m->raw, buf, len);
	m->rawlen = len;
	if ((rv = parse_form(m, &d)) != 0 ||
	    (rv = parse_entries(m, &d)) != 0 ||
	    (rv = parse_strings(m, &d)) != 0)
		goto out;
out:
	benc_free(&d);
	if (rv != 0)
		manifest_free(m);
	return rv;
}

void
manifest_entry(const struct manifest *m, size_t i, struct manifest_entry *e)
{
	const uint8_t	*p = m->entries + i * m->reclen;

	memset(e, 0, sizeof(*e));
	memcpy(e->sha256, p, SHA256_LEN);
	e->size = get_be64(p + SHA256_LEN);
	memcpy(e->info_hash_v1, p + SHA256_LEN + 8, SHA1_LEN);
	if (m->form == MI_FORM_HYBRID) {
		memcpy(e->info_hash_v2, p + MANIFEST_REC_V1, SHA256_LEN);
		e->has_v2 = true;
	}
}

bool
manifest_lookup(const struct manifest *m, const uint8_t sha[SHA256_LEN],
    struct manifest_entry *out)
{
	size_t	lo = 0, hi = m->nentries, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(sha, m->entries + mid * m->reclen, SHA256_LEN);
		if (c == 0) {
			manifest_entry(m, mid, out);
			return true;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

void
manifest_torrent_name(const uint8_t sha[SHA256_LEN], char *out)
{
	hex_fanout_name(sha, ".torrent", out);
}

/*
 * RFC 3986 section 5.2.4, from in into out (at least as large); the
 * output never grows, so one pass with a write pointer does.
 */
static void
remove_dots(const char *in, char *out)
{
	char	*o = out;

	while (*in != '\0') {
		if (strncmp(in, "../", 3) == 0)
			in += 3;
		else if (strncmp(in, "./", 2) == 0)
			in += 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0) {
			*o++ = '/';
			break;
		} else if (strncmp(in, "/../", 4) == 0 ||
		    strcmp(in, "/..") == 0) {
			in += 3;
			while (o > out && *--o != '/')
				;
			if (*in == '\0') {
				*o++ = '/';
				break;
			}
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			break;
		else {
			do
				*o++ = *in++;
			while (*in != '\0' && *in != '/');
		}
	}
	*o = '\0';
}

/* Where the authority ends in an absolute URL ("s://auth/..."), or NULL. */
static const char *
authority_end(const char *url, const char **auth)
{
	size_t	sl = scheme_len(url);

	if (sl == 0 || strncmp(url + sl, "://", 3) != 0)
		return NULL;
	*auth = url + sl + 3;
	return *auth + strcspn(*auth, "/?#");
}

char *
manifest_url_resolve(const char *base, const char *ref)
{
	const char	*auth, *aend, *bpath, *slash, *rtail;
	char		*merged = NULL, *path = NULL, *url = NULL;
	size_t		 rplen;

	if ((aend = authority_end(base, &auth)) == NULL)
		return NULL;
	if (scheme_len(ref) > 0)
		return strdup(ref);
	if (strncmp(ref, "//", 2) == 0) {
		if (asprintf(&url, "%.*s%s", (int)(auth - 2 - base), base,
		    ref) == -1)
			return NULL;
		return url;
	}
	rplen = strcspn(ref, "?#");
	rtail = ref + rplen;
	if (ref[0] == '/') {
		if (asprintf(&merged, "%.*s", (int)rplen, ref) == -1)
			return NULL;
	} else {
		/* The base's directory: its path up to the last '/'. */
		bpath = aend;
		slash = NULL;
		for (; *bpath != '\0' && *bpath != '?' && *bpath != '#';
		    bpath++)
			if (*bpath == '/')
				slash = bpath;
		if (rplen == 0 && *rtail == '\0')
			return strdup(base);
		if (asprintf(&merged, "%.*s%.*s",
		    slash == NULL ? 1 : (int)(slash - aend + 1),
		    slash == NULL ? "/" : aend, (int)rplen, ref) == -1)
			return NULL;
	}
	if ((path = malloc(strlen(merged) + 2)) == NULL)
		goto out;
	remove_dots(merged, path);
	if (asprintf(&url, "%.*s%s%s%s", (int)(aend - base), base,
	    path[0] == '/' ? "" : "/", path, rtail) == -1)
		url = NULL;
out:
	free(path);
	free(merged);
	return url;
}

char *
manifest_url_of_base(const char *base)
{
	size_t	len = strlen(base);
	char	*url;

	if (len == 0)
		return NULL;
	if (asprintf(&url, "%s%s%s", base, base[len - 1] == '/' ? "" : "/",
	    MANIFEST_PATH) == -1)
		return NULL;
	return url;
}

char *
manifest_torrent_url(const struct manifest *m, const char *murl,
    const uint8_t sha[SHA256_LEN])
{
	char	 name[MANIFEST_TORRENT_NAME_LEN + 1], *ref, *url;

	manifest_torrent_name(sha, name);
	if (asprintf(&ref, "%s%s", m->torrents, name) == -1)
		return NULL;
	url = manifest_url_resolve(murl, ref);
	free(ref);
	return url;
}

char *
manifest_tracker_url(const struct manifest *m, const char *murl, size_t i)
{
	return manifest_pattern_url(m->trackers[i], murl);
}

char *
manifest_pattern_url(const char *t, const char *murl)
{
	const char	*auth, *aend, *host, *hend, *p;
	char		*url;

	if ((aend = authority_end(murl, &auth)) == NULL)
		return NULL;
	/* The manifest's host, without user information or port. */
	host = auth;
	for (p = auth; p < aend; p++)
		if (*p == '@')
			host = p + 1;
	if (*host == '[')
		hend = memchr(host, ']', (size_t)(aend - host)) != NULL ?
		    (const char *)memchr(host, ']', (size_t)(aend - host)) + 1 :
		    aend;
	else
		for (hend = host; hend < aend && *hend != ':'; hend++)
			;
	if (hend == host)
		return NULL;
	if (t[0] == '/')
		return manifest_url_resolve(murl, t);
	p = strstr(t, "://") + 3;
	if (*p != ':' && *p != '/')
		return strdup(t);
	if (asprintf(&url, "%.*s%.*s%s", (int)(p - t), t, (int)(hend - host),
	    host, p) == -1)
		return NULL;
	return url;
}

static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct manifest_entry *)a)->sha256,
	    ((const struct manifest_entry *)b)->sha256, SHA256_LEN);
}

static bool
entry_same(const struct manifest_entry *a, const struct manifest_entry *b,
    bool v2)
{
	return a->size == b->size &&
	    memcmp(a->info_hash_v1, b->info_hash_v1, SHA1_LEN) == 0 &&
	    (!v2 || memcmp(a->info_hash_v2, b->info_hash_v2, SHA256_LEN) == 0);
}

int
manifest_encode(const struct manifest_build *b, struct bytebuf *out)
{
	struct manifest_entry	*e;
	uint8_t			*rec, *p;
	size_t			 i, n, reclen;
	bool			 v2 = b->form == MI_FORM_HYBRID;
	int			 rv = -EINVAL;

	if (b->form != MI_FORM_V1 && !v2)
		return -EINVAL;
	if (b->torrents == NULL || !manifest_torrents_ok(b->torrents) ||
	    b->ntrackers > MANIFEST_MAX_TRACKERS ||
	    b->nentries > MANIFEST_MAX_ENTRIES)
		return -EINVAL;
	for (i = 0; i < b->ntrackers; i++)
		if (!manifest_tracker_ok(b->trackers[i]))
			return -EINVAL;
	reclen = v2 ? MANIFEST_REC_HYBRID : MANIFEST_REC_V1;
	if ((e = calloc(b->nentries + 1, sizeof(*e))) == NULL ||
	    (rec = malloc(b->nentries * reclen + 1)) == NULL) {
		free(e);
		return -ENOMEM;
	}
	if (b->nentries > 0)
		memcpy(e, b->entries, b->nentries * sizeof(*e));
	qsort(e, b->nentries, sizeof(*e), entry_cmp);
	for (i = n = 0; i < b->nentries; i++) {
		if (e[i].size == 0 || (v2 && !e[i].has_v2))
			goto out;
		if (n > 0 && entry_cmp(&e[i], &e[n - 1]) == 0) {
			if (!entry_same(&e[i], &e[n - 1], v2))
				goto out;
			continue;
		}
		e[n++] = e[i];
	}
	for (i = 0, p = rec; i < n; i++, p += reclen) {
		memcpy(p, e[i].sha256, SHA256_LEN);
		put_be64(p + SHA256_LEN, e[i].size);
		memcpy(p + SHA256_LEN + 8, e[i].info_hash_v1, SHA1_LEN);
		if (v2)
			memcpy(p + MANIFEST_REC_V1, e[i].info_hash_v2,
			    SHA256_LEN);
	}
	/* Keys in sorted order, as the strict parser demands. */
	benc_put_dict(out);
	benc_put_kv_bytes(out, "entries", rec, n * reclen);
	benc_put_kv_str(out, "form", v2 ? "hybrid" : "v1");
	benc_put_kv_int(out, "record", (int64_t)reclen);
	benc_put_kv_str(out, "torrents", b->torrents);
	if (b->ntrackers > 0) {
		benc_put_cstr(out, "trackers");
		benc_put_list(out);
		for (i = 0; i < b->ntrackers; i++)
			benc_put_cstr(out, b->trackers[i]);
		benc_put_end(out);
	}
	benc_put_kv_int(out, "version", MANIFEST_VERSION);
	benc_put_end(out);
	rv = bytebuf_failed(out) ? -ENOMEM : 0;
out:
	free(rec);
	free(e);
	return rv;
}
