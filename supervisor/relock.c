/*
 * The agent's lock across its restarts.  The agent sends the verifier of
 * its lock passphrase (LOCKED: salt and PBKDF2 hash, never the
 * passphrase) and clears it (UNLOCKED); an agent the supervisor starts
 * gets the state back (RELOCK) before it accepts any client, so killing
 * a locked agent does not unlock it.  doc/PROTOCOL.privsep section 8.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "privsep.h"
#include "supervisor.h"

/* LOCKED or UNLOCKED from the agent, checked like any untrusted input. */
int
relock_input(struct sv *sv, uint8_t type, struct buf *payload)
{
	if (type == SV_UNLOCKED && buf_len(payload) == 0) {
		explicit_bzero(sv->lock_verifier, sizeof(sv->lock_verifier));
		sv->locked = 0;
		verbose("the agent is unlocked");
		return 0;
	}
	if (type == SV_LOCKED &&
	    buf_get(payload, sv->lock_verifier, SV_LOCK_VERIFIER_LEN) == 0 &&
	    buf_len(payload) == 0) {
		sv->locked = 1;
		verbose("the agent is locked; a restarted agent starts locked");
		return 0;
	}
	error("agent: %s (message %u) not valid",
	    type == SV_LOCKED ? "LOCKED" : type == SV_UNLOCKED ? "UNLOCKED" :
	    "a message it may not send", type);
	return ERR_FORMAT;
}

/* RELOCK to a new agent: empty, or the verifier the last one sent. */
int
relock_send(struct sv *sv, struct sv_helper *h)
{
	struct buf *b;
	int r = 0;

	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if (sv->locked)
		r = buf_put(b, sv->lock_verifier, sizeof(sv->lock_verifier));
	if (r == 0)
		r = privsep_queue(h->chan, SV_RELOCK, 0, b);
	buf_free(b);
	if (r != 0)
		error_r(r, "agent: cannot queue RELOCK");
	else if (sv->locked)
		info("the agent was locked: the new one starts locked");
	return r;
}
