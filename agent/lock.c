#include "config.h"

#include <sys/random.h>

#include <string.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/pbkdf2.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "lock.h"

_Static_assert(LOCK_SALT_LEN + LOCK_HASH_LEN == SV_LOCK_VERIFIER_LEN,
    "the supervisor keeps salt and hash");

#define DELAY_BASE_MS	250	/* first wrong unlock */
#define DELAY_MAX_MS	10000

int
lock_hash(const uint8_t *salt, const uint8_t *pass, size_t len,
    uint8_t out[LOCK_HASH_LEN])
{
	struct hmac_sha256_ctx ctx;

	/* nettle's own pbkdf2_hmac_sha256 would leave the keyed HMAC
	 * state on its stack: ours is wiped */
	hmac_sha256_set_key(&ctx, len, pass);
	PBKDF2(&ctx, hmac_sha256_update, hmac_sha256_digest,
	    SHA256_DIGEST_SIZE, LOCK_ITER, LOCK_SALT_LEN, salt,
	    LOCK_HASH_LEN, out);
	explicit_bzero(&ctx, sizeof(ctx));
	return 0;
}

int
lock_lock(struct lock_state *ls, const uint8_t *pass, size_t len)
{
	int r;

	if (ls->locked)
		return ERR_ARGUMENT;
	if (getrandom(ls->salt, sizeof(ls->salt), 0) !=
	    (ssize_t)sizeof(ls->salt))
		return ERR_CRYPTO;
	if ((r = lock_hash(ls->salt, pass, len, ls->hash)) != 0)
		return r;
	ls->locked = 1;
	ls->failures = 0;
	return 0;
}

int
lock_unlock(struct lock_state *ls, const uint8_t *pass, size_t len,
    unsigned int *delay_msp)
{
	uint8_t h[LOCK_HASH_LEN];
	unsigned int shift;
	int r;

	*delay_msp = 0;
	if (!ls->locked)
		return ERR_ARGUMENT;
	if ((r = lock_hash(ls->salt, pass, len, h)) == 0 &&
	    memeql_sec(h, ls->hash, sizeof(h))) {
		explicit_bzero(ls, sizeof(*ls));
		explicit_bzero(h, sizeof(h));
		return 0;
	}
	explicit_bzero(h, sizeof(h));
	/* 250 ms, doubling with each wrong try, up to 10 s */
	shift = ls->failures < 6 ? ls->failures : 6;
	if (ls->failures < 1000)
		ls->failures++;
	*delay_msp = DELAY_BASE_MS << shift;
	if (*delay_msp > DELAY_MAX_MS)
		*delay_msp = DELAY_MAX_MS;
	return r != 0 ? r : ERR_PIN_WRONG;
}

int
lock_put_verifier(const struct lock_state *ls, struct buf *b)
{
	int r;

	if (!ls->locked)
		return ERR_ARGUMENT;
	if ((r = buf_put(b, ls->salt, sizeof(ls->salt))) != 0 ||
	    (r = buf_put(b, ls->hash, sizeof(ls->hash))) != 0)
		return r;
	return 0;
}

int
lock_restore(struct lock_state *ls, struct buf *verifier)
{
	explicit_bzero(ls, sizeof(*ls));
	if (buf_len(verifier) != SV_LOCK_VERIFIER_LEN)
		return ERR_FORMAT;
	if (buf_get(verifier, ls->salt, sizeof(ls->salt)) != 0 ||
	    buf_get(verifier, ls->hash, sizeof(ls->hash)) != 0) {
		explicit_bzero(ls, sizeof(*ls));
		return ERR_FORMAT;
	}
	ls->locked = 1;
	return 0;
}
