/*
 * carddtest: drives cardagent-cardd as its supervisor, agent and
 * pinstore against two vcards on the rig (tests/cardd/cardd.sh sets them
 * up) and prints TAP.  Environment: CARDD, VCARD, PCSCPROBE, RIG_DIR,
 * RIG_SDIR, READER_A, READER_B.  Card "a" (Ed25519, ident 0000:000000A1)
 * sits in READER_A, card "b" (RSA 2048, 0000:000000B2) in READER_B.
 */
#include "config.h"

#include <sys/wait.h>

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "caller.h"
#include "cardtest.h"
#include "cdt.h"
#include "channels.h"
#include "err.h"
#include "hlib.h"
#include "keyblob.h"
#include "log.h"
#include "status.h"

#define ID_A	"0000:000000A1"
#define ID_B	"0000:000000B2"
#define PIN_OK	"123456"
#define PIN_NEW	"654321"
#define MAX_KEYS 4

struct keys {
	struct buf	*blob[MAX_KEYS];
	char		 ident[MAX_KEYS][32];
	size_t		 conslen[MAX_KEYS];	/* constraints listed */
	size_t		 n;
};

/* The first line a shell command prints (without newline), or "". */
static void __attribute__((format(printf, 3, 4)))
sh_line(char *out, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int)len, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(f);
}

static int __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static long
apdus(const char *card)
{
	char line[64];

	sh_line(line, sizeof(line),
	    "\"$VCARD\" ctl \"$RIG_SDIR/%s.ctl\" apdus", card);
	return line[0] == '\0' ? -1 : atol(line);
}

static int
tries(const char *card)
{
	char line[64];

	sh_line(line, sizeof(line), "\"$VCARD\" show \"$RIG_DIR/%s.state\" |"
	    " sed -n 's/^pw1-tries: //p'", card);
	return line[0] == '\0' ? -1 : atoi(line);
}

/* An APDU on the card behind cardd's back (after selecting OpenPGP). */
static int
probe_apdu(const char *reader, const char *hex)
{
	return sh("\"$PCSCPROBE\" apdu \"$%s\" 00A4040006D27600012401 %s "
	    ">/dev/null", reader, hex);
}

static int
replug(const char *card, const char *reader)
{
	return sh("\"$VCARD\" ctl \"$RIG_SDIR/%s.ctl\" remove && "
	    "\"$PCSCPROBE\" wait \"$%s\" empty 5000 >/dev/null && "
	    "\"$VCARD\" ctl \"$RIG_SDIR/%s.ctl\" insert && "
	    "\"$PCSCPROBE\" wait \"$%s\" present 5000 >/dev/null",
	    card, reader, card, reader);
}

static void
keys_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		buf_free(k->blob[i]);
	memset(k, 0, sizeof(*k));
}

static int
parse_keys(struct buf *p, struct keys *k)
{
	uint32_t n;
	char *ident;
	size_t i;

	if (buf_get_u32(p, &n) != 0 || n > MAX_KEYS)
		return ERR_FORMAT;
	for (i = 0; i < n; i++) {
		if ((k->blob[i] = buf_new()) == NULL ||
		    buf_get_stringb(p, k->blob[i]) != 0 ||
		    buf_get_cstring(p, &ident, NULL) != 0 ||
		    buf_get_string_direct(p, NULL, &k->conslen[i]) != 0)
			return ERR_FORMAT;
		snprintf(k->ident[i], sizeof(k->ident[i]), "%s", ident);
		free(ident);
		k->n++;
	}
	return buf_len(p) == 0 ? 0 : ERR_FORMAT;
}

static int
list(struct cdt *t, struct keys *k)
{
	struct buf *reply = NULL;
	uint8_t type;
	int r;

	keys_free(k);
	if ((r = cdt_call(t, AC_LIST, NULL, &type, &reply)) == 0)
		r = type == AC_KEYS ? parse_keys(reply, k) : ERR_FORMAT;
	buf_free(reply);
	return r;
}

static const struct buf *
key_of(const struct keys *k, const char *ident)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->ident[i], ident) == 0)
			return k->blob[i];
	return NULL;
}

