#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "sessbind.h"

#define RSA_MIN_BYTES	(1024 / 8)
#define RSA_MAX_BYTES	(16384 / 8)

/* Host key types, their OpenSSL form and the signature algorithms. */
static const struct hk_type {
	const char	*name;
	const char	*keytype;	/* OpenSSL key type */
	const char	*group;		/* EC curve, or NULL */
	const char	*sig1, *md1;	/* accepted signature, digest */
	const char	*sig2, *md2;
} hk_types[] = {
	{ "ssh-ed25519", "ED25519", NULL, "ssh-ed25519", NULL, NULL, NULL },
	{ "ecdsa-sha2-nistp256", "EC", "P-256",
	    "ecdsa-sha2-nistp256", "SHA256", NULL, NULL },
	{ "ecdsa-sha2-nistp384", "EC", "P-384",
	    "ecdsa-sha2-nistp384", "SHA384", NULL, NULL },
	{ "ecdsa-sha2-nistp521", "EC", "P-521",
	    "ecdsa-sha2-nistp521", "SHA512", NULL, NULL },
	{ "ssh-rsa", "RSA", NULL,
	    "rsa-sha2-256", "SHA256", "rsa-sha2-512", "SHA512" },
};

/* A positive SSH mpint as a BIGNUM. */
static int
get_bn(struct buf *b, BIGNUM **bnp)
{
	const uint8_t *p;
	uint8_t first;
	size_t len;
	int r;

	*bnp = NULL;
	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len == 0 || len > RSA_MAX_BYTES + 1)
		return ERR_FORMAT;
	memcpy(&first, p, 1);
	if ((first & 0x80) != 0)
		return ERR_FORMAT;	/* negative */
	if ((*bnp = BN_bin2bn(p, (int)len, NULL)) == NULL)
		return ERR_CRYPTO;
	return 0;
}

static int
fromdata(const char *keytype, OSSL_PARAM *params, EVP_PKEY **pkeyp)
{
	EVP_PKEY_CTX *ctx;
	int r = ERR_CRYPTO;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, keytype, NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, pkeyp, EVP_PKEY_PUBLIC_KEY, params) == 1)
		r = 0;
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
load_ec(struct buf *b, const struct hk_type *t, EVP_PKEY **pkeyp)
{
	OSSL_PARAM params[3];
	const uint8_t *q;
	char *curve = NULL;
	size_t qlen;
	int r;

	if ((r = buf_get_cstring(b, &curve, NULL)) != 0 ||
	    (r = buf_get_string_direct(b, &q, &qlen)) != 0)
		goto out;
	/* the curve name must match the key type's suffix */
	if (strcmp(curve, t->name + strlen("ecdsa-sha2-")) != 0 ||
	    qlen == 0) {
		r = ERR_FORMAT;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)t->group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)q, qlen);
	params[2] = OSSL_PARAM_construct_end();
	r = fromdata("EC", params, pkeyp);
 out:
	free(curve);
	return r;
}

static int
load_rsa(struct buf *b, EVP_PKEY **pkeyp)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *e = NULL, *n = NULL;
	int r;

	if ((r = get_bn(b, &e)) != 0 || (r = get_bn(b, &n)) != 0)
		goto out;
	if (BN_num_bytes(n) < RSA_MIN_BYTES || BN_num_bytes(n) > RSA_MAX_BYTES) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	r = ERR_CRYPTO;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	r = fromdata("RSA", params, pkeyp);
 out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return r;
}

static int
load_ed25519(struct buf *b, EVP_PKEY **pkeyp)
{
	const uint8_t *pk;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &pk, &len)) != 0)
		return r;
	if (len != 32)
		return ERR_FORMAT;
	if ((*pkeyp = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
	    pk, len)) == NULL)
		return ERR_CRYPTO;
	return 0;
}

/* Parse an SSH host key blob; exactly one key, nothing after it. */
static int
load_hostkey(const struct buf *blob, const struct hk_type **tp,
    EVP_PKEY **pkeyp)
{
	struct buf *b;
	char *name = NULL;
	size_t i;
	int r;

	*tp = NULL;
	*pkeyp = NULL;
	if ((b = buf_from(buf_ptr(blob), buf_len(blob))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(b, &name, NULL)) != 0)
		goto out;
	r = ERR_UNSUPPORTED;
	for (i = 0; i < sizeof(hk_types) / sizeof(hk_types[0]); i++)
		if (strcmp(name, hk_types[i].name) == 0)
			*tp = &hk_types[i];
	if (*tp == NULL)
		goto out;
	if (strcmp((*tp)->keytype, "ED25519") == 0)
		r = load_ed25519(b, pkeyp);
	else if (strcmp((*tp)->keytype, "EC") == 0)
		r = load_ec(b, *tp, pkeyp);
	else
		r = load_rsa(b, pkeyp);
	if (r == 0 && buf_len(b) != 0)
		r = ERR_FORMAT;
 out:
	if (r != 0) {
		EVP_PKEY_free(*pkeyp);
		*pkeyp = NULL;
	}
	free(name);
	buf_free(b);
	return r;
}

