/* SPDX-License-Identifier: ISC */
/*
 * peerwire.h - the BitTorrent peer wire codec (BEP 3, 6, 9, 10, 11).
 *
 * Pure functions over byte buffers: the daemon's connections, the
 * multiplexing extension (common/peerext.h) and the fuzzers share them,
 * and none of them does I/O.  Every decoder treats its input as hostile:
 * lengths are checked exactly, sizes are bounded, and a bad message is an
 * error value, never a crash.  Builders append to a bytebuf, whose
 * allocation failure is sticky (check bytebuf_failed() once at the end).
 */
#ifndef APTBT_PEERWIRE_H
#define APTBT_PEERWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/bytebuf.h"

/*
 * Handshake: pstrlen 19, "BitTorrent protocol", 8 reserved bytes, the
 * 20-byte info-hash, the 20-byte peer id.
 */
#define PW_PROTOCOL		"\x13" "BitTorrent protocol"
#define PW_PROTOCOL_LEN		20
#define PW_HANDSHAKE_LEN	68
#define PW_HASH_LEN		20
#define PW_PEER_ID_LEN		20

/* Reserved bits we set and look at: byte index and mask. */
#define PW_RES_EXTENDED_BYTE	5	/* BEP 10 */
#define PW_RES_EXTENDED_MASK	0x10
#define PW_RES_FAST_BYTE	7	/* BEP 6 */
#define PW_RES_FAST_MASK	0x04

/*
 * Our peer id is Azureus style: "-AP" (aptbt; the code is in no client
 * list we know of), four version digits, '-', then 12 random bytes.
 */
#define PW_PEER_ID_PREFIX	"-AP0100-"
#define PW_PEER_ID_PREFIX_LEN	8
#define PW_PEER_ID_RANDOM	12

struct pw_handshake {
	uint8_t	reserved[8];
	uint8_t	info_hash[PW_HASH_LEN];
	uint8_t	peer_id[PW_PEER_ID_LEN];
};

/* Our peer id from 12 random bytes the caller draws. */
void	pw_peer_id_make(uint8_t out[PW_PEER_ID_LEN],
	    const uint8_t rnd[PW_PEER_ID_RANDOM]);
/* Fill a handshake with the BEP 10 and BEP 6 bits set. */
void	pw_handshake_init(struct pw_handshake *, const uint8_t *info_hash,
	    const uint8_t *peer_id);
void	pw_handshake_put(struct bytebuf *, const struct pw_handshake *);
/*
 * Returns PW_HANDSHAKE_LEN when a whole handshake was read, 0 when more
 * bytes are needed, -EPROTO as soon as the bytes present cannot start a
 * handshake (so a stranger is dropped without waiting for 68 bytes).
 */
ssize_t	pw_handshake_parse(const uint8_t *, size_t len, struct pw_handshake *);
bool	pw_handshake_extended(const struct pw_handshake *);
bool	pw_handshake_fast(const struct pw_handshake *);

/*
 * Messages: a 4-byte big-endian length, then (unless the length is 0, a
 * keep-alive) a one-byte id and the payload.
 */
#define PW_LEN_PREFIX		4
#define PW_MAX_MSG_LEN		(1024 * 1024 + 13)	/* id + payload */

enum pw_msg_id {
	PW_CHOKE = 0,
	PW_UNCHOKE = 1,
	PW_INTERESTED = 2,
	PW_NOT_INTERESTED = 3,
	PW_HAVE = 4,
	PW_BITFIELD = 5,
	PW_REQUEST = 6,
	PW_PIECE = 7,
	PW_CANCEL = 8,
	PW_PORT = 9,		/* BEP 5; parsed, then ignored */
	PW_SUGGEST = 13,	/* BEP 6 */
	PW_HAVE_ALL = 14,
	PW_HAVE_NONE = 15,
	PW_REJECT = 16,
	PW_ALLOWED_FAST = 17,
	PW_EXTENDED = 20,	/* BEP 10 */
};

/* The id given to a keep-alive, which has none on the wire. */
#define PW_KEEPALIVE		(-1)

