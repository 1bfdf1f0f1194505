/*
 * Unit tests of supervisor/notice.c: NOTE_CALLER, TOUCH and AUDIT from a
 * cardd that may lie.  Malformed payloads are violations; valid ones run
 * the notifier (here a shell script that records its arguments) at most
 * one at a time and SV_NOTIFY_MAX per window, naming the caller's
 * command and the host from $HOME/.ssh/known_hosts or by its
 * fingerprint; NOTE_CALLER is answered and its command outlives the caller.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "caller.h"
#include "channels.h"
#include "err.h"
#include "keyblob.h"
#include "log.h"
#include "supervisor.h"

/* Above the kernel's PID_MAX_LIMIT: no process has these pids. */
#define NO_PID		(4 * 1024 * 1024 + 100)

/* Any well-formed blob will do as a host key: type string, 32 bytes. */
static const uint8_t key32[32] = { 1, 2, 3 };
static char dir[] = "/tmp/test_notice.XXXXXX";
static char out[PATH_MAX];

struct t {
	struct sv	 sv;
	struct sv_helper cardd, agent;
	struct buf	*hostkey;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char path[PATH_MAX];
	FILE *f;

	assert_non_null(t);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(out, sizeof(out), "%s/notify.out", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\nprintf '%%s|%%s\\n' \"$1\" \"$2\" >>%s\n",
	    out);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	t->sv.notify.path = strdup(path);
	t->sv.notify.pid = -1;
	t->sv.helper_stderr = -1;
	t->cardd.name = "cardd";
	t->cardd.role = PRIVSEP_ROLE_CARDD;
	t->agent.name = "agent";
	t->agent.role = PRIVSEP_ROLE_AGENT;
	assert_non_null(t->hostkey = buf_new());
	assert_int_equal(keyblob_put_ed25519(t->hostkey, key32, 32), 0);
	setenv("HOME", dir, 1);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;
	char cmd[PATH_MAX + 16];

	buf_free(t->hostkey);
	free(t->sv.notify.path);
	free(t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	strlcpy(dir, "/tmp/test_notice.XXXXXX", sizeof(dir));
	return 0;
}

/* TOUCH's payload: ident, caller (uid 1000, our pid), extra bytes. */
static struct buf *
touch_msg(const char *ident, const struct buf *hostkey, int fwd,
    size_t extra)
{
	struct caller c = { 1000, (uint32_t)getpid(), fwd, NULL };
	struct buf *b = buf_new();

	c.hostkey = (struct buf *)hostkey;
	assert_int_equal(buf_put_cstring(b, ident), 0);
	assert_int_equal(caller_put(b, &c), 0);
	while (extra-- > 0)
		assert_int_equal(buf_put_u8(b, 0), 0);
	return b;
}

static int
feed_id(struct t *t, struct sv_helper *h, uint8_t type, uint32_t id,
    struct buf *b)
{
	int r = notice_input(&t->sv, h, type, id, b);

