/*
 * Per-process hardening: no core dumps, no ptrace by peers, no new
 * privileges, and a libseccomp allowlist whose default action kills the
 * process.  Each process keeps its own table of groups (syscall names
 * with the reason they are needed) and documents it in doc/SANDBOX.md.
 */
#ifndef CARDAGENT_SANDBOX_H
#define CARDAGENT_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#define SANDBOX_ARGS_MAX	3

enum sandbox_cmp {
	SANDBOX_CMP_NONE = 0,	/* unused slot */
	SANDBOX_CMP_EQ,		/* arg == a */
	SANDBOX_CMP_NE,		/* arg != a */
	SANDBOX_CMP_LE,		/* arg <= a */
	SANDBOX_CMP_GE,		/* arg >= a */
	SANDBOX_CMP_MASKED_EQ,	/* (arg & a) == b */
};

struct sandbox_arg {
	enum sandbox_cmp cmp;
	unsigned int	 index;		/* argument number, 0-5 */
	uint64_t	 a, b;
};

/*
 * One allowed syscall, by the name libseccomp knows it under.  With no
 * argument rules any arguments are allowed; with several, all must hold.
 * A name may appear in several rules: any matching rule allows the call.
 * A rule with fail_errno set does not allow the call but makes it fail
 * with that errno (for calls whose arguments cannot be checked and that
 * libc replaces with another call on ENOSYS, like clone3).
 */
struct sandbox_rule {
	const char	*name;
	struct sandbox_arg args[SANDBOX_ARGS_MAX];
	int		 fail_errno;	/* not 0: fail with it, no allow */
};

struct sandbox_group {
	const char	*name;		/* for logs and doc/SANDBOX.md */
	const char	*reason;
	const struct sandbox_rule *rules;
	size_t		 nrules;
};

/* Calls every process needs: exit, I/O on open fds, malloc, time. */
extern const struct sandbox_group sandbox_group_base;
/* What common/privsep.c adds: send(2) without a destination. */
extern const struct sandbox_group sandbox_group_privsep;
/* A GDBus client's threads and handshake (cardagent-notify, pinstore's
 * Secret Service backend); its socket is the caller's business. */
extern const struct sandbox_group sandbox_group_gdbus;

/* No core dumps, not dumpable (no ptrace by same-uid peers), no new privs. */
int	sandbox_harden(void) __attribute__((warn_unused_result));

/*
 * Install the union of the groups as a seccomp filter for the native
 * architecture only; anything else kills the process.  Names unknown on
 * this architecture are skipped (debug log).  A failure means the process
 * is not sandboxed: callers must treat it as fatal.
 */
int	sandbox_install(const struct sandbox_group *const *groups,
	    size_t ngroups) __attribute__((warn_unused_result));

#endif
