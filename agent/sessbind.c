#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <nettle/bignum.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>
#include <nettle/eddsa.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "sessbind.h"

#define RSA_MIN_BYTES	(1024 / 8)
#define RSA_MAX_BYTES	(16384 / 8)
#define RSA_E_MAX_BYTES	8	/* OpenSSL's limit for large moduli */
#define MPINT_MAX_BYTES	(RSA_MAX_BYTES + 1)

enum hk_kind { HK_ED25519, HK_ECDSA, HK_RSA };
enum hk_hash { H_NONE, H_SHA256, H_SHA384, H_SHA512 };

/* Host key types and the signature algorithms accepted for each. */
static const struct hk_type {
	const char	*name;
	enum hk_kind	 kind;
	const struct ecc_curve *(*curve)(void);	/* ECDSA */
	const char	*sig1, *sig2;
	enum hk_hash	 hash1, hash2;
} hk_types[] = {
	{ "ssh-ed25519", HK_ED25519, NULL, "ssh-ed25519", NULL,
	    H_NONE, H_NONE },
	{ "ecdsa-sha2-nistp256", HK_ECDSA, nettle_get_secp_256r1,
	    "ecdsa-sha2-nistp256", NULL, H_SHA256, H_NONE },
	{ "ecdsa-sha2-nistp384", HK_ECDSA, nettle_get_secp_384r1,
	    "ecdsa-sha2-nistp384", NULL, H_SHA384, H_NONE },
	{ "ecdsa-sha2-nistp521", HK_ECDSA, nettle_get_secp_521r1,
	    "ecdsa-sha2-nistp521", NULL, H_SHA512, H_NONE },
	{ "ssh-rsa", HK_RSA, NULL, "rsa-sha2-256", "rsa-sha2-512",
	    H_SHA256, H_SHA512 },
};

/* A parsed host key (nettle's forms) and the signature to check. */
struct hostkey {
	const struct hk_type	*t;
	const uint8_t		*ed25519;	/* 32 bytes in the blob */
	struct ecc_point	 q;
	struct rsa_public_key	 rsa;
	int			 have_q, have_rsa;
};

/* The digest of data; returns its length, 0 for H_NONE. */
static size_t
digest(enum hk_hash h, const struct buf *data, uint8_t out[SHA512_DIGEST_SIZE])
{
	struct sha256_ctx c256;
	struct sha512_ctx c512;

	switch (h) {
	case H_SHA256:
		sha256_init(&c256);
		sha256_update(&c256, buf_len(data), buf_ptr(data));
		sha256_digest(&c256, SHA256_DIGEST_SIZE, out);
		return SHA256_DIGEST_SIZE;
	case H_SHA384:
		sha384_init(&c512);
		sha384_update(&c512, buf_len(data), buf_ptr(data));
		sha384_digest(&c512, SHA384_DIGEST_SIZE, out);
		return SHA384_DIGEST_SIZE;
	case H_SHA512:
		sha512_init(&c512);
		sha512_update(&c512, buf_len(data), buf_ptr(data));
		sha512_digest(&c512, SHA512_DIGEST_SIZE, out);
		return SHA512_DIGEST_SIZE;
	default:
		return 0;
	}
}

/* A positive SSH mpint of at most max bytes into an initialised z. */
static int
get_mpz(struct buf *b, size_t max, mpz_t z)
{
	const uint8_t *p;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len == 0 || len > max || (p[0] & 0x80) != 0)
		return ERR_FORMAT;	/* zero, too long or negative */
	nettle_mpz_set_str_256_u(z, len, p);
	return 0;
}

/* ECDSA: the curve name, then the point, uncompressed (RFC 5656). */
static int
load_ec(struct buf *b, struct hostkey *k)
{
	const struct ecc_curve *curve = k->t->curve();
	const uint8_t *q;
	char *name = NULL;
	size_t qlen, clen = (ecc_bit_size(curve) + 7) / 8;
	mpz_t x, y;
	int r;

	if ((r = buf_get_cstring(b, &name, NULL)) != 0 ||
	    (r = buf_get_string_direct(b, &q, &qlen)) != 0)
		goto out;
	/* the curve name must match the key type's suffix */
	r = ERR_FORMAT;
	if (strcmp(name, k->t->name + strlen("ecdsa-sha2-")) != 0 ||
	    qlen != 1 + 2 * clen || q[0] != 0x04)
		goto out;
	mpz_init(x);
	mpz_init(y);
	nettle_mpz_set_str_256_u(x, clen, q + 1);
	nettle_mpz_set_str_256_u(y, clen, q + 1 + clen);
	ecc_point_init(&k->q, curve);
	k->have_q = 1;
	/* refuses a point off the curve */
	r = ecc_point_set(&k->q, x, y) == 1 ? 0 : ERR_CRYPTO;
	mpz_clear(x);
	mpz_clear(y);
 out:
	free(name);
	return r;
}

