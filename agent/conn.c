#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "err.h"
#include "log.h"
#include "proto.h"

#define CONN_READ_CHUNK	(16 * 1024)	/* bytes per read(2) */

uint64_t
monotime_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime failed");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Only our own uid and root may use the agent (DESIGN.md invariant 6). */
static int
peer_allowed(const struct agent *a, int fd, struct ucred *credp)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(credp, 0, sizeof(*credp));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred)) {
		error("getsockopt SO_PEERCRED: %s", strerror(errno));
		return 0;
	}
	if (cred.uid != a->uid && cred.uid != 0) {
		info("refused connection from uid %u pid %d (not ours)",
		    (unsigned int)cred.uid, (int)cred.pid);
		return 0;
	}
	*credp = cred;
	return 1;
}

/* The connection idle the longest: no request in flight, no answer queued. */
static struct conn *
conn_idlest(struct agent *a)
{
	struct conn *c, *idlest = NULL;

	TAILQ_FOREACH(c, &a->conns, entry)
		if (!c->busy && !c->dead && buf_len(c->out) == 0 &&
		    (idlest == NULL || c->active_ms < idlest->active_ms))
			idlest = c;
	return idlest;
}

/*
 * At the connection cap a newcomer waits in the listen backlog, so a
 * burst of busy clients queues instead of being dropped; but once the
 * connection idle the longest has been idle AGENT_EVICT_IDLE_MS, the
 * newcomer takes its place, so a peer holding AGENT_CONNS_MAX idle
 * connections (a forwarding remote host can) cannot lock everyone out.
 * When that will be (ms), or 0 if no connection is idle.
 */
uint64_t
conn_evictable_at(struct agent *a)
{
	struct conn *c = conn_idlest(a);

	return c == NULL ? 0 : c->active_ms + AGENT_EVICT_IDLE_MS;
}

static int
conn_evict(struct agent *a)
{
	struct conn *victim = conn_idlest(a);

	if (victim == NULL ||
	    monotime_ms() < victim->active_ms + AGENT_EVICT_IDLE_MS)
		return 0;
	info("too many connections: closing connection %d, idle the "
	    "longest", victim->fd);
	victim->dead = 1;
	conn_reap(a);
	return 1;
}

void
conn_accept(struct agent *a)
{
	struct ucred cred;
	struct conn *c;
	int fd;

	if ((fd = accept4(a->listen_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			error("accept: %s", strerror(errno));
		return;
	}
	if (!peer_allowed(a, fd, &cred) ||
	    (a->nconns >= AGENT_CONNS_MAX && !conn_evict(a))) {
		if (a->nconns >= AGENT_CONNS_MAX)
			error("too many connections, refusing one");
		close(fd);
		return;
	}
	/* what clients send may be a PIN or a passphrase */
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->in = buf_new_secret(AGENT_IN_MAX)) == NULL ||
	    (c->out = buf_new_capped(AGENT_OUT_MAX)) == NULL)
		fatal("out of memory");
	c->fd = fd;
	c->peer_uid = cred.uid;
	c->peer_pid = cred.pid;
	c->active_ms = monotime_ms();
	TAILQ_INSERT_TAIL(&a->conns, c, entry);
	a->nconns++;
	debug("connection %d accepted", fd);
}

static void
conn_free(struct conn *c)
{
	close(c->fd);
	buf_free(c->in);
	buf_free(c->out);
	sessbind_clear(&c->sb);
	handle_conn_clear(c);
	freezero(c, sizeof(*c));
}

void
conn_reap(struct agent *a)
{
	struct conn *c, *tmp;
	int freed = 0;

	TAILQ_FOREACH_SAFE(c, &a->conns, entry, tmp) {
		if (!c->dead)
			continue;
		TAILQ_REMOVE(&a->conns, c, entry);
		a->nconns--;
		debug("connection %d closed", c->fd);
		conn_free(c);
		freed = 1;
	}
	/* No client left: give the pages of their buffers back (malloc
	 * keeps freed heap otherwise; madvise is in the base group). */
	if (freed && a->nconns == 0)
		malloc_trim(0);
}