/* OK (0), FAIL (its reason), or -1 for anything else. */
static int
result(struct cdt *t, uint8_t type, const struct buf *req)
{
	struct buf *reply = NULL;
	uint32_t reason = 0;
	uint8_t rtype;
	int r = -1;

	if (cdt_call(t, type, req, &rtype, &reply) == 0) {
		if (rtype == AC_OK && buf_len(reply) == 0)
			r = 0;
		else if (rtype == AC_FAIL && buf_get_u32(reply, &reason) == 0)
			r = (int)reason;
	}
	buf_free(reply);
	return r;
}

static int
enrol(struct cdt *t, const char *ident, const char *pin, uint32_t life)
{
	struct buf *b = buf_new();
	int r = -1;

	if (b != NULL && buf_put_cstring(b, ident) == 0 &&
	    buf_put_cstring(b, pin) == 0 && buf_put_u32(b, life) == 0)
		r = result(t, AC_ENROL, b);
	buf_free(b);
	return r;
}

static int
forget(struct cdt *t, const char *ident)
{
	struct buf *b = buf_new();
	int r = -1;

	if (b != NULL && buf_put_cstring(b, ident) == 0)
		r = result(t, AC_FORGET, b);
	buf_free(b);
	return r;
}

/*
 * SIGN, with the caller's facts (uid 1000, pid) if pid is not 0.
 * SIGNATURE: 0 and *sigp; FAIL: its reason; -1 otherwise.
 */
static int
sign_as(struct cdt *t, uint32_t pid, const struct buf *blob,
    const char *data, uint8_t alg, struct buf **sigp)
{
	struct caller who = { 1000, pid, 0, NULL };
	struct buf *b = buf_new(), *reply = NULL;
	uint32_t reason;
	uint8_t rtype;
	int r = -1;

	*sigp = NULL;
	if (b == NULL || blob == NULL || buf_put_stringb(b, blob) != 0 ||
	    buf_put_cstring(b, data) != 0 || buf_put_u8(b, alg) != 0 ||
	    buf_put_u32(b, pid != 0 ? AC_SIGN_CALLER : 0) != 0 ||
	    (pid != 0 && caller_put(b, &who) != 0) ||
	    cdt_call(t, AC_SIGN, b, &rtype, &reply) != 0)
		goto out;
	if (rtype == AC_FAIL && buf_get_u32(reply, &reason) == 0)
		r = (int)reason;
	else if (rtype == AC_SIGNATURE && (*sigp = buf_new()) != NULL &&
	    buf_get_stringb(reply, *sigp) == 0 && buf_len(reply) == 0)
		r = 0;
 out:
	buf_free(b);
	buf_free(reply);
	return r;
}

static int
sign(struct cdt *t, const struct buf *blob, const char *data, uint8_t alg,
    struct buf **sigp)
{
	return sign_as(t, 0, blob, data, alg, sigp);
}

/* Signs data and checks the signature with OpenSSL (ct_verify). */
static int
sign_verify(struct cdt *t, const char *card, const struct buf *blob,
    uint8_t alg, const char *algname)
{
	struct buf *sig = NULL;
	char pub[256], msg[256], *b64 = NULL;
	const char *data = "carddtest: data to sign";
	int r;

	snprintf(pub, sizeof(pub), "%s/%s.pub", getenv("RIG_DIR"), card);
	snprintf(msg, sizeof(msg), "%s/%s.msg", getenv("RIG_DIR"), card);
	if (sh("\"$VCARD\" pubkey \"$RIG_DIR/%s.state\" aut >'%s' && "
	    "printf '%%s' '%s' >'%s'", card, pub, data, msg) != 0)
		return -1;
	if ((r = sign(t, blob, data, alg, &sig)) != 0)
		return r;
	r = ct_base64(sig, &b64) == 0 && ct_verify(pub, algname, msg,
	    b64) == 0 ? 0 : -1;
	free(b64);
	buf_free(sig);
	return r;
}

static int
blob_is_pubkey(const struct buf *blob, const char *card, const char *ident)
{
	char want[2048], *got = NULL;
	int r;

	if (blob == NULL || keyblob_to_line(blob, ident, &got) != 0)
		return 0;
	sh_line(want, sizeof(want), "\"$VCARD\" pubkey "
	    "\"$RIG_DIR/%s.state\" aut", card);
	r = strcmp(got, want) == 0;
	free(got);
	return r;
}

