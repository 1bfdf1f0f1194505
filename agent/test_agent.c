/*
 * TAP test driver for cardagent-agent: plays the supervisor (fd 3, PEER
 * with a socketpair end) and cardd (a fake with an OpenSSL Ed25519 key),
 * then runs the real ssh-add and ssh-keygen against the agent's socket,
 * and hostile raw clients.  Every process started is stopped by PID.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "caller.h"
#include "cert.h"
#include "channels.h"
#include "constraint.h"
#include "err.h"
#include "keyblob.h"
#include "privsep.h"
#include "proto.h"
#include "status.h"

#define IDENT	"0000:01234567"
#define PIN	"123456"

static char dir[32], sockpath[64];
static pid_t agent_pid = -1;
static struct privsep_chan *sv, *cardd;
static EVP_PKEY *key;
static struct buf *keyblob;
static int ntest, nfail;

/* What the fake cardd (and the fake supervisor) saw. */
static struct {
	int	 enrol, forget, reset, list, sign, status;
	int	 locked, unlocked;	/* LOCKED with a verifier, UNLOCKED */
	char	 ident[64];
	char	 pin[64];
	uint32_t lifetime;
	struct caller caller;	/* of the last SIGN */
	struct caller_context context;
	uint32_t	 cons_flags;	/* of the last ENROL */
} seen;

static const struct privsep_permit cardd_permit[] = {
	{ AC_LIST, "LIST", 0 },
	{ AC_SIGN, "SIGN", AC_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ AC_ENROL, "ENROL", 1024 },
	{ AC_FORGET, "FORGET", 1024 },
	{ AC_RESET, "RESET", 0 },
	{ AC_STATUS, "STATUS", 0 },
};
static const struct privsep_chan_conf cardd_conf = {
	"fake-cardd", PRIVSEP_ROLE_CARDD, PRIVSEP_ROLE_AGENT, AC_FRAME_MAX,
	4 * AC_FRAME_MAX, cardd_permit,
	sizeof(cardd_permit) / sizeof(cardd_permit[0]), 0, 1, AC_ENROL,
};
static const struct privsep_permit sv_permit[] = {
	{ SV_LOCKED, "LOCKED", SV_LOCK_VERIFIER_LEN },
	{ SV_UNLOCKED, "UNLOCKED", 0 },
};
static const struct privsep_chan_conf sv_conf = {
	"fake-supervisor", PRIVSEP_ROLE_SUPERVISOR, PRIVSEP_ROLE_AGENT,
	SV_AGENT_FRAME_MAX, 2 * SV_AGENT_FRAME_MAX, sv_permit,
	sizeof(sv_permit) / sizeof(sv_permit[0]), 1, 0, PRIVSEP_MSG_NONE,
};

static void
ok(int cond, const char *desc)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, desc);
	fflush(stdout);
}

static void
die(const char *what)
{
	printf("Bail out! %s\n", what);
	if (agent_pid > 0)
		kill(agent_pid, SIGTERM);
	exit(1);
}

static struct buf *
fake_sign(struct buf *req)
{
	const uint8_t *blob, *data;
	size_t bloblen, dlen, siglen = 64;
	uint8_t alg, sig[64];
	uint32_t flags;
	struct buf *inner = buf_new(), *out = buf_new();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (buf_get_string_direct(req, &blob, &bloblen) != 0 ||
	    buf_get_string_direct(req, &data, &dlen) != 0 ||
	    buf_get_u8(req, &alg) != 0 || buf_get_u32(req, &flags) != 0 ||
	    flags != (AC_SIGN_CALLER | AC_SIGN_CONTEXT) ||
	    caller_get(req, &seen.caller) != 0 ||
	    buf_get_string_direct(req, NULL, NULL) != 0 ||
	    caller_context_get(req, &seen.context) != 0 ||
	    buf_len(req) != 0 || bloblen != buf_len(keyblob) ||
	    memcmp(blob, buf_ptr(keyblob), bloblen) != 0 ||
	    alg != AC_ALG_ED25519) {
		buf_free(out);
		out = NULL;
		goto done;
	}
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, data, dlen) != 1)
		die("sign");
	if (buf_put_cstring(inner, "ssh-ed25519") != 0 ||
	    buf_put_string(inner, sig, siglen) != 0 ||
	    buf_put_stringb(out, inner) != 0)
		die("sign");
 done:
	EVP_MD_CTX_free(ctx);
	buf_free(inner);
	return out;
}

