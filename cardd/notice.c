/*
 * What cardd tells the supervisor about signatures (doc/PROTOCOL.privsep
 * section 8): NOTE_CALLER as a signature request begins, TOUCH before the
 * card waits for a touch, AUDIT after every signature request, made or
 * failed.  They carry the caller's facts the agent sent with SIGN.  A
 * message that cannot be queued is logged and dropped: the signature
 * itself does not depend on it.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
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
	{ SV_CALLER_NOTED, "CALLER_NOTED", 0 },
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
static int
send_sup(struct cardd *d, uint8_t type, uint32_t id, const struct buf *b)
{
	int pending, r;

	if ((r = privsep_queue(d->sup, type, id, b)) != 0 ||
	    (r = privsep_flush(d->sup, &pending)) != 0)
		error_r(r, "cannot tell the supervisor (message %u)", type);
	return r;
}

int
sup_wait(struct cardd *d, const uint32_t *pendingp, uint32_t id,
    long long ms)
{
	long long deadline = cardd_now_ms() + ms, left;
	struct pollfd pfd;
	int pending, n, r;

	while (*pendingp == id) {
		if ((r = privsep_flush(d->sup, &pending)) != 0)
			return r;
		if ((left = deadline - cardd_now_ms()) <= 0)
			return ERR_TIMEOUT;
		pfd.fd = privsep_fd(d->sup);
		pfd.events = POLLIN | (pending ? POLLOUT : 0);
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, (int)left)) == -1 && errno != EINTR)
			return ERR_SYSTEM;
		if (n > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			sup_input(d);
	}
	return 0;
}

/*
 * Has the supervisor noted pid lately?  Its ring and ours take the same
 * slots (a pid present keeps its own), so an entry here is there too.
 * Otherwise take pid's slot, or the next one, for a new NOTE_CALLER.
 */
static int
caller_fresh(struct cardd *d, uint32_t pid)
{
	long long now = cardd_now_ms();
	size_t i;

	for (i = 0; i < CALLERS_NOTED; i++)
		if (d->noted[i].pid == pid)
			break;
	if (i < CALLERS_NOTED && now - d->noted[i].at < CALLER_FRESH_MS)
		return 1;
	if (i == CALLERS_NOTED)
		i = d->next_noted++ % CALLERS_NOTED;
	d->noted[i].pid = pid;
	d->noted[i].at = now;
	return 0;
}

/*
 * NOTE_CALLER: uint32 pid, sent before any card work, so that the supervisor
 * reads the caller's command while it still waits for its answer.  A
 * caller that signs again soon (a connection kept open) is not named
 * again: the supervisor still has its command.
 */
uint32_t
notice_caller(struct cardd *d, const struct caller *who)
{
	struct buf *b;
	uint32_t id;

	if (who->pid == 0 || caller_fresh(d, who->pid))
		return d->caller_id = 0;
	id = privsep_next_id(d->sup);
	if ((b = buf_new()) == NULL || buf_put_u32(b, who->pid) != 0 ||
	    send_sup(d, SV_NOTE_CALLER, id, b) != 0)
		id = 0;
	buf_free(b);
	return d->caller_id = id;
}

int
notice_caller_noted(struct cardd *d, uint32_t id, struct buf *payload)
{
	if (buf_len(payload) != 0)
		return ERR_FORMAT;
	if (id != 0 && id == d->caller_id)
		d->caller_id = 0;
	return 0;
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
		(void)send_sup(d, SV_TOUCH, 0, b);
	buf_free(b);
}

/* ident may be empty (no card has the key); reason 0: signed. */
void
notice_audit(struct cardd *d, uint32_t caller_id, const char *ident,
    const struct buf *blob, const struct caller *who, uint32_t reason)
{
	struct buf *b;
	char *fp = NULL;
	int r;

	if (caller_id != 0 && (r = sup_wait(d, &d->caller_id, caller_id,
	    CALLER_WAIT_MS)) != 0) {
		error_r(r, "the supervisor did not note the caller (pid %u)",
		    who->pid);
		d->caller_id = 0;
	}
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
		(void)send_sup(d, SV_AUDIT, 0, b);
	buf_free(b);
	free(fp);
}
