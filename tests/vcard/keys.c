/*
 * Key material of the virtual OpenPGP card on OpenSSL 3 EVP: the
 * algorithm attributes and public key template a card shows, the
 * signatures and deciphering a card computes (OpenPGP card spec 3.4,
 * 7.2.10-7.2.13), and the v4 fingerprints GnuPG derives from them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "err.h"
#include "keyblob.h"
#include "keys.h"
#include "log.h"
#include "tlv.h"

/* OpenPGP public key algorithm ids (RFC 4880 9.1, RFC 6637). */
#define PGP_ALGO_RSA		1
#define PGP_ALGO_ECDH		18
#define PGP_ALGO_ECDSA		19
#define PGP_ALGO_EDDSA		22

#define RSA_BYTES_MAX		512
#define RSA_EBITS		32	/* exponent size in the attributes */
#define PKCS1_OVERHEAD		11	/* 00 01 at least 8 x FF 00 */
#define EC_FIELD_MAX		66
#define EC_POINT_MAX		(1 + 2 * EC_FIELD_MAX)
#define ECDSA_DER_MAX		256
#define X25519_LEN		32
#define ED25519_SIG_LEN		64
#define POINT_UNCOMPRESSED	0x04
#define POINT_NATIVE		0x40	/* OpenPGP prefix for 25519 points */

#define TAG_PUBKEY		0x7f49
#define TAG_RSA_N		0x81
#define TAG_RSA_E		0x82
#define TAG_EC_POINT		0x86
#define TAG_CIPHER_DO		0xa6

enum key_kind {
	KIND_RSA,
	KIND_NIST,
	KIND_ED25519,
	KIND_X25519,
};

struct key_info {
	enum key_type	 type;
	const char	*name;
	enum key_kind	 kind;
	uint8_t		 algo;		/* OpenPGP algorithm id */
	int		 bits;		/* modulus or field size */
	const char	*ossl;		/* OpenSSL key type or curve */
	const uint8_t	*oid;
	size_t		 oidlen;
	const uint8_t	*kdf;		/* ECDH KDF parameters, 4 bytes */
};

struct card_key {
	const struct key_info	*info;
	EVP_PKEY		*pkey;
};

