/*
 * ssh-add -c: cardd asks (CONFIRM, doc/PROTOCOL.privsep section 8)
 * before a card enrolled with confirmation signs; the supervisor builds
 * the question and answers CONFIRM_REPLY.  The question names the card,
 * what is signed, the destination and forwarding path (host names from
 * known_hosts) and the local process.
 *
 * An askpass program (GTK, X11, a script) needs whatever system calls
 * its toolkit makes, far beyond the supervisor's seccomp table, which
 * every child inherits.  So the supervisor forks, before it installs
 * its table, a launcher that does nothing but run $SSH_ASKPASS with
 * SSH_ASKPASS_PROMPT=confirm (as ssh-agent does) for each question it
 * receives on a socketpair and answer one byte.  One question at a
 * time; no askpass, no display, a timeout or anything but a yes
 * (ssh-agent's rule: exit 0 and an empty answer or "yes") refuses.
 */
#include "config.h"

#include <sys/prctl.h>
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
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "caller.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "supervisor.h"

#define QUESTION_MAX	2048
#define ANSWER_MAX	64

static void
answer(struct sv_helper *h, uint32_t id, int allowed)
{
	struct buf *b;
	int r;

	if (h->chan == NULL)
		return;
	if ((b = buf_new()) == NULL || buf_put_u8(b, allowed ? 1 : 0) != 0)
		fatal("out of memory");
	if ((r = privsep_queue(h->chan, SV_CONFIRM_REPLY, id, b)) != 0)
		error_r(r, "%s: cannot queue CONFIRM_REPLY", h->name);
	buf_free(b);
}

/* "login to HOST as USER" and the like. */
static void
what_text(const struct caller *c, const struct caller_context *x,
    char *out, size_t outlen)
{
	char host[256];

	switch (x->what) {
	case CALLER_WHAT_LOGIN:
		if (buf_len(c->hostkey) > 0)
			notice_host_of(c->hostkey, host, sizeof(host));
		else
			strlcpy(host, "an unknown host", sizeof(host));
		snprintf(out, outlen, "login to %s as %s", host, x->detail);
		break;
	case CALLER_WHAT_SSHSIG:
		snprintf(out, outlen, "signature (namespace %s)", x->detail);
		break;
	case CALLER_WHAT_CERT:
		strlcpy(out, "certificate", outlen);
		break;
	default:
		strlcpy(out, "data", outlen);
		break;
	}
}

/* "this machine > HOST1 > HOST2", or why there is no path to show. */
static void
path_text(const struct caller *c, const struct caller_context *x,
    char *out, size_t outlen)
{
	char host[256];
	size_t i;

	if (!c->forwarded) {
		strlcpy(out, "none (this machine)", outlen);
		return;
	}
	if (x->npath == 0) {
		strlcpy(out, "forwarded (hops unknown)", outlen);
		return;
	}
	strlcpy(out, "this machine", outlen);
	for (i = 0; i < x->npath; i++) {
		notice_host_of(x->path[i], host, sizeof(host));
		strlcat(out, " > ", outlen);
		strlcat(out, host, outlen);
	}
	if (buf_len(c->hostkey) > 0) {
		notice_host_of(c->hostkey, host, sizeof(host));
		strlcat(out, " > ", outlen);
		strlcat(out, host, outlen);
	}
}

static void
question(const char *ident, const struct caller *c,
    const struct caller_context *x, char *out, size_t outlen)
{
	char what[512], path[512], cmd[32];

	what_text(c, x, what, sizeof(what));
	path_text(c, x, path, sizeof(path));
	notice_command_of(c->pid, cmd, sizeof(cmd));
	snprintf(out, outlen, "Allow card %s to sign: %s?\n"
	    "Asked by: %s (pid %u, uid %u)\nForwarding path: %s",
	    ident, what, cmd, c->pid, c->uid, path);
}

/* In the askpass child: the question as argv[1], the answer on out. */
static void __attribute__((noreturn))
askpass_exec(const char *askpass, int out, char *text)
{
	char *argv[] = { (char *)askpass, text, NULL };
	sigset_t none;
	int fd;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    setenv("SSH_ASKPASS_PROMPT", "confirm", 1) != 0)
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	execv(askpass, argv);
	_exit(127);
}

/* Read the answer until EOF or the deadline; kill a dawdler. */
static int
askpass_answer(pid_t pid, int fd, char *buf, size_t size)
{
	int64_t deadline = monotime_ms() + SV_CONFIRM_TIMEOUT, left;
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;
	int status, killed = 0;

	for (;;) {
		if ((left = deadline - monotime_ms()) <= 0) {
			(void)kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0 && !(n == -1 && errno == EINTR))
			break;
		if (n > 0 && (len += (size_t)n) == size - 1)
			break;
	}
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 0;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] == '\0' || strcasecmp(buf, "yes") == 0;
}

static int
askpass_run(const char *askpass, char *text)
{
	char answer[ANSWER_MAX];
	int fds[2], ok;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return 0;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0)
		askpass_exec(askpass, fds[1], text);
	close(fds[1]);
	ok = askpass_answer(pid, fds[0], answer, sizeof(answer));
	close(fds[0]);
	explicit_bzero(answer, sizeof(answer));
	return ok;
}

/* The launcher: string question in, byte allowed out, until EOF. */
static void __attribute__((noreturn))
launcher_main(const char *askpass, int fd)
{
	uint8_t msg[4 + QUESTION_MAX], ok;
	struct buf *in;
	char *text;
	ssize_t n;

	for (;;) {
		/* SOCK_SEQPACKET: one question per read, whole */
		if ((n = read(fd, msg, sizeof(msg))) == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (in = buf_from(msg, (size_t)n)) == NULL)
			_exit(0);
		if (buf_get_cstring(in, &text, NULL) != 0 || buf_len(in) != 0)
			_exit(1);
		buf_free(in);
		ok = (uint8_t)askpass_run(askpass, text);
		free(text);
		if (write(fd, &ok, 1) != 1)
			_exit(0);
	}
}

