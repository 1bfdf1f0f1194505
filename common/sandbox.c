#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "sandbox.h"

/* The libseccomp architecture this binary was compiled for. */
#if defined(__x86_64__) && defined(__ILP32__)
#define SANDBOX_ARCH	SCMP_ARCH_X32
#elif defined(__x86_64__)
#define SANDBOX_ARCH	SCMP_ARCH_X86_64
#elif defined(__i386__)
#define SANDBOX_ARCH	SCMP_ARCH_X86
#elif defined(__aarch64__)
#define SANDBOX_ARCH	SCMP_ARCH_AARCH64
#elif defined(__arm__)
#define SANDBOX_ARCH	SCMP_ARCH_ARM
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SANDBOX_ARCH	SCMP_ARCH_PPC64LE
#elif defined(__s390x__)
#define SANDBOX_ARCH	SCMP_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64 && defined(SCMP_ARCH_RISCV64)
#define SANDBOX_ARCH	SCMP_ARCH_RISCV64
#else
#define SANDBOX_ARCH	0	/* unknown: sandbox_install refuses */
#endif

/* Argument values are ints in the kernel: compare the low 32 bits only. */
#define LOW32		0xffffffffULL
#define ARG(c, i, x, y)	{ .cmp = (c), .index = (i), .a = (x), .b = (y) }
#define NO_EXEC(i)	ARG(SANDBOX_CMP_MASKED_EQ, (i), \
			    LOW32 & ~(uint64_t)(PROT_READ | PROT_WRITE), 0)
#define EMPTY_PATH(i)	ARG(SANDBOX_CMP_MASKED_EQ, (i), AT_EMPTY_PATH, \
			    AT_EMPTY_PATH)
#define ALLOW(n)	{ .name = (n) }
#define ALLOW_IF(n, ...) { .name = (n), .args = { __VA_ARGS__ } }

static const struct sandbox_rule base_rules[] = {
	ALLOW("exit_group"),
	ALLOW("exit"),
	ALLOW("read"),
	ALLOW("readv"),
	ALLOW("write"),
	ALLOW("writev"),
	ALLOW("close"),
	ALLOW("poll"),
	ALLOW("ppoll"),
	ALLOW("ppoll_time64"),
	ALLOW("clock_gettime"),
	ALLOW("clock_gettime64"),
	ALLOW("gettimeofday"),
	ALLOW("rt_sigreturn"),
	ALLOW("rt_sigprocmask"),
	ALLOW("restart_syscall"),
	ALLOW("brk"),
	ALLOW_IF("mmap", NO_EXEC(2)),
	ALLOW_IF("mmap2", NO_EXEC(2)),
	ALLOW_IF("mprotect", NO_EXEC(2)),
	ALLOW("munmap"),
	ALLOW("mremap"),
	ALLOW("madvise"),
	ALLOW("futex"),
	ALLOW("futex_time64"),
	ALLOW("getpid"),
	ALLOW("gettid"),
	ALLOW("fstat"),
	ALLOW("fstat64"),
	/* glibc's fstat(): fstatat(fd, "", st, AT_EMPTY_PATH) */
	ALLOW_IF("newfstatat", EMPTY_PATH(3)),
	ALLOW_IF("fstatat64", EMPTY_PATH(3)),
};

const struct sandbox_group sandbox_group_base = {
	"base", "exit, I/O on open fds, malloc, time, stdio",
	base_rules, sizeof(base_rules) / sizeof(base_rules[0]),
};