/* Queue a whole reply frame; a client that does not read is dropped. */
int
conn_reply(struct conn *c, const struct buf *frame)
{
	int r;

	if (c->dead)
		return ERR_EOF;
	if ((r = buf_check_reserve(c->out, buf_len(frame))) != 0 ||
	    (r = buf_putb(c->out, frame)) != 0) {
		error("connection %d: client does not read its replies, "
		    "closing it", c->fd);
		c->dead = 1;
	}
	return r;
}

void
conn_reply_status(struct conn *c, uint8_t type)
{
	struct buf *b;

	if ((b = buf_new()) == NULL || proto_put_status(b, type) != 0)
		fatal("out of memory");
	conn_reply(c, b);
	buf_free(b);
}

void
conn_read(struct agent *a, struct conn *c)
{
	size_t space = buf_max(c->in) - buf_len(c->in);
	uint8_t *p;
	ssize_t n;

	/* Not the whole frame cap at once: what the read leaves unused is
	 * wiped, and the connection would keep that much memory. */
	if (space > CONN_READ_CHUNK)
		space = CONN_READ_CHUNK;
	if (space == 0 || buf_reserve(c->in, space, &p) != 0)
		return;
	n = read(c->fd, p, space);
	if (buf_consume_end(c->in, n > 0 ? space - (size_t)n : space) != 0)
		fatal_f("buffer broken");
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		debug("connection %d: read: %s", c->fd, strerror(errno));
		c->dead = 1;
		return;
	}
	if (n == 0) {
		c->dead = 1;
		return;
	}
	c->active_ms = monotime_ms();
	conn_process(a, c);
}

void
conn_write(struct conn *c)
{
	ssize_t n;

	while (!c->dead && buf_len(c->out) > 0) {
		n = send(c->fd, buf_ptr(c->out), buf_len(c->out), MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = 1;
			return;
		}
		if (buf_consume(c->out, (size_t)n) != 0)
			fatal_f("buffer broken");
	}
	if (buf_len(c->out) == 0)
		buf_reset(c->out);
}

/*
 * Forget consumed input.  A message that carried a secret (PIN, lock
 * passphrase) is wiped at once: what follows it is copied to a new
 * buffer and the old one, secret included, freed (buf_free wipes).
 */
static void
drop_consumed(struct conn *c, int secret)
{
	struct buf *nb;

	if (buf_len(c->in) == 0) {
		buf_reset(c->in);
		return;
	}
	if (!secret)
		return;
	if ((nb = buf_new_capped(AGENT_IN_MAX)) == NULL ||
	    buf_put(nb, buf_ptr(c->in), buf_len(c->in)) != 0)
		fatal("out of memory");
	buf_free(c->in);
	c->in = nb;
}

static int
carries_secret(uint8_t type)
{
	return type == SSH_AGENTC_ADD_SMARTCARD_KEY ||
	    type == SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED ||
	    type == SSH_AGENTC_LOCK || type == SSH_AGENTC_UNLOCK;
}

/* Handle complete messages until one waits for an answer. */
void
conn_process(struct agent *a, struct conn *c)
{
	struct proto_req req;
	const uint8_t *msg;
	size_t mlen;
	uint32_t len;
	int r, secret;

	while (!c->busy && !c->dead) {
		if (buf_peek_u32(c->in, &len) != 0)
			return;
		if ((r = proto_check_len(len)) != 0) {
			info("connection %d: message length %u: closing",
			    c->fd, len);
			c->dead = 1;
			return;
		}
		if (buf_len(c->in) - 4 < len)
			return;
		if (buf_get_string_direct(c->in, &msg, &mlen) != 0)
			fatal_f("buffer broken");
		r = proto_parse(msg, mlen, &req);
		secret = carries_secret(req.type);
		handle_request(a, c, &req, r);
		proto_req_clear(&req);
		drop_consumed(c, secret);
	}
}
