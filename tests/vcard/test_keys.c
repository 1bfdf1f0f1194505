/*
 * Unit tests for the virtual card's key operations (tests/vcard/keys.c).
 * Every result is checked with OpenSSL independently of keys.c: public
 * keys are rebuilt from the 7F49 template, signatures verified, and
 * fingerprints compared with published OpenPGP sample keys.
 */
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
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "err.h"
#include "keyblob.h"
#include "keys.h"
#include "tlv.h"

static const enum key_type all_types[] = {
	KEY_RSA2048, KEY_RSA3072, KEY_RSA4096, KEY_P256, KEY_P384, KEY_P521,
	KEY_ED25519, KEY_X25519, KEY_ECDH_P256, KEY_ECDH_P384, KEY_ECDH_P521,
};
#define NTYPES		(sizeof(all_types) / sizeof(all_types[0]))
#define NKEYS		(KEY_ECDH_P521 + 1)

/* One key of each type, generated once for the whole group. */
static struct card_key *keys[NKEYS];

static int
is_rsa(enum key_type t)
{
	return t == KEY_RSA2048 || t == KEY_RSA3072 || t == KEY_RSA4096;
}

static int
is_nist(enum key_type t)
{
	return t == KEY_P256 || t == KEY_P384 || t == KEY_P521 ||
	    t == KEY_ECDH_P256 || t == KEY_ECDH_P384 || t == KEY_ECDH_P521;
}

static size_t
field_len(enum key_type t)
{
	switch (t) {
	case KEY_RSA2048:
		return 256;
	case KEY_RSA3072:
		return 384;
	case KEY_RSA4096:
		return 512;
	case KEY_P384:
	case KEY_ECDH_P384:
		return 48;
	case KEY_P521:
	case KEY_ECDH_P521:
		return 66;
	default:
		return 32;
	}
}

static const char *
group_name(enum key_type t)
{
	switch (field_len(t)) {
	case 48:
		return "P-384";
	case 66:
		return "P-521";
	default:
		return "P-256";
	}
}

static uint8_t *
unhex(const char *hex, size_t *lenp)
{
	long len = 0;
	uint8_t *p;

	p = OPENSSL_hexstr2buf(hex, &len);
	assert_non_null(p);
	*lenp = (size_t)len;
	return p;
}

static int
group_setup(void **state)
{
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		if (key_generate(all_types[i], &keys[all_types[i]]) != 0)
			return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		key_free(keys[i]);
		keys[i] = NULL;
	}
	return 0;
}

/* The template of key k, in a new buffer. */
static struct buf *
pubkey_do(const struct card_key *k)
{
	struct buf *b;

	assert_non_null(b = buf_new());
	assert_int_equal(key_pubkey_do_put(k, b), 0);
	return b;
}

static EVP_PKEY *
pkey_from_params(const char *name, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	assert_non_null(ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL));
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* An OpenSSL public key rebuilt from nothing but the 7F49 template. */
static EVP_PKEY *
pubkey_from_do(enum key_type t, const struct buf *dob)
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params;
	BIGNUM *n, *e;
	EVP_PKEY *pkey;
	struct tlv tpk, tn, te, tq;

	assert_int_equal(tlv_find(buf_ptr(dob), buf_len(dob), 0x7f49,
	    &tpk), 0);
	assert_non_null(bld = OSSL_PARAM_BLD_new());
	if (is_rsa(t)) {
		assert_int_equal(tlv_find(tpk.val, tpk.len, 0x81, &tn), 0);
		assert_int_equal(tlv_find(tpk.val, tpk.len, 0x82, &te), 0);
		n = BN_bin2bn(tn.val, (int)tn.len, NULL);
		e = BN_bin2bn(te.val, (int)te.len, NULL);
		assert_true(OSSL_PARAM_BLD_push_BN(bld, "n", n));
		assert_true(OSSL_PARAM_BLD_push_BN(bld, "e", e));
		params = OSSL_PARAM_BLD_to_param(bld);
		pkey = pkey_from_params("RSA", params);
		BN_free(n);
		BN_free(e);
	} else {
		assert_int_equal(tlv_find(tpk.val, tpk.len, 0x86, &tq), 0);
		if (is_nist(t)) {
			assert_true(OSSL_PARAM_BLD_push_utf8_string(bld,
			    "group", group_name(t), 0));
		}
		assert_true(OSSL_PARAM_BLD_push_octet_string(bld, "pub",
		    tq.val, tq.len));
		params = OSSL_PARAM_BLD_to_param(bld);
		pkey = pkey_from_params(is_nist(t) ? "EC" :
		    t == KEY_ED25519 ? "ED25519" : "X25519", params);
	}
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* Names and slots */

static void
test_names(void **state)
{
	static const struct {
		const char	*name;
		enum key_slot	 slot;
		int		 ok;
		enum key_type	 type;
	} cases[] = {
		{ "rsa2048", SLOT_SIG, 1, KEY_RSA2048 },
		{ "rsa3072", SLOT_DEC, 1, KEY_RSA3072 },
		{ "rsa4096", SLOT_AUT, 1, KEY_RSA4096 },
		{ "p256", SLOT_AUT, 1, KEY_P256 },
		{ "p384", SLOT_SIG, 1, KEY_P384 },
		{ "p521", SLOT_AUT, 1, KEY_P521 },
		{ "p256", SLOT_DEC, 1, KEY_ECDH_P256 },
		{ "p384", SLOT_DEC, 1, KEY_ECDH_P384 },
		{ "p521", SLOT_DEC, 1, KEY_ECDH_P521 },
		{ "ed25519", SLOT_SIG, 1, KEY_ED25519 },
		{ "ed25519", SLOT_AUT, 1, KEY_ED25519 },
		{ "ed25519", SLOT_DEC, 1, KEY_X25519 },
		{ "x25519", SLOT_DEC, 1, KEY_X25519 },
		{ "cv25519", SLOT_DEC, 1, KEY_X25519 },
		{ "x25519", SLOT_SIG, 0, KEY_NONE },
		{ "x25519", SLOT_AUT, 0, KEY_NONE },
		{ "rsa1024", SLOT_SIG, 0, KEY_NONE },
		{ "", SLOT_SIG, 0, KEY_NONE },
		{ "RSA2048", SLOT_SIG, 0, KEY_NONE },
		{ "ed448", SLOT_SIG, 0, KEY_NONE },
	};
	enum key_type t;
	enum key_slot slot;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = KEY_RSA2048;
		if (cases[i].ok) {
			assert_int_equal(key_type_from_name(cases[i].name,
			    cases[i].slot, &t), 0);
		} else {
			assert_true(key_type_from_name(cases[i].name,
			    cases[i].slot, &t) < 0);
		}
		assert_int_equal(t, cases[i].type);
	}
	assert_true(key_type_from_name(NULL, SLOT_SIG, &t) < 0);
	/* Each name maps back to its type in a slot that takes it. */
	for (i = 0; i < NTYPES; i++) {
		slot = all_types[i] == KEY_X25519 ||
		    all_types[i] >= KEY_ECDH_P256 ? SLOT_DEC : SLOT_SIG;
		assert_int_equal(key_type_from_name(
		    key_type_name(all_types[i]), slot, &t), 0);
		assert_int_equal(t, all_types[i]);
		assert_int_equal(key_type_check_slot(t, slot), 0);
	}
	assert_string_equal(key_type_name(KEY_NONE), "none");
	assert_int_equal(key_type_check_slot(KEY_ED25519, SLOT_DEC),
	    ERR_ARGUMENT);
	assert_int_equal(key_type_check_slot(KEY_P256, SLOT_DEC), ERR_ARGUMENT);
	assert_int_equal(key_type_check_slot(KEY_ECDH_P256, SLOT_AUT),
	    ERR_ARGUMENT);
	assert_int_equal(key_type_check_slot(KEY_RSA2048, SLOT_DEC), 0);
	assert_int_equal(key_type_check_slot(KEY_NONE, SLOT_SIG), ERR_ARGUMENT);
}