static void
fake_reply(uint8_t type, uint32_t id, struct buf *p)
{
	struct buf *r = buf_new();
	uint8_t rtype = AC_OK;
	char *s = NULL;
	size_t len;

	if (type == AC_LIST) {
		seen.list++;
		rtype = AC_KEYS;
		if (buf_put_u32(r, 1) != 0 || buf_put_stringb(r, keyblob) ||
		    buf_put_cstring(r, IDENT) != 0 || buf_put_u32(r, 0) != 0)
			die("keys");
	} else if (type == AC_SIGN) {
		seen.sign++;
		caller_clear(&seen.caller);
		caller_context_clear(&seen.context);
		buf_free(r);
		if ((r = fake_sign(p)) != NULL)
			rtype = AC_SIGNATURE;
		else {
			r = buf_new();
			rtype = AC_FAIL;
			(void)buf_put_u32(r, AC_R_NO_KEY);
		}
	} else if (type == AC_ENROL) {
		seen.enrol++;
		if (buf_get_cstring(p, &s, &len) == 0)
			snprintf(seen.ident, sizeof(seen.ident), "%s", s);
		free(s);
		s = NULL;
		if (buf_get_cstring(p, &s, &len) == 0)
			snprintf(seen.pin, sizeof(seen.pin), "%s", s);
		(void)buf_get_u32(p, &seen.lifetime);
		seen.cons_flags = 0;
		if (buf_get_u32(p, &seen.cons_flags) == 0 &&
		    seen.cons_flags != 0)	/* a blob's length, then flags */
			(void)buf_get_u32(p, &seen.cons_flags);
		if (s == NULL || strcmp(s, PIN) != 0 ||
		    strcmp(seen.ident, IDENT) != 0) {
			rtype = AC_FAIL;
			(void)buf_put_u32(r, AC_R_PIN_REFUSED);
		}
		free(s);
	} else if (type == AC_FORGET)
		seen.forget++;
	else if (type == AC_STATUS) {
		/* a report with no reader and no card */
		seen.status++;
		rtype = AC_STATUS_REPLY;
		if (buf_put_u32(r, STATUS_VERSION) != 0 ||
		    buf_put_u32(r, 0) != 0 || buf_put_u32(r, 0) != 0)
			die("status");
	} else
		seen.reset++;
	if (privsep_queue(cardd, rtype, id, r) != 0)
		die("queue to agent");
	buf_free(r);
}

/*
 * Read the supervisor channel while it has bytes: it passes descriptors,
 * so privsep_read takes a frame in several reads (its first byte alone,
 * the header, the payload), and one read per pump lost a LOCKED that came
 * just before ssh-add's answer.
 */
static void
sv_drain(void)
{
	struct pollfd pfd;
	struct buf *p;
	uint32_t id;
	uint8_t type;

	memset(&pfd, 0, sizeof(pfd));
	pfd.fd = privsep_fd(sv);
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 0) == 1) {
		if (privsep_read(sv) != 0)
			die("agent closed the supervisor channel");
		for (;;) {
			if (privsep_get(sv, &type, &id, &p) != 0)
				die("bad frame from agent to the supervisor");
			if (p == NULL)
				break;
			if (type == SV_LOCKED &&
			    buf_len(p) == SV_LOCK_VERIFIER_LEN)
				seen.locked++;
			else if (type == SV_UNLOCKED)
				seen.unlocked++;
			buf_free(p);
		}
	}
}

/* Serve the fake cardd and the supervisor channel for up to ms. */
static void
pump(int extra_fd, int ms)
{
	struct pollfd pfd[3];
	struct buf *p;
	uint32_t id;
	uint8_t type;
	int pending;

	(void)privsep_flush(sv, &pending);
	(void)privsep_flush(cardd, &pending);
	memset(pfd, 0, sizeof(pfd));
	pfd[0].fd = privsep_fd(cardd);
	pfd[0].events = POLLIN;
	pfd[1].fd = privsep_fd(sv);
	pfd[1].events = POLLIN;
	pfd[2].fd = extra_fd;
	pfd[2].events = POLLIN;
	if (poll(pfd, 3, ms) <= 0)
		return;
	if (pfd[1].revents != 0)
		sv_drain();
	if (pfd[0].revents == 0)
		return;
	if (privsep_read(cardd) != 0)
		die("agent closed the cardd channel");
	for (;;) {
		if (privsep_get(cardd, &type, &id, &p) != 0)
			die("bad frame from agent");
		if (p == NULL)
			break;
		fake_reply(type, id, p);
		buf_free(p);
	}
	(void)privsep_flush(cardd, &pending);
}

