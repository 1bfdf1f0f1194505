#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "buf.h"
#include "caller.h"
#include "certs.h"
#include "channels.h"
#include "constraint.h"
#include "dest.h"
#include "err.h"
#include "lock.h"
#include "log.h"
#include "privsep.h"
#include "proto.h"
#include "sessbind.h"
#include "status.h"

/* What cardd may send (main.c opens the channel with this). */
/* The supervisor channel (PROTOCOL.privsep section 8). */
static const struct privsep_permit sv_permit[] = {
	{ SV_PEER, "PEER", 1 },
	{ SV_DEAUTH, "DEAUTH", 0 },
	{ SV_CERTS, "CERTS", SV_CERTS_MAX },
	{ SV_RELOCK, "RELOCK", SV_LOCK_VERIFIER_LEN },
};

const struct privsep_chan_conf supervisor_conf = {
	.name = "agent<-supervisor",
	.self = PRIVSEP_ROLE_AGENT,
	.peer = PRIVSEP_ROLE_SUPERVISOR,
	.max_frame = SV_AGENT_FRAME_MAX,
	.max_queued = SV_AGENT_FRAME_MAX,
	.permit = sv_permit,
	.npermit = sizeof(sv_permit) / sizeof(sv_permit[0]),
	.pass_fds = 1,
};

static const struct privsep_permit cardd_permit[] = {
	{ AC_OK, "OK", 0 },
	{ AC_FAIL, "FAIL", 4 },
	{ AC_KEYS, "KEYS", AC_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ AC_SIGNATURE, "SIGNATURE", 16 * 1024 },
	{ AC_STATUS_REPLY, "STATUS_REPLY", STATUS_MSG_MAX },
};

const struct privsep_chan_conf cardd_conf = {
	.name = "agent->cardd",
	.self = PRIVSEP_ROLE_AGENT,
	.peer = PRIVSEP_ROLE_CARDD,
	.max_frame = AC_FRAME_MAX,
	.max_queued = 4 * AC_FRAME_MAX,
	.permit = cardd_permit,
	.npermit = sizeof(cardd_permit) / sizeof(cardd_permit[0]),
	.secret = 1,	/* ENROL carries a PIN; no reply does */
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
	case AC_STATUS:	return rep == AC_STATUS_REPLY || rep == AC_FAIL;
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

/* The certificates valid now, from files and from clients. */
static size_t
offered(const struct agent *a, struct proto_cert *out)
{
	uint64_t now = (uint64_t)time(NULL);
	size_t n;

	n = certset_offered(&a->file_certs, now, out, 0, 2 * CERTSET_MAX);
	return certset_offered(&a->assoc_certs, now, out, n,
	    2 * CERTSET_MAX);
}

/*
 * The answer built by put from cardd's payload and the certificates
 * offered now (the identities answer, the status report), or FAILURE.
 */
static void
reply_with_certs(struct agent *a, struct conn *c,
    int (*put)(struct buf *, const struct buf *, const struct proto_cert *,
    size_t), const struct buf *payload)
{
	struct proto_cert certs[2 * CERTSET_MAX];
	struct buf *b;
	size_t n = offered(a, certs);

	if ((b = buf_new()) == NULL)
		fatal("out of memory");
	if (put(b, payload, certs, n) != 0)
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
		reply_with_certs(a, c, proto_put_identities_certs, a->keys);
		return;
	}
	to_cardd(a, c, AC_LIST, NULL);
}

/*
 * What cardd passes on for the touch notice and the audit line: the
 * client, whether any bind came through forwarding, and the host the
 * last bind names (the destination, at the end of a forwarding path).
 */
static int
put_caller(struct buf *b, const struct conn *c)
{
	struct caller who;
	size_t i;

	memset(&who, 0, sizeof(who));
	who.uid = (uint32_t)c->peer_uid;
	who.pid = c->peer_pid > 0 ? (uint32_t)c->peer_pid : 0;
	for (i = 0; i < c->sb.n; i++)
		who.forwarded |= c->sb.entry[i].forwarding;
	if (c->sb.n > 0 && buf_len(c->sb.entry[c->sb.n - 1].hostkey) <=
	    CALLER_HOSTKEY_MAX)
		who.hostkey = c->sb.entry[c->sb.n - 1].hostkey;
	return caller_put(b, &who);
}

