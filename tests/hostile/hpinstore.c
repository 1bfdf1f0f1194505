/*
 * hpinstore: a compromised cardd (and supervisor) against a real
 * cardagent-pinstore with a store file in a temporary directory; prints
 * TAP.  pinstore must serve only GET, PUT, DELETE, INVALIDATE and
 * DROP_MEMORY; idents and PINs carrying newlines, NUL, tabs, spaces,
 * '#', path separators or huge sizes must neither corrupt nor add lines
 * to the store file, which is parsed with pinstore's own parser and
 * compared byte for byte after every attack; nothing may crash it.
 * Environment: top_builddir (make check sets it).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "hlib.h"
#include "log.h"
#include "privsep.h"
#include "store.h"

#define NGOOD	4

static const struct privsep_chan_conf sv_conf = {
	.name = "hostile supervisor", .self = PRIVSEP_ROLE_SUPERVISOR,
	.peer = PRIVSEP_ROLE_PINSTORE, .max_frame = SV_FRAME_MAX,
	.max_queued = 4 * SV_FRAME_MAX, .pass_fds = 1,
};
static const struct privsep_permit cardd_permits[] = {
	{ CP_OK, "OK", 0 }, { CP_FAIL, "FAIL", 4 + 4 + 1024 },
	{ CP_PIN, "PIN", 4 + STORE_PIN_MAX }, { CP_NONE, "NONE", 0 },
};
static const struct privsep_chan_conf cardd_conf = {
	.name = "hostile cardd", .self = PRIVSEP_ROLE_CARDD,
	.peer = PRIVSEP_ROLE_PINSTORE, .max_frame = CP_FRAME_MAX,
	.max_queued = 4 * CP_FRAME_MAX, .permit = cardd_permits,
	.npermit = sizeof(cardd_permits) / sizeof(cardd_permits[0]),
};

/* Persisted records the store must hold: PINs a hostile cardd chose. */
static const struct {
	const char	*ident;
	const char	*pin;
	size_t		 len;
} evil[NGOOD] = {
	{ "0000:0000AAA1", "12\n0000:0000BBBB\tvalid\t313233343536\n#", 36 },
	{ "0000:0000AAA2", "1234\0\0\0\0", 8 },
	{ "0000:0000AAA3", "  # \t /../ \r\n", 13 },
	{ "FFFF:FFFFFFFF", "cardagent-pins 1\n", 17 },
};

struct ps {
	char		 dir[64];
	char		 path[128];
	pid_t		 pid;
	struct privsep_chan *sv, *cardd;
};

static struct buf *expected;	/* the store file, byte for byte */

static int
flush(struct privsep_chan *chan)
{
	int pending = 1, r = 0;

	while (r == 0 && pending)
		r = privsep_flush(chan, &pending);
	return r;
}

/* A fresh cardd channel for pinstore; ours replaces the old one. */
static int
peer(struct ps *p)
{
	struct buf *b = buf_new();
	int sp[2], r;

	privsep_chan_close(&p->cardd);
	if (b == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sp) == -1)
		return ERR_SYSTEM;
	if ((r = buf_put_u8(b, PRIVSEP_ROLE_CARDD)) == 0 &&
	    (r = privsep_queue_fd(p->sv, SV_PEER, 0, b, sp[1])) == 0)
		r = flush(p->sv);
	close(sp[1]);
	buf_free(b);
	if (r == 0 && (r = privsep_chan_new(sp[0], &cardd_conf,
	    &p->cardd)) == 0)
		r = flush(p->cardd);
	return r;
}

