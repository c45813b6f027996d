/* SPDX-License-Identifier: ISC */
/*
 * fuzz_manifest.c - fuzz target for the per-suite manifest parser.
 *
 * Beyond "does not crash": an accepted manifest has whole records inside
 * the parsed copy, strictly sorted, each found again by lookup; its
 * torrent location and trackers resolve against a manifest URL; and
 * writing it out again gives a manifest that parses to the same entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/manifest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MURL		"http://mirror.example/debian/dists/stable/aptbt/manifest"

static void
check_urls(const struct manifest *m, const uint8_t *sha)
{
	size_t	 i;
	char	*u;

	u = manifest_torrent_url(m, MURL, sha);
	CHECK(u != NULL);
	free(u);
	for (i = 0; i < m->ntrackers; i++) {
		u = manifest_tracker_url(m, MURL, i);
		CHECK(u != NULL && strncmp(u, "//", 2) != 0);
		free(u);
	}
}

static void
check_reencode(const struct manifest *m, const struct manifest_entry *e)
{
	struct manifest_build	 b;
	struct manifest		 again;
	struct manifest_entry	 x;
	struct bytebuf		 out = BYTEBUF_INIT;
	size_t			 i;

	memset(&b, 0, sizeof(b));
	b.form = m->form;
	b.torrents = m->torrents;
	b.trackers = (const char *const *)m->trackers;
	b.ntrackers = m->ntrackers;
	b.entries = e;
	b.nentries = m->nentries;
	CHECK(manifest_encode(&b, &out) == 0);
	CHECK(manifest_parse(&again, out.data, out.len) == 0);
	CHECK(again.nentries == m->nentries && again.form == m->form);
	for (i = 0; i < again.nentries; i++) {
		manifest_entry(&again, i, &x);
		CHECK(memcmp(&x, &e[i], sizeof(x)) == 0);
	}
	manifest_free(&again);
	bytebuf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest		 m;
	struct manifest_entry	*e, got;
	size_t			 i;
	int			 rv;

	rv = manifest_parse(&m, data, size);
	CHECK(rv <= 0 && rv > -MANIFEST_NERRORS);
	CHECK(manifest_strerror(rv) != NULL);
	if (rv != 0) {
		CHECK(m.raw == NULL && m.torrents == NULL && m.trackers == NULL);
		return 0;
	}
	CHECK(m.rawlen == size && memcmp(m.raw, data, size) == 0);
	CHECK(m.entries >= m.raw && m.nentries * m.reclen <=
	    m.rawlen - (size_t)(m.entries - m.raw));
	CHECK(m.reclen >= (m.form == MI_FORM_HYBRID ? MANIFEST_REC_HYBRID :
	    MANIFEST_REC_V1));
	CHECK(manifest_torrents_ok(m.torrents));
	e = calloc(m.nentries + 1, sizeof(*e));
	CHECK(e != NULL);
	for (i = 0; i < m.nentries; i++) {
		manifest_entry(&m, i, &e[i]);
		CHECK(e[i].size > 0);
		CHECK(i == 0 || memcmp(e[i - 1].sha256, e[i].sha256,
		    SHA256_LEN) < 0);
		CHECK(manifest_lookup(&m, e[i].sha256, &got));
		CHECK(memcmp(&got, &e[i], sizeof(got)) == 0);
		if (i < 4)
			check_urls(&m, e[i].sha256);
	}
	check_reencode(&m, e);
	free(e);
	manifest_free(&m);
	return 0;
}
