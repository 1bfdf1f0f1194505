/*
 * The agent's request handling as its event loop drives it: clients on
 * real sockets accepted by conn_accept(), conn.c reading and framing,
 * handle.c dispatching, and a fake cardd at the far end of a real
 * privsep channel answering (or not) what reaches it; what the agent
 * tells the supervisor (LOCKED, UNLOCKED) is read and dropped.  The
 * input is a list of operations:
 *   op 0-1:  client (op & 1) sends a message: chunk (type and body);
 *   op 2-3:  client (op & 1) writes a raw chunk (partial frames, bad
 *            length words);
 *   op 4:    cardd answers: u8 sel, chunk payload; sel picks the reply
 *            type (OK, FAIL, KEYS, SIGNATURE by its low bits,
 *            STATUS_REPLY with 0x10, or sel itself when >= 0xf0) and
 *            which request it answers (or a wrong id);
 *   op 5:    the cardd channel breaks;
 *   op 6:    a new cardd channel arrives (as the supervisor's PEER);
 *   op 7:    delayed replies fall due;
 *   op 8-9:  client (op & 1) disconnects.
 * Each operation ends like a round of the agent's poll loop: replies
 * flushed and read by the clients, dead connections reaped.  Nothing
 * survives an input: agent, connections and channels are rebuilt.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "channels.h"
#include "fuzz.h"
#include "privsep.h"

#define OPS_MAX		256
#define PENDING_MAX	64

/* cardd's end (cardd/serve.c has the real table; the fake takes any
 * size: the limits are cardd's to enforce). */
#define FAKE_ANY	(AC_FRAME_MAX - PRIVSEP_FRAME_MIN)
static const struct privsep_permit fake_permit[] = {
	{ AC_LIST, "LIST", 0 },
	{ AC_SIGN, "SIGN", FAKE_ANY },
	{ AC_ENROL, "ENROL", FAKE_ANY },
	{ AC_FORGET, "FORGET", FAKE_ANY },
	{ AC_RESET, "RESET", 0 },
	{ AC_STATUS, "STATUS", 0 },
};

static const struct privsep_chan_conf fake_conf = {
	.name = "fake cardd",
	.self = PRIVSEP_ROLE_CARDD,
	.peer = PRIVSEP_ROLE_AGENT,
	.max_frame = AC_FRAME_MAX,
	.max_queued = 4 * AC_FRAME_MAX,
	.permit = fake_permit,
	.npermit = sizeof(fake_permit) / sizeof(fake_permit[0]),
};

static const uint8_t reply_types[] = { AC_OK, AC_FAIL, AC_KEYS,
    AC_SIGNATURE };

struct world {
	struct agent		 a;
	int			 client[2];	/* our end, or -1 */
	int			 agent_fd[2];	/* the agent's end */
	struct privsep_chan	*cardd;		/* the fake cardd */
	int			 sv_fd;		/* the supervisor's end */
	uint32_t		 pending[PENDING_MAX];	/* request ids */
	size_t			 npending;
};

static int listen_fd = -1;
static struct sockaddr_un listen_addr;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	/* an abstract socket: nothing in the file system to clean up */
	listen_addr.sun_family = AF_UNIX;
	snprintf(listen_addr.sun_path + 1, sizeof(listen_addr.sun_path) - 1,
	    "cardagent-fuzz-agent-%ld", (long)getpid());
	if ((listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(listen_fd, (struct sockaddr *)&listen_addr,
	    sizeof(listen_addr)) == -1 || listen(listen_fd, 8) == -1) {
		perror("listening socket");
		exit(1);
	}
	return 0;
}

static struct conn *
find_conn(struct world *w, int k)
{
	struct conn *c;

	TAILQ_FOREACH(c, &w->a.conns, entry)
		if (c->fd == w->agent_fd[k])
			return c;
	return NULL;
}

/* Client k, connected and accepted on first use; NULL if refused. */
static struct conn *
client(struct world *w, int k)
{
	if (w->client[k] == -1) {
		if ((w->client[k] = socket(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0)) == -1 ||
		    connect(w->client[k], (struct sockaddr *)&listen_addr,
		    sizeof(listen_addr)) == -1)
			abort();
		conn_accept(&w->a);
		w->agent_fd[k] = TAILQ_EMPTY(&w->a.conns) ? -1 :
		    TAILQ_LAST(&w->a.conns, connq)->fd;
	}
	return find_conn(w, k);
}

static void
client_send(struct world *w, int k, const uint8_t *p, size_t len,
    int frame)
{
	struct conn *c = client(w, k);
	struct buf *b;

	if ((b = buf_new()) == NULL)
		abort();
	if (frame)
		(void)buf_put_u32(b, (uint32_t)len);
	(void)buf_put(b, p, len);
	/* a full socket drops the rest, like a client that gives up */
	if (send(w->client[k], buf_ptr(b), buf_len(b), MSG_NOSIGNAL) < 0)
		(void)0;
	buf_free(b);
	if (c != NULL && !c->busy && !c->dead)
		conn_read(&w->a, c);
}

static void
client_close(struct world *w, int k)
{
	struct conn *c = find_conn(w, k);

	if (w->client[k] == -1)
		return;
	close(w->client[k]);
	w->client[k] = -1;
	if (c != NULL && !c->busy)
		conn_read(&w->a, c);	/* reads EOF */
	else if (c != NULL)
		c->dead = 1;		/* poll's POLLHUP on a busy one */
}