static void
start_agent(const char *path)
{
	struct sockaddr_un sun;
	int lfd, svp[2], acp[2], logfd, i;
	struct buf *b = buf_new();
	char logpath[128];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 16) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, svp) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, acp) == -1)
		die("sockets");
	snprintf(logpath, sizeof(logpath), "%s/agent.log", dir);
	if ((logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		die("log");
	if ((agent_pid = fork()) == -1)
		die("fork");
	if (agent_pid == 0) {
		/* move both out of the way first: they may sit at 3 or 4 */
		int s3 = fcntl(svp[1], F_DUPFD, 10), l4 = fcntl(lfd, F_DUPFD, 10);

		if (s3 == -1 || l4 == -1 || dup2(s3, 3) == -1 ||
		    dup2(l4, 4) == -1 || dup2(logfd, 2) == -1)
			_exit(127);
		closefrom(5);
		execl(path, path, "-ddd", (char *)NULL);
		_exit(127);
	}
	close(svp[1]);
	close(lfd);
	close(logfd);
	if (privsep_chan_new(svp[0], &sv_conf, &sv) != 0 ||
	    privsep_chan_new(acp[0], &cardd_conf, &cardd) != 0 ||
	    privsep_queue(sv, SV_RELOCK, 0, NULL) != 0 ||
	    buf_put_u8(b, PRIVSEP_ROLE_CARDD) != 0 ||
	    privsep_queue_fd(sv, SV_PEER, 0, b, acp[1]) != 0)
		die("channels");
	for (i = 0; i < 100 && !privsep_ready(cardd); i++)
		pump(-1, 50);	/* the agent says HELLO once it has PEER */
	if (!privsep_ready(cardd))
		die("the agent did not take the cardd channel");
	close(acp[1]);
	buf_free(b);
}

/* Run argv with the agent's socket; collect stdout+stderr; exit status. */
static int
run(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], status = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	time_t deadline = time(NULL) + 30;

	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		closefrom(3);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) == -1)
		die("fcntl");
	for (;;) {
		pump(pfd[0], 50);
		while (got + 1 < outlen &&
		    (n = read(pfd[0], out + got, outlen - got - 1)) > 0)
			got += (size_t)n;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	while (got + 1 < outlen &&
	    (n = read(pfd[0], out + got, outlen - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pfd[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
set_askpass(const char *answer)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/answer", dir);
	if ((f = fopen(path, "w")) == NULL)
		die("answer");
	fprintf(f, "%s\n", answer);
	fclose(f);
}

static void
setup_env(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/askpass", dir);
	if ((f = fopen(path, "w")) == NULL)
		die("askpass");
	fprintf(f, "#!/bin/sh\ncat '%s/answer'\n", dir);
	fclose(f);
	chmod(path, 0700);
	setenv("SSH_ASKPASS", path, 1);
	setenv("SSH_ASKPASS_REQUIRE", "force", 1);
	setenv("DISPLAY", ":0", 1);
	setenv("SSH_AUTH_SOCK", sockpath, 1);
}


static void
make_key(void)
{
	uint8_t pub[32];
	size_t len = sizeof(pub);

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 ||
	    (keyblob = buf_new()) == NULL ||
	    keyblob_put_ed25519(keyblob, pub, len) != 0)
		die("key");
}

static int
raw_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("connect");
	return fd;
}

/* Write all of b (a whole frame or any bytes). */
static void
raw_write(int fd, const struct buf *b)
{
	struct buf *v = buf_from(buf_ptr(b), buf_len(b));
	ssize_t n;

	while (v != NULL && buf_len(v) > 0) {
		n = send(fd, buf_ptr(v), buf_len(v), MSG_NOSIGNAL);
		if (n == -1 && errno == EAGAIN) {
			pump(-1, 10);
			continue;
		}
		if (n == -1 || buf_consume(v, (size_t)n) != 0)
			break;
	}
	buf_free(v);
}

static void
raw_send(int fd, const struct buf *msg)
{
	struct buf *f = buf_new();

	if (buf_put_stringb(f, msg) != 0)
		die("frame");
	raw_write(fd, f);
	buf_free(f);
}

/* The type of the next reply; -1 when the agent closed, -2 on timeout. */
static int
raw_recv(int fd, int timeout_ms)
{
	struct buf *in = buf_new();
	uint8_t chunk[4096];
	uint32_t len;
	uint8_t type;
	ssize_t n;
	int r = -2, waited;

	for (waited = 0; waited < timeout_ms; waited += 20) {
		pump(fd, 20);
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			if (buf_put(in, chunk, (size_t)n) != 0)
				die("reply too big");
		if (buf_peek_u32(in, &len) == 0 && buf_len(in) >= 4 + len) {
			(void)buf_get_u32(in, &len);
			r = buf_get_u8(in, &type) == 0 ? type : -1;
			break;
		}
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			r = -1;
			break;
		}
	}
	buf_free(in);
	return r;
}

static int
raw_call(int fd, const struct buf *msg)
{
	raw_send(fd, msg);
	return raw_recv(fd, 5000);
}

static int
agent_alive(void)
{
	return waitpid(agent_pid, NULL, WNOHANG) == 0;
}

static int
contains(const char *out, const char *s)
{
	return strstr(out, s) != NULL;
}

static void
cases_ssh_add(void)
{
	char out[8192], *line = NULL, want[1024];
	char *list[] = { "ssh-add", "-L", NULL };
	char *add[] = { "ssh-add", "-s", IDENT, NULL };
	char *addt[] = { "ssh-add", "-t", "600", "-s", IDENT, NULL };
	char *addc[] = { "ssh-add", "-c", "-s", IDENT, NULL };
	char *rm[] = { "ssh-add", "-e", IDENT, NULL };
	char *rmall[] = { "ssh-add", "-D", NULL };
	int r, n;

	if (keyblob_to_line(keyblob, IDENT, &line) != 0)
		die("line");
	snprintf(want, sizeof(want), "%s\n", line);
	free(line);
	r = run(list, out, sizeof(out));
	ok(r == 0 && strcmp(out, want) == 0,
	    "ssh-add -L prints the card key with the ident as comment");
	set_askpass(PIN);
	r = run(add, out, sizeof(out));
	ok(r == 0 && contains(out, "Card added: " IDENT), "ssh-add -s: Card added");
	ok(seen.enrol == 1 && strcmp(seen.ident, IDENT) == 0 &&
	    strcmp(seen.pin, PIN) == 0 && seen.lifetime == 0,
	    "cardd saw ENROL with the ident and the PIN");
	r = run(addt, out, sizeof(out));
	ok(r == 0 && seen.enrol == 2 && seen.lifetime == 600,
	    "ssh-add -t 600 -s: ENROL with lifetime 600");
	set_askpass("654321");
	r = run(add, out, sizeof(out));
	ok(r != 0 && contains(out, "Could not add card") && seen.enrol == 3,
	    "ssh-add -s with a PIN cardd refuses fails");
	set_askpass("");
	n = seen.enrol;
	r = run(add, out, sizeof(out));
	ok(r != 0 && contains(out, "Could not add card") && seen.enrol == n,
	    "empty PIN: FAILURE, no ENROL reaches cardd");
	set_askpass(PIN);
	r = run(addc, out, sizeof(out));
	ok(r == 0 && seen.enrol == n + 1 && seen.cons_flags == CONS_CONFIRM,
	    "ssh-add -c -s: ENROL carries the confirm constraint");
	r = run(rm, out, sizeof(out));
	ok(r == 0 && contains(out, "Card removed: " IDENT) && seen.forget == 1,
	    "ssh-add -e: FORGET, Card removed");
	n = seen.reset;
	r = run(rmall, out, sizeof(out));
	ok(r == 0 && contains(out, "All identities removed.") &&
	    seen.reset == n + 1, "ssh-add -D: RESET, all identities removed");
}

static void
cases_lock(void)
{
	char out[8192];
	char *lock[] = { "ssh-add", "-x", NULL };
	char *unlock[] = { "ssh-add", "-X", NULL };
	char *list[] = { "ssh-add", "-L", NULL };
	char *add[] = { "ssh-add", "-s", IDENT, NULL };
	struct timespec t0, t1;
	int r, n = seen.reset;
	long ms;

	set_askpass("lockpw");
	r = run(lock, out, sizeof(out));
	ok(r == 0 && contains(out, "Agent locked."), "ssh-add -x: Agent locked");
	pump(-1, 100);
	ok(seen.reset == n + 1, "lock sends RESET to cardd");
	ok(seen.locked == 1 && seen.unlocked == 0,
	    "lock sends the supervisor the verifier (LOCKED)");
	r = run(lock, out, sizeof(out));
	ok(r != 0, "a second lock fails");
	r = run(list, out, sizeof(out));
	ok(r == 1 && contains(out, "The agent has no identities."),
	    "locked: empty identity list");
	n = seen.enrol;
	set_askpass(PIN);
	r = run(add, out, sizeof(out));
	ok(r != 0 && seen.enrol == n, "locked: ssh-add -s fails");
	set_askpass("wrong");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = run(unlock, out, sizeof(out));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ok(r != 0 && contains(out, "Failed to unlock") && ms >= 200,
	    "wrong unlock passphrase: FAILURE after a delay");
	set_askpass("lockpw");
	r = run(unlock, out, sizeof(out));
	ok(r == 0 && contains(out, "Agent unlocked."), "ssh-add -X: unlocked");
	pump(-1, 100);
	ok(seen.locked == 1 && seen.unlocked == 1,
	    "unlock tells the supervisor (UNLOCKED)");
	r = run(unlock, out, sizeof(out));
	ok(r != 0, "unlock when unlocked fails");
}

static void
cases_keygen(void)
{
	char out[8192], cmd[1024], *line = NULL;
	char *sh[] = { "sh", "-c", cmd, NULL };
	FILE *f;
	int r;

	if (keyblob_to_line(keyblob, IDENT, &line) != 0)
		die("line");
	snprintf(cmd, sizeof(cmd), "%s/key.pub", dir);
	if ((f = fopen(cmd, "w")) == NULL)
		die("key.pub");
	fprintf(f, "%s\n", line);
	fclose(f);
	free(line);
	snprintf(cmd, sizeof(cmd), "cd '%s' && echo hello > msg && "
	    "ssh-keygen -Y sign -f key.pub -n file msg && "
	    "ssh-keygen -Y check-novalidate -n file -s msg.sig < msg", dir);
	r = run(sh, out, sizeof(out));
	ok(r == 0 && seen.sign > 0, "ssh-keygen -Y sign through the agent "
	    "verifies");
	ok(seen.caller.uid == getuid() && seen.caller.pid != 0 &&
	    seen.caller.pid != (uint32_t)getpid() && !seen.caller.forwarded &&
	    buf_len(seen.caller.hostkey) == 0,
	    "... its caller: ssh-keygen's pid, no host, not forwarded");
}

static struct buf *
bind_msg(int corrupt)
{
	EVP_PKEY *hk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t pub[32], sid[32], sig[64];
	size_t len = sizeof(pub), siglen = sizeof(sig);
	struct buf *m = buf_new(), *blob = buf_new(), *sb = buf_new();

	RAND_bytes(sid, sizeof(sid));
	if (hk == NULL || EVP_PKEY_get_raw_public_key(hk, pub, &len) != 1 ||
	    keyblob_put_ed25519(blob, pub, len) != 0 ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, hk) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, sid, sizeof(sid)) != 1)
		die("bind");
	sig[5] ^= corrupt ? 1 : 0;
	if (buf_put_cstring(sb, "ssh-ed25519") != 0 ||
	    buf_put_string(sb, sig, siglen) != 0 ||
	    buf_put_u8(m, SSH_AGENTC_EXTENSION) != 0 ||
	    buf_put_cstring(m, EXT_SESSION_BIND) != 0 ||
	    buf_put_stringb(m, blob) != 0 ||
	    buf_put_string(m, sid, sizeof(sid)) != 0 ||
	    buf_put_stringb(m, sb) != 0 || buf_put_u8(m, 1) != 0)
		die("bind");
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(hk);
	buf_free(blob);
	buf_free(sb);
	return m;
}

