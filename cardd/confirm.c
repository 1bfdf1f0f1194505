/*
 * ssh-add -c: before a card whose enrolment asks for confirmation
 * signs, cardd asks the supervisor (CONFIRM, doc/PROTOCOL.privsep
 * section 8), which runs SSH_ASKPASS, and waits for its CONFIRM_REPLY.
 * cardd itself, not the agent, asks: a compromised agent cannot skip
 * the question.  No answer within CONFIRM_WAIT_MS is a refusal.
 */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "caller.h"
#include "cardd.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "privsep.h"

int
confirm_reply(struct cardd *d, uint32_t id, struct buf *payload)
{
	uint8_t allowed;

	if (buf_get_u8(payload, &allowed) != 0 || allowed > 1 ||
	    buf_len(payload) != 0)
		return ERR_FORMAT;
	if (id == 0 || id != d->confirm_id) {
		verbose("a confirmation answer nobody waits for (%u)", id);
		return 0;
	}
	d->confirm_id = 0;
	d->confirm_allowed = allowed;
	return 0;
}

int
confirm_ask(struct cardd *d, const char *ident, const struct caller *who,
    const struct caller_context *x)
{
	struct buf *b;
	uint32_t id;
	int r;

	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	id = privsep_next_id(d->sup);
	if ((r = buf_put_cstring(b, ident)) != 0 ||
	    (r = caller_put(b, who)) != 0 ||
	    (r = caller_context_put(b, x)) != 0 ||
	    (r = privsep_queue(d->sup, SV_CONFIRM, id, b)) != 0)
		goto out;
	verbose("card %s: asking the user to confirm a signature", ident);
	d->confirm_id = id;
	d->confirm_allowed = 0;
	if ((r = sup_wait(d, &d->confirm_id, id, CONFIRM_WAIT_MS)) != 0) {
		error_r(r, "card %s: no confirmation", ident);
		d->confirm_id = 0;
		goto out;
	}
	r = d->confirm_allowed ? 0 : ERR_NOT_FOUND;
	info("card %s: signature %s by the user", ident,
	    r == 0 ? "confirmed" : "refused");
 out:
	buf_free(b);
	return r;
}
