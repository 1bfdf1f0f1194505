#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "buf.h"
#include "channels.h"
#include "err.h"
#include "lock.h"
#include "log.h"
#include "privsep.h"
#include "proto.h"
#include "sessbind.h"

/* What cardd may send (main.c opens the channel with this). */
static const struct privsep_permit cardd_permit[] = {
	{ AC_OK, "OK", 0 },
	{ AC_FAIL, "FAIL", 4 },
	{ AC_KEYS, "KEYS", AC_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ AC_SIGNATURE, "SIGNATURE", 16 * 1024 },
};

const struct privsep_chan_conf cardd_conf = {
	.name = "agent->cardd",
	.self = PRIVSEP_ROLE_AGENT,
	.peer = PRIVSEP_ROLE_CARDD,
	.max_frame = AC_FRAME_MAX,
	.max_queued = 4 * AC_FRAME_MAX,
	.permit = cardd_permit,
	.npermit = sizeof(cardd_permit) / sizeof(cardd_permit[0]),
};

/* Which replies cardd may send to each request (PROTOCOL.privsep 6). */
static int
reply_allowed(uint8_t req, uint8_t rep)
{
	switch (req) {
	case AC_LIST:	return rep == AC_KEYS;
	case AC_SIGN:	return rep == AC_SIGNATURE || rep == AC_FAIL;
	case AC_ENROL:
	case AC_FORGET:	return rep == AC_OK || rep == AC_FAIL;
	case AC_RESET:	return rep == AC_OK;
	default:	return 0;
	}
}

