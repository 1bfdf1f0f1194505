/*
 * The supervisor's loop: start the helpers, hand each its peers, reap
 * them (SIGCHLD through a signalfd), restart one that dies with a fresh
 * socketpair to each of its peers, shut everything down on a signal.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "privsep.h"
#include "supervisor.h"

/* Who talks to whom (doc/PROTOCOL.privsep section 1). */
static const enum sv_helper_id links[][2] = {
	{ H_AGENT, H_CARDD },
	{ H_CARDD, H_PINSTORE },
};
#define NLINKS	(sizeof(links) / sizeof(links[0]))

#define SV_DRAIN_READS	64	/* of a dead helper's channel, at most */

/* The signals the loop reads from its signalfd. */
static void
loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

/* Find the helpers and block the signals the loop reads from a signalfd. */
int
sv_init(struct sv *sv)
{
	static const struct {
		const char		*name;
		enum privsep_role	 role;
	} tab[H_COUNT] = {
		[H_AGENT] = { "agent", PRIVSEP_ROLE_AGENT },
		[H_CARDD] = { "cardd", PRIVSEP_ROLE_CARDD },
		[H_PINSTORE] = { "pinstore", PRIVSEP_ROLE_PINSTORE },
	};
	struct sv_helper *h;
	sigset_t set;
	int i, r;

	sv->sigfd = -1;
	for (i = 0; i < H_COUNT; i++) {
		h = &sv->helpers[i];
		memset(h, 0, sizeof(*h));
		h->name = tab[i].name;
		h->role = tab[i].role;
		h->pid = -1;
		h->fd = -1;
		/* the Secret Service backend is a program of its own */
		if ((r = helper_find(i == H_PINSTORE && sv->secret_service ?
		    "pinstore-secret" : h->name, &h->path)) != 0)
			return r;
	}
	notice_init(sv);
	logind_init(sv);
	/* Blocked before any fork, so no signal is lost or fatal. */
	loop_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return ERR_SYSTEM;
	return 0;
}

static int
alive(const struct sv *sv)
{
	int i, n = 0;

	for (i = 0; i < H_COUNT; i++)
		n += sv->helpers[i].pid != -1;
	return n;
}

static void
begin_stop(struct sv *sv)
{
	int i;

	if (sv->stopping)
		return;
	sv->stopping = 1;
	sv->stop_deadline = monotime_ms() + SV_STOP_GRACE;
	for (i = 0; i < H_COUNT; i++) {
		sv->helpers[i].restart_pending = 0;
		if (sv->helpers[i].pid != -1)
			(void)kill(sv->helpers[i].pid, SIGTERM);
	}
	if (sv->notify.pid != -1)
		(void)kill(sv->notify.pid, SIGTERM);
	logind_stop(sv);
}

/*
 * A helper that no longer reads its supervisor channel, closes it or
 * breaks the protocol on it is of no use: it is killed and restarted.
 */
static void
drop_helper(struct sv *sv, struct sv_helper *h, int r)
{
	if (r != ERR_EOF)
		error_r(r, "%s: supervisor channel", h->name);
	else if (!sv->stopping)	/* mostly: it died, reaped soon */
		verbose("%s closed its supervisor channel", h->name);
	privsep_chan_free(h->chan);
	h->chan = NULL;
	(void)kill(h->pid, SIGKILL);
}

static void
flush_helper(struct sv *sv, struct sv_helper *h)
{
	int pending, r;

	if (h->chan != NULL && (r = privsep_flush(h->chan, &pending)) != 0)
		drop_helper(sv, h, r);
}

/*
 * Take the frames that have arrived from a helper: cardd's TOUCH and
 * AUDIT, the agent's LOCKED and UNLOCKED (the permit tables let no other
 * through).
 */
static int
helper_frames(struct sv *sv, struct sv_helper *h)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	r = privsep_read(h->chan);
	while (r == 0 && (r = privsep_get(h->chan, &type, &id,
	    &payload)) == 0 && payload != NULL) {
		if (h->role == PRIVSEP_ROLE_AGENT)
			r = relock_input(sv, type, payload);
		else if (h->role == PRIVSEP_ROLE_CARDD && type == SV_CONFIRM)
			r = confirm_input(sv, h, id, payload);
		else
			r = notice_input(sv, h, type, id, payload);
		buf_free(payload);
	}
	return r;
}

static void
helper_input(struct sv *sv, struct sv_helper *h)
{
	int r;

	if ((r = helper_frames(sv, h)) != 0)
		drop_helper(sv, h, r);
}

/*
 * A helper that died: the frames it wrote before still count (a lock).
 * Read to the end of what it left (a frame takes a few reads on this
 * channel: its first byte comes alone); a bounded number of reads.
 */
static void
helper_drain(struct sv *sv, struct sv_helper *h)
{
	int i;

	for (i = 0; i < SV_DRAIN_READS && h->chan != NULL; i++)
		if (helper_frames(sv, h) != 0)
			break;
}