static struct buf *
simple_msg(uint8_t type, const char *s1, const char *s2)
{
	struct buf *m = buf_new();

	if (buf_put_u8(m, type) != 0 ||
	    (s1 != NULL && buf_put_cstring(m, s1) != 0) ||
	    (s2 != NULL && buf_put_cstring(m, s2) != 0))
		die("msg");
	return m;
}

static struct buf *
sign_msg(void)
{
	struct buf *m = buf_new();

	if (buf_put_u8(m, SSH_AGENTC_SIGN_REQUEST) != 0 ||
	    buf_put_stringb(m, keyblob) != 0 ||
	    buf_put_cstring(m, "data") != 0 || buf_put_u32(m, 0) != 0)
		die("msg");
	return m;
}

/* On a connection bound with is-forwarding: what the host may not do. */
static void
cases_forwarded(int fd)
{
	struct buf *m;
	int f = seen.forget, r = seen.reset, l = seen.locked;

	m = simple_msg(SSH_AGENTC_REMOVE_SMARTCARD_KEY, IDENT, "");
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE && seen.forget == f,
	    "forwarded: REMOVE_SMARTCARD_KEY refused, no FORGET");
	buf_free(m);
	m = simple_msg(SSH_AGENTC_REMOVE_ALL_IDENTITIES, NULL, NULL);
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE && seen.reset == r,
	    "forwarded: REMOVE_ALL_IDENTITIES refused, no RESET");
	buf_free(m);
	m = simple_msg(SSH_AGENTC_LOCK, "remote-pw", NULL);
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE && seen.reset == r &&
	    seen.locked == l, "forwarded: LOCK refused, not locked");
	buf_free(m);
}

