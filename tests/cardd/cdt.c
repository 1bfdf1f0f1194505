/*
 * carddtest's harness: starts cardagent-cardd with a socketpair at
 * descriptor 3, hands it agent and pinstore channels with PEER, and
 * while it waits answers pinstore requests from a small table and the
 * supervisor's NOTE_CALLER with CALLER_NOTED, unless told to hold it
 * (TOUCH and AUDIT are read and dropped).
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
#include <time.h>
#include <unistd.h>

#include "cdt.h"
#include "channels.h"
#include "constraint.h"
#include "err.h"
#include "log.h"
#include "status.h"

#define CALL_TIMEOUT_MS	20000

static const struct privsep_permit sup_permit[] = {
	{ SV_NOTE_CALLER, "NOTE_CALLER", 4 },
	{ SV_TOUCH, "TOUCH", SV_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ SV_AUDIT, "AUDIT", SV_FRAME_MAX - PRIVSEP_FRAME_MIN },
};
static const struct privsep_chan_conf sup_conf = {
	.name = "test-supervisor", .self = PRIVSEP_ROLE_SUPERVISOR,
	.peer = PRIVSEP_ROLE_CARDD, .max_frame = SV_FRAME_MAX,
	.max_queued = 4 * SV_FRAME_MAX, .pass_fds = 1, .permit = sup_permit,
	.npermit = sizeof(sup_permit) / sizeof(sup_permit[0]),
};

static const struct privsep_permit agent_permit[] = {
	{ AC_OK, "OK", 0 }, { AC_FAIL, "FAIL", 4 },
	{ AC_KEYS, "KEYS", 64 * 1024 }, { AC_SIGNATURE, "SIGNATURE", 4096 },
	{ AC_STATUS_REPLY, "STATUS_REPLY", STATUS_MSG_MAX },
};
static const struct privsep_chan_conf agent_conf = {
	.name = "test-agent", .self = PRIVSEP_ROLE_AGENT,
	.peer = PRIVSEP_ROLE_CARDD, .max_frame = AC_FRAME_MAX,
	.max_queued = 2 * AC_FRAME_MAX, .permit = agent_permit,
	.npermit = sizeof(agent_permit) / sizeof(agent_permit[0]),
};

static const struct privsep_permit pin_permit[] = {
	{ CP_GET, "GET", 256 }, { CP_PUT, "PUT", 1024 + 4 + CONS_MAX },
	{ CP_DELETE, "DELETE", 256 }, { CP_INVALIDATE, "INVALIDATE", 256 },
	{ CP_DROP_MEMORY, "DROP_MEMORY", 0 }, { CP_STATUS, "STATUS", 256 },
};
static const struct privsep_chan_conf pin_conf = {
	.name = "test-pinstore", .self = PRIVSEP_ROLE_PINSTORE,
	.peer = PRIVSEP_ROLE_CARDD, .max_frame = CP_FRAME_MAX,
	.max_queued = 4 * CP_FRAME_MAX, .permit = pin_permit,
	.npermit = sizeof(pin_permit) / sizeof(pin_permit[0]),
};

static void
child(int fd, const char *cardd, const char *logpath)
{
	int logfd;

	if ((logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644)) ==
	    -1 || dup2(logfd, 2) == -1 || dup2(fd, SUPERVISOR_FD) == -1)
		_exit(127);
	execl(cardd, cardd, "-d", "-d", (char *)NULL);
	_exit(127);
}

int
cdt_start_env(struct cdt *t, char *logpath, size_t len)
{
	const char *cardd = getenv("CARDD"), *dir = getenv("RIG_DIR");

	if (cardd == NULL || dir == NULL || getenv("VCARD") == NULL) {
		printf("Bail out! CARDD, RIG_DIR, VCARD not set\n");
		return -1;
	}
	/* a cardd that closes a channel must not kill the test */
	signal(SIGPIPE, SIG_IGN);
	snprintf(logpath, len, "%s/cardd.log", dir);
	if (cdt_start(t, cardd, logpath) != 0) {
		printf("Bail out! cannot start %s\n", cardd);
		return -1;
	}
	return 0;
}

int
cdt_start(struct cdt *t, const char *cardd, const char *logpath)
{
	int sv[2], r;

	memset(t, 0, sizeof(*t));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return ERR_SYSTEM;
	if ((t->pid = fork()) == -1)
		return ERR_SYSTEM;
	if (t->pid == 0)
		child(sv[1], cardd, logpath);
	close(sv[1]);
	if ((r = privsep_chan_new(sv[0], &sup_conf, &t->sup)) != 0)
		return r;
	if ((r = cdt_peer(t, PRIVSEP_ROLE_PINSTORE)) != 0)
		return r;
	return cdt_peer(t, PRIVSEP_ROLE_AGENT);
}

