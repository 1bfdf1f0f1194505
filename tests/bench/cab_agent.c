/*
 * cabench's agent client: SSH agent requests (draft-miller-ssh-agent)
 * on a Unix socket, timed one by one; concurrent clients in child
 * processes released together.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cabench.h"
#include "err.h"
#include "log.h"

#define AGENT_FRAME_MAX		(256 * 1024)
#define REQUEST_IDENTITIES	11
#define IDENTITIES_ANSWER	12
#define SIGN_REQUEST		13
#define SIGN_RESPONSE		14
#define STARTUP_MAX_NS		(5 * 1000000000ULL)

int
agent_connect(const char *path, int *fdp)
{
	struct sockaddr_un sun;
	int fd;

	*fdp = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return ERR_ARGUMENT;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return ERR_SYSTEM;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return ERR_SYSTEM;
	}
	*fdp = fd;
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return ERR_SYSTEM;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n == 0)
			return ERR_EOF;
		if (n < 0)
			return ERR_SYSTEM;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request (type, payload) and its answer's type and payload. */
static int
agent_call(int fd, uint8_t type, const struct buf *req, uint8_t *rtypep,
    struct buf *resp)
{
	struct buf *msg;
	uint8_t hdr[4], *p;
	uint32_t len;
	int r;

	*rtypep = 0;
	if ((msg = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u32(msg, 1 + (req ? (uint32_t)buf_len(req) : 0))) ||
	    (r = buf_put_u8(msg, type)) != 0 ||
	    (req != NULL && (r = buf_putb(msg, req)) != 0) ||
	    (r = write_all(fd, buf_ptr(msg), buf_len(msg))) != 0 ||
	    (r = read_all(fd, hdr, sizeof(hdr))) != 0)
		goto out;
	len = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (len == 0 || len > AGENT_FRAME_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	buf_reset(resp);
	if ((r = buf_reserve(resp, len, &p)) != 0 ||
	    (r = read_all(fd, p, len)) != 0 ||
	    (r = buf_get_u8(resp, rtypep)) != 0)
		goto out;
 out:
	buf_free(msg);
	return r;
}

int
agent_list(int fd, size_t *nkeysp)
{
	struct buf *resp;
	uint32_t n;
	uint8_t type;
	int r;

	*nkeysp = 0;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = agent_call(fd, REQUEST_IDENTITIES, NULL, &type, resp)) == 0 &&
	    (type != IDENTITIES_ANSWER || buf_get_u32(resp, &n) != 0))
		r = ERR_FORMAT;
	if (r == 0)
		*nkeysp = n;
	buf_free(resp);
	return r;
}

int
agent_sign(int fd, const struct buf *blob, uint32_t flags)
{
	struct buf *req = NULL, *resp = NULL;
	uint8_t data[BENCH_DATA_LEN], type;
	const uint8_t *sig;
	size_t siglen;
	int r;

	bench_data(data, sizeof(data));
	if ((req = buf_new()) == NULL || (resp = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_put_stringb(req, blob)) != 0 ||
	    (r = buf_put_string(req, data, sizeof(data))) != 0 ||
	    (r = buf_put_u32(req, flags)) != 0 ||
	    (r = agent_call(fd, SIGN_REQUEST, req, &type, resp)) != 0)
		goto out;
	/* The agent refused (5) or answered nonsense. */
	if (type != SIGN_RESPONSE ||
	    buf_get_string_direct(resp, &sig, &siglen) != 0 || siglen == 0)
		r = ERR_CARD;
 out:
	buf_free(req);
	buf_free(resp);
	return r;
}

/* A client process: connect, say ready, wait for the start, sign n
 * times, send back u32 status, u64 end time and the samples. */
static void
client_run(const char *path, const struct buf *blob, uint32_t flags,
    size_t n, int go, int res)
{
	struct samples s = { 0 };
	struct buf *out;
	uint64_t t0;
	uint8_t c = 'R';
	size_t i;
	int fd = -1, r;

	if ((r = agent_connect(path, &fd)) == 0 &&
	    (r = write_all(res, &c, 1)) == 0 &&
	    read(go, &c, 1) != 0)
		r = ERR_INTERNAL;
	for (i = 0; r == 0 && i < n; i++) {
		t0 = now_ns();
		if ((r = agent_sign(fd, blob, flags)) == 0)
			r = samples_add(&s, now_ns() - t0);
	}
	if ((out = buf_new_capped(BUF_MAX_LIMIT)) == NULL ||
	    buf_put_u32(out, (uint32_t)-r) != 0 ||
	    buf_put_u64(out, now_ns()) != 0)
		_exit(1);
	for (i = 0; i < s.n; i++)
		if (buf_put_u64(out, s.v[i]) != 0)
			_exit(1);
	_exit(write_all(res, buf_ptr(out), buf_len(out)) == 0 ? 0 : 1);
}

