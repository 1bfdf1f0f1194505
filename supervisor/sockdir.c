/*
 * The agent socket: $XDG_RUNTIME_DIR/cardagent/agent.<pid> in a 0700
 * directory of ours, else a private mkdtemp directory, or the -a path;
 * or the one systemd passes (socket activation, sd_listen_fds(3)).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "supervisor.h"

/* Ours, a real directory (not a symlink), no access for anyone else. */
static int
dir_check(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) == -1) {
		error("%s: %s", dir, strerror(errno));
		return ERR_SYSTEM;
	}
	if (!S_ISDIR(st.st_mode)) {
		error("%s is not a directory; refusing to use it", dir);
		return ERR_ARGUMENT;
	}
	if (st.st_uid != getuid()) {
		error("%s is owned by uid %lu, not by us; refusing to use it",
		    dir, (unsigned long)st.st_uid);
		return ERR_ARGUMENT;
	}
	if ((st.st_mode & 077) != 0) {
		error("%s is open to others (mode %03o); refusing to use it",
		    dir, (unsigned int)(st.st_mode & 0777));
		return ERR_ARGUMENT;
	}
	return 0;
}

/* $XDG_RUNTIME_DIR/cardagent, created if missing. */
static int
xdg_dir(struct sv_sock *sock, const char *xdg, char *dir, size_t len)
{
	int n;

	n = snprintf(dir, len, "%s/cardagent", xdg);
	if (n < 0 || (size_t)n >= len) {
		error("XDG_RUNTIME_DIR is too long");
		return ERR_TOO_LARGE;
	}
	if (mkdir(dir, 0700) == 0)
		strlcpy(sock->dir, dir, sizeof(sock->dir));
	else if (errno != EEXIST) {
		error("mkdir %s: %s", dir, strerror(errno));
		return ERR_SYSTEM;
	}
	return dir_check(dir);
}

/* A fresh private directory under $TMPDIR or /tmp. */
static int
temp_dir(struct sv_sock *sock, char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	n = snprintf(dir, len, "%s/cardagent-XXXXXXXXXX", tmp);
	if (n < 0 || (size_t)n >= len) {
		error("TMPDIR is too long");
		return ERR_TOO_LARGE;
	}
	if (mkdtemp(dir) == NULL) {
		error("mkdtemp %s: %s", dir, strerror(errno));
		return ERR_SYSTEM;
	}
	strlcpy(sock->dir, dir, sizeof(sock->dir));
	return 0;
}

/* The socket path: -a as given (made absolute), else the default. */
static int
sock_path(struct sv_sock *sock, const char *bind_path)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[PATH_MAX], cwd[PATH_MAX];
	int n, r;

	if (bind_path != NULL && bind_path[0] == '/')
		n = snprintf(sock->path, sizeof(sock->path), "%s", bind_path);
	else if (bind_path != NULL) {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			error("getcwd: %s", strerror(errno));
			return ERR_SYSTEM;
		}
		n = snprintf(sock->path, sizeof(sock->path), "%s/%s", cwd,
		    bind_path);
	} else {
		/* A stale XDG_RUNTIME_DIR (logged out): fall back to /tmp. */
		if (xdg != NULL && xdg[0] == '/' && access(xdg, W_OK) == 0)
			r = xdg_dir(sock, xdg, dir, sizeof(dir));
		else
			r = temp_dir(sock, dir, sizeof(dir));
		if (r != 0)
			return r;
		n = snprintf(sock->path, sizeof(sock->path), "%s/agent.%ld",
		    dir, (long)getpid());
	}
	if (n < 0 || (size_t)n >= sizeof(sock->path)) {
		error("socket path too long (at most %zu bytes)",
		    sizeof(sock->path) - 1);
		sock->path[0] = '\0';
		return ERR_TOO_LARGE;
	}
	return 0;
}

