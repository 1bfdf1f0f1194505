/* Unit tests for common/privsep.c over real socketpairs: round trips,
 * frames split across reads and packed into one, the HELLO handshake,
 * every kind of malformed frame, a peer that stops reading, and passing
 * descriptors (where a channel allows it, and where it does not). */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "privsep.h"

#define T_REQ		16	/* small payloads */
#define T_BIG		17	/* up to BIG_MAX */
#define REQ_MAX		64
#define BIG_MAX		1000
#define FRAME_MAX	2048
#define QUEUE_MAX	4096

static const struct privsep_permit permits[] = {
	{ T_REQ, "REQ", REQ_MAX },
	{ T_BIG, "BIG", BIG_MAX },
};

/* "a" plays agent, "b" plays cardd; both accept the same types; b's
 * buffers are secret ones (the same frames through locked pages), and
 * so are the BIG payloads it receives. */
static const struct privsep_chan_conf conf_a = {
	"test a->b", PRIVSEP_ROLE_AGENT, PRIVSEP_ROLE_CARDD, FRAME_MAX,
	QUEUE_MAX, permits, 2, 0, 0, PRIVSEP_MSG_NONE,
};
static const struct privsep_chan_conf conf_b = {
	"test b->a", PRIVSEP_ROLE_CARDD, PRIVSEP_ROLE_AGENT, FRAME_MAX,
	QUEUE_MAX, permits, 2, 0, 1, T_BIG,
};
/* "s" plays the supervisor, "h" a helper: descriptors may pass. */
static const struct privsep_chan_conf conf_s = {
	"test s->h", PRIVSEP_ROLE_SUPERVISOR, PRIVSEP_ROLE_PINSTORE, FRAME_MAX,
	QUEUE_MAX, permits, 2, 1, 0, PRIVSEP_MSG_NONE,
};
static const struct privsep_chan_conf conf_h = {
	"test h->s", PRIVSEP_ROLE_PINSTORE, PRIVSEP_ROLE_SUPERVISOR, FRAME_MAX,
	QUEUE_MAX, permits, 2, 1, 0, PRIVSEP_MSG_NONE,
};
/* A helper end that does not pass descriptors. */
static const struct privsep_chan_conf conf_h_plain = {
	"test h->s plain", PRIVSEP_ROLE_PINSTORE, PRIVSEP_ROLE_SUPERVISOR,
	FRAME_MAX, QUEUE_MAX, permits, 2, 0, 0, PRIVSEP_MSG_NONE,
};

static void
make_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static struct privsep_chan *
chan_on(int fd, const struct privsep_chan_conf *conf)
{
	struct privsep_chan *c = NULL;

	assert_int_equal(privsep_chan_new(fd, conf, &c), 0);
	assert_non_null(c);
	return c;
}

static void
flush_all(struct privsep_chan *c)
{
	int pending = 1;

	assert_int_equal(privsep_flush(c, &pending), 0);
	assert_int_equal(pending, 0);
	assert_false(privsep_want_write(c));
}

/* Expect exactly one frame of the given type and id; return its payload. */
static struct buf *
expect_frame(struct privsep_chan *c, uint8_t type, uint32_t id)
{
	struct buf *payload = NULL;
	uint32_t gid;
	uint8_t gtype;

	assert_int_equal(privsep_get(c, &gtype, &gid, &payload), 0);
	assert_non_null(payload);
	assert_int_equal(gtype, type);
	assert_int_equal(gid, id);
	return payload;
}

static void
expect_nothing(struct privsep_chan *c)
{
	struct buf *payload = NULL;
	uint32_t id;
	uint8_t type;

	assert_int_equal(privsep_get(c, &type, &id, &payload), 0);
	assert_null(payload);
}

static void
expect_violation(struct privsep_chan *c, int err)
{
	struct buf *payload = NULL;
	uint32_t id;
	uint8_t type;

	assert_int_equal(privsep_get(c, &type, &id, &payload), err);
	assert_null(payload);
	/* The channel stays dead. */
	assert_int_equal(privsep_get(c, &type, &id, &payload), err);
	assert_int_equal(privsep_read(c), err);
}

