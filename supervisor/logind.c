/*
 * De-authorisation on session lock and on suspend: where a system bus
 * is reachable, the supervisor runs cardagent-logind, which watches
 * logind (GDBus, in its own process) and writes one byte per event to
 * a socketpair the loop polls: 'L' the session was locked, 'S' the
 * system is about to sleep.  Either de-authorises the cards as SIGUSR1
 * does.  The watcher is not trusted beyond that: any other byte stops
 * it.  It exits 0 when there is no logind and is then left alone;
 * after a failure it is restarted with a growing delay, a few times.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "supervisor.h"

#define SYSTEM_BUS_SOCKET	"/run/dbus/system_bus_socket"
#define EVENTS_MAX		16	/* bytes read per wakeup */

/* A system bus named in the environment, or the default socket. */
static int
system_bus(void)
{
	const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");

	if (addr != NULL && *addr != '\0')
		return 1;
	return access(SYSTEM_BUS_SOCKET, F_OK) == 0;
}

/* Before the sandbox: decide whether to watch, find the program. */
void
logind_init(struct sv *sv)
{
	struct sv_logind *l = &sv->logind;

	l->pid = -1;
	l->fd = -1;
	l->path = NULL;
	l->tries = 0;
	l->start_at = 0;
	if (!sv->deauth_on_lock)
		info("logind watching is off (deauth-on-lock = false)");
	else if (!system_bus())
		info("no system bus: logind watching is off");
	else if (helper_find("logind", &l->path) != 0)
		error("logind watching is off");
	else
		l->start_at = monotime_ms();	/* at the loop's first turn */
}

static void
logind_start(struct sv *sv)
{
	struct sv_logind *l = &sv->logind;
	int sp[2];
	pid_t pid;

	l->start_at = 0;
	l->tries++;
	/* ours, after the fork to the background */
	snprintf(l->arg, sizeof(l->arg), "%ld", (long)getpid());
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, sp) == -1) {
		error("socketpair for cardagent-logind: %s", strerror(errno));
		return;
	}
	if ((pid = fork()) == -1) {
		error("fork for cardagent-logind: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		return;
	}
	if (pid == 0) {
		char *argv[] = { l->path, l->arg, NULL };

		program_exec(sv, sp[1], argv);
	}
	close(sp[1]);
	l->pid = pid;
	l->fd = sp[0];
	verbose("started cardagent-logind (pid %ld)", (long)pid);
}

/* A start that is due; the poll deadline of the next one. */
int64_t
logind_timer(struct sv *sv, int64_t now)
{
	struct sv_logind *l = &sv->logind;

	if (l->start_at == 0 || sv->stopping)
		return -1;
	if (now < l->start_at)
		return l->start_at;
	logind_start(sv);
	return -1;
}

static void
logind_close(struct sv_logind *l)
{
	if (l->fd != -1)
		close(l->fd);
	l->fd = -1;
}

/* Its socket is readable: events, or its end closed. */
void
logind_input(struct sv *sv)
{
	struct sv_logind *l = &sv->logind;
	char ev[EVENTS_MAX];
	ssize_t n, i;
	int lock = 0, suspend = 0;

	if ((n = read(l->fd, ev, sizeof(ev))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {	/* it is ending: reaped soon */
		logind_close(l);
		return;
	}
	for (i = 0; i < n; i++) {
		if (ev[i] == 'L')
			lock = 1;
		else if (ev[i] == 'S')
			suspend = 1;
		else {
			error("cardagent-logind sent 0x%02x; stopping it",
			    (unsigned char)ev[i]);
			logind_close(l);
			(void)kill(l->pid, SIGKILL);
			return;
		}
	}
	/* events that came together: one de-authorisation */
	if (sv->stopping)
		return;
	if (lock)
		sv_deauth(sv, "session locked");
	else if (suspend)
		sv_deauth(sv, "going to sleep");
}

/* Non-zero if pid was the watcher; restart it after a failure. */
int
logind_reaped(struct sv *sv, pid_t pid, int status)
{
	struct sv_logind *l = &sv->logind;

	if (pid != l->pid)
		return 0;
	l->pid = -1;
	logind_close(l);
	if (sv->stopping)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		info("logind watching is off");
		return 1;
	}
	if (WIFEXITED(status))
		error("cardagent-logind exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		error("cardagent-logind killed by signal %d%s",
		    WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (sandbox violation)" : "");
	if (l->tries >= SV_LOGIND_TRIES) {
		error("cardagent-logind failed %d times: logind watching is "
		    "off", l->tries);
		return 1;
	}
	l->start_at = monotime_ms() + (SV_LOGIND_DELAY << (l->tries - 1));
	info("restarting cardagent-logind after a delay");
	return 1;
}

/* Shutdown: SIGTERM; it also ends when it sees its socket close. */
void
logind_stop(struct sv *sv)
{
	struct sv_logind *l = &sv->logind;

	l->start_at = 0;
	if (l->pid != -1)
		(void)kill(l->pid, SIGTERM);
	logind_close(l);
}
