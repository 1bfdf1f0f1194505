/*
 * cardagent-agent: the SSH agent protocol front-end.  Started by the
 * supervisor with its channel at SUPERVISOR_FD and the listening agent
 * socket at AGENT_LISTEN_FD; cardd's channel arrives as a PEER message.
 */
#include "config.h"

#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "channels.h"
#include "err.h"
#include "helperargs.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"

#define NFIXED		3	/* supervisor, listener, cardd */

static void
sv_peer(struct agent *a, struct buf *payload)
{
	uint8_t role = 0;
	int fd, r;

	fd = privsep_take_fd(a->sv);
	if (buf_get_u8(payload, &role) != 0 || role != PRIVSEP_ROLE_CARDD ||
	    fd == -1)
		fatal("supervisor sent PEER for role %u %s descriptor", role,
		    fd == -1 ? "without" : "with");
	cardd_drop(a);
	if ((r = privsep_chan_new(fd, &cardd_conf, &a->cardd)) != 0) {
		error_fr(r, "cardd channel");
		close(fd);
		return;
	}
	verbose("new cardd channel");
	a->cardd_seen = 1;
}

/* Certificates from files: replace the last set (PROTOCOL.privsep 8). */
static void
sv_certs(struct agent *a, struct buf *payload)
{
	int r;

	if ((r = certset_from_sv(&a->file_certs, payload)) != 0)
		fatal_fr(r, "supervisor sent malformed CERTS");
	verbose("%zu certificate(s) from files", a->file_certs.n);
}

/*
 * The lock state the supervisor kept across a crash: empty, or the
 * verifier of the passphrase that locked the last agent.  It comes once,
 * before any client is accepted, so a locked agent restarts locked.
 */
static void
sv_relock(struct agent *a, struct buf *payload)
{
	int r;

	if (a->lock_known)
		fatal("supervisor sent RELOCK twice");
	a->lock_known = 1;
	if (buf_len(payload) == 0)
		return;
	if ((r = lock_restore(&a->lock, payload)) != 0)
		fatal_fr(r, "supervisor sent a malformed RELOCK");
	info("the agent was locked before it restarted: still locked");
}

static void
sv_input(struct agent *a)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	if ((r = privsep_read(a->sv)) == ERR_EOF) {
		verbose("supervisor gone, exiting");
		exit(0);
	}
	for (;;) {
		if (r != 0 || (r = privsep_get(a->sv, &type, &id,
		    &payload)) != 0)
			fatal_fr(r, "supervisor channel");
		if (payload == NULL)
			return;
		if (type == SV_PEER)
			sv_peer(a, payload);
		else if (privsep_take_fd(a->sv) != -1)
			fatal("supervisor sent a descriptor with type %u", type);
		else if (type == SV_CERTS)
			sv_certs(a, payload);
		else if (type == SV_RELOCK)
			sv_relock(a, payload);
		else
			handle_deauth(a, "the supervisor asks (SIGUSR1)");
		buf_free(payload);
	}
}

static void
flush_all(struct agent *a)
{
	struct conn *c;
	int pending;

	if (privsep_flush(a->sv, &pending) != 0)
		fatal("supervisor channel: write failed");
	if (a->cardd != NULL && privsep_flush(a->cardd, &pending) != 0)
		cardd_drop(a);
	TAILQ_FOREACH(c, &a->conns, entry)
		if (buf_len(c->out) > 0)
			conn_write(c);
}

