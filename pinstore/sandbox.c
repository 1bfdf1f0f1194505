/*
 * pinstore's seccomp allowlist with the file backend: the common groups,
 * plus what reading and atomically replacing the store file needs.  No
 * socket, no exec, no network: a compromised pinstore can read and write
 * files but cannot send them anywhere but cardd and stderr.
 */
#include "config.h"

#include <stddef.h>

#include "err.h"
#include "log.h"
#include "pinstore.h"
#include "sandbox.h"

#define ALLOW(n)	{ .name = (n) }

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

void
pinstore_sandbox(void)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_base, &sandbox_group_privsep, &store_group,
	};
	int r;

	if ((r = sandbox_install(groups, sizeof(groups) / sizeof(groups[0])))
	    != 0)
		fatal_fr(r, "cannot install the sandbox");
}