/* Algorithm attributes */

static void
test_algo_attr(void **state)
{
	static const struct {
		enum key_type	 type;
		const char	*hex;
	} exp[] = {
		{ KEY_RSA2048, "010800002000" },
		{ KEY_RSA3072, "010c00002000" },
		{ KEY_RSA4096, "011000002000" },
		{ KEY_P256, "132a8648ce3d030107" },
		{ KEY_P384, "132b81040022" },
		{ KEY_P521, "132b81040023" },
		{ KEY_ED25519, "162b06010401da470f01" },
		{ KEY_X25519, "122b060104019755010501" },
		{ KEY_ECDH_P256, "122a8648ce3d030107" },
		{ KEY_ECDH_P384, "122b81040022" },
		{ KEY_ECDH_P521, "122b81040023" },
	};
	struct buf *b;
	enum key_type t;
	uint8_t *want;
	size_t i, len;

	for (i = 0; i < sizeof(exp) / sizeof(exp[0]); i++) {
		assert_non_null(b = buf_new());
		assert_int_equal(key_algo_attr_put(exp[i].type, b), 0);
		want = unhex(exp[i].hex, &len);
		assert_int_equal(buf_len(b), len);
		assert_memory_equal(buf_ptr(b), want, len);
		assert_int_equal(key_algo_attr_parse(buf_ptr(b), buf_len(b),
		    &t), 0);
		assert_int_equal(t, exp[i].type);
		OPENSSL_free(want);
		buf_free(b);
	}
	assert_non_null(b = buf_new());
	assert_int_equal(key_algo_attr_put(KEY_NONE, b), ERR_ARGUMENT);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_algo_attr_tolerant(void **state)
{
	static const struct {
		const char	*hex;
		enum key_type	 type;
	} cases[] = {
		{ "0108000020", KEY_RSA2048 },		/* no format byte */
		{ "010c00001103", KEY_RSA3072 },	/* e 17 bits, CRT+n */
		{ "132a8648ce3d030107ff", KEY_P256 },	/* pubkey in import */
		{ "132b8104002200", KEY_P384 },
		{ "162b06010401da470f01ff", KEY_ED25519 },
		{ "122b06010401975501050100", KEY_X25519 },
	};
	enum key_type t;
	uint8_t *attr;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		attr = unhex(cases[i].hex, &len);
		assert_int_equal(key_algo_attr_parse(attr, len, &t), 0);
		assert_int_equal(t, cases[i].type);
		OPENSSL_free(attr);
	}
}

static void
test_algo_attr_malformed(void **state)
{
	static const char *bad[] = {
		"01",			/* truncated */
		"010800",
		"01080000",
		"0104000020",		/* RSA 1024 */
		"0108010020",		/* RSA 2049 */
		"010800002004",		/* unknown import format */
		"01080000200000",	/* trailing byte */
		"0108000000",		/* zero exponent bits */
		"0108000040",		/* 64-bit exponent */
		"13",
		"132b8104",		/* partial OID */
		"132a8648ce3d03010701",	/* bad trailing byte */
		"132a8648ce3d030107ff00",
		"162a8648ce3d030107",	/* EdDSA on P-256 */
		"132b06010401da470f01",	/* ECDSA on Ed25519 */
		"122b06010401da470f01",	/* ECDH on Ed25519 */
		"162b060104019755010501", /* EdDSA on cv25519 */
		"132b8104000a",		/* secp256k1 */
		"422a8648ce3d030107",	/* unknown algorithm */
		"00",
		"ff",
	};
	enum key_type t;
	uint8_t *attr;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		attr = unhex(bad[i], &len);
		t = KEY_RSA2048;
		assert_int_equal(key_algo_attr_parse(attr, len, &t),
		    ERR_FORMAT);
		assert_int_equal(t, KEY_NONE);
		OPENSSL_free(attr);
	}
	assert_int_equal(key_algo_attr_parse(NULL, 0, &t), ERR_FORMAT);
}

/* Public key template and SSH blob */