/* pcscprobe's answer (SW included) to an empty VERIFY 82 on a card. */
static void
pw1_sw(const char *reader, char *out, size_t len)
{
	sh_line(out, len, "\"$PCSCPROBE\" apdu \"$%s\" 00A4040006D27600012401 "
	    "0020008200 | tail -n 1", reader);
}

static void
t_list(struct cdt *t, struct keys *k)
{
	long a0, b0;

	hl_ok(list(t, k) == 0 && k->n == 2, "LIST: both cards (%zu)", k->n);
	hl_ok(blob_is_pubkey(key_of(k, ID_A), "a", ID_A),
	    "LIST: card a's key and ident are what vcard pubkey says");
	hl_ok(blob_is_pubkey(key_of(k, ID_B), "b", ID_B),
	    "LIST: card b's key and ident are what vcard pubkey says");
	a0 = apdus("a");
	b0 = apdus("b");
	hl_ok(list(t, k) == 0 && k->n == 2 && apdus("a") == a0 &&
	    apdus("b") == b0, "steady-state LIST sends no APDU");
}

static void
t_enrol(struct cdt *t, const struct keys *k)
{
	struct buf *sig = NULL;
	struct cdt_pin *e;
	long n0 = apdus("a");
	unsigned ninval;
	int tr, n;

	hl_ok(sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig) ==
	    AC_R_NO_PIN && apdus("a") == n0,
	    "SIGN with no PIN enrolled: FAIL 2, no APDU");
	hl_ok(enrol(t, "0000:0BADCAFE", PIN_OK, 0) == AC_R_NO_KEY,
	    "ENROL for a card that is not there: FAIL 1");
	n0 = apdus("a");
	hl_ok(enrol(t, ID_A, "", 0) == AC_R_INVALID &&
	    enrol(t, ID_A, "12345", 0) == AC_R_INVALID && apdus("a") == n0,
	    "ENROL with an empty or 5-digit PIN: FAIL 7, no APDU");
	tr = tries("a");
	ninval = t->ninval;
	hl_ok(enrol(t, ID_A, "999999", 0) == AC_R_PIN_REFUSED,
	    "ENROL with a wrong PIN: FAIL 3");
	n = tries("a");
	/* INVALIDATE: no automatic VERIFY may give the try back */
	hl_ok(n == tr - 1 && t->nput == 0 && t->ninval == ninval + 1,
	    "... exactly one try spent (%d -> %d), nothing PUT, "
	    "INVALIDATE sent", tr, n);
	hl_ok(enrol(t, ID_A, PIN_OK, 0) == 0 && t->nput == 1 &&
	    (e = cdt_store_find(t, ID_A)) != NULL &&
	    strcmp(e->pin, PIN_OK) == 0 && t->put_lifetime == 0,
	    "ENROL with the right PIN: PUT (persist) seen, OK");
	hl_ok(tries("a") == 3, "... and the try counter is back at 3");
}

static void
t_sign(struct cdt *t, const struct keys *k)
{
	struct buf *sig = NULL, *bogus = buf_dup("bogus", 5);
	long n0;
	int r;

	hl_ok(sign_verify(t, "a", key_of(k, ID_A), AC_ALG_ED25519,
	    "ssh-ed25519") == 0, "SIGN: the Ed25519 signature verifies");
	n0 = apdus("a");
	r = sign_verify(t, "a", key_of(k, ID_A), AC_ALG_ED25519,
	    "ssh-ed25519");
	n0 = apdus("a") - n0;
	hl_ok(r == 0 && n0 == 1, "steady state: 1 APDU per signature (%ld)",
	    n0);
	hl_ok(sign(t, key_of(k, ID_A), "x", AC_ALG_RSA_SHA256, &sig) ==
	    AC_R_INVALID, "SIGN rsa-sha2-256 with an Ed25519 key: FAIL 7");
	hl_ok(sign(t, bogus, "x", AC_ALG_ED25519, &sig) == AC_R_NO_KEY,
	    "SIGN with a key no card has: FAIL 1");
	hl_ok(enrol(t, ID_B, PIN_OK, 600) == 0 && t->put_lifetime == 600,
	    "ENROL card b with a lifetime: the PUT carries it");
	hl_ok(sign_verify(t, "b", key_of(k, ID_B), AC_ALG_RSA_SHA512,
	    "rsa-sha2-512") == 0, "card b: rsa-sha2-512 verifies");
	n0 = apdus("b");
	r = sign_verify(t, "b", key_of(k, ID_B), AC_ALG_RSA_SHA256,
	    "rsa-sha2-256");
	n0 = apdus("b") - n0;
	hl_ok(r == 0 && n0 == 1, "card b: rsa-sha2-256 verifies, 1 APDU (%ld)",
	    n0);
	buf_free(bogus);
}

