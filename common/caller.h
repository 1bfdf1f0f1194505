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

/*
 * What is signed and through which hosts, for a confirmation question
 * (ssh-add -c): the agent's classification of the data, a name it
 * carries (the user of a login, the namespace of an SSHSIG signature)
 * and the host keys of the forwarding path before the destination.
 */
enum caller_what {
	CALLER_WHAT_DATA = 0,
	CALLER_WHAT_LOGIN = 1,
	CALLER_WHAT_SSHSIG = 2,
	CALLER_WHAT_CERT = 3,
};
#define CALLER_DETAIL_MAX	64
#define CALLER_PATH_MAX		1536	/* bytes of path host keys, encoded */
#define CALLER_PATH_KEYS	16

struct caller_context {
	uint8_t		 what;		/* enum caller_what */
	char		*detail;	/* printable ASCII, may be empty */
	struct buf	*path[CALLER_PATH_KEYS];
	size_t		 npath;
};

/* byte what, string detail, uint32 n, n times string host key */
int	caller_context_put(struct buf *b, const struct caller_context *x);
/* Checks every field; ERR_FORMAT if bad.  Free with _clear. */
int	caller_context_get(struct buf *b, struct caller_context *x);
void	caller_context_clear(struct caller_context *x);

/* uint32 uid, uint32 pid, byte forwarded, string host key */
int	caller_put(struct buf *b, const struct caller *c);
/* Allocates c->hostkey; free with caller_clear.  ERR_FORMAT if bad. */
int	caller_get(struct buf *b, struct caller *c);
void	caller_clear(struct caller *c);

#endif
