/*
 * pinstore's seccomp allowlists, one per backend.  The file backend's:
 * the common groups plus what reading and atomically replacing the
 * store file needs; no socket, no exec, no network: a compromised
 * pinstore can read and write files but cannot send them anywhere but
 * cardd and stderr.  The Secret Service backend's: no file at all, but
 * GDBus's threads and a unix stream socket to the session bus.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "log.h"
#include "pinstore.h"
#include "sandbox.h"

#define LOW32		0xffffffffULL
#define ALLOW(n)	{ .name = (n) }
#define ALLOW_IF(n, ...) { .name = (n), .args = { __VA_ARGS__ } }
#define ARG_EQ(i, v)	{ .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32, .b = (v) }
/* socket(2) type with optional CLOEXEC/NONBLOCK */
#define SOCK_TYPE(i, t)	{ .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32 & ~(uint64_t)(SOCK_CLOEXEC | \
			    SOCK_NONBLOCK), .b = (t) }

static const struct sandbox_rule store_rules[] = {
	ALLOW("openat"),	/* the directory, the file, the temp file */
	ALLOW("mkdir"),		/* the store directory on first PUT */
	ALLOW("mkdirat"),	/* mkdir where there is no mkdir syscall */
	ALLOW("fsync"),		/* temp file, then the directory */
	ALLOW("rename"),	/* renameat's fallbacks per architecture */
	ALLOW("renameat"),
	ALLOW("renameat2"),
	ALLOW("unlinkat"),	/* a failed or stale temp file */
};

static const struct sandbox_group store_group = {
	"store", "read and atomically replace the PIN store file",
	store_rules, sizeof(store_rules) / sizeof(store_rules[0]),
};

static const struct sandbox_rule secret_rules[] = {
	/* the session bus: a unix stream socket, nothing else */
	ALLOW_IF("socket", ARG_EQ(0, AF_UNIX), SOCK_TYPE(1, SOCK_STREAM),
	    ARG_EQ(2, 0)),
	ALLOW("connect"),
	ALLOW("geteuid"),	/* D-Bus EXTERNAL authentication */
	ALLOW("mlock"),		/* libsecret locks its secret memory */
	ALLOW("munlock"),
	ALLOW("getrandom"),	/* libgcrypt reseeds its random pool */
	ALLOW_IF("getrusage", ARG_EQ(0, RUSAGE_SELF)),	/* its fast poll */
};

static const struct sandbox_group secret_group = {
	"secret-service", "talk to the Secret Service on the session bus",
	secret_rules, sizeof(secret_rules) / sizeof(secret_rules[0]),
};

void
pinstore_sandbox(int secret_service)
{
	static const struct sandbox_group *const file_groups[] = {
		&sandbox_group_base, &sandbox_group_privsep, &store_group,
	};
	static const struct sandbox_group *const secret_groups[] = {
		&sandbox_group_base, &sandbox_group_privsep,
		&sandbox_group_gdbus, &secret_group,
	};
	int r;

	if (secret_service)
		r = sandbox_install(secret_groups, sizeof(secret_groups) /
		    sizeof(secret_groups[0]));
	else
		r = sandbox_install(file_groups, sizeof(file_groups) /
		    sizeof(file_groups[0]));
	if (r != 0)
		fatal_fr(r, "cannot install the sandbox");
}
