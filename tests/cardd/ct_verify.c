/*
 * cardtest's signature check: parses an OpenSSH public key and an SSH
 * signature blob and verifies with OpenSSL's EVP, sharing no code with
 * the signing path in cardd/openpgp_sig.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "buf.h"
#include "cardtest.h"
#include "err.h"
#include "log.h"

int
ct_read_file(const char *path, struct buf **bp)
{
	struct buf *b;
	FILE *f;
	char chunk[4096];
	size_t n;
	int r = 0;

	*bp = NULL;
	if ((f = fopen(path, "r")) == NULL)
		return ERR_SYSTEM;
	if ((b = buf_new()) == NULL) {
		fclose(f);
		return ERR_ALLOC;
	}
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = buf_put(b, chunk, n);
	if (r == 0 && ferror(f))
		r = ERR_SYSTEM;
	fclose(f);
	if (r != 0) {
		buf_free(b);
		return r;
	}
	*bp = b;
	return 0;
}

int
ct_base64(const struct buf *b, char **outp)
{
	size_t n = 4 * ((buf_len(b) + 2) / 3) + 1;

	if ((*outp = malloc(n)) == NULL)
		return ERR_ALLOC;
	EVP_EncodeBlock((unsigned char *)*outp, buf_ptr(b), (int)buf_len(b));
	return 0;
}

int
ct_unbase64(const char *s, struct buf **bp)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *out;
	int n;

	*bp = NULL;
	if (len == 0 || len % 4 != 0)
		return ERR_FORMAT;
	pad = (s[len - 1] == '=') + (s[len - 2] == '=');
	if ((out = malloc(len)) == NULL)
		return ERR_ALLOC;
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)s,
	    (int)len)) < 0 || (size_t)n < pad) {
		free(out);
		return ERR_FORMAT;
	}
	*bp = buf_dup(out, (size_t)n - pad);
	free(out);
	return *bp == NULL ? ERR_ALLOC : 0;
}

/* "type base64 comment" → the blob. */
static int
read_pub(const char *path, struct buf **blobp)
{
	struct buf *f;
	char *line, *sp, *b64;
	int r;

	*blobp = NULL;
	if ((r = ct_read_file(path, &f)) != 0)
		return r;
	if ((line = strndup((const char *)buf_ptr(f), buf_len(f))) == NULL) {
		buf_free(f);
		return ERR_ALLOC;
	}
	r = ERR_FORMAT;
	if ((sp = strchr(line, ' ')) != NULL) {
		b64 = sp + 1;
		b64[strcspn(b64, " \n")] = '\0';
		r = ct_unbase64(b64, blobp);
	}
	free(line);
	buf_free(f);
	return r;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	OSSL_PARAM *params = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return pk;
}