/* Encode a raw frame whose length field says len (not checked). */
static struct buf *
raw_frame(uint32_t len, uint8_t type, uint32_t id, const void *p, size_t n)
{
	struct buf *b = buf_new();

	assert_non_null(b);
	assert_int_equal(buf_put_u32(b, len), 0);
	assert_int_equal(buf_put_u8(b, type), 0);
	assert_int_equal(buf_put_u32(b, id), 0);
	assert_int_equal(buf_put(b, p, n), 0);
	return b;
}

static void
write_buf(int fd, const struct buf *b, size_t n)
{
	assert_true(n <= buf_len(b));
	assert_int_equal(write(fd, buf_ptr(b), n), (ssize_t)n);
}

static void
send_raw(int fd, uint32_t len, uint8_t type, uint32_t id, const void *p,
    size_t n)
{
	struct buf *b = raw_frame(len, type, id, p, n);

	write_buf(fd, b, buf_len(b));
	buf_free(b);
}

static void
send_hello(int fd, uint32_t version, uint8_t role)
{
	struct buf *p = buf_new();

	assert_int_equal(buf_put_u32(p, version), 0);
	assert_int_equal(buf_put_u8(p, role), 0);
	send_raw(fd, PRIVSEP_HDR_SIZE + buf_len(p), PRIVSEP_MSG_HELLO, 0,
	    buf_ptr(p), buf_len(p));
	buf_free(p);
}

/* A channel "b" whose peer is a raw fd that has already said HELLO. */
static struct privsep_chan *
raw_peer(int sv[2])
{
	struct privsep_chan *c;

	make_pair(sv);
	c = chan_on(sv[1], &conf_b);
	send_hello(sv[0], PRIVSEP_VERSION, PRIVSEP_ROLE_AGENT);
	assert_int_equal(privsep_read(c), 0);
	expect_nothing(c);
	assert_true(privsep_ready(c));
	return c;
}

static void
close_pair(int sv[2])
{
	if (sv[0] != -1)
		close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
}

static void
queue_cstring(struct privsep_chan *c, uint8_t type, uint32_t id,
    const char *s)
{
	struct buf *p = buf_new();

	assert_int_equal(buf_put_cstring(p, s), 0);
	assert_int_equal(privsep_queue(c, type, id, p), 0);
	buf_free(p);
}

static void
expect_cstring(struct privsep_chan *c, uint8_t type, uint32_t id,
    const char *want)
{
	struct buf *p = expect_frame(c, type, id);
	char *s = NULL;

	assert_int_equal(buf_get_cstring(p, &s, NULL), 0);
	assert_string_equal(s, want);
	assert_int_equal(buf_len(p), 0);
	free(s);
	buf_free(p);
}