/* ECDSA: SSH (mpint r, mpint s) to the DER form OpenSSL verifies. */
static int
ecdsa_der(const uint8_t *sig, size_t len, uint8_t **derp, size_t *derlenp)
{
	struct buf *b;
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	int r, dlen;

	*derp = NULL;
	*derlenp = 0;
	if ((b = buf_from(sig, len)) == NULL)
		return ERR_ALLOC;
	if ((r = get_bn(b, &br)) != 0 || (r = get_bn(b, &bs)) != 0)
		goto out;
	r = ERR_FORMAT;
	if (buf_len(b) != 0)
		goto out;
	r = ERR_CRYPTO;
	if ((es = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(es, br, bs) != 1)
		goto out;
	br = bs = NULL;
	if ((dlen = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto out;
	*derp = der;
	*derlenp = (size_t)dlen;
	r = 0;
 out:
	ECDSA_SIG_free(es);
	BN_free(br);
	BN_free(bs);
	buf_free(b);
	return r;
}

static int
verify_raw(EVP_PKEY *pkey, const char *md, const uint8_t *sig, size_t siglen,
    const struct buf *data)
{
	EVP_MD_CTX *ctx;
	int r = ERR_CRYPTO;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ERR_ALLOC;
	if (EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, pkey,
	    NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, buf_ptr(data),
	    buf_len(data)) == 1)
		r = 0;
	EVP_MD_CTX_free(ctx);
	return r;
}

/* RSA signatures shorter than the modulus are left-padded with zeros. */
static int
verify_rsa(EVP_PKEY *pkey, const char *md, const uint8_t *sig, size_t len,
    const struct buf *data)
{
	struct buf *padded;
	size_t mlen = (size_t)EVP_PKEY_get_size(pkey);
	uint8_t *p;
	int r;

	if (len == 0 || len > mlen)
		return ERR_FORMAT;
	if ((padded = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_reserve(padded, mlen - len, &p)) == 0) {
		memset(p, 0, mlen - len);
		if ((r = buf_put(padded, sig, len)) == 0)
			r = verify_raw(pkey, md, buf_ptr(padded), mlen, data);
	}
	buf_free(padded);
	return r;
}

static int
verify_sig(const struct hk_type *t, EVP_PKEY *pkey, const struct buf *sig,
    const struct buf *data)
{
	struct buf *b;
	const uint8_t *bytes;
	uint8_t *der = NULL;
	char *alg = NULL;
	const char *md;
	size_t len, derlen;
	int r;

	if ((b = buf_from(buf_ptr(sig), buf_len(sig))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(b, &alg, NULL)) != 0 ||
	    (r = buf_get_string_direct(b, &bytes, &len)) != 0)
		goto out;
	r = ERR_FORMAT;
	if (buf_len(b) != 0)
		goto out;
	if (strcmp(alg, t->sig1) == 0)
		md = t->md1;
	else if (t->sig2 != NULL && strcmp(alg, t->sig2) == 0)
		md = t->md2;
	else
		goto out;
	if (strcmp(t->keytype, "ED25519") == 0)
		r = len == 64 ? verify_raw(pkey, NULL, bytes, len, data) :
		    ERR_FORMAT;
	else if (strcmp(t->keytype, "RSA") == 0)
		r = verify_rsa(pkey, md, bytes, len, data);
	else if ((r = ecdsa_der(bytes, len, &der, &derlen)) == 0)
		r = verify_raw(pkey, md, der, derlen, data);
 out:
	OPENSSL_free(der);
	free(alg);
	buf_free(b);
	return r;
}

int
sessbind_verify(const struct buf *hostkey, const struct buf *session_id,
    const struct buf *sig)
{
	const struct hk_type *t;
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = load_hostkey(hostkey, &t, &pkey)) != 0)
		return r;
	r = verify_sig(t, pkey, sig, session_id);
	EVP_PKEY_free(pkey);
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

int
sessbind_warmup(void)
{
	static const char *const keytypes[] = { "ED25519", "EC", "RSA" };
	static const char *const mds[] = { "SHA256", "SHA384", "SHA512" };
	EVP_PKEY_CTX *ctx;
	EVP_MD *md;
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++) {
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, keytypes[i],
		    NULL)) == NULL)
			return ERR_CRYPTO;
		EVP_PKEY_CTX_free(ctx);
	}
	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		if ((md = EVP_MD_fetch(NULL, mds[i], NULL)) == NULL)
			return ERR_CRYPTO;
		EVP_MD_free(md);
	}
	return 0;
}