/* SIGN with the context: no caller, data "x", what 0, no path. */
static int
sign_ctx(struct cdt *t, const struct buf *blob, const uint8_t *cons,
    size_t conslen)
{
	struct buf *b = buf_new(), *reply = NULL;
	uint32_t reason;
	uint8_t rtype;
	int r = -1;

	if (b == NULL || buf_put_stringb(b, blob) != 0 ||
	    buf_put_cstring(b, "x") != 0 || buf_put_u8(b, AC_ALG_ED25519) ||
	    buf_put_u32(b, AC_SIGN_CONTEXT) != 0 ||
	    buf_put_string(b, cons, conslen) != 0 || buf_put_u8(b, 0) != 0 ||
	    buf_put_cstring(b, "") != 0 || buf_put_u32(b, 0) != 0 ||
	    cdt_call(t, AC_SIGN, b, &rtype, &reply) != 0)
		goto out;
	if (rtype == AC_FAIL && buf_get_u32(reply, &reason) == 0)
		r = (int)reason;
	else if (rtype == AC_SIGNATURE)
		r = 0;
 out:
	buf_free(b);
	buf_free(reply);
	return r;
}

/* A constraint blob: flags 0, one destination, to host "h" (key "k"). */
static struct buf *
dest_blob(void)
{
	struct buf *from = buf_new(), *to = buf_new(), *one = buf_new();
	struct buf *list = buf_new(), *blob = buf_new();

	if (from == NULL || to == NULL || one == NULL || list == NULL ||
	    blob == NULL || buf_put_cstring(from, "") != 0 ||
	    buf_put_cstring(from, "") != 0 || buf_put_u32(from, 0) != 0 ||
	    buf_put_cstring(to, "") != 0 || buf_put_cstring(to, "h") != 0 ||
	    buf_put_u32(to, 0) != 0 || buf_put_cstring(to, "k") != 0 ||
	    buf_put_u8(to, 0) != 0 || buf_put_stringb(one, from) != 0 ||
	    buf_put_stringb(one, to) != 0 || buf_put_u32(one, 0) != 0 ||
	    buf_put_stringb(list, one) != 0 || buf_put_u32(blob, 0) != 0 ||
	    buf_put_stringb(blob, list) != 0) {
		buf_free(blob);
		blob = NULL;
	}
	buf_free(from);
	buf_free(to);
	buf_free(one);
	buf_free(list);
	return blob;
}

static int
enrol_cons(struct cdt *t, const char *ident, const char *pin,
    const struct buf *cons)
{
	struct buf *b = buf_new();
	int r = -1;

	if (b != NULL && cons != NULL && buf_put_cstring(b, ident) == 0 &&
	    buf_put_cstring(b, pin) == 0 && buf_put_u32(b, 0) == 0 &&
	    buf_put_stringb(b, cons) == 0)
		r = result(t, AC_ENROL, b);
	buf_free(b);
	return r;
}

/*
 * Card a enrolled with a destination constraint: cardd hands it to
 * pinstore, lists it, and signs only for an agent that says it applied
 * exactly that; a SIGN of the first form (no context) is refused too.
 */