	buf_free(b);
	return r;
}

static int
feed(struct t *t, struct sv_helper *h, uint8_t type, struct buf *b)
{
	int r = notice_input(&t->sv, h, type, 0, b);

	buf_free(b);
	return r;
}

/* Wait for the notifier; what it recorded last, or "". */
static const char *
notified(struct t *t)
{
	static char line[1024];
	int status;
	FILE *f;

	line[0] = '\0';
	if (t->sv.notify.pid == -1)
		return line;
	assert_int_equal(waitpid(t->sv.notify.pid, &status, 0),
	    t->sv.notify.pid);
	assert_true(notice_reaped(&t->sv, t->sv.notify.pid, status));
	assert_int_equal(t->sv.notify.pid, -1);
	if ((f = fopen(out, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			;
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void
test_touch_bad(void **state)
{
	struct t *t = *state;
	struct buf *big = buf_new();
	char ident65[66];
	uint8_t z[CALLER_HOSTKEY_MAX + 1] = { 0 };

	memset(ident65, 'A', 65);
	ident65[65] = '\0';
	assert_int_equal(buf_put(big, z, sizeof(z)), 0);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:01", NULL, 0, 1)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("", NULL, 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000 01", NULL, 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:\x1b[2J", NULL, 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg(ident65, NULL, 0, 0)), ERR_FORMAT);
	/* a TOUCH from the agent, any other type from cardd */
	assert_int_equal(feed(t, &t->agent, SV_TOUCH,
	    touch_msg("0000:01", NULL, 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_PEER,
	    touch_msg("0000:01", NULL, 0, 0)), ERR_FORMAT);
	/* an oversized host key cannot even be encoded: forge it */
	{
		struct buf *b = buf_new();

		assert_int_equal(buf_put_cstring(b, "0000:01"), 0);
		assert_int_equal(buf_put_u32(b, 0), 0);
		assert_int_equal(buf_put_u32(b, 1), 0);
		assert_int_equal(buf_put_u8(b, 0), 0);
		assert_int_equal(buf_put_stringb(b, big), 0);
		assert_int_equal(feed(t, &t->cardd, SV_TOUCH, b), ERR_FORMAT);
		b = buf_new();
		assert_int_equal(buf_put_cstring(b, "0000:01"), 0);
		assert_int_equal(buf_put_u32(b, 0), 0);
		assert_int_equal(buf_put_u32(b, 1), 0);
		assert_int_equal(buf_put_u8(b, 2), 0);	/* forwarded 2 */
		assert_int_equal(buf_put_string(b, NULL, 0), 0);
		assert_int_equal(feed(t, &t->cardd, SV_TOUCH, b), ERR_FORMAT);
	}
	buf_free(big);
	assert_int_equal(t->sv.notify.pid, -1);	/* nothing was run */
}

static void
write_known_hosts(const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/.ssh", dir);
	(void)mkdir(path, 0700);
	strlcat(path, "/known_hosts", sizeof(path));
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
test_touch_names(void **state)
{
	struct t *t = *state;
	char *line = NULL, *fp = NULL, kh[2048], want[512];

	assert_int_equal(keyblob_to_line(t->hostkey, NULL, &line), 0);
	assert_int_equal(keyblob_fingerprint(t->hostkey, &fp), 0);
	snprintf(kh, sizeof(kh), "# comment\n|1|aGFzaA==|aGFzaA== %s\n"
	    "@cert-authority * %s\nother.example ssh-ed25519 AAAAC3Nz\n"
	    "[host.example]:2222,10.0.0.1 %s some comment\n", line, line,
	    line);
	write_known_hosts(kh);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:0A0B0C0D", t->hostkey, 1, 0)), 0);
	snprintf(want, sizeof(want), "Touch the card 0000:0A0B0C0D|"
	    "test_notice (pid %ld) asks for a signature for "
	    "[host.example]:2222 (forwarded)", (long)getpid());
	assert_string_equal(notified(t), want);

	/* hashed names only: the fingerprint */
	snprintf(kh, sizeof(kh), "|1|aGFzaA==|aGFzaA== %s\n", line);
	write_known_hosts(kh);
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:0A0B0C0D", t->hostkey, 0, 0)), 0);
	snprintf(want, sizeof(want), "Touch the card 0000:0A0B0C0D|"
	    "test_notice (pid %ld) asks for a signature for %s",
	    (long)getpid(), fp);
	assert_string_equal(notified(t), want);

	/* no session-bind: no host */
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:0A0B0C0D", NULL, 0, 0)), 0);
	snprintf(want, sizeof(want), "Touch the card 0000:0A0B0C0D|"
	    "test_notice (pid %ld) asks for a signature", (long)getpid());
	assert_string_equal(notified(t), want);
	free(line);
	free(fp);
}

static void
test_rate_limit(void **state)
{
	struct t *t = *state;
	pid_t pid;
	int i;

	for (i = 0; i < SV_NOTIFY_MAX; i++) {
		assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
		    touch_msg("0000:01", NULL, 0, 0)), 0);
		assert_int_not_equal(pid = t->sv.notify.pid, -1);
		/* one at a time: a second TOUCH meanwhile runs nothing */
		assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
		    touch_msg("0000:01", NULL, 0, 0)), 0);
		assert_int_equal(t->sv.notify.pid, pid);
		assert_string_not_equal(notified(t), "");
	}
	/* the window is full: logged, not shown */
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:01", NULL, 0, 0)), 0);
	assert_int_equal(t->sv.notify.pid, -1);
	/* once the window has passed, notices come again */
	for (i = 0; i < SV_NOTIFY_MAX; i++)
		t->sv.notify.recent[i] -= SV_NOTIFY_WINDOW;
	assert_int_equal(feed(t, &t->cardd, SV_TOUCH,
	    touch_msg("0000:01", NULL, 0, 0)), 0);
	assert_string_not_equal(notified(t), "");
}

static struct buf *
audit_msg_of(pid_t pid, const char *ident, const char *fp, uint32_t reason,
    size_t extra)
{
	struct caller c = { 1000, (uint32_t)pid, 0, NULL };
	struct buf *b = buf_new();

	assert_int_equal(buf_put_cstring(b, ident), 0);
	assert_int_equal(buf_put_cstring(b, fp), 0);
	assert_int_equal(caller_put(b, &c), 0);
	assert_int_equal(buf_put_u32(b, reason), 0);
	while (extra-- > 0)
		assert_int_equal(buf_put_u8(b, 0), 0);
	return b;
}

static struct buf *
audit_msg(const char *ident, const char *fp, uint32_t reason, size_t extra)
{
	return audit_msg_of(getpid(), ident, fp, reason, extra);
}

static void
test_audit(void **state)
{
	struct t *t = *state;
	const char *fp = "SHA256:knirXolbUSbZE2NssEu73YbXH0JCm8V8cTMwif3mQP0";

	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", fp, 0, 0)), 0);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("", fp, AC_R_NO_KEY, 0)), 0);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", fp, AC_R_INVALID, 0)), 0);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", fp, AC_R_DENIED, 0)), 0);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", fp, AC_R_DENIED + 1, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", fp, 0, 1)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", "MD5:aa", 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01", "SHA256:a b", 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg("0000:01\n", fp, 0, 0)), ERR_FORMAT);
	assert_int_equal(feed(t, &t->agent, SV_AUDIT,
	    audit_msg("0000:01", fp, 0, 0)), ERR_FORMAT);
	assert_int_equal(t->sv.notify.pid, -1);	/* AUDIT shows nothing */
}

static struct buf *
caller_msg(pid_t pid, size_t extra)
{
	struct buf *b = buf_new();

	assert_int_equal(buf_put_u32(b, (uint32_t)pid), 0);
	while (extra-- > 0)
		assert_int_equal(buf_put_u8(b, 0), 0);
	return b;
}

/* The audit line an AUDIT for pid logs (stderr, captured). */
static void
audit_line(struct t *t, pid_t pid, char *line, size_t len)
{
	const char *fp = "SHA256:knirXolbUSbZE2NssEu73YbXH0JCm8V8cTMwif3mQP0";
	char path[PATH_MAX];
	int fd, saved;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	fflush(stderr);
	assert_true((saved = dup(2)) >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	assert_int_equal(feed(t, &t->cardd, SV_AUDIT,
	    audit_msg_of(pid, "0000:01", fp, 0, 0)), 0);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, (int)len, f));
	fclose(f);
}

