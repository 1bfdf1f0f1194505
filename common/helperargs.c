#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "helperargs.h"

#define SECONDS_MAX	(365 * 24 * 3600)	/* a year */

static void __attribute__((noreturn))
usage(const char *name, int allowed)
{
	fprintf(stderr, "usage: %s [-d]... [-q]%s%s%s%s\n"
	    "(started by cardagent, with its channel at descriptor %d)\n",
	    name, (allowed & HELPER_ARG_LIFETIME) ? " [-t seconds]" : "",
	    (allowed & HELPER_ARG_IDLE) ? " [-i seconds]" : "",
	    (allowed & HELPER_ARG_IGNORE) ? " [-x reader-pattern]..." : "",
	    (allowed & HELPER_ARG_BACKEND) ? " [-b file|secret-service]" : "",
	    SUPERVISOR_FD);
	exit(2);
}

static uint32_t
seconds(const char *s, const char *name, int allowed)
{
	const char *errstr;
	uint32_t v;

	v = (uint32_t)strtonum(s, 1, SECONDS_MAX, &errstr);
	if (errstr != NULL)
		usage(name, allowed);
	return v;
}

void
helper_args_parse(int argc, char **argv, const char *name,
    int allowed, struct helper_args *args)
{
	static const struct option longopts[] = {
		{ "sandbox-selftest", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(args, 0, sizeof(*args));
	args->level = LOG_LEVEL_INFO;
	while ((ch = getopt_long(argc, argv, "b:dqt:i:x:", longopts,
	    NULL)) != -1) {
		if ((ch == 't' && !(allowed & HELPER_ARG_LIFETIME)) ||
		    (ch == 'i' && !(allowed & HELPER_ARG_IDLE)) ||
		    (ch == 'x' && !(allowed & HELPER_ARG_IGNORE)) ||
		    (ch == 'b' && !(allowed & HELPER_ARG_BACKEND)))
			usage(name, allowed);
		switch (ch) {
		case 'd':
			if (args->level < LOG_LEVEL_DEBUG)
				args->level++;
			break;
		case 'q': args->level = LOG_LEVEL_ERROR; break;
		case 't': args->lifetime = seconds(optarg, name, allowed); break;
		case 'i': args->idle = seconds(optarg, name, allowed); break;
		case 'x':
			if (args->nignore == HELPER_IGNORE_MAX)
				usage(name, allowed);
			args->ignore[args->nignore++] = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "secret-service") == 0)
				args->secret_service = 1;
			else if (strcmp(optarg, "file") != 0)
				usage(name, allowed);
			break;
		case 'S': args->selftest = 1; break;
		default: usage(name, allowed);
		}
	}
	if (optind != argc)
		usage(name, allowed);
}