struct pw_msg {
	int		 id;		/* enum pw_msg_id, another byte, or PW_KEEPALIVE */
	const uint8_t	*payload;	/* after the id; points into the input */
	size_t		 len;
	/* Fields of the fixed-size messages, decoded by pw_msg_next. */
	uint32_t	 index;		/* have, suggest, allowed fast; request family, piece */
	uint32_t	 begin;		/* request, cancel, reject, piece */
	uint32_t	 length;	/* request, cancel, reject */
	uint16_t	 port;		/* port */
	uint8_t		 ext_id;	/* extended */
};

/*
 * Cut the next message from buffered input.  Returns the bytes it takes
 * (length prefix included) with *m describing it, 0 when more bytes are
 * needed, -EMSGSIZE when the announced length is over PW_MAX_MSG_LEN, or
 * -EBADMSG when a known message has the wrong payload length (a request
 * must be 12 bytes, a choke 0, an extended message at least 1).  Ids we
 * do not know are passed through with their payload, for the caller to
 * ignore.  The bitfield's length needs the piece count: bitfield_check
 * (common/bitfield.h).
 */
ssize_t	pw_msg_next(const uint8_t *, size_t len, struct pw_msg *m);
/* A name for logs ("request", "have all", "id 42"); buf holds 16 bytes. */
const char *pw_msg_name(int id, char buf[16]);

/*
 * Builders.  pw_msg_begin/pw_msg_end frame anything (the caller appends
 * the payload between them); pw_msg_end returns -EMSGSIZE past
 * PW_MAX_MSG_LEN, -ENOMEM after an allocation failure, else 0.
 */
size_t	pw_msg_begin(struct bytebuf *, uint8_t id);
int	pw_msg_end(struct bytebuf *, size_t mark);
void	pw_put_keepalive(struct bytebuf *);
/* choke, unchoke, interested, not interested, have all, have none. */
void	pw_put_simple(struct bytebuf *, uint8_t id);
/* have, suggest, allowed fast. */
void	pw_put_index(struct bytebuf *, uint8_t id, uint32_t index);
/* request, cancel, reject. */
void	pw_put_block(struct bytebuf *, uint8_t id, uint32_t index,
	    uint32_t begin, uint32_t length);
/* bits holds bitfield_len(npieces) bytes; spare bits are cleared. */
int	pw_put_bitfield(struct bytebuf *, const uint8_t *bits,
	    uint32_t npieces);
/* A piece header for a block of len bytes the caller sends next. */
void	pw_put_piece_header(struct bytebuf *, uint32_t index, uint32_t begin,
	    uint32_t len);
int	pw_put_piece(struct bytebuf *, uint32_t index, uint32_t begin,
	    const void *data, size_t len);
void	pw_put_port(struct bytebuf *, uint16_t port);
/* An extended message with a ready payload (bencoded dict, raw data). */
int	pw_put_extended(struct bytebuf *, uint8_t ext_id, const void *,
	    size_t len);

/*
 * BEP 10.  An extended payload is a bencoded dictionary, possibly
 * followed by raw bytes (ut_metadata's piece data, aptbt_mux frames).
 * pw_benc_span finds where the leading value ends without building
 * tokens: returns its length, or -EBADMSG when it is malformed,
 * truncated or nested deeper than PW_BENC_DEPTH.
 */
#define PW_BENC_DEPTH		32
ssize_t	pw_benc_span(const uint8_t *, size_t len);

/* Extension message ids: 0 is the handshake, others are per name. */
#define PW_EXT_HANDSHAKE	0
#define PW_EXT_MAX_NAMES	32	/* entries of "m" kept; the rest ignored */
#define PW_EXT_NAME_MAX		32	/* longer names are ignored */
#define PW_EXT_CLIENT_MAX	64	/* "v", truncated and made printable */

struct pw_ext_name {
	char	name[PW_EXT_NAME_MAX + 1];
	uint8_t	id;			/* 0: the sender disabled it */
};

/*
 * The extended handshake.  Parsing is tolerant (other clients send keys
 * we ignore, in any order) and bounded; a field of the wrong type is
 * treated as absent.  yourip_len is 0, 4 or 16.
 */