/* SSH_ASKPASS where a display is named, else NULL: nobody to ask. */
static const char *
askpass_path(void)
{
	const char *askpass = getenv("SSH_ASKPASS");
	const char *x11 = getenv("DISPLAY"), *way = getenv("WAYLAND_DISPLAY");

	if (askpass == NULL || *askpass == '\0') {
		verbose("no SSH_ASKPASS: keys enrolled with -c cannot sign");
		return NULL;
	}
	if ((x11 == NULL || *x11 == '\0') && (way == NULL || *way == '\0')) {
		verbose("no DISPLAY or WAYLAND_DISPLAY: keys enrolled with -c "
		    "cannot sign");
		return NULL;
	}
	return askpass;
}

/* Before the sandbox: fork the launcher if there is an askpass. */
void
confirm_init(struct sv *sv)
{
	const char *askpass;
	int fds[2];
	pid_t pid;

	memset(&sv->confirm, 0, sizeof(sv->confirm));
	sv->confirm.fd = -1;
	sv->confirm.launcher = -1;
	if ((askpass = askpass_path()) == NULL)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == -1 ||
	    (pid = fork()) == -1)
		fatal("askpass launcher: %s", strerror(errno));
	if (pid == 0) {
		/* its own name: pkill -x cardagent leaves it alone */
		(void)prctl(PR_SET_NAME, "cardagent-askp");
		if (dup2(fds[1], SUPERVISOR_FD) == -1 ||
		    (sv->helper_stderr != -1 &&
		    dup2(sv->helper_stderr, STDERR_FILENO) == -1))
			_exit(1);
		closefrom(SUPERVISOR_FD + 1);
		launcher_main(askpass, SUPERVISOR_FD);
	}
	close(fds[1]);
	sv->confirm.fd = fds[0];
	sv->confirm.launcher = pid;
	debug("askpass launcher started (pid %ld)", (long)pid);
}

/* CONFIRM: string ident, the caller, the context.  Answered always. */
int
confirm_input(struct sv *sv, struct sv_helper *h, uint32_t id,
    struct buf *p)
{
	struct caller c;
	struct caller_context x;
	struct buf *q = NULL;
	char *ident = NULL, text[QUESTION_MAX];
	size_t len;
	int r = ERR_FORMAT;

	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	if (id == 0 || buf_get_cstring(p, &ident, &len) != 0 ||
	    !notice_valid_word(ident, len, 64) || caller_get(p, &c) != 0 ||
	    caller_context_get(p, &x) != 0 || buf_len(p) != 0)
		goto out;
	r = 0;
	question(ident, &c, &x, text, sizeof(text));
	if (sv->confirm.fd == -1) {
		info("card %s: refused, nobody to ask (set SSH_ASKPASS and "
		    "DISPLAY for cardagent): %s", ident, text);
		answer(h, id, 0);
	} else if (sv->confirm.id != 0) {
		info("card %s: refused, another confirmation is open", ident);
		answer(h, id, 0);
	} else if ((q = buf_new()) == NULL || buf_put_cstring(q, text) != 0 ||
	    write(sv->confirm.fd, buf_ptr(q), buf_len(q)) !=
	    (ssize_t)buf_len(q)) {
		error("card %s: refused, the askpass launcher is gone", ident);
		answer(h, id, 0);
	} else {
		info("card %s: asking for confirmation: %s", ident, text);
		sv->confirm.id = id;
		sv->confirm.asker = h->pid;
		sv->confirm.deadline = monotime_ms() + SV_CONFIRM_TIMEOUT +
		    SV_CONFIRM_SLACK;
		strlcpy(sv->confirm.ident, ident, sizeof(sv->confirm.ident));
	}
 out:
	buf_free(q);
	caller_clear(&c);
	caller_context_clear(&x);
	free(ident);
	return r;
}

/* The open question is answered now: tell the cardd that asked. */
static void
confirm_done(struct sv *sv, int ok)
{
	struct sv_helper *h = &sv->helpers[H_CARDD];

	info("card %s: signature %s by the user", sv->confirm.ident,
	    ok ? "allowed" : "refused");
	if (h->pid == sv->confirm.asker)
		answer(h, sv->confirm.id, ok);
	sv->confirm.id = 0;
}

/* The launcher's byte; it is gone at EOF and nobody is asked again. */
void
confirm_launcher_input(struct sv *sv)
{
	uint8_t ok = 0;
	ssize_t n;

	if ((n = read(sv->confirm.fd, &ok, 1)) == -1 && errno == EINTR)
		return;
	if (n != 1 || ok > 1) {
		error("askpass launcher gone: keys enrolled with -c cannot "
		    "sign");
		close(sv->confirm.fd);
		sv->confirm.fd = -1;
		ok = 0;
	}
	if (sv->confirm.late > 0 && n == 1) {
		sv->confirm.late--;	/* for a question already refused */
		return;
	}
	if (sv->confirm.id != 0)
		confirm_done(sv, ok);
}

/* A question the launcher did not answer in time is refused. */
int64_t
confirm_timer(struct sv *sv, int64_t now)
{
	if (sv->confirm.id == 0)
		return -1;
	if (now < sv->confirm.deadline)
		return sv->confirm.deadline;
	info("card %s: no answer within %d s", sv->confirm.ident,
	    SV_CONFIRM_TIMEOUT / 1000);
	sv->confirm.late++;
	confirm_done(sv, 0);
	return -1;
}