static int
load_rsa(struct buf *b, struct hostkey *k)
{
	size_t bytes;
	int r;

	rsa_public_key_init(&k->rsa);
	k->have_rsa = 1;
	if ((r = get_mpz(b, MPINT_MAX_BYTES, k->rsa.e)) != 0 ||
	    (r = get_mpz(b, MPINT_MAX_BYTES, k->rsa.n)) != 0)
		return r;
	bytes = mpz_sizeinbase(k->rsa.n, 256);
	if (bytes < RSA_MIN_BYTES || bytes > RSA_MAX_BYTES ||
	    mpz_sizeinbase(k->rsa.e, 256) > RSA_E_MAX_BYTES)
		return ERR_UNSUPPORTED;
	return rsa_public_key_prepare(&k->rsa) == 1 ? 0 : ERR_CRYPTO;
}

static int
load_ed25519(struct buf *b, struct hostkey *k)
{
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &k->ed25519, &len)) != 0)
		return r;
	return len == ED25519_KEY_SIZE ? 0 : ERR_FORMAT;
}

static void
hostkey_clear(struct hostkey *k)
{
	if (k->have_q)
		ecc_point_clear(&k->q);
	if (k->have_rsa)
		rsa_public_key_clear(&k->rsa);
	memset(k, 0, sizeof(*k));
}

/* Parse an SSH host key blob; exactly one key, nothing after it. */
static int
load_hostkey(struct buf *b, struct hostkey *k)
{
	char *name = NULL;
	size_t i;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = buf_get_cstring(b, &name, NULL)) != 0)
		return r;
	for (i = 0; i < sizeof(hk_types) / sizeof(hk_types[0]); i++)
		if (strcmp(name, hk_types[i].name) == 0)
			k->t = &hk_types[i];
	free(name);
	if (k->t == NULL)
		return ERR_UNSUPPORTED;
	if (k->t->kind == HK_ED25519)
		r = load_ed25519(b, k);
	else if (k->t->kind == HK_ECDSA)
		r = load_ec(b, k);
	else
		r = load_rsa(b, k);
	if (r == 0 && buf_len(b) != 0)
		r = ERR_FORMAT;
	return r;
}

static int
verify_ed25519(const struct hostkey *k, const uint8_t *sig, size_t len,
    const struct buf *data)
{
	if (len != ED25519_SIGNATURE_SIZE)
		return ERR_FORMAT;
	return ed25519_sha512_verify(k->ed25519, buf_len(data), buf_ptr(data),
	    sig) == 1 ? 0 : ERR_CRYPTO;
}

/* ECDSA: the SSH signature is (mpint r, mpint s). */
static int
verify_ecdsa(const struct hostkey *k, const uint8_t *sig, size_t len,
    const uint8_t *md, size_t mdlen)
{
	struct dsa_signature ds;
	struct buf *b;
	int r;

	if ((b = buf_from(sig, len)) == NULL)
		return ERR_ALLOC;
	dsa_signature_init(&ds);
	if ((r = get_mpz(b, RSA_MAX_BYTES, ds.r)) != 0 ||
	    (r = get_mpz(b, RSA_MAX_BYTES, ds.s)) != 0)
		goto out;
	if (buf_len(b) != 0)
		r = ERR_FORMAT;
	else if (ecdsa_verify(&k->q, mdlen, md, &ds) != 1)
		r = ERR_CRYPTO;
 out:
	dsa_signature_clear(&ds);
	buf_free(b);
	return r;
}

/* RSA: PKCS#1 v1.5; a signature shorter than the modulus is allowed. */
static int
verify_rsa(const struct hostkey *k, enum hk_hash h, const uint8_t *sig,
    size_t len, const uint8_t *md)
{
	mpz_t s;
	int ok;

	if (len == 0 || len > k->rsa.size)
		return ERR_FORMAT;
	mpz_init(s);
	nettle_mpz_set_str_256_u(s, len, sig);
	ok = h == H_SHA256 ? rsa_sha256_verify_digest(&k->rsa, md, s) :
	    rsa_sha512_verify_digest(&k->rsa, md, s);
	mpz_clear(s);
	return ok == 1 ? 0 : ERR_CRYPTO;
}

