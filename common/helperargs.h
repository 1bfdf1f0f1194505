/*
 * The command line every helper process (agent, cardd, pinstore) takes
 * from the supervisor: -d (repeatable: more detail), the agent's
 * -t SECONDS (default PIN lifetime), and the test-only
 * --sandbox-selftest.
 */
#ifndef CARDAGENT_HELPERARGS_H
#define CARDAGENT_HELPERARGS_H

#include <stdint.h>

#include "log.h"

struct helper_args {
	enum log_level	 level;
	int		 selftest;	/* --sandbox-selftest given */
	uint32_t	 lifetime;	/* -t, 0 if not given */
};

/* Parse argv; a usage error prints one line and exits with status 2.
 * -t is accepted only if allow_lifetime is set. */
void	helper_args_parse(int argc, char **argv, const char *name,
	    int allow_lifetime, struct helper_args *args);

#endif