static const uint8_t oid_p256[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_p521[] = { 0x2b, 0x81, 0x04, 0x00, 0x23 };
static const uint8_t oid_ed25519[] = {
	0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01 };
static const uint8_t oid_cv25519[] = {
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01 };

/* RFC 6637 section 9: size, version 1, KDF hash, key wrap cipher. */
static const uint8_t kdf_256[] = { 0x03, 0x01, 0x08, 0x07 };
static const uint8_t kdf_384[] = { 0x03, 0x01, 0x09, 0x08 };
static const uint8_t kdf_521[] = { 0x03, 0x01, 0x0a, 0x09 };

#define OID(o)	(o), sizeof(o)

static const struct key_info key_infos[] = {
	{ KEY_RSA2048, "rsa2048", KIND_RSA, PGP_ALGO_RSA, 2048, "RSA",
	    NULL, 0, NULL },
	{ KEY_RSA3072, "rsa3072", KIND_RSA, PGP_ALGO_RSA, 3072, "RSA",
	    NULL, 0, NULL },
	{ KEY_RSA4096, "rsa4096", KIND_RSA, PGP_ALGO_RSA, 4096, "RSA",
	    NULL, 0, NULL },
	{ KEY_P256, "p256", KIND_NIST, PGP_ALGO_ECDSA, 256, "P-256",
	    OID(oid_p256), NULL },
	{ KEY_P384, "p384", KIND_NIST, PGP_ALGO_ECDSA, 384, "P-384",
	    OID(oid_p384), NULL },
	{ KEY_P521, "p521", KIND_NIST, PGP_ALGO_ECDSA, 521, "P-521",
	    OID(oid_p521), NULL },
	{ KEY_ED25519, "ed25519", KIND_ED25519, PGP_ALGO_EDDSA, 255,
	    "ED25519", OID(oid_ed25519), NULL },
	{ KEY_X25519, "x25519", KIND_X25519, PGP_ALGO_ECDH, 255, "X25519",
	    OID(oid_cv25519), kdf_256 },
	{ KEY_ECDH_P256, "p256", KIND_NIST, PGP_ALGO_ECDH, 256, "P-256",
	    OID(oid_p256), kdf_256 },
	{ KEY_ECDH_P384, "p384", KIND_NIST, PGP_ALGO_ECDH, 384, "P-384",
	    OID(oid_p384), kdf_384 },
	{ KEY_ECDH_P521, "p521", KIND_NIST, PGP_ALGO_ECDH, 521, "P-521",
	    OID(oid_p521), kdf_521 },
};

#define NINFOS	(sizeof(key_infos) / sizeof(key_infos[0]))

static const struct key_info *
info_get(enum key_type type)
{
	size_t i;

	for (i = 0; i < NINFOS; i++) {
		if (key_infos[i].type == type)
			return &key_infos[i];
	}
	return NULL;
}

/* Bytes of the modulus, or of one EC coordinate / 25519 key. */
static size_t
info_len(const struct key_info *ki)
{
	return ((size_t)ki->bits + 7) / 8;
}

/* Logs and clears libcrypto's error queue; returns r. */
static int
crypto_fail(const char *what, int r)
{
	char msg[256];
	unsigned long e;

	if ((e = ERR_peek_last_error()) != 0) {
		ERR_error_string_n(e, msg, sizeof(msg));
		debug("%s: %s", what, msg);
	} else
		debug("%s failed", what);
	ERR_clear_error();
	return r;
}

/* Names and slots */

int
key_type_check_slot(enum key_type type, enum key_slot slot)
{
	const struct key_info *ki;

	if ((ki = info_get(type)) == NULL)
		return ERR_ARGUMENT;
	switch (slot) {
	case SLOT_SIG:
	case SLOT_AUT:
		return ki->algo == PGP_ALGO_ECDH ? ERR_ARGUMENT : 0;
	case SLOT_DEC:
		return ki->algo == PGP_ALGO_RSA ||
		    ki->algo == PGP_ALGO_ECDH ? 0 : ERR_ARGUMENT;
	}
	return ERR_ARGUMENT;
}

int
key_type_from_name(const char *name, enum key_slot slot,
    enum key_type *typep)
{
	size_t i;
	int found = 0;

	*typep = KEY_NONE;
	if (name == NULL)
		return ERR_ARGUMENT;
	/* GnuPG's name for the encryption half of an Ed25519 key. */
	if (strcmp(name, "cv25519") == 0 ||
	    (slot == SLOT_DEC && strcmp(name, "ed25519") == 0))
		name = "x25519";
	for (i = 0; i < NINFOS; i++) {
		if (strcmp(key_infos[i].name, name) != 0)
			continue;
		found = 1;
		if (key_type_check_slot(key_infos[i].type, slot) == 0) {
			*typep = key_infos[i].type;
			return 0;
		}
	}
	return found ? ERR_ARGUMENT : ERR_NOT_FOUND;
}

const char *
key_type_name(enum key_type type)
{
	const struct key_info *ki;

	if (type == KEY_NONE)
		return "none";
	if ((ki = info_get(type)) == NULL)
		return "unknown";
	return ki->name;
}

/* Algorithm attributes (spec 4.4.3.9) */

int
key_algo_attr_put(enum key_type type, struct buf *out)
{
	const struct key_info *ki;
	int r;

	if ((ki = info_get(type)) == NULL)
		return ERR_ARGUMENT;
	if ((r = buf_check_reserve(out, 6 + ki->oidlen)) != 0)
		return r;
	if (ki->kind == KIND_RSA) {
		/* Modulus bits, exponent bits, import format standard. */
		if ((r = buf_put_u8(out, ki->algo)) != 0 ||
		    (r = buf_put_u16(out, (uint16_t)ki->bits)) != 0 ||
		    (r = buf_put_u16(out, RSA_EBITS)) != 0 ||
		    (r = buf_put_u8(out, 0)) != 0)
			return r;
		return 0;
	}
	if ((r = buf_put_u8(out, ki->algo)) != 0 ||
	    (r = buf_put(out, ki->oid, ki->oidlen)) != 0)
		return r;
	return 0;
}

static int
algo_attr_parse_rsa(struct buf *b, enum key_type *typep)
{
	uint16_t nbits, ebits;
	uint8_t format = 0;
	size_t i;
	int r;

	if ((r = buf_get_u16(b, &nbits)) != 0 ||
	    (r = buf_get_u16(b, &ebits)) != 0)
		return ERR_FORMAT;
	/* The import format byte is optional; 0-3 are defined. */
	if (buf_len(b) > 0 && (r = buf_get_u8(b, &format)) != 0)
		return ERR_FORMAT;
	if (buf_len(b) != 0 || format > 3 || ebits < 17 || ebits > 32)
		return ERR_FORMAT;
	for (i = 0; i < NINFOS; i++) {
		if (key_infos[i].kind == KIND_RSA &&
		    key_infos[i].bits == nbits) {
			*typep = key_infos[i].type;
			return 0;
		}
	}
	return ERR_FORMAT;
}

/* OID, optionally followed by an import format byte (00, or FF when
 * imports carry the public key). */
static int
algo_attr_parse_ec(uint8_t algo, struct buf *b, enum key_type *typep)
{
	const struct key_info *ki;
	size_t i, len = buf_len(b);
	uint8_t last;
	int r;

	for (i = 0; i < NINFOS; i++) {
		ki = &key_infos[i];
		if (ki->kind == KIND_RSA || ki->algo != algo)
			continue;
		if (len == ki->oidlen &&
		    memcmp(buf_ptr(b), ki->oid, len) == 0)
			break;
		if (len == ki->oidlen + 1 &&
		    memcmp(buf_ptr(b), ki->oid, ki->oidlen) == 0) {
			if ((r = buf_consume(b, ki->oidlen)) != 0 ||
			    (r = buf_get_u8(b, &last)) != 0)
				return r;
			if (last == 0x00 || last == 0xff)
				break;
			return ERR_FORMAT;
		}
	}
	if (i == NINFOS)
		return ERR_FORMAT;
	*typep = key_infos[i].type;
	return 0;
}

int
key_algo_attr_parse(const uint8_t *attr, size_t len, enum key_type *typep)
{
	struct buf *b;
	uint8_t algo;
	int r;

	*typep = KEY_NONE;
	if (attr == NULL || len == 0)
		return ERR_FORMAT;
	if ((b = buf_from(attr, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &algo)) != 0)
		goto out;
	switch (algo) {
	case PGP_ALGO_RSA:
		r = algo_attr_parse_rsa(b, typep);
		break;
	case PGP_ALGO_ECDH:
	case PGP_ALGO_ECDSA:
	case PGP_ALGO_EDDSA:
		r = algo_attr_parse_ec(algo, b, typep);
		break;
	default:
		r = ERR_FORMAT;
		break;
	}
 out:
	buf_free(b);
	return r;
}

/* Key objects */

static int
key_wrap(const struct key_info *ki, EVP_PKEY *pkey, struct card_key **keyp)
{
	struct card_key *key;

	if ((key = calloc(1, sizeof(*key))) == NULL)
		return ERR_ALLOC;
	key->info = ki;
	key->pkey = pkey;
	*keyp = key;
	return 0;
}

int
key_generate(enum key_type type, struct card_key **keyp)
{
	const struct key_info *ki;
	EVP_PKEY *pkey = NULL;
	int r;

	*keyp = NULL;
	if ((ki = info_get(type)) == NULL)
		return ERR_ARGUMENT;
	switch (ki->kind) {
	case KIND_RSA:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)ki->bits);
		break;
	case KIND_NIST:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ki->ossl);
		break;
	case KIND_ED25519:
	case KIND_X25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, ki->ossl);
		break;
	}
	if (pkey == NULL)
		return crypto_fail("key generation", ERR_CRYPTO);
	if ((r = key_wrap(ki, pkey, keyp)) != 0)
		EVP_PKEY_free(pkey);
	return r;
}