struct pw_ext_handshake {
	struct pw_ext_name m[PW_EXT_MAX_NAMES];
	size_t		 nm;
	uint16_t	 port;			/* "p"; 0 when absent */
	uint32_t	 reqq;			/* 0 when absent */
	int64_t		 metadata_size;		/* -1 when absent */
	char		 client[PW_EXT_CLIENT_MAX + 1];	/* "v" */
	uint8_t		 yourip[16];
	size_t		 yourip_len;
	/* "aptbt_id": a daemon's public key and nonce (common/identity.h) */
	bool		 has_id;
	uint8_t		 id_pk[32];
	uint8_t		 id_nonce[32];
};

void	pw_ext_handshake_init(struct pw_ext_handshake *);
/* Add a name to "m"; -ENOSPC when full, -EINVAL for a bad name or id 0. */
int	pw_ext_handshake_add(struct pw_ext_handshake *, const char *name,
	    uint8_t id);
/* The id the peer wants for name, or 0 when it does not speak it. */
uint8_t	pw_ext_handshake_id(const struct pw_ext_handshake *, const char *name);
/* Parse the payload after the extension id byte: 0 or -EBADMSG. */
int	pw_ext_handshake_parse(const uint8_t *, size_t len,
	    struct pw_ext_handshake *);
/* A whole message (length prefix, id 20, extension id 0, dict). */
int	pw_ext_handshake_put(struct bytebuf *, const struct pw_ext_handshake *);

/*
 * BEP 11 ut_pex: compact IPv4 (6 bytes) and IPv6 (18 bytes) peers,
 * "added.f"/"added6.f" flags per added peer.  At most PW_PEX_MAX added
 * and PW_PEX_MAX dropped peers are kept; further entries are ignored.
 */
#define PW_PEX_MAX		100
#define PW_PEX_ENCRYPT		0x01	/* flag bits (BEP 11) */
#define PW_PEX_SEED		0x02
#define PW_PEX_UTP		0x04
#define PW_PEX_HOLEPUNCH	0x08
#define PW_PEX_REACHABLE	0x10

struct pw_peer {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		flags;		/* added peers only */
	uint16_t	port;
	uint8_t		addr[16];	/* first 4 bytes for IPv4 */
};

struct pw_pex {
	struct pw_peer	added[PW_PEX_MAX];
	size_t		nadded;
	struct pw_peer	dropped[PW_PEX_MAX];
	size_t		ndropped;
};

/* Parse the payload after the extension id byte: 0 or -EBADMSG. */
int	pw_pex_parse(const uint8_t *, size_t len, struct pw_pex *);
/* A whole message under the peer's ut_pex id. */
int	pw_pex_put(struct bytebuf *, uint8_t ext_id, const struct pw_pex *);

/*
 * BEP 9 ut_metadata: the torrent's info dictionary in 16 KiB pieces.  A
 * payload (after the extension id) is a dictionary with msg_type and
 * piece; data adds total_size and is followed by the piece's bytes.
 * pw_utmeta_parse returns 0, -ENOTSUP for a msg_type BEP 9 does not
 * define (to be ignored), or -EBADMSG: a missing key, a piece beyond
 * PW_UTMETA_MAX_PIECES, bytes after a request or reject, or data over
 * PW_UTMETA_PIECE bytes.  data points into the input.
 */
#define PW_UTMETA_PIECE		16384
#define PW_UTMETA_MAX_SIZE	(16 * 1024 * 1024)	/* MI_MAX_INPUT */
#define PW_UTMETA_MAX_PIECES	(PW_UTMETA_MAX_SIZE / PW_UTMETA_PIECE)

enum pw_utmeta_type {
	PW_UTMETA_REQUEST = 0,
	PW_UTMETA_DATA = 1,
	PW_UTMETA_REJECT = 2,
};

struct pw_utmeta {
	int		 type;		/* enum pw_utmeta_type */
	uint32_t	 piece;
	int64_t		 total_size;	/* data only; -1 otherwise */
	const uint8_t	*data;		/* data only */
	size_t		 len;
};

int	pw_utmeta_parse(const uint8_t *, size_t len, struct pw_utmeta *);
/* A whole message under the peer's ut_metadata id; -EINVAL, -ENOMEM. */
int	pw_utmeta_put(struct bytebuf *, uint8_t ext_id,
	    const struct pw_utmeta *);

#endif
