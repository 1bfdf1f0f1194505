/* cmocka tests of agent/sessbind.c with keys and signatures from OpenSSL. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "buf.h"
#include "err.h"
#include "keyblob.h"
#include "sessbind.h"

struct hk {
	EVP_PKEY	*pkey;
	struct buf	*blob;
	const char	*sigalg;
	const char	*md;
	int		 ecbits;	/* 0: not ECDSA */
};

static void
blob_rsa(struct hk *h)
{
	BIGNUM *n = NULL, *e = NULL;
	uint8_t nb[1024], eb[16];
	int nl, el;

	assert_int_equal(EVP_PKEY_get_bn_param(h->pkey, OSSL_PKEY_PARAM_RSA_N,
	    &n), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(h->pkey, OSSL_PKEY_PARAM_RSA_E,
	    &e), 1);
	nl = BN_bn2bin(n, nb);
	el = BN_bn2bin(e, eb);
	assert_int_equal(keyblob_put_rsa(h->blob, nb, (size_t)nl, eb,
	    (size_t)el), 0);
	BN_free(n);
	BN_free(e);
}

static void
make_key(struct hk *h, const char *type, const char *param)
{
	uint8_t pub[200];
	size_t len = sizeof(pub);

	memset(h, 0, sizeof(*h));
	if (strcmp(type, "RSA") == 0)
		h->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(type, "EC") == 0)
		h->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
	else
		h->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(h->pkey);
	h->blob = buf_new();
	if (strcmp(type, "RSA") == 0) {
		blob_rsa(h);
		h->sigalg = param;
		h->md = strcmp(param, "rsa-sha2-256") == 0 ? "SHA256" :
		    "SHA512";
	} else if (strcmp(type, "EC") == 0) {
		assert_int_equal(EVP_PKEY_get_octet_string_param(h->pkey,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &len), 1);
		h->ecbits = strcmp(param, "P-256") == 0 ? 256 :
		    strcmp(param, "P-384") == 0 ? 384 : 521;
		assert_int_equal(keyblob_put_ecdsa(h->blob, h->ecbits, pub,
		    len), 0);
		h->sigalg = h->ecbits == 256 ? "ecdsa-sha2-nistp256" :
		    h->ecbits == 384 ? "ecdsa-sha2-nistp384" :
		    "ecdsa-sha2-nistp521";
		h->md = h->ecbits == 256 ? "SHA256" : h->ecbits == 384 ?
		    "SHA384" : "SHA512";
	} else {
		assert_int_equal(EVP_PKEY_get_raw_public_key(h->pkey, pub,
		    &len), 1);
		assert_int_equal(keyblob_put_ed25519(h->blob, pub, len), 0);
		h->sigalg = "ssh-ed25519";
	}
}

static void
free_key(struct hk *h)
{
	EVP_PKEY_free(h->pkey);
	buf_free(h->blob);
}

/* ECDSA DER to the SSH (mpint r, mpint s) form. */
static void
put_ecdsa_sig(struct buf *inner, const uint8_t *der, size_t len)
{
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)len);
	const BIGNUM *r, *s;
	uint8_t rb[80], sb[80];
	struct buf *rs = buf_new();
	int rl, sl;

	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	rl = BN_bn2bin(r, rb);
	sl = BN_bn2bin(s, sb);
	assert_int_equal(buf_put_mpint_bytes(rs, rb, (size_t)rl), 0);
	assert_int_equal(buf_put_mpint_bytes(rs, sb, (size_t)sl), 0);
	assert_int_equal(buf_put_stringb(inner, rs), 0);
	buf_free(rs);
	ECDSA_SIG_free(es);
}

static struct buf *
sign(const struct hk *h, const struct buf *data)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t sig[1024];
	size_t len = sizeof(sig);
	struct buf *b = buf_new();

	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, h->md, NULL, NULL,
	    h->pkey, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, buf_ptr(data),
	    buf_len(data)), 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(buf_put_cstring(b, h->sigalg), 0);
	if (h->ecbits != 0)
		put_ecdsa_sig(b, sig, len);
	else
		assert_int_equal(buf_put_string(b, sig, len), 0);
	return b;
}

static struct buf *
session_id(uint8_t seed)
{
	uint8_t sid[32];

	memset(sid, seed, sizeof(sid));
	return buf_dup(sid, sizeof(sid));
}

/* Flip one bit at offset in a copy of b. */
static struct buf *
flipped(const struct buf *b, size_t offset)
{
	struct buf *c = buf_new();
	uint8_t *p;

	assert_int_equal(buf_reserve(c, buf_len(b), &p), 0);
	memcpy(p, buf_ptr(b), buf_len(b));
	p[offset] ^= 0x01;
	return c;
}

