#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "log.h"

#define CTL_TIMEOUT	2	/* seconds; both ends are local and quick */

static int
ctl_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		return ERR_TOO_LARGE;
	return 0;
}

static int
set_timeouts(int fd)
{
	struct timeval tv = { CTL_TIMEOUT, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		return ERR_SYSTEM;
	return 0;
}

int
ctl_listen(const char *path, int *fdp)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, r;

	*fdp = -1;
	if ((r = ctl_addr(path, &sun)) != 0)
		return r;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ERR_SYSTEM;
	(void)unlink(path);		/* a stale socket from a killed card */
	old = umask(0077);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(fd, 8) != 0) {
		close(fd);
		return ERR_SYSTEM;
	}
	*fdp = fd;
	return 0;
}

int
ctl_accept(int lfd, int *cfdp, char *cmd, size_t cmdlen)
{
	size_t off = 0;
	ssize_t n;
	char ch;
	int fd;

	*cfdp = -1;
	cmd[0] = '\0';
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return ERR_SYSTEM;
	if (set_timeouts(fd) != 0)
		goto fail;
	for (;;) {
		if ((n = read(fd, &ch, 1)) < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if (off + 1 >= cmdlen)
			goto fail;
		cmd[off++] = ch;
	}
	cmd[off] = '\0';
	*cfdp = fd;
	return 0;
 fail:
	close(fd);
	return ERR_FORMAT;
}

static void
write_str(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

void
ctl_reply(int cfd, const char *text, const char *err)
{
	if (text != NULL)
		write_str(cfd, text);
	if (err == NULL)
		write_str(cfd, "OK\n");
	else {
		write_str(cfd, "ERR ");
		write_str(cfd, err);
		write_str(cfd, "\n");
	}
	close(cfd);
}

/* Print everything before the last line; the last line is the verdict. */
static int
ctl_print_reply(FILE *f)
{
	char line[256], prev[256];
	int have = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		if (have)
			fputs(prev, stdout);
		strlcpy(prev, line, sizeof(prev));
		have = 1;
	}
	if (!have) {
		error("no answer from the card");
		return 1;
	}
	if (strcmp(prev, "OK\n") == 0)
		return 0;
	fprintf(stderr, "vcard: %s", prev);
	return 1;
}

int
ctl_client(const char *path, const char *cmd)
{
	struct sockaddr_un sun;
	FILE *f;
	int fd, ret;

	if (ctl_addr(path, &sun) != 0 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		error("connect %s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	/* Generous: a held touch answer does not block the control socket,
	 * but the card may be busy generating an RSA key. */
	write_str(fd, cmd);
	write_str(fd, "\n");
	shutdown(fd, SHUT_WR);
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 1;
	}
	ret = ctl_print_reply(f);
	fclose(f);
	return ret;
}
