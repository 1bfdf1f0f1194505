/*
 * cardd's side of the pinstore channel (doc/PROTOCOL.privsep section 7).
 * cardd asks and waits, at most PIN_TIMEOUT_MS: a sign needs the answer
 * before it can go on, and pinstore answers from memory or one file.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cardd.h"
#include "channels.h"
#include "constraint.h"
#include "err.h"
#include "log.h"
#include "privsep.h"
#include "status.h"

#define FAIL_MSG_MAX	1024

static const struct privsep_permit pin_permit[] = {
	{ CP_OK,	"OK",	0 },
	{ CP_FAIL,	"FAIL",	4 + 4 + FAIL_MSG_MAX },
	{ CP_PIN,	"PIN",	4 + PIN_MAX },
	{ CP_NONE,	"NONE",	0 },
	{ CP_STATUS_REPLY, "STATUS_REPLY", 1 + 4 + 4 + CONS_MAX },
};

const struct privsep_chan_conf pin_conf = {
	.name = "pinstore",
	.self = PRIVSEP_ROLE_CARDD,
	.peer = PRIVSEP_ROLE_PINSTORE,
	.max_frame = CP_FRAME_MAX,
	.max_queued = 4 * CP_FRAME_MAX,
	.permit = pin_permit,
	.npermit = sizeof(pin_permit) / sizeof(pin_permit[0]),
	.secret = 1,	/* PUT and PIN carry one */
	.secret_type = CP_PIN,
};

long long
cardd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
pin_unsolicited(struct cardd *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < d->nabandoned; i++) {
		if (d->abandoned[i] != id)
			continue;
		debug("late pinstore reply %u dropped", id);
		d->abandoned[i] = d->abandoned[--d->nabandoned];
		return 0;
	}
	error("pinstore: reply %u to no request", id);
	return ERR_FORMAT;
}

/* A request that got no answer in time: its reply may still come. */
static void
pin_abandon(struct cardd *d, uint32_t id)
{
	error("pinstore did not answer within %d ms", PIN_TIMEOUT_MS);
	if (d->nabandoned == PIN_ABANDONED_MAX) {
		error("pinstore is stuck: closing its channel");
		privsep_chan_close(&d->pin);
		d->nabandoned = 0;
		return;
	}
	d->abandoned[d->nabandoned++] = id;
}

/* Takes frames until the reply to id: 0 and *replyp set, or not yet. */
static int
pin_take(struct cardd *d, uint32_t id, uint8_t *typep, struct buf **replyp)
{
	struct buf *payload;
	uint32_t rid;
	int r;

	for (;;) {
		if ((r = privsep_get(d->pin, typep, &rid, &payload)) != 0)
			return r;
		if (payload == NULL)
			return 0;
		if (rid == id) {
			*replyp = payload;
			return 0;
		}
		buf_free(payload);
		if ((r = pin_unsolicited(d, rid)) != 0)
			return r;
	}
}

/*
 * Waits for the reply to id, flushing the request on the way.  Frames
 * already read are taken before each poll: an earlier read may have
 * brought the reply in with the one before it, and poll would wait for
 * more in vain.
 */
static int
pin_wait(struct cardd *d, uint32_t id, uint8_t *typep, struct buf **replyp)
{
	long long deadline = cardd_now_ms() + PIN_TIMEOUT_MS, left;
	struct pollfd pfd;
	int pending, n, r;

	*replyp = NULL;
	for (;;) {
		if ((r = privsep_flush(d->pin, &pending)) != 0 ||
		    (r = pin_take(d, id, typep, replyp)) != 0)
			return r;
		if (*replyp != NULL)
			return 0;
		if ((left = deadline - cardd_now_ms()) <= 0) {
			pin_abandon(d, id);
			return ERR_TIMEOUT;
		}
		pfd.fd = privsep_fd(d->pin);
		pfd.events = POLLIN | (pending ? POLLOUT : 0);
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, (int)left)) == -1 && errno != EINTR)
			return ERR_SYSTEM;
		if (n > 0 && (pfd.revents & (POLLIN | POLLHUP |
		    POLLERR)) != 0 && (r = privsep_read(d->pin)) != 0)
			return r;
	}
}