static void
check_type(const char *type, const char *param)
{
	struct hk h;
	struct buf *sid = session_id(7), *sig, *bad;

	make_key(&h, type, param);
	sig = sign(&h, sid);
	assert_int_equal(sessbind_verify(h.blob, sid, sig), 0);
	/* last byte of the signature, of the session id, of the key */
	bad = flipped(sig, buf_len(sig) - 1);
	assert_int_not_equal(sessbind_verify(h.blob, sid, bad), 0);
	buf_free(bad);
	bad = flipped(sid, 3);
	assert_int_not_equal(sessbind_verify(h.blob, bad, sig), 0);
	buf_free(bad);
	bad = flipped(h.blob, buf_len(h.blob) - 2);
	assert_int_not_equal(sessbind_verify(bad, sid, sig), 0);
	buf_free(bad);
	buf_free(sig);
	buf_free(sid);
	free_key(&h);
}

static void
test_ed25519(void **state)
{
	check_type("ED25519", NULL);
}

static void
test_ecdsa(void **state)
{
	check_type("EC", "P-256");
	check_type("EC", "P-384");
	check_type("EC", "P-521");
}

static void
test_rsa(void **state)
{
	check_type("RSA", "rsa-sha2-256");
	check_type("RSA", "rsa-sha2-512");
}

/* Every prefix of key and signature blob fails; so does junk after. */
static void
test_malformed(void **state)
{
	struct hk h;
	struct buf *sid = session_id(1), *sig, *cut;
	size_t n;

	make_key(&h, "EC", "P-256");
	sig = sign(&h, sid);
	for (n = 0; n < buf_len(h.blob); n++) {
		cut = buf_dup(buf_ptr(h.blob), n);
		assert_int_not_equal(sessbind_verify(cut, sid, sig), 0);
		buf_free(cut);
	}
	for (n = 0; n < buf_len(sig); n++) {
		cut = buf_dup(buf_ptr(sig), n);
		assert_int_not_equal(sessbind_verify(h.blob, sid, cut), 0);
		buf_free(cut);
	}
	cut = buf_dup(buf_ptr(sig), buf_len(sig));
	assert_int_equal(buf_put_u8(cut, 0), 0);
	assert_int_not_equal(sessbind_verify(h.blob, sid, cut), 0);
	buf_free(cut);
	buf_free(sig);
	buf_free(sid);
	free_key(&h);
}

static void
test_wrong_alg(void **state)
{
	struct hk h;
	struct buf *sid = session_id(2), *sig;

	/* an ssh-rsa (SHA-1) host signature is not accepted */
	make_key(&h, "RSA", "rsa-sha2-256");
	h.sigalg = "ssh-rsa";
	h.md = "SHA1";
	sig = sign(&h, sid);
	assert_int_not_equal(sessbind_verify(h.blob, sid, sig), 0);
	buf_free(sig);
	free_key(&h);
	buf_free(sid);
}

/* Strip the leading zero of an RSA signature blob's signature bytes. */
static struct buf *
rsa_sig_stripped(const struct buf *sig)
{
	struct buf *in = buf_from(buf_ptr(sig), buf_len(sig)), *out = buf_new();
	const uint8_t *p;
	char *alg = NULL;
	size_t len;

	assert_int_equal(buf_get_cstring(in, &alg, NULL), 0);
	assert_int_equal(buf_get_string_direct(in, &p, &len), 0);
	assert_int_equal(p[0], 0);
	assert_int_equal(buf_put_cstring(out, alg), 0);
	assert_int_equal(buf_put_string(out, p + 1, len - 1), 0);
	free(alg);
	buf_free(in);
	return out;
}

/* A signature one byte shorter than the modulus (leading zero dropped,
 * as some signers send it) verifies; a longer one does not. */
static void
test_rsa_short_sig(void **state)
{
	struct buf *sid = NULL, *sig = NULL, *cut, *longer;
	struct hk h;
	unsigned seed;

	make_key(&h, "RSA", "rsa-sha2-256");
	/* about one signature in 256 starts with a zero byte */
	for (seed = 0; seed < 4096; seed++) {
		buf_free(sid);
		buf_free(sig);
		sid = session_id((uint8_t)seed);
		assert_int_equal(buf_put_u32(sid, seed), 0);
		sig = sign(&h, sid);
		/* string alg (4 + 12), then the length, then the bytes */
		if (buf_ptr(sig)[4 + 12 + 4] == 0)
			break;
	}
	assert_true(seed < 4096);
	assert_int_equal(sessbind_verify(h.blob, sid, sig), 0);
	cut = rsa_sig_stripped(sig);
	assert_int_equal(sessbind_verify(h.blob, sid, cut), 0);
	buf_free(cut);
	longer = buf_new();
	assert_int_equal(buf_put_cstring(longer, "rsa-sha2-256"), 0);
	assert_int_equal(buf_put_u32(longer, 257), 0);
	assert_int_equal(buf_put_u8(longer, 0), 0);
	assert_int_equal(buf_put(longer, buf_ptr(sig) + 4 + 12 + 4, 256), 0);
	assert_int_equal(sessbind_verify(h.blob, sid, longer), ERR_FORMAT);
	buf_free(longer);
	buf_free(sig);
	buf_free(sid);
	free_key(&h);
}

