/* SPDX-License-Identifier: ISC */
/*
 * trkstats.c - the embedded tracker's report, handed to the front ends
 * (see trkstats.h).
 */
#include <string.h>

#include "daemon/base/trkstats.h"

static trkstats_fill	*source;

void
trkstats_set_source(trkstats_fill *fn)
{
	source = fn;
}

bool
trkstats_get(struct trkstats *st)
{
	memset(st, 0, sizeof(*st));
	if (source == NULL)
		return false;
	source(st);
	return true;
}
