/*
 * attach: try to ptrace-attach to processes, as a debugger would.
 *
 *	attach PID [PID ...]
 *
 * Prints one word per PID, on one line: "attached" when PTRACE_ATTACH
 * worked (it detaches again at once), else the errno's name (EPERM, ...).
 * Exit status: 0, or 2 on usage.  A test tool (tests/security/).
 */
#include "config.h"

#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
try_attach(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == -1)
		return strerrorname_np(errno);
	/* the tracee stops; let it go on untouched */
	(void)waitpid(pid, &status, __WALL);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return "attached";
}

int
main(int argc, char **argv)
{
	const char *errstr, *what;
	long long pid;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: attach PID [PID ...]\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		pid = strtonum(argv[i], 1, INT_MAX, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "attach: pid %s: %s\n", argv[i],
			    errstr);
			return 2;
		}
		what = try_attach((pid_t)pid);
		printf("%s%s", i > 1 ? " " : "", what ? what : "?");
	}
	printf("\n");
	return 0;
}
