/* SPDX-License-Identifier: ISC */
/*
 * peerext.h - aptbt's own BEP 10 extensions (doc/peer-extensions.md).
 *
 * aptbt_hashes carries piece hashes of the canonical layout as hints for
 * zero-metadata swarms; aptbt_mux runs many swarms over one connection
 * between two aptbtd daemons and exchanges their have-indexes.  Both are
 * our formats, so parsing is strict: canonical bencode, exact lengths,
 * no trailing bytes except the one framed message of a mux frame.  An
 * unknown msg_type is -ENOTSUP, which a peer ignores (later versions may
 * add types); everything else malformed is -EBADMSG.
 *
 * Decoders take the extended payload after the extension id byte and
 * leave pointers into it.  Builders write whole messages (length prefix,
 * id 20, the peer's id for the extension, payload).
 */
#ifndef APTBT_PEEREXT_H
#define APTBT_PEEREXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "common/peerwire.h"

#define PEXT_HASHES_NAME	"aptbt_hashes"
#define PEXT_MUX_NAME		"aptbt_mux"

#define PEXT_SHA256_LEN		32
#define PEXT_KEY_LEN		20	/* a swarm key (common/swarmkey.h) */
#define PEXT_HASHES_MAX		1024	/* piece hashes in one data message */
#define PEXT_MUX_MAX_CHANNELS	256	/* attached swarms per connection */
#define PEXT_INDEX_MAX		1024	/* have + fetching + drop entries */

/* aptbt_hashes */
enum pext_hashes_type {
	PEXT_HASHES_REQUEST = 0,	/* {msg_type, piece} */
	PEXT_HASHES_DATA = 1,		/* {hashes, msg_type, piece} */
	PEXT_HASHES_REJECT = 2,		/* {msg_type, piece} */
};

struct pext_hashes {
	int		 type;
	uint32_t	 piece;
	const uint8_t	*hashes;	/* data: count SHA-256s, pieces piece.. */
	size_t		 count;
};

int	pext_hashes_parse(const uint8_t *, size_t len, struct pext_hashes *);
int	pext_hashes_put(struct bytebuf *, uint8_t ext_id,
	    const struct pext_hashes *);

/* aptbt_mux */
enum pext_mux_type {
	PEXT_MUX_ATTACH = 0,		/* {key, msg_type, sid} */
	PEXT_MUX_ATTACHED = 1,		/* {msg_type, sid} */
	PEXT_MUX_REFUSED = 2,		/* {msg_type, sid} */
	PEXT_MUX_FRAME = 3,		/* {msg_type, sid} + one BEP 3 message */
	PEXT_MUX_DETACH = 4,		/* {msg_type, sid} */
	PEXT_MUX_INDEX = 5,		/* {drop, fetching, full, have, msg_type} */
	PEXT_MUX_WANT = 6,		/* {msg_type, sha256, size, url} */
	PEXT_MUX_PROVE = 7,		/* {msg_type, sig} (common/identity.h) */
};
#define PEXT_SIG_LEN		64
#define PEXT_URL_MAX		2048	/* bytes of a want's url */

struct pext_mux {
	int		 type;
	uint32_t	 sid;
	const uint8_t	*key;		/* attach: PEXT_KEY_LEN bytes */
	/* frame: the carried message, whole and decoded */
	const uint8_t	*frame;
	size_t		 framelen;
	struct pw_msg	 msg;
	/* index: concatenated SHA-256s of whole files */
	const uint8_t	*have, *fetching, *drop;
	size_t		 nhave, nfetching, ndrop;
	bool		 full;		/* forget the sender's earlier index */
	/* want: fetch this file from the mirror for the sender */
	const uint8_t	*sha256;	/* PEXT_SHA256_LEN bytes */
	uint64_t	 size;
	const char	*url;		/* not NUL-terminated: urllen bytes */
	size_t		 urllen;
	/* prove: the sender's signature (PEXT_SIG_LEN bytes) */
	const uint8_t	*sig;
};

int	pext_mux_parse(const uint8_t *, size_t len, struct pext_mux *);
/* Every type but a frame. */
int	pext_mux_put(struct bytebuf *, uint8_t ext_id, const struct pext_mux *);
/*
 * A frame: begin, append exactly one message with the pw_put_ builders,
 * end.  pext_mux_frame_end returns -EINVAL (and drops the frame) unless
 * exactly one message a frame may carry was appended.
 */
size_t	pext_mux_frame_begin(struct bytebuf *, uint8_t ext_id, uint32_t sid);
int	pext_mux_frame_end(struct bytebuf *, size_t mark);
/* May a frame carry this message id?  Not keep-alive, port or unknown. */
bool	pext_mux_frame_allows(int id);

#endif
