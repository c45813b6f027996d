/* SPDX-License-Identifier: ISC */
/*
 * utmeta.c - serving BEP 9 ut_metadata requests.
 *
 * Answers go out as soon as they are asked for; the dictionary is read
 * from the saved torrent and the last one kept, since a client asks for
 * all its pieces at once.  Each queued answer holds a reference to its
 * connection's state, so the count of unsent answers stays right even
 * when the connection closes before they drain.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/log.h"
#include "common/peerwire.h"
#include "daemon/meta/torrents.h"
#include "daemon/share/peer.h"
#include "daemon/share/utmeta.h"

struct utmeta_conn {
	unsigned	 queued;	/* answers not yet written out */
	unsigned	 served;	/* pieces sent on this connection */
	unsigned	 refs;		/* the peer's, and each queued answer's */
};

/* The dictionary last read, by the file's SHA-256. */
static struct {
	uint8_t		 sha256[SHA256_LEN];
	uint8_t		*info;
	size_t		 len;
} cached;

static const struct torrent *
torrent_for(const uint8_t key[SWARMKEY_LEN])
{
	const struct torrent	*t = torrents_by_key(key);

	/* The v2 key is SHA-256 of the same bytes: the client checks that. */
	if (t == NULL || t->info_len == 0 || t->info_len > PW_UTMETA_MAX_SIZE)
		return NULL;
	return t;
}

int64_t
utmeta_size(const uint8_t key[SWARMKEY_LEN])
{
	const struct torrent	*t = torrent_for(key);

	return t == NULL ? -1 : (int64_t)t->info_len;
}

static const uint8_t *
info_of(const struct torrent *t)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	if (cached.info != NULL &&
	    memcmp(cached.sha256, t->sha256, SHA256_LEN) == 0)
		return cached.info;
	if ((rc = torrents_info(t, &buf, &len)) != 0) {
		log_debug("ut_metadata: saved torrent unreadable: %s",
		    strerror(-rc));
		return NULL;
	}
	free(cached.info);
	memcpy(cached.sha256, t->sha256, SHA256_LEN);
	cached.info = buf;
	cached.len = len;
	return buf;
}

void
utmeta_shutdown(void)
{
	free(cached.info);
	memset(&cached, 0, sizeof(cached));
}

static void
conn_unref(struct utmeta_conn *c)
{
	if (--c->refs == 0)
		free(c);
}

void
utmeta_conn_free(struct utmeta_conn *c)
{
	if (c == NULL)
		return;
	conn_unref(c);
}

struct answer {
	struct utmeta_conn	*conn;
	struct bytebuf		 msg;
};

static void
answer_sent(void *arg)
{
	struct answer	*a = arg;

	a->conn->queued--;
	conn_unref(a->conn);
	bytebuf_free(&a->msg);
	free(a);
}

static void
reply(struct peer *p, uint8_t id, int type, uint32_t piece)
{
	struct bytebuf		b = BYTEBUF_INIT;
	struct pw_utmeta	u;

	memset(&u, 0, sizeof(u));
	u.type = type;
	u.piece = piece;
	if (pw_utmeta_put(&b, id, &u) == 0)
		peer_send(p, 0, &b, NULL, 0, NULL, NULL);
	bytebuf_free(&b);
}

/* The data message for piece; false when it is to be rejected. */
static bool
send_piece(struct peer *p, struct utmeta_conn *c, uint8_t id,
    uint32_t piece)
{
	static const struct bytebuf	 none = BYTEBUF_INIT;
	const struct torrent		*t = torrent_for(peer_key(p));
	const uint8_t			*info;
	struct pw_utmeta		 u;
	struct answer			*a;
	uint32_t			 npieces;

	if (t == NULL)
		return false;	/* zero-metadata: no dictionary to give */
	npieces = (t->info_len + PW_UTMETA_PIECE - 1) / PW_UTMETA_PIECE;
	if (piece >= npieces || c->queued >= UTMETA_QUEUED ||
	    c->served >= UTMETA_PASSES * npieces)
		return false;
	/* A read that fails counts too: a peer cannot make us retry it. */
	c->served++;
	if ((info = info_of(t)) == NULL)
		return false;
	memset(&u, 0, sizeof(u));
	u.type = PW_UTMETA_DATA;
	u.piece = piece;
	u.total_size = t->info_len;
	u.data = info + (size_t)piece * PW_UTMETA_PIECE;
	u.len = t->info_len - (size_t)piece * PW_UTMETA_PIECE;
	if (u.len > PW_UTMETA_PIECE)
		u.len = PW_UTMETA_PIECE;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return false;
	if (pw_utmeta_put(&a->msg, id, &u) != 0) {
		bytebuf_free(&a->msg);
		free(a);
		return false;
	}
	a->conn = c;
	c->refs++;
	c->queued++;
	peer_send(p, 0, &none, a->msg.data, a->msg.len, answer_sent, a);
	return true;
}

void
utmeta_handle(struct peer *p, struct utmeta_conn **cp, uint8_t their_id,
    const uint8_t *payload, size_t len)
{
	struct pw_utmeta	 u;
	struct utmeta_conn	*c = *cp;
	int			 rc;

	if ((rc = pw_utmeta_parse(payload, len, &u)) == -ENOTSUP)
		return;
	if (rc != 0) {
		peer_penalise(p, 20, "malformed ut_metadata");
		return;
	}
	/* We ask for nothing, so data and rejects are not ours to take. */
	if (u.type != PW_UTMETA_REQUEST || their_id == 0)
		return;
	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return;
		c->refs = 1;
		*cp = c;
	}
	if (!send_piece(p, c, their_id, u.piece)) {
		log_debug("peer %s: ut_metadata piece %u rejected",
		    peer_name(p), u.piece);
		reply(p, their_id, PW_UTMETA_REJECT, u.piece);
	}
}