static void
test_pubkey_do(void **state)
{
	struct buf *b;
	struct tlv outer, v;
	EVP_PKEY *pkey;
	enum key_type t;
	size_t i, flen;

	for (i = 0; i < NTYPES; i++) {
		t = all_types[i];
		flen = field_len(t);
		b = pubkey_do(keys[t]);
		assert_int_equal(key_get_type(keys[t]), t);
		/* One complete 7F49 object, nothing else. */
		assert_int_equal(tlv_get(b, &outer), 0);
		assert_int_equal(outer.tag, 0x7f49);
		assert_int_equal(buf_len(b), 0);
		if (is_rsa(t)) {
			assert_int_equal(tlv_find(outer.val, outer.len, 0x81,
			    &v), 0);
			assert_int_equal(v.len, flen);
			assert_true(v.val[0] & 0x80);
			assert_int_equal(tlv_find(outer.val, outer.len, 0x82,
			    &v), 0);
			assert_int_equal(v.len, 3);
			assert_memory_equal(v.val, "\x01\x00\x01", 3);
		} else {
			assert_int_equal(tlv_find(outer.val, outer.len, 0x86,
			    &v), 0);
			if (is_nist(t)) {
				assert_int_equal(v.len, 1 + 2 * flen);
				assert_int_equal(v.val[0], 0x04);
			} else
				assert_int_equal(v.len, 32);
		}
		buf_free(b);
		/* OpenSSL accepts it as a public key (EC: on the curve). */
		b = pubkey_do(keys[t]);
		assert_non_null(pkey = pubkey_from_do(t, b));
		EVP_PKEY_free(pkey);
		buf_free(b);
	}
	assert_non_null(b = buf_new());
	assert_int_equal(key_pubkey_do_put(NULL, b), ERR_ARGUMENT);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_ssh_blob(void **state)
{
	static const struct {
		enum key_type	 type;
		const char	*name;
	} cases[] = {
		{ KEY_RSA2048, "ssh-rsa" },
		{ KEY_RSA4096, "ssh-rsa" },
		{ KEY_P256, "ecdsa-sha2-nistp256" },
		{ KEY_P384, "ecdsa-sha2-nistp384" },
		{ KEY_P521, "ecdsa-sha2-nistp521" },
		{ KEY_ED25519, "ssh-ed25519" },
	};
	struct buf *blob, *dob;
	struct tlv q;
	const uint8_t *pk;
	char *name;
	size_t i, pklen;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(blob = buf_new());
		assert_int_equal(key_ssh_blob_put(keys[cases[i].type], blob),
		    0);
		assert_int_equal(keyblob_type(blob, &name), 0);
		assert_string_equal(name, cases[i].name);
		free(name);
		buf_free(blob);
	}
	/* Ed25519: the blob carries the same 32 bytes as DO 86. */
	assert_non_null(blob = buf_new());
	assert_int_equal(key_ssh_blob_put(keys[KEY_ED25519], blob), 0);
	assert_int_equal(buf_get_string_direct(blob, &pk, &pklen), 0);
	assert_int_equal(buf_get_string_direct(blob, &pk, &pklen), 0);
	dob = pubkey_do(keys[KEY_ED25519]);
	assert_int_equal(tlv_find(buf_ptr(dob), buf_len(dob), 0x86, &q), 0);
	assert_int_equal(pklen, q.len);
	assert_memory_equal(pk, q.val, pklen);
	buf_free(dob);
	buf_free(blob);

	assert_non_null(blob = buf_new());
	assert_int_equal(key_ssh_blob_put(keys[KEY_X25519], blob),
	    ERR_ARGUMENT);
	assert_int_equal(buf_len(blob), 0);
	buf_free(blob);
}

/* Signatures */

static const char di_sha256[] =
    "3031300d060960864801650304020105000420";
static const char di_sha512[] =
    "3051300d060960864801650304020305000440";

/* A DigestInfo: the DER prefix followed by a hash of msg. */
static struct buf *
digest_info(const char *prefix, const EVP_MD *md, const char *msg)
{
	struct buf *b;
	uint8_t *pre, h[EVP_MAX_MD_SIZE];
	unsigned int hlen;
	size_t plen;

	pre = unhex(prefix, &plen);
	assert_true(EVP_Digest(msg, strlen(msg), h, &hlen, md, NULL));
	assert_non_null(b = buf_new());
	assert_int_equal(buf_put(b, pre, plen), 0);
	assert_int_equal(buf_put(b, h, hlen), 0);
	OPENSSL_free(pre);
	return b;
}

static int
verify_rsa(EVP_PKEY *pub, const uint8_t *sig, size_t siglen,
    const uint8_t *tbs, size_t tbslen)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	assert_non_null(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL));
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
	    RSA_PKCS1_PADDING), 1);
	ok = EVP_PKEY_verify(ctx, sig, siglen, tbs, tbslen);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static void
sign_rsa_one(enum key_type t)
{
	struct buf *dob, *di, *sig;
	EVP_PKEY *pub;
	uint8_t max[512];
	size_t modlen = field_len(t);

	dob = pubkey_do(keys[t]);
	pub = pubkey_from_do(t, dob);
	di = digest_info(di_sha256, EVP_sha256(), "hello");
	assert_non_null(sig = buf_new());
	assert_int_equal(key_sign(keys[t], buf_ptr(di), buf_len(di), sig), 0);
	assert_int_equal(buf_len(sig), modlen);
	assert_int_equal(verify_rsa(pub, buf_ptr(sig), buf_len(sig),
	    buf_ptr(di), buf_len(di)), 1);
	buf_free(di);
	buf_reset(sig);
	di = digest_info(di_sha512, EVP_sha512(), "hello");
	assert_int_equal(key_sign(keys[t], buf_ptr(di), buf_len(di), sig), 0);
	assert_int_equal(verify_rsa(pub, buf_ptr(sig), buf_len(sig),
	    buf_ptr(di), buf_len(di)), 1);
	buf_free(di);

	/* The longest input PKCS#1 type 1 padding leaves room for. */
	memset(max, 0x5a, sizeof(max));
	buf_reset(sig);
	assert_int_equal(key_sign(keys[t], max, modlen - 11, sig), 0);
	assert_int_equal(buf_len(sig), modlen);
	assert_int_equal(verify_rsa(pub, buf_ptr(sig), buf_len(sig), max,
	    modlen - 11), 1);
	buf_reset(sig);
	assert_int_equal(key_sign(keys[t], max, modlen - 10, sig), ERR_FORMAT);
	assert_int_equal(key_sign(keys[t], max, modlen, sig), ERR_FORMAT);
	assert_int_equal(key_sign(keys[t], max, 0, sig), ERR_FORMAT);
	assert_int_equal(buf_len(sig), 0);
	buf_free(sig);
	EVP_PKEY_free(pub);
	buf_free(dob);
}

static void
test_sign_rsa(void **state)
{
	sign_rsa_one(KEY_RSA2048);
	sign_rsa_one(KEY_RSA3072);
	sign_rsa_one(KEY_RSA4096);
}

/* Verifies r||s by rebuilding the DER ECDSA-Sig-Value. */
static int
verify_ecdsa(EVP_PKEY *pub, const uint8_t *rs, size_t flen,
    const uint8_t *hash, size_t hlen)
{
	EVP_PKEY_CTX *ctx;
	ECDSA_SIG *sig;
	uint8_t *der = NULL;
	int derlen, ok;

	assert_non_null(sig = ECDSA_SIG_new());
	assert_int_equal(ECDSA_SIG_set0(sig, BN_bin2bn(rs, (int)flen, NULL),
	    BN_bin2bn(&rs[flen], (int)flen, NULL)), 1);
	assert_true((derlen = i2d_ECDSA_SIG(sig, &der)) > 0);
	assert_non_null(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL));
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	ok = EVP_PKEY_verify(ctx, der, (size_t)derlen, hash, hlen);
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return ok;
}