static EVP_PKEY *
pkey_rsa(struct buf *blob)
{
	const uint8_t *e, *n;
	size_t elen, nlen;
	BIGNUM *be = NULL, *bn = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pk = NULL;

	if (buf_get_string_direct(blob, &e, &elen) != 0 ||
	    (be = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    buf_get_string_direct(blob, &n, &nlen) != 0 ||
	    (bn = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	pk = pkey_fromdata("RSA", bld);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	BN_free(bn);
	return pk;
}

static EVP_PKEY *
pkey_ec(struct buf *blob)
{
	const uint8_t *curve, *q;
	size_t clen, qlen;
	const char *group;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pk = NULL;

	if (buf_get_string_direct(blob, &curve, &clen) != 0 ||
	    buf_get_string_direct(blob, &q, &qlen) != 0)
		return NULL;
	group = clen == 8 && memcmp(curve, "nistp256", 8) == 0 ? "P-256" :
	    clen == 8 && memcmp(curve, "nistp384", 8) == 0 ? "P-384" :
	    clen == 8 && memcmp(curve, "nistp521", 8) == 0 ? "P-521" : NULL;
	if (group == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    q, qlen))
		goto out;
	pk = pkey_fromdata("EC", bld);
 out:
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

static EVP_PKEY *
pkey_from_blob(struct buf *blob, char **typep)
{
	const uint8_t *pk;
	size_t len;

	if (buf_get_cstring(blob, typep, NULL) != 0)
		return NULL;
	if (strcmp(*typep, "ssh-rsa") == 0)
		return pkey_rsa(blob);
	if (strncmp(*typep, "ecdsa-sha2-", 11) == 0)
		return pkey_ec(blob);
	if (strcmp(*typep, "ssh-ed25519") == 0 &&
	    buf_get_string_direct(blob, &pk, &len) == 0)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk,
		    len);
	return NULL;
}

/* SSH ECDSA (mpint r, mpint s) → DER for OpenSSL. */
static int
ecdsa_der(const uint8_t *v, size_t len, unsigned char **derp, int *dlenp)
{
	struct buf *b = buf_from(v, len);
	const uint8_t *rp, *sp;
	size_t rl, sl;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int ok = -1;

	*derp = NULL;
	if (b == NULL || buf_get_string_direct(b, &rp, &rl) != 0 ||
	    buf_get_string_direct(b, &sp, &sl) != 0 || buf_len(b) != 0 ||
	    (r = BN_bin2bn(rp, (int)rl, NULL)) == NULL ||
	    (s = BN_bin2bn(sp, (int)sl, NULL)) == NULL ||
	    (es = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;
	if ((*dlenp = i2d_ECDSA_SIG(es, derp)) > 0)
		ok = 0;
 out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	buf_free(b);
	return ok;
}

static const char *
alg_md(const char *alg)
{
	if (strcmp(alg, "ssh-rsa") == 0)
		return "SHA1";
	if (strcmp(alg, "rsa-sha2-256") == 0 ||
	    strcmp(alg, "ecdsa-sha2-nistp256") == 0)
		return "SHA256";
	if (strcmp(alg, "ecdsa-sha2-nistp384") == 0)
		return "SHA384";
	if (strcmp(alg, "rsa-sha2-512") == 0 ||
	    strcmp(alg, "ecdsa-sha2-nistp521") == 0)
		return "SHA512";
	return NULL;
}

static int
evp_verify(EVP_PKEY *pk, const char *md, const uint8_t *sig, size_t slen,
    const struct buf *data)
{
	EVP_MD_CTX *mc;
	int ok;

	if ((mc = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit_ex(mc, NULL, md, NULL, NULL, pk, NULL) ==
	    1 && EVP_DigestVerify(mc, sig, slen, buf_ptr(data),
	    buf_len(data)) == 1;
	EVP_MD_CTX_free(mc);
	return ok;
}

int
ct_verify(const char *pubfile, const char *alg, const char *datafile,
    const char *sigb64)
{
	struct buf *blob = NULL, *data = NULL, *sig = NULL;
	EVP_PKEY *pk = NULL;
	char *ktype = NULL, *salg = NULL;
	const uint8_t *s;
	unsigned char *der = NULL;
	size_t slen;
	int dlen, ok = 0;

	if (read_pub(pubfile, &blob) != 0 ||
	    ct_read_file(datafile, &data) != 0 ||
	    ct_unbase64(sigb64, &sig) != 0 ||
	    (pk = pkey_from_blob(blob, &ktype)) == NULL ||
	    buf_get_cstring(sig, &salg, NULL) != 0 ||
	    buf_get_string_direct(sig, &s, &slen) != 0 || buf_len(sig) != 0) {
		error("cannot parse key or signature");
		goto out;
	}
	if (strcmp(salg, alg) != 0) {
		error("signature is %s, wanted %s", salg, alg);
		goto out;
	}
	if (strncmp(alg, "ecdsa-", 6) == 0) {
		if (ecdsa_der(s, slen, &der, &dlen) == 0)
			ok = evp_verify(pk, alg_md(alg), der, (size_t)dlen,
			    data);
	} else if (strcmp(ktype, "ssh-rsa") == 0 &&
	    slen != (size_t)EVP_PKEY_get_size(pk)) {
		error("RSA signature of %zu bytes, modulus %d", slen,
		    EVP_PKEY_get_size(pk));
	} else
		ok = evp_verify(pk, alg_md(alg), s, slen, data);
	if (!ok)
		error("signature does not verify");
 out:
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	free(ktype);
	free(salg);
	buf_free(blob);
	buf_free(data);
	buf_free(sig);
	return ok ? 0 : -1;
}
