/*
 * hcardd: a compromised agent (and supervisor) against a real
 * cardagent-cardd, through the tests/cardd/cdt.c harness; prints TAP.
 * The policy it proves (doc/PROTOCOL.privsep, "Hostile peers"):
 *  - on the agent channel, a type outside cardd's permit table, a frame
 *    over a cap, a payload that does not parse exactly, a descriptor, a
 *    frame cut short: cardd logs, closes that channel without answering,
 *    and serves the next channel the supervisor hands over;
 *  - a well-framed request with bad contents (algorithm, flags, key,
 *    ident, PIN length) gets FAIL and the channel goes on;
 *  - any violation on the supervisor channel ends cardd with an exit
 *    status (not a signal) after a log line;
 *  - no reply ever carries the PIN.
 * Environment: CARDD, RIG_DIR, VCARD (tests/hostile/hostile-cardd.sh).
 */
#include "config.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cdt.h"
#include "channels.h"
#include "err.h"
#include "hlib.h"
#include "log.h"

#define IDENT	"0000:0000E3E3"
#define PIN	"hostile-PIN-7319"

static unsigned pin_leaks;
static char logpath[512];

/* A request and its reply type (negative: no reply); watches for the PIN. */
static int
call(struct cdt *t, uint8_t type, const struct buf *req, struct buf **replyp)
{
	struct buf *reply = NULL;
	uint8_t rtype;
	int r;

	if ((r = cdt_call(t, type, req, &rtype, &reply)) != 0)
		return r < 0 ? r : ERR_INTERNAL;
	if (memmem(buf_ptr(reply), buf_len(reply), PIN, strlen(PIN)) != NULL)
		pin_leaks++;
	if (replyp != NULL)
		*replyp = reply;
	else
		buf_free(reply);
	return rtype;
}

/* LIST answers KEYS with our one card; its blob in blob if not NULL. */
static int
list_ok(struct cdt *t, struct buf *blob)
{
	struct buf *reply = NULL;
	uint32_t n = 0;
	int good;

	good = call(t, AC_LIST, NULL, &reply) == AC_KEYS &&
	    buf_get_u32(reply, &n) == 0 && n == 1 &&
	    (blob == NULL || (buf_reset(blob), buf_get_stringb(reply, blob)
	    == 0));
	buf_free(reply);
	return good;
}

/* FAIL with reason want (0: any reason). */
static int
fails(struct cdt *t, uint8_t type, const struct buf *req, uint32_t want)
{
	struct buf *reply = NULL;
	uint32_t reason = 0;
	int good;

	good = call(t, type, req, &reply) == AC_FAIL &&
	    buf_get_u32(reply, &reason) == 0 &&
	    (want == 0 || reason == want);
	if (!good)
		printf("# type %u: not FAIL %u (reason %u)\n", type, want,
		    reason);
	buf_free(reply);
	return good;
}

static long
log_lines(void)
{
	FILE *f;
	long n = 0;
	int c;

	if ((f = fopen(logpath, "r")) == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Our HELLO out first, before raw bytes. */
static int
flush_agent(struct cdt *t)
{
	int pending = 1, r = 0;

	while (r == 0 && pending)
		r = privsep_flush(t->agent, &pending);
	return r;
}

/* cardd wrote a log line since before and still runs. */
static int
logged_alive(long before, const char *what)
{
	usleep(2000);
	if (log_lines() <= before) {
		printf("# %s: no log line\n", what);
		return 0;
	}
	return 1;
}

/* A message that must make cardd close the agent channel. */
static int
closes(struct cdt *t, uint8_t type, const struct buf *req)
{
	long before = log_lines();

	if (cdt_peer(t, PRIVSEP_ROLE_AGENT) != 0 ||
	    cdt_expect_close(t, type, req) != 0) {
		printf("# type %u, %zu bytes: channel not closed\n", type,
		    req ? buf_len(req) : 0);
		return 0;
	}
	return logged_alive(before, "message") && cdt_alive(t);
}

static int
raw_closes(struct cdt *t, const void *p, size_t len, int fd)
{
	long before = log_lines();

	if (cdt_peer(t, PRIVSEP_ROLE_AGENT) != 0 || flush_agent(t) != 0 ||
	    hl_send(privsep_fd(t->agent), p, len, fd) != 0 ||
	    cdt_wait_close(t) != 0) {
		printf("# raw frame of %zu bytes: channel not closed\n", len);
		return 0;
	}
	return logged_alive(before, "raw frame") && cdt_alive(t);
}

/* Every prefix of a valid payload (exactly parsed): closes. */
static int
cuts_close(struct cdt *t, uint8_t type, const struct buf *valid)
{
	struct buf *cut;
	size_t k;
	int good = 1;

	for (k = 0; k < buf_len(valid) && good; k++) {
		cut = buf_from(buf_ptr(valid), k);
		good = closes(t, type, cut);
		buf_free(cut);
	}
	return good;
}

/* The valid payload with one byte more: closes. */
static int
trailing_closes(struct cdt *t, uint8_t type, const struct buf *valid)
{
	struct buf *b = buf_dup(buf_ptr(valid), buf_len(valid));
	int good;

	good = b != NULL && buf_put_u8(b, 0) == 0 && closes(t, type, b);
	buf_free(b);
	return good;
}

static struct buf *
sign_req(const struct buf *blob, uint8_t alg, uint32_t flags)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || buf_put_stringb(b, blob) ||
	    buf_put_cstring(b, "data") || buf_put_u8(b, alg) ||
	    buf_put_u32(b, flags))
		exit(2);
	return b;
}