static void
test_sign_ecdsa(void **state)
{
	static const enum key_type types[] = {
		KEY_P256, KEY_P384, KEY_P521,
	};
	static const size_t hlens[] = { 20, 32, 48, 64 };
	struct buf *dob, *sig;
	EVP_PKEY *pub;
	uint8_t hash[64], rs[132];
	size_t i, j, flen;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		flen = field_len(types[i]);
		dob = pubkey_do(keys[types[i]]);
		pub = pubkey_from_do(types[i], dob);
		assert_non_null(sig = buf_new());
		for (j = 0; j < sizeof(hlens) / sizeof(hlens[0]); j++) {
			assert_int_equal(RAND_bytes(hash, sizeof(hash)), 1);
			buf_reset(sig);
			assert_int_equal(key_sign(keys[types[i]], hash,
			    hlens[j], sig), 0);
			assert_int_equal(buf_len(sig), 2 * flen);
			memcpy(rs, buf_ptr(sig), 2 * flen);
			assert_int_equal(verify_ecdsa(pub, rs, flen, hash,
			    hlens[j]), 1);
			rs[flen - 1] ^= 1;	/* r changed: must fail */
			assert_int_not_equal(verify_ecdsa(pub, rs, flen, hash,
			    hlens[j]), 1);
		}
		buf_reset(sig);
		assert_int_equal(key_sign(keys[types[i]], hash, 0, sig),
		    ERR_FORMAT);
		assert_int_equal(buf_len(sig), 0);
		buf_free(sig);
		EVP_PKEY_free(pub);
		buf_free(dob);
	}
}

static void
test_sign_eddsa(void **state)
{
	static const size_t lens[] = { 0, 1, 32, 1000 };
	struct buf *dob, *sig;
	EVP_PKEY *pub;
	EVP_MD_CTX *md;
	uint8_t msg[1000];
	size_t i;

	dob = pubkey_do(keys[KEY_ED25519]);
	pub = pubkey_from_do(KEY_ED25519, dob);
	assert_non_null(sig = buf_new());
	assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_reset(sig);
		assert_int_equal(key_sign(keys[KEY_ED25519], msg, lens[i],
		    sig), 0);
		assert_int_equal(buf_len(sig), 64);
		assert_non_null(md = EVP_MD_CTX_new());
		assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL,
		    NULL, pub, NULL), 1);
		assert_int_equal(EVP_DigestVerify(md, buf_ptr(sig), 64, msg,
		    lens[i]), 1);
		EVP_MD_CTX_free(md);
	}
	buf_free(sig);
	EVP_PKEY_free(pub);
	buf_free(dob);
}

static void
test_wrong_operation(void **state)
{
	struct buf *out;
	uint8_t in[32] = { 0 };

	assert_non_null(out = buf_new());
	assert_int_equal(key_sign(keys[KEY_X25519], in, sizeof(in), out),
	    ERR_ARGUMENT);
	assert_int_equal(key_decipher(keys[KEY_ED25519], in, sizeof(in), out),
	    ERR_ARGUMENT);
	assert_int_equal(key_sign(NULL, in, sizeof(in), out), ERR_ARGUMENT);
	assert_int_equal(key_decipher(NULL, in, sizeof(in), out),
	    ERR_ARGUMENT);
	assert_int_equal(buf_len(out), 0);
	buf_free(out);
}

/* Deciphering */

static struct buf *
rsa_encrypt(EVP_PKEY *pub, const uint8_t *msg, size_t len)
{
	EVP_PKEY_CTX *ctx;
	struct buf *b;
	uint8_t *p;
	size_t clen = (size_t)EVP_PKEY_get_size(pub);

	assert_non_null(b = buf_new());
	assert_int_equal(buf_put_u8(b, 0x00), 0);	/* padding indicator */
	assert_int_equal(buf_reserve(b, clen, &p), 0);
	assert_non_null(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL));
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
	    RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, p, &clen, msg, len), 1);
	EVP_PKEY_CTX_free(ctx);
	return b;
}

static void
decipher_rsa_bad(enum key_type t, const struct buf *good)
{
	struct buf *in, *out, *dob;
	struct tlv n;
	size_t modlen = field_len(t);

	assert_non_null(out = buf_new());
	/*
	 * Wrong padding indicator, nothing, too long.  The indicator is
	 * overwritten, not dropped: a cryptogram starting with 00 (about one
	 * in 200) would be a valid input without it.
	 */
	assert_non_null(in = buf_new());
	assert_int_equal(buf_put_u8(in, 0x02), 0);
	assert_int_equal(buf_put(in, buf_ptr(good) + 1, buf_len(good) - 1), 0);
	assert_int_equal(key_decipher(keys[t], buf_ptr(in), buf_len(in), out),
	    ERR_FORMAT);
	assert_int_equal(key_decipher(keys[t], buf_ptr(good), 1, out),
	    ERR_FORMAT);
	assert_int_equal(key_decipher(keys[t], buf_ptr(good), 0, out),
	    ERR_FORMAT);
	buf_free(in);
	assert_non_null(in = buf_dup(buf_ptr(good), buf_len(good)));
	assert_int_equal(buf_put_u8(in, 0), 0);
	assert_int_equal(key_decipher(keys[t], buf_ptr(in), buf_len(in), out),
	    ERR_FORMAT);
	buf_free(in);
	/* The modulus itself is out of range; zero has no padding. */
	dob = pubkey_do(keys[t]);
	assert_int_equal(tlv_find(buf_ptr(dob), buf_len(dob), 0x81, &n), 0);
	assert_non_null(in = buf_new());
	assert_int_equal(buf_put_u8(in, 0), 0);
	assert_int_equal(buf_put(in, n.val, n.len), 0);
	assert_int_equal(key_decipher(keys[t], buf_ptr(in), buf_len(in), out),
	    ERR_FORMAT);
	buf_reset(in);
	assert_int_equal(buf_put_u8(in, 0), 0);
	assert_int_equal(buf_put(in, "\0\0\0\0\0\0\0\0", 8), 0);
	assert_int_equal(buf_len(in), 9);
	assert_true(modlen > 8);
	assert_int_equal(key_decipher(keys[t], buf_ptr(in), buf_len(in), out),
	    ERR_FORMAT);
	assert_int_equal(buf_len(out), 0);
	buf_free(in);
	buf_free(dob);
	buf_free(out);
}