/* Host keys refused before any arithmetic: an RSA exponent over 64
 * bits, a compressed or an off-curve ECDSA point. */
static void
test_odd_keys(void **state)
{
	static const uint8_t n[256] = { 0xc5, [255] = 0x01 };
	static const uint8_t e[9] = { 0x01, [8] = 0x01 };
	struct buf *sid = session_id(3), *sig, *blob;
	uint8_t pub[200];
	size_t len = sizeof(pub);
	struct hk h;

	blob = buf_new();
	assert_int_equal(keyblob_put_rsa(blob, n, sizeof(n), e, 9), 0);
	sig = buf_new();
	assert_int_equal(buf_put_cstring(sig, "rsa-sha2-256"), 0);
	assert_int_equal(buf_put_string(sig, n, sizeof(n)), 0);
	assert_int_equal(sessbind_verify(blob, sid, sig), ERR_UNSUPPORTED);
	buf_free(blob);
	buf_free(sig);

	make_key(&h, "EC", "P-256");
	sig = sign(&h, sid);
	assert_int_equal(EVP_PKEY_get_octet_string_param(h.pkey,
	    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &len), 1);
	blob = buf_new();
	pub[0] = 0x02 | (pub[len - 1] & 1);	/* compressed: 0x02/3, X */
	assert_int_equal(buf_put_cstring(blob, "ecdsa-sha2-nistp256"), 0);
	assert_int_equal(buf_put_cstring(blob, "nistp256"), 0);
	assert_int_equal(buf_put_string(blob, pub, 33), 0);
	assert_int_equal(sessbind_verify(blob, sid, sig), ERR_FORMAT);
	buf_free(blob);
	pub[0] = 0x04;
	pub[len - 1] ^= 0x01;			/* Y off the curve */
	blob = buf_new();
	assert_int_equal(keyblob_put_ecdsa(blob, 256, pub, len), 0);
	assert_int_equal(sessbind_verify(blob, sid, sig), ERR_CRYPTO);
	buf_free(blob);
	buf_free(sig);
	buf_free(sid);
	free_key(&h);
}

static void
test_record(void **state)
{
	struct sessbind sb;
	struct hk h, h2;
	struct buf *sid, *sig;
	int i;

	memset(&sb, 0, sizeof(sb));
	make_key(&h, "ED25519", NULL);
	make_key(&h2, "ED25519", NULL);
	for (i = 0; i < SESSBIND_MAX; i++) {
		sid = session_id((uint8_t)i);
		sig = sign(&h, sid);
		assert_int_equal(sessbind_add(&sb, h.blob, sid, sig, 1), 0);
		/* the same bind again is fine */
		assert_int_equal(sessbind_add(&sb, h.blob, sid, sig, 1), 0);
		buf_free(sig);
		buf_free(sid);
	}
	assert_int_equal(sb.n, SESSBIND_MAX);
	assert_int_equal(sb.failed, 0);
	sid = session_id(200);
	sig = sign(&h, sid);
	assert_int_not_equal(sessbind_add(&sb, h.blob, sid, sig, 1), 0);
	assert_int_equal(sb.failed, 1);
	buf_free(sig);
	buf_free(sid);
	sessbind_clear(&sb);
	/* a session id bound to another host key fails */
	sid = session_id(1);
	sig = sign(&h, sid);
	assert_int_equal(sessbind_add(&sb, h.blob, sid, sig, 1), 0);
	buf_free(sig);
	sig = sign(&h2, sid);
	assert_int_not_equal(sessbind_add(&sb, h2.blob, sid, sig, 1), 0);
	buf_free(sig);
	buf_free(sid);
	sessbind_clear(&sb);
	/* nothing binds after a bind for authentication */
	sid = session_id(1);
	sig = sign(&h, sid);
	assert_int_equal(sessbind_add(&sb, h.blob, sid, sig, 0), 0);
	buf_free(sig);
	buf_free(sid);
	sid = session_id(2);
	sig = sign(&h, sid);
	assert_int_not_equal(sessbind_add(&sb, h.blob, sid, sig, 1), 0);
	assert_int_equal(sb.seen, 1);
	buf_free(sig);
	buf_free(sid);
	sessbind_clear(&sb);
	free_key(&h);
	free_key(&h2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_wrong_alg),
		cmocka_unit_test(test_rsa_short_sig),
		cmocka_unit_test(test_odd_keys),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
