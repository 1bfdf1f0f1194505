/*
 * Leaving the terminal behind, as a daemon does: a session of its own,
 * "/" as working directory, stdio on /dev/null (stderr kept for -d).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"

void
detach(int keep_stderr)
{
	int fd;

	if (setsid() == -1)
		error("setsid: %s", strerror(errno));
	if (chdir("/") == -1)
		error("chdir /: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("open /dev/null: %s", strerror(errno));
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    (!keep_stderr && dup2(fd, STDERR_FILENO) == -1))
		fatal("dup2: %s", strerror(errno));
	if (fd > STDERR_FILENO)
		close(fd);
}