void
key_free(struct card_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);	/* clears the private parts */
	freezero(key, sizeof(*key));
}

enum key_type
key_get_type(const struct card_key *key)
{
	return key == NULL ? KEY_NONE : key->info->type;
}

/* Public key material */

static int
rsa_get(const struct card_key *key, BIGNUM **np, BIGNUM **ep)
{
	*np = *ep = NULL;
	if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, np) ||
	    !EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, ep)) {
		BN_free(*np);
		BN_free(*ep);
		*np = *ep = NULL;
		return crypto_fail("RSA public key", ERR_CRYPTO);
	}
	return 0;
}

/* Appends bn big-endian, left-padded to len bytes (0: minimal). */
static int
put_bn(struct buf *b, const BIGNUM *bn, size_t len)
{
	uint8_t *p;
	int r;

	if (len == 0)
		len = (size_t)BN_num_bytes(bn);
	if ((size_t)BN_num_bytes(bn) > len)
		return ERR_INTERNAL;
	if ((r = buf_reserve(b, len, &p)) != 0)
		return r;
	if (BN_bn2binpad(bn, p, (int)len) != (int)len)
		return ERR_INTERNAL;
	return 0;
}

/* The card's form of an EC public key: 04||X||Y, or the raw 32 bytes
 * of an Ed25519 / X25519 key. */
