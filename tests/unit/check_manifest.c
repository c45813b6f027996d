/* SPDX-License-Identifier: ISC */
/*
 * check_manifest.c - unit tests for common/manifest.c: encode/parse round
 * trips, lookups, the rejection of non-canonical or inconsistent
 * manifests, and the URL rules (torrent locations, tracker patterns,
 * RFC 3986 reference resolution).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "common/hash.h"
#include "common/manifest.h"

#define TORRENTS	"../../../aptbt/torrents/"
#define MURL		"http://m.example:8080/debian/dists/stable/aptbt/manifest"

static void
make_entry(struct manifest_entry *e, unsigned i)
{
	uint8_t	seed[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16),
	    (uint8_t)(i >> 8), (uint8_t)i };

	memset(e, 0, sizeof(*e));
	sha256(seed, sizeof(seed), e->sha256);
	e->size = 1000 + i;
	sha1(e->sha256, SHA256_LEN, e->info_hash_v1);
	sha256(e->info_hash_v1, SHA1_LEN, e->info_hash_v2);
	e->has_v2 = true;
}

static void
encode(enum mi_form form, const struct manifest_entry *e, size_t n,
    const char *const *trackers, size_t ntrackers, struct bytebuf *out)
{
	struct manifest_build	b;

	memset(&b, 0, sizeof(b));
	b.form = form;
	b.torrents = TORRENTS;
	b.trackers = trackers;
	b.ntrackers = ntrackers;
	b.entries = e;
	b.nentries = n;
	ck_assert_int_eq(manifest_encode(&b, out), 0);
}

static void
round_trip(enum mi_form form)
{
	static const char *const trackers[] = {
		"/announce", "udp://tracker.example:6969/announce"
	};
	struct manifest_entry	e[300], got;
	struct manifest		m;
	struct bytebuf		out = BYTEBUF_INIT;
	uint8_t			absent[SHA256_LEN];
	size_t			i;

	for (i = 0; i < 300; i++)
		make_entry(&e[i], (unsigned)i);
	encode(form, e, 300, trackers, 2, &out);
	ck_assert_int_eq(manifest_parse(&m, out.data, out.len), 0);
	ck_assert_uint_eq(m.nentries, 300);
	ck_assert_int_eq(m.form, form);
	ck_assert_uint_eq(m.reclen, form == MI_FORM_V1 ? MANIFEST_REC_V1 :
	    MANIFEST_REC_HYBRID);
	ck_assert_str_eq(m.torrents, TORRENTS);
	ck_assert_uint_eq(m.ntrackers, 2);
	ck_assert_str_eq(m.trackers[0], "/announce");
	for (i = 0; i < 300; i++) {
		ck_assert(manifest_lookup(&m, e[i].sha256, &got));
		ck_assert_mem_eq(got.sha256, e[i].sha256, SHA256_LEN);
		ck_assert_uint_eq(got.size, e[i].size);
		ck_assert_mem_eq(got.info_hash_v1, e[i].info_hash_v1,
		    SHA1_LEN);
		ck_assert(got.has_v2 == (form == MI_FORM_HYBRID));
		if (got.has_v2)
			ck_assert_mem_eq(got.info_hash_v2, e[i].info_hash_v2,
			    SHA256_LEN);
	}
	memset(absent, 0xff, sizeof(absent));
	ck_assert(!manifest_lookup(&m, absent, &got));
	memset(absent, 0, sizeof(absent));
	ck_assert(!manifest_lookup(&m, absent, &got));
	manifest_free(&m);
	bytebuf_free(&out);
}

START_TEST(test_round_trip)
{
	round_trip(MI_FORM_V1);
	round_trip(MI_FORM_HYBRID);
}
END_TEST

START_TEST(test_deterministic)
{
	struct manifest_entry	e[3], r[3];
	struct bytebuf		a = BYTEBUF_INIT, b = BYTEBUF_INIT;

	make_entry(&e[0], 1);
	make_entry(&e[1], 2);
	make_entry(&e[2], 3);
	r[0] = e[2];
	r[1] = e[0];
	r[2] = e[1];
	encode(MI_FORM_V1, e, 3, NULL, 0, &a);
	encode(MI_FORM_V1, r, 3, NULL, 0, &b);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_mem_eq(a.data, b.data, a.len);
	/* An empty suite is a valid manifest. */
	bytebuf_reset(&b);
	encode(MI_FORM_V1, NULL, 0, NULL, 0, &b);
	bytebuf_free(&a);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_encode_errors)
{
	struct manifest_entry	e[2];
	struct manifest_build	b;
	struct manifest		m;
	struct bytebuf		out = BYTEBUF_INIT;
	static const char *const bad_tracker[] = { "ftp://x/announce" };

	make_entry(&e[0], 7);
	e[1] = e[0];
	memset(&b, 0, sizeof(b));
	b.form = MI_FORM_HYBRID;
	b.torrents = TORRENTS;
	b.entries = e;
	b.nentries = 2;
	/* The same file twice is one entry. */
	ck_assert_int_eq(manifest_encode(&b, &out), 0);
	ck_assert_int_eq(manifest_parse(&m, out.data, out.len), 0);
	ck_assert_uint_eq(m.nentries, 1);
	manifest_free(&m);
	/* Two different answers for one SHA-256 are not. */
	e[1].size++;
	ck_assert_int_eq(manifest_encode(&b, &out), -EINVAL);
	e[1].size = 0;
	e[0].size = 0;
	ck_assert_int_eq(manifest_encode(&b, &out), -EINVAL);
	make_entry(&e[0], 7);
	b.nentries = 1;
	e[0].has_v2 = false;
	ck_assert_int_eq(manifest_encode(&b, &out), -EINVAL);
	b.form = MI_FORM_V1;
	ck_assert_int_eq(manifest_encode(&b, &out) , 0);
	b.torrents = "no-slash";
	ck_assert_int_eq(manifest_encode(&b, &out), -EINVAL);
	b.torrents = TORRENTS;
	b.trackers = bad_tracker;
	b.ntrackers = 1;
	ck_assert_int_eq(manifest_encode(&b, &out), -EINVAL);
	bytebuf_free(&out);
}
END_TEST