/* Send a request to cardd on behalf of c, which then waits for it. */
static void
to_cardd(struct agent *a, struct conn *c, uint8_t type,
    const struct buf *payload)
{
	uint32_t id;

	if (a->cardd == NULL) {
		debug("no cardd channel: failing request");
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	id = privsep_next_id(a->cardd);
	if (privsep_queue(a->cardd, type, id, payload) != 0) {
		error("cannot queue a request to cardd");
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	c->busy = 1;
	c->ac_type = type;
	c->ac_id = id;
}

static int
sign_in_flight(const struct agent *a)
{
	const struct conn *c;

	TAILQ_FOREACH(c, &a->conns, entry)
		if (c->ac_type == AC_SIGN)
			return 1;
	return 0;
}

static void
reply_keys(struct conn *c, const struct buf *keys)
{
	struct buf *b;

	if ((b = buf_new()) == NULL)
		fatal("out of memory");
	if (proto_put_identities(b, keys) != 0)
		conn_reply_status(c, SSH_AGENT_FAILURE);
	else
		conn_reply(c, b);
	buf_free(b);
}

static void
h_list(struct agent *a, struct conn *c)
{
	/* cardd may be waiting for a touch: do not queue behind it */
	if (a->keys != NULL && sign_in_flight(a)) {
		debug("sign in flight: listing from the cache");
		reply_keys(c, a->keys);
		return;
	}
	to_cardd(a, c, AC_LIST, NULL);
}

static void
h_sign(struct agent *a, struct conn *c, const struct proto_req *req)
{
	struct buf *b;

	if (c->sb.failed) {
		info("connection %d: sign refused after a failed "
		    "session-bind", c->fd);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	if ((b = buf_new()) == NULL ||
	    buf_put_stringb(b, req->key) != 0 ||
	    buf_put_stringb(b, req->data) != 0 ||
	    buf_put_u8(b, (uint8_t)req->alg) != 0 ||
	    buf_put_u32(b, 0) != 0)
		fatal("out of memory");
	c->alg = req->alg;
	to_cardd(a, c, AC_SIGN, b);
	buf_free(b);
}

static void
h_add(struct agent *a, struct conn *c, const struct proto_req *req)
{
	struct buf *b;

	/* a PIN must never cross a forwarded channel */
	if (c->sb.seen) {
		info("connection %d: refusing a PIN on a forwarded or "
		    "host-bound connection", c->fd);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	if (buf_len(req->pin) == 0) {
		info("refusing an empty PIN for %s", req->ident);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	if ((b = buf_new()) == NULL ||
	    buf_put_cstring(b, req->ident) != 0 ||
	    buf_put_stringb(b, req->pin) != 0 ||
	    buf_put_u32(b, req->lifetime != 0 ? req->lifetime :
	    a->default_lifetime) != 0)
		fatal("out of memory");
	to_cardd(a, c, AC_ENROL, b);
	buf_free(b);	/* wipes the PIN */
}

static void
h_remove(struct agent *a, struct conn *c, const struct proto_req *req)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || buf_put_cstring(b, req->ident) != 0)
		fatal("out of memory");
	to_cardd(a, c, AC_FORGET, b);
	buf_free(b);
}

static void
h_lock(struct agent *a, struct conn *c, const struct proto_req *req)
{
	if (lock_lock(&a->lock, buf_ptr(req->pin), buf_len(req->pin)) != 0) {
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	info("agent locked");
	/* drop every card's verified state; the answer is not awaited */
	if (a->cardd != NULL) {
		a->reset_id = privsep_next_id(a->cardd);
		if (privsep_queue(a->cardd, AC_RESET, a->reset_id, NULL) != 0)
			error("cannot queue RESET to cardd");
	}
	conn_reply_status(c, SSH_AGENT_SUCCESS);
}

static void
h_unlock(struct agent *a, struct conn *c, const struct proto_req *req)
{
	unsigned int delay;
	int r;

	r = lock_unlock(&a->lock, buf_ptr(req->pin), buf_len(req->pin),
	    &delay);
	if (r == 0) {
		info("agent unlocked");
		conn_reply_status(c, SSH_AGENT_SUCCESS);
	} else if (delay == 0)
		conn_reply_status(c, SSH_AGENT_FAILURE);
	else {
		info("wrong passphrase to unlock, answering in %u ms", delay);
		c->busy = 1;
		c->reply_at = monotime_ms() + delay;
	}
}

static void
h_bind(struct conn *c, const struct proto_req *req)
{
	int r;

	r = sessbind_add(&c->sb, req->hostkey, req->session_id,
	    req->signature, req->is_forwarding);
	if (r != 0)
		info("connection %d: session-bind failed: %s", c->fd,
		    err_str(r));
	conn_reply_status(c, r == 0 ? SSH_AGENT_SUCCESS : SSH_AGENT_FAILURE);
}

static void
h_query(struct conn *c)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || proto_put_query(b) != 0)
		fatal("out of memory");
	conn_reply(c, b);
	buf_free(b);
}

static void
dispatch(struct agent *a, struct conn *c, struct proto_req *req)
{
	switch (req->kind) {
	case PROTO_LIST:	h_list(a, c); break;
	case PROTO_SIGN:	h_sign(a, c, req); break;
	case PROTO_ADD_CARD:	h_add(a, c, req); break;
	case PROTO_REMOVE_CARD:	h_remove(a, c, req); break;
	case PROTO_REMOVE_ALL:	to_cardd(a, c, AC_RESET, NULL); break;
	case PROTO_LOCK:	h_lock(a, c, req); break;
	case PROTO_UNLOCK:	h_unlock(a, c, req); break;
	case PROTO_EXT_QUERY:	h_query(c); break;
	case PROTO_EXT_BIND:	h_bind(c, req); break;
	case PROTO_REMOVE_ALL_V1:	/* ssh-add -D sends it after 19 */
		conn_reply_status(c, SSH_AGENT_SUCCESS);
		break;
	default:
		conn_reply_status(c, SSH_AGENT_FAILURE);
		break;
	}
}

void
handle_request(struct agent *a, struct conn *c, struct proto_req *req,
    int parse_err)
{
	debug("connection %d: %s", c->fd, proto_type_name(req->type));
	if (parse_err != 0) {
		debug_r(parse_err, "connection %d: refused", c->fd);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	if (a->lock.locked) {
		if (req->kind == PROTO_LIST) {
			struct buf *b;

			if ((b = buf_new()) == NULL ||
			    proto_put_empty_identities(b) != 0)
				fatal("out of memory");
			conn_reply(c, b);
			buf_free(b);
		} else if (req->kind == PROTO_UNLOCK)
			h_unlock(a, c, req);
		else
			conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	dispatch(a, c, req);
}

static struct conn *
waiting_conn(struct agent *a, uint32_t id)
{
	struct conn *c;

	TAILQ_FOREACH(c, &a->conns, entry)
		if (c->ac_type != 0 && c->ac_id == id && !c->dead)
			return c;
	return NULL;
}

/* The reply to c's request: answer the client, let it go on. */
static void
answer(struct agent *a, struct conn *c, uint8_t type, struct buf *payload)
{
	struct buf *b;
	uint8_t req = c->ac_type;

	c->busy = 0;
	c->ac_type = 0;
	c->ac_id = 0;
	if (type == AC_KEYS)
		reply_keys(c, payload);
	else if (type == AC_SIGNATURE) {
		if ((b = buf_new()) == NULL)
			fatal("out of memory");
		if (proto_put_signature(b, payload, c->alg) != 0) {
			error("cardd sent a malformed or mismatched signature");
			conn_reply_status(c, SSH_AGENT_FAILURE);
		} else
			conn_reply(c, b);
		buf_free(b);
	} else if (type == AC_OK)
		conn_reply_status(c, SSH_AGENT_SUCCESS);
	else {
		uint32_t reason = 0;

		(void)buf_get_u32(payload, &reason);
		debug("cardd refused request type %u: reason %u", req, reason);
		conn_reply_status(c, SSH_AGENT_FAILURE);
	}
	conn_process(a, c);
}

static int
check_payload(uint8_t type, struct buf *payload)
{
	struct buf *scratch;
	int r;

	if (type == AC_OK)
		return buf_len(payload) == 0 ? 0 : ERR_FORMAT;
	if (type == AC_FAIL)
		return buf_len(payload) == 4 ? 0 : ERR_FORMAT;
	if (type != AC_KEYS)
		return 0;	/* SIGNATURE: checked when answering */
	if ((scratch = buf_new()) == NULL)
		return ERR_ALLOC;
	r = proto_put_identities(scratch, payload);
	buf_free(scratch);
	return r;
}

/* A frame from cardd.  Negative: a protocol violation, drop cardd. */
int
handle_cardd(struct agent *a, uint8_t type, uint32_t id, struct buf *payload)
{
	struct conn *c;
	int r;

	if ((r = check_payload(type, payload)) != 0) {
		error("cardd sent a malformed message type %u", type);
		return r;
	}
	if (type == AC_KEYS) {
		buf_free(a->keys);
		if ((a->keys = buf_dup(buf_ptr(payload),
		    buf_len(payload))) == NULL)
			fatal("out of memory");
	}
	if (id != 0 && id == a->reset_id) {
		a->reset_id = 0;
		return type == AC_OK ? 0 : ERR_FORMAT;
	}
	if ((c = waiting_conn(a, id)) == NULL) {
		debug("cardd reply %u for request %u nobody waits for",
		    type, id);
		return 0;
	}
	if (!reply_allowed(c->ac_type, type)) {
		error("cardd answered request type %u with type %u",
		    c->ac_type, type);
		return ERR_FORMAT;
	}
	answer(a, c, type, payload);
	return 0;
}

void
handle_cardd_lost(struct agent *a)
{
	struct conn *c;

	buf_free(a->keys);
	a->keys = NULL;
	a->reset_id = 0;
	TAILQ_FOREACH(c, &a->conns, entry) {
		if (c->ac_type == 0)
			continue;
		c->busy = 0;
		c->ac_type = 0;
		c->ac_id = 0;
		conn_reply_status(c, SSH_AGENT_FAILURE);
		conn_process(a, c);
	}
}

void
handle_timers(struct agent *a, uint64_t now)
{
	struct conn *c;

	TAILQ_FOREACH(c, &a->conns, entry) {
		if (c->reply_at == 0 || c->reply_at > now)
			continue;
		c->reply_at = 0;
		c->busy = 0;
		conn_reply_status(c, SSH_AGENT_FAILURE);
		conn_process(a, c);
	}
}

/* The cardd channel broke or lies: close it, fail what waits on it. */
void
cardd_drop(struct agent *a)
{
	if (a->cardd == NULL)
		return;
	privsep_chan_close(&a->cardd);
	info("cardd channel closed; requests fail until a new one arrives");
	handle_cardd_lost(a);
}

/* What cardd sent: every frame to handle_cardd(). */
void
cardd_input(struct agent *a)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	if ((r = privsep_read(a->cardd)) != 0) {
		if (r != ERR_EOF)
			error_r(r, "cardd channel");
		cardd_drop(a);
		return;
	}
	for (;;) {
		if ((r = privsep_get(a->cardd, &type, &id, &payload)) != 0) {
			cardd_drop(a);
			return;
		}
		if (payload == NULL)
			return;
		r = handle_cardd(a, type, id, payload);
		buf_free(payload);
		if (r != 0) {
			cardd_drop(a);
			return;
		}
	}
}