static int
ec_point_get(const struct card_key *key, uint8_t pt[EC_POINT_MAX],
    size_t *lenp)
{
	const struct key_info *ki = key->info;
	size_t len = 0, want;
	int r;

	*lenp = 0;
	want = ki->kind == KIND_NIST ? 1 + 2 * info_len(ki) : X25519_LEN;
	if (!EVP_PKEY_get_octet_string_param(key->pkey,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, EC_POINT_MAX, &len))
		return crypto_fail("EC public key", ERR_CRYPTO);
	r = len != want ||
	    (ki->kind == KIND_NIST && pt[0] != POINT_UNCOMPRESSED);
	if (r != 0)
		return ERR_INTERNAL;
	*lenp = len;
	return 0;
}

int
key_pubkey_do_put(const struct card_key *key, struct buf *out)
{
	struct buf *inner = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t pt[EC_POINT_MAX];
	size_t ptlen;
	int r;

	if (key == NULL)
		return ERR_ARGUMENT;
	if ((inner = buf_new()) == NULL)
		return ERR_ALLOC;
	if (key->info->kind == KIND_RSA) {
		if ((r = rsa_get(key, &n, &e)) != 0 ||
		    (r = tlv_put_tag(inner, TAG_RSA_N)) != 0 ||
		    (r = tlv_put_len(inner, info_len(key->info))) != 0 ||
		    (r = put_bn(inner, n, info_len(key->info))) != 0 ||
		    (r = tlv_put_tag(inner, TAG_RSA_E)) != 0 ||
		    (r = tlv_put_len(inner, (size_t)BN_num_bytes(e))) != 0 ||
		    (r = put_bn(inner, e, 0)) != 0)
			goto out;
	} else {
		if ((r = ec_point_get(key, pt, &ptlen)) != 0 ||
		    (r = tlv_put(inner, TAG_EC_POINT, pt, ptlen)) != 0)
			goto out;
	}
	r = tlv_put(out, TAG_PUBKEY, buf_ptr(inner), buf_len(inner));
 out:
	BN_free(n);
	BN_free(e);
	buf_free(inner);
	return r;
}

int
key_ssh_blob_put(const struct card_key *key, struct buf *blob)
{
	struct buf *n = NULL, *e = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	uint8_t pt[EC_POINT_MAX];
	size_t ptlen;
	int r;

	if (key == NULL || key->info->kind == KIND_X25519)
		return ERR_ARGUMENT;
	if (key->info->kind != KIND_RSA) {
		if ((r = ec_point_get(key, pt, &ptlen)) != 0)
			return r;
		if (key->info->kind == KIND_ED25519)
			return keyblob_put_ed25519(blob, pt, ptlen);
		return keyblob_put_ecdsa(blob, key->info->bits, pt, ptlen);
	}
	if ((n = buf_new()) == NULL || (e = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = rsa_get(key, &bn, &be)) != 0 ||
	    (r = put_bn(n, bn, 0)) != 0 ||
	    (r = put_bn(e, be, 0)) != 0)
		goto out;
	r = keyblob_put_rsa(blob, buf_ptr(n), buf_len(n),
	    buf_ptr(e), buf_len(e));
 out:
	BN_free(bn);
	BN_free(be);
	buf_free(n);
	buf_free(e);
	return r;
}

