/* SPDX-License-Identifier: ISC */
/*
 * metainfo.c - parsing single-file torrents (BEP 3, 12, 19, 52).
 *
 * The input is copied once and parsed without BENC_STRICT, since other
 * clients' torrents need not sort their keys; every pointer the caller
 * gets points into that copy.  Tracker and webseed lists are hints, so a
 * bad entry is skipped rather than failing the torrent; what the transfer
 * engine depends on (sizes, piece hashes) fails it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/layout.h"
#include "common/merkle.h"
#include "common/metainfo.h"

/* A single-file torrent is a few dozen tokens plus its tracker list. */
static const struct benc_limits mi_limits = {
	.max_input = MI_MAX_INPUT,
	.max_tokens = 65536,
	.max_depth = 32,
};

static const char *const mi_errstr[] = {
	[MI_OK] = "success",
	[MI_EBENCODE] = "not a torrent: bad or oversized bencode",
	[MI_ENOINFO] = "no info dictionary",
	[MI_EMULTIFILE] = "multi-file torrents are not supported "
	    "(each file is its own swarm)",
	[MI_ENAME] = "name missing or empty",
	[MI_ELENGTH] = "file length missing, zero or out of range",
	[MI_EPIECELEN] = "piece length is not a power of two "
	    "between 16 KiB and 1 GiB",
	[MI_EPIECES] = "v1 piece hashes missing or of the wrong length",
	[MI_EVERSION] = "unsupported meta version",
	[MI_EFILETREE] = "malformed v2 file tree",
	[MI_EROOT] = "v2 pieces root missing or not 32 bytes",
	[MI_ELAYERS] = "v2 piece layer missing or not matching the "
	    "pieces root",
	[MI_EHYBRID] = "v1 and v2 parts describe different files",
	[MI_ENOMEM] = "out of memory",
};

const char *
metainfo_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= MI_NERRORS || mi_errstr[err] == NULL)
		return "unknown error";
	return mi_errstr[err];
}

bool
metainfo_url_ok(const void *url, size_t len)
{
	const uint8_t	*p = url;
	size_t		 i;

	if (len == 0 || len > MI_MAX_URL)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] == 0x7f)
			return false;
	return true;
}

