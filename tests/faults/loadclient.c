/*
 * loadclient: many SSH agent clients at once, in one poll() loop, for
 * tests/faults/load.sh.
 *
 *	loadclient SOCK load NCLIENTS TOTAL SIGN_EVERY
 *		NCLIENTS clients, each on its own connection, send TOTAL
 *		requests in all: every SIGN_EVERY-th a SIGN_REQUEST with
 *		the agent's first key, the others REQUEST_IDENTITIES; a
 *		connection is closed and opened again after PER_CONN
 *		requests.  A connect refused for a full listen backlog is
 *		tried again (a blocking client would wait there).  Prints
 *		one line of figures; exits 0 if every request was answered
 *		with the expected reply.
 *	loadclient SOCK cap NIDLE
 *		NIDLE connections, each answered once and then left idle,
 *		then one more: it must get no answer and not be closed for
 *		CAP_WAIT_MS, and be answered once an idle one closes.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "proto.h"

#define CLIENTS_MAX	2000
#define PER_CONN	10	/* requests on one connection */
#define RETRY_MS	10	/* after EAGAIN from connect */
#define DEADLINE_MS	240000
#define CAP_WAIT_MS	300	/* < AGENT_EVICT_IDLE_MS */

enum cstate { C_CLOSED, C_SENDING, C_READING };

struct client {
	int		 fd;
	enum cstate	 state;
	int		 sign;		/* the request in flight is a SIGN */
	unsigned	 nconn;		/* requests on this connection */
	long long	 sent_at;	/* us */
	long long	 retry_at;	/* ms, while closed */
	struct buf	*out;
	struct buf	*in;
};

struct load {
	const char	*sock;
	struct buf	*key;		/* blob of the first key */
	unsigned	 total, sign_every, issued, answered, ok, failed;
	unsigned	 dropped, retries;
	long long	*lat;		/* us per answered request */
};

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *what)
{
	fprintf(stderr, "loadclient: %s%s%s\n", what, errno ? ": " : "",
	    errno ? strerror(errno) : "");
	exit(2);
}

/* A non-blocking connect: the fd, or -1 with errno (EAGAIN: full). */
static int
open_conn(const char *path, int nonblock)
{
	struct sockaddr_un sun;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long");
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0)) == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* One request frame: u32 length, type, payload. */
static void
put_request(struct buf *out, const struct buf *key, int sign)
{
	struct buf *msg;

	if ((msg = buf_new()) == NULL)
		die("out of memory");
	if (sign) {
		if (buf_put_u8(msg, SSH_AGENTC_SIGN_REQUEST) != 0 ||
		    buf_put_stringb(msg, key) != 0 ||
		    buf_put_cstring(msg, "load test data") != 0 ||
		    buf_put_u32(msg, 0) != 0)
			die("out of memory");
	} else if (buf_put_u8(msg, SSH_AGENTC_REQUEST_IDENTITIES) != 0)
		die("out of memory");
	if (buf_put_stringb(out, msg) != 0)
		die("out of memory");
	buf_free(msg);
}

/*
 * Takes one whole reply frame off in: 1 and its type in *typep, 0 if
 * incomplete, -1 if malformed.  The payload is dropped.
 */
static int
take_reply(struct buf *in, uint8_t *typep)
{
	uint32_t len;

	*typep = 0;
	if (buf_peek_u32(in, &len) != 0)
		return 0;
	if (len == 0 || len > AGENT_MSG_MAX)
		return -1;
	if (buf_len(in) - 4 < len)
		return 0;
	if (buf_consume(in, 4) != 0 || buf_get_u8(in, typep) != 0 ||
	    buf_consume(in, len - 1) != 0)
		return -1;
	return 1;
}

/* Reads what is there into in; -1 on EOF or error. */
static int
read_some(int fd, struct buf *in)
{
	uint8_t *p;
	ssize_t n;

	if (buf_reserve(in, 4096, &p) != 0)
		die("out of memory");
	n = read(fd, p, 4096);
	if (buf_consume_end(in, n > 0 ? 4096 - (size_t)n : 4096) != 0)
		die("buffer broken");
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR)))
		return 0;
	return -1;
}

