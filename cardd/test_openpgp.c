/* Unit tests for cardd/openpgp: 6E parsing, algorithm attributes, public
 * key templates, signature encoding, the DO table, and a whole sign
 * through a scripted card. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "keyblob.h"
#include "openpgp.h"
#include "test_fake.h"
#include "tlv.h"

/* GET DATA 6E as the vcard answers it (Ed25519 auth key, 3.4). */
static const uint8_t app_6e[] = {
	0x6e, 0x82, 0x01, 0x00, 0x4f, 0x10, 0xd2, 0x76, 0x00, 0x01, 0x24, 0x01,
	0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc1, 0x00, 0x00, 0x5f, 0x52,
	0x08, 0x00, 0x73, 0x00, 0x00, 0xc0, 0x05, 0x90, 0x00, 0x7f, 0x74, 0x03,
	0x81, 0x01, 0x20, 0x7f, 0x66, 0x08, 0x02, 0x02, 0x08, 0x00, 0x02, 0x02,
	0x08, 0x00, 0x73, 0x81, 0xcf, 0xc0, 0x0a, 0x5c, 0x00, 0x01, 0x00, 0x08,
	0x00, 0x00, 0xff, 0x00, 0x00, 0xc1, 0x06, 0x01, 0x08, 0x00, 0x00, 0x20,
	0x00, 0xc2, 0x06, 0x01, 0x08, 0x00, 0x00, 0x20, 0x00, 0xc3, 0x0a, 0x16,
	0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01, 0xc4, 0x07, 0x00,
	0x7f, 0x7f, 0x7f, 0x03, 0x00, 0x03, 0xc5, 0x3c, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x68, 0x16, 0x1c, 0x33, 0xf8, 0xc1, 0xee, 0x89, 0x8d, 0x29, 0x74, 0x79,
	0xc0, 0x6e, 0x5c, 0x59, 0xd9, 0x18, 0x85, 0x4b, 0xc6, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcd, 0x0c,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x01, 0xfd, 0xc2,
	0xde, 0x06, 0x01, 0x00, 0x02, 0x00, 0x03, 0x01, 0xd6, 0x02, 0x00, 0x20,
	0xd7, 0x02, 0x00, 0x20, 0xd8, 0x02, 0x00, 0x20,
};

static void
test_parse_6e(void **state)
{
	struct pgp_info in;

	assert_int_equal(pgp_parse_app_data(app_6e, sizeof(app_6e), &in), 0);
	assert_string_equal(in.ident, "0000:000000C1");
	assert_int_equal(in.serial, 0xc1);
	assert_int_equal(in.version_major, 3);
	assert_int_equal(in.version_minor, 4);
	assert_true(in.extended);
	assert_true(in.chaining);
	assert_int_equal(in.max_cmd, 0x800);
	assert_int_equal(in.max_resp, 0x800);
	assert_int_equal(in.extcap, 0x5c);
	assert_int_equal(in.algo[PGP_SLOT_SIG].type, PGP_ALGO_RSA);
	assert_int_equal(in.algo[PGP_SLOT_SIG].bits, 2048);
	assert_int_equal(in.algo[PGP_SLOT_AUT].type, PGP_ALGO_EDDSA);
	assert_int_equal(in.algo[PGP_SLOT_AUT].curve, PGP_CURVE_ED25519);
	assert_int_equal(in.pw1_tries, 3);
	assert_false(in.key_present[PGP_SLOT_SIG]);
	assert_true(in.key_present[PGP_SLOT_AUT]);
	assert_int_equal(in.uif[PGP_SLOT_AUT], 0);
}

