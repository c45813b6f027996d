/* SPDX-License-Identifier: ISC */
/*
 * identity.c - a daemon's key pair and proofs (identity.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/atomicfile.h"
#include "common/identity.h"
#include "common/peerwire.h"

static const char	label[] = "aptbt identity v1";

#define MSG_LEN	(sizeof(label) - 1 + 2 * IDENT_NONCE_LEN + 2 * IDENT_ID_LEN)

void
ident_peer_id(const uint8_t pk[IDENT_PK_LEN], uint8_t id[IDENT_ID_LEN])
{
	uint8_t	h[PW_PEER_ID_RANDOM];

	crypto_generichash(h, sizeof(h), pk, IDENT_PK_LEN, NULL, 0);
	pw_peer_id_make(id, h);
}

bool
ident_names(const uint8_t pk[IDENT_PK_LEN], const uint8_t id[IDENT_ID_LEN])
{
	uint8_t	want[IDENT_ID_LEN];

	ident_peer_id(pk, want);
	return memcmp(want, id, IDENT_ID_LEN) == 0;
}

int
ident_generate(struct ident *k)
{
	if (crypto_sign_keypair(k->pk, k->sk) != 0)
		return -EIO;
	ident_peer_id(k->pk, k->id);
	return 0;
}

static int
ident_read(struct ident *k, int fd)
{
	ssize_t	n;
	uint8_t	extra;

	n = read(fd, k->sk, sizeof(k->sk));
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(k->sk) || read(fd, &extra, 1) != 0)
		return -EBADMSG;
	if (crypto_sign_ed25519_sk_to_pk(k->pk, k->sk) != 0)
		return -EBADMSG;
	ident_peer_id(k->pk, k->id);
	return 0;
}

int
ident_load(struct ident *k, const char *path)
{
	struct atomicfile	af;
	int			fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		rc = ident_read(k, fd);
		close(fd);
		if (rc != 0)
			sodium_memzero(k, sizeof(*k));
		return rc;
	}
	if (errno != ENOENT)
		return -errno;
	if ((rc = ident_generate(k)) != 0)
		return rc;
	if ((rc = atomicfile_open(&af, path, 0600)) != 0)
		return rc;
	if ((rc = atomicfile_put(&af, k->sk, sizeof(k->sk))) != 0) {
		atomicfile_abort(&af);
		return rc;
	}
	return atomicfile_commit(&af);
}

/* The signed message: label, verifier's nonce, signer's, their ids. */
static void
ident_msg(uint8_t m[MSG_LEN], const uint8_t *vnonce, const uint8_t *snonce,
    const uint8_t *vid, const uint8_t *sid)
{
	uint8_t	*p = m;

	memcpy(p, label, sizeof(label) - 1);
	p += sizeof(label) - 1;
	memcpy(p, vnonce, IDENT_NONCE_LEN);
	p += IDENT_NONCE_LEN;
	memcpy(p, snonce, IDENT_NONCE_LEN);
	p += IDENT_NONCE_LEN;
	memcpy(p, vid, IDENT_ID_LEN);
	p += IDENT_ID_LEN;
	memcpy(p, sid, IDENT_ID_LEN);
}

void
ident_prove(const struct ident *k, const uint8_t their_nonce[IDENT_NONCE_LEN],
    const uint8_t our_nonce[IDENT_NONCE_LEN],
    const uint8_t their_id[IDENT_ID_LEN], uint8_t sig[IDENT_SIG_LEN])
{
	uint8_t	m[MSG_LEN];

	ident_msg(m, their_nonce, our_nonce, their_id, k->id);
	crypto_sign_detached(sig, NULL, m, sizeof(m), k->sk);
}

bool
ident_check(const uint8_t pk[IDENT_PK_LEN],
    const uint8_t its_nonce[IDENT_NONCE_LEN],
    const uint8_t its_id[IDENT_ID_LEN],
    const uint8_t our_nonce[IDENT_NONCE_LEN],
    const uint8_t our_id[IDENT_ID_LEN], const uint8_t sig[IDENT_SIG_LEN])
{
	uint8_t	m[MSG_LEN];

	if (!ident_names(pk, its_id))
		return false;
	ident_msg(m, our_nonce, its_nonce, our_id, its_id);
	return crypto_sign_verify_detached(sig, m, sizeof(m), pk) == 0;
}
