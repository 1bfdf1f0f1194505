/* Unit tests for common/buf.c: every getter and putter, truncation,
 * size caps, read-only views, wiping on free, secret buffers locked. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"

static void
assert_contents(const struct buf *b, const void *want, size_t len)
{
	assert_int_equal(buf_len(b), len);
	assert_memory_equal(buf_ptr(b), want, len);
}

static void
test_put_get_integers(void **state)
{
	struct buf *b = buf_new();
	static const uint8_t want[] = {
		0x12, 0x34, 0x56, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	assert_non_null(b);
	assert_int_equal(buf_put_u8(b, 0x12), 0);
	assert_int_equal(buf_put_u16(b, 0x3456), 0);
	assert_int_equal(buf_put_u32(b, 0x89abcdef), 0);
	assert_int_equal(buf_put_u64(b, 0x0102030405060708ULL), 0);
	assert_contents(b, want, sizeof(want));
	assert_int_equal(buf_get_u8(b, &u8), 0);
	assert_int_equal(u8, 0x12);
	assert_int_equal(buf_get_u16(b, &u16), 0);
	assert_int_equal(u16, 0x3456);
	assert_int_equal(buf_get_u32(b, &u32), 0);
	assert_int_equal(u32, 0x89abcdef);
	assert_int_equal(buf_get_u64(b, &u64), 0);
	assert_true(u64 == 0x0102030405060708ULL);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_get_truncated_leaves_buffer(void **state)
{
	static const uint8_t three[] = { 1, 2, 3 };
	struct buf *b = buf_from(three, sizeof(three));
	uint8_t raw[4];
	uint16_t u16;
	uint32_t u32 = 99;
	uint64_t u64 = 99;

	assert_int_equal(buf_get_u32(b, &u32), ERR_TRUNCATED);
	assert_int_equal(u32, 0);
	assert_int_equal(buf_get_u64(b, &u64), ERR_TRUNCATED);
	assert_true(u64 == 0);
	assert_int_equal(buf_get(b, raw, 4), ERR_TRUNCATED);
	assert_int_equal(buf_peek_u32(b, &u32), ERR_TRUNCATED);
	assert_contents(b, three, 3);
	assert_int_equal(buf_get_u16(b, &u16), 0);
	assert_int_equal(u16, 0x0102);
	assert_int_equal(buf_get_u16(b, &u16), ERR_TRUNCATED);
	assert_int_equal(buf_len(b), 1);
	assert_int_equal(buf_consume(b, 2), ERR_TRUNCATED);
	assert_int_equal(buf_consume(b, 1), 0);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_strings(void **state)
{
	struct buf *b = buf_new(), *sub = buf_new();
	const uint8_t *direct;
	uint8_t *copy;
	char *cs;
	size_t len;

	assert_int_equal(buf_put_string(b, "abc", 3), 0);
	assert_int_equal(buf_put_cstring(b, "hello"), 0);
	assert_int_equal(buf_put_string(b, NULL, 0), 0);
	assert_int_equal(buf_put_string(b, "xyz", 3), 0);
	assert_int_equal(buf_len(b), 4 + 3 + 4 + 5 + 4 + 4 + 3);
	assert_int_equal(buf_get_string(b, &copy, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal((char *)copy, "abc");	/* NUL-terminated */
	free(copy);
	assert_int_equal(buf_get_cstring(b, &cs, &len), 0);
	assert_string_equal(cs, "hello");
	assert_int_equal(len, 5);
	free(cs);
	assert_int_equal(buf_get_string_direct(b, &direct, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(buf_get_stringb(b, sub), 0);
	assert_contents(sub, "xyz", 3);
	assert_int_equal(buf_len(b), 0);
	buf_free(sub);
	buf_free(b);
}

static void
test_string_length_lies(void **state)
{
	/* Claims 5 bytes, holds 4; then a huge length. */
	static const uint8_t lie[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd' };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	struct buf *b = buf_from(lie, sizeof(lie));
	struct buf *h = buf_from(huge, sizeof(huge));
	struct buf *dst = buf_new();
	const uint8_t *p = (const uint8_t *)"x";
	uint8_t *copy = (uint8_t *)"x";
	size_t len = 7;

	assert_int_equal(buf_get_string_direct(b, &p, &len), ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(buf_get_string(b, &copy, NULL), ERR_TRUNCATED);
	assert_null(copy);
	assert_int_equal(buf_get_stringb(b, dst), ERR_TRUNCATED);
	assert_int_equal(buf_len(dst), 0);
	assert_contents(b, lie, sizeof(lie));
	assert_int_equal(buf_get_string(h, &copy, NULL), ERR_TRUNCATED);
	assert_contents(h, huge, sizeof(huge));
	buf_free(dst);
	buf_free(h);
	buf_free(b);
}

static void
test_cstring_rejects_nul(void **state)
{
	static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b' };
	struct buf *b = buf_from(nul, sizeof(nul));
	char *s = (char *)"x";

	assert_int_equal(buf_get_cstring(b, &s, NULL), ERR_FORMAT);
	assert_null(s);
	assert_int_equal(buf_len(b), sizeof(nul));	/* not consumed */
	buf_free(b);
}

static void
test_mpint(void **state)
{
	static const uint8_t high[] = { 0x00, 0x00, 0x80, 0x01 };
	static const uint8_t want_high[] = { 0, 0, 0, 3, 0x00, 0x80, 0x01 };
	static const uint8_t low[] = { 0x7f };
	static const uint8_t want_low[] = { 0, 0, 0, 1, 0x7f };
	static const uint8_t zero[] = { 0x00, 0x00 };
	static const uint8_t want_zero[] = { 0, 0, 0, 0 };
	struct buf *b = buf_new();

	assert_int_equal(buf_put_mpint_bytes(b, high, sizeof(high)), 0);
	assert_contents(b, want_high, sizeof(want_high));
	buf_reset(b);
	assert_int_equal(buf_put_mpint_bytes(b, low, sizeof(low)), 0);
	assert_contents(b, want_low, sizeof(want_low));
	buf_reset(b);
	assert_int_equal(buf_put_mpint_bytes(b, zero, sizeof(zero)), 0);
	assert_contents(b, want_zero, sizeof(want_zero));
	buf_free(b);
}

static void
test_size_cap(void **state)
{
	struct buf *b = buf_new_capped(8);
	uint8_t *p;

	assert_non_null(b);
	assert_int_equal(buf_max(b), 8);
	assert_int_equal(buf_put_u64(b, 1), 0);
	assert_int_equal(buf_put_u8(b, 1), ERR_NO_SPACE);
	assert_int_equal(buf_put_string(b, "", 0), ERR_NO_SPACE);
	assert_int_equal(buf_reserve(b, 1, &p), ERR_NO_SPACE);
	assert_null(p);
	assert_int_equal(buf_len(b), 8);
	/* Reading frees room under the cap. */
	assert_int_equal(buf_consume(b, 4), 0);
	assert_int_equal(buf_put_u32(b, 2), 0);
	assert_int_equal(buf_set_max(b, 4), ERR_NO_SPACE);
	assert_int_equal(buf_set_max(b, 100), 0);
	assert_int_equal(buf_put_u32(b, 3), 0);
	assert_int_equal(buf_set_max(b, BUF_MAX_LIMIT + 1), ERR_NO_SPACE);
	assert_null(buf_new_capped(BUF_MAX_LIMIT + 1));
	buf_free(b);
}

static void
test_growth_and_compaction(void **state)
{
	struct buf *b = buf_new();
	uint32_t v;
	size_t i;

	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_put_u32(b, (uint32_t)i), 0);
	for (i = 0; i < 9990; i++) {
		assert_int_equal(buf_get_u32(b, &v), 0);
		assert_int_equal(v, i);
	}
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_put_u32(b, (uint32_t)(i + 10000)), 0);
	for (i = 9990; i < 15000; i++) {
		assert_int_equal(buf_get_u32(b, &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_readonly_view(void **state)
{
	static const uint8_t data[] = { 0, 0, 0, 1, 0xaa };
	struct buf *b = buf_from(data, sizeof(data));
	uint32_t v;

	assert_int_equal(buf_put_u8(b, 1), ERR_READONLY);
	assert_int_equal(buf_set_max(b, 64), ERR_READONLY);
	assert_int_equal(buf_get_u32(b, &v), 0);
	assert_int_equal(v, 1);
	assert_ptr_equal(buf_ptr(b), data + 4);
	buf_reset(b);
	assert_int_equal(buf_len(b), 0);
	assert_int_equal(data[4], 0xaa);	/* borrowed data untouched */
	buf_free(b);
}

static void
test_consume_end_and_putb(void **state)
{
	struct buf *a = buf_dup("abcdef", 6), *b = buf_new();

	assert_int_equal(buf_consume_end(a, 2), 0);
	assert_contents(a, "abcd", 4);
	assert_int_equal(buf_consume_end(a, 5), ERR_TRUNCATED);
	assert_int_equal(buf_putb(b, a), 0);
	assert_int_equal(buf_put_stringb(b, a), 0);
	assert_contents(b, "abcd\0\0\0\4abcd", 12);
	buf_free(a);
	buf_free(b);
}

/* Zero-length writes to a buffer that has no storage yet: no pointer
 * comes back.  (The NULL + 0 they once computed shows only under UBSan:
 * tests/fuzz/regress/card and cardd catch that in a fuzzing build.) */
static void
test_empty_no_storage(void **state)
{
	struct buf *b = buf_new();
	uint8_t *p = (uint8_t *)b;

	assert_int_equal(buf_reserve(b, 0, &p), 0);
	assert_null(p);
	assert_int_equal(buf_put(b, NULL, 0), 0);
	assert_int_equal(buf_consume_end(b, 0), 0);
	assert_int_equal(buf_len(b), 0);
	assert_non_null(buf_ptr(b));
	buf_free(b);
}

/*
 * Wiping: buf_reset() clears the bytes in place, and every block of
 * storage the buffer gives up (on growth and on buf_free) goes through
 * freezero() with its full size.  The test is linked with
 * -Wl,--wrap=freezero to watch those calls.
 */
#define SEEN_MAX	16
static const void	*freezero_seen[SEEN_MAX];
static size_t		 freezero_size[SEEN_MAX];
static size_t		 nseen;
void	__real_freezero(void *, size_t);
void	__wrap_freezero(void *, size_t);

void
__wrap_freezero(void *p, size_t n)
{
	if (nseen < SEEN_MAX) {
		freezero_seen[nseen] = p;
		freezero_size[nseen++] = n;
	}
	__real_freezero(p, n);
}

static int
was_freezeroed(const void *p, size_t atleast)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (freezero_seen[i] == p && freezero_size[i] >= atleast)
			return 1;
	return 0;
}

static void
test_wipe(void **state)
{
	struct buf *b = buf_new();
	const uint8_t *p, *first, *second;
	size_t i;

	assert_int_equal(buf_put(b, "secretsecret", 12), 0);
	p = buf_ptr(b);
	buf_reset(b);
	for (i = 0; i < 12; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(buf_put(b, "pin123", 6), 0);
	first = buf_ptr(b);
	nseen = 0;
	for (i = 0; i < 300; i++)	/* force a reallocation */
		assert_int_equal(buf_put_u8(b, 0x5a), 0);
	second = buf_ptr(b);
	assert_ptr_not_equal(first, second);
	assert_true(was_freezeroed(first, 6));
	buf_free(b);
	assert_true(was_freezeroed(second, 306));
}

/* The process's locked memory in kB: VmLck of /proc/self/status. */
static long
vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	assert_true(kb >= 0);
	return kb;
}

/* A secret buffer's pages are locked as it grows, unlocked when freed;
 * a plain one locks nothing. */
static void
test_secret_locked(void **state)
{
	uint8_t big[10000];
	struct buf *b;
	long base = vmlck_kb();

	memset(big, 0x5a, sizeof(big));
	assert_non_null(b = buf_new());
	assert_int_equal(buf_put(b, big, sizeof(big)), 0);
	assert_int_equal(vmlck_kb(), base);
	buf_free(b);
	assert_non_null(b = buf_new_secret(BUF_MAX_DEFAULT));
	assert_int_equal(vmlck_kb(), base);	/* nothing stored yet */
	assert_int_equal(buf_put(b, "123456", 6), 0);
	assert_true(vmlck_kb() >= base + 4);
	assert_int_equal(buf_put(b, big, sizeof(big)), 0);
	printf("# VmLck: %ld kB before, %ld kB with 10006 secret bytes\n",
	    base, vmlck_kb());
	assert_true(vmlck_kb() >= base + 12);
	assert_memory_equal(buf_ptr(b), "123456", 6);
	assert_int_equal(buf_consume(b, 6), 0);
	assert_memory_equal(buf_ptr(b), big, sizeof(big));
	buf_free(b);
	assert_int_equal(vmlck_kb(), base);
	/* a cap holds as for any buffer */
	assert_non_null(b = buf_new_secret(8));
	assert_int_equal(buf_put(b, big, 9), ERR_NO_SPACE);
	buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_integers),
		cmocka_unit_test(test_get_truncated_leaves_buffer),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_string_length_lies),
		cmocka_unit_test(test_cstring_rejects_nul),
		cmocka_unit_test(test_mpint),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_growth_and_compaction),
		cmocka_unit_test(test_readonly_view),
		cmocka_unit_test(test_consume_end_and_putb),
		cmocka_unit_test(test_empty_no_storage),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_secret_locked),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
