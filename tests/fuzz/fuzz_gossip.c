/* SPDX-License-Identifier: ISC */
/*
 * fuzz_gossip.c - fuzz target for the tracker cluster's gossip packets.
 *
 * The input is one datagram.  The fuzzer cannot forge a tag, so the
 * shape is read without one (a NULL key) and then with a key, where it
 * must be refused as forged unless it was sealed with it.  Whatever is
 * accepted must give exactly its records, each sane, must seal again
 * into a packet that opens to the same header, and must go through the
 * replay window twice: accepted or refused first, then refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gossipmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static const uint8_t key[GOSSIP_KEY_LEN] = "fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-fu";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct gossip_builder	b;
	static struct gossip_window	w;
	struct gossip_hdr		h, h2;
	struct gossip_rec		r, r2;
	enum gossip_verdict		v;
	size_t				i, n;
	bool				nr;

	v = gossip_open(data, len, NULL, &h);
	if (v != GOSSIP_OK) {
		CHECK(v == GOSSIP_EMALFORMED);
		return 0;
	}
	CHECK(h.nrec <= GOSSIP_MAX_RECORDS);
	CHECK(len <= GOSSIP_MAX_DGRAM);
	/* Only a sealed packet passes with the key. */
	v = gossip_open(data, len, key, &h2);
	CHECK(v == GOSSIP_OK || v == GOSSIP_EFORGED);

	gossip_begin(&b, (enum gossip_type)h.type);
	for (i = 0; i < h.nrec; i++) {
		CHECK(gossip_record(data, len, i, &r) == 0);
		CHECK((r.flags & ~(GOSSIP_F_REMOVE | GOSSIP_F_SEED |
		    GOSSIP_F_V6)) == 0);
		CHECK(gossip_add(&b, &r) == 0);
	}
	CHECK(gossip_record(data, len, h.nrec, &r) == -1);
	n = gossip_seal(&b, key, h.sender, h.time_ms, h.seq);
	CHECK(n == len);
	CHECK(gossip_open(b.buf, n, key, &h2) == GOSSIP_OK);
	CHECK(h2.type == h.type && h2.nrec == h.nrec &&
	    h2.sender == h.sender && h2.time_ms == h.time_ms &&
	    h2.seq == h.seq);
	for (i = 0; i < h.nrec; i++) {
		CHECK(gossip_record(data, len, i, &r) == 0);
		CHECK(gossip_record(b.buf, n, i, &r2) == 0);
		CHECK(memcmp(&r, &r2, sizeof(r)) == 0);
	}

	memset(&w, 0, sizeof(w));
	v = gossip_accept(&w, &h, h.time_ms, 1, &nr);
	CHECK(v == GOSSIP_OK);
	CHECK(nr);
	CHECK(gossip_accept(&w, &h, h.time_ms, 2, &nr) == GOSSIP_EREPLAY);
	return 0;
}