static void
test_decipher_rsa(void **state)
{
	static const enum key_type types[] = {
		KEY_RSA2048, KEY_RSA3072, KEY_RSA4096,
	};
	struct buf *dob, *in, *out;
	EVP_PKEY *pub;
	uint8_t msg[32];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
		dob = pubkey_do(keys[types[i]]);
		pub = pubkey_from_do(types[i], dob);
		in = rsa_encrypt(pub, msg, sizeof(msg));
		assert_int_equal(buf_len(in), 1 + field_len(types[i]));
		assert_non_null(out = buf_new());
		assert_int_equal(key_decipher(keys[types[i]], buf_ptr(in),
		    buf_len(in), out), 0);
		assert_int_equal(buf_len(out), sizeof(msg));
		assert_memory_equal(buf_ptr(out), msg, sizeof(msg));
		decipher_rsa_bad(types[i], in);
		buf_free(out);
		buf_free(in);
		EVP_PKEY_free(pub);
		buf_free(dob);
	}
}

/* A6 { 7F49 { 86 point } } with an optional prefix byte on the point. */
static struct buf *
ecdh_do(uint32_t outer, uint32_t mid, uint32_t inner, const uint8_t *pt,
    size_t len)
{
	struct buf *a, *b, *c;

	assert_non_null(a = buf_new());
	assert_non_null(b = buf_new());
	assert_non_null(c = buf_new());
	assert_int_equal(tlv_put(a, inner, pt, len), 0);
	assert_int_equal(tlv_put(b, mid, buf_ptr(a), buf_len(a)), 0);
	assert_int_equal(tlv_put(c, outer, buf_ptr(b), buf_len(b)), 0);
	buf_free(a);
	buf_free(b);
	return c;
}

static void
ecdh_expect(enum key_type t, const struct buf *in, int want)
{
	struct buf *out;

	assert_non_null(out = buf_new());
	if (in == NULL) {
		assert_int_equal(key_decipher(keys[t], NULL, 0, out), want);
	} else {
		assert_int_equal(key_decipher(keys[t], buf_ptr(in),
		    buf_len(in), out), want);
	}
	assert_int_equal(buf_len(out), 0);
	buf_free(out);
}

/* Malformed ECDH input around a valid point pt. */
static void
decipher_ecdh_bad(enum key_type t, const uint8_t *pt, size_t len)
{
	struct buf *in;
	uint8_t bad[133];

	memcpy(bad, pt, len);
	in = ecdh_do(0xa7, 0x7f49, 0x86, pt, len);	/* wrong outer tag */
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
	in = ecdh_do(0xa6, 0x7f49, 0x86, pt, len);
	assert_int_equal(buf_put_u8(in, 0), 0);		/* trailing byte */
	ecdh_expect(t, in, ERR_FORMAT);
	/* Truncated TLV, then no 86, then no 7F49. */
	assert_int_equal(buf_consume_end(in, 2), 0);
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
	ecdh_expect(t, NULL, ERR_FORMAT);		/* empty */
	in = ecdh_do(0xa6, 0x7f49, 0x85, pt, len);
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
	in = ecdh_do(0xa6, 0x7f48, 0x86, pt, len);
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
	in = ecdh_do(0xa6, 0x7f49, 0x86, pt, len - 1);	/* short point */
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
	if (t == KEY_X25519) {
		memset(bad, 0, len);	/* small order: all-zero secret */
		in = ecdh_do(0xa6, 0x7f49, 0x86, bad, len);
		ecdh_expect(t, in, ERR_FORMAT);
		buf_free(in);
		bad[0] = 0x41;		/* 33 bytes, not the 0x40 prefix */
		memcpy(&bad[1], pt, len);
		in = ecdh_do(0xa6, 0x7f49, 0x86, bad, len + 1);
		ecdh_expect(t, in, ERR_FORMAT);
		buf_free(in);
		return;
	}
	bad[0] = 0x02;			/* not uncompressed */
	in = ecdh_do(0xa6, 0x7f49, 0x86, bad, len);
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
	bad[0] = 0x04;
	bad[len - 1] ^= 1;		/* off the curve */
	in = ecdh_do(0xa6, 0x7f49, 0x86, bad, len);
	ecdh_expect(t, in, ERR_FORMAT);
	buf_free(in);
}

static void
decipher_ecdh_one(enum key_type t)
{
	EVP_PKEY *eph, *pub;
	EVP_PKEY_CTX *ctx;
	struct buf *dob, *in, *out;
	uint8_t pt[133], pfx[33], want[66];
	size_t ptlen = 0, wantlen = sizeof(want);

	if (is_nist(t))
		eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group_name(t));
	else
		eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_non_null(eph);
	assert_int_equal(EVP_PKEY_get_octet_string_param(eph,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptlen), 1);
	/* The secret the host computes from the card's public key. */
	dob = pubkey_do(keys[t]);
	pub = pubkey_from_do(t, dob);
	assert_non_null(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL));
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, pub), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, want, &wantlen), 1);
	assert_int_equal(wantlen, field_len(t));
	EVP_PKEY_CTX_free(ctx);

	in = ecdh_do(0xa6, 0x7f49, 0x86, pt, ptlen);
	assert_non_null(out = buf_new());
	assert_int_equal(key_decipher(keys[t], buf_ptr(in), buf_len(in), out),
	    0);
	assert_int_equal(buf_len(out), wantlen);
	assert_memory_equal(buf_ptr(out), want, wantlen);
	buf_free(in);
	if (t == KEY_X25519) {
		/* Tolerated: the point in OpenPGP's 0x40-prefixed form. */
		pfx[0] = 0x40;
		memcpy(&pfx[1], pt, 32);
		in = ecdh_do(0xa6, 0x7f49, 0x86, pfx, sizeof(pfx));
		buf_reset(out);
		assert_int_equal(key_decipher(keys[t], buf_ptr(in),
		    buf_len(in), out), 0);
		assert_memory_equal(buf_ptr(out), want, wantlen);
		buf_free(in);
	}
	decipher_ecdh_bad(t, pt, ptlen);
	buf_free(out);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(eph);
	buf_free(dob);
}

