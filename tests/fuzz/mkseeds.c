/*
 * Writes the fuzz harnesses' seed corpora (tests/fuzz/README.md):
 * card answers recorded from the virtual card (tests/vcard, run in this
 * process), privsep frames encoded by common/privsep itself, and agent
 * requests laid out as OpenSSH 9.2's clients send them
 * (/work/shared/AGENT-WIRE.md).
 * Usage: mkseeds OUTDIR ED25519_STATE RSA2048_STATE P256_STATE
 * (vcard state files with the key in the aut slot and PW1 123456).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "caller.h"
#include "channels.h"
#include "constraint.h"
#include "iso7816.h"
#include "log.h"
#include "mkseeds.h"
#include "openpgp.h"
#include "privsep.h"
#include "proto.h"
#include "tlv.h"

#define PIN	"123456"

static const char *outdir;

/* One key type's card, and what the seeds need from it. */
struct key {
	const char	*name;		/* for file names */
	struct vc	*vc;
	enum pgp_sig	 sig;
	enum ac_alg	 alg;
	uint32_t	 flags;		/* the agent's sign flags for it */
	struct buf	*atr, *blob, *sigblob, *app, *pub, *script;
	char		 ident[PGP_IDENT_LEN + 1];
};

struct recorder {
	struct vc	*vc;
	struct buf	*script;	/* chunks: every answer, in order */
};

static void
die(const char *what)
{
	fprintf(stderr, "mkseeds: %s\n", what);
	exit(1);
}

static struct buf *
nbuf(void)
{
	struct buf *b;

	if ((b = buf_new()) == NULL)
		die("out of memory");
	return b;
}

static void
put_chunk(struct buf *b, const void *p, size_t len)
{
	if (len > 0xffff || buf_put_u16(b, (uint16_t)len) != 0 ||
	    buf_put(b, p, len) != 0)
		die("chunk");
}

static void
put_chunkb(struct buf *b, const struct buf *c)
{
	put_chunk(b, buf_ptr(c), buf_len(c));
}

static void
save(const char *harness, const char *name, struct buf *b)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, harness);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(buf_ptr(b), 1, buf_len(b), f) != buf_len(b) ||
	    fclose(f) != 0)
		die(path);
	buf_free(b);
}

static int
record_transmit(void *arg, const struct buf *apdu, struct buf *resp)
{
	struct recorder *rec = arg;
	struct buf *ans = nbuf();
	int r;

	if ((r = vc_transmit(rec->vc, apdu, ans)) == 0) {
		put_chunkb(rec->script, ans);
		r = buf_putb(resp, ans);
	}
	buf_free(ans);
	return r;
}

/* A card session on a freshly opened card, answers recorded. */
static void
session_begin(struct key *k, const char *state, struct recorder *rec,
    struct pgp_card *card)
{
	struct buf *hist = nbuf();

	vc_close(k->vc);
	if ((k->vc = vc_open(state)) == NULL)
		die(state);
	rec->vc = k->vc;
	rec->script = nbuf();
	buf_reset(k->atr);
	if (vc_atr(k->vc, k->atr) != 0 ||
	    iso_atr_historical(buf_ptr(k->atr), buf_len(k->atr), hist) != 0)
		die("ATR");
	put_chunkb(rec->script, k->atr);
	pgp_card_init(card, record_transmit, rec);
	/* cardd's probe: select, 6E, the authentication key */
	buf_reset(k->blob);
	if (pgp_select(card) != 0 ||
	    pgp_read_info(card, buf_ptr(hist), buf_len(hist), 0) != 0 ||
	    pgp_read_pubkey(card, PGP_SLOT_AUT, k->blob) != 0)
		die("probe");
	strlcpy(k->ident, card->info.ident, sizeof(k->ident));
	buf_free(hist);
}

