/* SPDX-License-Identifier: ISC */
/*
 * gossipmsg.c - the tracker cluster's gossip packets (see gossipmsg.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/bigend.h"
#include "common/gossipmsg.h"

_Static_assert(crypto_auth_BYTES == GOSSIP_TAG_LEN, "tag length");
_Static_assert(crypto_auth_KEYBYTES == GOSSIP_KEY_LEN, "key length");
_Static_assert(crypto_kdf_KEYBYTES == GOSSIP_KEY_LEN, "kdf key length");

static const char *const verdict_names[GOSSIP_NVERDICTS] = {
	[GOSSIP_OK] = "ok",
	[GOSSIP_EMALFORMED] = "malformed",
	[GOSSIP_EFORGED] = "forged",
	[GOSSIP_ESTALE] = "stale",
	[GOSSIP_EREPLAY] = "replayed",
	[GOSSIP_EOLDRUN] = "old-run",
};

const char *
gossip_verdict_name(enum gossip_verdict v)
{
	return (unsigned)v < GOSSIP_NVERDICTS ? verdict_names[v] : "?";
}

size_t
gossip_rec_len(const struct gossip_rec *r)
{
	return (r->flags & GOSSIP_F_V6) ? GOSSIP_REC6_LEN : GOSSIP_REC4_LEN;
}

void
gossip_begin(struct gossip_builder *b, enum gossip_type type)
{
	memset(b->buf, 0, GOSSIP_HDR_LEN);
	be_put32(b->buf, GOSSIP_MAGIC);
	b->buf[4] = GOSSIP_VERSION;
	b->buf[5] = (uint8_t)type;
	b->len = GOSSIP_HDR_LEN;
	b->nrec = 0;
}

int
gossip_add(struct gossip_builder *b, const struct gossip_rec *r)
{
	size_t		 n = gossip_rec_len(r);
	uint8_t		*p;

	if (b->nrec >= GOSSIP_MAX_RECORDS ||
	    b->len + n + GOSSIP_TAG_LEN > GOSSIP_MAX_DGRAM)
		return -1;
	p = b->buf + b->len;
	memcpy(p, r->hash, 20);
	p[20] = r->flags & (GOSSIP_F_REMOVE | GOSSIP_F_SEED | GOSSIP_F_V6);
	be_put16(p + 21, r->port);
	be_put16(p + 23, r->ttl);
	memcpy(p + 25, r->addr, n - 25);
	b->len += n;
	b->nrec++;
	return 0;
}

size_t
gossip_seal(struct gossip_builder *b, const uint8_t *key, uint64_t sender,
    uint64_t time_ms, uint64_t seq)
{
	be_put16(b->buf + 6, b->nrec);
	be_put64(b->buf + 8, sender);
	be_put64(b->buf + 16, time_ms);
	be_put64(b->buf + 24, seq);
	crypto_auth(b->buf + b->len, b->buf, b->len, key);
	return b->len + GOSSIP_TAG_LEN;
}

enum gossip_verdict
gossip_open(const uint8_t *p, size_t len, const uint8_t *key,
    struct gossip_hdr *h)
{
	size_t		 off, i, body;

	if (len < GOSSIP_HDR_LEN + GOSSIP_TAG_LEN || len > GOSSIP_MAX_DGRAM)
		return GOSSIP_EMALFORMED;
	if (be_get32(p) != GOSSIP_MAGIC || p[4] != GOSSIP_VERSION)
		return GOSSIP_EMALFORMED;
	body = len - GOSSIP_TAG_LEN;
	/* The tag first: what an outsider sends is forged, whatever its shape. */
	if (key != NULL &&
	    crypto_auth_verify(p + body, p, body, key) != 0)
		return GOSSIP_EFORGED;
	h->type = p[5];
	h->nrec = be_get16(p + 6);
	h->sender = be_get64(p + 8);
	h->time_ms = be_get64(p + 16);
	h->seq = be_get64(p + 24);
	if (h->type < GOSSIP_DELTA || h->type > GOSSIP_FULL)
		return GOSSIP_EMALFORMED;
	if (h->nrec > GOSSIP_MAX_RECORDS || h->sender == 0 || h->seq == 0)
		return GOSSIP_EMALFORMED;
	if (h->type == GOSSIP_HELLO && h->nrec != 0)
		return GOSSIP_EMALFORMED;
	off = GOSSIP_HDR_LEN;
	for (i = 0; i < h->nrec; i++) {
		size_t	n;

		if (off + GOSSIP_REC4_LEN > body)
			return GOSSIP_EMALFORMED;
		if (p[off + 20] & ~(GOSSIP_F_REMOVE | GOSSIP_F_SEED |
		    GOSSIP_F_V6))
			return GOSSIP_EMALFORMED;
		n = (p[off + 20] & GOSSIP_F_V6) ? GOSSIP_REC6_LEN :
		    GOSSIP_REC4_LEN;
		if (off + n > body)
			return GOSSIP_EMALFORMED;
		off += n;
	}
	return off == body ? GOSSIP_OK : GOSSIP_EMALFORMED;
}