static void
test_decipher_ecdh(void **state)
{
	decipher_ecdh_one(KEY_X25519);
	decipher_ecdh_one(KEY_ECDH_P256);
	decipher_ecdh_one(KEY_ECDH_P384);
	decipher_ecdh_one(KEY_ECDH_P521);
	decipher_ecdh_one(KEY_P256);
}

/* State file serialisation */

static void
test_save_load(void **state)
{
	struct buf *der, *d1, *d2;
	struct card_key *k;
	uint8_t f1[20], f2[20];
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		assert_non_null(der = buf_new());
		assert_int_equal(key_save(keys[all_types[i]], der), 0);
		assert_int_equal(key_load(all_types[i], buf_ptr(der),
		    buf_len(der), &k), 0);
		assert_int_equal(key_get_type(k), all_types[i]);
		d1 = pubkey_do(keys[all_types[i]]);
		d2 = pubkey_do(k);
		assert_int_equal(buf_len(d1), buf_len(d2));
		assert_memory_equal(buf_ptr(d1), buf_ptr(d2), buf_len(d1));
		assert_int_equal(key_fingerprint(keys[all_types[i]],
		    0x5c0000a0, f1), 0);
		assert_int_equal(key_fingerprint(k, 0x5c0000a0, f2), 0);
		assert_memory_equal(f1, f2, 20);
		key_free(k);
		buf_free(d1);
		buf_free(d2);
		buf_free(der);
	}
}

static void
load_expect_fail(enum key_type t, const uint8_t *der, size_t len)
{
	struct card_key *k = keys[KEY_P256];	/* must be cleared */

	assert_true(key_load(t, der, len, &k) < 0);
	assert_null(k);
}

static void
test_load_malformed(void **state)
{
	static const struct {
		enum key_type	 saved, asked;
	} mismatch[] = {
		{ KEY_RSA2048, KEY_RSA3072 },
		{ KEY_RSA4096, KEY_RSA2048 },
		{ KEY_P256, KEY_P384 },
		{ KEY_P521, KEY_ECDH_P384 },
		{ KEY_ED25519, KEY_X25519 },
		{ KEY_X25519, KEY_ED25519 },
		{ KEY_RSA2048, KEY_P256 },
		{ KEY_P256, KEY_ED25519 },
	};
	struct buf *der;
	struct card_key *k;
	size_t i;

	for (i = 0; i < sizeof(mismatch) / sizeof(mismatch[0]); i++) {
		assert_non_null(der = buf_new());
		assert_int_equal(key_save(keys[mismatch[i].saved], der), 0);
		load_expect_fail(mismatch[i].asked, buf_ptr(der),
		    buf_len(der));
		buf_free(der);
	}
	/* Same curve, other use: the ECDH type takes a P-256 key. */
	assert_non_null(der = buf_new());
	assert_int_equal(key_save(keys[KEY_P256], der), 0);
	assert_int_equal(key_load(KEY_ECDH_P256, buf_ptr(der), buf_len(der),
	    &k), 0);
	key_free(k);
	/* Truncated, trailing garbage, garbage, nothing. */
	load_expect_fail(KEY_P256, buf_ptr(der), buf_len(der) - 1);
	load_expect_fail(KEY_P256, buf_ptr(der), 10);
	assert_int_equal(buf_put_u8(der, 0), 0);
	load_expect_fail(KEY_P256, buf_ptr(der), buf_len(der));
	buf_free(der);
	load_expect_fail(KEY_P256, (const uint8_t *)"garbage", 7);
	load_expect_fail(KEY_RSA2048, (const uint8_t *)"\x30\x82\xff\xff", 4);
	load_expect_fail(KEY_ED25519, (const uint8_t *)"", 0);
	load_expect_fail(KEY_NONE, (const uint8_t *)"x", 1);
	assert_non_null(der = buf_new());
	assert_int_equal(key_save(NULL, der), ERR_ARGUMENT);
	assert_int_equal(buf_len(der), 0);
	buf_free(der);
}

/* Fingerprints */

/*
 * Sample keys from draft-bre-openpgp-samples-01 ("OpenPGP Example Keys
 * and Certificates"): Alice's Ed25519 primary key and cv25519 subkey,
 * and Bob's RSA-3072 primary key.  The secret values are taken from
 * the unprotected transferable secret keys there; the fingerprints are
 * what GnuPG 2.2.40 prints for the certificates (Alice) and the issuer
 * fingerprint in the sample's self-signature (Bob).
 */
static const char alice_ed_pkcs8[] =
    "302e020100300506032b657004220420"
    "5705e5ba97318e2f1ef31c7f40b140d44dbda98206063337743f7ba527601fbd";
static const char alice_ed_pub[] =
    "ae35b0937140ab28856c504a4f84f35dc541a8f4c1de09b3942fd46fb3b5bb5d";
static const char alice_ed_fpr[] =
    "eb85bb5fa33a75e15e944e63f231550c4f47e38e";
/* The cv25519 secret is stored big-endian in OpenPGP: byte-reversed. */
static const char alice_cv_pkcs8[] =
    "302e020100300506032b656e04220420"
    "503a31936e891800b27a10c59f8215da4b98e04efbaa3b85eb5e53baf114f17f";
static const char alice_cv_pub[] =
    "42ff0621adab493ce0a9b5c2a430d8322291562b42b32db4df1dec13df9ebe22";
static const char alice_cv_fpr[] =
    "ea02b24ffd4c1b96616d3df24766f6b9d5f21eb6";
#define ALICE_CREATED	0x5c4704e9