/* The verify and sign cardd does for SIGN (and fuzz_card's session). */
static void
session_sign(struct key *k, struct pgp_card *card, int all)
{
	struct buf *pin, *data;
	int verified, tries;

	if ((pin = buf_from(PIN, strlen(PIN))) == NULL ||
	    (data = buf_from(PIN, strlen(PIN))) == NULL)
		die("out of memory");
	if (pgp_pw1_status(card, &verified, &tries) != 0 ||
	    (all && pgp_read_pw1_tries(card, &tries) != 0) ||
	    pgp_verify_pw1(card, pin) != 0)
		die("verify");
	buf_reset(k->sigblob);
	if (pgp_sign_auth(card, k->sig, buf_ptr(data), buf_len(data),
	    k->sigblob) != 0)
		die("sign");
	buf_free(pin);
	buf_free(data);
}

/* fuzz_card: a session seed, and the parsers' seeds from its data. */
static void
seeds_card(struct key *k, const char *state)
{
	struct recorder rec;
	struct pgp_card card;
	struct buf *b;
	struct tlv t;
	char name[64];
	uint8_t sel = (uint8_t)(2 * PGP_SLOT_AUT | k->sig << 3);

	session_begin(k, state, &rec, &card);
	session_sign(k, &card, 1);
	b = nbuf();
	if (buf_put_u8(b, sel) != 0 || buf_putb(b, rec.script) != 0)
		die("card seed");
	snprintf(name, sizeof(name), "session-%s", k->name);
	save("card", name, b);
	buf_free(rec.script);
	/* the raw data objects, read again without recording */
	buf_reset(k->app);
	buf_reset(k->pub);
	pgp_card_init(&card, vc_transmit, k->vc);
	if (iso_get_data(&card.iso, 0x6e, k->app) != 0 ||
	    iso_read_pubkey(&card.iso, 0xa4, k->pub) != 0 ||
	    tlv_find(buf_ptr(k->app), buf_len(k->app), 0xc3, &t) != 0)
		die("data objects");
	b = nbuf();
	(void)buf_put_u8(b, 0x82);
	put_chunk(b, t.val, t.len);
	put_chunkb(b, k->pub);
	snprintf(name, sizeof(name), "pubkey-%s", k->name);
	save("card", name, b);
}

static void
seeds_parsers(struct key *k)
{
	static const uint8_t sw[] = { 0x69, 0x82 };
	uint8_t rs[64], modulus[256];
	struct buf *b;
	struct tlv t;

	if (tlv_find(buf_ptr(k->app), buf_len(k->app), 0x4f, &t) != 0)
		die("no AID");
	memset(rs, 0x5a, sizeof(rs));
	memset(modulus, 0xa5, sizeof(modulus));
	b = nbuf();
	(void)buf_put_u8(b, 0x80);
	put_chunkb(b, k->app);
	save("card", "app-data", b);
	b = nbuf();
	(void)buf_put_u8(b, 0x81);
	put_chunk(b, t.val, t.len);
	save("card", "aid", b);
	b = nbuf();
	(void)buf_put_u8(b, 0x83);
	put_chunkb(b, k->atr);
	save("card", "atr", b);
	b = nbuf();
	(void)buf_put_u8(b, 0x84);
	put_chunkb(b, k->app);
	save("card", "tlv", b);
	b = nbuf();
	(void)buf_put_u8(b, 0x85);
	put_chunk(b, rs, sizeof(rs));
	save("card", "sig-ecdsa", b);
	b = nbuf();
	(void)buf_put_u8(b, 0x86 | (1 << 3));
	put_chunk(b, modulus, sizeof(modulus));
	save("card", "sig-rsa", b);
	b = nbuf();
	(void)buf_put_u8(b, 0x87);
	put_chunk(b, sw, sizeof(sw));
	save("card", "sw", b);
}

/* Frames as common/privsep writes them, HELLO first. */
struct capture {
	int			 sv[2];
	struct privsep_chan	*chan;
	struct privsep_chan_conf conf;
};

static void
cap_begin(struct capture *c, enum privsep_role self, enum privsep_role peer)
{
	memset(c, 0, sizeof(*c));
	c->conf.name = "mkseeds";
	c->conf.self = self;
	c->conf.peer = peer;
	c->conf.max_frame = PRIVSEP_FRAME_MAX;
	c->conf.max_queued = 4 * PRIVSEP_FRAME_MAX;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->sv) == -1 ||
	    privsep_chan_new(c->sv[0], &c->conf, &c->chan) != 0)
		die("capture channel");
}

