/* Unit tests for common/sandbox.c: each sandbox is installed in a forked
 * child; the parent checks how the child ended.  Seccomp filters and
 * valgrind do not mix, so the filter tests skip under valgrind. */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "log.h"
#include "sandbox.h"

static const struct sandbox_rule unknown_rules[] = {
	{ .name = "no_such_syscall_xyz" },
	{ .name = "getppid" },
};
static const struct sandbox_group unknown_group = {
	"test-unknown", "a name no architecture has", unknown_rules, 2,
};

static const struct sandbox_group *const base_only[] = {
	&sandbox_group_base,
};
static const struct sandbox_group *const base_privsep_unknown[] = {
	&sandbox_group_base, &sandbox_group_privsep, &unknown_group,
};

static int
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* Run fn in a child; return its wait status. */
static int
in_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
assert_sigsys(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
assert_exit0(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Harden (so the SIGSYS leaves no core) and install groups. */
static int
child_sandbox(const struct sandbox_group *const *groups, size_t n)
{
	if (sandbox_harden() != 0)
		return 10;
	if (sandbox_install(groups, n) != 0)
		return 11;
	return 0;
}

static int
child_openat(void *arg)
{
	int r;

	if ((r = child_sandbox(base_only, 1)) != 0)
		return r;
	(void)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	return 12;	/* still alive: the filter failed */
}

static int
child_socket(void *arg)
{
	int r;

	if ((r = child_sandbox(base_only, 1)) != 0)
		return r;
	(void)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	return 12;
}

static int
child_mmap_exec(void *arg)
{
	int r;

	if ((r = child_sandbox(base_only, 1)) != 0)
		return r;
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 12;
}

/* A fail_errno rule: the call fails with that errno, the process lives. */
static int
child_fail_errno(void *arg)
{
	static const struct sandbox_rule rules[] = {
		{ .name = "getppid", .fail_errno = ENOSYS },
	};
	static const struct sandbox_group group = {
		"test-errno", "getppid fails", rules, 1,
	};
	const struct sandbox_group *const groups[] = {
		&sandbox_group_base, &group,
	};
	long rc;
	int r;

	if ((r = child_sandbox(groups, 2)) != 0)
		return r;
	errno = 0;
	rc = syscall(SYS_getppid);
	if (rc != -1 || errno != ENOSYS)
		return 12;
	return 0;
}

#if defined(__x86_64__) && !defined(__ILP32__)
#define X32_SYSCALL_BIT	0x40000000
static int
child_x32(void *arg)
{
	int r;

	if ((r = child_sandbox(base_only, 1)) != 0)
		return r;
	(void)syscall(X32_SYSCALL_BIT | SYS_getpid);
	return 12;
}
#endif

/* Only allowed calls: stdio-free I/O, malloc small and large, time. */
static int
child_allowed(void *arg)
{
	int *pfd = arg, r;
	struct timespec ts;
	char *small, *large;
	uint8_t ok = 'k';

	close(pfd[0]);
	if ((r = child_sandbox(base_privsep_unknown, 3)) != 0)
		return r;
	if ((small = malloc(64)) == NULL ||
	    (large = malloc(4 * 1024 * 1024)) == NULL)	/* mmap */
		return 13;
	memset(large, 1, 4 * 1024 * 1024);
	if ((large = realloc(large, 8 * 1024 * 1024)) == NULL)	/* mremap */
		return 14;
	freezero(large, 8 * 1024 * 1024);
	free(small);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0 || getpid() <= 0 ||
	    getppid() <= 0)
		return 15;
	if (send(pfd[1], &ok, 1, MSG_NOSIGNAL) != 1 ||
	    write(pfd[1], &ok, 1) != 1)
		return 16;
	close(pfd[1]);
	return 0;
}

static void
test_openat_kills(void **state)
{
	if (under_valgrind())
		skip();
	assert_sigsys(in_child(child_openat, NULL));
}

static void
test_socket_kills(void **state)
{
	if (under_valgrind())
		skip();
	assert_sigsys(in_child(child_socket, NULL));
}

static void
test_exec_mapping_kills(void **state)
{
	if (under_valgrind())
		skip();
	assert_sigsys(in_child(child_mmap_exec, NULL));
}

static void
test_fail_errno(void **state)
{
	if (under_valgrind())
		skip();
	assert_exit0(in_child(child_fail_errno, NULL));
}

static void
test_other_abi_kills(void **state)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	if (under_valgrind())
		skip();
	assert_sigsys(in_child(child_x32, NULL));
#else
	skip();
#endif
}

static void
test_allowed_calls_and_unknown_name(void **state)
{
	uint8_t got[2];
	int sv[2];

	if (under_valgrind())
		skip();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_exit0(in_child(child_allowed, sv));
	close(sv[1]);
	assert_int_equal(read(sv[0], got, sizeof(got)), 2);
	assert_memory_equal(got, "kk", 2);
	close(sv[0]);
}

static int
child_harden(void *arg)
{
	struct rlimit rl;

	if (sandbox_harden() != 0)
		return 10;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 11;
	if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)
		return 12;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 13;
	return 0;
}

static void
test_harden(void **state)
{
	assert_exit0(in_child(child_harden, NULL));
}

static void
test_bad_arguments(void **state)
{
	static const struct sandbox_rule bad_rules[] = {
		{ .name = "getpid", .args = { { .cmp = SANDBOX_CMP_EQ,
		    .index = 6 } } },
	};
	static const struct sandbox_group bad = { "bad", "", bad_rules, 1 };
	const struct sandbox_group *const groups[] = { &bad };

	/* Rejected before anything is loaded, so safe in this process. */
	assert_int_equal(sandbox_install(NULL, 0), ERR_ARGUMENT);
	if (!under_valgrind())	/* valgrind lacks seccomp(2) */
		assert_int_equal(sandbox_install(groups, 1), ERR_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat_kills),
		cmocka_unit_test(test_socket_kills),
		cmocka_unit_test(test_exec_mapping_kills),
		cmocka_unit_test(test_other_abi_kills),
		cmocka_unit_test(test_fail_errno),
		cmocka_unit_test(test_allowed_calls_and_unknown_name),
		cmocka_unit_test(test_harden),
		cmocka_unit_test(test_bad_arguments),
	};

	log_init("test_sandbox", LOG_LEVEL_DEBUG, 1);
	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