static void
cases_bind(void)
{
	struct buf *m;
	int fd, n = seen.enrol, s = seen.sign;

	fd = raw_connect();
	m = bind_msg(0);
	ok(raw_call(fd, m) == SSH_AGENT_SUCCESS, "valid session-bind: SUCCESS");
	buf_free(m);
	m = simple_msg(SSH_AGENTC_ADD_SMARTCARD_KEY, IDENT, PIN);
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE && seen.enrol == n,
	    "ADD_SMARTCARD_KEY on a bound connection refused, no ENROL");
	buf_free(m);
	m = sign_msg();
	ok(raw_call(fd, m) == SSH_AGENT_SIGN_RESPONSE && seen.sign == s + 1,
	    "SIGN on a well-bound connection works");
	ok(seen.caller.uid == getuid() &&
	    seen.caller.pid == (uint32_t)getpid() &&
	    seen.caller.forwarded == 1 && buf_len(seen.caller.hostkey) == 51,
	    "... cardd learns the caller: uid, pid, forwarded, bound host key");
	buf_free(m);
	m = simple_msg(SSH_AGENTC_EXTENSION, STATUS_EXTENSION, NULL);
	ok(raw_call(fd, m) == SSH_AGENT_EXTENSION_RESPONSE &&
	    seen.status == 1, "status@cardagent on a bound connection: "
	    "cardd's report");
	buf_free(m);
	cases_forwarded(fd);
	close(fd);
	fd = raw_connect();
	m = bind_msg(1);
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE, "bad session-bind: FAILURE");
	buf_free(m);
	m = sign_msg();
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE && seen.sign == s + 1,
	    "SIGN after a failed bind: FAILURE, cardd not asked");
	buf_free(m);
	m = simple_msg(SSH_AGENTC_EXTENSION, "query", NULL);
	ok(raw_call(fd, m) == SSH_AGENT_EXTENSION_RESPONSE,
	    "query: EXTENSION_RESPONSE");
	buf_free(m);
	close(fd);
}