static void
cap_msg(struct capture *c, uint8_t type, uint32_t id, const struct buf *p)
{
	if (privsep_queue(c->chan, type, id, p) != 0)
		die("capture queue");
}

/* Everything queued, as the bytes on the socket, appended to out. */
static void
cap_end(struct capture *c, struct buf *out)
{
	uint8_t tmp[4096];
	ssize_t n;
	int pending;

	if (privsep_flush(c->chan, &pending) != 0 || pending)
		die("capture flush");
	privsep_chan_close(&c->chan);
	while ((n = read(c->sv[1], tmp, sizeof(tmp))) > 0)
		if (buf_put(out, tmp, (size_t)n) != 0)
			die("capture");
	close(c->sv[1]);
}

/*
 * The supervisor's stream: CALLER_NOTED to id 1 (a SIGN's NOTE_CALLER), then
 * CONFIRM_REPLY "yes" to id 2 (its CONFIRM) if confirm.
 */
static struct buf *
sup_stream(int confirm)
{
	struct capture c;
	struct buf *p = nbuf(), *out = nbuf();

	cap_begin(&c, PRIVSEP_ROLE_SUPERVISOR, PRIVSEP_ROLE_CARDD);
	if (privsep_queue(c.chan, SV_CALLER_NOTED, 1, NULL) != 0)
		die("caller noted");
	if (confirm && (buf_put_u8(p, 1) != 0 ||
	    privsep_queue(c.chan, SV_CONFIRM_REPLY, 2, p) != 0))
		die("confirm reply");
	cap_end(&c, out);
	buf_free(p);
	return out;
}

/* fuzz_cardd: agent, pinstore and supervisor streams, then the card. */
static void
save_cardd(const char *name, struct buf *agent, struct buf *pin,
    struct buf *sup, struct recorder *rec)
{
	struct buf *b = nbuf();

	put_chunkb(b, agent);
	put_chunkb(b, pin);
	put_chunkb(b, sup);
	if (buf_putb(b, rec->script) != 0)
		die("cardd seed");
	save("cardd", name, b);
	buf_free(agent);
	buf_free(pin);
	buf_free(sup);
	buf_free(rec->script);
}

/* A card's constraints blob: confirmation, or none (empty). */
static struct buf *
cons_blob(int confirm)
{
	struct buf *b = nbuf(), *dest = nbuf();

	if (confirm && cons_encode(b, CONS_CONFIRM, dest) != 0)
		die("constraints");
	buf_free(dest);
	return b;
}

/*
 * pinstore's replies: with cons, STATUS_REPLY (in the store file, with
 * those constraints) to LIST's question as id 1 first; then type (PIN:
 * with the PIN); then a late reply.
 */
static struct buf *
pin_stream(uint8_t type, int with_pin, const struct buf *cons)
{
	struct capture c;
	struct buf *p = nbuf(), *st = nbuf(), *out = nbuf();
	uint32_t id = 1;

	if (with_pin && buf_put_cstring(p, PIN) != 0)
		die("pin");
	if (cons != NULL && (buf_put_u8(st, 1) != 0 ||
	    buf_put_u32(st, 0) != 0 || buf_put_stringb(st, cons) != 0))
		die("pinstore status");
	cap_begin(&c, PRIVSEP_ROLE_PINSTORE, PRIVSEP_ROLE_CARDD);
	if (cons != NULL)
		cap_msg(&c, CP_STATUS_REPLY, id++, st);
	cap_msg(&c, type, id, with_pin ? p : NULL);
	cap_msg(&c, CP_NONE, 7, NULL);		/* a late reply */
	cap_end(&c, out);
	buf_free(p);
	buf_free(st);
	return out;
}

/* SIGN's tail as the agent sends it: a login by uid 1000 (pid 4242)
 * to a host, with the card's constraints it applied. */
static void
sign_tail(struct buf *p, const struct buf *cons)
{
	struct caller who;
	struct caller_context x;

	memset(&who, 0, sizeof(who));
	memset(&x, 0, sizeof(x));
	who.uid = 1000;
	who.pid = 4242;
	who.hostkey = nbuf();
	x.what = CALLER_WHAT_LOGIN;
	x.detail = (char *)"user";
	if (buf_put(who.hostkey, "hostkey", 7) != 0 ||
	    buf_put_u32(p, AC_SIGN_CALLER | AC_SIGN_CONTEXT) != 0 ||
	    caller_put(p, &who) != 0 || buf_put_stringb(p, cons) != 0 ||
	    caller_context_put(p, &x) != 0)
		die("sign tail");
	buf_free(who.hostkey);
}

