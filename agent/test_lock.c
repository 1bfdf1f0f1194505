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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_lock_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
