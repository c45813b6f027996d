/* SPDX-License-Identifier: ISC */
/*
 * fuzz_aptmsg.c - fuzz target for the apt method message reader.
 *
 * The input is what apt might write to the method's stdin.  It is fed to
 * the reader in chunks whose sizes come from the input itself, so message
 * boundaries land everywhere; each accepted message is written back with
 * the encoder and must parse again to the same code, text and fields.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/method/aptmsg.h"
#include "common/bytebuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
roundtrip(const struct aptmsg *m)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct aptmsg	 m2;
	size_t		 i;
	int		 r;

	aptmsg_begin(&b, m->code, m->text);
	for (i = 0; i < m->nfields; i++)
		aptmsg_add(&b, m->fields[i].name, m->fields[i].value);
	aptmsg_end(&b);
	if (bytebuf_failed(&b)) {
		bytebuf_free(&b);
		return;
	}
	/* Parse without the final empty line, as the reader hands it over. */
	r = aptmsg_parse(&m2, (const char *)b.data, b.len - 1);
	CHECK(r == 0 || r == -ENOMEM);
	if (r == 0) {
		CHECK(m2.code == m->code);
		CHECK(strcmp(m2.text, m->text) == 0);
		CHECK(m2.nfields == m->nfields);
		for (i = 0; i < m->nfields; i++) {
			CHECK(strcmp(m2.fields[i].name, m->fields[i].name) == 0);
			CHECK(strcmp(m2.fields[i].value,
			    m->fields[i].value) == 0);
		}
		CHECK(aptmsg_get(&m2, "URI") == NULL ||
		    aptmsg_get(m, "URI") != NULL);
		aptmsg_free(&m2);
	}
	bytebuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aptmsg_reader	 rd;
	struct aptmsg		 m;
	size_t			 off = 0, step;
	int			 r;
	char			*s;

	/* The first byte picks the chunk size: 1..256 bytes at a time. */
	step = len > 0 ? (size_t)data[0] + 1 : 1;
	aptmsg_reader_init(&rd);
	while (off < len) {
		size_t	 n = len - off < step ? len - off : step;

		if (aptmsg_reader_feed(&rd, data + off, n) < 0)
			break;
		off += n;
		while ((r = aptmsg_reader_next(&rd, &m)) != 0) {
			CHECK(r == 1 || r == -EBADMSG || r == -EMSGSIZE ||
			    r == -ENOMEM);
			if (r != 1)
				continue;
			CHECK(m.code >= 100 && m.code <= 999);
			roundtrip(&m);
			(void)aptmsg_get_bool(&m, "Pipeline", 0);
			aptmsg_free(&m);
		}
	}
	aptmsg_reader_free(&rd);

	/* The same bytes as a Config-Item value to unescape. */
	if ((s = malloc(len + 1)) != NULL) {
		memcpy(s, data, len);
		s[len] = '\0';
		CHECK(aptmsg_unescape(s) <= len);
		free(s);
	}
	return 0;
}
