/* SPDX-License-Identifier: ISC */
/*
 * identity.h - who a daemon is: a long-term Ed25519 key pair, the peer id
 * derived from it, and the proof each side of a daemon connection gives
 * (doc/peer-extensions.md, "Identity").
 *
 * A daemon's peer id is PW_PEER_ID_PREFIX followed by the first 12 bytes
 * of BLAKE2b(public key), so an id names one key: a host that copies
 * another daemon's id from its handshake cannot prove it.  Each side of a
 * daemon connection sends its public key and a fresh 32-byte nonce in
 * the extended handshake, then signs
 *
 *	"aptbt identity v1" || nonce of the verifier || nonce of the signer
 *	|| peer id of the verifier || peer id of the signer
 *
 * and sends the signature (aptbt_mux "prove").  The verifier's nonce makes
 * the proof fresh (no replay on another connection); the two ids bind it
 * to this pair of daemons.
 *
 * A key proves who a daemon is, not that it is honest: anyone can make
 * one, so no bound on what a peer may cost relies on it.
 *
 * All functions are pure except ident_load, which reads or creates the
 * key file.  They return 0 or a negative errno; checks return bool.
 */
#ifndef APTBT_IDENTITY_H
#define APTBT_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#define IDENT_PK_LEN		32
#define IDENT_SK_LEN		64	/* libsodium's: seed || public key */
#define IDENT_NONCE_LEN		32
#define IDENT_SIG_LEN		64
#define IDENT_ID_LEN		20	/* a BitTorrent peer id */

struct ident {
	uint8_t	pk[IDENT_PK_LEN];
	uint8_t	sk[IDENT_SK_LEN];
	uint8_t	id[IDENT_ID_LEN];
};

/* A new key pair (libsodium must be initialised). */
int	ident_generate(struct ident *);
/*
 * The key pair in path (the 64-byte secret key, mode 0600), made and
 * written atomically if there is none.  -EBADMSG: the file is not one;
 * otherwise the errors of open/read/atomicfile (-EACCES, -EROFS, ...).
 */
int	ident_load(struct ident *, const char *path);
/* The peer id a public key names. */
void	ident_peer_id(const uint8_t pk[IDENT_PK_LEN], uint8_t id[IDENT_ID_LEN]);
/* Does id name pk? */
bool	ident_names(const uint8_t pk[IDENT_PK_LEN],
	    const uint8_t id[IDENT_ID_LEN]);
/* Our proof to the peer whose nonce and id are theirs. */
void	ident_prove(const struct ident *, const uint8_t their_nonce[IDENT_NONCE_LEN],
	    const uint8_t our_nonce[IDENT_NONCE_LEN],
	    const uint8_t their_id[IDENT_ID_LEN], uint8_t sig[IDENT_SIG_LEN]);
/* Is sig the peer's (pk, its_id) proof to us (our_nonce, our_id)? */
bool	ident_check(const uint8_t pk[IDENT_PK_LEN],
	    const uint8_t its_nonce[IDENT_NONCE_LEN],
	    const uint8_t its_id[IDENT_ID_LEN],
	    const uint8_t our_nonce[IDENT_NONCE_LEN],
	    const uint8_t our_id[IDENT_ID_LEN],
	    const uint8_t sig[IDENT_SIG_LEN]);

#endif