/* Both ends of the cardd channel go (the agent's first). */
static void
world_cardd_drop(struct world *w)
{
	cardd_drop(&w->a);
	privsep_chan_close(&w->cardd);
	w->npending = 0;
}

static void
cardd_new(struct world *w)
{
	int sv[2];

	if (w->a.cardd != NULL)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    privsep_chan_new(sv[0], &cardd_conf, &w->a.cardd) != 0 ||
	    privsep_chan_new(sv[1], &fake_conf, &w->cardd) != 0)
		abort();
}

/* The fake cardd takes what the agent sent: request ids to answer. */
static int
fake_collect(struct world *w)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int pending;

	if (privsep_flush(w->a.cardd, &pending) != 0 ||
	    privsep_read(w->cardd) != 0)
		return -1;
	for (;;) {
		if (privsep_get(w->cardd, &type, &id, &payload) != 0)
			return -1;
		if (payload == NULL)
			return 0;
		buf_free(payload);
		if (w->npending < PENDING_MAX)
			w->pending[w->npending++] = id;
	}
}

static void
fake_answer(struct world *w, uint8_t sel, const uint8_t *p, size_t len)
{
	struct buf *payload;
	uint32_t id = sel;	/* no request waits: a stray id */
	uint8_t type;
	size_t i;
	int pending;

	if (w->a.cardd == NULL)
		return;
	if (fake_collect(w) != 0) {
		world_cardd_drop(w);
		return;
	}
	type = sel >= 0xf0 ? sel : (sel & 0x10) ? AC_STATUS_REPLY :
	    reply_types[sel & 3];
	if (w->npending > 0 && (sel & 0x40) == 0) {
		/* oldest first, or the newest (a reply overtaking) */
		i = (sel & 0x20) ? w->npending - 1 : 0;
		id = w->pending[i];
		memmove(&w->pending[i], &w->pending[i + 1],
		    (w->npending - i - 1) * sizeof(w->pending[0]));
		w->npending--;
	}
	if ((payload = buf_from(p, len)) == NULL)
		abort();
	if (privsep_queue(w->cardd, type, id, payload) == 0 &&
	    privsep_flush(w->cardd, &pending) == 0)
		cardd_input(&w->a);	/* may drop the channel */
	if (w->a.cardd == NULL)
		world_cardd_drop(w);
	buf_free(payload);
}

/* The end of a poll round: replies out, clients read them, reap. */
static void
round_end(struct world *w)
{
	struct conn *c;
	uint8_t sink[4096];
	int k, pending;

	if (w->a.cardd != NULL && privsep_flush(w->a.cardd, &pending) != 0)
		world_cardd_drop(w);
	if (privsep_flush(w->a.sv, &pending) != 0)
		abort();	/* the agent would die: its supervisor is gone */
	while (recv(w->sv_fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	TAILQ_FOREACH(c, &w->a.conns, entry)
		if (buf_len(c->out) > 0)
			conn_write(c);
	for (k = 0; k < 2; k++)
		while (w->client[k] != -1 &&
		    read(w->client[k], sink, sizeof(sink)) > 0)
			;
	conn_reap(&w->a);
	for (k = 0; k < 2; k++)
		if (w->client[k] != -1 && find_conn(w, k) == NULL) {
			close(w->client[k]);	/* the agent hung up */
			w->client[k] = -1;
		}
}

static void
run_op(struct world *w, struct buf *in)
{
	const uint8_t *p;
	size_t len;
	uint8_t op = fuzz_u8(in) % 10, sel;

	switch (op) {
	case 0: case 1: case 2: case 3:
		fuzz_chunk(in, &p, &len);
		client_send(w, op & 1, p, len, op < 2);
		break;
	case 4:
		sel = fuzz_u8(in);
		fuzz_chunk(in, &p, &len);
		fake_answer(w, sel, p, len);
		break;
	case 5:
		world_cardd_drop(w);
		break;
	case 6:
		cardd_new(w);
		break;
	case 7:
		handle_timers(&w->a, UINT64_MAX);
		break;
	default:
		client_close(w, op & 1);
		break;
	}
	round_end(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	struct conn *c;
	struct buf *in;
	int k, n, sv[2];

	memset(&w, 0, sizeof(w));
	w.a.listen_fd = listen_fd;
	w.a.uid = getuid();
	w.a.cardd_seen = w.a.lock_known = 1;	/* as after the first round */
	TAILQ_INIT(&w.a.conns);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    privsep_chan_new(sv[0], &supervisor_conf, &w.a.sv) != 0)
		abort();
	w.sv_fd = sv[1];
	w.client[0] = w.client[1] = w.agent_fd[0] = w.agent_fd[1] = -1;
	if ((in = buf_from(data, size)) == NULL)
		abort();
	w.a.default_lifetime = fuzz_u8(in);
	cardd_new(&w);
	for (n = 0; n < OPS_MAX && buf_len(in) > 0; n++)
		run_op(&w, in);
	for (k = 0; k < 2; k++)
		if (w.client[k] != -1)
			close(w.client[k]);
	TAILQ_FOREACH(c, &w.a.conns, entry)
		c->dead = 1;
	conn_reap(&w.a);
	world_cardd_drop(&w);
	privsep_chan_close(&w.a.sv);
	close(w.sv_fd);
	certset_clear(&w.a.file_certs);
	certset_clear(&w.a.assoc_certs);
	buf_free(w.a.keys);
	buf_free(in);
	return 0;
}