static void
t_constraints(struct cdt *t, struct keys *k)
{
	struct buf *cons = dest_blob(), *junk = buf_dup("\0\0\0\2", 4);
	struct buf *sig = NULL;
	const struct buf *blob = key_of(k, ID_A);
	struct cdt_pin *e;
	size_t i;

	hl_ok(cons != NULL && enrol_cons(t, ID_A, PIN_OK, cons) == 0 &&
	    (e = cdt_store_find(t, ID_A)) != NULL &&
	    e->conslen == buf_len(cons), "ENROL with constraints: PUT "
	    "carries them, OK");
	hl_ok(enrol_cons(t, ID_A, PIN_OK, junk) == AC_R_INVALID,
	    "ENROL with malformed constraints: FAIL 7");
	hl_ok(list(t, k) == 0 && (blob = key_of(k, ID_A)) != NULL,
	    "LIST after the enrolment");
	for (i = 0; i < k->n && strcmp(k->ident[i], ID_A) != 0; i++)
		;
	hl_ok(i < k->n && k->conslen[i] == buf_len(cons),
	    "... KEYS carries card a's constraints");
	hl_ok(sign(t, blob, "x", AC_ALG_ED25519, &sig) == AC_R_DENIED,
	    "SIGN without context (constraints not applied): FAIL 8");
	hl_ok(sign_ctx(t, blob, NULL, 0) == AC_R_DENIED,
	    "SIGN saying no constraints were applied: FAIL 8");
	hl_ok(sign_ctx(t, blob, buf_ptr(cons), buf_len(cons)) == 0,
	    "SIGN saying the card's constraints were applied: signed");
	hl_ok(enrol(t, ID_A, PIN_OK, 0) == 0 && sign(t, blob, "x",
	    AC_ALG_ED25519, &sig) == 0, "enrolled again without: signs");
	buf_free(sig);
	buf_free(junk);
	buf_free(cons);
}

static void
t_changed_pin(struct cdt *t, const struct keys *k)
{
	struct buf *sig = NULL;
	unsigned ninval = t->ninval;
	long n0;
	int tr, n;

	/* CHANGE REFERENCE DATA 81: 123456 -> 654321, then replug. */
	hl_ok(probe_apdu("READER_A", "002400810C313233343536363534333231") ==
	    0 && replug("a", "READER_A") == 0,
	    "PIN of card a changed behind cardd's back, card replugged");
	tr = tries("a");
	hl_ok(sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig) ==
	    AC_R_PIN_REFUSED, "SIGN: the card refuses the stored PIN: FAIL 3");
	n = tries("a");
	hl_ok(n == tr - 1 && t->ninval == ninval + 1,
	    "... one try spent (%d -> %d), INVALIDATE sent", tr, n);
	n0 = apdus("a");
	hl_ok(sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig) ==
	    AC_R_NO_PIN && apdus("a") == n0 && tries("a") == tr - 1,
	    "next SIGN: FAIL 2 and no VERIFY (no APDU at all)");
	hl_ok(enrol(t, ID_A, PIN_NEW, 0) == 0 && sign_verify(t, "a",
	    key_of(k, ID_A), AC_ALG_ED25519, "ssh-ed25519") == 0,
	    "ENROL the new PIN: signing works again");
}

/* SIGN with card a's key; *np: the APDUs card a saw meanwhile. */
static int
sign_counted(struct cdt *t, const struct keys *k, long *np)
{
	struct buf *sig = NULL;
	long n0 = apdus("a");
	int r;

	r = sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig);
	*np = apdus("a") - n0;
	buf_free(sig);
	return r;
}

static void
t_few_tries(struct cdt *t, const struct keys *k)
{
	long n0;
	int r;

	probe_apdu("READER_A", "0020008206303030303030 "
	    "0020008206303030303030");
	hl_ok(tries("a") == 1, "two wrong VERIFYs by another program: 1 try "
	    "left (%d)", tries("a"));
	hl_ok(result(t, AC_RESET, NULL) == 0 && t->ndrop == 1,
	    "RESET: OK, DROP_MEMORY sent to pinstore");
	r = sign_counted(t, k, &n0);
	hl_ok(r == AC_R_FEW_TRIES && tries("a") == 1 && n0 == 1,
	    "SIGN with 1 try left: FAIL 4, only the status APDU (%ld)", n0);
	hl_ok(enrol(t, ID_A, PIN_NEW, 0) == AC_R_FEW_TRIES && tries("a") == 1,
	    "ENROL with 1 try left: FAIL 4, no VERIFY");
	/* after an insertion the counter comes from the probe's 6E */
	hl_ok(replug("a", "READER_A") == 0, "card a replugged, 1 try left");
	r = sign_counted(t, k, &n0);
	hl_ok(r == AC_R_FEW_TRIES && tries("a") == 1 && n0 == 3,
	    "SIGN: FAIL 4 on 6E's counter: SELECT, 6E, key, no VERIFY (%ld)",
	    n0);
	probe_apdu("READER_A", "0020008206363534333231");
	hl_ok(tries("a") == 3 && sign_verify(t, "a", key_of(k, ID_A),
	    AC_ALG_ED25519, "ssh-ed25519") == 0,
	    "the right PIN entered elsewhere: SIGN works again");
}