/* Fingerprint (RFC 4880 12.2, RFC 6637 9-11) */

/* OpenPGP MPI: bit count, then the magnitude without leading zeros. */
static int
mpi_put(struct buf *b, const uint8_t *v, size_t len)
{
	size_t i, bits;
	uint8_t top;
	int r;

	for (i = 0; i < len && v[i] == 0; i++)
		;
	if (len - i > 0xffff / 8)
		return ERR_TOO_LARGE;
	bits = (len - i) * 8;
	if (i < len) {
		for (top = v[i]; (top & 0x80) == 0; top <<= 1)
			bits--;
	}
	if ((r = buf_put_u16(b, (uint16_t)bits)) != 0 ||
	    (r = buf_put(b, &v[i], len - i)) != 0)
		return r;
	return 0;
}

static int
mpi_put_bn(struct buf *b, const BIGNUM *bn)
{
	int r;

	if (BN_num_bits(bn) > 0xffff)
		return ERR_TOO_LARGE;
	if ((r = buf_put_u16(b, (uint16_t)BN_num_bits(bn))) != 0 ||
	    (r = put_bn(b, bn, 0)) != 0)
		return r;
	return 0;
}

static int
fpr_ec_put(const struct card_key *key, struct buf *body)
{
	const struct key_info *ki = key->info;
	struct buf *q = NULL;
	uint8_t pt[EC_POINT_MAX];
	size_t ptlen;
	int r;

	if ((q = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = ec_point_get(key, pt, &ptlen)) != 0)
		goto out;
	/* 25519 points go into packets in "native" 0x40-prefixed form. */
	if (ki->kind != KIND_NIST && (r = buf_put_u8(q, POINT_NATIVE)) != 0)
		goto out;
	if ((r = buf_put(q, pt, ptlen)) != 0 ||
	    (r = buf_put_u8(body, (uint8_t)ki->oidlen)) != 0 ||
	    (r = buf_put(body, ki->oid, ki->oidlen)) != 0 ||
	    (r = mpi_put(body, buf_ptr(q), buf_len(q))) != 0)
		goto out;
	if (ki->kdf != NULL)
		r = buf_put(body, ki->kdf, sizeof(kdf_256));
 out:
	buf_free(q);
	return r;
}

/* The v4 public key packet body. */
static int
fpr_body_put(const struct card_key *key, uint32_t created, struct buf *body)
{
	BIGNUM *n = NULL, *e = NULL;
	int r;

	if ((r = buf_put_u8(body, 4)) != 0 ||
	    (r = buf_put_u32(body, created)) != 0 ||
	    (r = buf_put_u8(body, key->info->algo)) != 0)
		return r;
	if (key->info->kind != KIND_RSA)
		return fpr_ec_put(key, body);
	if ((r = rsa_get(key, &n, &e)) == 0 &&
	    (r = mpi_put_bn(body, n)) == 0)
		r = mpi_put_bn(body, e);
	BN_free(n);
	BN_free(e);
	return r;
}

int
key_fingerprint(const struct card_key *key, uint32_t created,
    uint8_t fpr[20])
{
	struct buf *body = NULL, *pkt = NULL;
	unsigned int mdlen = 0;
	int r;

	memset(fpr, 0, 20);
	if (key == NULL)
		return ERR_ARGUMENT;
	if ((body = buf_new()) == NULL || (pkt = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = fpr_body_put(key, created, body)) != 0)
		goto out;
	if (buf_len(body) > 0xffff) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = buf_put_u8(pkt, 0x99)) != 0 ||
	    (r = buf_put_u16(pkt, (uint16_t)buf_len(body))) != 0 ||
	    (r = buf_putb(pkt, body)) != 0)
		goto out;
	if (!EVP_Digest(buf_ptr(pkt), buf_len(pkt), fpr, &mdlen,
	    EVP_sha1(), NULL) || mdlen != 20) {
		memset(fpr, 0, 20);
		r = crypto_fail("SHA-1", ERR_CRYPTO);
	}
 out:
	buf_free(body);
	buf_free(pkt);
	return r;
}