static int
start(struct ps *p)
{
	char bin[1024];
	const char *top = getenv("top_builddir");
	int sv[2];

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/hpinstore.XXXXXX");
	snprintf(bin, sizeof(bin), "%s/pinstore/cardagent-pinstore",
	    top != NULL ? top : ".");
	if (mkdtemp(p->dir) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return ERR_SYSTEM;
	snprintf(p->path, sizeof(p->path), "%s/cardagent/pins", p->dir);
	if ((p->pid = fork()) == 0) {
		setenv("XDG_DATA_HOME", p->dir, 1);
		if (dup2(sv[1], SUPERVISOR_FD) == -1)
			_exit(127);
		execl(bin, "cardagent-pinstore", "-d", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (p->pid == -1 || privsep_chan_new(sv[0], &sv_conf, &p->sv) != 0)
		return ERR_SYSTEM;
	return peer(p);
}

static int
alive(struct ps *p)
{
	int st;

	return waitpid(p->pid, &st, WNOHANG) == 0;
}

/* The next frame from pinstore (3 s): 0 and *bp, or ERR_EOF if closed. */
static int
reply(struct ps *p, uint8_t *typep, struct buf **bp)
{
	struct pollfd pfd;
	uint32_t id;
	int r;

	*bp = NULL;
	for (;;) {
		if ((r = privsep_get(p->cardd, typep, &id, bp)) != 0 ||
		    *bp != NULL)
			return r;
		pfd.fd = privsep_fd(p->cardd);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 3000) != 1)
			return ERR_TIMEOUT;
		if ((r = privsep_read(p->cardd)) != 0)
			return r == ERR_SYSTEM && errno == ECONNRESET ?
			    ERR_EOF : r;
	}
}

/* Raw bytes as a frame: u32 length, type, u32 id 1, payload. */
static int
send_frame(struct ps *p, uint8_t type, const void *pl, size_t len)
{
	struct buf *f = buf_new();
	ssize_t n;
	int r = ERR_ALLOC;

	if (f != NULL && buf_put_u32(f, (uint32_t)(len + 5)) == 0 &&
	    buf_put_u8(f, type) == 0 && buf_put_u32(f, 1) == 0 &&
	    buf_put(f, pl, len) == 0) {
		n = send(privsep_fd(p->cardd), buf_ptr(f), buf_len(f),
		    MSG_NOSIGNAL);
		r = n == (ssize_t)buf_len(f) || (n == -1 && (errno == EPIPE ||
		    errno == ECONNRESET)) ? 0 : ERR_SYSTEM;
	}
	buf_free(f);
	return r;
}

/* One request: the reply type (payload in *bp if bp), or negative. */
static int
ask(struct ps *p, uint8_t type, const struct buf *pl, struct buf **bp)
{
	struct buf *b = NULL;
	uint8_t rtype;
	int r;

	if ((r = send_frame(p, type, buf_ptr(pl), buf_len(pl))) != 0 ||
	    (r = reply(p, &rtype, &b)) != 0)
		return r;
	if (bp != NULL)
		*bp = b;
	else
		buf_free(b);
	return rtype;
}

/* The request must close the channel; then pinstore serves a new one. */
static int
closes(struct ps *p, uint8_t type, const struct buf *pl)
{
	int r = ask(p, type, pl, NULL);

	if (r != ERR_EOF)
		printf("# type %u, %zu bytes: answer %d, not closed\n", type,
		    buf_len(pl), r);
	return r == ERR_EOF && alive(p) && peer(p) == 0;
}

/* FAIL 7, a message that holds no PIN. */
static int
refused(struct ps *p, uint8_t type, const struct buf *pl)
{
	struct buf *b = NULL;
	uint32_t reason = 0;
	size_t i;
	int r, good;

	r = ask(p, type, pl, &b);
	good = r == CP_FAIL && buf_get_u32(b, &reason) == 0 &&
	    reason == CP_R_INVALID;
	for (i = 0; good && i < NGOOD; i++)
		good = memmem(buf_ptr(b), buf_len(b), evil[i].pin,
		    evil[i].len) == NULL;
	if (!good)
		printf("# type %u: answer %d reason %u\n", type, r, reason);
	buf_free(b);
	return good;
}

static struct buf *
req(const void *ident, size_t ilen, const void *pin, size_t plen,
    int with_pin)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || buf_put_string(b, ident, ilen) ||
	    (with_pin && (buf_put_string(b, pin, plen) || buf_put_u32(b, 0) ||
	    buf_put_string(b, "", 0))))
		exit(2);
	return b;
}

