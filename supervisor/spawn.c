/*
 * Finding and starting the helpers: fork, then exec with the supervisor
 * channel at SUPERVISOR_FD (and the agent socket at AGENT_LISTEN_FD for
 * the agent) and nothing else inherited but stdio.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channels.h"
#include "err.h"
#include "helperargs.h"
#include "log.h"
#include "privsep.h"
#include "supervisor.h"

#define SV_QUEUE_MAX	(2 * SV_FRAME_MAX)	/* a few PEER frames */
#define SV_ARGV_MAX	(10 + 2 * HELPER_IGNORE_MAX)

/* cardd alone may speak: NOTE_CALLER, TOUCH and AUDIT (supervisor/notice.c),
 * CONFIRM (confirm.c). */
static const struct privsep_permit cardd_permit[] = {
	{ SV_NOTE_CALLER, "NOTE_CALLER", 4 },
	{ SV_TOUCH, "TOUCH", SV_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ SV_AUDIT, "AUDIT", SV_FRAME_MAX - PRIVSEP_FRAME_MIN },
	{ SV_CONFIRM, "CONFIRM", SV_FRAME_MAX - PRIVSEP_FRAME_MIN },
};

/* The agent's lock state, kept for its restart (supervisor/relock.c). */
static const struct privsep_permit agent_permit[] = {
	{ SV_LOCKED, "LOCKED", SV_LOCK_VERIFIER_LEN },
	{ SV_UNLOCKED, "UNLOCKED", 0 },
};

static const struct privsep_chan_conf sv_conf[H_COUNT] = {
	[H_AGENT] = {
		.name = "supervisor->agent",
		.self = PRIVSEP_ROLE_SUPERVISOR,
		.peer = PRIVSEP_ROLE_AGENT,
		.max_frame = SV_AGENT_FRAME_MAX,	/* CERTS */
		.max_queued = 2 * SV_AGENT_FRAME_MAX,
		.permit = agent_permit,
		.npermit = sizeof(agent_permit) / sizeof(agent_permit[0]),
		.pass_fds = 1,
	},
	[H_CARDD] = {
		.name = "supervisor->cardd",
		.self = PRIVSEP_ROLE_SUPERVISOR,
		.peer = PRIVSEP_ROLE_CARDD,
		.max_frame = SV_FRAME_MAX,
		.max_queued = SV_QUEUE_MAX,
		.permit = cardd_permit,
		.npermit = sizeof(cardd_permit) / sizeof(cardd_permit[0]),
		.pass_fds = 1,
	},
	[H_PINSTORE] = {
		.name = "supervisor->pinstore",
		.self = PRIVSEP_ROLE_SUPERVISOR,
		.peer = PRIVSEP_ROLE_PINSTORE,
		.max_frame = SV_FRAME_MAX,
		.max_queued = SV_QUEUE_MAX,
		.pass_fds = 1,
	},
};

int64_t
monotime_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run uninstalled, from supervisor/ in the build tree: use the helpers
 * built next to it, each in the directory named by the first word of
 * its name (pinstore/cardagent-pinstore-secret).  Installed:
 * $(libexecdir).
 */
int
helper_find(const char *name, char **pathp)
{
	char exe[PATH_MAX], path[PATH_MAX], *dir;
	int dlen = (int)strcspn(name, "-");
	ssize_t n;
	int len;

	*pathp = NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		dir = dirname(exe);
		len = snprintf(path, sizeof(path), "%s/../%.*s/cardagent-%s",
		    dir, dlen, name, name);
		if (strcmp(basename(dir), "supervisor") == 0 && len > 0 &&
		    (size_t)len < sizeof(path) && access(path, X_OK) == 0)
			goto found;
	}
	len = snprintf(path, sizeof(path), "%s/cardagent-%s", LIBEXECDIR,
	    name);
	if (len > 0 && (size_t)len < sizeof(path) && access(path, X_OK) == 0)
		goto found;
	error("cannot find the helper cardagent-%s in %s: %s", name,
	    LIBEXECDIR, strerror(errno));
	return ERR_NOT_FOUND;
 found:
	if ((*pathp = strdup(path)) == NULL)
		return ERR_ALLOC;
	return 0;
}

