/*
 * The supervisor's seccomp allowlist.  A filter is inherited across fork
 * and execve and filters stack, so every helper runs under this one as
 * well as its own: the table is the supervisor's loop (fork, exec, reap,
 * plumb, kill, remove the socket) plus everything a helper does before
 * its own stricter filter is in place (ld.so and pcsc-lite
 * start-up, hardening, loading the filter) and every call the helpers'
 * own tables allow.  What it still denies to all four processes: other
 * socket families and listening sockets, threads and namespaces,
 * ptrace and process_vm_*, mount, bpf, keyrings, modules, kexec,
 * personality, privilege changes, ioctl beyond TCGETS, and more.
 * Reasons: doc/SANDBOX.md, "supervisor".
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>

#include "channels.h"
#include "err.h"
#include "log.h"
#include "sandbox.h"
#include "supervisor.h"

#define LOW32		0xffffffffULL
#define ALLOW(n)	{ .name = (n) }
#define ALLOW_IF(n, ...) { .name = (n), .args = { __VA_ARGS__ } }
#define ARG_EQ(i, v)	{ .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32, .b = (v) }
#define ARG_MASKED(i, m, v) { .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32 & (m), .b = (v) }
/* socket(2) and socketpair(2) type with optional CLOEXEC/NONBLOCK */
#define SOCK_TYPE(i, t)	ARG_MASKED((i), ~(uint64_t)(SOCK_CLOEXEC | \
			    SOCK_NONBLOCK), (t))

/* clone(2)'s flags argument: the first, except on s390 */
#if defined(__s390x__) || defined(__s390__)
#define CLONE_FLAGS_ARG	1
#else
#define CLONE_FLAGS_ARG	0
#endif
/* What glibc's fork() passes: a new process, SIGCHLD at its exit. */
#define FORK_FLAGS	(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD)

static const struct sandbox_rule loop_rules[] = {
	/* fork(): a plain child, no thread, no namespace, no CLONE_VM */
	ALLOW_IF("clone", ARG_MASKED(CLONE_FLAGS_ARG,
	    ~(uint64_t)(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID), SIGCHLD)),
	/* the child becomes a helper: a fresh image, restarts too */
	ALLOW("execve"),
	/* reaping */
	ALLOW("wait4"),
	ALLOW("waitid"),
	/* stopping a helper; nothing else may be sent */
	ALLOW_IF("kill", ARG_EQ(1, SIGTERM)),
	ALLOW_IF("kill", ARG_EQ(1, SIGKILL)),
	/* a helper's supervisor channel, a channel between two helpers */
	ALLOW_IF("socketpair", ARG_EQ(0, AF_UNIX), SOCK_TYPE(1, SOCK_STREAM),
	    ARG_EQ(2, 0)),
	/* privsep_queue_fd keeps a duplicate; the child moves its fds */
	ALLOW_IF("fcntl", ARG_EQ(1, F_DUPFD_CLOEXEC)),
	ALLOW_IF("fcntl", ARG_EQ(1, F_DUPFD)),
	ALLOW("dup2"),
	ALLOW("dup3"),
	ALLOW("close_range"),	/* closefrom() in the child */
	/* shutdown: the socket and the directory we made */
	ALLOW("unlink"),
	ALLOW("unlinkat"),
	ALLOW("rmdir"),
	/* certificate files for the agent: read their directories, watch
	 * them (openat and fstat are in the start-up group below) */
	ALLOW("getdents64"),
	ALLOW("inotify_add_watch"),
	/* syslog(3) (re)connects to /dev/log lazily, reads the zone file */
	ALLOW_IF("socket", ARG_EQ(0, AF_UNIX), SOCK_TYPE(1, SOCK_DGRAM),
	    ARG_EQ(2, 0)),
	ALLOW("connect"),
	ALLOW("lseek"),
};

