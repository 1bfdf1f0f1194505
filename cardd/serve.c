/*
 * The agent channel (doc/PROTOCOL.privsep section 6): LIST, SIGN, ENROL,
 * FORGET, RESET and STATUS (status.c), each answered with exactly one
 * reply.  Payloads are parsed exactly; anything else is a protocol
 * violation and the caller closes the channel.  No reply ever carries a
 * PIN.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caller.h"
#include "cardd.h"
#include "cards.h"
#include "channels.h"
#include "constraint.h"
#include "err.h"
#include "log.h"

#define IDENT_CAP	256	/* ident field of ENROL and FORGET */
#define PIN_CAP		256	/* PIN field of ENROL (valid: 6..127) */

static const struct privsep_permit agent_permit[] = {
	{ AC_LIST,	"LIST",		0 },
	{ AC_SIGN,	"SIGN",		AC_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ AC_ENROL,	"ENROL",	4 + IDENT_CAP + 4 + PIN_CAP + 4 + 4 +
					CONS_MAX },
	{ AC_FORGET,	"FORGET",	4 + IDENT_CAP },
	{ AC_RESET,	"RESET",	0 },
	{ AC_STATUS,	"STATUS",	0 },
};

const struct privsep_chan_conf serve_agent_conf = {
	.name = "agent",
	.self = PRIVSEP_ROLE_CARDD,
	.peer = PRIVSEP_ROLE_AGENT,
	.max_frame = AC_FRAME_MAX,
	.max_queued = 4 * AC_FRAME_MAX,
	.permit = agent_permit,
	.npermit = sizeof(agent_permit) / sizeof(agent_permit[0]),
	.secret = 1,	/* ENROL carries a PIN */
	.secret_type = AC_ENROL,
};

/* SIGN's algorithm byte, by value (1-7), as the card layer names it. */
static const enum pgp_sig sig_algs[] = {
	PGP_SIG_ED25519, PGP_SIG_ECDSA_P256, PGP_SIG_ECDSA_P384,
	PGP_SIG_ECDSA_P521, PGP_SIG_RSA_SHA1, PGP_SIG_RSA_SHA256,
	PGP_SIG_RSA_SHA512,
};

int
serve_fail(struct cardd *d, uint32_t id, uint32_t reason)
{
	struct buf *b;
	int r;

	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u32(b, reason)) == 0)
		r = privsep_queue(d->agent, AC_FAIL, id, b);
	buf_free(b);
	return r;
}

/* The payload is the signature blob as one string. */
static int
reply_signature(struct cardd *d, uint32_t id, const struct buf *sig)
{
	struct buf *b;
	int r;

	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_stringb(b, sig)) == 0)
		r = privsep_queue(d->agent, AC_SIGNATURE, id, b);
	buf_free(b);
	return r;
}

/* A card error as a FAIL reason; a vanished card leaves the table. */
static uint32_t
card_reason(struct cardd *d, struct card *card, int r)
{
	switch (r) {
	case 0:
		return 0;
	case ERR_PIN_WRONG:
		return AC_R_PIN_REFUSED;
	case ERR_PIN_BLOCKED:
		return AC_R_FEW_TRIES;
	case ERR_NO_CARD:
		cards_drop(d->cards, card);
		return AC_R_CARD;
	default:
		return AC_R_CARD;
	}
}

/*
 * The card's enrolment constraints, from pinstore once per card (and
 * after each change): a fresh cardd learns them before it signs.
 */
static int
card_cons(struct cardd *d, struct card *card)
{
	uint8_t where;
	uint32_t expires;
	int r;

	if (card->cons != NULL)
		return 0;
	r = pin_status(d, card->pgp.info.ident, &where, &expires,
	    &card->cons);
	if (r == ERR_NOT_FOUND)		/* pinstore's FAIL, logged */
		error("card %s: constraints unknown: the PIN store refused "
		    "to tell", card->pgp.info.ident);
	else if (r != 0)
		error_r(r, "card %s: constraints unknown: cannot ask the PIN "
		    "store", card->pgp.info.ident);
	return r;
}