static void
t_pinstore(struct cdt *t, const struct keys *k)
{
	struct buf *sig = NULL;
	time_t t0;
	int r;

	hl_ok(result(t, AC_RESET, NULL) == 0, "RESET: OK");
	t->silent = 1;
	t0 = time(NULL);
	r = sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig);
	t->silent = 0;
	hl_ok(r == AC_R_STORE && time(NULL) - t0 >= 2 && time(NULL) - t0 <= 6,
	    "pinstore silent: FAIL 6 after about 3 s (%ld s)",
	    (long)(time(NULL) - t0));
	privsep_chan_close(&t->pin);
	hl_ok(sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig) ==
	    AC_R_STORE, "pinstore gone: FAIL 6");
	hl_ok(cdt_peer(t, PRIVSEP_ROLE_PINSTORE) == 0 && sign_verify(t, "a",
	    key_of(k, ID_A), AC_ALG_ED25519, "ssh-ed25519") == 0,
	    "a new pinstore channel: VERIFY and SIGN work");
}

static void
t_forget(struct cdt *t, const struct keys *k)
{
	struct buf *sig = NULL;
	char sw[64];

	hl_ok(forget(t, ID_A) == 0 && t->ndelete == 1 &&
	    cdt_store_find(t, ID_A) == NULL, "FORGET: DELETE sent, OK");
	pw1_sw("READER_A", sw, sizeof(sw));
	hl_ok(strcmp(sw, "63c3") == 0 || strcmp(sw, "63C3") == 0,
	    "FORGET reset PW1 on the card (empty VERIFY: %s)", sw);
	hl_ok(sign(t, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig) ==
	    AC_R_NO_PIN, "SIGN after FORGET: FAIL 2");
	hl_ok(forget(t, "0000:0BADCAFE") == 0 && t->ndelete == 2,
	    "FORGET for an unknown ident: DELETE anyway, OK");
}

static void
t_hotplug(struct cdt *t, struct keys *k)
{
	sh("\"$VCARD\" ctl \"$RIG_SDIR/b.ctl\" remove && \"$PCSCPROBE\" "
	    "wait \"$READER_B\" empty 5000 >/dev/null");
	hl_ok(list(t, k) == 0 && k->n == 1 && strcmp(k->ident[0], ID_A) == 0,
	    "card b removed: LIST has card a only");
	sh("\"$VCARD\" ctl \"$RIG_SDIR/b.ctl\" insert && \"$PCSCPROBE\" "
	    "wait \"$READER_B\" present 5000 >/dev/null");
	hl_ok(list(t, k) == 0 && k->n == 2 && key_of(k, ID_B) != NULL,
	    "card b inserted: LIST has both again");
}