static int
flush_sup(struct cdt *t)
{
	int pending, r;

	do {
		if ((r = privsep_flush(t->sup, &pending)) != 0)
			return r;
	} while (pending);
	return 0;
}

int
cdt_peer(struct cdt *t, uint8_t role)
{
	struct privsep_chan **chanp = role == PRIVSEP_ROLE_AGENT ?
	    &t->agent : &t->pin;
	struct buf *b;
	int sp[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return ERR_SYSTEM;
	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u8(b, role)) == 0 &&
	    (r = privsep_queue_fd(t->sup, SV_PEER, 0, b, sp[1])) == 0)
		r = flush_sup(t);
	buf_free(b);
	close(sp[1]);
	privsep_chan_close(chanp);
	if (r == 0)
		r = privsep_chan_new(sp[0], role == PRIVSEP_ROLE_AGENT ?
		    &agent_conf : &pin_conf, chanp);
	return r;
}

struct cdt_pin *
cdt_store_find(struct cdt *t, const char *ident)
{
	size_t i;

	for (i = 0; i < CDT_STORE_MAX; i++)
		if (strcmp(t->store[i].ident, ident) == 0)
			return &t->store[i];
	return NULL;
}

/* PUT: ident, pin, lifetime, constraints. */
static int
pin_put(struct cdt *t, struct buf *p)
{
	struct cdt_pin *e;
	char *ident = NULL, *pin = NULL;
	const uint8_t *cons = NULL;
	size_t conslen = 0;
	int r;

	if ((r = buf_get_cstring(p, &ident, NULL)) != 0 ||
	    (r = buf_get_cstring(p, &pin, NULL)) != 0 ||
	    (r = buf_get_u32(p, &t->put_lifetime)) != 0 ||
	    (r = buf_get_string_direct(p, &cons, &conslen)) != 0 ||
	    buf_len(p) != 0 || strlen(ident) >= sizeof(e->ident) ||
	    strlen(pin) >= sizeof(e->pin) || conslen > sizeof(e->cons))
		r = ERR_FORMAT;
	else if ((e = cdt_store_find(t, ident)) == NULL &&
	    (e = cdt_store_find(t, "")) == NULL)
		r = ERR_NO_SPACE;
	else {
		snprintf(e->ident, sizeof(e->ident), "%s", ident);
		snprintf(e->pin, sizeof(e->pin), "%s", pin);
		e->invalid = 0;
		if (conslen > 0)
			memcpy(e->cons, cons, conslen);
		e->conslen = conslen;
	}
	free(ident);
	freezero(pin, pin == NULL ? 0 : strlen(pin));
	return r;
}

/* One pinstore request: its reply type and payload in out. */
static int
pin_answer(struct cdt *t, uint8_t type, struct buf *p, struct buf *out,
    uint8_t *rtypep)
{
	struct cdt_pin *e = NULL;
	char *ident = NULL;
	int r = 0;

	*rtypep = CP_OK;
	if (type == CP_PUT) {
		t->nput++;
		return pin_put(t, p);
	}
	if (type == CP_DROP_MEMORY) {
		t->ndrop++;
		return buf_len(p) == 0 ? 0 : ERR_FORMAT;
	}
	if (buf_get_cstring(p, &ident, NULL) != 0 || buf_len(p) != 0)
		return ERR_FORMAT;
	e = cdt_store_find(t, ident);
	free(ident);
	if (type == CP_GET) {
		t->nget++;
		*rtypep = e == NULL || e->invalid ? CP_NONE : CP_PIN;
		if (*rtypep == CP_PIN)
			r = buf_put_cstring(out, e->pin);
	} else if (type == CP_DELETE) {
		t->ndelete++;
		if (e != NULL)
			memset(e, 0, sizeof(*e));
	} else if (type == CP_INVALIDATE) {
		t->ninval++;
		if (e != NULL)
			e->invalid = 1;
	} else if (type == CP_STATUS) {
		t->nstatus++;
		*rtypep = CP_STATUS_REPLY;
		if ((r = buf_put_u8(out, t->bad_status ? 9 : e == NULL ?
		    STATUS_PIN_NONE : e->invalid ? STATUS_PIN_INVALID :
		    STATUS_PIN_FILE)) == 0 && (r = buf_put_u32(out, 0)) == 0)
			r = buf_put_string(out, e != NULL ? e->cons : NULL,
			    e != NULL ? e->conslen : 0);
	}
	return r;
}

/* Serve what pinstore has received. */
static int
pin_serve(struct cdt *t)
{
	struct buf *p, *out;
	uint32_t id;
	uint8_t type, rtype;
	int pending, r;

	if ((r = privsep_read(t->pin)) != 0)
		return r;
	while ((r = privsep_get(t->pin, &type, &id, &p)) == 0 && p != NULL) {
		if ((out = buf_new()) == NULL)
			return ERR_ALLOC;
		if ((r = pin_answer(t, type, p, out, &rtype)) == 0 &&
		    !t->silent)
			r = privsep_queue(t->pin, rtype, id, out);
		buf_free(out);
		buf_free(p);
		if (r != 0)
			return r;
	}
	if (r == 0)
		r = privsep_flush(t->pin, &pending);
	return r;
}