static struct buf *
enrol_req(const void *ident, size_t ilen, const char *pin)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || buf_put_string(b, ident, ilen) ||
	    buf_put_cstring(b, pin) || buf_put_u32(b, 0))
		exit(2);
	return b;
}

static struct buf *
forget_req(const void *ident, size_t ilen)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || buf_put_string(b, ident, ilen))
		exit(2);
	return b;
}

/* A payload whose first string claims 4 GiB. */
static struct buf *
huge_string(void)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || buf_put_u32(b, 0xffffffff) ||
	    buf_put_cstring(b, "x") || buf_put_u32(b, 0))
		exit(2);
	return b;
}

static void
t_types(struct cdt *t)
{
	uint8_t f[] = { 0, 0, 0, 5, 0, 0, 0, 0, 1 };
	unsigned type, bad = 0;

	/* raw: privsep_queue() refuses the common types 0-15 */
	for (type = 0; type < 256; type++) {
		if ((type >= AC_LIST && type <= AC_RESET) || type == AC_STATUS)
			continue;
		f[4] = (uint8_t)type;
		if (!raw_closes(t, f, sizeof(f), -1) && bad++ < 5)
			printf("# type %u not refused\n", type);
	}
	hl_ok(bad == 0, "250 types outside cardd's permit table (0, HELLO "
	    "again, 2-15, pinstore's replies 32-35, 22-255): each closes the "
	    "channel, logged");
}

static void
t_malformed(struct cdt *t, const struct buf *blob)
{
	struct buf *s = sign_req(blob, 1, 0), *e, *f, *h = huge_string(),
	    *one = buf_new(), *big = buf_new();
	uint8_t *p;

	e = enrol_req(IDENT, strlen(IDENT), "123456");
	f = forget_req(IDENT, strlen(IDENT));
	hl_ok(cuts_close(t, AC_SIGN, s), "SIGN cut at every byte: closed");
	hl_ok(cuts_close(t, AC_ENROL, e), "ENROL cut at every byte: closed");
	hl_ok(cuts_close(t, AC_FORGET, f), "FORGET cut at every byte: closed");
	hl_ok(trailing_closes(t, AC_SIGN, s) && trailing_closes(t, AC_ENROL,
	    e) && trailing_closes(t, AC_FORGET, f),
	    "SIGN, ENROL, FORGET with a trailing byte: closed");
	hl_ok(one != NULL && buf_put_u8(one, 0) == 0 &&
	    closes(t, AC_LIST, one) && closes(t, AC_RESET, one),
	    "LIST and RESET with a payload: closed");
	hl_ok(closes(t, AC_SIGN, h) && closes(t, AC_ENROL, h) &&
	    closes(t, AC_FORGET, h), "a string claiming 4 GiB in SIGN, "
	    "ENROL, FORGET: closed");
	hl_ok(big != NULL && buf_reserve(big, 4096, &p) == 0 &&
	    (memset(p, 'A', 4096), closes(t, AC_FORGET, big)) &&
	    closes(t, AC_ENROL, big), "ENROL and FORGET over their payload "
	    "cap: closed");
	buf_free(s);
	buf_free(e);
	buf_free(f);
	buf_free(h);
	buf_free(one);
	buf_free(big);
}

