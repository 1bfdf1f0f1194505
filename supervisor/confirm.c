/*
 * ssh-add -c: cardd asks (CONFIRM, doc/PROTOCOL.privsep section 8)
 * before a card enrolled with confirmation signs; the supervisor, the
 * one process allowed to exec, runs $SSH_ASKPASS with
 * SSH_ASKPASS_PROMPT=confirm as ssh-agent does and answers
 * CONFIRM_REPLY.  The question names the card, what is signed, the
 * destination and forwarding path (host names from known_hosts) and
 * the local process.  One question at a time; no askpass, no display,
 * a timeout or anything but a yes is a refusal.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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

/* The askpass to run: SSH_ASKPASS where a display is named. */
void
confirm_init(struct sv *sv)
{
	const char *askpass = getenv("SSH_ASKPASS");
	const char *x11 = getenv("DISPLAY"), *way = getenv("WAYLAND_DISPLAY");

	memset(&sv->confirm, 0, sizeof(sv->confirm));
	sv->confirm.pid = -1;
	sv->confirm.out = -1;
	if (askpass == NULL || *askpass == '\0')
		verbose("no SSH_ASKPASS: keys enrolled with -c cannot sign");
	else if ((x11 == NULL || *x11 == '\0') && (way == NULL || *way == '\0'))
		verbose("no DISPLAY or WAYLAND_DISPLAY: keys enrolled with -c "
		    "cannot sign");
	else if ((sv->confirm.askpass = strdup(askpass)) == NULL)
		fatal("out of memory");
}

static void
answer(struct sv *sv, struct sv_helper *h, uint32_t id, int allowed)
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
	(void)sv;
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

/* In the child: the question as argv[1], the answer on the pipe. */
static void __attribute__((noreturn))
askpass_exec(const struct sv *sv, int out, char *text)
{
	char *argv[] = { sv->confirm.askpass, text, NULL };
	sigset_t none;
	int fd;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    (sv->helper_stderr != -1 &&
	    dup2(sv->helper_stderr, STDERR_FILENO) == -1) ||
	    setenv("SSH_ASKPASS_PROMPT", "confirm", 1) != 0)
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	execv(sv->confirm.askpass, argv);
	_exit(127);
}

static int
askpass_start(struct sv *sv, char *text)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		error("pipe for askpass: %s", strerror(errno));
		return ERR_SYSTEM;
	}
	if ((pid = fork()) == -1) {
		error("fork for askpass: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return ERR_SYSTEM;
	}
	if (pid == 0)
		askpass_exec(sv, fds[1], text);
	close(fds[1]);
	sv->confirm.pid = pid;
	sv->confirm.out = fds[0];
	sv->confirm.killed = 0;
	sv->confirm.deadline = monotime_ms() + SV_CONFIRM_TIMEOUT;
	return 0;
}

/* CONFIRM: string ident, the caller, the context.  Answered always. */
int
confirm_input(struct sv *sv, struct sv_helper *h, uint32_t id,
    struct buf *p)
{
	struct caller c;
	struct caller_context x;
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
	if (sv->confirm.askpass == NULL) {
		info("card %s: refused, nobody to ask (set SSH_ASKPASS and "
		    "DISPLAY for cardagent): %s", ident, text);
		answer(sv, h, id, 0);
	} else if (sv->confirm.pid != -1) {
		info("card %s: refused, another confirmation is open", ident);
		answer(sv, h, id, 0);
	} else if (askpass_start(sv, text) != 0)
		answer(sv, h, id, 0);
	else {
		info("card %s: asking for confirmation: %s", ident, text);
		sv->confirm.id = id;
		sv->confirm.asker = h->pid;
		strlcpy(sv->confirm.ident, ident, sizeof(sv->confirm.ident));
	}
 out:
	caller_clear(&c);
	caller_context_clear(&x);
	free(ident);
	return r;
}

/* Kill an askpass nobody answers; the poll timeout until its deadline. */
int64_t
confirm_timer(struct sv *sv, int64_t now)
{
	if (sv->confirm.pid == -1)
		return -1;
	if (now < sv->confirm.deadline)
		return sv->confirm.deadline;
	if (!sv->confirm.killed) {
		info("card %s: no answer within %d s: refused",
		    sv->confirm.ident, SV_CONFIRM_TIMEOUT / 1000);
		(void)kill(sv->confirm.pid, SIGKILL);
		sv->confirm.killed = 1;
	}
	return -1;
}

/* ssh-agent's rule: exit 0 and an empty answer or "yes". */
static int
allowed(struct sv *sv, int status)
{
	char buf[ANSWER_MAX];
	ssize_t n;

	if (sv->confirm.killed || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 0;
	(void)fcntl(sv->confirm.out, F_SETFL, O_NONBLOCK);
	if ((n = read(sv->confirm.out, buf, sizeof(buf) - 1)) < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] == '\0' || strcasecmp(buf, "yes") == 0;
}

/* Non-zero if pid was the askpass: answer the cardd that asked. */
int
confirm_reaped(struct sv *sv, pid_t pid, int status)
{
	struct sv_helper *h = &sv->helpers[H_CARDD];
	int ok;

	if (pid != sv->confirm.pid)
		return 0;
	ok = allowed(sv, status);
	info("card %s: signature %s by the user", sv->confirm.ident,
	    ok ? "allowed" : "refused");
	if (h->pid == sv->confirm.asker)
		answer(sv, h, sv->confirm.id, ok);
	close(sv->confirm.out);
	sv->confirm.out = -1;
	sv->confirm.pid = -1;
	return 1;
}