/* LIST, then SIGN with the card's constraints: none, or confirm (the
 * supervisor says yes). */
static void
seeds_cardd_sign(struct key *k, const char *state, int confirm)
{
	struct recorder rec;
	struct pgp_card card;
	struct capture c;
	struct buf *p = nbuf(), *agent = nbuf(), *cons = cons_blob(confirm);
	char name[64];

	session_begin(k, state, &rec, &card);
	session_sign(k, &card, 0);
	if (buf_put_stringb(p, k->blob) != 0 ||
	    buf_put_cstring(p, "data to sign") != 0 ||
	    buf_put_u8(p, (uint8_t)k->alg) != 0)
		die("sign payload");
	sign_tail(p, cons);
	cap_begin(&c, PRIVSEP_ROLE_AGENT, PRIVSEP_ROLE_CARDD);
	cap_msg(&c, AC_LIST, 1, NULL);
	cap_msg(&c, AC_SIGN, 2, p);
	cap_end(&c, agent);
	snprintf(name, sizeof(name), "list-sign-%s%s", k->name,
	    confirm ? "-confirm" : "");
	save_cardd(name, agent, pin_stream(CP_PIN, 1, cons),
	    sup_stream(confirm), &rec);
	buf_free(p);
	buf_free(cons);
}

/* ENROL (VERIFY at enrolment), FORGET and RESET (VERIFY FF). */
static void
seeds_cardd_pins(struct key *k, const char *state)
{
	static const uint8_t types[] = { AC_ENROL, AC_FORGET, AC_RESET };
	static const char *names[] = { "enrol", "forget", "reset" };
	struct recorder rec;
	struct pgp_card card;
	struct capture c;
	struct buf *p, *resp, *pin, *agent;
	uint16_t sw;
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		session_begin(k, state, &rec, &card);
		p = nbuf();
		resp = nbuf();
		if ((pin = buf_from(PIN, strlen(PIN))) == NULL)
			die("out of memory");
		if (types[i] == AC_ENROL) {
			/* cardd knows the tries from its probe's C4 */
			if (pgp_verify_pw1(&card, pin) != 0 ||
			    buf_put_cstring(p, k->ident) != 0 ||
			    buf_put_cstring(p, PIN) != 0 ||
			    buf_put_u32(p, 0) != 0 ||
			    buf_put_u32(p, 0) != 0)	/* no constraints */
				die("enrol");
		} else if (iso_transceive(&card.iso, 0x00, 0x20, 0xff, 0x82,
		    NULL, 0, 0, resp, &sw) != 0 || (types[i] == AC_FORGET &&
		    buf_put_cstring(p, k->ident) != 0))
			die("unverify");
		cap_begin(&c, PRIVSEP_ROLE_AGENT, PRIVSEP_ROLE_CARDD);
		cap_msg(&c, types[i], 1, types[i] == AC_RESET ? NULL : p);
		cap_end(&c, (agent = nbuf()));
		save_cardd(names[i], agent, pin_stream(CP_OK, 0, NULL),
		    sup_stream(0), &rec);
		buf_free(resp);
		buf_free(p);
		buf_free(pin);
	}
}

/* Agent protocol messages (type byte and body). */
static struct buf *
msg(uint8_t type)
{
	struct buf *b = nbuf();

	(void)buf_put_u8(b, type);
	return b;
}

