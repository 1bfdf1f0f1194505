/* Unit tests for common/tlv.c: the BER-TLV reader and writer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "tlv.h"

/* A trimmed application related data object as a card returns it. */
static const uint8_t app_data[] = {
	0x6e, 0x1b,
	  0x4f, 0x02, 0xd2, 0x76,
	  0x5f, 0x52, 0x03, 0x00, 0x73, 0x00,
	  0x73, 0x0f,
	    0xc0, 0x02, 0x7d, 0x00,
	    0xc4, 0x07, 0x00, 0x7f, 0x7f, 0x7f, 0x03, 0x00, 0x03,
	    0xcd, 0x00,
};

static void
test_get_sequence(void **state)
{
	static const uint8_t two[] = { 0x5b, 0x01, 'a', 0x5f, 0x2d, 0x00 };
	struct buf *b = buf_from(two, sizeof(two));
	struct tlv t;

	assert_int_equal(tlv_get(b, &t), 0);
	assert_int_equal(t.tag, 0x5b);
	assert_int_equal(t.len, 1);
	assert_memory_equal(t.val, "a", 1);
	assert_int_equal(tlv_get(b, &t), 0);
	assert_int_equal(t.tag, 0x5f2d);
	assert_int_equal(t.len, 0);
	assert_int_equal(buf_len(b), 0);
	assert_int_equal(tlv_get(b, &t), ERR_TRUNCATED);
	buf_free(b);
}

static void
test_long_lengths(void **state)
{
	uint8_t data[4 + 300];
	struct buf *b;
	struct tlv t;

	memset(data, 0xab, sizeof(data));
	data[0] = 0x7f; data[1] = 0x49; data[2] = 0x82;
	data[3] = 0x01;	/* length 0x01ab, but only 300 bytes follow */
	b = buf_from(data, sizeof(data));
	assert_int_equal(tlv_get(b, &t), ERR_TRUNCATED);
	assert_int_equal(buf_len(b), sizeof(data));	/* untouched */
	assert_int_equal(t.tag, 0);
	buf_free(b);
	data[3] = 0x01; data[4] = 0x2c - 1;	/* 0x012b = 299 */
	data[2] = 0x82;
	b = buf_from(data, sizeof(data));
	/* The tag, 82 01 2b, then exactly 299 value bytes. */
	assert_int_equal(tlv_get(b, &t), 0);
	assert_int_equal(t.tag, 0x7f49);
	assert_int_equal(t.len, 299);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_malformed(void **state)
{
	static const uint8_t indefinite[] = { 0x73, 0x80, 0x00, 0x00 };
	static const uint8_t len4[] = { 0x73, 0x84, 0, 0, 0, 1, 0 };
	static const uint8_t longtag[] = { 0x5f, 0x81, 0x81, 0x01, 0x00 };
	static const uint8_t cuttag[] = { 0x5f };
	static const uint8_t cutlen[] = { 0x5f, 0x52, 0x82, 0x01 };
	static const uint8_t padding[] = { 0x00, 0x00 };
	static const struct { const uint8_t *d; size_t n; int want; } cases[] = {
		{ indefinite, sizeof(indefinite), ERR_FORMAT },
		{ len4, sizeof(len4), ERR_FORMAT },
		{ longtag, sizeof(longtag), ERR_FORMAT },
		{ cuttag, sizeof(cuttag), ERR_TRUNCATED },
		{ cutlen, sizeof(cutlen), ERR_TRUNCATED },
		{ padding, sizeof(padding), ERR_FORMAT },
	};
	struct buf *b;
	struct tlv t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = buf_from(cases[i].d, cases[i].n);
		assert_int_equal(tlv_get(b, &t), cases[i].want);
		assert_int_equal(buf_len(b), cases[i].n);
		assert_null(t.val);
		buf_free(b);
	}
}

static void
test_find_nested(void **state)
{
	struct tlv t;

	assert_int_equal(tlv_find(app_data, sizeof(app_data), 0xc4, &t), 0);
	assert_int_equal(t.len, 7);
	assert_int_equal(t.val[4], 0x03);
	assert_int_equal(tlv_find(app_data, sizeof(app_data), 0x5f52, &t), 0);
	assert_int_equal(t.len, 3);
	assert_int_equal(tlv_find(app_data, sizeof(app_data), 0xcd, &t), 0);
	assert_int_equal(t.len, 0);
	assert_int_equal(tlv_find(app_data, sizeof(app_data), 0x73, &t), 0);
	assert_int_equal(t.len, 15);
	assert_int_equal(tlv_find(app_data, sizeof(app_data), 0xc5, &t),
	    ERR_NOT_FOUND);
}

static void
test_find_skips_primitive_values(void **state)
{
	/* 5B is primitive: the c7 00 inside its value is data, not a DO. */
	static const uint8_t data[] = { 0x5b, 0x02, 0xc7, 0x00 };
	struct tlv t;

	assert_int_equal(tlv_find(data, sizeof(data), 0xc7, &t),
	    ERR_NOT_FOUND);
}