/* Every shorter prefix is refused (truncated TLV), and so is junk. */
static void
test_parse_6e_malformed(void **state)
{
	uint8_t bad[sizeof(app_6e)];
	struct pgp_info in;
	size_t n;

	for (n = 0; n < sizeof(app_6e); n++)
		assert_int_not_equal(pgp_parse_app_data(app_6e, n, &in), 0);
	memcpy(bad, app_6e, sizeof(bad));
	bad[0] = 0x6f;		/* not 6E */
	assert_int_equal(pgp_parse_app_data(bad, sizeof(bad), &in),
	    ERR_FORMAT);
	memcpy(bad, app_6e, sizeof(bad));
	bad[6] = 0xd3;		/* not the OpenPGP RID */
	assert_int_equal(pgp_parse_app_data(bad, sizeof(bad), &in),
	    ERR_FORMAT);
	memcpy(bad, app_6e, sizeof(bad));
	bad[5] = 0x0f;		/* AID of 15 bytes */
	assert_int_not_equal(pgp_parse_app_data(bad, sizeof(bad), &in), 0);
	assert_string_equal(in.ident, "");
}

static void
test_algo_attrs(void **state)
{
	static const uint8_t rsa4k[] = { 0x01, 0x10, 0x00, 0x00, 0x20, 0x00 };
	static const uint8_t p256[] = { 0x13, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	    0x03, 0x01, 0x07 };
	static const uint8_t p384ff[] = { 0x13, 0x2b, 0x81, 0x04, 0x00, 0x22,
	    0xff };
	static const uint8_t p521[] = { 0x13, 0x2b, 0x81, 0x04, 0x00, 0x23 };
	static const uint8_t ed[] = { 0x16, 0x2b, 0x06, 0x01, 0x04, 0x01,
	    0xda, 0x47, 0x0f, 0x01 };
	static const uint8_t cv[] = { 0x12, 0x2b, 0x06, 0x01, 0x04, 0x01,
	    0x97, 0x55, 0x01, 0x05, 0x01 };
	static const uint8_t odd[] = { 0x13, 0x2b, 0x24, 0x03 };
	static const uint8_t other[] = { 0x42, 0x00 };
	static const uint8_t rsa_short[] = { 0x01, 0x08, 0x00, 0x00 };
	static const uint8_t rsa_zero[] = { 0x01, 0x00, 0x00, 0x00, 0x20 };
	static const uint8_t ec_empty[] = { 0x13 };
	struct pgp_algo a;

	assert_int_equal(pgp_parse_algo(rsa4k, sizeof(rsa4k), &a), 0);
	assert_true(a.type == PGP_ALGO_RSA && a.bits == 4096);
	assert_int_equal(pgp_parse_algo(p256, sizeof(p256), &a), 0);
	assert_true(a.type == PGP_ALGO_ECDSA && a.curve == PGP_CURVE_P256);
	assert_int_equal(pgp_parse_algo(p384ff, sizeof(p384ff), &a), 0);
	assert_true(a.curve == PGP_CURVE_P384 && a.bits == 384);
	assert_int_equal(pgp_parse_algo(p521, sizeof(p521), &a), 0);
	assert_true(a.curve == PGP_CURVE_P521 && a.bits == 521);
	assert_int_equal(pgp_parse_algo(ed, sizeof(ed), &a), 0);
	assert_true(a.type == PGP_ALGO_EDDSA && a.curve == PGP_CURVE_ED25519);
	assert_int_equal(pgp_parse_algo(cv, sizeof(cv), &a), 0);
	assert_true(a.type == PGP_ALGO_ECDH && a.curve == PGP_CURVE_CV25519);
	assert_int_equal(pgp_parse_algo(odd, sizeof(odd), &a), 0);
	assert_true(a.type == PGP_ALGO_ECDSA && a.curve == PGP_CURVE_UNKNOWN);
	assert_int_equal(pgp_parse_algo(other, sizeof(other), &a), 0);
	assert_int_equal(a.type, PGP_ALGO_UNKNOWN);
	assert_int_equal(pgp_parse_algo(rsa_short, sizeof(rsa_short), &a),
	    ERR_TRUNCATED);
	assert_int_equal(a.type, PGP_ALGO_NONE);
	assert_int_equal(pgp_parse_algo(rsa_zero, sizeof(rsa_zero), &a),
	    ERR_FORMAT);
	assert_int_equal(pgp_parse_algo(ec_empty, sizeof(ec_empty), &a),
	    ERR_FORMAT);
	assert_int_equal(pgp_parse_algo(NULL, 0, &a), ERR_TRUNCATED);
}

