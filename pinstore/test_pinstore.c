/*
 * The cardagent-pinstore process end to end: this test plays the
 * supervisor (a socketpair at descriptor 3, PEER messages) and cardd
 * (requests on the handed-over channel), and checks that each
 * backend's sandbox kills the process on its forbidden socket().
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "privsep.h"
#include "status.h"

#define ID1	"0000:01234567"

static const struct privsep_chan_conf sv_conf = {
	.name = "test supervisor", .self = PRIVSEP_ROLE_SUPERVISOR,
	.peer = PRIVSEP_ROLE_PINSTORE, .max_frame = SV_FRAME_MAX,
	.max_queued = 4 * SV_FRAME_MAX, .permit = NULL, .npermit = 0,
	.pass_fds = 1,
};

static const struct privsep_permit cardd_permits[] = {
	{ CP_OK, "OK", 0 },
	{ CP_FAIL, "FAIL", 4 + 4 + 1024 },
	{ CP_PIN, "PIN", 4 + 127 },
	{ CP_NONE, "NONE", 0 },
	{ CP_STATUS_REPLY, "STATUS_REPLY", 9 },
};

static const struct privsep_chan_conf cardd_conf = {
	.name = "test cardd", .self = PRIVSEP_ROLE_CARDD,
	.peer = PRIVSEP_ROLE_PINSTORE, .max_frame = CP_FRAME_MAX,
	.max_queued = 4 * CP_FRAME_MAX, .permit = cardd_permits,
	.npermit = 5,
};

struct proc {
	char		 dir[64];
	char		 path[128];	/* the store file */
	pid_t		 pid;
	int		 svfd;
	struct privsep_chan *sv;
	int		 cfd;
	struct privsep_chan *cardd;
};

/* The program: "pinstore", or "pinstore-secret" for the Secret Service. */
static const char *
binary_of(const char *name)
{
	static char path[1024];
	const char *top = getenv("top_builddir");

	snprintf(path, sizeof(path), "%s/pinstore/cardagent-%s",
	    top != NULL ? top : ".", name);
	return path;
}

static const char *
binary(void)
{
	return binary_of("pinstore");
}

static void
flush(struct privsep_chan *chan)
{
	int pending;

	do {
		assert_int_equal(privsep_flush(chan, &pending), 0);
	} while (pending);
}