/* A blocking round trip on fd: the reply's type; its payload in body. */
static uint8_t
round_trip(int fd, const struct buf *key, int sign, struct buf *body)
{
	struct buf *out, *in;
	uint32_t len;
	uint8_t type;

	if ((out = buf_new()) == NULL || (in = buf_new()) == NULL)
		die("out of memory");
	put_request(out, key, sign);
	if (write(fd, buf_ptr(out), buf_len(out)) != (ssize_t)buf_len(out))
		die("write");
	while (buf_peek_u32(in, &len) != 0 || buf_len(in) - 4 < len)
		if (read_some(fd, in) != 0)
			die("agent closed the connection");
	if (buf_get_u32(in, &len) != 0 || buf_get_u8(in, &type) != 0 ||
	    (body != NULL && buf_put(body, buf_ptr(in), len - 1) != 0))
		die("malformed reply");
	buf_free(out);
	buf_free(in);
	return type;
}

/* The blob of the agent's first key, for SIGN requests. */
static struct buf *
first_key(const char *sock)
{
	struct buf *body, *key;
	uint32_t n;
	int fd;

	if ((fd = open_conn(sock, 0)) == -1)
		die("connect");
	if ((body = buf_new()) == NULL || (key = buf_new()) == NULL)
		die("out of memory");
	if (round_trip(fd, NULL, 0, body) != SSH_AGENT_IDENTITIES_ANSWER ||
	    buf_get_u32(body, &n) != 0 || n == 0 ||
	    buf_get_stringb(body, key) != 0)
		die("the agent lists no key");
	close(fd);
	buf_free(body);
	return key;
}

static void
client_close(struct client *c, long long retry_at)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = C_CLOSED;
	c->nconn = 0;
	c->retry_at = retry_at;
	buf_reset(c->out);
	buf_reset(c->in);
}

/* Queues the next request if any are left; closes the client if not. */
static void
client_next(struct load *l, struct client *c)
{
	if (l->issued == l->total) {
		client_close(c, -1);
		return;
	}
	if (c->nconn == PER_CONN)
		client_close(c, 0);
	if (c->fd == -1) {
		if ((c->fd = open_conn(l->sock, 1)) == -1) {
			if (errno != EAGAIN)
				die("connect");
			l->retries++;
			c->retry_at = now_us() / 1000 + RETRY_MS;
			return;
		}
	}
	c->sign = l->sign_every != 0 && l->issued % l->sign_every == 0;
	l->issued++;
	c->nconn++;
	put_request(c->out, l->key, c->sign);
	c->sent_at = now_us();
	c->state = C_SENDING;
}

static void
client_write(struct load *l, struct client *c)
{
	ssize_t n;

	n = send(c->fd, buf_ptr(c->out), buf_len(c->out), MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		l->dropped++;
		client_close(c, 0);
		return;
	}
	if (buf_consume(c->out, (size_t)n) != 0)
		die("buffer broken");
	if (buf_len(c->out) == 0)
		c->state = C_READING;
}

static void
client_read(struct load *l, struct client *c)
{
	uint8_t type;
	int r;

	if (read_some(c->fd, c->in) != 0) {
		l->dropped++;	/* closed before the answer */
		client_close(c, 0);
		return;
	}
	if ((r = take_reply(c->in, &type)) == 0)
		return;
	if (r < 0)
		die("malformed reply");
	l->lat[l->answered++] = now_us() - c->sent_at;
	if (type == (c->sign ? SSH_AGENT_SIGN_RESPONSE :
	    SSH_AGENT_IDENTITIES_ANSWER))
		l->ok++;
	else
		l->failed++;
	c->state = C_CLOSED;
	client_next(l, c);
}

/* One poll round over the clients; returns how many are still busy. */
static size_t
load_round(struct load *l, struct client *cs, size_t n, struct pollfd *pfd)
{
	long long now = now_us() / 1000;
	size_t i, busy = 0;

	for (i = 0; i < n; i++) {
		if (cs[i].state == C_CLOSED && cs[i].retry_at >= 0 &&
		    cs[i].retry_at <= now)
			client_next(l, &cs[i]);
		pfd[i].fd = cs[i].state == C_CLOSED ? -1 : cs[i].fd;
		pfd[i].events = cs[i].state == C_SENDING ? POLLOUT : POLLIN;
		pfd[i].revents = 0;
		if (cs[i].state != C_CLOSED || cs[i].retry_at >= 0)
			busy++;
	}
	if (busy == 0)
		return 0;
	if (poll(pfd, n, RETRY_MS) == -1 && errno != EINTR)
		die("poll");
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0 || pfd[i].fd == -1)
			continue;
		if (cs[i].state == C_SENDING)
			client_write(l, &cs[i]);
		else
			client_read(l, &cs[i]);
	}
	return busy;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
