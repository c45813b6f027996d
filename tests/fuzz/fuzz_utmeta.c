/* SPDX-License-Identifier: ISC */
/*
 * fuzz_utmeta.c - fuzz target for BEP 9 ut_metadata messages.
 *
 * The input is the payload after the extension id, copied into its own
 * allocation so a read past it is caught.  An accepted message must lie
 * within the input, and build back into a message that parses to the
 * same fields.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/peerwire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_utmeta	 u, r;
	struct bytebuf		 b = BYTEBUF_INIT;
	struct pw_msg		 m;
	uint8_t			*copy;
	int			 rc;

	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	rc = pw_utmeta_parse(copy, size, &u);
	CHECK(rc == 0 || rc == -ENOTSUP || rc == -EBADMSG);
	if (rc == 0) {
		CHECK(u.piece < PW_UTMETA_MAX_PIECES);
		CHECK(u.type >= PW_UTMETA_REQUEST && u.type <= PW_UTMETA_REJECT);
		if (u.type == PW_UTMETA_DATA) {
			CHECK(u.data >= copy && u.data + u.len == copy + size);
			CHECK(u.len <= PW_UTMETA_PIECE);
			CHECK(u.total_size > 0 &&
			    u.total_size <= PW_UTMETA_MAX_SIZE);
		} else
			CHECK(u.len == 0 && u.total_size == -1);
		CHECK(pw_utmeta_put(&b, 7, &u) == 0);
		CHECK(pw_msg_next(b.data, b.len, &m) == (ssize_t)b.len);
		CHECK(m.id == PW_EXTENDED && m.ext_id == 7);
		CHECK(pw_utmeta_parse(m.payload + 1, m.len - 1, &r) == 0);
		CHECK(r.type == u.type && r.piece == u.piece &&
		    r.total_size == u.total_size && r.len == u.len);
		CHECK(u.len == 0 || memcmp(r.data, u.data, u.len) == 0);
		bytebuf_free(&b);
	}
	free(copy);
	return 0;
}