/* The options a helper takes from us (common/helperargs.h). */
static void
helper_argv(const struct sv *sv, const struct sv_helper *h, char **argv,
    int *argcp, char *secs, size_t secslen, char *idle, size_t idlelen)
{
	enum log_level l;
	size_t i;

	if (sv->helper_level == LOG_LEVEL_ERROR)
		argv[(*argcp)++] = "-q";
	for (l = LOG_LEVEL_INFO; l < sv->helper_level; l++)
		argv[(*argcp)++] = "-d";
	if (h->role == PRIVSEP_ROLE_AGENT && sv->lifetime > 0) {
		snprintf(secs, secslen, "%ld", sv->lifetime);
		argv[(*argcp)++] = "-t";
		argv[(*argcp)++] = secs;
	}
	if (h->role == PRIVSEP_ROLE_AGENT && sv->idle > 0) {
		snprintf(idle, idlelen, "%ld", sv->idle);
		argv[(*argcp)++] = "-i";
		argv[(*argcp)++] = idle;
	}
	if (h->role == PRIVSEP_ROLE_PINSTORE && sv->secret_service) {
		argv[(*argcp)++] = "-b";
		argv[(*argcp)++] = "secret-service";
	}
	for (i = 0; h->role == PRIVSEP_ROLE_CARDD && sv->ignore != NULL &&
	    sv->ignore[i] != NULL && i < HELPER_IGNORE_MAX; i++) {
		argv[(*argcp)++] = "-x";
		argv[(*argcp)++] = sv->ignore[i];
	}
}

/* In the child: the descriptors in place, the arguments, exec. */
static void __attribute__((noreturn))
child_exec(const struct sv *sv, const struct sv_helper *h, int chfd)
{
	char *argv[SV_ARGV_MAX], secs[32], idle[32];
	int argc = 0, lfd = -1, nullfd;
	int agent = h->role == PRIVSEP_ROLE_AGENT;
	sigset_t none;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (sv->helper_stderr != -1 &&
	    dup2(sv->helper_stderr, STDERR_FILENO) == -1)
		_exit(127);
	/* Above 4 first, so that no dup2 below meets its own source. */
	if ((chfd = fcntl(chfd, F_DUPFD, AGENT_LISTEN_FD + 1)) == -1 ||
	    (agent && (lfd = fcntl(sv->sock.fd, F_DUPFD,
	    AGENT_LISTEN_FD + 1)) == -1) ||
	    dup2(chfd, SUPERVISOR_FD) == -1 ||
	    (agent && dup2(lfd, AGENT_LISTEN_FD) == -1) ||
	    (nullfd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(nullfd, STDIN_FILENO) == -1) {
		error("%s: cannot set up descriptors: %s", h->name,
		    strerror(errno));
		_exit(127);
	}
	closefrom(agent ? AGENT_LISTEN_FD + 1 : AGENT_LISTEN_FD);
	argv[argc++] = h->path;
	helper_argv(sv, h, argv, &argc, secs, sizeof(secs), idle,
	    sizeof(idle));
	argv[argc] = NULL;
	execv(h->path, argv);
	error("exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

/*
 * In the child of a program that is no helper (cardagent-notify,
 * cardagent-logind): stdin from /dev/null, stdout to out (-1: ours),
 * stderr where the helpers' goes, no other descriptor; exec argv.
 */
void
program_exec(const struct sv *sv, int out, char *const argv[])
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 ||
	    (out != -1 && dup2(out, STDOUT_FILENO) == -1) ||
	    (sv->helper_stderr != -1 &&
	    dup2(sv->helper_stderr, STDERR_FILENO) == -1))
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	execv(argv[0], argv);
	_exit(127);
}

int
helper_spawn(struct sv *sv, struct sv_helper *h)
{
	int sp[2], r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		error("socketpair: %s", strerror(errno));
		return ERR_SYSTEM;
	}
	if ((pid = fork()) == -1) {
		error("fork: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		return ERR_SYSTEM;
	}
	if (pid == 0)
		child_exec(sv, h, sp[1]);
	close(sp[1]);
	h->pid = pid;
	h->fd = sp[0];
	h->restart_pending = 0;
	if ((r = privsep_chan_new(sp[0], &sv_conf[h - sv->helpers],
	    &h->chan)) != 0)
		fatal_fr(r, "%s: supervisor channel", h->name);
	verbose("started %s (pid %ld)", h->name, (long)pid);
	return 0;
}
