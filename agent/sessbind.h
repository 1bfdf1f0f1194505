/*
 * session-bind@openssh.com (PROTOCOL.agent): ssh tells the agent which
 * host it authenticated to, proven by the host key's signature over the
 * session id.  Each client connection records its binds here.
 */
#ifndef CARDAGENT_AGENT_SESSBIND_H
#define CARDAGENT_AGENT_SESSBIND_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SESSBIND_MAX	16	/* binds recorded per connection */

struct sessbind_entry {
	struct buf	*hostkey;
	struct buf	*session_id;
	int		 forwarding;
};

struct sessbind {
	struct sessbind_entry entry[SESSBIND_MAX];
	size_t		 n;
	int		 seen;		/* any bind attempted, good or bad */
	int		 failed;	/* a bind failed: no signing here */
};

/*
 * Verify sig (an SSH signature blob) over session_id with the SSH host
 * key blob hostkey.  0: valid.  ERR_UNSUPPORTED, ERR_FORMAT, ERR_CRYPTO.
 */
int	sessbind_verify(const struct buf *hostkey,
	    const struct buf *session_id, const struct buf *sig);

/*
 * Verify and record one bind on a connection.  Any failure (bad
 * signature, a 17th bind, a session id bound to another key, a bind
 * after one made for authentication) marks the connection failed.
 */
int	sessbind_add(struct sessbind *sb, const struct buf *hostkey,
	    const struct buf *session_id, const struct buf *sig,
	    int is_forwarding);
void	sessbind_clear(struct sessbind *sb);
/*
 * Non-zero if the connection may come from a forwarded host: a bind said
 * is-forwarding, or a bind failed (what it said is unknown).
 */
int	sessbind_forwarded(const struct sessbind *sb);

#endif