/* Helpers run these between our execve and their own filter. */
static const struct sandbox_rule startup_rules[] = {
	/* ld.so: libraries are opened, mapped executable, then sealed */
	ALLOW("openat"),
	ALLOW("mmap"),
	ALLOW("mmap2"),
	ALLOW("mprotect"),
	ALLOW("pread64"),
	ALLOW("access"),
	ALLOW("arch_prctl"),
	ALLOW("set_tid_address"),
	ALLOW("set_robust_list"),
	ALLOW("rseq"),
	/* sandbox_harden() (setrlimit) and glibc reading RLIMIT_STACK */
	ALLOW_IF("prlimit64", ARG_EQ(0, 0), ARG_EQ(1, RLIMIT_CORE)),
	ALLOW_IF("prlimit64", ARG_EQ(0, 0), ARG_EQ(1, RLIMIT_STACK),
	    ARG_EQ(2, 0)),
	ALLOW_IF("setrlimit", ARG_EQ(0, RLIMIT_CORE)),
	ALLOW_IF("prctl", ARG_EQ(0, PR_SET_DUMPABLE), ARG_EQ(1, 0)),
	ALLOW_IF("prctl", ARG_EQ(0, PR_SET_NO_NEW_PRIVS), ARG_EQ(1, 1)),
	ALLOW_IF("prctl", ARG_EQ(0, PR_SET_SECCOMP)),
	/* libseccomp probes and loads the helper's own filter: a filter
	 * can only take permissions away */
	ALLOW("seccomp"),
	/* stdio asks whether stderr is a terminal */
	ALLOW_IF("ioctl", ARG_EQ(1, TCGETS)),
	/* the agent's peer uid check, pinstore's umask and memory lock;
	 * the agent's and cardd's secret buffers (buf_new_secret) */
	ALLOW("getuid"),
	ALLOW("geteuid"),
	ALLOW("umask"),
	ALLOW("mlockall"),
	ALLOW("mlock"),
	/* stat(2) on a path (pcsc-lite checks pcscd's socket) */
	ALLOW_IF("newfstatat", ARG_EQ(0, (uint32_t)AT_FDCWD), ARG_EQ(3, 0)),
	ALLOW_IF("fstatat64", ARG_EQ(0, (uint32_t)AT_FDCWD), ARG_EQ(3, 0)),
	ALLOW("stat"),
	ALLOW("stat64"),
	ALLOW_IF("fcntl", ARG_EQ(1, F_GETFD)),
};

/* What the helpers' own tables allow beyond base and privsep. */
static const struct sandbox_rule helper_rules[] = {
	ALLOW("recvmsg"),		/* cardd: any flags */
	ALLOW_IF("socket", ARG_EQ(0, AF_UNIX), SOCK_TYPE(1, SOCK_STREAM),
	    ARG_EQ(2, 0)),		/* cardd: pcscd */
	ALLOW_IF("accept4", ARG_EQ(0, AGENT_LISTEN_FD)),	/* agent */
	ALLOW_IF("getsockopt", ARG_EQ(1, SOL_SOCKET),
	    ARG_EQ(2, SO_PEERCRED)),	/* agent */
	ALLOW("getrandom"),		/* the agent's lock salt */
	ALLOW("mkdir"),			/* pinstore's store */
	ALLOW("mkdirat"),
	ALLOW("fsync"),
	ALLOW("rename"),
	ALLOW("renameat"),
	ALLOW("renameat2"),
	ALLOW("mlock"),			/* pinstore: libsecret's memory */
	ALLOW("munlock"),
	ALLOW_IF("getrusage", ARG_EQ(0, RUSAGE_SELF)),	/* libgcrypt */
};

static const struct sandbox_group loop_group = {
	"supervisor", "fork, exec, reap and stop helpers; plumb channels; "
	    "remove the socket; syslog",
	loop_rules, sizeof(loop_rules) / sizeof(loop_rules[0]),
};

static const struct sandbox_group startup_group = {
	"helper-startup", "what a helper does before its own filter",
	startup_rules, sizeof(startup_rules) / sizeof(startup_rules[0]),
};

static const struct sandbox_group helper_group = {
	"helper-tables", "what the helpers' own tables allow",
	helper_rules, sizeof(helper_rules) / sizeof(helper_rules[0]),
};

int
sv_sandbox(void)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_base, &sandbox_group_privsep, &loop_group,
		&startup_group, &helper_group, &sandbox_group_gdbus,
	};
	int r;

	if ((r = sandbox_install(groups, sizeof(groups) / sizeof(groups[0])))
	    != 0)
		error_r(r, "cannot install the sandbox");
	return r;
}