/* Signing (PSO:CDS, INTERNAL AUTHENTICATE) */

/* The DigestInfo as given, PKCS#1 v1.5 type 1 padding. */
static int
sign_rsa(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t sig[RSA_BYTES_MAX], *p;
	size_t modlen = info_len(key->info), siglen = sizeof(sig);
	int r;

	if (inlen == 0 || inlen > modlen - PKCS1_OVERHEAD)
		return ERR_FORMAT;
	if ((r = buf_check_reserve(out, modlen)) != 0)
		return r;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_sign(ctx, sig, &siglen, in, inlen) <= 0) {
		r = crypto_fail("RSA signature", ERR_CRYPTO);
		goto out;
	}
	if (siglen > modlen) {
		r = ERR_INTERNAL;
		goto out;
	}
	if ((r = buf_reserve(out, modlen - siglen, &p)) != 0)
		goto out;
	memset(p, 0, modlen - siglen);
	r = buf_put(out, sig, siglen);
 out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* ECDSA over the hash as given (truncated to the order by OpenSSL),
 * answered as r||s of fixed size. */
static int
sign_ecdsa(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *sr, *ss;
	const uint8_t *p;
	uint8_t der[ECDSA_DER_MAX];
	size_t flen = info_len(key->info), derlen = sizeof(der);
	int r;

	if (inlen == 0)
		return ERR_FORMAT;
	if ((r = buf_check_reserve(out, 2 * flen)) != 0)
		return r;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_sign(ctx, der, &derlen, in, inlen) <= 0) {
		r = crypto_fail("ECDSA signature", ERR_CRYPTO);
		goto out;
	}
	p = der;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL) {
		r = crypto_fail("ECDSA signature decoding", ERR_CRYPTO);
		goto out;
	}
	ECDSA_SIG_get0(sig, &sr, &ss);
	if ((r = put_bn(out, sr, flen)) != 0 ||
	    (r = put_bn(out, ss, flen)) != 0)
		goto out;
 out:
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* PureEdDSA over the message. */
static int
sign_eddsa(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	EVP_MD_CTX *md = NULL;
	uint8_t sig[ED25519_SIG_LEN];
	size_t siglen = sizeof(sig);
	int r;

	if ((r = buf_check_reserve(out, sizeof(sig))) != 0)
		return r;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return ERR_ALLOC;
	if (EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, key->pkey,
	    NULL) <= 0 ||
	    EVP_DigestSign(md, sig, &siglen, in, inlen) <= 0) {
		r = crypto_fail("EdDSA signature", ERR_CRYPTO);
		goto out;
	}
	r = siglen == sizeof(sig) ? buf_put(out, sig, siglen) : ERR_INTERNAL;
 out:
	EVP_MD_CTX_free(md);
	return r;
}

int
key_sign(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	if (key == NULL || (in == NULL && inlen != 0))
		return ERR_ARGUMENT;
	switch (key->info->kind) {
	case KIND_RSA:
		return sign_rsa(key, in, inlen, out);
	case KIND_NIST:
		return sign_ecdsa(key, in, inlen, out);
	case KIND_ED25519:
		return sign_eddsa(key, in, inlen, out);
	case KIND_X25519:
		break;
	}
	return ERR_ARGUMENT;
}

/* Deciphering (PSO:DECIPHER) */

static int
decipher_rsa(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	EVP_PKEY_CTX *ctx = NULL;
	struct buf *b = NULL, *plain = NULL;
	size_t modlen = info_len(key->info), len = modlen;
	uint8_t pad, *p;
	int r;

	if ((b = buf_from(in, inlen)) == NULL || (plain = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	/* Padding indicator byte 00 for RSA, then the cryptogram. */
	if (buf_get_u8(b, &pad) != 0 || pad != 0x00 ||
	    buf_len(b) == 0 || buf_len(b) > modlen) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = buf_reserve(plain, modlen, &p)) != 0)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL)) == NULL ||
	    EVP_PKEY_decrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		r = crypto_fail("RSA decryption setup", ERR_CRYPTO);
		goto out;
	}