/* A manifest written by hand: version, form, record, entries as given. */
static int
parse_raw(int64_t version, const char *form, int64_t record,
    const uint8_t *ent, size_t entlen, const char *torrents)
{
	struct bytebuf	out = BYTEBUF_INIT;
	struct manifest	m;
	int		rv;

	benc_put_dict(&out);
	benc_put_kv_bytes(&out, "entries", ent, entlen);
	benc_put_kv_str(&out, "form", form);
	benc_put_kv_int(&out, "record", record);
	benc_put_kv_str(&out, "torrents", torrents);
	benc_put_kv_int(&out, "version", version);
	benc_put_end(&out);
	rv = manifest_parse(&m, out.data, out.len);
	if (rv == 0)
		manifest_free(&m);
	bytebuf_free(&out);
	return rv;
}

START_TEST(test_parse_errors)
{
	uint8_t		rec[2 * 64];
	struct manifest	m;
	const char	*unsorted = "d7:version" "i1e" "4:form2:v1e";

	memset(rec, 0, sizeof(rec));
	rec[39] = 1;			/* size 1 */
	memcpy(rec + 64, rec, 64);
	rec[64] = 1;			/* a larger SHA-256 */
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 128, TORRENTS), 0);
	ck_assert_int_eq(parse_raw(2, "v1", 64, rec, 128, TORRENTS),
	    -MANIFEST_EVERSION);
	ck_assert_int_eq(parse_raw(1, "v3", 64, rec, 128, TORRENTS),
	    -MANIFEST_EFORM);
	ck_assert_int_eq(parse_raw(1, "hybrid", 64, rec, 128, TORRENTS),
	    -MANIFEST_EFORM);
	ck_assert_int_eq(parse_raw(1, "v1", 59, rec, 118, TORRENTS),
	    -MANIFEST_EFORM);
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 127, TORRENTS),
	    -MANIFEST_EENTRIES);
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 128, "x"),
	    -MANIFEST_ETORRENTS);
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 128, "gopher://x/"),
	    -MANIFEST_ETORRENTS);
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 128, "a b/"),
	    -MANIFEST_ETORRENTS);
	rec[64] = 0;			/* a duplicate */
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 128, TORRENTS),
	    -MANIFEST_EORDER);
	rec[64] = 1;
	rec[103] = 0;			/* size 0 */
	ck_assert_int_eq(parse_raw(1, "v1", 64, rec, 128, TORRENTS),
	    -MANIFEST_ESIZE);
	ck_assert_int_eq(manifest_parse(&m, unsorted, strlen(unsorted)),
	    -MANIFEST_EBENCODE);
	ck_assert_int_eq(manifest_parse(&m, "le", 2), -MANIFEST_EBENCODE);
	ck_assert_int_eq(manifest_parse(&m, "", 0), -MANIFEST_EBENCODE);
	ck_assert_str_ne(manifest_strerror(-MANIFEST_EORDER), "unknown error");
	ck_assert_str_eq(manifest_strerror(-99), "unknown error");
}
END_TEST

