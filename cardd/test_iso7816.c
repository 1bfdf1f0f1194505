/* Unit tests for cardd/iso7816: APDU encoding, chaining, GET RESPONSE,
 * 6Cxx, status words, ATR and historical bytes, malformed answers. */
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
#include "iso7816.h"
#include "test_fake.h"

static struct fake fk;
static struct iso_card card;

static int
setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	fk.last = buf_new();
	iso_card_init(&card, fake_transmit, &fk);
	return 0;
}

static int
teardown(void **state)
{
	buf_free(fk.last);
	return 0;
}

static void
test_sw_map(void **state)
{
	assert_int_equal(iso_sw_err(0x9000), 0);
	assert_int_equal(iso_sw_err(0x63c2), ERR_PIN_WRONG);
	assert_int_equal(iso_sw_err(0x6982), ERR_AUTH_REQUIRED);
	assert_int_equal(iso_sw_err(0x6983), ERR_PIN_BLOCKED);
	assert_int_equal(iso_sw_err(0x6a82), ERR_NOT_FOUND);
	assert_int_equal(iso_sw_err(0x6a88), ERR_NOT_FOUND);
	assert_int_equal(iso_sw_err(0x6d00), ERR_UNSUPPORTED);
	assert_int_equal(iso_sw_err(0x6e00), ERR_UNSUPPORTED);
	assert_int_equal(iso_sw_err(0x6700), ERR_CARD);
	assert_int_equal(iso_sw_err(0x6985), ERR_CARD);
	assert_int_equal(iso_sw_err(0x6a80), ERR_CARD);
	assert_int_equal(iso_sw_err(0x6a86), ERR_CARD);
	assert_int_equal(iso_sw_err(0x6b00), ERR_CARD);
	assert_int_equal(iso_sw_err(0x6f00), ERR_CARD);
	assert_int_equal(iso_sw_err(0x6123), ERR_CARD);
	assert_int_equal(iso_sw_err(0x1234), ERR_CARD);
	assert_string_equal(iso_sw_str(0x6983), "authentication method blocked");
	assert_string_equal(iso_sw_str(0x1234), "unknown status");
}

static void
test_apdu_build(void **state)
{
	static const uint8_t d[3] = { 1, 2, 3 };
	static const uint8_t s[] = { 0, 0x88, 0, 0, 3, 1, 2, 3, 0 };
	static const uint8_t e[] = { 0, 0x88, 0, 0, 0, 0, 3, 1, 2, 3, 0, 0 };
	static const uint8_t eno[] = { 0, 0xca, 0, 0x6e, 0, 0, 0 };
	struct buf *b = buf_new();

	assert_int_equal(iso_apdu_build(b, 0, 0x88, 0, 0, d, 3, 256, 0), 0);
	assert_memory_equal(buf_ptr(b), s, sizeof(s));
	buf_reset(b);
	assert_int_equal(iso_apdu_build(b, 0, 0x88, 0, 0, d, 3, 65536, 1), 0);
	assert_memory_equal(buf_ptr(b), e, sizeof(e));
	buf_reset(b);
	assert_int_equal(iso_apdu_build(b, 0, 0xca, 0, 0x6e, NULL, 0, 65536,
	    1), 0);
	assert_int_equal(buf_len(b), sizeof(eno));
	assert_memory_equal(buf_ptr(b), eno, sizeof(eno));
	buf_reset(b);
	assert_int_equal(iso_apdu_build(b, 0, 0x88, 0, 0, d, 256, 0, 0),
	    ERR_TOO_LARGE);
	assert_int_equal(iso_apdu_build(b, 0, 0x88, 0, 0, d, 3, 257, 0),
	    ERR_TOO_LARGE);
	buf_free(b);
}

static void
test_chaining(void **state)
{
	uint8_t data[600];
	struct buf *resp = buf_new();
	uint8_t cla, lc;

	memset(data, 0xab, sizeof(data));
	FAKE_ADD(&fk, 0x90, 0x00);
	FAKE_ADD(&fk, 0x90, 0x00);
	FAKE_ADD(&fk, 0x11, 0x22, 0x90, 0x00);
	assert_int_equal(iso_cmd(&card, 0x88, 0, 0, data, sizeof(data), 256,
	    resp), 0);
	assert_int_equal(fk.sent, 3);
	/* The last part: plain CLA, 600 - 2 * 255 = 90 bytes, Le. */
	assert_int_equal(buf_get_u8(fk.last, &cla), 0);
	assert_int_equal(cla, 0x00);
	assert_int_equal(buf_consume(fk.last, 3), 0);
	assert_int_equal(buf_get_u8(fk.last, &lc), 0);
	assert_int_equal(lc, 90);
	assert_int_equal(buf_len(fk.last), 90 + 1);
	assert_int_equal(buf_len(resp), 2);
	buf_free(resp);
}

static void
test_chaining_refused(void **state)
{
	uint8_t data[300];
	struct buf *resp = buf_new();

	memset(data, 1, sizeof(data));
	FAKE_ADD(&fk, 0x68, 0x84);
	assert_int_equal(iso_cmd(&card, 0x88, 0, 0, data, sizeof(data), 256,
	    resp), ERR_UNSUPPORTED);
	assert_int_equal(fk.sent, 1);
	assert_int_equal(card.sw, 0x6884);
	buf_free(resp);
}