#ifdef OSSL_ASYM_CIPHER_PARAM_IMPLICIT_REJECTION
	/* A card reports bad padding rather than returning noise. */
	if (EVP_PKEY_CTX_ctrl_str(ctx, "rsa_pkcs1_implicit_rejection",
	    "0") <= 0) {
		r = crypto_fail("RSA implicit rejection", ERR_CRYPTO);
		goto out;
	}
#endif
	if (EVP_PKEY_decrypt(ctx, p, &len, buf_ptr(b), buf_len(b)) <= 0 ||
	    len > modlen) {
		r = crypto_fail("RSA decryption", ERR_FORMAT);
		goto out;
	}
	if ((r = buf_consume_end(plain, modlen - len)) != 0)
		goto out;
	r = buf_putb(out, plain);
 out:
	EVP_PKEY_CTX_free(ctx);
	buf_free(plain);
	buf_free(b);
	return r;
}

/* The host's ephemeral point from A6 { 7F49 { 86 point } }. */
static int
ecdh_point_find(const uint8_t *in, size_t inlen, struct tlv *pt)
{
	struct buf *b;
	struct tlv a6, pk;
	int r;

	memset(pt, 0, sizeof(*pt));
	if ((b = buf_from(in, inlen)) == NULL)
		return ERR_ALLOC;
	r = tlv_get(b, &a6) != 0 || a6.tag != TAG_CIPHER_DO ||
	    buf_len(b) != 0 ||
	    tlv_find(a6.val, a6.len, TAG_PUBKEY, &pk) != 0 ||
	    tlv_find(pk.val, pk.len, TAG_EC_POINT, pt) != 0;
	buf_free(b);
	if (r != 0) {
		memset(pt, 0, sizeof(*pt));
		return ERR_FORMAT;
	}
	return 0;
}

static int
ecdh_peer_nist(const struct key_info *ki, const uint8_t *v, size_t len,
    EVP_PKEY **peerp)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[3];
	struct buf *b;
	uint8_t form = 0;
	int r = 0;

	if ((b = buf_from(v, len)) == NULL)
		return ERR_ALLOC;
	/* Uncompressed points only, as the card's own. */
	if (len != 1 + 2 * info_len(ki) || buf_get_u8(b, &form) != 0 ||
	    form != POINT_UNCOMPRESSED) {
		r = ERR_FORMAT;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)ki->ossl, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, (void *)v, len);
	params[2] = OSSL_PARAM_construct_end();
	/* Import checks that the point is on the curve. */
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, peerp, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		r = crypto_fail("ECDH peer point", ERR_FORMAT);
 out:
	EVP_PKEY_CTX_free(ctx);
	buf_free(b);
	return r;
}

/* 32 raw bytes; a 0x40 prefix as in OpenPGP packets is tolerated. */
static int
ecdh_peer_x25519(const uint8_t *v, size_t len, EVP_PKEY **peerp)
{
	struct buf *b;
	uint8_t prefix;
	int r = 0;

	if ((b = buf_from(v, len)) == NULL)
		return ERR_ALLOC;
	if (len == 1 + X25519_LEN && (buf_get_u8(b, &prefix) != 0 ||
	    prefix != POINT_NATIVE)) {
		r = ERR_FORMAT;
		goto out;
	}
	if (buf_len(b) != X25519_LEN) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((*peerp = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
	    buf_ptr(b), buf_len(b))) == NULL)
		r = crypto_fail("X25519 peer key", ERR_FORMAT);
 out:
	buf_free(b);
	return r;
}