/* A session-bind ssh would send: hostkey, session id, its signature. */
static struct buf *
msg_bind(int forwarding, struct buf *hostkey, struct buf *sid)
{
	static EVP_PKEY *pk;
	EVP_MD_CTX *md;
	struct buf *b = msg(SSH_AGENTC_EXTENSION), *sig = nbuf();
	uint8_t pub[32], s[64];
	size_t publen = sizeof(pub), slen = sizeof(s);

	if (pk == NULL && (pk = EVP_PKEY_Q_keygen(NULL, NULL,
	    "ED25519")) == NULL)
		die("host key");
	memset(s, 0x11, 32);
	buf_reset(sid);
	buf_reset(hostkey);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_PKEY_get_raw_public_key(pk, pub, &publen) != 1 ||
	    buf_put(sid, s, 32) != 0 ||
	    EVP_DigestSignInit(md, NULL, NULL, NULL, pk) != 1 ||
	    EVP_DigestSign(md, s, &slen, buf_ptr(sid), buf_len(sid)) != 1)
		die("session-bind signature");
	EVP_MD_CTX_free(md);
	if (buf_put_cstring(hostkey, "ssh-ed25519") != 0 ||
	    buf_put_string(hostkey, pub, publen) != 0 ||
	    buf_put_cstring(sig, "ssh-ed25519") != 0 ||
	    buf_put_string(sig, s, slen) != 0 ||
	    buf_put_cstring(b, EXT_SESSION_BIND) != 0 ||
	    buf_put_stringb(b, hostkey) != 0 ||
	    buf_put_stringb(b, sid) != 0 || buf_put_stringb(b, sig) != 0 ||
	    buf_put_u8(b, (uint8_t)forwarding) != 0)
		die("session-bind");
	buf_free(sig);
	return b;
}

/* ssh's sign request after a bind: the hostbound userauth request. */
static struct buf *
msg_sign(const struct key *k, const struct buf *hostkey,
    const struct buf *sid)
{
	struct buf *b = msg(SSH_AGENTC_SIGN_REQUEST), *data = nbuf();

	if (buf_put_stringb(data, sid) != 0 || buf_put_u8(data, 50) != 0 ||
	    buf_put_cstring(data, "user") != 0 ||
	    buf_put_cstring(data, "ssh-connection") != 0 ||
	    buf_put_cstring(data, "publickey-hostbound-v00@openssh.com") ||
	    buf_put_u8(data, 1) != 0 ||
	    buf_put_cstring(data, proto_alg_name(k->alg)) != 0 ||
	    buf_put_stringb(data, k->blob) != 0 ||
	    buf_put_stringb(data, hostkey) != 0 ||
	    buf_put_stringb(b, k->blob) != 0 ||
	    buf_put_stringb(b, data) != 0 || buf_put_u32(b, k->flags) != 0)
		die("sign request");
	buf_free(data);
	return b;
}

/* 20, 26 (with a lifetime; all: confirm and an extension too), 21. */
static struct buf *
msg_card(uint8_t type, const char *ident, const char *pin, int all)
{
	struct buf *b = msg(type);

	if (buf_put_cstring(b, ident) != 0 || buf_put_cstring(b, pin) != 0)
		die("card message");
	if (type == SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED &&
	    (buf_put_u8(b, SSH_AGENT_CONSTRAIN_LIFETIME) != 0 ||
	    buf_put_u32(b, 600) != 0))
		die("constraints");
	if (all && (buf_put_u8(b, SSH_AGENT_CONSTRAIN_CONFIRM) != 0 ||
	    buf_put_u8(b, SSH_AGENT_CONSTRAIN_EXTENSION) != 0 ||
	    buf_put_cstring(b, "restrict-destination-v00@openssh.com") ||
	    buf_put_cstring(b, "") != 0))
		die("constraints");
	return b;
}

static struct buf *
msg_str(uint8_t type, const char *s)
{
	struct buf *b = msg(type);

	if (buf_put_cstring(b, s) != 0)
		die("message");
	return b;
}

/* cardd's KEYS and SIGNATURE payloads. */
static struct buf *
keys_payload(const struct key *k, int n)
{
	struct buf *b = nbuf();
	int i;

	if (buf_put_u32(b, (uint32_t)n) != 0)
		die("keys");
	for (i = 0; i < n; i++)
		if (buf_put_stringb(b, k[i].blob) != 0 ||
		    buf_put_cstring(b, k[i].ident) != 0 ||
		    buf_put_u32(b, 0) != 0)	/* no constraints */
			die("keys");
	return b;
}

static struct buf *
sig_payload(const struct key *k)
{
	struct buf *b = nbuf();

	if (buf_put_stringb(b, k->sigblob) != 0)
		die("signature");
	return b;
}