static void
test_extended_no_chaining(void **state)
{
	uint8_t data[600];
	struct buf *resp = buf_new();

	memset(data, 2, sizeof(data));
	card.extended = 1;
	FAKE_ADD(&fk, 0x90, 0x00);
	assert_int_equal(iso_cmd(&card, 0x88, 0, 0, data, sizeof(data),
	    ISO_LE_MAX, resp), 0);
	assert_int_equal(fk.sent, 1);
	assert_int_equal(buf_len(fk.last), 4 + 3 + 600 + 2);
	buf_free(resp);
}

static void
test_get_response(void **state)
{
	struct buf *resp = buf_new();

	FAKE_ADD(&fk, 0xaa, 0x61, 0x02);
	FAKE_ADD(&fk, 0xbb, 0xcc, 0x61, 0x00);
	FAKE_ADD(&fk, 0xdd, 0x90, 0x00);
	assert_int_equal(iso_get_data(&card, 0x6e, resp), 0);
	assert_int_equal(fk.sent, 3);
	assert_int_equal(buf_len(resp), 4);
	assert_memory_equal(buf_ptr(resp), "\xaa\xbb\xcc\xdd", 4);
	buf_free(resp);
}

static void
test_wrong_le(void **state)
{
	struct buf *resp = buf_new();

	FAKE_ADD(&fk, 0x6c, 0x03);
	FAKE_ADD(&fk, 1, 2, 3, 0x90, 0x00);
	assert_int_equal(iso_get_data(&card, 0xc4, resp), 0);
	assert_int_equal(fk.sent, 2);
	assert_int_equal(buf_len(resp), 3);
	/* A VERIFY (no Le) answered 6Cxx is not sent again. */
	FAKE_ADD(&fk, 0x6c, 0x03);
	FAKE_ADD(&fk, 0x90, 0x00);
	assert_int_equal(iso_cmd(&card, 0x20, 0x00, 0x82,
	    (const uint8_t *)"123456", 6, 0, resp), ERR_CARD);
	assert_int_equal(fk.sent, 3);
	buf_free(resp);
}

/* A card that never stops saying 61xx fails cleanly. */
static void
test_endless_61xx(void **state)
{
	static const uint8_t small[] = { 0x00, 0x61, 0x01 };
	static uint8_t big[258];
	struct buf *resp = buf_new();

	fk.forever = small;
	fk.foreverlen = sizeof(small);
	assert_int_equal(iso_get_data(&card, 0x6e, resp), ERR_TOO_LARGE);
	assert_true(fk.sent <= ISO_GET_RESPONSE_MAX + 1);
	big[256] = 0x61;
	fk.forever = big;
	fk.foreverlen = sizeof(big);
	fk.sent = 0;
	buf_reset(resp);
	assert_int_equal(iso_get_data(&card, 0x6e, resp), ERR_TOO_LARGE);
	assert_true(fk.sent <= ISO_RESP_MAX / 256 + 1);
	buf_free(resp);
}

static void
test_short_answers(void **state)
{
	struct buf *resp = buf_new();

	FAKE_ADD(&fk, 0x90);
	assert_int_equal(iso_get_data(&card, 0x6e, resp), ERR_TRUNCATED);
	fk.n = fk.next = 0;
	FAKE_ADD(&fk);
	assert_int_equal(iso_get_data(&card, 0x6e, resp), ERR_TRUNCATED);
	assert_int_equal(iso_get_data(&card, 0x6e, resp), ERR_NO_CARD);
	buf_free(resp);
}

static void
test_verify_status(void **state)
{
	int v, t;

	FAKE_ADD(&fk, 0x63, 0xc2);
	FAKE_ADD(&fk, 0x90, 0x00);
	FAKE_ADD(&fk, 0x69, 0x83);
	FAKE_ADD(&fk, 0x6a, 0x80);
	assert_int_equal(iso_verify_status(&card, 0x82, &v, &t), 0);
	assert_int_equal(v, 0);
	assert_int_equal(t, 2);
	assert_int_equal(buf_len(fk.last), 4);	/* empty VERIFY: no Lc */
	assert_int_equal(iso_verify_status(&card, 0x82, &v, &t), 0);
	assert_int_equal(v, 1);
	assert_int_equal(iso_verify_status(&card, 0x82, &v, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(iso_verify_status(&card, 0x82, &v, &t), ERR_CARD);
}

static void
test_atr_hist(void **state)
{
	static const uint8_t atr[] = {
		0x3b, 0xf8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x45, 0x00,
		0x73, 0x00, 0x00, 0xc0, 0x05, 0x90, 0x00, 0xc6,
	};
	static const uint8_t noext[] = {
		0x00, 0x73, 0x00, 0x00, 0x80, 0x05, 0x90, 0x00,
	};
	struct buf *h = buf_new();
	int ext, chain;

	assert_int_equal(iso_atr_historical(atr, sizeof(atr), h), 0);
	assert_int_equal(buf_len(h), 8);
	assert_int_equal(iso_hist_caps(buf_ptr(h), buf_len(h), &ext, &chain),
	    0);
	assert_true(ext && chain);
	assert_int_equal(iso_hist_caps(noext, sizeof(noext), &ext, &chain), 0);
	assert_true(!ext && chain);
	assert_int_equal(iso_hist_caps(noext, 6, &ext, &chain),
	    ERR_TRUNCATED);
	buf_reset(h);
	assert_int_equal(iso_atr_historical(atr, 12, h), ERR_TRUNCATED);
	buf_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sw_map),
		cmocka_unit_test(test_apdu_build),
		cmocka_unit_test_setup_teardown(test_chaining, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chaining_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_extended_no_chaining,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_response, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_le, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endless_61xx, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_status, setup,
		    teardown),
		cmocka_unit_test(test_atr_hist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