static int
decipher_ecdh(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	struct buf *secret = NULL;
	struct tlv pt;
	size_t flen = info_len(key->info), len = flen;
	uint8_t *p;
	int r;

	if ((r = ecdh_point_find(in, inlen, &pt)) != 0)
		return r;
	if (key->info->kind == KIND_NIST)
		r = ecdh_peer_nist(key->info, pt.val, pt.len, &peer);
	else
		r = ecdh_peer_x25519(pt.val, pt.len, &peer);
	if (r != 0)
		goto out;
	if ((secret = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_reserve(secret, flen, &p)) != 0)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0) {
		r = crypto_fail("ECDH setup", ERR_CRYPTO);
		goto out;
	}
	/* Fails for invalid points and X25519 all-zero results. */
	if (EVP_PKEY_derive_set_peer(ctx, peer) <= 0 ||
	    EVP_PKEY_derive(ctx, p, &len) <= 0 || len != flen) {
		r = crypto_fail("ECDH", ERR_FORMAT);
		goto out;
	}
	r = buf_putb(out, secret);
 out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	buf_free(secret);
	return r;
}

int
key_decipher(const struct card_key *key, const uint8_t *in, size_t inlen,
    struct buf *out)
{
	if (key == NULL || (in == NULL && inlen != 0))
		return ERR_ARGUMENT;
	switch (key->info->kind) {
	case KIND_RSA:
		return decipher_rsa(key, in, inlen, out);
	case KIND_NIST:
	case KIND_X25519:
		return decipher_ecdh(key, in, inlen, out);
	case KIND_ED25519:
		break;
	}
	return ERR_ARGUMENT;
}

/* State file serialisation */

int
key_save(const struct card_key *key, struct buf *out)
{
	OSSL_ENCODER_CTX *ctx = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	int r;

	if (key == NULL)
		return ERR_ARGUMENT;
	if ((ctx = OSSL_ENCODER_CTX_new_for_pkey(key->pkey, EVP_PKEY_KEYPAIR,
	    "DER", "PrivateKeyInfo", NULL)) == NULL ||
	    OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0 ||
	    !OSSL_ENCODER_to_data(ctx, &der, &len)) {
		r = crypto_fail("PKCS#8 encoding", ERR_CRYPTO);
		goto out;
	}
	r = buf_put(out, der, len);
 out:
	OPENSSL_clear_free(der, len);
	OSSL_ENCODER_CTX_free(ctx);
	return r;
}

/* Whether pkey is a key of the kind and size ki describes. */
static int
key_matches(const struct key_info *ki, EVP_PKEY *pkey)
{
	char group[64];
	size_t glen = 0;
	int nid;

	switch (ki->kind) {
	case KIND_RSA:
		return EVP_PKEY_is_a(pkey, "RSA") &&
		    EVP_PKEY_get_bits(pkey) == ki->bits;
	case KIND_NIST:
		if (!EVP_PKEY_is_a(pkey, "EC") ||
		    !EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen))
			return 0;
		if ((nid = EC_curve_nist2nid(group)) == NID_undef)
			nid = OBJ_sn2nid(group);
		return nid != NID_undef && nid == EC_curve_nist2nid(ki->ossl);
	case KIND_ED25519:
	case KIND_X25519:
		return EVP_PKEY_is_a(pkey, ki->ossl);
	}
	return 0;
}

int
key_load(enum key_type type, const uint8_t *der, size_t len,
    struct card_key **keyp)
{
	const struct key_info *ki;
	OSSL_DECODER_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	const uint8_t *p = der;
	size_t left = len;
	int r;

	*keyp = NULL;
	if ((ki = info_get(type)) == NULL || der == NULL)
		return ERR_ARGUMENT;
	if ((ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER",
	    "PrivateKeyInfo", ki->kind == KIND_NIST ? "EC" : ki->ossl,
	    EVP_PKEY_KEYPAIR, NULL, NULL)) == NULL) {
		r = crypto_fail("PKCS#8 decoder", ERR_CRYPTO);
		goto out;
	}
	if (!OSSL_DECODER_from_data(ctx, &p, &left) || pkey == NULL ||
	    left != 0) {
		r = crypto_fail("PKCS#8 decoding", ERR_FORMAT);
		goto out;
	}
	if (!key_matches(ki, pkey)) {
		debug("stored key is not %s", ki->name);
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = key_wrap(ki, pkey, keyp)) == 0)
		pkey = NULL;	/* owned by *keyp */
 out:
	EVP_PKEY_free(pkey);
	OSSL_DECODER_CTX_free(ctx);
	return r;
}
