/*
 * Leaving the terminal behind, as a daemon does: a session of its own,
 * "/" as working directory, stdio on /dev/null (stderr kept for -d).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

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

/*
 * The helpers log to stderr.  A daemon's stderr is /dev/null, so give
 * them a datagram socket connected to syslog's /dev/log instead: each of
 * their log lines ("cardagent-cardd[pid]: ...", one write) becomes one
 * message.  Non-blocking, so a stalled syslog drops lines rather than
 * stalling a helper.  -1 where there is no syslog.
 */
/*
 * Keep stdio and the agent socket (moved to descriptor 3), close whatever
 * else the caller left open: a daemon must not hold its pipes forever.
 */
void
close_inherited(int *sockfdp)
{
	if (*sockfdp != 3) {
		if (dup3(*sockfdp, 3, O_CLOEXEC) == -1)
			fatal("dup3: %s", strerror(errno));
		close(*sockfdp);
		*sockfdp = 3;
	}
	closefrom(4);
}

int
syslog_stderr(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, "/dev/log", sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		verbose("no syslog at /dev/log (%s): helpers log nowhere",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