static void
test_round_trip(void **state)
{
	struct privsep_chan *a, *b;
	uint32_t id1, id2;
	int sv[2];

	make_pair(sv);
	a = chan_on(sv[0], &conf_a);
	b = chan_on(sv[1], &conf_b);
	assert_false(privsep_ready(a));
	id1 = privsep_next_id(a);
	id2 = privsep_next_id(a);
	assert_true(id1 != 0 && id2 != 0 && id1 != id2);
	/* Queued before the handshake: HELLO still goes first. */
	queue_cstring(a, T_REQ, id1, "list");
	queue_cstring(a, T_BIG, id2, "sign this");
	assert_int_equal(privsep_queue(a, T_REQ, 0, NULL), 0);
	assert_true(privsep_want_write(a));
	flush_all(a);
	flush_all(b);
	/* All four frames arrive in one read. */
	assert_int_equal(privsep_read(b), 0);
	expect_cstring(b, T_REQ, id1, "list");
	assert_true(privsep_ready(b));
	expect_cstring(b, T_BIG, id2, "sign this");
	buf_free(expect_frame(b, T_REQ, 0));
	expect_nothing(b);
	/* Answers out of order, matched by id. */
	queue_cstring(b, T_BIG, id2, "signature");
	queue_cstring(b, T_REQ, id1, "keys");
	flush_all(b);
	assert_int_equal(privsep_read(a), 0);
	expect_cstring(a, T_BIG, id2, "signature");
	expect_cstring(a, T_REQ, id1, "keys");
	expect_nothing(a);
	assert_true(privsep_ready(a));
	privsep_chan_free(a);
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_byte_at_a_time(void **state)
{
	struct privsep_chan *a, *b;
	struct buf *wire = buf_new();
	uint8_t chunk[4096], one;
	int sa[2], sb[2], got = 0;
	ssize_t n;
	struct buf *payload;
	uint32_t id;
	uint8_t type;

	make_pair(sa);
	make_pair(sb);
	a = chan_on(sa[0], &conf_a);
	b = chan_on(sb[1], &conf_b);
	queue_cstring(a, T_REQ, 7, "first");
	queue_cstring(a, T_BIG, 0xffffffffU, "second");
	flush_all(a);
	/* Capture a's bytes, then feed them to b one at a time. */
	while ((n = read(sa[1], chunk, sizeof(chunk))) > 0) {
		assert_int_equal(buf_put(wire, chunk, (size_t)n), 0);
		if (n < (ssize_t)sizeof(chunk))
			break;
	}
	while (buf_len(wire) > 0) {
		assert_int_equal(buf_get_u8(wire, &one), 0);
		assert_int_equal(write(sb[0], &one, 1), 1);
		assert_int_equal(privsep_read(b), 0);
		payload = NULL;
		assert_int_equal(privsep_get(b, &type, &id, &payload), 0);
		if (payload == NULL)
			continue;
		if (got++ == 0)
			assert_true(type == T_REQ && id == 7);
		else
			assert_true(type == T_BIG && id == 0xffffffffU);
		buf_free(payload);
	}
	assert_int_equal(got, 2);
	/* Nothing to read: not an error. */
	assert_int_equal(privsep_read(b), 0);
	expect_nothing(b);
	/* Clean close at a frame boundary. */
	close(sb[0]);
	sb[0] = -1;
	assert_int_equal(privsep_read(b), ERR_EOF);
	buf_free(wire);
	privsep_chan_free(a);
	privsep_chan_free(b);
	close_pair(sa);
	close_pair(sb);
}

static void
test_handshake_version_mismatch(void **state)
{
	struct privsep_chan *b;
	int sv[2];

	make_pair(sv);
	b = chan_on(sv[1], &conf_b);
	send_hello(sv[0], PRIVSEP_VERSION + 1, PRIVSEP_ROLE_AGENT);
	assert_int_equal(privsep_read(b), 0);
	expect_violation(b, ERR_FORMAT);
	assert_false(privsep_ready(b));
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_handshake_wrong_role(void **state)
{
	struct privsep_chan *b;
	int sv[2];

	make_pair(sv);
	b = chan_on(sv[1], &conf_b);
	send_hello(sv[0], PRIVSEP_VERSION, PRIVSEP_ROLE_PINSTORE);
	assert_int_equal(privsep_read(b), 0);
	expect_violation(b, ERR_FORMAT);
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_handshake_required_first(void **state)
{
	struct privsep_chan *b;
	int sv[2];

	make_pair(sv);
	b = chan_on(sv[1], &conf_b);
	send_raw(sv[0], PRIVSEP_HDR_SIZE, T_REQ, 1, NULL, 0);
	assert_int_equal(privsep_read(b), 0);
	expect_violation(b, ERR_FORMAT);
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_hello_twice_or_malformed(void **state)
{
	static const uint8_t six[6] = { 0, 0, 0, PRIVSEP_VERSION, 2, 0 };
	struct privsep_chan *b;
	int sv[2];

	b = raw_peer(sv);
	send_hello(sv[0], PRIVSEP_VERSION, PRIVSEP_ROLE_AGENT);
	assert_int_equal(privsep_read(b), 0);
	expect_violation(b, ERR_FORMAT);
	privsep_chan_free(b);
	close_pair(sv);

	/* A HELLO one byte longer than it should be. */
	make_pair(sv);
	b = chan_on(sv[1], &conf_b);
	send_raw(sv[0], PRIVSEP_HDR_SIZE + 6, PRIVSEP_MSG_HELLO, 0, six, 6);
	assert_int_equal(privsep_read(b), 0);
	expect_violation(b, ERR_TOO_LARGE);
	privsep_chan_free(b);
	close_pair(sv);
}

/* Send only the first `n` bytes of a frame and expect `err` at once. */
static void
check_bad_header(uint32_t len, uint8_t type, size_t n, int err)
{
	static const uint8_t zeros[8];
	struct privsep_chan *b;
	struct buf *f;
	int sv[2];

	b = raw_peer(sv);
	f = raw_frame(len, type, 1, zeros, sizeof(zeros));
	write_buf(sv[0], f, n);
	assert_int_equal(privsep_read(b), 0);
	expect_violation(b, err);
	buf_free(f);
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_malformed_lengths(void **state)
{
	check_bad_header(0, T_REQ, 4, ERR_FORMAT);
	check_bad_header(1, T_REQ, 5, ERR_FORMAT);
	check_bad_header(PRIVSEP_HDR_SIZE - 1, T_REQ, 8, ERR_FORMAT);
	check_bad_header(FRAME_MAX - PRIVSEP_LEN_SIZE + 1, T_BIG, 4,
	    ERR_TOO_LARGE);
	check_bad_header(0xffffffffU, T_BIG, 4, ERR_TOO_LARGE);
}

static void
test_malformed_types(void **state)
{
	check_bad_header(PRIVSEP_HDR_SIZE, 99, 5, ERR_FORMAT);
	check_bad_header(PRIVSEP_HDR_SIZE, PRIVSEP_MSG_NONE, 5, ERR_FORMAT);
	check_bad_header(PRIVSEP_HDR_SIZE, 2, 5, ERR_FORMAT);
	/* Oversize payload: refused from the header alone. */
	check_bad_header(PRIVSEP_HDR_SIZE + REQ_MAX + 1, T_REQ, 5,
	    ERR_TOO_LARGE);
	check_bad_header(PRIVSEP_HDR_SIZE + BIG_MAX + 1, T_BIG, 9,
	    ERR_TOO_LARGE);
}

static void
test_payload_at_cap(void **state)
{
	uint8_t big[BIG_MAX];
	struct privsep_chan *b;
	struct buf *p;
	int sv[2];

	memset(big, 0xa5, sizeof(big));
	b = raw_peer(sv);
	send_raw(sv[0], PRIVSEP_HDR_SIZE + BIG_MAX, T_BIG, 42, big,
	    sizeof(big));
	send_raw(sv[0], PRIVSEP_HDR_SIZE + REQ_MAX, T_REQ, 43, big, REQ_MAX);
	assert_int_equal(privsep_read(b), 0);
	p = expect_frame(b, T_BIG, 42);
	assert_int_equal(buf_len(p), BIG_MAX);
	assert_memory_equal(buf_ptr(p), big, BIG_MAX);
	buf_free(p);
	p = expect_frame(b, T_REQ, 43);
	assert_int_equal(buf_len(p), REQ_MAX);
	buf_free(p);
	expect_nothing(b);
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_truncated_at_eof(void **state)
{
	static const uint8_t body[10];
	struct privsep_chan *b;
	struct buf *f;
	int sv[2];

	b = raw_peer(sv);
	f = raw_frame(PRIVSEP_HDR_SIZE + sizeof(body), T_REQ, 5, body,
	    sizeof(body));
	write_buf(sv[0], f, buf_len(f) - 1);
	assert_int_equal(privsep_read(b), 0);
	expect_nothing(b);
	close(sv[0]);
	sv[0] = -1;
	assert_int_equal(privsep_read(b), ERR_TRUNCATED);
	buf_free(f);
	privsep_chan_free(b);
	close_pair(sv);
}

static void
test_peer_stops_reading(void **state)
{
	uint8_t big[BIG_MAX];
	struct privsep_chan *a;
	struct buf *p;
	int sv[2], i, r = 0, pending = 0, sndbuf = 4096;

	make_pair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)), 0);
	a = chan_on(sv[0], &conf_a);
	memset(big, 1, sizeof(big));
	p = buf_dup(big, sizeof(big));
	for (i = 0; i < 100000; i++) {
		if ((r = privsep_queue(a, T_BIG, (uint32_t)i, p)) != 0)
			break;
		assert_int_equal(privsep_flush(a, &pending), 0);
	}
	assert_int_equal(r, ERR_NO_SPACE);
	assert_true(pending);
	assert_true(privsep_want_write(a));
	/* A frame over the channel's cap never fits. */
	assert_int_equal(buf_put(p, big, sizeof(big)), 0);
	assert_int_equal(privsep_queue(a, T_BIG, 1, p), ERR_NO_SPACE);
	/* HELLO and reserved types are not the caller's to send. */
	assert_int_equal(privsep_queue(a, PRIVSEP_MSG_HELLO, 0, NULL),
	    ERR_ARGUMENT);
	/* A vanished peer is an error, not SIGPIPE. */
	close(sv[1]);
	sv[1] = -1;
	assert_int_equal(privsep_flush(a, &pending), ERR_SYSTEM);
	buf_free(p);
	privsep_chan_free(a);
	close_pair(sv);
}

/* Read until a frame is complete; return it, with its descriptor. */
static struct buf *
next_frame(struct privsep_chan *c, uint8_t type, uint32_t id, int *fdp)
{
	struct buf *payload = NULL;
	uint32_t gid;
	uint8_t gtype;
	int i;

	for (i = 0; i < 100 && payload == NULL; i++) {
		assert_int_equal(privsep_get(c, &gtype, &gid, &payload), 0);
		if (payload == NULL)
			assert_int_equal(privsep_read(c), 0);
	}
	assert_non_null(payload);
	assert_int_equal(gtype, type);
	assert_int_equal(gid, id);
	*fdp = privsep_take_fd(c);
	assert_int_equal(privsep_take_fd(c), -1);	/* once only */
	return payload;
}

/* Read until the channel reports a violation. */
static void
read_until(struct privsep_chan *c, int err)
{
	struct buf *payload = NULL;
	uint32_t id;
	uint8_t type;
	int i, r = 0;

	for (i = 0; i < 100 && r == 0; i++) {
		if ((r = privsep_read(c)) == 0)
			r = privsep_get(c, &type, &id, &payload);
		assert_null(payload);
	}
	assert_int_equal(r, err);
	assert_int_equal(privsep_read(c), err);
}

/* The pipe's write end is closed everywhere: its reader sees EOF. */
static void
assert_pipe_closed(int rfd)
{
	char ch;

	assert_int_equal(read(rfd, &ch, 1), 0);
}

static void
queue_with_fd(struct privsep_chan *c, uint32_t id, const char *s, int fd)
{
	struct buf *p = buf_new();

	assert_int_equal(buf_put_cstring(p, s), 0);
	assert_int_equal(privsep_queue_fd(c, T_REQ, id, p, fd), 0);
	buf_free(p);
}

/* sendmsg() raw bytes with n copies of fd. */
static void
sendmsg_fds(int sock, const struct buf *b, size_t len, int fd, size_t n)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		space[CMSG_SPACE(2 * sizeof(int))];
	} control;
	struct iovec iov = { (void *)buf_ptr(b), len };
	struct msghdr msg;
	struct cmsghdr *cmsg;
	int fds[2] = { fd, fd };

	assert_true(n >= 1 && n <= 2);
	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &control;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	assert_int_equal(sendmsg(sock, &msg, 0), (ssize_t)len);
}

/* A pipe end passed along with frames works; plain frames carry none. */
static void
test_fd_pass_pipe(void **state)
{
	struct privsep_chan *s, *h;
	struct buf *p;
	int sv[2], pfd[2], got, plain, i;
	char ch = 0;

	make_pair(sv);
	assert_int_equal(pipe(pfd), 0);
	s = chan_on(sv[0], &conf_s);
	h = chan_on(sv[1], &conf_h);
	queue_cstring(s, T_REQ, 1, "before");
	queue_with_fd(s, 2, "pipe", pfd[1]);
	queue_with_fd(s, 3, "again", pfd[1]);	/* back to back */
	queue_cstring(s, T_REQ, 4, "after");
	flush_all(s);
	close(pfd[1]);	/* the channel sent its own duplicates */
	p = next_frame(h, T_REQ, 1, &plain);
	assert_int_equal(plain, -1);
	buf_free(p);
	for (i = 2; i <= 3; i++) {
		p = next_frame(h, T_REQ, (uint32_t)i, &got);
		assert_true(got >= 0);
		assert_int_equal(fcntl(got, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		assert_int_equal(write(got, "x", 1), 1);
		assert_int_equal(read(pfd[0], &ch, 1), 1);
		assert_int_equal(ch, 'x');
		close(got);
		buf_free(p);
	}
	p = next_frame(h, T_REQ, 4, &plain);
	assert_int_equal(plain, -1);
	buf_free(p);
	assert_pipe_closed(pfd[0]);
	close(pfd[0]);
	privsep_chan_free(s);
	privsep_chan_free(h);
	close_pair(sv);
}

/* A descriptor nobody takes is closed by the next frame or the free. */
static void
test_fd_unclaimed_closed(void **state)
{
	struct privsep_chan *s, *h;
	int sv[2], pfd[2], qfd[2], i;

	make_pair(sv);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(pipe(qfd), 0);
	s = chan_on(sv[0], &conf_s);
	h = chan_on(sv[1], &conf_h);
	queue_with_fd(s, 1, "one", pfd[1]);
	queue_with_fd(s, 2, "two", qfd[1]);
	flush_all(s);
	close(pfd[1]);
	close(qfd[1]);
	for (i = 0; i < 20; i++)	/* one frame takes a few reads */
		assert_int_equal(privsep_read(h), 0);
	/* The first frame's descriptor is not taken. */
	buf_free(expect_frame(h, T_REQ, 1));
	buf_free(expect_frame(h, T_REQ, 2));
	assert_pipe_closed(pfd[0]);
	privsep_chan_free(h);	/* the second one, received, not taken */
	assert_pipe_closed(qfd[0]);
	close(pfd[0]);
	close(qfd[0]);
	privsep_chan_free(s);
	close_pair(sv);
}

/* Any descriptor on a channel that passes none is a violation. */
static void
test_fd_on_plain_channel(void **state)
{
	struct privsep_chan *s, *h;
	int sv[2], pfd[2];

	make_pair(sv);
	assert_int_equal(pipe(pfd), 0);
	s = chan_on(sv[0], &conf_s);
	h = chan_on(sv[1], &conf_h_plain);
	assert_int_equal(privsep_queue_fd(h, T_REQ, 1, NULL, pfd[1]),
	    ERR_ARGUMENT);
	queue_with_fd(s, 1, "pipe", pfd[1]);
	flush_all(s);
	close(pfd[1]);
	read_until(h, ERR_FORMAT);
	assert_pipe_closed(pfd[0]);
	close(pfd[0]);
	privsep_chan_free(s);
	privsep_chan_free(h);
	close_pair(sv);
}

/* Two descriptors for one frame, or one not on its first byte. */
static void
test_fd_misplaced(void **state)
{
	struct privsep_chan *h;
	struct buf *b;
	int sv[2], pfd[2], i;

	assert_int_equal(pipe(pfd), 0);
	for (i = 0; i < 2; i++) {
		make_pair(sv);
		h = chan_on(sv[1], &conf_h);
		send_hello(sv[0], PRIVSEP_VERSION, PRIVSEP_ROLE_SUPERVISOR);
		b = raw_frame(PRIVSEP_HDR_SIZE + 3, T_REQ, 1, "abc", 3);
		if (i == 0)
			sendmsg_fds(sv[0], b, buf_len(b), pfd[1], 2);
		else {
			write_buf(sv[0], b, 2);
			assert_int_equal(buf_consume(b, 2), 0);
			sendmsg_fds(sv[0], b, buf_len(b), pfd[1], 1);
		}
		buf_free(b);
		read_until(h, ERR_FORMAT);
		privsep_chan_free(h);
		close_pair(sv);
	}
	close(pfd[1]);
	assert_pipe_closed(pfd[0]);
	close(pfd[0]);
}

/* A descriptor with the peer's HELLO is a violation too. */
static void
test_fd_with_hello(void **state)
{
	struct privsep_chan *h;
	struct buf *b, *p = buf_new();
	int sv[2], pfd[2];

	assert_int_equal(pipe(pfd), 0);
	make_pair(sv);
	h = chan_on(sv[1], &conf_h);
	assert_int_equal(buf_put_u32(p, PRIVSEP_VERSION), 0);
	assert_int_equal(buf_put_u8(p, PRIVSEP_ROLE_SUPERVISOR), 0);
	b = raw_frame(PRIVSEP_HDR_SIZE + buf_len(p), PRIVSEP_MSG_HELLO, 0,
	    buf_ptr(p), buf_len(p));
	sendmsg_fds(sv[0], b, buf_len(b), pfd[1], 1);
	read_until(h, ERR_FORMAT);
	privsep_chan_free(h);
	close(pfd[1]);
	assert_pipe_closed(pfd[0]);
	close(pfd[0]);
	buf_free(b);
	buf_free(p);
	close_pair(sv);
}

static void
test_bad_conf(void **state)
{
	static const struct privsep_permit reserved[] = {
		{ PRIVSEP_MSG_HELLO, "HELLO", 5 },
	};
	static const struct privsep_permit dup[] = {
		{ T_REQ, "REQ", 1 }, { T_REQ, "REQ", 2 },
	};
	struct privsep_chan_conf conf = conf_a;
	struct privsep_chan *c = (struct privsep_chan *)&conf;
	int sv[2];

	make_pair(sv);
	conf.permit = reserved;
	conf.npermit = 1;
	assert_int_equal(privsep_chan_new(sv[0], &conf, &c), ERR_ARGUMENT);
	assert_null(c);
	conf.permit = dup;
	conf.npermit = 2;
	assert_int_equal(privsep_chan_new(sv[0], &conf, &c), ERR_ARGUMENT);
	conf = conf_a;
	conf.max_frame = PRIVSEP_FRAME_MAX + 1;
	assert_int_equal(privsep_chan_new(sv[0], &conf, &c), ERR_ARGUMENT);
	conf = conf_a;
	conf.max_queued = FRAME_MAX - 1;
	assert_int_equal(privsep_chan_new(sv[0], &conf, &c), ERR_ARGUMENT);
	close_pair(sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_handshake_version_mismatch),
		cmocka_unit_test(test_handshake_wrong_role),
		cmocka_unit_test(test_handshake_required_first),
		cmocka_unit_test(test_hello_twice_or_malformed),
		cmocka_unit_test(test_malformed_lengths),
		cmocka_unit_test(test_malformed_types),
		cmocka_unit_test(test_payload_at_cap),
		cmocka_unit_test(test_truncated_at_eof),
		cmocka_unit_test(test_peer_stops_reading),
		cmocka_unit_test(test_bad_conf),
		cmocka_unit_test(test_fd_pass_pipe),
		cmocka_unit_test(test_fd_unclaimed_closed),
		cmocka_unit_test(test_fd_on_plain_channel),
		cmocka_unit_test(test_fd_misplaced),
		cmocka_unit_test(test_fd_with_hello),
	};

	log_init("test_privsep", LOG_LEVEL_ERROR, 1);
	return cmocka_run_group_tests_name("privsep", tests, NULL, NULL);
}