static const struct sandbox_rule privsep_rules[] = {
	/* flags == MSG_NOSIGNAL, dest_addr == NULL */
	ALLOW_IF("sendto", ARG(SANDBOX_CMP_MASKED_EQ, 3, LOW32, MSG_NOSIGNAL),
	    ARG(SANDBOX_CMP_EQ, 4, 0, 0)),
	/* a frame carrying a descriptor; flags == MSG_NOSIGNAL */
	ALLOW_IF("sendmsg", ARG(SANDBOX_CMP_MASKED_EQ, 2, LOW32,
	    MSG_NOSIGNAL)),
	/* reading a channel, descriptors close-on-exec */
	ALLOW_IF("recvmsg", ARG(SANDBOX_CMP_MASKED_EQ, 2, LOW32,
	    MSG_CMSG_CLOEXEC)),
	/* privsep_chan_new on a descriptor received in a PEER message */
	ALLOW_IF("fcntl", ARG(SANDBOX_CMP_EQ, 1, F_GETFL, 0)),
	ALLOW_IF("fcntl", ARG(SANDBOX_CMP_EQ, 1, F_SETFL, 0)),
	ALLOW_IF("fcntl64", ARG(SANDBOX_CMP_EQ, 1, F_GETFL, 0)),
	ALLOW_IF("fcntl64", ARG(SANDBOX_CMP_EQ, 1, F_SETFL, 0)),
};

const struct sandbox_group sandbox_group_privsep = {
	"privsep", "send, sendmsg and recvmsg on connected socketpairs, no "
	    "SIGPIPE; fcntl flags of a received channel",
	privsep_rules, sizeof(privsep_rules) / sizeof(privsep_rules[0]),
};

/* clone(2)'s flags argument: the first, except on s390 */
#if defined(__s390x__) || defined(__s390__)
#define CLONE_FLAGS_ARG	1
#else
#define CLONE_FLAGS_ARG	0
#endif
/* What glibc's pthread_create passes, and nothing else. */
#define THREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | \
			    CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | \
			    CLONE_SETTLS | CLONE_PARENT_SETTID | \
			    CLONE_CHILD_CLEARTID)

static const struct sandbox_rule gdbus_rules[] = {
	/* its flags live in memory: fail it, glibc then uses clone(2) */
	{ .name = "clone3", .fail_errno = ENOSYS },
	/* pthread_create: exactly glibc's thread flags, no namespace */
	ALLOW_IF("clone", ARG(SANDBOX_CMP_MASKED_EQ, CLONE_FLAGS_ARG, LOW32,
	    THREAD_FLAGS)),
	ALLOW_IF("prctl", ARG(SANDBOX_CMP_MASKED_EQ, 0, LOW32, PR_SET_NAME)),
	ALLOW("set_robust_list"),	/* a new thread registers with glibc */
	ALLOW("rseq"),
	ALLOW("eventfd2"),	/* GMainContext wakeups */
	ALLOW("rt_sigaction"),	/* glibc's SIGRT_1; GLib's SIGPIPE */
	ALLOW("getegid"),	/* D-Bus EXTERNAL authentication */
	/* the authentication handshake */
	ALLOW_IF("recvfrom", ARG(SANDBOX_CMP_MASKED_EQ, 3, LOW32, 0)),
	ALLOW("statfs"),	/* libselinux looks for selinuxfs */
	/* GLib copies the creating thread's scheduling to new threads */
	ALLOW("sched_getattr"),
	ALLOW("sched_setattr"),
};

const struct sandbox_group sandbox_group_gdbus = {
	"gdbus", "GLib's GDBus client: worker threads, their names and "
	    "wakeups, the D-Bus handshake",
	gdbus_rules, sizeof(gdbus_rules) / sizeof(gdbus_rules[0]),
};

int
sandbox_harden(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1) {
		error_fr(ERR_SYSTEM, "setrlimit RLIMIT_CORE");
		return ERR_SYSTEM;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		error_fr(ERR_SYSTEM, "prctl PR_SET_DUMPABLE");
		return ERR_SYSTEM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		error_fr(ERR_SYSTEM, "prctl PR_SET_NO_NEW_PRIVS");
		return ERR_SYSTEM;
	}
	return 0;
}

static int
map_cmp(enum sandbox_cmp cmp, enum scmp_compare *opp)
{
	switch (cmp) {
	case SANDBOX_CMP_EQ:		*opp = SCMP_CMP_EQ; return 0;
	case SANDBOX_CMP_NE:		*opp = SCMP_CMP_NE; return 0;
	case SANDBOX_CMP_LE:		*opp = SCMP_CMP_LE; return 0;
	case SANDBOX_CMP_GE:		*opp = SCMP_CMP_GE; return 0;
	case SANDBOX_CMP_MASKED_EQ:	*opp = SCMP_CMP_MASKED_EQ; return 0;
	default:			return ERR_ARGUMENT;
	}
}

