/* Unit tests for common/status.c: the status report's encoder and decoder. */
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
#include "status.h"

static const uint8_t blob1[] = { 0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd',
    '2', '5', '5', '1', '9', 0, 0, 0, 1, 0x42 };
static const uint8_t cert1[] = { 'c', 'e', 'r', 't', '1' };
static const uint8_t cert2[] = { 'c', 'e', 'r', 't', '2', '!' };

/* Two readers, two cards; the second card has two certificates. */
static struct status *
sample(void)
{
	struct status *st = status_new();
	struct status_card c;

	assert_non_null(st);
	assert_int_equal(status_add_reader(st, "Reader A 00 00"), 0);
	assert_int_equal(status_add_reader(st, "Reader A 00 01"), 0);
	memset(&c, 0, sizeof(c));
	c.ident = (char *)"0000:000000A1";
	c.reader = (char *)"Reader A 00 00";
	c.blob = buf_from(blob1, sizeof(blob1));
	c.pin = STATUS_PIN_FILE;
	c.tries = 3;
	c.uif = 0;
	assert_int_equal(status_add_card(st, &c), 0);
	c.ident = (char *)"0000:000000A2";
	c.reader = (char *)"Reader A 00 01";
	c.pin = STATUS_PIN_MEMORY;
	c.expires_in = 598;
	c.tries = STATUS_TRIES_UNKNOWN;
	c.uif = 1;
	c.ncerts = 2;
	c.certs[0] = buf_from(cert1, sizeof(cert1));
	c.certs[1] = buf_from(cert2, sizeof(cert2));
	assert_int_equal(status_add_card(st, &c), 0);
	buf_free(c.blob);
	buf_free(c.certs[0]);
	buf_free(c.certs[1]);
	return st;
}

static struct buf *
encode(const struct status *st)
{
	struct buf *b = buf_new();

	assert_int_equal(status_put(b, st), 0);
	return b;
}

static void
test_round_trip(void **state)
{
	struct status *st = sample(), *got = NULL;
	struct buf *b = encode(st);
	const struct status_card *c;

	assert_int_equal(status_parse(buf_ptr(b), buf_len(b), &got), 0);
	assert_int_equal(got->nreaders, 2);
	assert_string_equal(got->readers[1], "Reader A 00 01");
	assert_int_equal(got->ncards, 2);
	c = &got->cards[0];
	assert_string_equal(c->ident, "0000:000000A1");
	assert_memory_equal(buf_ptr(c->blob), blob1, sizeof(blob1));
	assert_int_equal(c->pin, STATUS_PIN_FILE);
	assert_int_equal(c->tries, 3);
	assert_int_equal(c->ncerts, 0);
	c = &got->cards[1];
	assert_string_equal(c->reader, "Reader A 00 01");
	assert_int_equal(c->pin, STATUS_PIN_MEMORY);
	assert_int_equal(c->expires_in, 598);
	assert_int_equal(c->tries, STATUS_TRIES_UNKNOWN);
	assert_string_equal(status_uif_name(c->uif), "on");
	assert_int_equal(c->ncerts, 2);
	assert_int_equal(buf_len(c->certs[1]), sizeof(cert2));
	assert_memory_equal(buf_ptr(c->certs[1]), cert2, sizeof(cert2));
	status_free(got);
	status_free(st);
	buf_free(b);
}