/* Every card's constraints are to be asked for again. */
static void
cons_forget_all(struct cardd *d)
{
	struct card *card;
	size_t i;

	for (i = 0; i < cards_count(d->cards); i++) {
		card = cards_get(d->cards, i);
		buf_free(card->cons);
		card->cons = NULL;
	}
}

/* Unknown constraints are listed as none: cardd refuses to sign then. */
static int
put_key(struct cardd *d, struct buf *b, struct card *card)
{
	int r;

	if ((r = buf_put_stringb(b, card->blob)) != 0 ||
	    (r = buf_put_cstring(b, card->pgp.info.ident)) != 0)
		return r;
	if (card_cons(d, card) != 0)
		return buf_put_u32(b, 0);
	return buf_put_stringb(b, card->cons);
}

static int
serve_list(struct cardd *d, uint32_t id)
{
	struct buf *b;
	size_t i, n;
	int r;

	if ((r = cards_refresh(d->cards)) != 0)
		debug_r(r, "no card list");
	n = r == 0 ? cards_count(d->cards) : 0;
	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u32(b, (uint32_t)n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = put_key(d, b, cards_get(d->cards, i))) != 0)
			goto out;
	}
	r = privsep_queue(d->agent, AC_KEYS, id, b);
 out:
	buf_free(b);
	return r;
}

/*
 * The number of PW1 tries left.  C4 from a 6E read in this transaction
 * (a probe or a reselect) is current, and used once: a VERIFY changes
 * it.  Otherwise the empty VERIFY; it says nothing once the PIN is
 * verified, C4 does.
 */
static int
pw1_tries(struct card *card, int *triesp)
{
	int verified, r;

	if (card->tries_fresh && card->pgp.info.pw1_tries >= 0) {
		card->tries_fresh = 0;
		*triesp = card->pgp.info.pw1_tries;
		return 0;
	}
	if ((r = pgp_pw1_status(&card->pgp, &verified, triesp)) != 0)
		return r;
	if (verified)
		r = pgp_read_pw1_tries(&card->pgp, triesp);
	return r;
}

/* Refuses a VERIFY that could lock the card (fewer than 2 tries). */
static int
pw1_check_tries(struct card *card, const char *why)
{
	int tries, r;

	if ((r = pw1_tries(card, &tries)) != 0)
		return r;
	if (tries < 2) {
		error("card %s: %d PIN %s left: no %s; enter the PIN on "
		    "another system or reset the counter with the Admin PIN",
		    card->pgp.info.ident, tries, tries == 1 ? "try" : "tries",
		    why);
		return ERR_PIN_BLOCKED;
	}
	return 0;
}

/* VERIFY with the stored PIN, inside the caller's transaction. */
static int
sign_login(struct card *card, const struct buf *pin)
{
	int r;

	if ((r = pw1_check_tries(card, "automatic VERIFY")) != 0)
		return r;
	if ((r = pgp_verify_pw1(&card->pgp, pin)) == ERR_PIN_WRONG)
		error("card %s refused the stored PIN (%d tries left); it is "
		    "marked invalid until enrolled again (ssh-add -s %s)",
		    card->pgp.info.ident, card->pgp.info.pw1_tries,
		    card->pgp.info.ident);
	else if (r == 0)
		card->verified = 1;
	return r;
}

struct sign_req {
	enum pgp_sig	 alg;
	const uint8_t	*data;
	size_t		 len;
	const struct caller *who;	/* for the touch notice */
};

/* One transaction: VERIFY if needed (pin set), INTERNAL AUTHENTICATE. */
static int
sign_try(struct cardd *d, struct card *card, const struct sign_req *req,
    const struct buf *pin, struct buf *sig)
{
	int r;

	if ((r = card_begin(card)) != 0)
		return r;
	if (!card->verified && pin == NULL)
		r = ERR_AUTH_REQUIRED;	/* reset behind us: fetch a PIN */
	else if (!card->verified)
		r = sign_login(card, pin);
	if (r == 0) {
		if (card->pgp.info.uif[PGP_SLOT_AUT] > 0)
			notice_touch(d, card->pgp.info.ident, req->who);
		r = pgp_sign_auth(&card->pgp, req->alg, req->data, req->len,
		    sig);
	}
	card_end(card);
	return r;
}