int
gossip_record(const uint8_t *p, size_t len, size_t i, struct gossip_rec *r)
{
	size_t		 off = GOSSIP_HDR_LEN, k, n, body;

	if (len < GOSSIP_HDR_LEN + GOSSIP_TAG_LEN)
		return -1;
	body = len - GOSSIP_TAG_LEN;
	if (i >= be_get16(p + 6))
		return -1;
	for (k = 0;; k++) {
		if (off + GOSSIP_REC4_LEN > body)
			return -1;
		n = (p[off + 20] & GOSSIP_F_V6) ? GOSSIP_REC6_LEN :
		    GOSSIP_REC4_LEN;
		if (off + n > body)
			return -1;
		if (k == i)
			break;
		off += n;
	}
	memset(r, 0, sizeof(*r));
	memcpy(r->hash, p + off, 20);
	r->flags = p[off + 20];
	r->port = be_get16(p + off + 21);
	r->ttl = be_get16(p + off + 23);
	memcpy(r->addr, p + off + 25, n - 25);
	return 0;
}

static bool
bit_get(const struct gossip_window *w, uint64_t seq)
{
	uint64_t	i = seq % GOSSIP_WINDOW;

	return (w->bits[i / 64] >> (i % 64)) & 1;
}

static void
bit_set(struct gossip_window *w, uint64_t seq, bool on)
{
	uint64_t	i = seq % GOSSIP_WINDOW;

	if (on)
		w->bits[i / 64] |= (uint64_t)1 << (i % 64);
	else
		w->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

enum gossip_verdict
gossip_accept(struct gossip_window *w, const struct gossip_hdr *h,
    uint64_t now_ms, uint64_t mono_ms, bool *newrun)
{
	uint64_t	 s;

	*newrun = false;
	/* Differences, not sums: a time near 2^64 must not wrap into range. */
	if ((h->time_ms < now_ms ? now_ms - h->time_ms : h->time_ms - now_ms) >
	    GOSSIP_SKEW_MS)
		return GOSSIP_ESTALE;
	if (h->sender != w->run) {
		/*
		 * A smaller run id is an older run, whose packets may be
		 * replayed for GOSSIP_SKEW_MS: taken only once the current
		 * run has been silent longer than that (a node restarted
		 * with its clock set back).
		 */
		if (w->run != 0 && h->sender < w->run &&
		    mono_ms - w->last_ms < 2 * (uint64_t)GOSSIP_SKEW_MS)
			return GOSSIP_EOLDRUN;
		memset(w, 0, sizeof(*w));
		w->run = h->sender;
		*newrun = true;
	} else if (h->seq + GOSSIP_WINDOW <= w->top) {
		return GOSSIP_EREPLAY;
	} else if (h->seq <= w->top && bit_get(w, h->seq)) {
		return GOSSIP_EREPLAY;
	}
	if (h->seq > w->top) {
		/* Forget the numbers that slide out of the window. */
		if (h->seq - w->top >= GOSSIP_WINDOW)
			memset(w->bits, 0, sizeof(w->bits));
		else
			for (s = w->top + 1; s < h->seq; s++)
				bit_set(w, s, false);
		w->top = h->seq;
	}
	bit_set(w, h->seq, true);
	w->last_ms = mono_ms;
	return GOSSIP_OK;
}

void
gossip_derive(const uint8_t *cluster_key, uint8_t *mac_key,
    uint8_t *connid_key)
{
	crypto_kdf_derive_from_key(mac_key, GOSSIP_KEY_LEN, 1, "aptbtgsp",
	    cluster_key);
	crypto_kdf_derive_from_key(connid_key, GOSSIP_KEY_LEN, 2, "aptbtcid",
	    cluster_key);
}

int
gossip_key_load(const char *path, uint8_t *key, char *err, size_t errlen)
{
	struct stat	 st;
	uint8_t		 buf[GOSSIP_KEY_LEN + 1];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
		    errno == EACCES ? " (it is read with the daemon's "
		    "privileges: the daemon's user must own it)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: mode %04o lets others read the "
		    "cluster key; chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			sodium_memzero(buf, sizeof(buf));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != GOSSIP_KEY_LEN) {
		snprintf(err, errlen, "%s: a cluster key is exactly %d bytes "
		    "(head -c %d /dev/urandom), not %s%zu", path,
		    GOSSIP_KEY_LEN, GOSSIP_KEY_LEN,
		    got > GOSSIP_KEY_LEN ? "more than " : "", got > GOSSIP_KEY_LEN ?
		    (size_t)GOSSIP_KEY_LEN : got);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(key, buf, GOSSIP_KEY_LEN);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}