static void
test_empty(void **state)
{
	static const uint8_t want[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct status *st = status_new(), *got = NULL;
	struct buf *b = encode(st);

	assert_int_equal(buf_len(b), sizeof(want));
	assert_memory_equal(buf_ptr(b), want, sizeof(want));
	assert_int_equal(status_parse(want, sizeof(want), &got), 0);
	assert_int_equal(got->nreaders + got->ncards, 0);
	status_free(got);
	status_free(st);
	buf_free(b);
}

/* Every proper prefix fails, and so does one byte more. */
static void
test_truncated_and_trailing(void **state)
{
	struct status *st = sample(), *got = NULL;
	struct buf *b = encode(st);
	size_t len = buf_len(b), i;

	for (i = 0; i < len; i++) {
		assert_int_not_equal(status_parse(buf_ptr(b), i, &got), 0);
		assert_null(got);
	}
	assert_int_equal(buf_put_u8(b, 0), 0);
	assert_int_equal(status_parse(buf_ptr(b), len + 1, &got), ERR_FORMAT);
	assert_null(got);
	status_free(st);
	buf_free(b);
}

/* Change one card field of the sample, encode, expect err from parse. */
static void
check_bad_card(void (*spoil)(struct status_card *), int err)
{
	struct status *st = sample(), *got = NULL;
	struct buf *b;

	spoil(&st->cards[0]);
	b = encode(st);
	assert_int_equal(status_parse(buf_ptr(b), buf_len(b), &got), err);
	assert_null(got);
	status_free(st);
	buf_free(b);
}

static void pin_6(struct status_card *c) { c->pin = 6; }
static void expiry_on_file(struct status_card *c) { c->expires_in = 1; }
static void tries_200(struct status_card *c) { c->tries = 200; }
static void uif_9(struct status_card *c) { c->uif = 9; }
static void empty_ident(struct status_card *c) { c->ident[0] = '\0'; }
static void empty_blob(struct status_card *c) { buf_reset(c->blob); }

static void
test_bad_values(void **state)
{
	check_bad_card(pin_6, ERR_FORMAT);
	check_bad_card(expiry_on_file, ERR_FORMAT);
	check_bad_card(tries_200, ERR_FORMAT);
	check_bad_card(uif_9, ERR_FORMAT);
	check_bad_card(empty_ident, ERR_FORMAT);
	check_bad_card(empty_blob, ERR_FORMAT);
}

/* Raw encodings the encoder would never make. */
static void
test_bad_encodings(void **state)
{
	static const uint8_t v2[] = { 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t many[] = { 0, 0, 0, 1, 0, 0, 0, 65 };
	static const uint8_t nul[] = { 0, 0, 0, 1, 0, 0, 0, 1,
	    0, 0, 0, 3, 'a', 0, 'b', 0, 0, 0, 0 };
	static const uint8_t huge[] = { 0, 0, 0, 1, 0, 0, 0, 1,
	    0xff, 0xff, 0xff, 0xff };
	struct status *got = NULL;

	assert_int_equal(status_parse(v2, sizeof(v2), &got), ERR_UNSUPPORTED);
	assert_int_equal(status_parse(many, sizeof(many), &got),
	    ERR_TOO_LARGE);
	assert_int_not_equal(status_parse(nul, sizeof(nul), &got), 0);
	assert_int_equal(status_parse(huge, sizeof(huge), &got),
	    ERR_TRUNCATED);
	assert_int_equal(status_parse(v2, STATUS_MSG_MAX + 1, &got),
	    ERR_TOO_LARGE);
	assert_null(got);
}

/* The encoder keeps within its caps instead of sending a larger report. */
static void
test_caps(void **state)
{
	struct status *st = status_new();
	struct status_card c;
	struct buf *big = buf_new(), *out = buf_new();
	uint8_t *p;
	size_t i;

	for (i = 0; i < STATUS_READERS_MAX; i++)
		assert_int_equal(status_add_reader(st, "r"), 0);
	assert_int_equal(status_add_reader(st, "r"), ERR_NO_SPACE);
	memset(&c, 0, sizeof(c));
	c.ident = c.reader = (char *)"x";
	assert_int_equal(buf_reserve(big, STATUS_BLOB_MAX, &p), 0);
	memset(p, 'A', STATUS_BLOB_MAX);
	c.blob = big;
	c.ncerts = STATUS_CERTS_MAX;
	for (i = 0; i < STATUS_CERTS_MAX; i++)
		c.certs[i] = big;
	assert_int_equal(status_add_card(st, &c), 0);
	assert_int_equal(status_put(out, st), ERR_NO_SPACE);
	assert_int_equal(buf_len(out), 0);
	c.ncerts = STATUS_CERTS_MAX + 1;
	assert_int_equal(status_add_card(st, &c), ERR_NO_SPACE);
	status_free(st);
	buf_free(big);
	buf_free(out);
}

static void
test_names(void **state)
{
	assert_string_equal(status_pin_name(STATUS_PIN_INVALID), "invalid");
	assert_string_equal(status_pin_name(STATUS_PIN_SECRET),
	    "secret-service");
	assert_null(status_pin_name(6));
	assert_string_equal(status_uif_name(0), "off");
	assert_string_equal(status_uif_name(2), "permanent");
	assert_string_equal(status_uif_name(4), "permanent-cached");
	assert_string_equal(status_uif_name(STATUS_UIF_ABSENT), "absent");
	assert_string_equal(status_uif_name(STATUS_UIF_UNKNOWN), "unknown");
	assert_null(status_uif_name(5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_encodings),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