/* The stored PIN for card: a FAIL reason, 0 with *pinp set. */
static uint32_t
sign_pin(struct cardd *d, struct card *card, struct buf **pinp)
{
	int r;

	/* The PIN is stored by ident: with two cards of that ident present
	 * it may be the other card's, and trying it could cost a retry. */
	if (cards_ident_count(d->cards, card->pgp.info.ident) > 1) {
		error("card %s: two cards with this ident are present; the "
		    "stored PIN is used on neither: remove one",
		    card->pgp.info.ident);
		return AC_R_NO_PIN;
	}
	if ((r = pin_get(d, card->pgp.info.ident, pinp)) != 0)
		return AC_R_STORE;
	if (*pinp == NULL) {
		info("card %s: no PIN enrolled (or marked invalid): "
		    "ssh-add -s %s", card->pgp.info.ident,
		    card->pgp.info.ident);
		return AC_R_NO_PIN;
	}
	return 0;
}

/*
 * Sign, verifying PW1 first when it is not verified.  If the card says
 * PW1 is not verified although we thought so (reset behind our back),
 * go through the PIN path once more.
 */
static uint32_t
sign_card(struct cardd *d, struct card *card, const struct sign_req *req,
    struct buf *sig)
{
	struct buf *pin = NULL;
	uint32_t reason = 0;
	int attempt, had, r = ERR_INTERNAL;

	for (attempt = 0; attempt < 3; attempt++) {
		if (!card->verified && pin == NULL &&
		    (reason = sign_pin(d, card, &pin)) != 0)
			break;
		had = card->verified;
		r = sign_try(d, card, req, pin, sig);
		if (r == ERR_CARD_RESET && (r = card_recover(card)) == 0)
			continue;
		if (r != ERR_AUTH_REQUIRED || (!had && pin != NULL))
			break;
		verbose("card %s: PW1 no longer verified",
		    card->pgp.info.ident);
		card->verified = 0;
	}
	if (reason == 0 && r == ERR_PIN_WRONG &&
	    pin_invalidate(d, card->pgp.info.ident) != 0)
		error("card %s: could not mark the stored PIN invalid",
		    card->pgp.info.ident);
	buf_free(pin);
	return reason != 0 ? reason : card_reason(d, card, r);
}

/* What the agent says about a SIGN besides the key and the data. */
struct sign_ctx {
	struct caller	 who;
	struct buf	*cons;	/* the constraints the agent enforced */
	struct caller_context x;
};

static void
sign_ctx_clear(struct sign_ctx *ctx)
{
	caller_clear(&ctx->who);
	buf_free(ctx->cons);
	caller_context_clear(&ctx->x);
	memset(ctx, 0, sizeof(*ctx));
}

/* SIGN's fields after the algorithm: flags, the caller, the context. */
static int
get_sign_tail(struct buf *p, struct sign_ctx *ctx, int *validp)
{
	uint32_t flags, known = AC_SIGN_CALLER | AC_SIGN_CONTEXT;

	*validp = 0;
	if (buf_get_u32(p, &flags) != 0 || (ctx->cons = buf_new()) == NULL)
		return ERR_FORMAT;
	if ((flags & AC_SIGN_CALLER) != 0 && caller_get(p, &ctx->who) != 0)
		return ERR_FORMAT;
	if ((flags & AC_SIGN_CONTEXT) != 0 &&
	    (buf_get_stringb(p, ctx->cons) != 0 ||
	    buf_len(ctx->cons) > CONS_MAX ||
	    caller_context_get(p, &ctx->x) != 0))
		return ERR_FORMAT;
	if (buf_len(p) != 0)
		return ERR_FORMAT;
	*validp = (flags & ~known) == 0;
	return 0;
}

static int
same(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) &&
	    memcmp(buf_ptr(a), buf_ptr(b), buf_len(a)) == 0;
}

/*
 * Before any card work: the agent must have enforced the card's own
 * constraints (a stale or lying agent is refused), and a card enrolled
 * with ssh-add -c needs the user's yes.
 */
