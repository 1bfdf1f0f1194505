/*
 * Who asks for a signature, as the agent saw it: the client's uid and pid
 * (SO_PEERCRED), whether the request came through agent forwarding, and
 * the host key of the destination it bound its session to.  The agent
 * passes these facts to cardd in SIGN, cardd to the supervisor in TOUCH
 * and AUDIT (doc/PROTOCOL.privsep); every receiver treats them as claims.
 */
#ifndef CARDAGENT_CALLER_H
#define CARDAGENT_CALLER_H

#include <stdint.h>

#include "buf.h"

#define CALLER_HOSTKEY_MAX	2048	/* an RSA 16384 host key fits */

struct caller {
	uint32_t	 uid;
	uint32_t	 pid;		/* 0: unknown */
	int		 forwarded;
	struct buf	*hostkey;	/* empty: no session-bind */
};

/* uint32 uid, uint32 pid, byte forwarded, string host key */
int	caller_put(struct buf *b, const struct caller *c);
/* Allocates c->hostkey; free with caller_clear.  ERR_FORMAT if bad. */
int	caller_get(struct buf *b, struct caller *c);
void	caller_clear(struct caller *c);

#endif