static int
verify_sig(const struct hostkey *k, struct buf *b, const struct buf *data)
{
	uint8_t md[SHA512_DIGEST_SIZE];
	const uint8_t *bytes;
	char *alg = NULL;
	enum hk_hash h;
	size_t len, mdlen;
	int r;

	if ((r = buf_get_cstring(b, &alg, NULL)) != 0 ||
	    (r = buf_get_string_direct(b, &bytes, &len)) != 0)
		goto out;
	r = ERR_FORMAT;
	if (buf_len(b) != 0)
		goto out;
	if (strcmp(alg, k->t->sig1) == 0)
		h = k->t->hash1;
	else if (k->t->sig2 != NULL && strcmp(alg, k->t->sig2) == 0)
		h = k->t->hash2;
	else
		goto out;
	mdlen = digest(h, data, md);
	if (k->t->kind == HK_ED25519)
		r = verify_ed25519(k, bytes, len, data);
	else if (k->t->kind == HK_RSA)
		r = verify_rsa(k, h, bytes, len, md);
	else
		r = verify_ecdsa(k, bytes, len, md, mdlen);
 out:
	free(alg);
	return r;
}

int
sessbind_verify(const struct buf *hostkey, const struct buf *session_id,
    const struct buf *sig)
{
	struct buf *kb, *sb = NULL;
	struct hostkey k;
	int r;

	memset(&k, 0, sizeof(k));
	if ((kb = buf_from(buf_ptr(hostkey), buf_len(hostkey))) == NULL ||
	    (sb = buf_from(buf_ptr(sig), buf_len(sig))) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = load_hostkey(kb, &k)) == 0)
		r = verify_sig(&k, sb, session_id);
 out:
	hostkey_clear(&k);
	buf_free(sb);
	buf_free(kb);
	return r;
}

static int
same(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) &&
	    memcmp(buf_ptr(a), buf_ptr(b), buf_len(a)) == 0;
}

/* Where session_id is bound already: 1 same key, -1 other key, 0 not. */
static int
find_bound(const struct sessbind *sb, const struct buf *hostkey,
    const struct buf *session_id)
{
	size_t i;

	for (i = 0; i < sb->n; i++)
		if (same(sb->entry[i].session_id, session_id))
			return same(sb->entry[i].hostkey, hostkey) ? 1 : -1;
	return 0;
}

static int
record(struct sessbind *sb, const struct buf *hostkey,
    const struct buf *session_id, int is_forwarding)
{
	struct sessbind_entry *e;
	int found;

	if ((found = find_bound(sb, hostkey, session_id)) != 0)
		return found == 1 ? 0 : ERR_FORMAT;
	/* a connection used for authentication is never bound again */
	if (sb->n > 0 && !sb->entry[sb->n - 1].forwarding)
		return ERR_FORMAT;
	if (sb->n >= SESSBIND_MAX)
		return ERR_NO_SPACE;
	e = &sb->entry[sb->n];
	if ((e->hostkey = buf_dup(buf_ptr(hostkey), buf_len(hostkey))) == NULL ||
	    (e->session_id = buf_dup(buf_ptr(session_id),
	    buf_len(session_id))) == NULL) {
		buf_free(e->hostkey);
		e->hostkey = NULL;
		return ERR_ALLOC;
	}
	e->forwarding = is_forwarding != 0;
	sb->n++;
	return 0;
}

int
sessbind_add(struct sessbind *sb, const struct buf *hostkey,
    const struct buf *session_id, const struct buf *sig, int is_forwarding)
{
	int r;

	sb->seen = 1;
	if ((r = sessbind_verify(hostkey, session_id, sig)) != 0 ||
	    (r = record(sb, hostkey, session_id, is_forwarding)) != 0) {
		debug_r(r, "session-bind refused");
		sb->failed = 1;
	}
	return r;
}

void
sessbind_clear(struct sessbind *sb)
{
	size_t i;

	for (i = 0; i < sb->n; i++) {
		buf_free(sb->entry[i].hostkey);
		buf_free(sb->entry[i].session_id);
	}
	memset(sb, 0, sizeof(*sb));
}

int
sessbind_forwarded(const struct sessbind *sb)
{
	size_t i;

	for (i = 0; i < sb->n; i++)
		if (sb->entry[i].forwarding)
			return 1;
	return sb->failed;
}