START_TEST(test_resolve)
{
	static const struct {
		const char	*ref;
		const char	*want;
	} t[] = {
		/* RFC 3986 section 5.4 */
		{ "g", "http://a/b/c/g" },
		{ "./g", "http://a/b/c/g" },
		{ "g/", "http://a/b/c/g/" },
		{ "/g", "http://a/g" },
		{ "//g", "http://g" },
		{ "g?y", "http://a/b/c/g?y" },
		{ ".", "http://a/b/c/" },
		{ "./", "http://a/b/c/" },
		{ "..", "http://a/b/" },
		{ "../", "http://a/b/" },
		{ "../g", "http://a/b/g" },
		{ "../..", "http://a/" },
		{ "../../g", "http://a/g" },
		{ "../../../g", "http://a/g" },
		{ "/./g", "http://a/g" },
		{ "/../g", "http://a/g" },
		{ "g.", "http://a/b/c/g." },
		{ "..g", "http://a/b/c/..g" },
		{ "./../g", "http://a/b/g" },
		{ "g/../h", "http://a/b/c/h" },
		{ "https://x/y", "https://x/y" },
	};
	size_t	 i;
	char	*u;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u = manifest_url_resolve("http://a/b/c/d;p?q", t[i].ref);
		ck_assert_ptr_nonnull(u);
		ck_assert_msg(strcmp(u, t[i].want) == 0, "%s -> %s, not %s",
		    t[i].ref, u, t[i].want);
		free(u);
	}
	ck_assert_ptr_null(manifest_url_resolve("relative/x", "g"));
	u = manifest_url_resolve("http://a", "g");
	ck_assert_str_eq(u, "http://a/g");
	free(u);
}
END_TEST

START_TEST(test_urls)
{
	struct manifest_entry	 e;
	struct manifest		 m;
	struct bytebuf		 out = BYTEBUF_INIT;
	static const char *const trackers[] = {
		"/announce", "udp://:6969/announce",
		"http://t.example/announce", "udp:///announce",
	};
	char			 name[MANIFEST_TORRENT_NAME_LEN + 1];
	char			 hex[2 * SHA256_LEN + 1], want[256], *u;

	u = manifest_url_of_base("http://m/debian/dists/stable/");
	ck_assert_str_eq(u, "http://m/debian/dists/stable/aptbt/manifest");
	free(u);
	u = manifest_url_of_base("http://m/debian/dists/stable");
	ck_assert_str_eq(u, "http://m/debian/dists/stable/aptbt/manifest");
	free(u);

	make_entry(&e, 42);
	encode(MI_FORM_V1, &e, 1, trackers, 4, &out);
	ck_assert_int_eq(manifest_parse(&m, out.data, out.len), 0);
	hex_encode(e.sha256, SHA256_LEN, hex);
	manifest_torrent_name(e.sha256, name);
	snprintf(want, sizeof(want), "%.2s/%s.torrent", hex, hex);
	ck_assert_str_eq(name, want);
	u = manifest_torrent_url(&m, MURL, e.sha256);
	snprintf(want, sizeof(want),
	    "http://m.example:8080/debian/aptbt/torrents/%.2s/%s.torrent",
	    hex, hex);
	ck_assert_str_eq(u, want);
	free(u);

	u = manifest_tracker_url(&m, MURL, 0);
	ck_assert_str_eq(u, "http://m.example:8080/announce");
	free(u);
	u = manifest_tracker_url(&m, MURL, 1);
	ck_assert_str_eq(u, "udp://m.example:6969/announce");
	free(u);
	u = manifest_tracker_url(&m, MURL, 2);
	ck_assert_str_eq(u, "http://t.example/announce");
	free(u);
	u = manifest_tracker_url(&m, "http://user@[::1]:80/d/aptbt/manifest",
	    3);
	ck_assert_str_eq(u, "udp://[::1]/announce");
	free(u);
	manifest_free(&m);
	bytebuf_free(&out);

	ck_assert(manifest_torrents_ok("../../../aptbt/torrents/"));
	ck_assert(manifest_torrents_ok("/debian/aptbt/torrents/"));
	ck_assert(manifest_torrents_ok("https://t.example/torrents/"));
	ck_assert(!manifest_torrents_ok("//t.example/torrents/"));
	ck_assert(!manifest_torrents_ok("javascript:x/"));
	ck_assert(!manifest_torrents_ok("t/?q/"));
	ck_assert(manifest_tracker_ok("udp://:6969/announce"));
	ck_assert(manifest_tracker_ok("/announce"));
	ck_assert(!manifest_tracker_ok("//x/announce"));
	ck_assert(!manifest_tracker_ok("udp://x"));
	ck_assert(!manifest_tracker_ok("udp://u@x/a"));
	ck_assert(!manifest_tracker_ok("announce"));
}
END_TEST

static Suite *
manifest_suite(void)
{
	Suite	*s = suite_create("manifest");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_encode_errors);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_urls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(manifest_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
