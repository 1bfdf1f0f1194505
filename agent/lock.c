#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

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
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5];
	unsigned int iter = LOCK_ITER;
	int r = ERR_CRYPTO;

	explicit_bzero(out, LOCK_HASH_LEN);
	if ((kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)pass, len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, LOCK_SALT_LEN);
	params[2] = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter);
	params[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, LOCK_HASH_LEN, params) == 1)
		r = 0;
 out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}

int
lock_lock(struct lock_state *ls, const uint8_t *pass, size_t len)
{
	int r;

	if (ls->locked)
		return ERR_ARGUMENT;
	if (RAND_bytes(ls->salt, sizeof(ls->salt)) != 1)
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
	    CRYPTO_memcmp(h, ls->hash, sizeof(h)) == 0) {
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

int
lock_warmup(void)
{
	EVP_KDF *kdf;

	if ((kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL)) == NULL)
		return ERR_CRYPTO;
	EVP_KDF_free(kdf);
	return 0;
}