/* A child that runs "sleep" until killed; its comm is readable. */
static pid_t
sleeper(void)
{
	char path[64], comm[32] = "";
	pid_t pid;
	int i;
	FILE *f;

	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	for (i = 0; i < 500 && strcmp(comm, "sleep\n") != 0; i++) {
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(comm, sizeof(comm), f) == NULL)
				comm[0] = '\0';
			fclose(f);
		}
		usleep(10 * 1000);
	}
	assert_string_equal(comm, "sleep\n");
	return pid;
}

static void
test_caller(void **state)
{
	static const struct privsep_permit noted_permit[] = {
		{ SV_CALLER_NOTED, "CALLER_NOTED", 0 },
	};
	static const struct privsep_chan_conf sup_side = {
		.name = "supervisor->cardd", .self = PRIVSEP_ROLE_SUPERVISOR,
		.peer = PRIVSEP_ROLE_CARDD, .max_frame = SV_FRAME_MAX,
		.max_queued = 4 * SV_FRAME_MAX,
	}, cardd_side = {
		.name = "cardd", .self = PRIVSEP_ROLE_CARDD,
		.peer = PRIVSEP_ROLE_SUPERVISOR, .max_frame = SV_FRAME_MAX,
		.max_queued = 4 * SV_FRAME_MAX, .permit = noted_permit,
		.npermit = 1,
	};
	struct t *t = *state;
	struct privsep_chan *cardd;
	struct buf *p = NULL;
	char line[1024];
	uint32_t id;
	uint8_t type;
	pid_t pid;
	int sp[2], pending, status, i;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(privsep_chan_new(sp[0], &sup_side, &t->cardd.chan),
	    0);
	assert_int_equal(privsep_chan_new(sp[1], &cardd_side, &cardd), 0);
	pid = sleeper();

	/* Malformed: no id, pid 0, a short or long payload, the agent's. */
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 0,
	    caller_msg(pid, 0)), ERR_FORMAT);
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 7,
	    caller_msg(0, 0)), ERR_FORMAT);
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 7,
	    caller_msg(pid, 1)), ERR_FORMAT);
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 7, buf_new()),
	    ERR_FORMAT);
	assert_int_equal(feed_id(t, &t->agent, SV_NOTE_CALLER, 7,
	    caller_msg(pid, 0)), ERR_FORMAT);

	/* Noted and answered with the same id... */
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 7,
	    caller_msg(pid, 0)), 0);
	assert_int_equal(privsep_flush(t->cardd.chan, &pending), 0);
	assert_int_equal(privsep_read(cardd), 0);
	assert_int_equal(privsep_get(cardd, &type, &id, &p), 0);
	assert_non_null(p);
	assert_int_equal(type, SV_CALLER_NOTED);
	assert_int_equal(id, 7);
	assert_int_equal(buf_len(p), 0);
	buf_free(p);

	/* ...so the audit line names it after it was reaped. */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	audit_line(t, pid, line, sizeof(line));
	assert_non_null(strstr(line, " command=sleep "));
	audit_line(t, NO_PID, line, sizeof(line));
	assert_non_null(strstr(line, " command=? "));
	/* A living caller is named by /proc (it may have run exec). */
	audit_line(t, getpid(), line, sizeof(line));
	assert_non_null(strstr(line, " command=test_notice "));

	/* A full ring forgets the oldest; a pid noted again keeps its slot. */
	for (i = 1; i < SV_CALLERS; i++)
		assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 10 + i,
		    caller_msg(NO_PID + i, 0)), 0);
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 20,
	    caller_msg(NO_PID + 1, 0)), 0);
	audit_line(t, pid, line, sizeof(line));
	assert_non_null(strstr(line, " command=sleep "));
	assert_int_equal(feed_id(t, &t->cardd, SV_NOTE_CALLER, 21,
	    caller_msg(NO_PID + SV_CALLERS, 0)), 0);
	audit_line(t, pid, line, sizeof(line));
	assert_non_null(strstr(line, " command=? "));
	privsep_chan_close(&cardd);
	privsep_chan_close(&t->cardd.chan);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_touch_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_touch_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller, setup, teardown),
	};

	log_init("test_notice", LOG_LEVEL_INFO, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