/* Hand pinstore a fresh cardd channel; we keep the other end. */
static void
send_peer(struct proc *p)
{
	struct buf *b = buf_new();
	int sv[2];

	if (p->cardd != NULL) {
		privsep_chan_free(p->cardd);
		close(p->cfd);
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(buf_put_u8(b, PRIVSEP_ROLE_CARDD), 0);
	assert_int_equal(privsep_queue_fd(p->sv, SV_PEER, 0, b, sv[1]), 0);
	flush(p->sv);
	close(sv[1]);
	buf_free(b);
	p->cfd = sv[0];
	assert_int_equal(privsep_chan_new(p->cfd, &cardd_conf, &p->cardd), 0);
}

static int
setup(void **state)
{
	struct proc *p = calloc(1, sizeof(*p));
	int sv[2];

	strlcpy(p->dir, "/tmp/test_pinstore.XXXXXX", sizeof(p->dir));
	if (mkdtemp(p->dir) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	snprintf(p->path, sizeof(p->path), "%s/cardagent/pins", p->dir);
	if ((p->pid = fork()) == 0) {
		setenv("XDG_DATA_HOME", p->dir, 1);
		close(sv[0]);
		if (dup2(sv[1], SUPERVISOR_FD) == -1)
			_exit(1);
		closefrom(SUPERVISOR_FD + 1);
		execl(binary(), "cardagent-pinstore", "-d", "-d", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	p->svfd = sv[0];
	if (privsep_chan_new(p->svfd, &sv_conf, &p->sv) != 0)
		return -1;
	send_peer(p);
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct proc *p = *state;
	char cmd[128];
	int status;

	privsep_chan_free(p->cardd);
	close(p->cfd);
	privsep_chan_free(p->sv);
	close(p->svfd);		/* supervisor gone: pinstore exits */
	if (waitpid(p->pid, &status, 0) != p->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	if (system(cmd) != 0)
		return -1;
	free(p);
	return 0;
}

/* One request, its reply (3 s at most); ERR_EOF if pinstore closed. */
static int
rpc(struct proc *p, uint8_t type, struct buf *req, uint8_t *rtypep,
    struct buf **replyp)
{
	struct pollfd pfd = { p->cfd, POLLIN, 0 };
	uint32_t id = privsep_next_id(p->cardd), rid;
	int r;

	assert_int_equal(privsep_queue(p->cardd, type, id, req), 0);
	flush(p->cardd);
	for (;;) {
		if ((r = privsep_get(p->cardd, rtypep, &rid, replyp)) != 0)
			return r;
		if (*replyp != NULL) {
			assert_int_equal(rid, id);
			return 0;
		}
		assert_int_equal(poll(&pfd, 1, 3000), 1);
		if ((r = privsep_read(p->cardd)) != 0)
			return r;
	}
}

static struct buf *
ident_req(const char *ident)
{
	struct buf *b = buf_new();

	assert_int_equal(buf_put_cstring(b, ident), 0);
	return b;
}

/* Send an ident-only request (or PUT with pin) and return the reply type. */
static uint8_t
ask(struct proc *p, uint8_t type, const char *ident, const char *pin,
    uint32_t life, struct buf **replyp)
{
	struct buf *req = ident_req(ident), *reply = NULL;
	uint8_t rtype;

	if (type == CP_PUT)
		assert_int_equal(buf_put_cstring(req, pin) |
		    buf_put_u32(req, life) | buf_put_u32(req, 0), 0);
	assert_int_equal(rpc(p, type, req, &rtype, &reply), 0);
	buf_free(req);
	if (replyp != NULL)
		*replyp = reply;
	else
		buf_free(reply);
	return rtype;
}

static void
assert_pin(struct proc *p, const char *ident, const char *want)
{
	struct buf *reply = NULL;
	uint8_t *pin = NULL;
	size_t len;

	if (want == NULL) {
		assert_int_equal(ask(p, CP_GET, ident, NULL, 0, NULL),
		    CP_NONE);
		return;
	}
	assert_int_equal(ask(p, CP_GET, ident, NULL, 0, &reply), CP_PIN);
	assert_int_equal(buf_get_string(reply, &pin, &len), 0);
	assert_int_equal(buf_len(reply), 0);
	assert_string_equal((char *)pin, want);
	free(pin);
	buf_free(reply);
}

static void
assert_fail(struct proc *p, uint8_t type, const char *ident, const char *pin,
    uint32_t reason, const char *needle)
{
	struct buf *reply = NULL;
	uint32_t got;
	char *msg = NULL;

	assert_int_equal(ask(p, type, ident, pin, 0, &reply), CP_FAIL);
	assert_int_equal(buf_get_u32(reply, &got), 0);
	assert_int_equal(got, reason);
	assert_int_equal(buf_get_cstring(reply, &msg, NULL), 0);
	if (strstr(msg, needle) == NULL)
		fail_msg("FAIL message \"%s\" lacks \"%s\"", msg, needle);
	free(msg);
	buf_free(reply);
}

static void
test_round_trips(void **state)
{
	struct proc *p = *state;
	struct stat st;

	assert_pin(p, ID1, NULL);
	assert_int_equal(ask(p, CP_PUT, ID1, "123456", 0, NULL), CP_OK);
	assert_pin(p, ID1, "123456");
	assert_int_equal(stat(p->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(ask(p, CP_INVALIDATE, ID1, NULL, 0, NULL), CP_OK);
	assert_pin(p, ID1, NULL);
	assert_int_equal(ask(p, CP_PUT, ID1, "654321", 0, NULL), CP_OK);
	assert_pin(p, ID1, "654321");
	assert_int_equal(ask(p, CP_DELETE, ID1, NULL, 0, NULL), CP_OK);
	assert_pin(p, ID1, NULL);
	assert_int_equal(ask(p, CP_DELETE, ID1, NULL, 0, NULL), CP_OK);
	/* Memory only: expires after its lifetime; DROP_MEMORY forgets. */
	assert_int_equal(ask(p, CP_PUT, ID1, "111111", 1, NULL), CP_OK);
	assert_pin(p, ID1, "111111");
	usleep(1100 * 1000);
	assert_pin(p, ID1, NULL);
}

static void
test_drop_memory(void **state)
{
	struct proc *p = *state;
	struct buf *reply = NULL;
	uint8_t rtype;

	assert_int_equal(ask(p, CP_PUT, ID1, "222222", 600, NULL), CP_OK);
	assert_int_equal(ask(p, CP_PUT, "0000:00000002", "3333333", 0, NULL),
	    CP_OK);
	assert_int_equal(rpc(p, CP_DROP_MEMORY, NULL, &rtype, &reply), 0);
	assert_int_equal(rtype, CP_OK);
	buf_free(reply);
	assert_pin(p, ID1, NULL);
	assert_pin(p, "0000:00000002", "3333333");
}

/* STATUS: exactly (where, expires_in, no constraints), never a PIN. */
static void
assert_status(struct proc *p, const char *ident, uint8_t want,
    uint32_t min_left, uint32_t max_left)
{
	struct buf *reply = NULL;
	uint32_t left, conslen;
	uint8_t where;

	assert_int_equal(ask(p, CP_STATUS, ident, NULL, 0, &reply),
	    CP_STATUS_REPLY);
	assert_int_equal(buf_len(reply), 9);
	assert_int_equal(buf_get_u8(reply, &where), 0);
	assert_int_equal(buf_get_u32(reply, &left), 0);
	assert_int_equal(buf_get_u32(reply, &conslen), 0);
	assert_int_equal(conslen, 0);	/* no constraints */
	assert_int_equal(where, want);
	assert_in_range(left, min_left, max_left);
	buf_free(reply);
}

static void
test_status(void **state)
{
	struct proc *p = *state;

	assert_status(p, ID1, STATUS_PIN_NONE, 0, 0);
	assert_int_equal(ask(p, CP_PUT, ID1, "123456", 0, NULL), CP_OK);
	assert_status(p, ID1, STATUS_PIN_FILE, 0, 0);
	assert_int_equal(ask(p, CP_INVALIDATE, ID1, NULL, 0, NULL), CP_OK);
	assert_status(p, ID1, STATUS_PIN_INVALID, 0, 0);
	assert_int_equal(ask(p, CP_PUT, ID1, "123456", 600, NULL), CP_OK);
	assert_status(p, ID1, STATUS_PIN_MEMORY, 599, 600);
	assert_int_equal(ask(p, CP_DELETE, ID1, NULL, 0, NULL), CP_OK);
	assert_status(p, ID1, STATUS_PIN_NONE, 0, 0);
	assert_fail(p, CP_STATUS, "0000:0123456a", NULL, 7, "ident");
}

static void
test_bad_requests(void **state)
{
	struct proc *p = *state;
	static const char junk[] = "cardagent-pins 1\n0000:01234567\tok\n";
	int fd;

	assert_fail(p, CP_GET, "0000:0123456a", NULL, 7, "ident");
	assert_fail(p, CP_PUT, ID1, "12345", 7, "PIN length");
	assert_fail(p, CP_PUT, ID1, "", 7, "PIN length");
	/* A corrupt store: named in FAIL, never overwritten. */
	assert_int_equal(ask(p, CP_PUT, ID1, "123456", 0, NULL), CP_OK);
	fd = open(p->path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, junk, strlen(junk)), strlen(junk));
	close(fd);
	assert_fail(p, CP_GET, ID1, NULL, 6, p->path);
	assert_fail(p, CP_PUT, ID1, "123456", 6, "corrupt");
	assert_fail(p, CP_DELETE, ID1, NULL, 6, p->path);
	fd = open(p->path, O_RDONLY);
	{
		char got[128] = "";

		assert_int_equal(read(fd, got, sizeof(got)), strlen(junk));
		assert_string_equal(got, junk);
	}
	close(fd);
}

/* pinstore closes the channel without answering. */
static void
expect_closed(struct proc *p)
{
	struct pollfd pfd = { p->cfd, POLLIN, 0 };
	struct buf *reply = NULL;
	uint32_t id;
	uint8_t type;
	int r;

	for (;;) {
		assert_int_equal(poll(&pfd, 1, 3000), 1);
		if ((r = privsep_read(p->cardd)) != 0)
			break;
		assert_int_equal(privsep_get(p->cardd, &type, &id, &reply), 0);
		assert_null(reply);
	}
	assert_int_equal(r, ERR_EOF);
}

/* Each malformed frame closes the channel; a new PEER is served. */
static void
test_malformed_frames(void **state)
{
	static const uint8_t frames[][16] = {
		{ 0, 0, 0, 5, 99, 0, 0, 0, 1 },		/* unknown type */
		{ 0, 0, 0, 9, CP_GET, 0, 0, 0, 1, 0, 0, 0, 9 }, /* short */
		{ 0, 1, 0, 0, CP_GET },			/* over the cap */
		{ 0, 0, 0, 6, CP_DROP_MEMORY, 0, 0, 0, 1, 7 }, /* trailing */
		{ 0, 0, 0, 5, CP_OK, 0, 0, 0, 1 },	/* a reply type */
	};
	static const size_t lens[] = { 9, 13, 5, 10, 9 };
	struct proc *p = *state;
	size_t i;

	assert_int_equal(ask(p, CP_PUT, ID1, "123456", 0, NULL), CP_OK);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* Let pinstore's HELLO and ours pass first. */
		assert_pin(p, ID1, "123456");
		assert_int_equal(write(p->cfd, frames[i], lens[i]),
		    (ssize_t)lens[i]);
		expect_closed(p);
		assert_int_equal(waitpid(p->pid, NULL, WNOHANG), 0);
		send_peer(p);
	}
	assert_pin(p, ID1, "123456");
	/* A peer that goes away mid-frame, then a fresh one. */
	assert_int_equal(write(p->cfd, frames[1], 6), 6);
	send_peer(p);
	assert_pin(p, ID1, "123456");
}

/* cardagent-NAME --sandbox-selftest -b backend must die of SIGSYS. */
static void
assert_selftest_dies(const char *name, const char *backend)
{
	int status;
	pid_t pid;

	if (getenv("VALGRIND") != NULL)
		skip();
	if ((pid = fork()) == 0) {
		execl(binary_of(name), name, "--sandbox-selftest", "-b",
		    backend, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* The file backend's table: socket(AF_UNIX) is forbidden. */
static void
test_sandbox_selftest(void **state)
{
	(void)state;
	assert_selftest_dies("pinstore", "file");
}

/* The Secret Service table allows the bus's unix socket, not AF_INET. */
static void
test_sandbox_selftest_secret(void **state)
{
	(void)state;
	assert_selftest_dies("pinstore-secret", "secret-service");
}

/*
 * cardagent-pinstore has no Secret Service in it: asked for one, it says
 * so and exits before any sandbox or store.
 */
static void
test_file_only(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if ((pid = fork()) == 0) {
		execl(binary(), "cardagent-pinstore", "-q", "-b",
		    "secret-service", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trips, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_memory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_frames, setup,
		    teardown),
		cmocka_unit_test(test_sandbox_selftest),
		cmocka_unit_test(test_sandbox_selftest_secret),
		cmocka_unit_test(test_file_only),
	};

	signal(SIGPIPE, SIG_IGN);
	log_init("test_pinstore", LOG_LEVEL_QUIET, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