/* What the supervisor has received: NOTE_CALLER gets its CALLER_NOTED. */
static int
sup_serve(struct cdt *t)
{
	struct buf *p;
	uint32_t id;
	uint8_t type;
	int pending, r;

	if ((r = privsep_read(t->sup)) != 0)
		return r;
	while ((r = privsep_get(t->sup, &type, &id, &p)) == 0 && p != NULL) {
		if (type == SV_NOTE_CALLER)
			t->nnoted++;
		if (type == SV_NOTE_CALLER && !t->hold_noted)
			r = privsep_queue(t->sup, SV_CALLER_NOTED, id, NULL);
		buf_free(p);
		if (r != 0)
			return r;
	}
	if (r == 0)
		r = privsep_flush(t->sup, &pending);
	return r;
}

/* Next frame on the agent channel, or 0 with *replyp NULL on time-out. */
static int
agent_wait(struct cdt *t, uint8_t *typep, uint32_t *idp, struct buf **replyp)
{
	struct pollfd pfd[3];
	int pending, n, r;

	*replyp = NULL;
	for (;;) {
		if ((r = privsep_get(t->agent, typep, idp, replyp)) != 0 ||
		    *replyp != NULL)
			return r;
		if ((r = privsep_flush(t->agent, &pending)) != 0)
			return r;
		pfd[0].fd = privsep_fd(t->agent);
		pfd[0].events = POLLIN | (pending ? POLLOUT : 0);
		pfd[1].fd = t->pin == NULL ? -1 : privsep_fd(t->pin);
		pfd[1].events = POLLIN;
		pfd[2].fd = t->sup == NULL ? -1 : privsep_fd(t->sup);
		pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if ((n = poll(pfd, 3, CALL_TIMEOUT_MS)) == 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return ERR_SYSTEM;
		if (pfd[1].revents != 0 && (r = pin_serve(t)) != 0) {
			error_r(r, "fake pinstore");
			privsep_chan_close(&t->pin);
		}
		if (pfd[2].revents != 0 && (r = sup_serve(t)) != 0) {
			error_r(r, "fake supervisor");
			privsep_chan_close(&t->sup);
		}
		if (pfd[0].revents != 0 && (r = privsep_read(t->agent)) != 0)
			return r;
	}
}

int
cdt_call(struct cdt *t, uint8_t type, const struct buf *req,
    uint8_t *rtypep, struct buf **replyp)
{
	uint32_t id, rid;
	int r;

	*replyp = NULL;
	if (t->agent == NULL)
		return ERR_EOF;
	id = privsep_next_id(t->agent);
	if ((r = privsep_queue(t->agent, type, id, req)) != 0 ||
	    (r = agent_wait(t, rtypep, &rid, replyp)) != 0)
		return r;
	if (*replyp == NULL)
		return ERR_TIMEOUT;
	if (rid != id) {
		error("reply for request %u, expected %u", rid, id);
		buf_free(*replyp);
		*replyp = NULL;
		return ERR_FORMAT;
	}
	return 0;
}

int
cdt_expect_close(struct cdt *t, uint8_t type, const struct buf *req)
{
	struct buf *reply = NULL;
	uint8_t rtype;
	int r;

	r = cdt_call(t, type, req, &rtype, &reply);
	buf_free(reply);
	privsep_chan_close(&t->agent);
	/* a reset: cardd closed with part of the frame still unread */
	return r == ERR_EOF || (r == ERR_SYSTEM && errno == ECONNRESET) ?
	    0 : ERR_FORMAT;
}

int
cdt_alive(struct cdt *t)
{
	int st;

	return waitpid(t->pid, &st, WNOHANG) == 0;
}

int
cdt_stop(struct cdt *t)
{
	int st, i;

	privsep_chan_close(&t->agent);
	privsep_chan_close(&t->pin);
	privsep_chan_close(&t->sup);
	for (i = 0; i < 50; i++) {
		if (waitpid(t->pid, &st, WNOHANG) == t->pid)
			return st;
		usleep(100 * 1000);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, &st, 0);
	return -1;
}

int
cdt_wait_close(struct cdt *t)
{
	struct buf *reply = NULL;
	uint32_t id;
	uint8_t type;
	int r;

	if (t->agent == NULL)
		return ERR_EOF;
	r = agent_wait(t, &type, &id, &reply);
	buf_free(reply);
	privsep_chan_close(&t->agent);
	return r == ERR_EOF || (r == ERR_SYSTEM && errno == ECONNRESET) ?
	    0 : ERR_FORMAT;
}
