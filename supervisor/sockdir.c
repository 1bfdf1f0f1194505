/*
 * The agent socket: $XDG_RUNTIME_DIR/cardagent/agent.<pid> in a 0700
 * directory of ours, else a private mkdtemp directory, or the -a path.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
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
	if (sock->path[0] != '\0' && unlink(sock->path) == -1)
		error("unlink %s: %s", sock->path, strerror(errno));
	sock->path[0] = '\0';
	/* Another agent's socket may live there too: rmdir leaves it. */
	if (sock->dir[0] != '\0')
		(void)rmdir(sock->dir);
	sock->dir[0] = '\0';
}