/* ssh-keygen signs key.pub (cases_keygen) as NAME-cert.pub; its blob. */
static struct buf *
make_cert(const char *name, const char *validity)
{
	char out[8192], cmd[1024], *text = NULL;
	char *sh[] = { "sh", "-c", cmd, NULL };
	struct buf *blob = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cd '%s' && { [ -f ca ] || ssh-keygen -q "
	    "-t ed25519 -N '' -f ca; } && cp key.pub %s.pub && ssh-keygen -q "
	    "-s ca -I %s -n root -V %s %s.pub", dir, name, name, validity,
	    name);
	if (run(sh, out, sizeof(out)) != 0)
		die(out);
	snprintf(cmd, sizeof(cmd), "%s/%s-cert.pub", dir, name);
	if ((f = fopen(cmd, "r")) == NULL ||
	    getdelim(&text, &len, '\0', f) == -1 ||
	    cert_parse_text(text, strlen(text), &blob) != 0)
		die("certificate");
	fclose(f);
	free(text);
	return blob;
}

/* base64 of blob, as ssh-add -L prints it. */
static int
lists(const struct buf *blob)
{
	char out[16384], *line = NULL, *b64;
	char *list[] = { "ssh-add", "-L", NULL };
	int found;

	if (run(list, out, sizeof(out)) != 0 && !contains(out, "no ident"))
		die("ssh-add -L");
	if (keyblob_to_line(blob, NULL, &line) != 0 ||
	    (b64 = strchr(line, ' ')) == NULL)
		die("line");
	found = contains(out, b64 + 1);
	free(line);
	return found;
}