/* Part of a frame, then our end closes. */
static int
cut_frame(struct cdt *t, const void *p, size_t len)
{
	if (cdt_peer(t, PRIVSEP_ROLE_AGENT) != 0 || flush_agent(t) != 0 ||
	    hl_send(privsep_fd(t->agent), p, len, -1) != 0)
		return 0;
	privsep_chan_close(&t->agent);
	usleep(100 * 1000);
	return cdt_alive(t) && cdt_peer(t, PRIVSEP_ROLE_AGENT) == 0 &&
	    list_ok(t, NULL);
}

static void
t_framing(struct cdt *t)
{
	static const uint8_t len0[] = { 0, 0, 0, 0 };
	static const uint8_t len4[] = { 0, 0, 0, 4, AC_LIST, 0, 0, 0 };
	static const uint8_t over[] = { 0, 5, 0, 1, AC_SIGN, 0, 0, 0, 1 };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, AC_SIGN };
	static const uint8_t list[] = { 0, 0, 0, 5, AC_LIST, 0, 0, 0, 1 };
	int fd;

	hl_ok(raw_closes(t, len0, sizeof(len0), -1) &&
	    raw_closes(t, len4, sizeof(len4), -1),
	    "frame lengths 0 and 4 (< type + id): closed");
	hl_ok(raw_closes(t, over, sizeof(over), -1) &&
	    raw_closes(t, huge, sizeof(huge), -1),
	    "frame lengths 320 KiB + 1 and 4 GiB: closed");
	hl_ok(cut_frame(t, list, 6), "a frame cut short, then the channel "
	    "closed: cardd lives on and serves a new one");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	hl_ok(fd >= 0 && raw_closes(t, list, sizeof(list), fd),
	    "a LIST carrying a descriptor: closed");
	if (fd >= 0)
		close(fd);
}

static int
tries(void)
{
	char cmd[1024], line[64] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "\"$VCARD\" show \"$RIG_DIR/h.state\" | "
	    "sed -n 's/^pw1-tries: //p'");
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	pclose(f);
	return line[0] == '\0' ? -1 : atoi(line);
}

/* Well-framed requests with bad contents: FAIL, the channel goes on. */
static void
t_bad_contents(struct cdt *t, const struct buf *blob)
{
	static const uint8_t algs[] = { 0, 8, 255, 6 };	/* 6: RSA */
	static const char *idents[] = { "", "../../pins", IDENT "\n",
	    "0000:0000e3e3", "0000:0000E3E3 #", "FFFF:FFFFFFFF" };
	struct buf *b, *junk = buf_dup("\0\0\0\3abc", 7);
	char longpin[129];
	size_t i;
	int good = 1, before = tries();

	for (i = 0; i < sizeof(algs); i++) {
		b = sign_req(blob, algs[i], 0);
		good &= fails(t, AC_SIGN, b, AC_R_INVALID);
		buf_free(b);
	}
	b = sign_req(blob, 1, 0x80000000);	/* a flag nobody defined */
	hl_ok(good && fails(t, AC_SIGN, b, AC_R_INVALID), "SIGN with algorithm "
	    "0, 8, 255, RSA for an Ed25519 key, an unknown flag: FAIL 7");
	buf_free(b);
	b = sign_req(junk, 1, 0);
	hl_ok(fails(t, AC_SIGN, b, AC_R_NO_KEY), "SIGN with a key no card "
	    "has: FAIL 1");
	buf_free(b);
	for (good = 1, i = 0; i < sizeof(idents) / sizeof(idents[0]); i++) {
		b = enrol_req(idents[i], strlen(idents[i]), "123456");
		good &= fails(t, AC_ENROL, b, AC_R_NO_KEY);
		buf_free(b);
	}
	b = enrol_req(IDENT "\0x", strlen(IDENT) + 2, "123456");
	hl_ok(good && fails(t, AC_ENROL, b, AC_R_NO_KEY), "ENROL for idents "
	    "empty, with '/', newline, lower case, space and '#', NUL, of "
	    "no card: FAIL 1");
	buf_free(b);
	memset(longpin, '7', sizeof(longpin) - 1);
	longpin[sizeof(longpin) - 1] = '\0';
	for (good = 1, i = 0; i < 3; i++) {
		b = enrol_req(IDENT, strlen(IDENT), i == 0 ? "" : i == 1 ?
		    "12345" : longpin);
		good &= fails(t, AC_ENROL, b, AC_R_INVALID);
		buf_free(b);
	}
	hl_ok(good && tries() == before && before > 0, "ENROL with PINs of 0, "
	    "5 and 128 bytes: FAIL 7, no PIN try spent (%d left)", before);
	b = forget_req("../../pins\n#", 12);
	hl_ok(call(t, AC_FORGET, b, NULL) == AC_OK && list_ok(t, NULL),
	    "FORGET for a bad ident: OK (nothing to forget), and the same "
	    "channel serves LIST");
	buf_free(b);
	buf_free(junk);
}