/* A FAIL from pinstore: log its message (it never holds a PIN). */
static int
pin_fail(struct buf *reply)
{
	uint32_t reason;
	char *msg = NULL;
	int r;

	if ((r = buf_get_u32(reply, &reason)) != 0 ||
	    (r = buf_get_cstring(reply, &msg, NULL)) != 0 ||
	    buf_len(reply) != 0) {
		error("pinstore: malformed FAIL");
		free(msg);
		return ERR_FORMAT;
	}
	error("pinstore failed (reason %u): %s", reason, msg);
	free(msg);
	return ERR_NOT_FOUND;
}

/*
 * One request and its reply.  expect lists the reply types allowed
 * besides FAIL (0-terminated).  A FAIL answer returns ERR_NOT_FOUND
 * (logged); a broken or missing pinstore any other error.
 */
static int
pin_call(struct cardd *d, uint8_t type, const struct buf *req,
    const uint8_t *expect, uint8_t *typep, struct buf **replyp)
{
	struct buf *reply = NULL;
	uint32_t id;
	int r;

	*typep = 0;
	*replyp = NULL;
	if (d->pin == NULL) {
		error("pinstore is not connected");
		return ERR_EOF;
	}
	id = privsep_next_id(d->pin);
	if ((r = privsep_queue(d->pin, type, id, req)) != 0 ||
	    (r = pin_wait(d, id, typep, &reply)) != 0) {
		if (r != ERR_TIMEOUT) {
			error_r(r, "pinstore channel");
			privsep_chan_close(&d->pin);
		}
		return r;
	}
	if (*typep == CP_FAIL) {
		r = pin_fail(reply);
		buf_free(reply);
		if (r == ERR_FORMAT)
			privsep_chan_close(&d->pin);
		return r;
	}
	for (; *expect != 0; expect++) {
		if (*expect == *typep) {
			*replyp = reply;
			return 0;
		}
	}
	error("pinstore: reply type %u does not answer request %u", *typep,
	    type);
	buf_free(reply);
	privsep_chan_close(&d->pin);
	return ERR_FORMAT;
}

/* A request holding one string, the card ident. */
static int
pin_ident_call(struct cardd *d, uint8_t type, const char *ident,
    const uint8_t *expect, uint8_t *typep, struct buf **replyp)
{
	struct buf *req;
	int r;

	*replyp = NULL;
	if ((req = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_cstring(req, ident)) == 0)
		r = pin_call(d, type, req, expect, typep, replyp);
	buf_free(req);
	return r;
}

/* OK with an empty payload, or a violation. */
static int
pin_ok(struct cardd *d, struct buf *reply)
{
	int r = buf_len(reply) == 0 ? 0 : ERR_FORMAT;

	if (r != 0) {
		error("pinstore: OK with a payload");
		privsep_chan_close(&d->pin);
	}
	buf_free(reply);
	return r;
}

int
pin_get(struct cardd *d, const char *ident, struct buf **pinp)
{
	static const uint8_t expect[] = { CP_PIN, CP_NONE, 0 };
	struct buf *reply = NULL;
	uint8_t type;
	int r;

	*pinp = NULL;
	if ((r = pin_ident_call(d, CP_GET, ident, expect, &type,
	    &reply)) != 0)
		return r;
	if (type == CP_NONE)
		return pin_ok(d, reply);
	if ((*pinp = buf_new_secret(BUF_MAX_DEFAULT)) == NULL)
		r = ERR_ALLOC;
	else if ((r = buf_get_stringb(reply, *pinp)) != 0 ||
	    buf_len(reply) != 0) {
		error("pinstore: malformed PIN reply");
		privsep_chan_close(&d->pin);
		r = ERR_FORMAT;
	}
	buf_free(reply);
	if (r != 0) {
		buf_free(*pinp);
		*pinp = NULL;
	}
	return r;
}