/* Milliseconds until the next delayed reply or the idle timeout, or -1. */
static int
next_timeout(struct agent *a)
{
	struct conn *c;
	uint64_t now = monotime_ms(), next = 0, at;

	TAILQ_FOREACH(c, &a->conns, entry)
		if (c->reply_at != 0 && (next == 0 || c->reply_at < next))
			next = c->reply_at;
	if (a->idle_at != 0 && (next == 0 || a->idle_at < next))
		next = a->idle_at;
	if (a->nconns >= AGENT_CONNS_MAX && (at = conn_evictable_at(a)) != 0 &&
	    (next == 0 || at < next))
		next = at;
	if (next == 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static size_t
fill_pollfds(struct agent *a, struct pollfd *pfd, struct conn **cs)
{
	struct conn *c;
	size_t n = NFIXED;
	uint64_t at;

	memset(pfd, 0, sizeof(*pfd) * (NFIXED + AGENT_CONNS_MAX));
	pfd[0].fd = privsep_fd(a->sv);
	pfd[0].events = POLLIN | (privsep_want_write(a->sv) ? POLLOUT : 0);
	/*
	 * Before cardd's first channel, leave clients in the backlog: with
	 * socket activation the first one arrives before cardd runs.  Nor
	 * before the lock state: a restarted agent may have to start locked.
	 * At the cap, not until a connection is evictable (conn_evictable_at).
	 */
	at = a->nconns < AGENT_CONNS_MAX ? 1 : conn_evictable_at(a);
	pfd[1].fd = a->cardd_seen && a->lock_known && at != 0 &&
	    at <= monotime_ms() ? a->listen_fd : -1;
	pfd[1].events = POLLIN;
	pfd[2].fd = a->cardd != NULL ? privsep_fd(a->cardd) : -1;
	pfd[2].events = POLLIN |
	    (a->cardd != NULL && privsep_want_write(a->cardd) ? POLLOUT : 0);
	TAILQ_FOREACH(c, &a->conns, entry) {
		pfd[n].fd = c->fd;
		pfd[n].events = (c->busy ? 0 : POLLIN) |
		    (buf_len(c->out) > 0 ? POLLOUT : 0);
		cs[n++] = c;
	}
	return n;
}

static void
serve(struct agent *a)
{
	struct pollfd pfd[NFIXED + AGENT_CONNS_MAX];
	struct conn *cs[NFIXED + AGENT_CONNS_MAX];
	size_t i, n;

	for (;;) {
		n = fill_pollfds(a, pfd, cs);
		if (poll(pfd, n, next_timeout(a)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		if (pfd[0].revents != 0)
			sv_input(a);
		if (pfd[2].revents != 0 && a->cardd != NULL &&
		    pfd[2].fd == privsep_fd(a->cardd))
			cardd_input(a);
		for (i = NFIXED; i < n; i++) {
			if (cs[i]->dead)
				continue;
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !cs[i]->busy)
				conn_read(a, cs[i]);
			else if (pfd[i].revents & (POLLHUP | POLLERR))
				cs[i]->dead = 1;
		}
		if (pfd[1].revents & POLLIN)
			conn_accept(a);
		handle_timers(a, monotime_ms());
		flush_all(a);
		conn_reap(a);
	}
}

static void
setup(struct agent *a)
{
	int flags, r;

	if (fcntl(SUPERVISOR_FD, F_GETFD) == -1 ||
	    (flags = fcntl(AGENT_LISTEN_FD, F_GETFL)) == -1)
		fatal("no supervisor channel (fd %d) or listening socket "
		    "(fd %d): cardagent starts this program", SUPERVISOR_FD,
		    AGENT_LISTEN_FD);
	if (fcntl(AGENT_LISTEN_FD, F_SETFL, flags | O_NONBLOCK) == -1)
		fatal("fcntl: %s", strerror(errno));
	a->listen_fd = AGENT_LISTEN_FD;
	a->uid = getuid();
	TAILQ_INIT(&a->conns);
	if ((r = privsep_chan_new(SUPERVISOR_FD, &supervisor_conf, &a->sv)) != 0)
		fatal_fr(r, "supervisor channel");
}

int
main(int argc, char **argv, char **envp)
{
	struct agent a;
	struct helper_args args;
	int r;

	memset(&a, 0, sizeof(a));
	setproctitle_init(argc, argv, envp);
	helper_args_parse(argc, argv, "cardagent-agent",
	    HELPER_ARG_LIFETIME | HELPER_ARG_IDLE, &args);
	log_init("cardagent-agent", args.level, 1);
	if ((r = sandbox_harden()) != 0)
		fatal_fr(r, "cannot harden the process");
	if (args.selftest) {
		/* The canonical forbidden call: must die of SIGSYS. */
		agent_sandbox();
		r = (int)syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
		error("sandbox self-test: openat returned %d", r);
		return 1;
	}
	setup(&a);
	a.default_lifetime = args.lifetime;
	a.idle_ms = (uint64_t)args.idle * 1000;
	setproctitle("agent");
	agent_sandbox();
	serve(&a);
	return 0;
}