/* keyblob type of the blob made from a 7F49 template. */
static void
check_blob(const struct pgp_algo *a, const uint8_t *t, size_t len,
    const char *want)
{
	struct buf *blob = buf_new();
	char *type = NULL;

	assert_int_equal(pgp_pubkey_blob(a, t, len, blob), 0);
	assert_int_equal(keyblob_type(blob, &type), 0);
	assert_string_equal(type, want);
	free(type);
	buf_free(blob);
}

static void
test_pubkey_blobs(void **state)
{
	struct pgp_algo rsa = { PGP_ALGO_RSA, PGP_CURVE_NONE, 2048 };
	struct pgp_algo ed = { PGP_ALGO_EDDSA, PGP_CURVE_ED25519, 255 };
	struct pgp_algo ec[3] = {
		{ PGP_ALGO_ECDSA, PGP_CURVE_P256, 256 },
		{ PGP_ALGO_ECDSA, PGP_CURVE_P384, 384 },
		{ PGP_ALGO_ECDSA, PGP_CURVE_P521, 521 },
	};
	static const char *ecname[3] = { "ecdsa-sha2-nistp256",
	    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" };
	static const size_t qlen[3] = { 65, 97, 133 };
	uint8_t t[300];
	struct buf *b = buf_new();
	int i;

	memset(t, 0x5a, sizeof(t));
	t[0] = 0x04;
	/* RSA: 81 (256 bytes) and 82 (3 bytes). */
	buf_reset(b);
	assert_int_equal(tlv_put_tag(b, 0x7f49), 0);
	assert_int_equal(tlv_put_len(b, 4 + 256 + 2 + 3), 0);
	assert_int_equal(tlv_put(b, 0x81, t, 256), 0);
	assert_int_equal(tlv_put(b, 0x82, "\x01\x00\x01", 3), 0);
	check_blob(&rsa, buf_ptr(b), buf_len(b), "ssh-rsa");
	for (i = 0; i < 3; i++) {
		buf_reset(b);
		assert_int_equal(tlv_put_tag(b, 0x7f49), 0);
		assert_int_equal(tlv_put_len(b, 2 + (qlen[i] > 127) +
		    qlen[i]), 0);
		assert_int_equal(tlv_put(b, 0x86, t, qlen[i]), 0);
		check_blob(&ec[i], buf_ptr(b), buf_len(b), ecname[i]);
	}
	buf_reset(b);
	assert_int_equal(tlv_put_tag(b, 0x7f49), 0);
	assert_int_equal(tlv_put_len(b, 34), 0);
	assert_int_equal(tlv_put(b, 0x86, t, 32), 0);
	check_blob(&ed, buf_ptr(b), buf_len(b), "ssh-ed25519");
	/* Wrong: a P-384 point under P-256, no 86, not 7F49, truncated. */
	buf_reset(b);
	assert_int_equal(tlv_put(b, 0x7f49, "\x86\x03\x04\x01\x02", 5), 0);
	assert_int_equal(pgp_pubkey_blob(&ec[0], buf_ptr(b), buf_len(b),
	    b), ERR_FORMAT);
	buf_reset(b);
	assert_int_equal(tlv_put(b, 0x7f49, "\x87\x01\x00", 3), 0);
	assert_int_equal(pgp_pubkey_blob(&ed, buf_ptr(b), buf_len(b), b),
	    ERR_FORMAT);
	buf_reset(b);
	assert_int_equal(tlv_put(b, 0x7f48, "\x86\x01\x00", 3), 0);
	assert_int_equal(pgp_pubkey_blob(&ed, buf_ptr(b), buf_len(b), b),
	    ERR_FORMAT);
	assert_int_equal(pgp_pubkey_blob(&ed,
	    (const uint8_t *)"\x7f\x49\x22\x86\x20", 5, b), ERR_TRUNCATED);
	buf_free(b);
}

static void
test_digestinfo(void **state)
{
	static const uint8_t sha256_abc[] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad,
	};
	struct buf *b = buf_new();

	assert_int_equal(pgp_digestinfo(PGP_SIG_RSA_SHA256,
	    (const uint8_t *)"abc", 3, b), 0);
	assert_int_equal(buf_len(b), sizeof(sha256_abc));
	assert_memory_equal(buf_ptr(b), sha256_abc, sizeof(sha256_abc));
	buf_reset(b);
	assert_int_equal(pgp_digestinfo(PGP_SIG_RSA_SHA1,
	    (const uint8_t *)"abc", 3, b), 0);
	assert_int_equal(buf_len(b), 15 + 20);
	buf_reset(b);
	assert_int_equal(pgp_digestinfo(PGP_SIG_RSA_SHA512,
	    (const uint8_t *)"abc", 3, b), 0);
	assert_int_equal(buf_len(b), 19 + 64);
	assert_int_equal(pgp_digestinfo(PGP_SIG_ECDSA_P256,
	    (const uint8_t *)"abc", 3, b), ERR_ARGUMENT);
	buf_free(b);
}