/* Allow one rule; a name this architecture lacks is skipped. */
static int
add_rule(scmp_filter_ctx ctx, const struct sandbox_group *group,
    const struct sandbox_rule *rule, size_t *skippedp)
{
	struct scmp_arg_cmp cmp[SANDBOX_ARGS_MAX];
	const struct sandbox_arg *a;
	unsigned int i, n = 0;
	uint32_t action;
	int nr, rc;

	if (rule->name == NULL)
		return ERR_ARGUMENT;
	/* Negative: unknown, or a pseudo-syscall of another architecture. */
	if ((nr = seccomp_syscall_resolve_name(rule->name)) < 0) {
		debug("%s: syscall %s unknown on this architecture, skipped",
		    group->name, rule->name);
		(*skippedp)++;
		return 0;
	}
	memset(cmp, 0, sizeof(cmp));
	for (i = 0; i < SANDBOX_ARGS_MAX; i++) {
		a = &rule->args[i];
		if (a->cmp == SANDBOX_CMP_NONE)
			continue;
		if (a->index > 5 || map_cmp(a->cmp, &cmp[n].op) != 0)
			return ERR_ARGUMENT;
		cmp[n].arg = a->index;
		cmp[n].datum_a = a->a;
		cmp[n].datum_b = a->b;
		n++;
	}
	action = rule->fail_errno != 0 ? SCMP_ACT_ERRNO(rule->fail_errno) :
	    SCMP_ACT_ALLOW;
	if ((rc = seccomp_rule_add_array(ctx, action, nr, n, cmp)) != 0) {
		errno = -rc;
		error_fr(ERR_SYSTEM, "%s: allow %s", group->name, rule->name);
		return ERR_SYSTEM;
	}
	return 0;
}

/* Refuse filters that would not mean what the tables say. */
static int
check_platform(void)
{
	uint32_t native = seccomp_arch_native();

	if (SANDBOX_ARCH == 0) {
		error_f("no seccomp architecture known for this build");
		return ERR_INTERNAL;
	}
	if (native != SANDBOX_ARCH) {
		error_f("libseccomp reports native architecture 0x%x, "
		    "this build is for 0x%x", native, (uint32_t)SANDBOX_ARCH);
		return ERR_INTERNAL;
	}
	if (seccomp_api_get() < 3) {	/* SCMP_ACT_KILL_PROCESS */
		error_f("libseccomp or kernel too old (API level %u)",
		    seccomp_api_get());
		return ERR_INTERNAL;
	}
	return 0;
}

static int
set_attrs(scmp_filter_ctx ctx)
{
	int rc;

	/* Calls of any other ABI (x32, i386 on x86_64) kill too. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0) {
		errno = -rc;
		error_fr(ERR_SYSTEM, "seccomp_attr_set");
		return ERR_SYSTEM;
	}
	return 0;
}

int
sandbox_install(const struct sandbox_group *const *groups, size_t ngroups)
{
	scmp_filter_ctx ctx = NULL;
	size_t g, i, nrules = 0, skipped = 0;
	int r, rc;

	if (groups == NULL || ngroups == 0)
		return ERR_ARGUMENT;
	if ((r = check_platform()) != 0)
		return r;
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		error_f("seccomp_init failed");
		return ERR_ALLOC;
	}
	if ((r = set_attrs(ctx)) != 0)
		goto out;
	for (g = 0; g < ngroups; g++) {
		for (i = 0; i < groups[g]->nrules; i++) {
			if ((r = add_rule(ctx, groups[g], &groups[g]->rules[i],
			    &skipped)) != 0)
				goto out;
			nrules++;
		}
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		errno = -rc;
		error_fr(ERR_SYSTEM, "seccomp_load");
		r = ERR_SYSTEM;
		goto out;
	}
	debug("seccomp filter loaded: %zu rules, %zu skipped", nrules - skipped,
	    skipped);
	r = 0;
 out:
	seccomp_release(ctx);
	return r;
}