/* fuzz_agent's operations (see fuzz_agent.c); each consumes b. */
static void
op_send(struct buf *seed, int client, struct buf *b)
{
	(void)buf_put_u8(seed, (uint8_t)(client & 1));
	put_chunkb(seed, b);
	buf_free(b);
}

static void
op_answer(struct buf *seed, uint8_t sel, struct buf *b)
{
	(void)buf_put_u8(seed, 4);
	(void)buf_put_u8(seed, sel);
	if (b == NULL)
		put_chunk(seed, "", 0);
	else
		put_chunkb(seed, b);
	buf_free(b);
}

/* ssh logging in: bind, list, sign; then ssh -A's second hop. */
static void
seeds_agent_login(struct key *k, const char *name)
{
	struct buf *seed = nbuf(), *hk = nbuf(), *sid = nbuf();
	struct buf *fail = nbuf();

	(void)buf_put_u8(seed, 0);	/* no default lifetime */
	op_send(seed, 0, msg_bind(0, hk, sid));
	op_send(seed, 0, msg(SSH_AGENTC_REQUEST_IDENTITIES));
	op_answer(seed, 2, keys_payload(k, 1));
	op_send(seed, 0, msg_sign(k, hk, sid));
	op_answer(seed, 3, sig_payload(k));
	(void)buf_put_u8(seed, 8);	/* client 0 leaves */
	op_send(seed, 1, msg_bind(1, hk, sid));
	op_send(seed, 1, msg_sign(k, hk, sid));
	(void)buf_put_u32(fail, AC_R_NO_PIN);
	op_answer(seed, 1, fail);
	save("agent", name, seed);
	buf_free(hk);
	buf_free(sid);
}

/* ssh-add -s/-e/-D/-x/-X, and a list served from the cache. */
static void
seeds_agent_admin(struct key *k)
{
	struct buf *seed = nbuf(), *hk = nbuf(), *sid = nbuf();

	(void)buf_put_u8(seed, 60);	/* cardagent -t 60 */
	op_send(seed, 0, msg_card(SSH_AGENTC_ADD_SMARTCARD_KEY, k->ident,
	    PIN, 0));
	op_answer(seed, 0, NULL);
	op_send(seed, 0, msg_card(SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED,
	    k->ident, PIN, 0));
	op_answer(seed, 0, NULL);
	op_send(seed, 0, msg_card(SSH_AGENTC_REMOVE_SMARTCARD_KEY, k->ident,
	    "", 0));
	op_answer(seed, 0, NULL);
	op_send(seed, 0, msg(SSH_AGENTC_REMOVE_ALL_IDENTITIES));
	op_answer(seed, 0, NULL);
	op_send(seed, 0, msg(SSH_AGENTC_REMOVE_ALL_RSA_IDENTITIES));
	op_send(seed, 0, msg_str(SSH_AGENTC_EXTENSION, EXT_QUERY));
	op_send(seed, 1, msg(SSH_AGENTC_REQUEST_IDENTITIES));
	op_answer(seed, 2, keys_payload(k, 3));
	op_send(seed, 0, msg_sign(k, hk, sid));	/* waits at cardd */
	op_send(seed, 1, msg(SSH_AGENTC_REQUEST_IDENTITIES));	/* cache */
	(void)buf_put_u8(seed, 5);	/* cardd goes away */
	(void)buf_put_u8(seed, 6);	/* a new one comes */
	op_send(seed, 0, msg_str(SSH_AGENTC_LOCK, "secret"));
	op_send(seed, 1, msg(SSH_AGENTC_REQUEST_IDENTITIES));
	op_send(seed, 0, msg_str(SSH_AGENTC_UNLOCK, "wrong"));
	(void)buf_put_u8(seed, 7);	/* the delayed FAILURE */
	op_send(seed, 0, msg_str(SSH_AGENTC_UNLOCK, "secret"));
	op_answer(seed, 0, NULL);	/* RESET's answer */
	save("agent", "admin", seed);
	buf_free(hk);
	buf_free(sid);
}

