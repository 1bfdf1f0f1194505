/* cmocka tests of common/constraint.c: the constraint blob codec. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "constraint.h"
#include "err.h"

/* A hop: user, host, reserved, then (key, is_ca) pairs. */
static struct buf *
hop(const char *user, const char *host, const char *const *keys,
    uint8_t is_ca)
{
	struct buf *b = buf_new();

	assert_int_equal(buf_put_cstring(b, user) | buf_put_cstring(b, host) |
	    buf_put_u32(b, 0), 0);
	for (; keys != NULL && *keys != NULL; keys++)
		assert_int_equal(buf_put_cstring(b, *keys) |
		    buf_put_u8(b, is_ca), 0);
	return b;
}

/* Append one constraint (from, to, reserved) to list. */
static void
add_one(struct buf *list, struct buf *from, struct buf *to)
{
	struct buf *c = buf_new();

	assert_int_equal(buf_put_stringb(c, from) | buf_put_stringb(c, to) |
	    buf_put_u32(c, 0), 0);
	assert_int_equal(buf_put_stringb(list, c), 0);
	buf_free(c);
	buf_free(from);
	buf_free(to);
}

static const char *const k1[] = { "hostkey-one", NULL };
static const char *const k2[] = { "hostkey-two", "hostkey-2b", NULL };

static void
test_dest_good(void **state)
{
	struct buf *list = buf_new(), *blob = buf_new();
	struct cons c;

	(void)state;
	add_one(list, hop("", "", NULL, 0), hop("", "one", k1, 0));
	add_one(list, hop("", "one", k1, 0), hop("alice", "two", k2, 0));
	memset(&c, 0, sizeof(c));
	assert_int_equal(cons_parse_dest(buf_ptr(list), buf_len(list), &c), 0);
	assert_int_equal(c.ndest, 2);
	assert_null(c.dest[0].from.host);
	assert_string_equal(c.dest[0].to.host, "one");
	assert_null(c.dest[0].to.user);
	assert_string_equal(c.dest[1].to.user, "alice");
	assert_int_equal(c.dest[1].to.nkeys, 2);
	cons_clear(&c);
	/* a whole blob: flags and destinations, decoded back */
	assert_int_equal(cons_encode(blob, CONS_CONFIRM, list), 0);
	assert_int_equal(cons_decode(buf_ptr(blob), buf_len(blob), &c), 0);
	assert_int_equal(c.flags, CONS_CONFIRM);
	assert_int_equal(c.ndest, 2);
	cons_clear(&c);
	/* nothing at all is the empty blob */
	buf_reset(blob);
	assert_int_equal(cons_encode(blob, 0, NULL), 0);
	assert_int_equal(buf_len(blob), 0);
	assert_int_equal(cons_decode(NULL, 0, &c), 0);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.ndest, 0);
	buf_free(list);
	buf_free(blob);
}

/* Each malformed list is refused, and leaves nothing allocated. */
static void
test_dest_bad(void **state)
{
	struct buf *list;
	struct cons c;
	int i, r;

	(void)state;
	for (i = 0; i < 6; i++) {
		list = buf_new();
		switch (i) {
		case 0:	/* to-hop without keys */
			add_one(list, hop("", "", NULL, 0),
			    hop("", "one", NULL, 0));
			break;
		case 1:	/* from-hop with keys but no host */
			add_one(list, hop("", "", k1, 0),
			    hop("", "one", k1, 0));
			break;
		case 2:	/* a user on the from-hop */
			add_one(list, hop("bob", "one", k1, 0),
			    hop("", "two", k2, 0));
			break;
		case 3:	/* is_ca not 0 or 1 */
			add_one(list, hop("", "", NULL, 0),
			    hop("", "one", k1, 2));
			break;
		case 4:	/* trailing garbage in the list */
			add_one(list, hop("", "", NULL, 0),
			    hop("", "one", k1, 0));
			assert_int_equal(buf_put_u8(list, 0), 0);
			break;
		default: /* a certificate authority: not supported */
			add_one(list, hop("", "", NULL, 0),
			    hop("", "one", k1, 1));
			break;
		}
		memset(&c, 0, sizeof(c));
		r = cons_parse_dest(buf_ptr(list), buf_len(list), &c);
		assert_int_equal(r, i == 5 ? ERR_UNSUPPORTED : r);
		assert_int_not_equal(r, 0);
		cons_clear(&c);
		buf_free(list);
	}
}

static void
test_blob_bad(void **state)
{
	static const uint8_t zero[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t flag2[] = { 0, 0, 0, 2, 0, 0, 0, 0 };
	static const uint8_t trail[] = { 0, 0, 0, 1, 0, 0, 0, 0, 9 };
	static const uint8_t cut[] = { 0, 0, 0, 1, 0, 0 };
	static uint8_t big[CONS_MAX + 1];
	struct buf *dest = buf_new(), *out = buf_new();
	struct cons c;

	(void)state;
	assert_int_equal(cons_decode(zero, sizeof(zero), &c), ERR_FORMAT);
	assert_int_equal(cons_decode(flag2, sizeof(flag2), &c), ERR_FORMAT);
	assert_int_equal(cons_decode(trail, sizeof(trail), &c), ERR_FORMAT);
	assert_int_not_equal(cons_decode(cut, sizeof(cut), &c), 0);
	assert_int_equal(cons_decode(big, sizeof(big), &c), ERR_TOO_LARGE);
	/* a destination body too large for a blob is refused */
	assert_int_equal(buf_put(dest, big, CONS_MAX), 0);
	assert_int_equal(cons_encode(out, CONS_CONFIRM, dest), ERR_TOO_LARGE);
	assert_int_equal(buf_len(out), 0);
	buf_free(dest);
	buf_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dest_good),
		cmocka_unit_test(test_dest_bad),
		cmocka_unit_test(test_blob_bad),
	};

	return cmocka_run_group_tests_name("constraint", tests, NULL, NULL);
}