/* 26 with associated-certs-v00@openssh.com: what ssh-add -s sends with
 * certificates from OpenSSH 9.6 on (9.2 cannot). */
static struct buf *
add_assoc_msg(const struct buf *cert)
{
	struct buf *m = simple_msg(SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED,
	    IDENT, PIN), *list = buf_new();

	if (buf_put_stringb(list, cert) != 0 || buf_put_u8(m, 255) != 0 ||
	    buf_put_cstring(m, EXT_ASSOC_CERTS) != 0 ||
	    buf_put_u8(m, 0) != 0 || buf_put_stringb(m, list) != 0)
		die("msg");
	buf_free(list);
	return m;
}

static struct buf *
sign_with(const struct buf *blob)
{
	struct buf *m = buf_new();

	if (buf_put_u8(m, SSH_AGENTC_SIGN_REQUEST) != 0 ||
	    buf_put_stringb(m, blob) != 0 ||
	    buf_put_cstring(m, "data") != 0 || buf_put_u32(m, 0) != 0)
		die("msg");
	return m;
}

/* CERTS from the fake supervisor: n certificates with their windows. */
static void
send_certs(struct buf *const *blobs, size_t n)
{
	struct buf *p = buf_new();
	struct cert *c;
	size_t i;

	if (buf_put_u32(p, (uint32_t)n) != 0)
		die("certs");
	for (i = 0; i < n; i++) {
		if (cert_parse(buf_ptr(blobs[i]), buf_len(blobs[i]), &c) != 0 ||
		    buf_put_stringb(p, blobs[i]) != 0 ||
		    buf_put_u64(p, c->valid_after) != 0 ||
		    buf_put_u64(p, c->valid_before) != 0)
			die("certs");
		cert_free(c);
	}
	if (privsep_queue(sv, SV_CERTS, 0, p) != 0)
		die("queue CERTS");
	buf_free(p);
	pump(-1, 100);
}

static void
cases_assoc_certs(void)
{
	struct buf *cert = make_cert("assoc", "+1h"), *m;
	char out[4096];
	char *rm[] = { "ssh-add", "-e", IDENT, NULL };
	int fd = raw_connect(), n = seen.enrol, s = seen.sign;

	ok(!lists(cert), "a certificate nobody gave is not listed");
	m = add_assoc_msg(cert);
	ok(raw_call(fd, m) == SSH_AGENT_SUCCESS && seen.enrol == n + 1,
	    "ADD_SMARTCARD_KEY_CONSTRAINED with associated-certs: SUCCESS");
	buf_free(m);
	ok(lists(cert), "ssh-add -L lists the associated certificate");
	m = sign_with(cert);
	ok(raw_call(fd, m) == SSH_AGENT_SIGN_RESPONSE && seen.sign == s + 1,
	    "SIGN naming the certificate: cardd signs with the card key");
	buf_free(m);
	close(fd);
	ok(run(rm, out, sizeof(out)) == 0 && !lists(cert),
	    "ssh-add -e drops the card's associated certificates");
	m = sign_with(cert);
	fd = raw_connect();
	ok(raw_call(fd, m) == SSH_AGENT_FAILURE && seen.sign == s + 1,
	    "SIGN naming a certificate no longer offered: FAILURE, no SIGN");
	buf_free(m);
	close(fd);
	buf_free(cert);
}