static void
test_find_broken_inner(void **state)
{
	static const uint8_t bad[] = { 0x73, 0x03, 0xc0, 0x05, 0x00 };
	struct tlv t;

	assert_int_equal(tlv_find(bad, sizeof(bad), 0xc0, &t), ERR_TRUNCATED);
	assert_null(t.val);
}

static void
test_find_depth_limit(void **state)
{
	uint8_t deep[2 * 12 + 2];
	struct tlv t;
	size_t i;

	for (i = 0; i < 12; i++) {
		deep[2 * i] = 0x73;
		deep[2 * i + 1] = (uint8_t)(sizeof(deep) - 2 * i - 2);
	}
	deep[24] = 0xc0;
	deep[25] = 0x00;
	assert_int_equal(tlv_find(deep, sizeof(deep), 0xc0, &t), ERR_FORMAT);
}

static void
test_put_roundtrip(void **state)
{
	static const size_t lens[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100, 0x1234,
	    0x10000 };
	static const uint32_t tags[] = { 0x4f, 0x5f52, 0x7f49, 0x5f8101 };
	uint8_t value[0x10000];
	struct buf *b = buf_new();
	struct tlv t;
	size_t i, j;

	memset(value, 0x42, sizeof(value));
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			assert_int_equal(tlv_put(b, tags[i], value, lens[j]),
			    0);
			assert_int_equal(tlv_get(b, &t), 0);
			assert_int_equal(t.tag, tags[i]);
			assert_int_equal(t.len, lens[j]);
			assert_int_equal(buf_len(b), 0);
		}
	}
	buf_free(b);
}

static void
test_put_encoding(void **state)
{
	static const uint8_t want[] = { 0x5f, 0x52, 0x81, 0x80 };
	static const uint8_t want2[] = { 0xc5, 0x82, 0x01, 0x00 };
	uint8_t value[0x100] = { 0 };
	struct buf *b = buf_new();

	assert_int_equal(tlv_put(b, 0x5f52, value, 0x80), 0);
	assert_memory_equal(buf_ptr(b), want, sizeof(want));
	buf_reset(b);
	assert_int_equal(tlv_put(b, 0xc5, value, 0x100), 0);
	assert_memory_equal(buf_ptr(b), want2, sizeof(want2));
	buf_free(b);
}

static void
test_put_rejects(void **state)
{
	struct buf *b = buf_new_capped(4);

	assert_int_equal(tlv_put(b, 0, "", 0), ERR_ARGUMENT);
	assert_int_equal(tlv_put(b, 0x1f, "", 0), ERR_ARGUMENT);
	assert_int_equal(tlv_put(b, 0x0101, "", 0), ERR_ARGUMENT);
	assert_int_equal(tlv_put(b, 0x5f81, "", 0), ERR_ARGUMENT);
	assert_int_equal(tlv_put(b, 0x1000000, "", 0), ERR_ARGUMENT);
	assert_int_equal(tlv_put(b, 0x5b, "abc", 3), ERR_NO_SPACE);
	assert_int_equal(buf_len(b), 0);	/* nothing half-written */
	assert_int_equal(tlv_put(b, 0x5b, "ab", 2), 0);
	assert_true(tlv_is_constructed(0x7f49));
	assert_true(tlv_is_constructed(0x73));
	assert_false(tlv_is_constructed(0x5f52));
	assert_false(tlv_is_constructed(0xc4));
	buf_free(b);
}

/* Random input: every TLV found lies inside the input, nothing crashes
 * (run under valgrind or ASan to catch stray reads). */
static void
test_random_input(void **state)
{
	uint8_t data[64];
	uint32_t seed = 12345;
	struct buf *b;
	struct tlv t;
	size_t i, n;

	for (i = 0; i < 20000; i++) {
		for (n = 0; n < sizeof(data); n++) {
			seed = seed * 1103515245 + 12345;
			data[n] = (uint8_t)(seed >> 16);
		}
		n = (seed >> 8) % sizeof(data);
		if ((b = buf_from(data, n)) == NULL)
			fail();
		while (tlv_get(b, &t) == 0)
			assert_true(t.val >= data && t.val + t.len <= data + n);
		buf_free(b);
		if (tlv_find(data, n, 0xc4, &t) == 0)
			assert_true(t.val >= data && t.val + t.len <= data + n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_sequence),
		cmocka_unit_test(test_long_lengths),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_find_nested),
		cmocka_unit_test(test_find_skips_primitive_values),
		cmocka_unit_test(test_find_broken_inner),
		cmocka_unit_test(test_find_depth_limit),
		cmocka_unit_test(test_put_roundtrip),
		cmocka_unit_test(test_put_encoding),
		cmocka_unit_test(test_put_rejects),
		cmocka_unit_test(test_random_input),
	};

	return cmocka_run_group_tests_name("tlv", tests, NULL, NULL);
}
