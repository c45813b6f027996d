/* SPDX-License-Identifier: ISC */
/*
 * site.c - rendezvous ranking of the site's daemons for one file (site.h).
 */
#include "config.h"

#include <string.h>

#include "daemon/share/site.h"

uint64_t
site_score(const uint8_t id[SITE_ID_LEN], const uint8_t sha[SHA256_LEN])
{
	uint8_t		buf[SITE_ID_LEN + SHA256_LEN], h[SHA256_LEN];
	uint64_t	v = 0;
	int		i;

	memcpy(buf, id, SITE_ID_LEN);
	memcpy(buf + SITE_ID_LEN, sha, SHA256_LEN);
	sha256(buf, sizeof(buf), h);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return v;
}

bool
site_outranks(const uint8_t other[SITE_ID_LEN],
    const uint8_t self[SITE_ID_LEN], const uint8_t sha[SHA256_LEN])
{
	uint64_t	a = site_score(other, sha), b = site_score(self, sha);

	/* Equal scores (a 2^-64 chance): the lower id yields, both agree. */
	return a > b || (a == b && memcmp(other, self, SITE_ID_LEN) > 0);
}