static void
cases_file_certs(void)
{
	struct buf *certs[2];

	certs[0] = make_cert("file", "+1h");
	certs[1] = make_cert("old", "20200101:20200102");
	send_certs(certs, 2);
	ok(lists(certs[0]), "CERTS from the supervisor: the valid one is "
	    "listed");
	ok(!lists(certs[1]), "CERTS from the supervisor: the expired one "
	    "is not");
	send_certs(NULL, 0);
	ok(!lists(certs[0]), "an empty CERTS: no certificate listed");
	buf_free(certs[0]);
	buf_free(certs[1]);
}

static void
cases_hostile(void)
{
	struct buf *m = buf_new(), *f;
	uint8_t rnd[64];
	int fd, i, bad = 0, r;

	fd = raw_connect();
	(void)buf_put_u32(m, 0);
	raw_write(fd, m);
	ok(raw_recv(fd, 2000) == -1, "length 0: connection closed");
	close(fd);
	fd = raw_connect();
	buf_reset(m);
	(void)buf_put_u32(m, AGENT_MSG_MAX + 1);
	raw_write(fd, m);
	ok(raw_recv(fd, 2000) == -1, "length over 256 KiB: connection closed");
	close(fd);
	fd = raw_connect();
	buf_reset(m);
	(void)buf_put_u32(m, 100);	/* a lie: 3 bytes follow */
	(void)buf_put(m, "\x0d\x00\x00", 3);
	raw_write(fd, m);
	pump(-1, 50);
	close(fd);
	ok(agent_alive(), "truncated frame then close: agent alive");
	fd = raw_connect();
	for (i = 0; i < 10000 && !bad; i++) {
		RAND_bytes(rnd, sizeof(rnd));
		if (rnd[0] == SSH_AGENTC_LOCK)
			rnd[0] = SSH_AGENTC_UNLOCK;	/* do not lock */
		f = buf_dup(rnd, 1 + rnd[1] % (sizeof(rnd) - 1));
		r = raw_call(fd, f);
		bad = r < 0;
		buf_free(f);
	}
	close(fd);
	ok(!bad && agent_alive(), "10 000 random frames each answered");
	buf_free(m);
}

static void
case_other_uid(void)
{
	pid_t pid;
	int status = -1;
	struct buf *m = simple_msg(SSH_AGENTC_REQUEST_IDENTITIES, NULL, NULL);
	time_t deadline = time(NULL) + 10;

	chmod(dir, 0711);
	chmod(sockpath, 0666);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		int fd;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		fd = raw_connect();
		raw_send(fd, m);
		/* refused: EOF, no answer */
		_exit(raw_recv(fd, 3000) == -1 ? 0 : 1);
	}
	while (waitpid(pid, &status, WNOHANG) == 0 && time(NULL) < deadline)
		pump(-1, 50);
	if (time(NULL) >= deadline) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	chmod(dir, 0700);
	buf_free(m);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "a client of another uid is refused");
}

static void
case_selftest(const char *path)
{
	pid_t pid;
	int status = 0;

	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 2);
		execl(path, path, "--sandbox-selftest", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "--sandbox-selftest: openat kills the agent with SIGSYS");
}

static void
run_cases(const char *path)
{
	char out[8192];
	char *list[] = { "ssh-add", "-L", NULL };

	cases_ssh_add();
	cases_lock();
	cases_keygen();
	cases_assoc_certs();
	cases_file_certs();
	cases_bind();
	cases_hostile();
	ok(run(list, out, sizeof(out)) == 0 && contains(out, IDENT),
	    "after the hostile clients, ssh-add -L is still served");
	if (getuid() == 0)
		case_other_uid();
	else {
		ntest++;
		printf("ok %d # SKIP other uid (needs root)\n", ntest);
	}
	case_selftest(path);
	ok(agent_alive(), "the agent is still running");
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_builddir");
	char path[512];

	snprintf(dir, sizeof(dir), "/tmp/agent-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(sockpath, sizeof(sockpath), "%s/agent.sock", dir);
	snprintf(path, sizeof(path), "%s/agent/cardagent-agent",
	    top != NULL ? top : ".");
	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	signal(SIGPIPE, SIG_IGN);
	make_key();
	setup_env();
	start_agent(path);
	run_cases(path);
	kill(agent_pid, SIGTERM);
	waitpid(agent_pid, NULL, 0);
	printf("1..%d\n# %d passed, %d failed\n", ntest, ntest - nfail, nfail);
	if (nfail == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	} else
		printf("# agent log kept in %s/agent.log\n", dir);
	return nfail == 0 ? 0 : 1;
}