/* Reads one client's answer into s; *endp: when it finished. */
static int
client_collect(int res, struct samples *s, uint64_t *endp)
{
	struct buf *b;
	uint8_t chunk[4096], *p;
	uint32_t status;
	uint64_t v;
	ssize_t n;
	int r = 0;

	if ((b = buf_new_capped(BUF_MAX_LIMIT)) == NULL)
		return ERR_ALLOC;
	while (r == 0 && (n = read(res, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_reserve(b, (size_t)n, &p) != 0)
			r = ERR_SYSTEM;
		else
			memcpy(p, chunk, (size_t)n);
	}
	if (r == 0 && (buf_get_u32(b, &status) != 0 ||
	    buf_get_u64(b, endp) != 0))
		r = ERR_TRUNCATED;
	if (r == 0 && status != 0)
		r = -(int)status;
	while (r == 0 && buf_get_u64(b, &v) == 0)
		r = samples_add(s, v);
	buf_free(b);
	return r;
}

static void
clients_report(size_t i, struct samples *s, uint64_t done)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "client=%zu done_ms=%.1f ", i,
	    done / 1e6);
	stats_print(prefix, s);
}

/* Forks client i; its answer pipe's read end in *resp. */
static int
client_fork(const char *path, const struct buf *blob, uint32_t flags,
    size_t n, int go[2], pid_t *pidp, int *resp)
{
	int rp[2];

	if (pipe(rp) == -1)
		return ERR_SYSTEM;
	if ((*pidp = fork()) == -1) {
		close(rp[0]);
		close(rp[1]);
		return ERR_SYSTEM;
	}
	if (*pidp == 0) {
		close(go[1]);
		close(rp[0]);
		client_run(path, blob, flags, n, go[0], rp[1]);
	}
	close(rp[1]);
	*resp = rp[0];
	return 0;
}

/* Waits until every client is connected, then releases them all. */
static int
clients_go(int *res, size_t nclients, int go[2], uint64_t *t0p)
{
	size_t i;
	uint8_t c;
	int r = 0;

	for (i = 0; i < nclients; i++) {
		if (r == 0 && (read_all(res[i], &c, 1) != 0 || c != 'R'))
			r = ERR_SYSTEM;
	}
	*t0p = now_ns();
	close(go[1]);
	return r;
}

int
agent_sign_clients(const char *path, const struct buf *blob,
    uint32_t flags, size_t nclients, size_t n, const char *out)
{
	struct samples all = { 0 }, one = { 0 };
	uint64_t t0, end, first = UINT64_MAX, last = 0;
	pid_t *pids;
	int *res, go[2], r = 0, r2;
	size_t i, k, started;

	pids = calloc(nclients, sizeof(*pids));
	res = calloc(nclients, sizeof(*res));
	if (pids == NULL || res == NULL || pipe(go) == -1) {
		free(pids);
		free(res);
		return ERR_SYSTEM;
	}
	for (started = 0; r == 0 && started < nclients; started++)
		if ((r = client_fork(path, blob, flags, n, go, &pids[started],
		    &res[started])) != 0)
			break;
	if ((r2 = clients_go(res, started, go, &t0)) != 0 && r == 0)
		r = r2;
	for (i = 0; i < started; i++) {
		if ((r2 = client_collect(res[i], &one, &end)) == 0) {
			first = end < first ? end : first;
			last = end > last ? end : last;
			for (k = 0; k < one.n; k++)
				samples_add(&all, one.v[k]);
			clients_report(i, &one, end - t0);
		} else if (r == 0)
			r = r2;
		samples_free(&one);
		close(res[i]);
		waitpid(pids[i], NULL, 0);
	}
	close(go[0]);
	if (r == 0 && (r = samples_save(&all, out)) == 0) {
		printf("clients=%zu sigs=%zu wall_ms=%.1f rate_per_s=%.1f "
		    "first_done_ms=%.1f ", nclients, all.n, (last - t0) / 1e6,
		    all.n / ((last - t0) / 1e9), (first - t0) / 1e6);
		stats_print("", &all);
	}
	samples_free(&all);
	free(pids);
	free(res);
	return r;
}

/* Connects to path until it answers, for STARTUP_MAX_NS at most. */
static int
startup_wait(const char *path, pid_t pid, uint64_t t0, int *fdp)
{
	struct timespec nap = { 0, 100000 };

	while (agent_connect(path, fdp) != 0) {
		if (now_ns() - t0 > STARTUP_MAX_NS ||
		    waitpid(pid, NULL, WNOHANG) == pid)
			return ERR_TIMEOUT;
		nanosleep(&nap, NULL);
	}
	return 0;
}

int
agent_startup(char **argv, const char *path)
{
	struct buf *resp;
	uint64_t t0, t1, t2;
	uint8_t type = 0;
	pid_t pid;
	int fd = -1, r;

	t0 = now_ns();
	if ((pid = fork()) == -1)
		return ERR_SYSTEM;
	if (pid == 0) {
		dup2(2, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Ready: any answer to a listing (no card or no pcscd is an
	 * answer too). */
	if ((resp = buf_new()) == NULL)
		r = ERR_ALLOC;
	else if ((r = startup_wait(path, pid, t0, &fd)) == 0) {
		t1 = now_ns();
		r = agent_call(fd, REQUEST_IDENTITIES, NULL, &type, resp);
		t2 = now_ns();
		close(fd);
	}
	if (r == 0)
		printf("connect_us=%.1f ready_us=%.1f answer=%u\n",
		    (t1 - t0) / 1e3, (t2 - t0) / 1e3, type);
	buf_free(resp);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return r;
}