/* PEER: the role at the other end of fd, which travels along. */
static int
send_peer(struct sv *sv, struct sv_helper *to, enum privsep_role role,
    int fd)
{
	struct buf *b;
	int r;

	if (to->chan == NULL)
		return 0;	/* dying; its restart plumbs it again */
	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u8(b, (uint8_t)role)) == 0)
		r = privsep_queue_fd(to->chan, SV_PEER, 0, b, fd);
	buf_free(b);
	if (r != 0)
		error_r(r, "%s: cannot queue PEER", to->name);
	flush_helper(sv, to);
	return r;
}

/* A fresh channel between two running helpers. */
static int
plumb(struct sv *sv, struct sv_helper *a, struct sv_helper *b)
{
	int sp[2], r;

	if (a->pid == -1 || b->pid == -1)
		return 0;	/* the other one's start plumbs it */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, sp) == -1) {
		error("socketpair: %s", strerror(errno));
		return ERR_SYSTEM;
	}
	if ((r = send_peer(sv, a, b->role, sp[0])) == 0)
		r = send_peer(sv, b, a->role, sp[1]);
	close(sp[0]);	/* the channels hold their own duplicates */
	close(sp[1]);
	debug("%s <-> %s plumbed", a->name, b->name);
	return r;
}

static void
start_helper(struct sv *sv, enum sv_helper_id id)
{
	size_t i;

	if (helper_spawn(sv, &sv->helpers[id]) != 0)
		goto fail;
	/* queued before PEER: the agent serves no one until it has both */
	if (id == H_AGENT && relock_send(sv, &sv->helpers[id]) != 0)
		goto fail;
	for (i = 0; i < NLINKS; i++) {
		if ((links[i][0] == id || links[i][1] == id) &&
		    plumb(sv, &sv->helpers[links[i][0]],
		    &sv->helpers[links[i][1]]) != 0)
			goto fail;
	}
	if (id == H_AGENT)
		certs_update(sv, 1);	/* a new agent knows none */
	return;
 fail:
	error("cannot start %s; shutting down", sv->helpers[id].name);
	sv->failed = 1;
	begin_stop(sv);
}

/* Restart soon, later for each recent restart; give up after too many. */
static void
schedule_restart(struct sv *sv, struct sv_helper *h)
{
	int64_t now = monotime_ms();
	int i, n = 0, oldest = 0;

	for (i = 0; i < SV_RESTART_MAX; i++) {
		if (h->restarts[i] != 0 &&
		    now - h->restarts[i] < SV_RESTART_WINDOW)
			n++;
		if (h->restarts[i] < h->restarts[oldest])
			oldest = i;
	}
	if (n >= SV_RESTART_MAX) {
		error("%s died %d times within %d s; giving up", h->name,
		    n + 1, SV_RESTART_WINDOW / 1000);
		sv->failed = 1;
		begin_stop(sv);
		return;
	}
	h->restarts[oldest] = now;
	h->restart_pending = 1;
	h->restart_at = now + (n == 0 ? 0 : SV_RESTART_DELAY << (n - 1));
	info("restarting %s%s", h->name, n == 0 ? "" : " after a delay");
}

