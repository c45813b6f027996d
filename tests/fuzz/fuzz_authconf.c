/* SPDX-License-Identifier: ISC */
/*
 * fuzz_authconf.c - fuzz target for the auth.conf reader of aptbt-ctl
 * import (client/ctl/authconf.c): every machine it returns is one token
 * without blanks, at most AUTHCONF_TOKEN_MAX bytes (a NUL in the file ends
 * a name early, which can only make more sources private).
 */
#define _POSIX_C_SOURCE 200809L	/* fmemopen */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/ctl/authconf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authconf_machines	 m = { { NULL }, 0 };
	FILE				*f;
	size_t				 i, len;

	if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	(void)authconf_read(f, &m);
	fclose(f);
	CHECK(m.n <= AUTHCONF_MAX_MACHINES);
	for (i = 0; i < m.n; i++) {
		CHECK(m.name[i] != NULL);
		len = strlen(m.name[i]);
		CHECK(len <= AUTHCONF_TOKEN_MAX);
		CHECK(strpbrk(m.name[i], " \t\r\n") == NULL);
	}
	authconf_free(&m);
	CHECK(m.n == 0);
	return 0;
}