/* Raw bytes: a frame in two pieces, then a length over the cap. */
static void
seeds_agent_raw(void)
{
	static const uint8_t part1[] = { 0, 0, 0, 1 };
	static const uint8_t part2[] = { SSH_AGENTC_REQUEST_IDENTITIES };
	static const uint8_t huge[] = { 0x00, 0x04, 0x00, 0x01, 0x0b };
	struct buf *seed = nbuf();

	(void)buf_put_u8(seed, 0);
	(void)buf_put_u8(seed, 2);
	put_chunk(seed, part1, sizeof(part1));
	(void)buf_put_u8(seed, 2);
	put_chunk(seed, part2, sizeof(part2));
	op_answer(seed, 2, NULL);
	(void)buf_put_u8(seed, 3);
	put_chunk(seed, huge, sizeof(huge));
	save("agent", "raw", seed);
}

static void
proto_seed(const char *name, uint8_t sel, struct buf *b)
{
	struct buf *seed = nbuf();

	if (buf_put_u8(seed, sel) != 0 || buf_putb(seed, b) != 0)
		die("proto seed");
	save("proto", name, seed);
	buf_free(b);
}

static void
seeds_proto(struct key *keys, size_t nkeys)
{
	struct buf *hk = nbuf(), *sid = nbuf();
	char name[64];
	unsigned sel;
	size_t i;

	proto_seed("list", 0, msg(SSH_AGENTC_REQUEST_IDENTITIES));
	proto_seed("bind", 0, msg_bind(1, hk, sid));
	proto_seed("add", 0, msg_card(SSH_AGENTC_ADD_SMARTCARD_KEY,
	    keys[0].ident, PIN, 0));
	proto_seed("add-constrained", 0,
	    msg_card(SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED, keys[0].ident,
	    PIN, 1));
	proto_seed("remove", 0, msg_card(SSH_AGENTC_REMOVE_SMARTCARD_KEY,
	    keys[0].ident, "", 1));
	proto_seed("remove-all", 0, msg(SSH_AGENTC_REMOVE_ALL_IDENTITIES));
	proto_seed("lock", 0, msg_str(SSH_AGENTC_LOCK, "secret"));
	proto_seed("query", 0, msg_str(SSH_AGENTC_EXTENSION, EXT_QUERY));
	proto_seed("add-identity", 0, msg_str(SSH_AGENTC_ADD_IDENTITY,
	    "ssh-ed25519"));
	proto_seed("keys", 0x81, keys_payload(keys, (int)nkeys));
	for (i = 0; i < nkeys; i++) {
		snprintf(name, sizeof(name), "sign-%s", keys[i].name);
		proto_seed(name, 0, msg_sign(&keys[i], hk, sid));
		/* fuzz_proto: alg = 1 + (sel >> 1) % 7 for an even sel */
		for (sel = 0x80; (sel >> 1) % 7 + 1 != keys[i].alg; sel += 2)
			;
		snprintf(name, sizeof(name), "signature-%s", keys[i].name);
		proto_seed(name, (uint8_t)sel, sig_payload(&keys[i]));
	}
	buf_free(hk);
	buf_free(sid);
}