static void
t_violations(struct cdt *t, struct keys *k)
{
	struct buf *b = buf_new(), *reply = NULL;
	uint32_t reason = 0;
	uint8_t rtype = 0;

	hl_ok(b != NULL && buf_put_u8(b, 0) == 0 &&
	    cdt_expect_close(t, AC_LIST, b) == 0,
	    "LIST with a payload: cardd closes the agent channel");
	hl_ok(cdt_alive(t) && cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0 &&
	    list(t, k) == 0 && k->n == 2,
	    "cardd lives on and serves a new agent channel");
	buf_reset(b);
	hl_ok(key_of(k, ID_A) != NULL &&
	    buf_put_stringb(b, key_of(k, ID_A)) == 0 &&
	    buf_put_cstring(b, "x") == 0 && buf_put_u8(b, 1) == 0 &&
	    buf_put_u32(b, 0) == 0 && buf_put_u8(b, 0) == 0 &&
	    cdt_expect_close(t, AC_SIGN, b) == 0,
	    "SIGN with a trailing byte: channel closed");
	buf_reset(b);
	hl_ok(cdt_alive(t) && cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0 &&
	    buf_put_stringb(b, key_of(k, ID_A)) == 0 &&
	    buf_put_cstring(b, "x") == 0 && buf_put_u8(b, 1) == 0 &&
	    buf_put_u32(b, AC_SIGN_CALLER) == 0 && buf_put_u32(b, 0) == 0 &&
	    buf_put_u32(b, 1) == 0 && buf_put_u8(b, 2) == 0 &&
	    buf_put_string(b, NULL, 0) == 0 &&
	    cdt_expect_close(t, AC_SIGN, b) == 0,
	    "SIGN whose caller is forwarded \"2\": channel closed");
	buf_reset(b);
	hl_ok(cdt_alive(t) && cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0 &&
	    buf_put_stringb(b, key_of(k, ID_A)) == 0 &&
	    buf_put_cstring(b, "x") == 0 && buf_put_u8(b, 1) == 0 &&
	    buf_put_u32(b, 0x4) == 0 && cdt_call(t, AC_SIGN, b, &rtype,
	    &reply) == 0 && rtype == AC_FAIL &&
	    buf_get_u32(reply, &reason) == 0 && reason == AC_R_INVALID,
	    "SIGN with a reserved flag: FAIL, request not valid");
	buf_free(reply);
	hl_ok(cdt_alive(t) && cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0 &&
	    cdt_expect_close(t, 99, NULL) == 0,
	    "an unknown message type: channel closed");
	hl_ok(cdt_alive(t) && cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0 &&
	    list(t, k) == 0 && k->n == 2, "and a new channel works again");
	buf_free(b);
}

/* STATUS: its report, or NULL (a FAIL, a malformed report). */
static struct status *
get_status(struct cdt *t)
{
	struct status *st = NULL;
	struct buf *reply = NULL;
	uint8_t rtype;

	if (cdt_call(t, AC_STATUS, NULL, &rtype, &reply) == 0 &&
	    rtype == AC_STATUS_REPLY &&
	    status_parse(buf_ptr(reply), buf_len(reply), &st) != 0)
		st = NULL;
	buf_free(reply);
	return st;
}

static const struct status_card *
status_card(const struct status *st, const char *ident)
{
	size_t i;

	for (i = 0; st != NULL && i < st->ncards; i++)
		if (strcmp(st->cards[i].ident, ident) == 0)
			return &st->cards[i];
	return NULL;
}

/* The card's entry: its key, the fake pinstore's place, C4 and D8. */
static int
status_ok(struct cdt *t, const struct status *st, const struct keys *k,
    const char *ident, const char *reader)
{
	const struct status_card *c = status_card(st, ident);
	const struct cdt_pin *e = cdt_store_find(t, ident);
	uint8_t pin = e == NULL ? STATUS_PIN_NONE : e->invalid ?
	    STATUS_PIN_INVALID : STATUS_PIN_FILE;

	return c != NULL && strcmp(c->reader, getenv(reader)) == 0 &&
	    buf_len(c->blob) == buf_len(key_of(k, ident)) &&
	    memcmp(buf_ptr(c->blob), buf_ptr(key_of(k, ident)),
	    buf_len(c->blob)) == 0 && c->pin == pin && c->expires_in == 0 &&
	    c->tries == 3 && c->uif == 0 && c->ncerts == 0;
}

