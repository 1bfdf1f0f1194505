/* Unit tests of the virtual card's APDU layer and data object table. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"
#include "buf.h"
#include "err.h"
#include "openpgp.h"

static void
test_parse_cases(void **state)
{
	static const uint8_t c1[] = { 0x00, 0xa4, 0x04, 0x00 };
	static const uint8_t c2s[] = { 0x00, 0xca, 0x00, 0x6e, 0x00 };
	static const uint8_t c3s[] = { 0x00, 0x20, 0x00, 0x82, 0x02, 'a', 'b' };
	static const uint8_t c4s[] = { 0x00, 0x88, 0x00, 0x00, 0x01, 'x',
	    0x40 };
	static const uint8_t c2e[] = { 0x00, 0x47, 0x81, 0x00, 0x00, 0x00,
	    0x00 };
	static const uint8_t c4e[] = { 0x00, 0x2a, 0x9e, 0x9a, 0x00, 0x00,
	    0x02, 'h', 'i', 0x02, 0x00 };
	struct apdu a;

	assert_int_equal(apdu_parse(c1, sizeof(c1), &a), 0);
	assert_int_equal(a.ins, 0xa4);
	assert_int_equal(a.lc, 0);
	assert_int_equal(a.ne, 0);
	assert_int_equal(apdu_parse(c2s, sizeof(c2s), &a), 0);
	assert_int_equal(a.ne, 256);
	assert_int_equal(apdu_parse(c3s, sizeof(c3s), &a), 0);
	assert_int_equal(a.lc, 2);
	assert_memory_equal(a.data, "ab", 2);
	assert_int_equal(a.ne, 0);
	assert_int_equal(apdu_parse(c4s, sizeof(c4s), &a), 0);
	assert_int_equal(a.lc, 1);
	assert_int_equal(a.ne, 0x40);
	assert_int_equal(apdu_parse(c2e, sizeof(c2e), &a), 0);
	assert_true(a.extended);
	assert_int_equal(a.ne, 65536);
	assert_int_equal(apdu_parse(c4e, sizeof(c4e), &a), 0);
	assert_true(a.extended);
	assert_int_equal(a.lc, 2);
	assert_int_equal(a.ne, 0x200);
}

static void
test_parse_rejects(void **state)
{
	static const uint8_t hdr3[] = { 0x00, 0xa4, 0x04 };
	static const uint8_t lc_lies[] = { 0x00, 0x20, 0x00, 0x82, 0x05, 'a' };
	static const uint8_t trailing[] = { 0x00, 0x20, 0x00, 0x82, 0x01, 'a',
	    0x00, 0x00 };
	static const uint8_t ext_lies[] = { 0x00, 0x2a, 0x9e, 0x9a, 0x00, 0x01,
	    0x00, 'a' };
	static const uint8_t ext_cut_le[] = { 0x00, 0x2a, 0x9e, 0x9a, 0x00,
	    0x00, 0x01, 'a', 0x00 };
	struct apdu a;

	assert_int_equal(apdu_parse(hdr3, sizeof(hdr3), &a), ERR_FORMAT);
	assert_int_equal(apdu_parse(lc_lies, sizeof(lc_lies), &a), ERR_FORMAT);
	assert_int_equal(apdu_parse(trailing, sizeof(trailing), &a),
	    ERR_FORMAT);
	assert_int_equal(apdu_parse(ext_lies, sizeof(ext_lies), &a),
	    ERR_FORMAT);
	assert_int_equal(apdu_parse(ext_cut_le, sizeof(ext_cut_le), &a),
	    ERR_FORMAT);
	assert_null(a.data);
}

static void
test_respond_chunks(void **state)
{
	uint8_t big[600];
	struct buf *pending, *out = buf_new();
	const uint8_t *p;

	memset(big, 0x11, sizeof(big));
	pending = buf_dup(big, sizeof(big));
	assert_int_equal(apdu_respond_chunk(pending, 256, out), 0);
	assert_int_equal(buf_len(out), 258);
	p = buf_ptr(out);
	assert_int_equal(p[256], 0x61);	/* 344 left: 61 00 */
	assert_int_equal(p[257], 0x00);
	buf_reset(out);
	assert_int_equal(apdu_respond_chunk(pending, 256, out), 0);
	p = buf_ptr(out);
	assert_int_equal(p[256], 0x61);	/* 88 left */
	assert_int_equal(p[257], 88);
	buf_reset(out);
	assert_int_equal(apdu_respond_chunk(pending, 256, out), 0);
	assert_int_equal(buf_len(out), 88 + 2);
	p = buf_ptr(out);
	assert_int_equal(p[88], 0x90);
	assert_int_equal(p[89], 0x00);
	assert_int_equal(buf_len(pending), 0);
	buf_free(pending);
	buf_free(out);
}

/* Both upstream card stacks once shipped a table with a duplicate tag. */
static void
test_do_table_unique(void **state)
{
	size_t i, j, n = card_do_count();

	assert_true(n > 30);
	for (i = 0; i < n; i++) {
		assert_int_not_equal(card_do_tag(i), 0);
		for (j = i + 1; j < n; j++)
			assert_int_not_equal(card_do_tag(i), card_do_tag(j));
	}
	assert_int_equal(card_do_tag(n), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cases),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_respond_chunks),
		cmocka_unit_test(test_do_table_unique),
	};

	return cmocka_run_group_tests_name("vcard", tests, NULL, NULL);
}