static void
test_ecdsa_sig(void **state)
{
	uint8_t rs[64];
	struct buf *b = buf_new();
	char *name = NULL;
	const uint8_t *inner, *r, *s;
	size_t ilen, rlen, slen;
	struct buf *iv;

	memset(rs, 0x80, sizeof(rs));	/* s needs a sign byte */
	rs[0] = 0x00;			/* r has a leading zero */
	rs[1] = 0x01;
	assert_int_equal(pgp_ecdsa_sig_blob(PGP_SIG_ECDSA_P256, rs, 64, b), 0);
	assert_int_equal(buf_get_cstring(b, &name, NULL), 0);
	assert_string_equal(name, "ecdsa-sha2-nistp256");
	assert_int_equal(buf_get_string_direct(b, &inner, &ilen), 0);
	iv = buf_from(inner, ilen);
	assert_int_equal(buf_get_string_direct(iv, &r, &rlen), 0);
	assert_int_equal(buf_get_string_direct(iv, &s, &slen), 0);
	assert_int_equal(rlen, 31);		/* zero stripped */
	assert_int_equal(r[0], 0x01);
	assert_int_equal(slen, 33);		/* 00 added */
	assert_int_equal(s[0], 0x00);
	assert_int_equal(buf_len(iv), 0);
	buf_free(iv);
	free(name);
	assert_int_equal(pgp_ecdsa_sig_blob(PGP_SIG_ECDSA_P256, rs, 63, b),
	    ERR_FORMAT);
	assert_int_equal(pgp_ecdsa_sig_blob(PGP_SIG_ECDSA_P384, rs, 64, b),
	    ERR_FORMAT);
	assert_int_equal(pgp_ecdsa_sig_blob(PGP_SIG_RSA_SHA256, rs, 64, b),
	    ERR_ARGUMENT);
	buf_free(b);
}

static void
test_rsa_pad(void **state)
{
	uint8_t sig[255];
	struct buf *b = buf_new();
	char *name = NULL;
	const uint8_t *v;
	size_t len;

	memset(sig, 0x77, sizeof(sig));
	assert_int_equal(pgp_rsa_sig_blob(PGP_SIG_RSA_SHA512, sig, 255, 256,
	    b), 0);
	assert_int_equal(buf_get_cstring(b, &name, NULL), 0);
	assert_string_equal(name, "rsa-sha2-512");
	assert_int_equal(buf_get_string_direct(b, &v, &len), 0);
	assert_int_equal(len, 256);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 0x77);
	free(name);
	assert_int_equal(pgp_rsa_sig_blob(PGP_SIG_RSA_SHA1, sig, 255, 128,
	    b), ERR_FORMAT);
	/* half a signature (a truncated answer) is no signature */
	assert_int_equal(pgp_rsa_sig_blob(PGP_SIG_RSA_SHA1, sig, 128, 256,
	    b), ERR_FORMAT);
	assert_int_equal(pgp_rsa_sig_blob(PGP_SIG_ED25519, sig, 64, 64, b),
	    ERR_ARGUMENT);
	buf_free(b);
}