static char *
mi_strdup(const uint8_t *p, size_t len)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* The name is shown on terminals: control bytes must not reach them. */
static char *
mi_display_name(const uint8_t *p, size_t len)
{
	char	*s;
	size_t	 i;

	if ((s = mi_strdup(p, len)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if ((uint8_t)s[i] < ' ' || s[i] == 0x7f)
			s[i] = '?';
	return s;
}

/*
 * Append the URL at token t to the last tier, or to a new tier when
 * newtier; bad or surplus URLs are skipped.  Returns 0 or -MI_ENOMEM.
 */
static int
mi_add_tracker(struct metainfo *mi, const struct benc_doc *d, int t,
    bool *newtier, size_t *total)
{
	struct mi_tier	*tier;
	const uint8_t	*p;
	char		**urls;
	size_t		 len;

	if (d->toks[t].type != BENC_STR || *total >= MI_MAX_TRACKERS)
		return 0;
	p = benc_str(d, t, &len);
	if (!metainfo_url_ok(p, len))
		return 0;
	if (*newtier) {
		if ((tier = realloc(mi->tiers, (mi->ntiers + 1) *
		    sizeof(*tier))) == NULL)
			return -MI_ENOMEM;
		mi->tiers = tier;
		mi->tiers[mi->ntiers].urls = NULL;
		mi->tiers[mi->ntiers++].nurls = 0;
		*newtier = false;
	}
	tier = &mi->tiers[mi->ntiers - 1];
	if ((urls = realloc(tier->urls, (tier->nurls + 1) *
	    sizeof(*urls))) == NULL)
		return -MI_ENOMEM;
	tier->urls = urls;
	if ((urls[tier->nurls] = mi_strdup(p, len)) == NULL)
		return -MI_ENOMEM;
	tier->nurls++;
	(*total)++;
	return 0;
}

/* BEP 12: announce-list when it names any tracker, else announce. */
static int
mi_trackers(struct metainfo *mi, const struct benc_doc *d)
{
	size_t	total = 0;
	bool	newtier;
	int	al, tier, t, rv;

	al = benc_dict_get_type(d, 0, "announce-list", BENC_LIST);
	for (tier = benc_first(d, al); tier != -1;
	    tier = benc_next(d, al, tier)) {
		if (d->toks[tier].type != BENC_LIST)
			continue;
		newtier = true;
		for (t = benc_first(d, tier); t != -1;
		    t = benc_next(d, tier, t))
			if ((rv = mi_add_tracker(mi, d, t, &newtier,
			    &total)) != 0)
				return rv;
	}
	if (mi->ntiers > 0)
		return 0;
	newtier = true;
	if ((t = benc_dict_get_type(d, 0, "announce", BENC_STR)) != -1)
		return mi_add_tracker(mi, d, t, &newtier, &total);
	return 0;
}

static int
mi_add_webseed(struct metainfo *mi, const struct benc_doc *d, int t)
{
	const uint8_t	*p;
	char		**ws;
	size_t		 len;

	if (d->toks[t].type != BENC_STR || mi->nwebseeds >= MI_MAX_WEBSEEDS)
		return 0;
	p = benc_str(d, t, &len);
	if (!metainfo_url_ok(p, len))
		return 0;
	if ((ws = realloc(mi->webseeds, (mi->nwebseeds + 1) *
	    sizeof(*ws))) == NULL)
		return -MI_ENOMEM;
	mi->webseeds = ws;
	if ((ws[mi->nwebseeds] = mi_strdup(p, len)) == NULL)
		return -MI_ENOMEM;
	mi->nwebseeds++;
	return 0;
}

/* BEP 19: url-list is one URL or a list of them. */
static int
mi_webseeds(struct metainfo *mi, const struct benc_doc *d)
{
	int	ul, t, rv;

	if ((ul = benc_dict_get(d, 0, "url-list")) == -1)
		return 0;
	if (d->toks[ul].type == BENC_STR)
		return mi_add_webseed(mi, d, ul);
	if (d->toks[ul].type != BENC_LIST)
		return 0;
	for (t = benc_first(d, ul); t != -1; t = benc_next(d, ul, t))
		if ((rv = mi_add_webseed(mi, d, t)) != 0)
			return rv;
	return 0;
}

/* A positive length that leaves npieces within 32 bits. */
static int
mi_set_length(struct metainfo *mi, int64_t len)
{
	uint64_t	n;

	if (len <= 0)
		return -MI_ELENGTH;
	n = ((uint64_t)len + mi->piece_length - 1) / mi->piece_length;
	if (n > UINT32_MAX)
		return -MI_ELENGTH;
	mi->length = (uint64_t)len;
	mi->npieces = (uint32_t)n;
	return 0;
}

static int
mi_v1(struct metainfo *mi, const struct benc_doc *d, int info)
{
	const uint8_t	*p;
	size_t		 len;
	int64_t		 length;
	int		 rv;

	if (!benc_dict_int(d, info, "length", &length))
		return -MI_ELENGTH;
	if ((rv = mi_set_length(mi, length)) != 0)
		return rv;
	if (!benc_dict_str(d, info, "pieces", &p, &len) ||
	    len != (uint64_t)mi->npieces * SHA1_LEN)
		return -MI_EPIECES;
	mi->pieces = p;
	mi->has_v1 = true;
	return 0;
}

/*
 * The file tree of a single-file torrent is { name: { "": { length,
 * pieces root } } }; a name whose value holds anything but "" is a
 * directory.  Returns the file's dict token, or a negative error.
 */
static int
mi_tree_file(const struct benc_doc *d, int info, const uint8_t **name,
    size_t *namelen)
{
	int	tree, key, node, file;

	if ((tree = benc_dict_get_type(d, info, "file tree",
	    BENC_DICT)) == -1)
		return -MI_EFILETREE;
	if (d->toks[tree].count > 1)
		return -MI_EMULTIFILE;
	if ((key = benc_first(d, tree)) == -1)
		return -MI_EFILETREE;
	node = benc_next(d, tree, key);
	*name = benc_str(d, key, namelen);
	if (*namelen == 0 || d->toks[node].type != BENC_DICT)
		return -MI_EFILETREE;
	if ((file = benc_dict_get_type(d, node, "", BENC_DICT)) == -1)
		return d->toks[node].count > 0 ? -MI_EMULTIFILE :
		    -MI_EFILETREE;
	if (d->toks[node].count != 1)
		return -MI_EFILETREE;
	return file;
}

/* Find the piece layer keyed by the pieces root: binary keys, so a walk. */
static int
mi_find_layer(const struct metainfo *mi, const struct benc_doc *d)
{
	const uint8_t	*k;
	size_t		 klen;
	int		 pl, key;

	if ((pl = benc_dict_get_type(d, 0, "piece layers", BENC_DICT)) == -1)
		return -1;
	for (key = benc_first(d, pl); key != -1;
	    key = benc_next(d, pl, benc_next(d, pl, key))) {
		k = benc_str(d, key, &klen);
		if (klen == SHA256_LEN &&
		    memcmp(k, mi->pieces_root, SHA256_LEN) == 0)
			return benc_next(d, pl, key);
	}
	return -1;
}

/* The piece layer must hash up to the pieces root. */
static int
mi_check_layer(struct metainfo *mi, const struct benc_doc *d)
{
	uint8_t		 pad[SHA256_LEN], root[SHA256_LEN], *tmp;
	const uint8_t	*p;
	size_t		 len;
	int		 t;

	if (mi->length <= mi->piece_length)
		return 0;
	if ((t = mi_find_layer(mi, d)) == -1 || d->toks[t].type != BENC_STR)
		return -MI_ELAYERS;
	p = benc_str(d, t, &len);
	if (len != (uint64_t)mi->npieces * SHA256_LEN)
		return -MI_ELAYERS;
	if ((tmp = malloc(len)) == NULL)
		return -MI_ENOMEM;
	memcpy(tmp, p, len);
	merkle_pad(mi->piece_length / LAYOUT_BLOCK, pad);
	merkle_root(tmp, mi->npieces, merkle_pow2(mi->npieces), pad, root);
	free(tmp);
	if (memcmp(root, mi->pieces_root, SHA256_LEN) != 0)
		return -MI_ELAYERS;
	mi->layer = p;
	return 0;
}

static int
mi_v2(struct metainfo *mi, const struct benc_doc *d, int info,
    const uint8_t *v1name, size_t v1namelen)
{
	const uint8_t	*name, *root;
	size_t		 namelen, rootlen;
	int64_t		 length;
	uint64_t	 v1length = mi->length;
	int		 file, rv;

	if ((file = mi_tree_file(d, info, &name, &namelen)) < 0)
		return file;
	if (!benc_dict_int(d, file, "length", &length))
		return -MI_ELENGTH;
	if (mi->has_v1 && (v1length != (uint64_t)length ||
	    namelen != v1namelen || memcmp(name, v1name, namelen) != 0))
		return -MI_EHYBRID;
	if ((rv = mi_set_length(mi, length)) != 0)
		return rv;
	if (!benc_dict_str(d, file, "pieces root", &root, &rootlen) ||
	    rootlen != SHA256_LEN)
		return -MI_EROOT;
	memcpy(mi->pieces_root, root, SHA256_LEN);
	if ((rv = mi_check_layer(mi, d)) != 0)
		return rv;
	mi->has_v2 = true;
	return 0;
}

static int
mi_info(struct metainfo *mi, const struct benc_doc *d, int info)
{
	const struct benc_tok	*t = &d->toks[info];
	const uint8_t		*name;
	size_t			 namelen;
	int64_t			 pl, version;
	bool			 v2 = false;
	int			 rv;

	mi->info_off = t->start;
	mi->info_len = t->end - t->start;
	sha1(d->buf + t->start, t->end - t->start, mi->info_hash_v1);
	sha256(d->buf + t->start, t->end - t->start, mi->info_hash_v2);
	if (benc_dict_get(d, info, "files") != -1)
		return -MI_EMULTIFILE;
	if (!benc_dict_int(d, info, "piece length", &pl) ||
	    pl < MI_MIN_PIECE || pl > MI_MAX_PIECE || (pl & (pl - 1)) != 0)
		return -MI_EPIECELEN;
	mi->piece_length = (uint32_t)pl;
	if (!benc_dict_str(d, info, "name", &name, &namelen) || namelen == 0)
		return -MI_ENAME;
	if (benc_dict_get(d, info, "meta version") != -1) {
		/* BEP 52: unknown versions are incompatible by definition. */
		if (!benc_dict_int(d, info, "meta version", &version) ||
		    version != 2)
			return -MI_EVERSION;
		v2 = true;
	}
	if (benc_dict_get(d, info, "pieces") != -1 || !v2)
		if ((rv = mi_v1(mi, d, info)) != 0)
			return rv;
	if (v2 && (rv = mi_v2(mi, d, info, name, namelen)) != 0)
		return rv;
	if ((mi->name = mi_display_name(name, namelen)) == NULL)
		return -MI_ENOMEM;
	return 0;
}

int
metainfo_parse(struct metainfo *mi, const void *buf, size_t len)
{
	struct benc_doc	 d;
	int		 info, rv;

	memset(mi, 0, sizeof(*mi));
	if (len == 0 || len > MI_MAX_INPUT)
		return -MI_EBENCODE;
	if ((mi->raw = malloc(len)) == NULL)
		return -MI_ENOMEM;
	memcpy(mi->raw, buf, len);
	mi->rawlen = len;
	if ((rv = benc_parse(&d, mi->raw, len, &mi_limits, 0)) != 0) {
		metainfo_free(mi);
		return rv == -BENC_ENOMEM ? -MI_ENOMEM : -MI_EBENCODE;
	}
	if (d.toks[0].type != BENC_DICT ||
	    (info = benc_dict_get_type(&d, 0, "info", BENC_DICT)) == -1)
		rv = -MI_ENOINFO;
	else if ((rv = mi_info(mi, &d, info)) == 0 &&
	    (rv = mi_trackers(mi, &d)) == 0)
		rv = mi_webseeds(mi, &d);
	benc_free(&d);
	if (rv != 0)
		metainfo_free(mi);
	return rv;
}

void
metainfo_free(struct metainfo *mi)
{
	size_t	i, j;

	for (i = 0; i < mi->ntiers; i++) {
		for (j = 0; j < mi->tiers[i].nurls; j++)
			free(mi->tiers[i].urls[j]);
		free(mi->tiers[i].urls);
	}
	free(mi->tiers);
	for (i = 0; i < mi->nwebseeds; i++)
		free(mi->webseeds[i]);
	free(mi->webseeds);
	free(mi->name);
	free(mi->raw);
	memset(mi, 0, sizeof(*mi));
}

uint32_t
metainfo_piece_size(const struct metainfo *mi, uint32_t i)
{
	uint64_t	start = (uint64_t)i * mi->piece_length;

	if (start >= mi->length)
		return 0;
	return mi->length - start < mi->piece_length ?
	    (uint32_t)(mi->length - start) : mi->piece_length;
}

/* RFC 3986 unreserved characters travel as they are. */
static bool
mi_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL;
}

char *
metainfo_url_join(const char *base, const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 blen = strlen(base);
	char			*url, *o;

	if (blen == 0 || base[blen - 1] != '/')
		return strdup(base);
	if ((url = malloc(blen + 3 * strlen(name) + 1)) == NULL)
		return NULL;
	memcpy(url, base, blen);
	o = url + blen;
	for (; *name != '\0'; name++) {
		if (mi_unreserved((unsigned char)*name)) {
			*o++ = *name;
			continue;
		}
		*o++ = '%';
		*o++ = hex[(unsigned char)*name >> 4];
		*o++ = hex[(unsigned char)*name & 0xf];
	}
	*o = '\0';
	return url;
}

char *
metainfo_webseed_url(const struct metainfo *mi, size_t i)
{
	return metainfo_url_join(mi->webseeds[i], mi->name);
}