static void
report_exit(const struct sv *sv, const struct sv_helper *h, int status)
{
	if ((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    (sv->stopping && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGTERM))
		verbose("%s (pid %ld) ended", h->name, (long)h->pid);
	else if (WIFEXITED(status))
		error("%s (pid %ld) exited with status %d", h->name,
		    (long)h->pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		error("%s (pid %ld) killed by signal %d%s", h->name,
		    (long)h->pid, WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (sandbox violation)" : "");
}

static void
reap(struct sv *sv)
{
	struct sv_helper *h;
	int i, status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (notice_reaped(sv, pid, status) ||
		    logind_reaped(sv, pid, status))
			continue;
		if (pid == sv->confirm.launcher) {
			error("askpass launcher ended (status 0x%x)", status);
			sv->confirm.launcher = -1;
			continue;
		}
		for (i = 0, h = NULL; i < H_COUNT && h == NULL; i++)
			if (sv->helpers[i].pid == pid)
				h = &sv->helpers[i];
		if (h == NULL)
			continue;
		report_exit(sv, h, status);
		helper_drain(sv, h);
		privsep_chan_free(h->chan);
		h->chan = NULL;
		close(h->fd);
		h->fd = -1;
		h->pid = -1;
		if (!sv->stopping)
			schedule_restart(sv, h);
	}
}

/* SIGUSR1, a session lock, a suspend: the agent has cardd reset the
 * cards, pinstore drop memory-only PINs. */
void
sv_deauth(struct sv *sv, const char *why)
{
	struct sv_helper *h = &sv->helpers[H_AGENT];
	int r;

	info("%s: de-authorising the cards", why);
	if (h->chan == NULL) {
		error("the agent is not running: nothing to de-authorise");
		return;
	}
	if ((r = privsep_queue(h->chan, SV_DEAUTH, 0, NULL)) != 0)
		error_r(r, "agent: cannot queue DEAUTH");
	flush_helper(sv, h);
}

static void
handle_signals(struct sv *sv)
{
	struct signalfd_siginfo si;
	ssize_t n;

	while ((n = read(sv->sigfd, &si, sizeof(si))) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;	/* reaped below, all at once */
		if (si.ssi_signo == SIGUSR1) {
			if (!sv->stopping)
				sv_deauth(sv, "SIGUSR1");
			continue;
		}
		info("signal %u: shutting down", si.ssi_signo);
		begin_stop(sv);
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		fatal("read signalfd: %s", strerror(errno));
	reap(sv);
}

/* Due restarts, the kill deadline; the poll timeout until the next. */
static int
run_timers(struct sv *sv)
{
	int64_t now = monotime_ms(), next, c;
	struct sv_helper *h;
	int i;

	next = notice_timer(sv, now);
	if ((c = confirm_timer(sv, now)) != -1 && (next == -1 || c < next))
		next = c;
	if ((c = logind_timer(sv, now)) != -1 && (next == -1 || c < next))
		next = c;

	for (i = 0; i < H_COUNT; i++) {
		h = &sv->helpers[i];
		if (sv->stopping && h->pid != -1 && now >= sv->stop_deadline) {
			error("%s ignores SIGTERM; killing it", h->name);
			(void)kill(h->pid, SIGKILL);
		} else if (sv->stopping && h->pid != -1)
			next = sv->stop_deadline;
		if (!h->restart_pending)
			continue;
		if (now >= h->restart_at)
			start_helper(sv, (enum sv_helper_id)i);
		else if (next == -1 || h->restart_at < next)
			next = h->restart_at;
	}
	if (sv->stopping && alive(sv) > 0 && now >= sv->stop_deadline)
		return 100;	/* SIGKILL sent: wait for the reaping */
	if (!sv->stopping && sv->certs.rescan_at != 0) {
		certs_update(sv, 0);
		if (sv->certs.rescan_at != 0 &&
		    (next == -1 || sv->certs.rescan_at < next))
			next = sv->certs.rescan_at;
	}
	return next == -1 ? -1 : (int)(next - now);
}

static void
poll_helper(const struct sv_helper *h, struct pollfd *pfd)
{
	pfd->fd = h->chan != NULL ? h->fd : -1;
	pfd->events = POLLIN;
	if (h->chan != NULL && privsep_want_write(h->chan))
		pfd->events |= POLLOUT;
	pfd->revents = 0;
}

int
sv_run(struct sv *sv)
{
	struct pollfd pfd[4 + H_COUNT];
	struct sv_helper *h;
	sigset_t set;
	int i, timeout;

	loop_signals(&set);
	if ((sv->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd: %s", strerror(errno));
	if (certs_init(&sv->certs, sv->places, sv->nplaces) != 0)
		fatal("out of memory");
	confirm_init(sv);	/* its launcher runs askpass unconfined */
	/* Set up: from here on only the loop's calls (and the helpers'). */
	if (sv_sandbox() != 0) {
		sock_remove(&sv->sock);
		return 1;
	}
	for (i = 0; i < H_COUNT && !sv->stopping; i++)
		start_helper(sv, (enum sv_helper_id)i);
	while (!sv->stopping || alive(sv) > 0) {
		timeout = run_timers(sv);
		pfd[0].fd = sv->sigfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sv->certs.fd;	/* -1: ignored */
		pfd[1].events = POLLIN;
		for (i = 0; i < H_COUNT; i++)
			poll_helper(&sv->helpers[i], &pfd[2 + i]);
		pfd[2 + H_COUNT].fd = sv->confirm.fd;
		pfd[2 + H_COUNT].events = POLLIN;
		pfd[2 + H_COUNT].revents = 0;
		pfd[3 + H_COUNT].fd = sv->logind.fd;
		pfd[3 + H_COUNT].events = POLLIN;
		pfd[3 + H_COUNT].revents = 0;
		if (poll(pfd, 4 + H_COUNT, timeout) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (pfd[0].revents != 0)
			handle_signals(sv);
		if (pfd[1].revents != 0)
			certs_input(&sv->certs);
		if (sv->confirm.fd != -1 && pfd[2 + H_COUNT].revents != 0)
			confirm_launcher_input(sv);
		if (sv->logind.fd != -1 && pfd[3 + H_COUNT].revents != 0)
			logind_input(sv);
		for (i = 0; i < H_COUNT; i++) {
			h = &sv->helpers[i];
			if (h->chan != NULL && pfd[2 + i].fd == h->fd &&
			    (pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				helper_input(sv, h);
			flush_helper(sv, h);
		}
	}
	close(sv->sigfd);
	sock_remove(&sv->sock);
	info("stopped");
	return sv->failed ? 1 : 0;
}
