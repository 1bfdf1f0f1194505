/*
 * The agent's seccomp allowlist: the common groups, accepting clients on
 * the inherited listening socket, their credentials, and randomness for
 * the lock salt (new cardd channels arriving as descriptors need only what the
 * privsep group allows: recvmsg, fcntl flags).  No open, no
 * socket, no connect, no exec: a compromised agent can talk only to the
 * clients it has, cardd and stderr.  Reasons: doc/SANDBOX.md, "agent".
 */
#include "config.h"

#include <sys/socket.h>

#include <stddef.h>

#include "agent.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "sandbox.h"

#define LOW32		0xffffffffULL
#define ALLOW(n)	{ .name = (n) }
#define ALLOW_IF(n, ...) { .name = (n), .args = { __VA_ARGS__ } }
#define ARG_EQ(i, v)	{ .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32, .b = (v) }

static const struct sandbox_rule agent_rules[] = {
	/* clients: only on the listening socket handed to us */
	ALLOW_IF("accept4", ARG_EQ(0, AGENT_LISTEN_FD)),
	/* the peer's uid, to refuse other users */
	ALLOW_IF("getsockopt", ARG_EQ(1, SOL_SOCKET), ARG_EQ(2, SO_PEERCRED)),
	/* the lock salt */
	ALLOW("getrandom"),
	/* buf_new_secret: PINs and the passphrase kept out of swap */
	ALLOW("mlock"),
};

static const struct sandbox_group agent_group = {
	"agent", "accept clients, their credentials, randomness, mlock",
	agent_rules, sizeof(agent_rules) / sizeof(agent_rules[0]),
};

void
agent_sandbox(void)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_base, &sandbox_group_privsep, &agent_group,
	};
	int r;

	if ((r = sandbox_install(groups, sizeof(groups) / sizeof(groups[0])))
	    != 0)
		fatal_fr(r, "cannot install the sandbox");
}