static uint32_t
sign_policy(struct cardd *d, const struct buf *blob,
    const struct sign_ctx *ctx, char *ident, size_t identlen)
{
	struct card *card;
	struct cons c;
	int confirm;

	if ((card = cards_by_blob(d->cards, buf_ptr(blob),
	    buf_len(blob))) == NULL && (cards_refresh(d->cards) != 0 ||
	    (card = cards_by_blob(d->cards, buf_ptr(blob),
	    buf_len(blob))) == NULL))
		return AC_R_NO_KEY;
	strlcpy(ident, card->pgp.info.ident, identlen);
	if (card_cons(d, card) != 0)
		return AC_R_STORE;
	if (!same(card->cons, ctx->cons)) {
		error("card %s: the agent did not apply the constraints of "
		    "its enrolment: refused", ident);
		return AC_R_DENIED;
	}
	if (cons_decode(buf_ptr(card->cons), buf_len(card->cons), &c) != 0)
		return AC_R_DENIED;
	confirm = (c.flags & CONS_CONFIRM) != 0;
	cons_clear(&c);
	if (confirm && confirm_ask(d, ident, &ctx->who, &ctx->x) != 0)
		return AC_R_DENIED;
	return 0;
}

/*
 * INTERNAL AUTHENTICATE is one command and one answer: no command
 * chaining, no GET RESPONSE (T=1, and extended length or short enough).
 */
static int
sign_one_apdu(const struct card *card, const struct sign_req *req)
{
	const struct pgp_algo *a = &card->pgp.info.algo[PGP_SLOT_AUT];

	if (reader_protocol(card->conn) != READER_PROTO_T1)
		return 0;
	if (card->pgp.iso.extended)
		return 1;
	if (req->alg == PGP_SIG_ED25519 && req->len > ISO_SHORT_MAX)
		return 0;
	return a->type != PGP_ALGO_RSA || a->bits <= 2048;
}

/*
 * The steady state: a known card whose PW1 we believe verified signs
 * with its single INTERNAL AUTHENTICATE and nothing else, no reader
 * status poll and no transaction (one APDU cannot interleave with
 * another program's).  A card that was reset, removed or lost PW1 says
 * so in the answer; the caller then takes the full path once.
 * ERR_NOT_FOUND: not for the fast path.
 */
static int
sign_fast(struct cardd *d, const struct buf *blob, const struct sign_req *req,
    char *ident, size_t identlen, struct buf *sig)
{
	struct card *card;
	int r;

	if ((card = cards_by_blob(d->cards, buf_ptr(blob),
	    buf_len(blob))) == NULL || !card->verified ||
	    card->pgp.info.uif[PGP_SLOT_AUT] > 0 ||
	    !pgp_sig_fits(&card->pgp.info.algo[PGP_SLOT_AUT], req->alg) ||
	    !sign_one_apdu(card, req))
		return ERR_NOT_FOUND;
	strlcpy(ident, card->pgp.info.ident, identlen);
	if ((r = pgp_sign_auth(&card->pgp, req->alg, req->data, req->len,
	    sig)) == 0)
		return 0;
	verbose("card %s: %s; looking again", card->pgp.info.ident,
	    err_str(r));
	if (r == ERR_AUTH_REQUIRED)
		card->verified = 0;
	else if (r == ERR_NO_CARD ||
	    (r == ERR_CARD_RESET && card_recover(card) != 0))
		cards_drop(d->cards, card);
	return r;
}

/* Reader changes first, then the card with this key, PIN if needed. */
static uint32_t
sign_full(struct cardd *d, const struct buf *blob, const struct sign_req *req,
    char *ident, size_t identlen, struct buf *sig)
{
	struct card *card;

	buf_reset(sig);
	if (cards_refresh(d->cards) != 0 || (card = cards_by_blob(d->cards,
	    buf_ptr(blob), buf_len(blob))) == NULL)
		return AC_R_NO_KEY;
	/* the card may leave the table while signing */
	strlcpy(ident, card->pgp.info.ident, identlen);
	if (!pgp_sig_fits(&card->pgp.info.algo[PGP_SLOT_AUT], req->alg)) {
		error("card %s: its key cannot make %s signatures",
		    card->pgp.info.ident, pgp_sig_name(req->alg));
		return AC_R_INVALID;
	}
	return sign_card(d, card, req, sig);
}