/* fuzz_privsep: what cardd sends pinstore; what a supervisor sends. */
static void
seeds_privsep(const struct key *k)
{
	static const uint8_t ctypes[] = { CP_PUT, CP_GET, CP_STATUS,
	    CP_INVALIDATE, CP_GET, CP_PUT, CP_GET, CP_STATUS, CP_DELETE,
	    CP_DROP_MEMORY };
	struct buf *cons = cons_blob(1);
	struct capture c;
	struct buf *seed = nbuf(), *p;
	size_t i;

	(void)buf_put_u8(seed, 0);
	cap_begin(&c, PRIVSEP_ROLE_CARDD, PRIVSEP_ROLE_PINSTORE);
	for (i = 0; i < sizeof(ctypes); i++) {
		p = nbuf();
		if (ctypes[i] != CP_DROP_MEMORY &&
		    buf_put_cstring(p, k->ident) != 0)
			die("pinstore request");
		/* persisted with confirmation, then memory only */
		if (ctypes[i] == CP_PUT && (buf_put_cstring(p, PIN) != 0 ||
		    buf_put_u32(p, i == 0 ? 0 : 600) != 0 ||
		    (i == 0 ? buf_put_stringb(p, cons) :
		    buf_put_u32(p, 0)) != 0))
			die("pinstore request");
		cap_msg(&c, ctypes[i], (uint32_t)i + 1, p);
		buf_free(p);
	}
	cap_end(&c, seed);
	save("privsep", "pinstore", seed);

	seed = nbuf();
	p = nbuf();
	/* the descriptor goes with PEER's first byte, after HELLO */
	(void)buf_put_u8(seed,
	    1 | (PRIVSEP_FRAME_MIN + PRIVSEP_HELLO_SIZE) << 1);
	(void)buf_put_u8(p, PRIVSEP_ROLE_CARDD);
	cap_begin(&c, PRIVSEP_ROLE_SUPERVISOR, PRIVSEP_ROLE_AGENT);
	cap_msg(&c, PRIVSEP_MSG_CHANNEL, 0, p);
	cap_msg(&c, PRIVSEP_MSG_CHANNEL + 1, 0, k->blob);
	cap_end(&c, seed);
	save("privsep", "supervisor", seed);
	buf_free(p);
	buf_free(cons);
}

static void
put_text(struct buf *b, const char *text)
{
	if (buf_put(b, text, strlen(text)) != 0)
		die("store");
}

/* Format 2 (constraints: "-" none, else the blob in hex; PINs "123456"
 * and "12345678" in hex), and format 1 as older versions wrote it. */
static void
seeds_store(const struct key *k)
{
	struct buf *b = nbuf();

	put_text(b, "cardagent-pins 2\n");
	save("store", "empty", b);
	b = nbuf();
	put_text(b, "cardagent-pins 2\n");
	put_text(b, k[0].ident);
	put_text(b, "\tvalid\t313233343536\t0000000100000000\n");
	put_text(b, k[1].ident);
	put_text(b, "\tinvalid\t3132333435363738\t-\n");
	save("store", "two", b);
	b = nbuf();
	put_text(b, "cardagent-pins 1\n");
	put_text(b, k[0].ident);
	put_text(b, "\tvalid\t313233343536\n");
	put_text(b, k[1].ident);
	put_text(b, "\tinvalid\t3132333435363738\n");
	save("store", "two-v1", b);
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "ed25519", "rsa2048", "p256" };
	static const enum pgp_sig sigs[] = { PGP_SIG_ED25519,
	    PGP_SIG_RSA_SHA512, PGP_SIG_ECDSA_P256 };
	static const enum ac_alg algs[] = { AC_ALG_ED25519,
	    AC_ALG_RSA_SHA512, AC_ALG_ECDSA_P256 };
	static const uint32_t flags[] = { 0, SSH_AGENT_RSA_SHA2_512, 0 };
	struct key keys[3];
	size_t i;

	if (argc != 5)
		die("usage: mkseeds OUTDIR ED25519_STATE RSA_STATE P256_STATE");
	log_init("mkseeds", LOG_LEVEL_ERROR, 1);
	outdir = argv[1];
	memset(keys, 0, sizeof(keys));
	for (i = 0; i < 3; i++) {
		keys[i].name = names[i];
		keys[i].sig = sigs[i];
		keys[i].alg = algs[i];
		keys[i].flags = flags[i];
		keys[i].atr = nbuf();
		keys[i].blob = nbuf();
		keys[i].sigblob = nbuf();
		keys[i].app = nbuf();
		keys[i].pub = nbuf();
		seeds_card(&keys[i], argv[2 + i]);
		seeds_cardd_sign(&keys[i], argv[2 + i], 0);
	}
	seeds_cardd_sign(&keys[0], argv[2], 1);
	seeds_parsers(&keys[0]);
	seeds_cardd_pins(&keys[0], argv[2]);
	seeds_agent_login(&keys[0], "login-ed25519");
	seeds_agent_login(&keys[1], "login-rsa2048");
	seeds_agent_admin(keys);
	seeds_agent_raw();
	seeds_proto(keys, 3);
	seeds_privsep(&keys[0]);
	seeds_store(keys);
	for (i = 0; i < 3; i++)
		vc_close(keys[i].vc);
	return 0;
}
