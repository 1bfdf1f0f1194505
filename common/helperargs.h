/*
 * The command line every helper process (agent, cardd, pinstore) takes
 * from the supervisor: -d (repeatable: more detail) or -q (errors only),
 * the agent's -t SECONDS (default PIN lifetime) and -i SECONDS (idle
 * timeout), cardd's -x PATTERN (a reader to ignore, repeatable),
 * pinstore's -b BACKEND (where persisted PINs live: file or
 * secret-service), and the test-only --sandbox-selftest.
 */
#ifndef CARDAGENT_HELPERARGS_H
#define CARDAGENT_HELPERARGS_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* Which of the optional arguments a helper takes. */
#define HELPER_ARG_LIFETIME	0x01	/* -t */
#define HELPER_ARG_IDLE		0x02	/* -i */
#define HELPER_ARG_IGNORE	0x04	/* -x */
#define HELPER_ARG_BACKEND	0x08	/* -b */

#define HELPER_IGNORE_MAX	16	/* reader patterns */

struct helper_args {
	enum log_level	 level;
	int		 selftest;	/* --sandbox-selftest given */
	uint32_t	 lifetime;	/* -t, 0 if not given */
	uint32_t	 idle;		/* -i, 0 if not given */
	int		 secret_service;	/* -b secret-service */
	size_t		 nignore;
	const char	*ignore[HELPER_IGNORE_MAX + 1];	/* -x, NULL-ended */
};

/* Parse argv; a usage error prints one line and exits with status 2.
 * allowed: the HELPER_ARG_* this helper takes. */
void	helper_args_parse(int argc, char **argv, const char *name,
	    int allowed, struct helper_args *args);

#endif
