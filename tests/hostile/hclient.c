/*
 * hclient: a hostile SSH agent client.  "hclient SOCK ATTACK" runs one
 * attack on the agent at SOCK while a well-behaved client on another
 * connection lists the keys and signs with the first one, over and over;
 * it prints "# " diagnostics with the well-behaved client's latencies
 * and exits 0 only if the agent reacted to the attack as it must and
 * served the good client throughout (every request answered, none
 * slower than GOOD_MAX_MS).  tests/hostile/hostile-agent.sh runs it.
 */
#include "config.h"

#include <sys/socket.h>
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

#include "buf.h"
#include "err.h"
#include "proto.h"

#define IO_TIMEOUT_MS	5000
/*
 * Served within this (ms).  The slowest case is 300 idle connections: the
 * agent admits queued newcomers only in place of connections idle for a
 * second (AGENT_EVICT_IDLE_MS), and the hoarder's queued connections come
 * first, so the good client waits two such rounds, about 2 s.
 */
#define GOOD_MAX_MS	4000
#define GOOD_SAMPLES	20000
#define NRANDOM		10000
#define NIDLE		300	/* idle connections, over AGENT_CONNS_MAX */
#define BAD_IDENT	"FFFF:FFFFFFFF"	/* no such card: costs no PIN try */