/* The file holds exactly the expected records, byte for byte. */
static int
store_intact(struct ps *p)
{
	struct store_recs *recs = store_recs_new();
	struct buf *file = buf_new();
	char err[STORE_ERRMSG_LEN] = "";
	uint8_t *q;
	ssize_t n;
	int fd, good = 0;

	if (recs == NULL || file == NULL ||
	    (fd = open(p->path, O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	while (buf_reserve(file, 4096, &q) == 0 &&
	    (n = read(fd, q, 4096)) > 0)
		buf_consume_end(file, 4096 - (size_t)n);
	buf_consume_end(file, 4096);
	close(fd);
	good = buf_len(file) == buf_len(expected) &&
	    memcmp(buf_ptr(file), buf_ptr(expected), buf_len(file)) == 0 &&
	    store_parse(file, recs, err, sizeof(err)) == 0 && recs->n == NGOOD;
	if (!good)
		printf("# the store file changed (%s)\n", err);
 out:
	store_recs_free(recs);
	buf_free(file);
	return good;
}

/* PUT every good record and build the file we then expect. */
static int
enrol_good(struct ps *p)
{
	struct store_recs *recs = store_recs_new();
	struct buf *b, *pin;
	size_t i;
	int good = recs != NULL && (expected = buf_new()) != NULL;

	for (i = 0; good && i < NGOOD; i++) {
		b = req(evil[i].ident, strlen(evil[i].ident), evil[i].pin,
		    evil[i].len, 1);
		good = ask(p, CP_PUT, b, NULL) == CP_OK &&
		    (pin = buf_dup(evil[i].pin, evil[i].len)) != NULL;
		buf_free(b);
		if (!good)
			break;
		snprintf(recs->rec[i].ident, sizeof(recs->rec[i].ident), "%s",
		    evil[i].ident);
		recs->rec[i].valid = 1;
		recs->rec[i].pin = pin;
		recs->n++;
	}
	good = good && store_serialise(recs, expected) == 0;
	store_recs_free(recs);
	return good;
}

/* Every good PIN comes back exactly. */
static int
gets_back(struct ps *p)
{
	struct buf *b, *r = NULL, *pin = buf_new();
	size_t i;
	int good = pin != NULL;

	for (i = 0; good && i < NGOOD; i++) {
		b = req(evil[i].ident, strlen(evil[i].ident), NULL, 0, 0);
		buf_reset(pin);
		good = ask(p, CP_GET, b, &r) == CP_PIN &&
		    buf_get_stringb(r, pin) == 0 && buf_len(r) == 0 &&
		    buf_len(pin) == evil[i].len &&
		    memcmp(buf_ptr(pin), evil[i].pin, evil[i].len) == 0;
		buf_free(b);
		buf_free(r);
		r = NULL;
	}
	buf_free(pin);
	return good;
}

static const struct {
	const char	*s;
	size_t		 len;
} bad_idents[] = {
	{ "0000:0000AAA1\n0000:0000BBBB", 27 },
	{ "0000:0000AAA1\0", 14 },
	{ "0000:0000AA\0A1", 14 },
	{ "../../../etc/passwd", 19 },
	{ "0000/0000AAA1", 13 },
	{ "0000:0000aaa1", 13 },
	{ " 0000:0000AAA", 13 },
	{ "0000:0000AAA1#", 14 },
	{ "0000:0000AAA1\tvalid", 19 },
	{ "", 0 },
	{ "0000:0000AAA1 0000:0000AAA1 0000:0000AAA1 0000:0000AAA1 ..", 59 },
};

/* Bad idents in every request that carries one: FAIL 7, file intact. */
static void
t_idents(struct ps *p)
{
	static const uint8_t types[] = { CP_GET, CP_PUT, CP_DELETE,
	    CP_INVALIDATE };
	struct buf *b;
	size_t i, j;
	int good = 1;

	for (i = 0; i < sizeof(bad_idents) / sizeof(bad_idents[0]); i++) {
		for (j = 0; j < sizeof(types); j++) {
			b = req(bad_idents[i].s, bad_idents[i].len, "123456",
			    6, types[j] == CP_PUT);
			good &= refused(p, types[j], b);
			buf_free(b);
		}
		good &= store_intact(p);
	}
	hl_ok(good, "idents with newline, NUL, '/', lower case, space, '#', tab, "
	    "empty, 59 bytes, in GET, PUT, DELETE, INVALIDATE: FAIL 7, the "
	    "store file unchanged");
}

/*
 * PINs of the wrong length: FAIL 7 or, over the cap, closed.  A PUT may
 * carry 4 KiB of constraints, so 1000 bytes are still within its cap.
 */
static void
t_pins(struct ps *p)
{
	static const size_t lens[] = { 0, 5, 128, 1000, 6000 };
	char pin[6000];
	struct buf *b;
	size_t i;
	int good = 1;

	memset(pin, '\n', sizeof(pin));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		b = req("0000:0000AAA1", 13, pin, lens[i], 1);
		good &= lens[i] <= 1000 ? refused(p, CP_PUT, b) :
		    closes(p, CP_PUT, b);
		buf_free(b);
		good &= store_intact(p);
	}
	hl_ok(good, "PINs of 0, 5, 128, 1000 newlines: FAIL 7; of 6000 (over "
	    "the PUT cap): closed; the store file unchanged");
}

static void
t_huge(struct ps *p)
{
	struct buf *b = buf_new(), *big = buf_new();
	uint8_t *q;
	int good;

	good = b != NULL && big != NULL && buf_put_u32(b, 0xffffffff) == 0 &&
	    buf_put_cstring(b, "0000:0000AAA1") == 0 &&
	    closes(p, CP_GET, b) && closes(p, CP_PUT, b) &&
	    closes(p, CP_DELETE, b) && closes(p, CP_INVALIDATE, b);
	buf_reset(b);
	good &= buf_put_cstring(b, "0000:0000AAA1") == 0 &&
	    buf_put_u32(b, 0xfffffff0) == 0 && buf_put_u32(b, 0) == 0 &&
	    closes(p, CP_PUT, b);
	good &= buf_reserve(big, CP_FRAME_MAX, &q) == 0 &&
	    (memset(q, '0', CP_FRAME_MAX), closes(p, CP_PUT, big));
	hl_ok(good && store_intact(p), "strings claiming 4 GiB, a 4 KiB ident: "
	    "closed; the store file unchanged");
	buf_free(b);
	buf_free(big);
}

/* Each permitted type with a byte too many or too few: closed. */
static void
t_exact(struct ps *p)
{
	static const uint8_t types[] = { CP_GET, CP_PUT, CP_DELETE,
	    CP_INVALIDATE };
	struct buf *b, *cut;
	size_t i, k;
	int good = 1;

	for (i = 0; i < sizeof(types); i++) {
		b = req("0000:0000AAA1", 13, "123456", 6, types[i] == CP_PUT);
		for (k = 0; good && k < buf_len(b); k++) {
			cut = buf_from(buf_ptr(b), k);
			good = closes(p, types[i], cut);
			buf_free(cut);
		}
		good = good && buf_put_u8(b, 0) == 0 && closes(p, types[i], b);
		buf_free(b);
	}
	b = req("", 0, NULL, 0, 0);	/* 4 bytes of payload */
	hl_ok(good && closes(p, CP_DROP_MEMORY, b) && store_intact(p),
	    "GET, PUT, DELETE, INVALIDATE cut at every byte or with a "
	    "trailing byte, DROP_MEMORY with a payload: closed; file intact");
	buf_free(b);
}

static void
t_types(struct ps *p)
{
	struct buf *b = buf_new();
	unsigned t, bad = 0;

	for (t = 0; b != NULL && t < 256; t++)
		if ((t < CP_GET || t > CP_DROP_MEMORY) &&
		    !closes(p, (uint8_t)t, b) && bad++ < 5)
			printf("# type %u not refused\n", t);
	hl_ok(b != NULL && bad == 0 && store_intact(p), "251 types outside "
	    "pinstore's permit table (0-15 with HELLO, 21-255 with its own "
	    "replies 32-35): each closes the channel");
	buf_free(b);
}

/* Raw bytes (fd as SCM_RIGHTS if >= 0): the channel must close. */
static int
raw_closes(struct ps *p, const void *data, size_t len, int fd)
{
	struct buf *b = NULL;
	uint8_t type;
	int r;

	if (hl_send(privsep_fd(p->cardd), data, len, fd) != 0)
		return 0;
	r = reply(p, &type, &b);
	buf_free(b);
	if (r != ERR_EOF)
		printf("# raw frame of %zu bytes: %d, not closed\n", len, r);
	return r == ERR_EOF && alive(p) && peer(p) == 0;
}

static void
t_framing(struct ps *p)
{
	static const uint8_t len0[] = { 0, 0, 0, 0 };
	static const uint8_t len4[] = { 0, 0, 0, 4, CP_DROP_MEMORY, 0, 0, 0 };
	static const uint8_t over[] = { 0, 0, 0x10, 0x00, CP_GET, 0, 0, 0, 1 };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, CP_PUT };
	static const uint8_t drop[] = { 0, 0, 0, 5, CP_DROP_MEMORY, 0, 0, 0,
	    1 };
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), good;

	good = raw_closes(p, len0, sizeof(len0), -1) &&
	    raw_closes(p, len4, sizeof(len4), -1) &&
	    raw_closes(p, over, sizeof(over), -1) &&
	    raw_closes(p, huge, sizeof(huge), -1);
	hl_ok(good, "frame lengths 0, 4, 4 KiB (over the cap) and 4 GiB: "
	    "closed");
	hl_ok(fd >= 0 && raw_closes(p, drop, sizeof(drop), fd),
	    "a DROP_MEMORY carrying a descriptor: closed");
	if (fd >= 0)
		close(fd);
	good = send(privsep_fd(p->cardd), drop, 6, MSG_NOSIGNAL) == 6;
	privsep_chan_close(&p->cardd);
	usleep(100 * 1000);
	hl_ok(good && alive(p) && peer(p) == 0 && gets_back(p) &&
	    store_intact(p), "a frame cut short, then cardd gone: pinstore "
	    "serves the next channel, every PIN and the file intact");
}

