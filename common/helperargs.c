#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "helperargs.h"

#define LIFETIME_MAX	(365 * 24 * 3600)	/* a year */

static void
usage(const char *name, int allow_lifetime)
{
	fprintf(stderr, "usage: %s [-d]...%s\n"
	    "(started by cardagent, with its channel at descriptor %d)\n",
	    name, allow_lifetime ? " [-t seconds]" : "", SUPERVISOR_FD);
	exit(2);
}

void
helper_args_parse(int argc, char **argv, const char *name,
    int allow_lifetime, struct helper_args *args)
{
	static const struct option longopts[] = {
		{ "sandbox-selftest", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *errstr;
	int ch;

	memset(args, 0, sizeof(*args));
	args->level = LOG_LEVEL_INFO;
	while ((ch = getopt_long(argc, argv, "dt:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (args->level < LOG_LEVEL_DEBUG)
				args->level++;
			break;
		case 't':
			if (!allow_lifetime)
				usage(name, allow_lifetime);
			args->lifetime = (uint32_t)strtonum(optarg, 1,
			    LIFETIME_MAX, &errstr);
			if (errstr != NULL)
				usage(name, allow_lifetime);
			break;
		case 'S':
			args->selftest = 1;
			break;
		default:
			usage(name, allow_lifetime);
		}
	}
	if (optind != argc)
		usage(name, allow_lifetime);
}