static void
test_sig_names(void **state)
{
	struct pgp_algo rsa = { PGP_ALGO_RSA, PGP_CURVE_NONE, 3072 };
	struct pgp_algo p384 = { PGP_ALGO_ECDSA, PGP_CURVE_P384, 384 };
	enum pgp_sig s;
	int i;

	for (i = 0; i < PGP_SIG_COUNT; i++) {
		assert_int_equal(pgp_sig_from_name(pgp_sig_name(i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(pgp_sig_from_name("ssh-dss", &s), ERR_NOT_FOUND);
	assert_true(pgp_sig_fits(&rsa, PGP_SIG_RSA_SHA1));
	assert_false(pgp_sig_fits(&rsa, PGP_SIG_ED25519));
	assert_true(pgp_sig_fits(&p384, PGP_SIG_ECDSA_P384));
	assert_false(pgp_sig_fits(&p384, PGP_SIG_ECDSA_P256));
}

/* No tag twice (scdaemon's and OpenSC's tables each had one); every
 * parent is in the table and constructed. */
static void
test_do_table(void **state)
{
	size_t i, j;
	const struct pgp_do *p;

	for (i = 0; i < pgp_do_count; i++) {
		for (j = i + 1; j < pgp_do_count; j++)
			assert_int_not_equal(pgp_do_table[i].tag,
			    pgp_do_table[j].tag);
		if (pgp_do_table[i].parent == 0)
			continue;
		assert_non_null(p = pgp_do_find(pgp_do_table[i].parent));
		assert_true(p->flags & PGP_DO_CONSTRUCTED);
	}
	assert_null(pgp_do_find(0x9999));
}

/* Select, 6E, sign with Ed25519 through a scripted card: 1 APDU a sign. */
static void
test_sign_session(void **state)
{
	static uint8_t ans6e[sizeof(app_6e) + 2];
	static uint8_t sig[66];
	struct fake fk;
	struct pgp_card card;
	struct buf *blob = buf_new();

	memset(&fk, 0, sizeof(fk));
	fk.last = buf_new();
	memcpy(ans6e, app_6e, sizeof(app_6e));
	ans6e[sizeof(app_6e)] = 0x90;
	memset(sig, 0x33, 64);
	sig[64] = 0x90;
	FAKE_ADD(&fk, 0x90, 0x00);
	fake_add(&fk, ans6e, sizeof(ans6e));
	fake_add(&fk, sig, sizeof(sig));
	pgp_card_init(&card, fake_transmit, &fk);
	assert_int_equal(pgp_select(&card), 0);
	assert_int_equal(pgp_read_info(&card, NULL, 0, 0), 0);
	assert_true(card.iso.extended);
	assert_int_equal(pgp_sign_auth(&card, PGP_SIG_RSA_SHA256,
	    (const uint8_t *)"x", 1, blob), ERR_ARGUMENT);
	assert_int_equal(fk.sent, 2);
	assert_int_equal(pgp_sign_auth(&card, PGP_SIG_ED25519,
	    (const uint8_t *)"data", 4, blob), 0);
	assert_int_equal(fk.sent, 3);
	assert_int_equal(buf_len(blob), 4 + 11 + 4 + 64);
	buf_free(blob);
	buf_free(fk.last);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_6e),
		cmocka_unit_test(test_parse_6e_malformed),
		cmocka_unit_test(test_algo_attrs),
		cmocka_unit_test(test_pubkey_blobs),
		cmocka_unit_test(test_digestinfo),
		cmocka_unit_test(test_ecdsa_sig),
		cmocka_unit_test(test_rsa_pad),
		cmocka_unit_test(test_sig_names),
		cmocka_unit_test(test_do_table),
		cmocka_unit_test(test_sign_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