/* cardd's status once it has exited on its own (5 s), or -1. */
static int
wait_exit(struct cdt *t)
{
	int st, i;

	for (i = 0; i < 50; i++) {
		if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
			privsep_chan_close(&t->agent);
			privsep_chan_close(&t->pin);
			privsep_chan_close(&t->sup);
			return st;
		}
		usleep(100 * 1000);
	}
	return -1;
}

/* A supervisor-channel violation: cardd logs it and exits, no signal. */
static void
t_supervisor(const char *cardd, int what)
{
	static const char *names[] = { "an unknown type", "PEER for role 7",
	    "PEER without a descriptor", "a frame over the 4 KiB cap" };
	static const uint8_t over[] = { 0, 0, 0x10, 1, SV_PEER, 0, 0, 0, 0 };
	struct buf *b = buf_new();
	struct cdt t;
	long before;
	int pending = 1, st = -1, fd = open("/dev/null", O_RDONLY), r = -1;

	if (b == NULL || fd < 0 || cdt_start(&t, cardd, logpath) != 0 ||
	    !list_ok(&t, NULL))
		goto out;
	before = log_lines();
	if (what == 0)
		r = privsep_queue(t.sup, 99, 0, NULL);
	else if (what == 1)
		r = buf_put_u8(b, 7) || privsep_queue_fd(t.sup, SV_PEER, 0, b,
		    fd);
	else if (what == 2)
		r = buf_put_u8(b, PRIVSEP_ROLE_AGENT) ||
		    privsep_queue(t.sup, SV_PEER, 0, b);
	while (r == 0 && pending)
		r = privsep_flush(t.sup, &pending);
	if (what == 3)
		r = write(privsep_fd(t.sup), over, sizeof(over)) !=
		    (ssize_t)sizeof(over);
	if (r == 0 && (st = wait_exit(&t)) == -1)
		cdt_stop(&t);
	r = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
	    log_lines() > before;
 out:
	hl_ok(r == 1, "supervisor channel, %s: cardd logs and exits with "
	    "status %d (raw %#x), not a signal", names[what],
	    st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1, st);
	buf_free(b);
	if (fd >= 0)
		close(fd);
}

int
main(void)
{
	const char *cardd = getenv("CARDD");
	struct buf *blob = buf_new(), *b;
	struct cdt t;
	int i, st;

	log_init("hcardd", LOG_LEVEL_ERROR, 1);
	if (blob == NULL) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	if (cdt_start_env(&t, logpath, sizeof(logpath)) != 0)
		return 1;
	hl_ok(list_ok(&t, blob), "LIST: one card");
	b = enrol_req(IDENT, strlen(IDENT), PIN);
	hl_ok(call(&t, AC_ENROL, b, NULL) == AC_OK, "ENROL a distinctive PIN");
	buf_free(b);
	b = sign_req(blob, 1, 0);
	hl_ok(call(&t, AC_SIGN, b, NULL) == AC_SIGNATURE, "SIGN works");
	buf_free(b);
	t_types(&t);
	t_malformed(&t, blob);
	t_framing(&t);
	hl_ok(cdt_peer(&t, PRIVSEP_ROLE_AGENT) == 0 && list_ok(&t, NULL),
	    "after every violation cardd serves a new agent channel");
	t_bad_contents(&t, blob);
	b = sign_req(blob, 1, 0);
	hl_ok(call(&t, AC_SIGN, b, NULL) == AC_SIGNATURE, "SIGN still works");
	buf_free(b);
	hl_ok(pin_leaks == 0, "no reply carried the PIN");
	hl_ok(cdt_alive(&t), "cardd never died");
	st = cdt_stop(&t);
	hl_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "supervisor channel closed: cardd exits 0");
	for (i = 0; i < 4; i++)
		t_supervisor(cardd, i);
	buf_free(blob);
	return hl_done();
}