static const char bob_pkcs8[] =
    "308206fd020100300d06092a864886f70d0101010500048206e7308206e30201"
    "000282018100b970bf4f42840b4ccba18db62f6f835cbaea346df9a03d1172c1"
    "7e778cf86815fe1983a9affec78e5e981e71374e715b6d7f30bcc9c20aaeddda"
    "4138b0386fdcb5a478064fede9ac8d15f7543711d69385822b3773ff9e9f5b63"
    "b4176dea21177c514269e482253784437510ad761550200bb3be9da8572fcb69"
    "2da4c50a0abe987fe6943fe7086ab32ae81160c9a12574c8e6f6e41fe2c24fe9"
    "2d4168ca10c6f5b8f4908cc3c6b12a5beec16bc9e871095e70c1775f928c3799"
    "29db3ada2eff5d941069596e375e4b63702660332db44a8bab69599af097bf10"
    "2c14598522019c4b22532ff42bab10eb71530e8ddd174eb4b998652f6e1279f9"
    "cb552417cf28f0d92ef3dd2e93a06b7b01732722c0c79c11678174a95ff2ab7e"
    "94590d0907f0141a11d53dd15fea997a79ac41c13e465ef6c15226ed7fc608da"
    "883946c8135ad5df53b79b4865eb97964ca5b03a99b7e177447c68fc567e60d6"
    "8883a106e7e1302bd41e1d6c02930a5599ef21f7fdff40dc6b7c1bbcb2306b74"
    "f80b2b217d3d020301000102820180166a6c95b622a4030a7262e0ece6fbe80f"
    "a813e25f54614d64a3c317cc70929465fccb8f8d78acc2a6e89875730c0663d8"
    "de9113a107d5a6c1a68a4fc1ed70882b64d02563300d19108ce132cadd5b24c5"
    "f4b028a9daf25facfa666096a6c08d4837c2616e7fd4e3db17146589b2466d43"
    "12670dd99ce9bd1b47817ef35a7d6600a52548325949092cd338ee30d6eea5ca"
    "7226891d964520dbec01ce704e4cace033154d0bd6f6839fed30f52c84619698"
    "5d541feec01cc4da4ba7659abd99048ca881d9df52a74d839b19c2cc5236b6e0"
    "94a3f8b2a7bb5fad6e1002106c3eeb4f72e89cb6e192b8f723cc229540fcbac2"
    "30b7921e7281e177d1f38aa6634427350540646e8504a3279d6c35788b8a9fb0"
    "567a0845a82ee0f9a56edd129d0cf967ae1d73b5eb845cf8b9c7ea2d5542ba5b"
    "d4e925e2a3ba7a3229223048d6ddc6b21b54bbf9b0181071b3ad0a057e60efb9"
    "8543d94b0918fc95262a3ac1d1281854a78a8cf3af5503e7c3d0144f7ea3d3d0"
    "8f481f839afc0de3609720eb6d86c10281c100d4b8673f6d3c59a7fa3e441227"
    "a932afcca6635c9587d54113f83a7d10d803ea64a8a9f0f707c7d90868df2b00"
    "03e3a654e5fc1e5760f8f73466cd1ee6909abdbd049fc8852ef4c0d10d842d1e"
    "6b2ee7bdb83eda16e28553f55d71d758f56c3fbe8e24e69fed546a7b17c45808"
    "59fdad28c859b7efbd98b5ab94f1f9a92865b81afb8a90e1663307fa1b757e92"
    "0a68ba06775c43541d8c209053a829631d0c75d54445b229f7ed925c3c8b869c"
    "634b2cfe446b198bff5402c853e2dc4fe3e3190281c100df2b766ab56fa1dbf7"
    "8c47190036a389a714a33322cefc55cd5b1cd30d8796b4735888094ec2541910"
    "f3b275916dcbd215cf33454022140868d0fe7372870eda752814937f815c4c7f"
    "33224f618d0162e84bc4b61cadf43d9eb85a54ac51263db94951e3d804ac8b01"
    "894595b8082deec38d0e6317ca12f34299eaff571337920f2aa867fd294cc9d5"
    "d55d02f8f2c761f3ea3636a960b2450e88323587c9de370b8af78f1a2860a502"
    "627b2d450c9bfe009229a86f792123a34ec289732bf3c50281c072f4e8cf2d20"
    "552f631c2d3b4675b8afaac02ca84722ee0b4a58767b4a140321b39e36a0c34f"
    "502028dc4be6780ea2032c945148b05df68dd9a2c8ad2f5aec5527860d37974a"
    "05f901c0f53250e309a9312d15c25465bc39e03acc9fdd325c7aa2673ce7e97b"
    "9f881fd77b433bd82e305afed30585290812fd93f3a4c156d489c703332212bd"
    "614ca94c1795fc2465ee4a3a4d0111bf1a102b0f1aacab2472ac67418b0cba83"
    "82befadbb96758b28c58d75c70289130bddcf717e65cbb4be3590281c100d90c"
    "f073005bbe54ae02e4f34fddd4588103f5663aa88d8af5db73c1611b4a5bdf03"
    "6feb7d8a4b38c5dffee591b7f3d0341dfd8390c8942b49a65a93f6039d52a337"
    "842ba08b3435c250fd41af62f0c23da3d3823b8a844d9a1d3addb76a8582eabe"
    "80c2d4ca56f62b5c532d367bde10a6687e61aa358310cce9de40d173834caf2b"
    "91f6f1a64564d87057b2186627bd00f9fe1853cc14164df7f0bd577fe27c2ee1"
    "cdbc847858e6a3d71c6dff0630816e14ba2773a39fb3859588671e78d4f10281"
    "c0215536776b92d2fb63b0e4406bdc0ca682f581a592c6c71b15360fb1339e7f"
    "177e388adf3bd2979f4e3986eed3789c75b59f3351035509e0317dfc0198ed63"
    "93146d670dc48956576f9afa03b227ecd45b40ef738f9056b66a5073c4e602cd"
    "fb1ec76477e287c7d8e415556ad52d6041e397a1465d291624befb2b0855166b"
    "19005cc2f2ae3324f8be52994d280bc48e04e491ea562ad60cc50a247b014cf5"
    "7226491604c32fbebd2fae31f2fe4cc374df720209786738ff63fba7cd0dff83"
    "3f";
static const char bob_fpr[] =
    "d1a66e1a23b182c9980f788cfbfcc82a015e7330";
#define BOB_CREATED	0x5da59cf2

/*
 * NIST keys made by GnuPG 2.2.40 (gpg --gen-key with %no-protection:
 * ECDSA P-256 with an ECDH P-521 subkey, ECDSA P-384 with an ECDH P-256
 * subkey); secrets from the exported secret key packets, fingerprints
 * as gpg --with-subkey-fingerprints lists them.
 */
static const char gpg_p256_pkcs8[] =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02"
    "0101042068fdb90944711101820f44e60bb3a13c881c2cea159066afafe55ff3"
    "b10364a8a144034200042b8d4983752007b2606b20bf7c5006e853c7df51c5f1"
    "4a158e05e85927f031e919a98feac831b3e5f566df9250914412134a2237e96b"
    "65196fb7a1e62afde37e";