static const char *sock_path;
static volatile sig_atomic_t stop_good;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
agent_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memcpy(sun.sun_path, sock_path, strlen(sock_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for fd to become readable (or writable); 0 on time-out. */
static int
wait_fd(int fd, short ev, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = ev };
	int n;

	while ((n = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		;
	return n;
}

static int
send_all(int fd, const void *p, size_t len)
{
	const uint8_t *q = p;
	ssize_t n;

	while (len > 0) {
		if (wait_fd(fd, POLLOUT, IO_TIMEOUT_MS) <= 0)
			return ERR_TIMEOUT;
		if ((n = send(fd, q, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return ERR_EOF;
		}
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
recv_all(int fd, void *p, size_t len, int ms)
{
	uint8_t *q = p;
	ssize_t n;

	while (len > 0) {
		if (wait_fd(fd, POLLIN, ms) <= 0)
			return ERR_TIMEOUT;
		if ((n = recv(fd, q, len, 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return ERR_EOF;
		}
		if (n == 0)
			return ERR_EOF;
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One answer: its type and body (without type) in *bodyp. */
static int
recv_msg(int fd, uint8_t *typep, struct buf **bodyp)
{
	uint8_t hdr[4];
	struct buf *b;
	uint8_t *p;
	uint32_t len;
	int r;

	*bodyp = NULL;
	if ((r = recv_all(fd, hdr, 4, IO_TIMEOUT_MS)) != 0)
		return r;
	len = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (len == 0 || len > AGENT_MSG_MAX || (b = buf_new()) == NULL)
		return ERR_FORMAT;
	if ((r = buf_reserve(b, len, &p)) != 0 ||
	    (r = recv_all(fd, p, len, IO_TIMEOUT_MS)) != 0 ||
	    (r = buf_get_u8(b, typep)) != 0) {
		buf_free(b);
		return r;
	}
	*bodyp = b;
	return 0;
}

/* A frame: u32 length, type, body. */
static struct buf *
frame(uint8_t type, const struct buf *body)
{
	struct buf *f;

	if ((f = buf_new()) == NULL ||
	    buf_put_u32(f, 1 + (body ? (uint32_t)buf_len(body) : 0)) != 0 ||
	    buf_put_u8(f, type) != 0 || (body && buf_putb(f, body) != 0)) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return f;
}

/* Send one frame, read one answer; its type, or negative. */
static int
call(int fd, uint8_t type, const struct buf *body, struct buf **replyp)
{
	struct buf *f = frame(type, body), *reply = NULL;
	uint8_t rtype;
	int r;

	r = send_all(fd, buf_ptr(f), buf_len(f));
	buf_free(f);
	if (r == 0)
		r = recv_msg(fd, &rtype, &reply);
	if (replyp != NULL)
		*replyp = reply;
	else
		buf_free(reply);
	return r != 0 ? r : rtype;
}

/* The agent closes fd (EOF) within IO_TIMEOUT_MS, answering nothing. */
static int
expect_close(int fd)
{
	uint8_t b[64];
	ssize_t n;

	for (;;) {
		if (wait_fd(fd, POLLIN, IO_TIMEOUT_MS) <= 0)
			return 0;
		if ((n = recv(fd, b, sizeof(b), 0)) == 0 ||
		    (n == -1 && errno == ECONNRESET))
			return 1;
		if (n == -1 && errno != EINTR)
			return 0;
		if (n > 0)
			return 0;	/* it answered something */
	}
}

/* --- the well-behaved client */

struct good {
	struct buf	*blob;		/* first key listed */
	uint32_t	 flags;		/* sign flags for its type */
	unsigned	 lat_ms[GOOD_SAMPLES];
	size_t		 n;
	unsigned	 failed;
};

static void
good_sample(struct good *g, uint64_t t0, int ok)
{
	uint64_t ms = (now_us() - t0) / 1000;

	if (!ok)
		g->failed++;
	if (g->n < GOOD_SAMPLES)
		g->lat_ms[g->n++] = (unsigned)ms;
}

/* REQUEST_IDENTITIES; keeps the first blob.  Non-zero if served. */
static int
good_list(struct good *g, int fd)
{
	struct buf *reply = NULL;
	uint32_t nkeys;
	int ok;

	ok = call(fd, SSH_AGENTC_REQUEST_IDENTITIES, NULL, &reply) ==
	    SSH_AGENT_IDENTITIES_ANSWER && buf_get_u32(reply, &nkeys) == 0 &&
	    nkeys > 0;
	if (ok && g->blob == NULL) {
		if ((g->blob = buf_new()) == NULL ||
		    buf_get_stringb(reply, g->blob) != 0)
			ok = 0;
		else if (buf_len(g->blob) > 11 &&
		    memcmp(buf_ptr(g->blob) + 4, "ssh-rsa", 7) == 0)
			g->flags = SSH_AGENT_RSA_SHA2_512;
	}
	buf_free(reply);
	return ok;
}

static int
good_sign(struct good *g, int fd)
{
	struct buf *body;
	int ok;

	if ((body = buf_new()) == NULL || buf_put_stringb(body, g->blob) ||
	    buf_put_cstring(body, "cardagent hostile-client probe") ||
	    buf_put_u32(body, g->flags))
		exit(2);
	ok = call(fd, SSH_AGENTC_SIGN_REQUEST, body, NULL) ==
	    SSH_AGENT_SIGN_RESPONSE;
	buf_free(body);
	return ok;
}

static int
cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static void
on_term(int sig)
{
	(void)sig;
	stop_good = 1;
}

/* Like ssh: a connection per round, list then sign, 20 ms apart. */
static void
good_run(void)
{
	static struct good g;
	uint64_t t0;
	unsigned max;
	int fd, ok;

	signal(SIGTERM, on_term);
	while (!stop_good) {
		t0 = now_us();
		if ((fd = agent_connect()) == -1) {
			good_sample(&g, t0, 0);
			usleep(20000);
			continue;
		}
		ok = good_list(&g, fd);
		good_sample(&g, t0, ok);
		if (ok && g.blob != NULL) {
			t0 = now_us();
			good_sample(&g, t0, good_sign(&g, fd));
		}
		close(fd);
		usleep(20000);
	}
	qsort(g.lat_ms, g.n, sizeof(g.lat_ms[0]), cmp_unsigned);
	max = g.n > 0 ? g.lat_ms[g.n - 1] : 0;
	printf("# good client: %zu requests, p50 %u ms, p99 %u ms, max %u ms, "
	    "%u not served\n", g.n, g.n ? g.lat_ms[g.n / 2] : 0,
	    g.n ? g.lat_ms[g.n * 99 / 100] : 0, max, g.failed);
	fflush(stdout);
	_exit(g.n > 0 && g.failed == 0 && max < GOOD_MAX_MS ? 0 : 1);
}

/* --- valid messages to cut (AGENT-WIRE.md, RFC 9987) */

#define NMSGS	12

static void
put_fake_key(struct buf *b)
{
	struct buf *k;
	uint8_t pub[32];

	memset(pub, 0x5a, sizeof(pub));
	if ((k = buf_new()) == NULL || buf_put_cstring(k, "ssh-ed25519") ||
	    buf_put_string(k, pub, sizeof(pub)) || buf_put_stringb(b, k))
		exit(2);
	buf_free(k);
}

static void
put_session_bind(struct buf *b)
{
	struct buf *sig;
	uint8_t sid[32], s[64];

	memset(sid, 0x11, sizeof(sid));
	memset(s, 0x22, sizeof(s));
	if ((sig = buf_new()) == NULL || buf_put_cstring(sig, "ssh-ed25519") ||
	    buf_put_string(sig, s, sizeof(s)) ||
	    buf_put_cstring(b, EXT_SESSION_BIND))
		exit(2);
	put_fake_key(b);
	if (buf_put_string(b, sid, sizeof(sid)) || buf_put_stringb(b, sig) ||
	    buf_put_u8(b, 0))
		exit(2);
	buf_free(sig);
}

static void
put_add_identity(struct buf *b)
{
	uint8_t priv[64];

	memset(priv, 0x33, sizeof(priv));
	if (buf_put_cstring(b, "ssh-ed25519") ||
	    buf_put_string(b, priv, 32) || buf_put_string(b, priv, 64) ||
	    buf_put_cstring(b, "comment"))
		exit(2);
}

/* Message i of NMSGS, valid and complete: its type, body in b. */
static uint8_t
valid_msg(int i, struct buf *b)
{
	int r = 0;

	buf_reset(b);
	switch (i) {
	case 0:
		put_fake_key(b);
		r = buf_put_cstring(b, "data to sign") || buf_put_u32(b, 0);
		return r ? 0 : SSH_AGENTC_SIGN_REQUEST;
	case 1:
		put_add_identity(b);
		return SSH_AGENTC_ADD_IDENTITY;
	case 2:
		put_fake_key(b);
		return SSH_AGENTC_REMOVE_IDENTITY;
	case 3:
		r = buf_put_cstring(b, BAD_IDENT) ||
		    buf_put_cstring(b, "123456");
		return r ? 0 : SSH_AGENTC_ADD_SMARTCARD_KEY;
	case 4:
		r = buf_put_cstring(b, BAD_IDENT) || buf_put_cstring(b, "");
		return r ? 0 : SSH_AGENTC_REMOVE_SMARTCARD_KEY;
	case 5:
		return buf_put_cstring(b, "a passphrase") ? 0 :
		    SSH_AGENTC_LOCK;
	case 6:
		return buf_put_cstring(b, "a passphrase") ? 0 :
		    SSH_AGENTC_UNLOCK;
	case 7:
		put_add_identity(b);
		r = buf_put_u8(b, SSH_AGENT_CONSTRAIN_LIFETIME) ||
		    buf_put_u32(b, 600);
		return r ? 0 : SSH_AGENTC_ADD_ID_CONSTRAINED;
	case 8:
		r = buf_put_cstring(b, BAD_IDENT) ||
		    buf_put_cstring(b, "123456") ||
		    buf_put_u8(b, SSH_AGENT_CONSTRAIN_LIFETIME) ||
		    buf_put_u32(b, 600) ||
		    buf_put_u8(b, SSH_AGENT_CONSTRAIN_CONFIRM);
		return r ? 0 : SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED;
	case 9:
		return buf_put_cstring(b, EXT_QUERY) ? 0 : SSH_AGENTC_EXTENSION;
	case 10:
		put_session_bind(b);
		return SSH_AGENTC_EXTENSION;
	default:
		r = buf_put_cstring(b, "nosuch@example.com") ||
		    buf_put_cstring(b, "x");
		return r ? 0 : SSH_AGENTC_EXTENSION;
	}
}

/* --- attacks: each returns 1 if the agent behaved as it must */

/* Every message, every field cut at every byte, well framed: FAILURE. */
static int
a_cut(void)
{
	struct buf *b = buf_new(), *cut;
	unsigned n = 0, bad = 0;
	uint8_t type;
	size_t k;
	int fd, i, t;

	if (b == NULL || (fd = agent_connect()) == -1)
		return 0;
	for (i = 0; i < NMSGS; i++) {
		type = valid_msg(i, b);
		for (k = 0; k < buf_len(b); k++, n++) {
			cut = buf_from(buf_ptr(b), k);
			t = call(fd, type, cut, NULL);
			buf_free(cut);
			if (t == SSH_AGENT_FAILURE)
				continue;
			if (bad++ < 5)
				printf("# type %u cut to %zu bytes: answer "
				    "%d\n", type, k, t);
			if (t < 0) {
				close(fd);
				if ((fd = agent_connect()) == -1)
					return 0;
			}
		}
	}
	printf("# %u cut messages, %u not answered FAILURE\n", n, bad);
	close(fd);
	buf_free(b);
	return n > 0 && bad == 0;
}

/* The frame claims the whole message; the stream ends early. */
static int
a_truncated(int halfopen)
{
	struct buf *b = buf_new(), *f;
	unsigned n = 0, open = 0;
	size_t k;
	int fd, i;

	if (b == NULL)
		return 0;
	for (i = 0; i < NMSGS; i++) {
		f = frame(valid_msg(i, b), b);
		for (k = 1; k < buf_len(f); k++, n++) {
			if ((fd = agent_connect()) == -1 ||
			    send_all(fd, buf_ptr(f), k) != 0)
				return 0;
			if (halfopen) {
				shutdown(fd, SHUT_WR);
				if (!expect_close(fd) && open++ < 5)
					printf("# %u: %zu of %zu bytes, then "
					    "SHUT_WR: not closed\n", i, k,
					    buf_len(f));
			}
			close(fd);
		}
		buf_free(f);
	}
	printf("# %u truncated frames%s\n", n, halfopen ?
	    " with the write side shut" : "");
	buf_free(b);
	return open == 0;
}

/* Raw bytes, then: the agent must close the connection, silently. */
static int
raw_closes(const void *p, size_t len, const char *what)
{
	int fd, ok, r;

	if ((fd = agent_connect()) == -1)
		return 0;
	/* closed while we still send: what we want */
	if ((r = send_all(fd, p, len)) == ERR_EOF)
		ok = 1;
	else if (!(ok = r == 0 && expect_close(fd)))
		printf("# %s: connection not closed\n", what);
	close(fd);
	return ok;
}

static int
a_length(void)
{
	static const uint8_t zero[] = { 0, 0, 0, 0, 11 };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 13 };
	uint8_t over[4] = { 0, 4, 0, 1 };	/* 256 KiB + 1 */
	int ok;

	ok = raw_closes(zero, sizeof(zero), "length 0");
	ok &= raw_closes(huge, sizeof(huge), "length 2^32-1");
	ok &= raw_closes(over, sizeof(over), "length 256 KiB + 1");
	return ok;
}

/* Exactly at the cap: answered; one byte over, body sent: closed. */
static int
a_cap(void)
{
	struct buf *body = buf_new(), *f;
	uint8_t *p, t;
	int fd, ok;

	if (body == NULL || buf_reserve(body, AGENT_MSG_MAX - 1, &p) != 0)
		return 0;
	memset(p, 0xa5, AGENT_MSG_MAX - 1);
	f = frame(SSH_AGENTC_SIGN_REQUEST, body);
	if ((fd = agent_connect()) == -1 ||
	    send_all(fd, buf_ptr(f), buf_len(f)) != 0)
		return 0;
	buf_free(body);
	if (!(ok = recv_msg(fd, &t, &body) == 0 && t == SSH_AGENT_FAILURE))
		printf("# a 256 KiB message was not answered FAILURE\n");
	close(fd);
	buf_free(body);
	if (buf_put_u8(f, 0) != 0)
		return 0;
	p = (uint8_t *)buf_ptr(f);
	p[3]++;		/* length 256 KiB + 1, and so many bytes follow */
	ok &= raw_closes(buf_ptr(f), buf_len(f), "256 KiB + 1 sent");
	buf_free(f);
	return ok;
}

/* A length that lies: a short claim, garbage follows; a long claim. */
static int
a_lie(void)
{
	struct buf *b = buf_new(), *f;
	uint8_t t;
	int fd, ok;

	if (b == NULL)
		return 0;
	f = frame(valid_msg(0, b), b);
	((uint8_t *)buf_ptr(f))[3] = 9;	/* type + 8 body bytes */
	if ((fd = agent_connect()) == -1 ||
	    send_all(fd, buf_ptr(f), buf_len(f)) != 0)
		return 0;
	buf_free(b);
	/*
	 * What follows is read as a frame whose length is too large: the
	 * agent closes, perhaps before the FAILURE for the first reaches
	 * us.  Any answers, then a close; no hang.
	 */
	while ((ok = recv_msg(fd, &t, &b)) == 0)
		buf_free(b);
	if (!(ok = ok == ERR_EOF))
		printf("# short length claim: not closed (%d)\n", ok);
	close(fd);
	/* long claim: nothing must come back while the agent waits */
	((uint8_t *)buf_ptr(f))[3] = 200;
	if ((fd = agent_connect()) == -1 ||
	    send_all(fd, buf_ptr(f), buf_len(f)) != 0)
		return 0;
	if (wait_fd(fd, POLLIN, 1000) != 0) {
		printf("# a long length claim was answered early\n");
		ok = 0;
	}
	close(fd);
	buf_free(f);
	return ok;
}

static int
known_type(uint8_t t)
{
	static const uint8_t known[] = { 9, 11, 13, 17, 18, 19, 20, 21, 22,
	    23, 25, 26, 27 };
	size_t i;

	for (i = 0; i < sizeof(known); i++)
		if (known[i] == t)
			return 1;
	return 0;
}

/* Every type the agent does not know, with a random body: FAILURE. */
static int
a_unknown(void)
{
	struct buf *b;
	uint8_t *p;
	unsigned t, bad = 0, n = 0;
	size_t len;
	int fd, rt;

	if ((fd = agent_connect()) == -1)
		return 0;
	for (t = 0; t < 256; t++) {
		if (known_type((uint8_t)t))
			continue;
		len = (size_t)(random() % 65);
		if ((b = buf_new()) == NULL || buf_reserve(b, len, &p) != 0)
			return 0;
		while (len-- > 0)
			p[len] = (uint8_t)random();
		if ((rt = call(fd, (uint8_t)t, b, NULL)) != SSH_AGENT_FAILURE &&
		    bad++ < 5)
			printf("# type %u: answer %d\n", t, rt);
		buf_free(b);
		n++;
		if (rt < 0)
			return 0;
	}
	close(fd);
	printf("# %u unknown types, %u not answered FAILURE\n", n, bad);
	return bad == 0;
}

/* A random frame: random type and bytes, or a valid message mutated. */
static uint8_t
random_msg(struct buf *b)
{
	uint8_t type, *p;
	size_t len, i;
	int m;

	if (random() % 4 == 0) {
		/* not LOCK: a mutated passphrase would lock the agent */
		if ((m = (int)(random() % NMSGS)) == 5)
			m = 6;
		type = valid_msg(m, b);
		p = (uint8_t *)buf_ptr(b);
		for (i = 0; i < 3 && buf_len(b) > 0; i++)
			p[random() % buf_len(b)] = (uint8_t)random();
		return type;
	}
	buf_reset(b);
	type = random() % 2 ? (uint8_t)random() :
	    (uint8_t)(9 + random() % 19);
	if (type == SSH_AGENTC_LOCK)	/* a plausible passphrase locks */
		type = SSH_AGENTC_UNLOCK;
	len = (size_t)(random() % 300);
	if (buf_reserve(b, len, &p) != 0)
		exit(2);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)random();
	if (len >= 4 && random() % 2) {	/* a plausible first length */
		p[0] = p[1] = 0;
		p[2] = (uint8_t)(random() % 2);
	}
	return type;
}

static int
a_random(void)
{
	struct buf *b = buf_new();
	unsigned answered = 0, closed = 0, i;
	uint8_t type;
	int fd;

	if (b == NULL || (fd = agent_connect()) == -1)
		return 0;
	for (i = 0; i < NRANDOM; i++) {
		type = random_msg(b);
		if (call(fd, type, b, NULL) >= 0) {
			answered++;
			continue;
		}
		if (closed++ < 5)
			printf("# random frame %u (type %u, %zu bytes): no "
			    "answer\n", i, type, buf_len(b));
		close(fd);
		if ((fd = agent_connect()) == -1)
			return 0;
	}
	close(fd);
	buf_free(b);
	printf("# %u random frames, %u answered\n", NRANDOM, answered);
	return answered == NRANDOM;
}

static long
rss_kib(const char *pid)
{
	char path[64], line[128];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Requests without end, answers never read: the agent must drop us. */
static int
a_noread(const char *agent_pid)
{
	struct buf *b = buf_new(), *f, *batch;
	long rss0 = rss_kib(agent_pid), rss1;
	size_t sent = 0;
	uint64_t t0 = now_us();
	ssize_t n;
	int fd, dropped = 0;

	if (b == NULL || (batch = buf_new()) == NULL ||
	    (fd = agent_connect()) == -1 || buf_put_cstring(b, EXT_QUERY))
		return 0;
	f = frame(SSH_AGENTC_EXTENSION, b);
	while (buf_len(batch) + buf_len(f) <= 64 * 1024)
		if (buf_putb(batch, f) != 0)
			return 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (!dropped && sent < 256u * 1024 * 1024 &&
	    now_us() - t0 < 20000000) {
		if (wait_fd(fd, POLLOUT, 100) <= 0)
			continue;
		n = send(fd, buf_ptr(batch), buf_len(batch), MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			dropped = 1;
	}
	rss1 = rss_kib(agent_pid);
	printf("# flood: %zu bytes sent in %llu ms, %s; agent RSS %ld -> "
	    "%ld KiB\n", sent, (unsigned long long)(now_us() - t0) / 1000,
	    dropped ? "then dropped" : "NOT dropped", rss0, rss1);
	close(fd);
	buf_free(f);
	buf_free(b);
	buf_free(batch);
	return dropped && rss0 > 0 && rss1 > 0 && rss1 - rss0 < 16 * 1024;
}

/* Idle connections, more than the agent keeps, held for 3 s. */
static int
a_conns(void)
{
	int fds[NIDLE], i, n = 0;

	for (i = 0; i < NIDLE; i++)
		if ((fds[i] = agent_connect()) != -1)
			n++;
	printf("# %d idle connections opened\n", n);
	usleep(3000000);
	for (i = 0; i < NIDLE; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return n > 0;
}

static int
attack(const char *name, const char *agent_pid)
{
	if (strcmp(name, "cut") == 0)
		return a_cut();
	if (strcmp(name, "truncated") == 0)
		return a_truncated(0);
	if (strcmp(name, "halfopen") == 0)
		return a_truncated(1);
	if (strcmp(name, "length") == 0)
		return a_length();
	if (strcmp(name, "cap") == 0)
		return a_cap();
	if (strcmp(name, "lie") == 0)
		return a_lie();
	if (strcmp(name, "unknown") == 0)
		return a_unknown();
	if (strcmp(name, "random") == 0)
		return a_random();
	if (strcmp(name, "noread") == 0)
		return a_noread(agent_pid);
	if (strcmp(name, "conns") == 0)
		return a_conns();
	printf("# no attack %s\n", name);
	return 0;
}

int
main(int argc, char **argv)
{
	pid_t good;
	int ok, st = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: hclient SOCK AGENT-PID ATTACK\n");
		return 2;
	}
	sock_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	srandom(4242);	/* the same frames every run */
	fflush(stdout);
	if ((good = fork()) == -1)
		return 2;
	if (good == 0)
		good_run();
	usleep(300000);	/* a few rounds before the attack */
	ok = attack(argv[3], argv[2]);
	usleep(300000);
	kill(good, SIGTERM);
	if (waitpid(good, &st, 0) != good || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		printf("# the good client was not served throughout\n");
		ok = 0;
	}
	return ok ? 0 : 1;
}
