/*
 * What cardd tells the supervisor about signatures (doc/PROTOCOL.privsep
 * section 8): NOTE_CALLER as it begins to serve one, TOUCH before the card
 * waits for a touch, AUDIT after each signature request.  cardd is not trusted: every field is checked, and
 * the facts it forwards from the agent are claims a compromised helper
 * could make up.  The supervisor adds what only it may look up (the
 * caller's command in /proc, the host's name in ~/.ssh/known_hosts),
 * logs, and for TOUCH runs cardagent-notify to show a desktop
 * notification, at most one at a time and SV_NOTIFY_MAX per window.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "caller.h"
#include "channels.h"
#include "err.h"
#include "keyblob.h"
#include "log.h"
#include "supervisor.h"

#define IDENT_MAX	64	/* card ident ("0000:01234567") */
#define FPR_MAX		64	/* "SHA256:" and 43 characters */
#define NAME_MAX_LEN	256	/* a host name taken from known_hosts */

/* The caller as words: "ssh (pid 42, uid 1000)", host, forwarded. */
struct who {
	char		 cmd[32];
	char		 host[NAME_MAX_LEN];
	uint32_t	 uid, pid;
	int		 forwarded;
};

/* Printable ASCII without spaces, at most max bytes, at least one. */
int
notice_valid_word(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* Replace what a terminal or a log reader should not see. */
static void
sanitise(char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			*s = '?';
}

/* The command name of pid (its comm); "?" when it is gone. */
void
notice_command_of(uint32_t pid, char *out, size_t outlen)
{
	char path[64];
	ssize_t n;
	int fd;

	strlcpy(out, "?", outlen);
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if (pid == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, out, outlen - 1);
	close(fd);
	if (n <= 0) {
		strlcpy(out, "?", outlen);
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	sanitise(out);
}

/* One known_hosts line: its first plain host name if it holds key. */
static int
known_hosts_line(char *line, const char *key, char *out, size_t outlen)
{
	char *hosts, *type, *b64, *sp = NULL;
	size_t keylen = strlen(key);

	line[strcspn(line, "\r\n")] = '\0';
	if ((hosts = strtok_r(line, " \t", &sp)) == NULL ||
	    *hosts == '#' || *hosts == '@' || *hosts == '|' ||
	    (type = strtok_r(NULL, " \t", &sp)) == NULL ||
	    (b64 = strtok_r(NULL, " \t", &sp)) == NULL)
		return 0;
	/* key is "type base64" */
	if (strlen(type) + 1 + strlen(b64) != keylen ||
	    strncmp(key, type, strlen(type)) != 0 ||
	    strcmp(key + strlen(type) + 1, b64) != 0)
		return 0;
	hosts[strcspn(hosts, ",")] = '\0';
	strlcpy(out, hosts, outlen);
	sanitise(out);
	return 1;
}

/* The host's name from ~/.ssh/known_hosts, else its fingerprint. */
void
notice_host_of(const struct buf *hostkey, char *out, size_t outlen)
{
	const char *home = getenv("HOME");
	char path[PATH_MAX], *key = NULL, *line = NULL, *fp = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f = NULL;

	strlcpy(out, "?", outlen);
	if (keyblob_to_line(hostkey, NULL, &key) != 0)
		return;
	if (home != NULL && *home == '/' && (size_t)snprintf(path,
	    sizeof(path), "%s/.ssh/known_hosts", home) < sizeof(path) &&
	    (f = fopen(path, "re")) != NULL) {
		while (!found && getline(&line, &cap, f) != -1)
			found = known_hosts_line(line, key, out, outlen);
		fclose(f);
	}
	if (!found && keyblob_fingerprint(hostkey, &fp) == 0)
		strlcpy(out, fp, outlen);
	free(line);
	free(key);
	free(fp);
}

/* pid's entry in the ring of noted callers, or NULL. */
static struct sv_caller *
caller_find(struct sv *sv, uint32_t pid)
{
	size_t i;

	for (i = 0; i < SV_CALLERS && pid != 0; i++)
		if (sv->callers[i].pid == pid)
			return &sv->callers[i];
	return NULL;
}

/* pid's command now, else the one NOTE_CALLER noted while it waited. */
static void
command_noted(struct sv *sv, uint32_t pid, char *out, size_t outlen)
{
	struct sv_caller *c;

	notice_command_of(pid, out, outlen);
	if (strcmp(out, "?") == 0 && (c = caller_find(sv, pid)) != NULL)
		strlcpy(out, c->cmd, outlen);
}

static void
who_resolve(struct sv *sv, const struct caller *c, struct who *w)
{
	memset(w, 0, sizeof(*w));
	w->uid = c->uid;
	w->pid = c->pid;
	w->forwarded = c->forwarded;
	command_noted(sv, c->pid, w->cmd, sizeof(w->cmd));
	if (buf_len(c->hostkey) > 0)
		notice_host_of(c->hostkey, w->host, sizeof(w->host));
	else
		strlcpy(w->host, "-", sizeof(w->host));
}

/* A new notice may start: none running, fewer than max in the window. */
static int
notify_allowed(struct sv_notify *n, int64_t now)
{
	int i, recent = 0, oldest = 0;

	if (n->path == NULL || n->pid != -1)
		return 0;
	for (i = 0; i < SV_NOTIFY_MAX; i++) {
		if (n->recent[i] != 0 && now - n->recent[i] < SV_NOTIFY_WINDOW)
			recent++;
		if (n->recent[i] < n->recent[oldest])
			oldest = i;
	}
	if (recent >= SV_NOTIFY_MAX)
		return 0;
	n->recent[oldest] = now;
	return 1;
}

static void
notify_start(struct sv *sv, const char *ident, const struct who *w)
{
	char summary[128], body[512];
	pid_t pid;

	snprintf(summary, sizeof(summary), "Touch the card %s", ident);
	snprintf(body, sizeof(body), "%s (pid %u) asks for a signature%s%s%s",
	    w->cmd, w->pid, strcmp(w->host, "-") != 0 ? " for " : "",
	    strcmp(w->host, "-") != 0 ? w->host : "",
	    w->forwarded ? " (forwarded)" : "");
	if ((pid = fork()) == -1) {
		error("fork for a notification: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		char *argv[] = { sv->notify.path, summary, body, NULL };

		program_exec(sv, -1, argv);
	}
	sv->notify.pid = pid;
	sv->notify.deadline = monotime_ms() + SV_NOTIFY_TIMEOUT;
	debug("cardagent-notify started (pid %ld)", (long)pid);
}

/* TOUCH: string ident, caller. */
static int
touch(struct sv *sv, struct buf *p)
{
	struct caller c;
	struct who w;
	char *ident = NULL;
	size_t len;
	int r = ERR_FORMAT;

	memset(&c, 0, sizeof(c));
	if (buf_get_cstring(p, &ident, &len) != 0 ||
	    !notice_valid_word(ident, len, IDENT_MAX) || caller_get(p, &c) != 0 ||
	    buf_len(p) != 0)
		goto out;
	who_resolve(sv, &c, &w);
	info("card %s: touch the card to confirm a signature for %s "
	    "(pid %u, uid %u)%s%s%s", ident, w.cmd, w.pid, w.uid,
	    strcmp(w.host, "-") != 0 ? ", host " : "",
	    strcmp(w.host, "-") != 0 ? w.host : "",
	    w.forwarded ? ", forwarded" : "");
	if (notify_allowed(&sv->notify, monotime_ms()))
		notify_start(sv, ident, &w);
	else if (sv->notify.path != NULL)
		verbose("no desktop notification now: one is still shown or "
		    "too many came lately");
	r = 0;
 out:
	caller_clear(&c);
	free(ident);
	return r;
}

/* AUDIT's result: 0 or an agent channel FAIL reason (1-8). */
static const char *
result_name(uint32_t reason)
{
	static const char *const names[] = {
		"signed", "no-such-key", "no-pin", "pin-refused",
		"too-few-pin-tries", "card-error", "pin-store-error",
		"invalid-request", "refused-by-constraint",
	};

	return reason < sizeof(names) / sizeof(names[0]) ?
	    names[reason] : NULL;
}

/*
 * NOTE_CALLER: uint32 pid.  Read its command now, while it waits for its
 * answer, and tell cardd (CALLER_NOTED), which holds the answer until
 * then.  A pid already in the ring keeps its slot, as in cardd's.
 */
static int
caller(struct sv *sv, struct sv_helper *h, uint32_t id, struct buf *p)
{
	struct sv_caller *c;
	uint32_t pid;
	int r;

	if (id == 0 || buf_get_u32(p, &pid) != 0 || pid == 0 ||
	    buf_len(p) != 0)
		return ERR_FORMAT;
	if ((c = caller_find(sv, pid)) == NULL)
		c = &sv->callers[sv->next_caller++ % SV_CALLERS];
	c->pid = pid;
	notice_command_of(pid, c->cmd, sizeof(c->cmd));
	if ((r = privsep_queue(h->chan, SV_CALLER_NOTED, id, NULL)) != 0)
		error_r(r, "cannot queue CALLER_NOTED to cardd");
	return 0;
}

/* AUDIT: string ident (may be empty), string fingerprint, caller,
 * uint32 result.  One log line with a fixed prefix, key=value. */
static int
audit(struct sv *sv, struct buf *p)
{
	struct caller c;
	struct who w;
	struct tm tm;
	char *ident = NULL, *fp = NULL, stamp[32];
	const char *result;
	size_t ilen, flen;
	uint32_t reason;
	time_t now = time(NULL);
	int r = ERR_FORMAT;

	memset(&c, 0, sizeof(c));
	if (buf_get_cstring(p, &ident, &ilen) != 0 ||
	    (ilen != 0 && !notice_valid_word(ident, ilen, IDENT_MAX)) ||
	    buf_get_cstring(p, &fp, &flen) != 0 ||
	    !notice_valid_word(fp, flen, FPR_MAX) || strncmp(fp, "SHA256:", 7) != 0 ||
	    caller_get(p, &c) != 0 || buf_get_u32(p, &reason) != 0 ||
	    (result = result_name(reason)) == NULL || buf_len(p) != 0)
		goto out;
	who_resolve(sv, &c, &w);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(stamp, "?", sizeof(stamp));
	info("audit: time=%s card=%s key=%s uid=%u pid=%u command=%s "
	    "host=%s forwarded=%s result=%s", stamp, ilen != 0 ? ident : "-",
	    fp, w.uid, w.pid, w.cmd, w.host, w.forwarded ? "yes" : "no",
	    result);
	r = 0;
 out:
	caller_clear(&c);
	free(ident);
	free(fp);
	return r;
}

int
notice_input(struct sv *sv, struct sv_helper *h, uint8_t type, uint32_t id,
    struct buf *payload)
{
	int r = ERR_FORMAT;

	if (h->role == PRIVSEP_ROLE_CARDD && type == SV_NOTE_CALLER)
		r = caller(sv, h, id, payload);
	else if (h->role == PRIVSEP_ROLE_CARDD && type == SV_TOUCH)
		r = touch(sv, payload);
	else if (h->role == PRIVSEP_ROLE_CARDD && type == SV_AUDIT)
		r = audit(sv, payload);
	if (r != 0)
		error("%s: %s (message %u) not valid", h->name,
		    type == SV_NOTE_CALLER ? "NOTE_CALLER" : type == SV_TOUCH ? "TOUCH" :
		    type == SV_AUDIT ? "AUDIT" :
		    "a message it may not send", type);
	return r;
}

/* Desktop notices only where a session bus is named. */
void
notice_init(struct sv *sv)
{
	const char *bus = getenv("DBUS_SESSION_BUS_ADDRESS");

	memset(&sv->notify, 0, sizeof(sv->notify));
	sv->notify.pid = -1;
	if (bus == NULL || *bus == '\0') {
		verbose("no session bus: touch notices go to the log only");
		return;
	}
	if (helper_find("notify", &sv->notify.path) != 0)
		error("touch notices go to the log only");
}

/* Kill a notifier that hangs; the poll timeout until its deadline. */
int64_t
notice_timer(struct sv *sv, int64_t now)
{
	if (sv->notify.pid == -1)
		return -1;
	if (now < sv->notify.deadline)
		return sv->notify.deadline;
	if (!sv->notify.killed) {
		error("cardagent-notify (pid %ld) hangs; killing it",
		    (long)sv->notify.pid);
		(void)kill(sv->notify.pid, SIGKILL);
		sv->notify.killed = 1;
	}
	return -1;
}

/* Non-zero if pid was the notifier. */
int
notice_reaped(struct sv *sv, pid_t pid, int status)
{
	if (pid != sv->notify.pid)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		debug("desktop notification shown");
	else if (WIFEXITED(status))
		info("cardagent-notify: no desktop notification (status %d)",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		error("cardagent-notify killed by signal %d%s",
		    WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (sandbox violation)" : "");
	sv->notify.pid = -1;
	sv->notify.killed = 0;
	return 1;
}