static void
t_status(struct cdt *t, const struct keys *k)
{
	struct status *st;
	struct pollfd pfd = { -1, POLLIN, 0 };
	long a0 = apdus("a"), b0 = apdus("b");
	unsigned n0 = t->nstatus;

	st = get_status(t);
	hl_ok(st != NULL && st->nreaders == 2 && st->ncards == 2 &&
	    strcmp(st->readers[0], getenv("READER_A")) == 0,
	    "STATUS: two readers, two cards");
	hl_ok(status_ok(t, st, k, ID_A, "READER_A") &&
	    status_ok(t, st, k, ID_B, "READER_B"),
	    "STATUS: keys, PIN places, 3 tries, UIF off");
	hl_ok(apdus("a") - a0 == 2 && apdus("b") - b0 == 2 &&
	    t->nstatus - n0 == 2,
	    "STATUS: two GET DATA per card, one pinstore STATUS per card "
	    "(%ld, %ld APDUs)", apdus("a") - a0, apdus("b") - b0);
	status_free(st);
	t->bad_status = 1;
	st = get_status(t);
	t->bad_status = 0;
	hl_ok(status_card(st, ID_A) != NULL &&
	    status_card(st, ID_A)->pin == STATUS_PIN_UNKNOWN,
	    "pinstore's STATUS_REPLY malformed: PIN unknown, the rest sent");
	status_free(st);
	/* cardd's HELLO on the new channel: it has taken the PEER */
	pfd.fd = cdt_peer(t, PRIVSEP_ROLE_PINSTORE) == 0 ?
	    privsep_fd(t->pin) : -1;
	hl_ok(pfd.fd != -1 && poll(&pfd, 1, 5000) == 1 &&
	    (st = get_status(t)) != NULL &&
	    status_card(st, ID_A)->pin != STATUS_PIN_UNKNOWN,
	    "a new pinstore channel: the PIN place again");
	status_free(st);
	hl_ok(cdt_expect_close(t, AC_STATUS, k->blob[0]) == 0 && cdt_alive(t) &&
	    cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0,
	    "STATUS with a payload: channel closed, cardd lives on");
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * NOTE_CALLER: a caller is named to the supervisor before its first
 * signature, not again within CALLER_FRESH_MS, and the answer waits for
 * CALLER_NOTED (CALLER_WAIT_MS at most).  The pids need not exist.
 */
static void
t_note_caller(struct cdt *t, const struct keys *k)
{
	struct buf *sig = NULL;
	unsigned n0 = t->nnoted;
	long long t0;
	int r;

	r = sign_as(t, 4194400, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig);
	buf_free(sig);
	hl_ok(r == 0 && t->nnoted == n0 + 1,
	    "SIGN from a new caller: NOTE_CALLER, then the signature");
	r = sign_as(t, 4194400, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig);
	buf_free(sig);
	hl_ok(r == 0 && t->nnoted == n0 + 1,
	    "the same caller again: signed, not named again");
	t->hold_noted = 1;
	t0 = now_ms();
	r = sign_as(t, 4194401, key_of(k, ID_A), "x", AC_ALG_ED25519, &sig);
	t->hold_noted = 0;
	buf_free(sig);
	hl_ok(r == 0 && t->nnoted == n0 + 2 && now_ms() - t0 >= 900,
	    "no CALLER_NOTED: the signature waits about 1 s (%lld ms), then "
	    "goes out", now_ms() - t0);
}

static void
t_sandbox(const char *cardd)
{
	pid_t pid;
	int st = 0;

	if ((pid = fork()) == 0) {
		execl(cardd, cardd, "--sandbox-selftest", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	hl_ok(pid > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "--sandbox-selftest: execve kills cardd with SIGSYS (status "
	    "%#x)", st);
}

int
main(void)
{
	const char *cardd = getenv("CARDD");
	struct cdt t;
	struct keys k;
	char logpath[512];
	int st;

	log_init("carddtest", LOG_LEVEL_ERROR, 1);
	if (cdt_start_env(&t, logpath, sizeof(logpath)) != 0)
		return 1;
	memset(&k, 0, sizeof(k));
	t_list(&t, &k);
	t_enrol(&t, &k);
	t_sign(&t, &k);
	t_constraints(&t, &k);
	t_changed_pin(&t, &k);
	t_few_tries(&t, &k);
	t_pinstore(&t, &k);
	t_note_caller(&t, &k);
	t_forget(&t, &k);
	t_status(&t, &k);
	t_hotplug(&t, &k);
	t_violations(&t, &k);
	t_sandbox(cardd);
	hl_ok(cdt_alive(&t), "cardd is still running");
	st = cdt_stop(&t);
	hl_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "supervisor channel closed: cardd exits 0");
	keys_free(&k);
	return hl_done();
}