int
pin_put(struct cardd *d, const char *ident, const struct buf *pin,
    uint32_t lifetime, const struct buf *cons)
{
	static const uint8_t expect[] = { CP_OK, 0 };
	struct buf *req, *reply = NULL;
	uint8_t type;
	int r;

	if ((req = buf_new_secret(BUF_MAX_DEFAULT)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_cstring(req, ident)) == 0 &&
	    (r = buf_put_stringb(req, pin)) == 0 &&
	    (r = buf_put_u32(req, lifetime)) == 0 &&
	    (r = buf_put_stringb(req, cons)) == 0 &&
	    (r = pin_call(d, CP_PUT, req, expect, &type, &reply)) == 0)
		r = pin_ok(d, reply);
	buf_free(req);
	return r;
}

int
pin_delete(struct cardd *d, const char *ident)
{
	static const uint8_t expect[] = { CP_OK, 0 };
	struct buf *reply = NULL;
	uint8_t type;
	int r;

	if ((r = pin_ident_call(d, CP_DELETE, ident, expect, &type,
	    &reply)) != 0)
		return r;
	return pin_ok(d, reply);
}

int
pin_invalidate(struct cardd *d, const char *ident)
{
	static const uint8_t expect[] = { CP_OK, 0 };
	struct buf *reply = NULL;
	uint8_t type;
	int r;

	if ((r = pin_ident_call(d, CP_INVALIDATE, ident, expect, &type,
	    &reply)) != 0)
		return r;
	return pin_ok(d, reply);
}

int
pin_drop_memory(struct cardd *d)
{
	static const uint8_t expect[] = { CP_OK, 0 };
	struct buf *reply = NULL;
	uint8_t type;
	int r;

	if ((r = pin_call(d, CP_DROP_MEMORY, NULL, expect, &type,
	    &reply)) != 0)
		return r;
	return pin_ok(d, reply);
}

/* STATUS_REPLY: byte where, uint32 seconds, string constraints. */
static int
status_reply_parse(struct buf *reply, uint8_t *wherep, uint32_t *expires_inp,
    struct buf *cons)
{
	struct cons c;
	int r;

	if (buf_get_u8(reply, wherep) != 0 ||
	    buf_get_u32(reply, expires_inp) != 0 ||
	    buf_get_stringb(reply, cons) != 0 || buf_len(reply) != 0 ||
	    (*wherep != STATUS_PIN_NONE && *wherep != STATUS_PIN_FILE &&
	    *wherep != STATUS_PIN_MEMORY && *wherep != STATUS_PIN_INVALID &&
	    *wherep != STATUS_PIN_SECRET))
		return ERR_FORMAT;
	r = cons_decode(buf_ptr(cons), buf_len(cons), &c);
	cons_clear(&c);
	return r == 0 ? 0 : ERR_FORMAT;
}

int
pin_status(struct cardd *d, const char *ident, uint8_t *wherep,
    uint32_t *expires_inp, struct buf **consp)
{
	static const uint8_t expect[] = { CP_STATUS_REPLY, 0 };
	struct buf *reply = NULL, *cons;
	uint8_t type;
	int r;

	*wherep = 0;
	*expires_inp = 0;
	if (consp != NULL)
		*consp = NULL;
	if ((cons = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = pin_ident_call(d, CP_STATUS, ident, expect, &type,
	    &reply)) != 0)
		goto out;
	if ((r = status_reply_parse(reply, wherep, expires_inp, cons)) != 0) {
		error("pinstore: malformed STATUS_REPLY");
		privsep_chan_close(&d->pin);
		goto out;
	}
	if (consp != NULL) {
		*consp = cons;
		cons = NULL;
	}
 out:
	buf_free(reply);
	buf_free(cons);
	return r;
}