/*
 * What cardd needs to ask the user (ssh-add -c) and to see that we
 * checked the card's own constraints: the constraints, what is signed,
 * and the host keys of the forwarding path before the destination (all
 * of them, or none if they do not fit).
 */
static int
put_context(struct buf *b, const struct conn *c, const struct buf *cons,
    const struct proto_req *req)
{
	struct caller_context x;
	size_t i, total = 0, n = c->sb.n > 0 ? c->sb.n - 1 : 0;
	int r;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < n; i++)
		total += 4 + buf_len(c->sb.entry[i].hostkey);
	if (total <= CALLER_PATH_MAX && n <= CALLER_PATH_KEYS) {
		for (i = 0; i < n; i++)
			x.path[i] = c->sb.entry[i].hostkey;	/* borrowed */
		x.npath = n;
	}
	if ((r = dest_classify(req->data, req->key, &x)) == 0 &&
	    (r = buf_put_stringb(b, cons)) == 0)
		r = caller_context_put(b, &x);
	free(x.detail);
	return r;
}

/*
 * The card's constraints as cardd last listed them (none if the key
 * was not listed: cardd refuses then if the card has some), and the
 * destination check where there are any.
 */
static int
sign_allowed(struct agent *a, struct conn *c, const struct buf *key,
    const struct proto_req *req, struct buf **consp)
{
	struct cons cons;
	const char *why = NULL;
	int r;

	if ((r = proto_keys_cons(a->keys, key, consp)) == ERR_NOT_FOUND &&
	    (*consp = buf_new()) != NULL)
		r = 0;
	if (r != 0 || (r = cons_decode(buf_ptr(*consp), buf_len(*consp),
	    &cons)) != 0)
		return r;
	if (cons.ndest > 0 &&
	    (r = dest_check(&cons, &c->sb, req->key, req->data, &why)) != 0)
		info("connection %d: destination-constrained key refused: %s",
		    c->fd, why);
	cons_clear(&cons);
	return r;
}