static int
serve_sign(struct cardd *d, uint32_t id, struct buf *p)
{
	struct sign_req req;
	struct sign_ctx ctx;
	struct buf *blob = NULL, *sig = NULL;
	char ident[PGP_IDENT_LEN + 1] = "";
	uint32_t reason = 0, caller_id;
	uint8_t alg;
	int valid, r = ERR_ALLOC;

	memset(&req, 0, sizeof(req));
	memset(&ctx, 0, sizeof(ctx));
	if ((blob = buf_new()) == NULL || (sig = buf_new()) == NULL)
		goto out;
	if (buf_get_stringb(p, blob) != 0 ||
	    buf_get_string_direct(p, &req.data, &req.len) != 0 ||
	    buf_get_u8(p, &alg) != 0 ||
	    get_sign_tail(p, &ctx, &valid) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	req.who = &ctx.who;
	caller_id = notice_caller(d, &ctx.who);
	if (!valid || alg < 1 || alg > sizeof(sig_algs) / sizeof(sig_algs[0]))
		reason = AC_R_INVALID;
	else if ((reason = sign_policy(d, blob, &ctx, ident,
	    sizeof(ident))) == 0) {
		req.alg = sig_algs[alg - 1];
		if (sign_fast(d, blob, &req, ident, sizeof(ident), sig) != 0)
			reason = sign_full(d, blob, &req, ident, sizeof(ident),
			    sig);
	}
	notice_audit(d, caller_id, ident, blob, &ctx.who, reason);
	if (d->agent == NULL)	/* lost while the user was asked */
		r = 0;
	else if (reason != 0)
		r = serve_fail(d, id, reason);
	else
		r = reply_signature(d, id, sig);
 out:
	sign_ctx_clear(&ctx);
	buf_free(blob);
	buf_free(sig);
	return r;
}

/* VERIFY an enrolled PIN: *one* try at most, none if fewer than 2. */
static int
enrol_verify(struct card *card, const struct buf *pin)
{
	int r;

	if ((r = card_begin(card)) != 0)
		return r;
	if ((r = pw1_check_tries(card, "VERIFY at enrolment")) == 0) {
		card->verified = 0;
		if ((r = pgp_verify_pw1(&card->pgp, pin)) == 0)
			card->verified = 1;
		else if (r == ERR_PIN_WRONG)
			error("card %s refused the PIN at enrolment "
			    "(%d tries left); nothing stored",
			    card->pgp.info.ident, card->pgp.info.pw1_tries);
	}
	card_end(card);
	return r;
}

/* ident (a C string; NUL inside matches no card) from a string field. */
static int
get_ident(struct buf *p, char **identp)
{
	uint8_t *s;
	size_t len;
	int r;

	*identp = NULL;
	if ((r = buf_get_string(p, &s, &len)) != 0)
		return r;
	if (strlen((char *)s) != len)
		s[0] = '\0';
	*identp = (char *)s;
	return 0;
}

static uint32_t
enrol(struct cardd *d, const char *ident, const struct buf *pin,
    uint32_t lifetime, const struct buf *cons)
{
	struct card *card;
	int r;

	if (cards_refresh(d->cards) != 0 ||
	    (card = cards_by_ident(d->cards, ident)) == NULL)
		return AC_R_NO_KEY;
	if (cards_ident_count(d->cards, ident) > 1) {
		error("card %s: two cards with this ident are present: remove "
		    "the one not meant, then enrol", ident);
		return AC_R_INVALID;
	}
	if (buf_len(pin) < PIN_MIN || buf_len(pin) > PIN_MAX) {
		error("card %s: a PIN of %zu characters is not valid",
		    ident, buf_len(pin));
		return AC_R_INVALID;
	}
	r = enrol_verify(card, pin);
	if (r == ERR_CARD_RESET && (r = card_recover(card)) == 0)
		r = enrol_verify(card, pin);
	/*
	 * The card refused it: mark the stored PIN invalid as well.  Its
	 * next automatic VERIFY would give the try back, and the agent (a
	 * peer we do not trust) could then guess PINs without end.
	 */
	if (r == ERR_PIN_WRONG && pin_invalidate(d, ident) != 0)
		error("card %s: could not mark the stored PIN invalid", ident);
	if (r != 0)
		return card_reason(d, card, r);
	/* the card may have changed hands: learn its constraints anew */
	buf_free(card->cons);
	card->cons = NULL;
	if (pin_put(d, ident, pin, lifetime, cons) != 0)
		return AC_R_STORE;
	info("card %s: PIN enrolled%s%s", ident, lifetime != 0 ?
	    " (memory only)" : "", buf_len(cons) != 0 ? " with constraints" :
	    "");
	return 0;
}

static int
serve_enrol(struct cardd *d, uint32_t id, struct buf *p)
{
	struct buf *pin = NULL, *cons = NULL;
	struct cons c;
	char *ident = NULL;
	uint32_t lifetime, reason;
	int r = ERR_FORMAT;

	memset(&c, 0, sizeof(c));
	if ((pin = buf_new_secret(BUF_MAX_DEFAULT)) == NULL ||
	    (cons = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	/* the constraints are absent in the first form of ENROL */
	if (get_ident(p, &ident) != 0 || buf_get_stringb(p, pin) != 0 ||
	    buf_get_u32(p, &lifetime) != 0 || (buf_len(p) != 0 &&
	    buf_get_stringb(p, cons) != 0) || buf_len(p) != 0)
		goto out;
	if (cons_decode(buf_ptr(cons), buf_len(cons), &c) != 0)
		reason = AC_R_INVALID;
	else
		reason = enrol(d, ident, pin, lifetime, cons);
	r = reason != 0 ? serve_fail(d, id, reason) :
	    privsep_queue(d->agent, AC_OK, id, NULL);
 out:
	cons_clear(&c);
	buf_free(cons);
	buf_free(pin);
	free(ident);
	return r;
}

/* Drop PW1 on the card; a card that vanished leaves the table. */
static void
unverify(struct cardd *d, struct card *card)
{
	int r;

	if ((r = card_unverify(card)) == ERR_CARD_RESET)
		r = card_recover(card);	/* a reset dropped PW1 anyway */
	if (r == ERR_NO_CARD)
		cards_drop(d->cards, card);
	else if (r != 0)
		error_r(r, "card %s: cannot reset PW1", card->pgp.info.ident);
}

static int
serve_forget(struct cardd *d, uint32_t id, struct buf *p)
{
	struct card *card;
	char *ident = NULL;
	uint32_t reason = 0;
	size_t i;
	int r;

	if (get_ident(p, &ident) != 0 || buf_len(p) != 0) {
		free(ident);
		return ERR_FORMAT;
	}
	if (cards_refresh(d->cards) == 0) {
		/* every card of that ident; unverify() may drop one */
		for (i = cards_count(d->cards); i > 0; i--)
			if ((card = cards_get(d->cards, i - 1)) != NULL &&
			    strcmp(card->pgp.info.ident, ident) == 0) {
				buf_free(card->cons);
				card->cons = NULL;
				unverify(d, card);
			}
	}
	if (pin_delete(d, ident) != 0)
		reason = AC_R_STORE;
	r = reason != 0 ? serve_fail(d, id, reason) :
	    privsep_queue(d->agent, AC_OK, id, NULL);
	free(ident);
	return r;
}

static int
serve_reset(struct cardd *d, uint32_t id)
{
	struct card *card;
	size_t i;

	if (cards_refresh(d->cards) == 0) {
		/* unverify() may drop a card: walk from the end. */
		for (i = cards_count(d->cards); i > 0; i--)
			if ((card = cards_get(d->cards, i - 1)) != NULL)
				unverify(d, card);
	}
	if (pin_drop_memory(d) != 0)
		error("memory-only PINs may be left in pinstore");
	cons_forget_all(d);
	return privsep_queue(d->agent, AC_OK, id, NULL);
}

int
serve_agent(struct cardd *d, uint8_t type, uint32_t id, struct buf *payload)
{
	switch (type) {
	case AC_LIST:
		return serve_list(d, id);
	case AC_SIGN:
		return serve_sign(d, id, payload);
	case AC_ENROL:
		return serve_enrol(d, id, payload);
	case AC_FORGET:
		return serve_forget(d, id, payload);
	case AC_RESET:
		return serve_reset(d, id);
	case AC_STATUS:
		return serve_status(d, id);
	default:
		return ERR_FORMAT;	/* the permit table let it through */
	}
}