int
sock_open(struct sv_sock *sock, const char *bind_path)
{
	struct sockaddr_un sun;
	mode_t old;
	int r;

	memset(sock, 0, sizeof(*sock));
	sock->fd = -1;
	if ((r = sock_path(sock, bind_path)) != 0)
		goto out;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sock->path, sizeof(sun.sun_path));
	if ((sock->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		error("socket: %s", strerror(errno));
		r = ERR_SYSTEM;
		goto out;
	}
	old = umask(0177);	/* the socket is 0600 from the start */
	r = bind(sock->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r == -1) {
		error("bind %s: %s", sock->path, strerror(errno));
		sock->path[0] = '\0';	/* not ours to remove */
		r = ERR_SYSTEM;
		goto out;
	}
	if (listen(sock->fd, 128) == -1) {
		error("listen %s: %s", sock->path, strerror(errno));
		r = ERR_SYSTEM;
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		sock_remove(sock);
	return r;
}

void
sock_remove(struct sv_sock *sock)
{
	if (sock->fd != -1)
		close(sock->fd);
	sock->fd = -1;
	if (sock->inherited)
		sock->path[0] = '\0';	/* systemd's to remove */
	if (sock->path[0] != '\0' && unlink(sock->path) == -1)
		error("unlink %s: %s", sock->path, strerror(errno));
	sock->path[0] = '\0';
	/* Another agent's socket may live there too: rmdir leaves it. */
	if (sock->dir[0] != '\0')
		(void)rmdir(sock->dir);
	sock->dir[0] = '\0';
}

/* systemd passes its sockets from descriptor 3 (SD_LISTEN_FDS_START). */
#define LISTEN_FD	3

/* LISTEN_PID is ours and LISTEN_FDS is 1: 1; not activated: 0. */
static int
activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *errstr;

	if (pid == NULL || fds == NULL ||
	    strtonum(pid, 1, INT_MAX, &errstr) != getpid())
		return 0;
	if (strcmp(fds, "1") != 0) {
		error("socket activation passed %s sockets; cardagent takes "
		    "exactly one (ListenStream=)", fds);
		return ERR_ARGUMENT;
	}
	return 1;
}

/* A listening AF_UNIX stream socket bound to a path: *sun set. */
static int
listening_unix(int fd, struct sockaddr_un *sun)
{
	socklen_t len = sizeof(int);
	int v[3] = { 0, 0, 0 };

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v[0], &len) == -1 ||
	    v[0] != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &v[1], &len) == -1 ||
	    v[1] != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v[2], &len) == -1 ||
	    v[2] != 1) {
		error("socket activation: descriptor %d is not a listening "
		    "unix stream socket", fd);
		return ERR_ARGUMENT;
	}
	memset(sun, 0, sizeof(*sun));
	len = sizeof(*sun) - 1;		/* keep a terminating NUL */
	if (getsockname(fd, (struct sockaddr *)sun, &len) == -1 ||
	    sun->sun_path[0] == '\0') {
		error("socket activation: the socket has no path");
		return ERR_ARGUMENT;
	}
	return 0;
}

/* The socket is 0600 in a 0700 directory of ours (invariant 6). */
static int
inherited_check(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	if (lstat(path, &st) == -1) {
		error("%s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		error("%s is not a socket of ours with mode 0600 (mode %03o); "
		    "refusing it (SocketMode=0600)", path,
		    (unsigned int)(st.st_mode & 0777));
		return ERR_ARGUMENT;
	}
	strlcpy(dir, path, sizeof(dir));
	return dir_check(dirname(dir));
}

int
sock_inherit(struct sv_sock *sock)
{
	struct sockaddr_un sun;
	int r;

	memset(sock, 0, sizeof(*sock));
	sock->fd = -1;
	if ((r = activated()) != 1)
		return r;
	/* Ours alone: the helpers must not take it for theirs. */
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if ((r = listening_unix(LISTEN_FD, &sun)) != 0 ||
	    (r = inherited_check(sun.sun_path)) != 0)
		return r;
	if (fcntl(LISTEN_FD, F_SETFD, FD_CLOEXEC) == -1) {
		error("fcntl: %s", strerror(errno));
		return ERR_SYSTEM;
	}
	strlcpy(sock->path, sun.sun_path, sizeof(sock->path));
	sock->fd = LISTEN_FD;
	sock->inherited = 1;
	verbose("socket activation: listening on %s", sock->path);
	return 1;
}
