/*
 * What cardd tells the supervisor about signatures (doc/PROTOCOL.privsep
 * section 8): TOUCH before the card waits for a touch, AUDIT after every
 * signature request, made or failed.  Both carry the caller's facts the
 * agent sent with SIGN.  A message that cannot be queued is logged and
 * dropped: the signature itself does not depend on it.
 */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "caller.h"
#include "cardd.h"
#include "channels.h"
#include "err.h"
#include "keyblob.h"
#include "log.h"
#include "privsep.h"

/* The supervisor channel (PROTOCOL.privsep section 8). */
static const struct privsep_permit sup_permit[] = {
	{ SV_PEER,	"PEER",	1 },
	{ SV_CONFIRM_REPLY, "CONFIRM_REPLY", 1 },
};

const struct privsep_chan_conf supervisor_conf = {
	.name = "supervisor",
	.self = PRIVSEP_ROLE_CARDD,
	.peer = PRIVSEP_ROLE_SUPERVISOR,
	.max_frame = SV_FRAME_MAX,
	.max_queued = 4 * SV_FRAME_MAX,
	.permit = sup_permit,
	.npermit = sizeof(sup_permit) / sizeof(sup_permit[0]),
	.pass_fds = 1,
};

/* Queue and write at once: the card may block cardd right after. */
static void
send_sup(struct cardd *d, uint8_t type, const struct buf *b)
{
	int pending, r;

	if ((r = privsep_queue(d->sup, type, 0, b)) != 0 ||
	    (r = privsep_flush(d->sup, &pending)) != 0)
		error_r(r, "cannot tell the supervisor (message %u)", type);
}

void
notice_touch(struct cardd *d, const char *ident, const struct caller *who)
{
	struct buf *b;

	verbose("card %s: waiting for a touch", ident);
	if ((b = buf_new()) == NULL ||
	    buf_put_cstring(b, ident) != 0 || caller_put(b, who) != 0)
		error("cannot build TOUCH for card %s", ident);
	else
		send_sup(d, SV_TOUCH, b);
	buf_free(b);
}

/* ident may be empty (no card has the key); reason 0: signed. */
void
notice_audit(struct cardd *d, const char *ident, const struct buf *blob,
    const struct caller *who, uint32_t reason)
{
	struct buf *b;
	char *fp = NULL;
	int r;

	if ((r = keyblob_fingerprint(blob, &fp)) != 0 ||
	    (b = buf_new()) == NULL) {
		error_r(r, "cannot build AUDIT for card %s", ident);
		free(fp);
		return;
	}
	if ((r = buf_put_cstring(b, ident)) != 0 ||
	    (r = buf_put_cstring(b, fp)) != 0 ||
	    (r = caller_put(b, who)) != 0 ||
	    (r = buf_put_u32(b, reason)) != 0)
		error_r(r, "cannot build AUDIT for card %s", ident);
	else
		send_sup(d, SV_AUDIT, b);
	buf_free(b);
	free(fp);
}
