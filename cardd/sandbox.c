/*
 * cardd's seccomp allowlist: the common groups, new peer channels
 * arriving as descriptors, and what pcsc-lite's client library does to
 * talk to pcscd over its unix socket (including connecting again when
 * pcscd restarts).  No open, no exec, no other socket family: a
 * compromised cardd can talk only to pcscd, its peers and stderr.
 * Reasons: doc/SANDBOX.md, "cardd".
 */
#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <stddef.h>

#include "cardd.h"
#include "err.h"
#include "log.h"
#include "sandbox.h"

#define LOW32		0xffffffffULL
#define ALLOW(n)	{ .name = (n) }
#define ALLOW_IF(n, ...) { .name = (n), .args = { __VA_ARGS__ } }
#define ARG_EQ(i, v)	{ .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32, .b = (v) }
/* socket(AF_UNIX, SOCK_STREAM[|SOCK_CLOEXEC|SOCK_NONBLOCK], 0) */
#define STREAM_TYPE(i)	{ .cmp = SANDBOX_CMP_MASKED_EQ, .index = (i), \
			    .a = LOW32 & ~(uint64_t)(SOCK_CLOEXEC | \
			    SOCK_NONBLOCK), .b = SOCK_STREAM }

static const struct sandbox_rule peer_rules[] = {
	/* PEER frames carry channel descriptors with SCM_RIGHTS */
	ALLOW("recvmsg"),
	/* privsep_chan_new makes a new channel non-blocking */
	ALLOW_IF("fcntl", ARG_EQ(1, F_GETFL)),
	ALLOW_IF("fcntl", ARG_EQ(1, F_SETFL)),
	/* buf_new_secret: the PINs they carry kept out of swap */
	ALLOW("mlock"),
};

static const struct sandbox_rule pcsc_rules[] = {
	/* a new context after pcscd restarted: a unix stream socket */
	ALLOW_IF("socket", ARG_EQ(0, AF_UNIX), STREAM_TYPE(1), ARG_EQ(2, 0)),
	ALLOW("connect"),
	/* SCardGetStatusChange checks that pcscd's socket still exists
	 * with stat(2): a path, so AT_FDCWD and no flags */
	ALLOW_IF("newfstatat", ARG_EQ(0, (uint32_t)AT_FDCWD), ARG_EQ(3, 0)),
	ALLOW_IF("fstatat64", ARG_EQ(0, (uint32_t)AT_FDCWD), ARG_EQ(3, 0)),
	ALLOW("stat"),
	ALLOW("stat64"),
};

static const struct sandbox_group peer_group = {
	"cardd-peers", "peer channels arriving from the supervisor, mlock",
	peer_rules, sizeof(peer_rules) / sizeof(peer_rules[0]),
};

static const struct sandbox_group pcsc_group = {
	"cardd-pcsc", "pcsc-lite's client talking to pcscd",
	pcsc_rules, sizeof(pcsc_rules) / sizeof(pcsc_rules[0]),
};

int
cardd_sandbox_install(void)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_base, &sandbox_group_privsep, &peer_group,
		&pcsc_group,
	};

	return sandbox_install(groups, sizeof(groups) / sizeof(groups[0]));
}