report(struct load *l, long long us)
{
	long long p50 = 0, p99 = 0, max = 0;

	if (l->answered > 0) {
		qsort(l->lat, l->answered, sizeof(l->lat[0]), cmp_ll);
		p50 = l->lat[l->answered / 2];
		p99 = l->lat[(l->answered * 99) / 100];
		max = l->lat[l->answered - 1];
	}
	printf("requests %u answered %u ok %u failed %u dropped %u "
	    "connect_retries %u ms %lld rps %lld p50_ms %.1f p99_ms %.1f "
	    "max_ms %.1f\n", l->issued, l->answered, l->ok, l->failed,
	    l->dropped, l->retries, us / 1000, us > 0 ?
	    (long long)l->answered * 1000000 / us : 0, p50 / 1000.0,
	    p99 / 1000.0, max / 1000.0);
}

static int
run_load(const char *sock, size_t n, unsigned total, unsigned sign_every)
{
	struct load l;
	struct client *cs;
	struct pollfd *pfd;
	long long t0 = now_us();
	size_t i;

	memset(&l, 0, sizeof(l));
	l.sock = sock;
	l.total = total;
	l.sign_every = sign_every;
	l.key = first_key(sock);
	if ((cs = calloc(n, sizeof(*cs))) == NULL ||
	    (pfd = calloc(n, sizeof(*pfd))) == NULL ||
	    (l.lat = calloc(total, sizeof(*l.lat))) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		if ((cs[i].out = buf_new()) == NULL ||
		    (cs[i].in = buf_new()) == NULL)
			die("out of memory");
		cs[i].fd = -1;
	}
	while (load_round(&l, cs, n, pfd) > 0)
		if (now_us() - t0 > (long long)DEADLINE_MS * 1000)
			break;
	report(&l, now_us() - t0);
	return l.answered == total && l.ok == total ? 0 : 1;
}

/* ms until fd is readable (or hung up), -1 if not within ms. */
static long long
wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long t0 = now_us();

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return (now_us() - t0) / 1000;
}

static int
run_cap(const char *sock, size_t nidle)
{
	struct buf *out, *in;
	int *fds, extra;
	long long ms;
	uint8_t type;
	size_t i;

	if ((fds = calloc(nidle, sizeof(*fds))) == NULL ||
	    (out = buf_new()) == NULL || (in = buf_new()) == NULL)
		die("out of memory");
	for (i = 0; i < nidle; i++) {
		if ((fds[i] = open_conn(sock, 0)) == -1)
			die("connect");
		if (round_trip(fds[i], NULL, 0, NULL) !=
		    SSH_AGENT_IDENTITIES_ANSWER)
			die("no answer on an idle connection");
	}
	if ((extra = open_conn(sock, 0)) == -1)
		die("connect of the extra client");
	put_request(out, NULL, 0);
	if (write(extra, buf_ptr(out), buf_len(out)) != (ssize_t)buf_len(out))
		die("write");
	if ((ms = wait_readable(extra, CAP_WAIT_MS)) >= 0) {
		printf("extra client: %s after %lld ms while %zu are open\n",
		    read_some(extra, in) == 0 ? "answered" : "closed", ms,
		    nidle);
		return 1;
	}
	printf("extra client: waiting after %d ms\n", CAP_WAIT_MS);
	close(fds[0]);
	if ((ms = wait_readable(extra, 5000)) < 0 ||
	    read_some(extra, in) != 0 || take_reply(in, &type) != 1 ||
	    type != SSH_AGENT_IDENTITIES_ANSWER) {
		printf("extra client: no answer after an idle one closed\n");
		return 1;
	}
	printf("extra client: answered %lld ms after an idle one closed\n",
	    ms);
	return 0;
}

int
main(int argc, char **argv)
{
	long n;

	if (argc == 6 && strcmp(argv[2], "load") == 0 &&
	    (n = atol(argv[3])) > 0 && n <= CLIENTS_MAX && atol(argv[4]) > 0)
		return run_load(argv[1], (size_t)n, (unsigned)atol(argv[4]),
		    (unsigned)atol(argv[5]));
	if (argc == 4 && strcmp(argv[2], "cap") == 0 &&
	    (n = atol(argv[3])) > 0 && n <= CLIENTS_MAX)
		return run_cap(argv[1], (size_t)n);
	fprintf(stderr, "usage: loadclient SOCK load NCLIENTS TOTAL "
	    "SIGN_EVERY\n       loadclient SOCK cap NIDLE\n");
	return 2;
}
