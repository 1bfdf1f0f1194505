/* cmocka tests of agent/lock.c (timing measured and printed, not asserted). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "lock.h"

#define PASS(s)	(const uint8_t *)(s), strlen(s)

static void
test_hash(void **state)
{
	uint8_t salt[LOCK_SALT_LEN] = { 1 }, h1[LOCK_HASH_LEN], h2[LOCK_HASH_LEN];
	struct timespec t0, t1;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lock_hash(salt, PASS("secret"), h1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("# PBKDF2-SHA256 %u iterations: %.1f ms\n", LOCK_ITER, ms);
	assert_int_equal(lock_hash(salt, PASS("secret"), h2), 0);
	assert_memory_equal(h1, h2, sizeof(h1));
	assert_int_equal(lock_hash(salt, PASS("secreT"), h2), 0);
	assert_memory_not_equal(h1, h2, sizeof(h1));
	salt[0] = 2;
	assert_int_equal(lock_hash(salt, PASS("secret"), h2), 0);
	assert_memory_not_equal(h1, h2, sizeof(h1));
}

static void
test_lock_cycle(void **state)
{
	struct lock_state ls;
	unsigned int d1, d2, d;

	memset(&ls, 0, sizeof(ls));
	assert_int_equal(lock_unlock(&ls, PASS("x"), &d), ERR_ARGUMENT);
	assert_int_equal(d, 0);
	assert_int_equal(lock_lock(&ls, PASS("pw")), 0);
	assert_int_equal(ls.locked, 1);
	assert_int_equal(lock_lock(&ls, PASS("pw")), ERR_ARGUMENT);
	assert_int_equal(lock_unlock(&ls, PASS("wrong"), &d1), ERR_PIN_WRONG);
	assert_int_equal(lock_unlock(&ls, PASS("wrong"), &d2), ERR_PIN_WRONG);
	assert_true(d1 > 0);
	assert_true(d2 > d1);
	assert_int_equal(lock_unlock(&ls, PASS("pw"), &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(ls.locked, 0);
	/* an empty passphrase works too (ssh-add allows it) */
	assert_int_equal(lock_lock(&ls, PASS("")), 0);
	assert_int_equal(lock_unlock(&ls, PASS(""), &d), 0);
}

/* The verifier the supervisor keeps locks a new state the same way. */
static void
test_verifier(void **state)
{
	struct lock_state ls, again;
	struct buf *b = buf_new(), *shortb;
	unsigned int d;

	memset(&ls, 0, sizeof(ls));
	assert_non_null(b);
	assert_int_equal(lock_put_verifier(&ls, b), ERR_ARGUMENT);
	assert_int_equal(lock_lock(&ls, PASS("pw")), 0);
	assert_int_equal(lock_put_verifier(&ls, b), 0);
	assert_int_equal(buf_len(b), SV_LOCK_VERIFIER_LEN);
	assert_non_null(shortb = buf_dup(buf_ptr(b), buf_len(b) - 1));
	assert_int_equal(lock_restore(&again, shortb), ERR_FORMAT);
	assert_int_equal(again.locked, 0);
	assert_int_equal(lock_restore(&again, b), 0);
	assert_int_equal(again.locked, 1);
	assert_int_equal(lock_unlock(&again, PASS("other"), &d), ERR_PIN_WRONG);
	assert_int_equal(lock_unlock(&again, PASS("pw"), &d), 0);
	assert_int_equal(again.locked, 0);
	buf_free(shortb);
	buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_lock_cycle),
		cmocka_unit_test(test_verifier),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