static void
h_sign(struct agent *a, struct conn *c, const struct proto_req *req)
{
	const struct agent_cert *cert;
	const struct buf *key = req->key;
	uint64_t now = (uint64_t)time(NULL);
	struct buf *b, *cons = NULL;

	if (c->sb.failed) {
		info("connection %d: sign refused after a failed "
		    "session-bind", c->fd);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	/* a certificate signs with the card key it certifies */
	if ((cert = certset_find(&a->file_certs, req->key, now)) == NULL)
		cert = certset_find(&a->assoc_certs, req->key, now);
	if (cert != NULL)
		key = cert->key;
	else if (proto_is_cert(req->key)) {
		info("connection %d: sign with a certificate not offered",
		    c->fd);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	if (sign_allowed(a, c, key, req, &cons) != 0) {
		buf_free(cons);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	if ((b = buf_new()) == NULL ||
	    buf_put_stringb(b, key) != 0 ||
	    buf_put_stringb(b, req->data) != 0 ||
	    buf_put_u8(b, (uint8_t)req->alg) != 0 ||
	    buf_put_u32(b, AC_SIGN_CALLER | AC_SIGN_CONTEXT) != 0 ||
	    put_caller(b, c) != 0 || put_context(b, c, cons, req) != 0)
		fatal("out of memory");
	buf_free(cons);
	c->alg = req->alg;
	to_cardd(a, c, AC_SIGN, b);
	buf_free(b);
}

void
handle_conn_clear(struct conn *c)
{
	size_t i;

	free(c->ac_ident);
	c->ac_ident = NULL;
	for (i = 0; i < c->nadd_certs; i++)
		buf_free(c->add_certs[i]);
	c->nadd_certs = 0;
}

/* What the answer to ENROL or FORGET needs: the card, its certificates. */
static void
keep_for_reply(struct conn *c, const struct proto_req *req)
{
	size_t i;

	if ((c->ac_ident = strdup(req->ident)) == NULL)
		fatal("out of memory");
	for (i = 0; i < req->ncerts; i++)
		if ((c->add_certs[i] = buf_dup(buf_ptr(req->certs[i]),
		    buf_len(req->certs[i]))) == NULL)
			fatal("out of memory");
	c->nadd_certs = req->ncerts;
}

/* cardd accepted c's ENROL, FORGET or RESET (ssh-add -s, -e, -D). */
static void
update_assoc(struct agent *a, struct conn *c, uint8_t req)
{
	size_t i;
	int r;

	if (req == AC_RESET)
		certset_drop(&a->assoc_certs, NULL);
	else if (req == AC_FORGET)
		certset_drop(&a->assoc_certs, c->ac_ident);
	for (i = 0; req == AC_ENROL && i < c->nadd_certs; i++)
		if ((r = certset_add(&a->assoc_certs, c->add_certs[i],
		    c->ac_ident)) != 0)
			error_r(r, "certificate for %s not kept", c->ac_ident);
	if (req == AC_ENROL && c->nadd_certs > 0)
		info("%zu certificate(s) associated with %s", c->nadd_certs,
		    c->ac_ident);
}

static void
h_add(struct agent *a, struct conn *c, const struct proto_req *req)
{
	struct buf *b, *cons = NULL;

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
	if ((b = buf_new_secret(BUF_MAX_DEFAULT)) == NULL ||
	    buf_put_cstring(b, req->ident) != 0 ||
	    buf_put_stringb(b, req->pin) != 0 ||
	    buf_put_u32(b, req->lifetime != 0 ? req->lifetime :
	    a->default_lifetime) != 0 || (cons = buf_new()) == NULL)
		fatal("out of memory");
	if (cons_encode(cons, req->cons_flags, req->dest) != 0) {
		info("constraints for %s too large", req->ident);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		goto out;
	}
	if (buf_put_stringb(b, cons) != 0)
		fatal("out of memory");
	to_cardd(a, c, AC_ENROL, b);
 out:
	buf_free(cons);
	buf_free(b);	/* wipes the PIN */
	if (c->busy)
		keep_for_reply(c, req);
}

/*
 * What a forwarded host may not do to the user's own machine: forget a
 * persisted PIN, drop every PIN and verified state, lock the agent with
 * a passphrase of its own or guess the user's (doc/SECURITY.md, "A
 * forwarded agent").  Non-zero: refused and answered.
 */
static int
refuse_forwarded(struct conn *c, const char *what)
{
	if (!sessbind_forwarded(&c->sb))
		return 0;
	info("connection %d: refusing %s from a forwarded connection",
	    c->fd, what);
	conn_reply_status(c, SSH_AGENT_FAILURE);
	return 1;
}

static void
h_remove(struct agent *a, struct conn *c, const struct proto_req *req)
{
	struct buf *b;

	if (refuse_forwarded(c, "to forget a PIN"))
		return;
	if ((b = buf_new()) == NULL || buf_put_cstring(b, req->ident) != 0)
		fatal("out of memory");
	to_cardd(a, c, AC_FORGET, b);
	buf_free(b);
	if (c->busy)
		keep_for_reply(c, req);
}

/*
 * Lock, idle timeout, SIGUSR1 to the supervisor: every card's verified
 * state and every memory-only PIN go; the answer is not awaited.
 */
void
handle_deauth(struct agent *a, const char *why)
{
	info("%s: resetting the cards and dropping memory-only PINs", why);
	a->idle_at = 0;
	if (a->cardd == NULL) {
		error("no cardd channel: cannot reset the cards");
		return;
	}
	a->reset_id = privsep_next_id(a->cardd);
	if (privsep_queue(a->cardd, AC_RESET, a->reset_id, NULL) != 0)
		error("cannot queue RESET to cardd");
}

/* Tell the supervisor the lock state, which it keeps for a restart. */
int
agent_tell_lock(struct agent *a)
{
	struct buf *b;
	int r;

	if (!a->lock.locked)
		return privsep_queue(a->sv, SV_UNLOCKED, 0, NULL);
	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = lock_put_verifier(&a->lock, b)) == 0)
		r = privsep_queue(a->sv, SV_LOCKED, 0, b);
	buf_free(b);
	return r;
}

static void
h_lock(struct agent *a, struct conn *c, const struct proto_req *req)
{
	if (refuse_forwarded(c, "a lock"))
		return;
	if (lock_lock(&a->lock, buf_ptr(req->pin), buf_len(req->pin)) != 0) {
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	/* a lock the supervisor does not keep would not survive a crash */
	if (agent_tell_lock(a) != 0) {
		error("cannot tell the supervisor about the lock: not locked");
		explicit_bzero(&a->lock, sizeof(a->lock));
		conn_reply_status(c, SSH_AGENT_FAILURE);
		return;
	}
	info("agent locked");
	handle_deauth(a, "locked");
	conn_reply_status(c, SSH_AGENT_SUCCESS);
}

static void
h_unlock(struct agent *a, struct conn *c, const struct proto_req *req)
{
	unsigned int delay;
	int r;

	if (refuse_forwarded(c, "an unlock"))
		return;
	r = lock_unlock(&a->lock, buf_ptr(req->pin), buf_len(req->pin),
	    &delay);
	if (r == 0) {
		info("agent unlocked");
		if (agent_tell_lock(a) != 0)
			error("cannot tell the supervisor about the unlock: "
			    "a restarted agent would start locked");
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
	case PROTO_REMOVE_ALL:
		if (!refuse_forwarded(c, "to remove all PINs"))
			to_cardd(a, c, AC_RESET, NULL);
		break;
	case PROTO_LOCK:	h_lock(a, c, req); break;
	case PROTO_UNLOCK:	h_unlock(a, c, req); break;
	case PROTO_EXT_QUERY:	h_query(c); break;
	case PROTO_EXT_BIND:	h_bind(c, req); break;
	case PROTO_EXT_STATUS:	to_cardd(a, c, AC_STATUS, NULL); break;
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
	/* a card may now be verified: the idle clock starts again */
	if (a->idle_ms != 0 && (req == AC_SIGN || req == AC_ENROL))
		a->idle_at = monotime_ms() + a->idle_ms;
	if (type == AC_OK)
		update_assoc(a, c, req);
	handle_conn_clear(c);
	if (type == AC_KEYS)
		reply_with_certs(a, c, proto_put_identities_certs, payload);
	else if (type == AC_SIGNATURE) {
		if ((b = buf_new()) == NULL)
			fatal("out of memory");
		if (proto_put_signature(b, payload, c->alg) != 0) {
			error("cardd sent a malformed or mismatched signature");
			conn_reply_status(c, SSH_AGENT_FAILURE);
		} else
			conn_reply(c, b);
		buf_free(b);
	} else if (type == AC_STATUS_REPLY)
		reply_with_certs(a, c, proto_put_status_report, payload);
	else if (type == AC_OK)
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
	if (type != AC_KEYS && type != AC_STATUS_REPLY)
		return 0;	/* SIGNATURE: checked when answering */
	if ((scratch = buf_new()) == NULL)
		return ERR_ALLOC;
	if (type == AC_KEYS)
		r = proto_put_identities(scratch, payload);
	else
		r = proto_put_status_report(scratch, payload, NULL, 0);
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
		handle_conn_clear(c);
		conn_reply_status(c, SSH_AGENT_FAILURE);
		conn_process(a, c);
	}
}

void
handle_timers(struct agent *a, uint64_t now)
{
	struct conn *c;

	if (a->idle_at != 0 && a->idle_at <= now) {
		if (sign_in_flight(a))
			a->idle_at = 0;	/* not idle: its answer re-arms */
		else
			handle_deauth(a, "idle timeout");
	}

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