static const char gpg_p521_pkcs8[] =
    "3081ee020100301006072a8648ce3d020106052b810400230481d63081d30201"
    "010442015d4b9d65b5cc4cf3924884612c3bf1c4f3b900657b628197f172d299"
    "2231c21128674919b90a81d31624a9ac7c2bc52c8030bb1af4c12a34d503c22d"
    "dffefbc9a1a18189038186000401377f5a5fb0e64c164ff46217eb88462df699"
    "61f7511a12e58e8235d87cac8d1bd3e00090fb6968f288509abdd5c1be46bcab"
    "53f8d6995508b31b4bf4490fdc68ec00d4f9f958b82051574b843848f0ed59bb"
    "fcb42b73eecd8e83775ac2376a695faf31d7eb4d85b15a7ade34dca346ed6fcc"
    "4fb1f72f99a612e9eeec8a1fa697b60be1";
static const char gpg_p384_pkcs8[] =
    "3081b6020100301006072a8648ce3d020106052b8104002204819e30819b0201"
    "010430e6b1fd7385d0ec5d2c3ccf6a132861e7fa428492698a5061f3aa5b8678"
    "2a2c1de1384c03fef1670039a1f02b5dfce12ba16403620004e3444b9f15fd0c"
    "bac97da1828660a8c79211f5739bb6ceb349bb128cd3c7c824b44fd8e5a2f5b2"
    "ea1a6c826a744247c12d64c8346a56e8284e68a7b501362aaa2eee1aa5d46289"
    "c8a55115f5ec5cbf4d84508954557708fe37b6e52c06db2445";
static const char gpg_ecdh_p256_pkcs8[] =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02"
    "01010420d8b6ac7e73ce03ad46e2a8f31f5cdbc632202f14afcf8dece1fc3f9f"
    "adbeb1baa14403420004f42fa087d80bab06906feb924ad7590a1f68c1645c9a"
    "3af72dd30d6ede3fac5779bee3ae8ddafd395e530d4339e939d45de72d6529e9"
    "203f24f7a56f9bff63cc";
static const char gpg_p256_fpr[] =
    "a4588a00793c9dff001af32afb1e39405be8be79";
static const char gpg_p521_fpr[] =
    "c624e83b57fe71e4d82581b034fb552db4695882";
static const char gpg_p384_fpr[] =
    "3a367eb2fb3c3d4289664f05b57204724da36b1a";
static const char gpg_ecdh_p256_fpr[] =
    "80eba28e7db7d9a90ff4476228f3c7c309451663";
#define GPG_CREATED	0x6b01f853

static void
fpr_vector(enum key_type t, const char *pkcs8, const char *pub,
    uint32_t created, const char *fpr)
{
	struct card_key *k;
	struct buf *dob;
	struct tlv q;
	uint8_t *der, *want, got[20];
	size_t derlen, wantlen;

	der = unhex(pkcs8, &derlen);
	assert_int_equal(key_load(t, der, derlen, &k), 0);
	if (pub != NULL) {
		dob = pubkey_do(k);
		assert_int_equal(tlv_find(buf_ptr(dob), buf_len(dob), 0x86,
		    &q), 0);
		want = unhex(pub, &wantlen);
		assert_int_equal(q.len, wantlen);
		assert_memory_equal(q.val, want, wantlen);
		OPENSSL_free(want);
		buf_free(dob);
	}
	assert_int_equal(key_fingerprint(k, created, got), 0);
	want = unhex(fpr, &wantlen);
	assert_int_equal(wantlen, 20);
	assert_memory_equal(got, want, 20);
	OPENSSL_free(want);
	OPENSSL_clear_free(der, derlen);
	key_free(k);
}

static void
test_fingerprint_vectors(void **state)
{
	fpr_vector(KEY_ED25519, alice_ed_pkcs8, alice_ed_pub, ALICE_CREATED,
	    alice_ed_fpr);
	fpr_vector(KEY_X25519, alice_cv_pkcs8, alice_cv_pub, ALICE_CREATED,
	    alice_cv_fpr);
	fpr_vector(KEY_RSA3072, bob_pkcs8, NULL, BOB_CREATED, bob_fpr);
	fpr_vector(KEY_P256, gpg_p256_pkcs8, NULL, GPG_CREATED, gpg_p256_fpr);
	fpr_vector(KEY_P384, gpg_p384_pkcs8, NULL, GPG_CREATED, gpg_p384_fpr);
	fpr_vector(KEY_ECDH_P521, gpg_p521_pkcs8, NULL, GPG_CREATED,
	    gpg_p521_fpr);
	fpr_vector(KEY_ECDH_P256, gpg_ecdh_p256_pkcs8, NULL, GPG_CREATED,
	    gpg_ecdh_p256_fpr);
}

static void
test_fingerprint_props(void **state)
{
	static const uint8_t zero[20];
	struct card_key *k;
	struct buf *der;
	uint8_t a[20], b[20], c[20];
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		assert_int_equal(key_fingerprint(keys[all_types[i]], 1, a), 0);
		assert_int_equal(key_fingerprint(keys[all_types[i]], 1, b), 0);
		assert_int_equal(key_fingerprint(keys[all_types[i]], 2, c), 0);
		assert_memory_equal(a, b, 20);
		assert_memory_not_equal(a, c, 20);
		assert_memory_not_equal(a, zero, 20);
	}
	/* ECDSA and ECDH packets differ for the same P-256 key. */
	assert_non_null(der = buf_new());
	assert_int_equal(key_save(keys[KEY_P256], der), 0);
	assert_int_equal(key_load(KEY_ECDH_P256, buf_ptr(der), buf_len(der),
	    &k), 0);
	assert_int_equal(key_fingerprint(keys[KEY_P256], 1, a), 0);
	assert_int_equal(key_fingerprint(k, 1, b), 0);
	assert_memory_not_equal(a, b, 20);
	key_free(k);
	buf_free(der);
	assert_int_equal(key_fingerprint(NULL, 1, a), ERR_ARGUMENT);
	assert_memory_equal(a, zero, 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_algo_attr),
		cmocka_unit_test(test_algo_attr_tolerant),
		cmocka_unit_test(test_algo_attr_malformed),
		cmocka_unit_test(test_pubkey_do),
		cmocka_unit_test(test_ssh_blob),
		cmocka_unit_test(test_sign_rsa),
		cmocka_unit_test(test_sign_ecdsa),
		cmocka_unit_test(test_sign_eddsa),
		cmocka_unit_test(test_wrong_operation),
		cmocka_unit_test(test_decipher_rsa),
		cmocka_unit_test(test_decipher_ecdh),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_malformed),
		cmocka_unit_test(test_fingerprint_vectors),
		cmocka_unit_test(test_fingerprint_props),
	};

	return cmocka_run_group_tests_name("vcard keys", tests, group_setup,
	    group_teardown);
}