/* A supervisor-channel violation: pinstore exits 1, not by a signal. */
static void
t_supervisor(struct ps *p)
{
	struct buf *b = buf_new();
	int st = -1, i, r;

	r = b == NULL || buf_put_u8(b, PRIVSEP_ROLE_AGENT) ||
	    privsep_queue_fd(p->sv, SV_PEER, 0, b, privsep_fd(p->cardd)) ||
	    flush(p->sv);
	for (i = 0; r == 0 && i < 50; i++) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid)
			break;
		st = -1;
		usleep(100 * 1000);
	}
	hl_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "supervisor hands over a channel for the agent: pinstore exits "
	    "with status 1, not a signal (raw %#x)", st);
	if (st == -1 && p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &st, 0);
	}
	buf_free(b);
}

int
main(void)
{
	struct ps p;
	char cmd[128];
	int st;

	log_init("hpinstore", LOG_LEVEL_ERROR, 1);
	signal(SIGPIPE, SIG_IGN);
	if (start(&p) != 0) {
		printf("Bail out! cannot start cardagent-pinstore\n");
		return 1;
	}
	hl_ok(enrol_good(&p) && gets_back(&p) && store_intact(&p),
	    "PUT %d PINs with newlines, tabs, NUL, '#', a forged record and "
	    "the file's magic: each comes back exactly, the file holds "
	    "%d records", NGOOD, NGOOD);
	t_idents(&p);
	t_pins(&p);
	t_huge(&p);
	t_exact(&p);
	t_types(&p);
	t_framing(&p);
	hl_ok(alive(&p) && gets_back(&p) && store_intact(&p),
	    "pinstore never died; every PIN and the file intact");
	t_supervisor(&p);
	privsep_chan_close(&p.cardd);
	privsep_chan_close(&p.sv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p.dir);
	st = system(cmd);
	buf_free(expected);
	return hl_done() == 0 && st == 0 ? 0 : 1;
}
