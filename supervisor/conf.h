/*
 * The configuration file, $XDG_CONFIG_HOME/cardagent/config (a GKeyFile,
 * described in cardagent.conf(5)).  config_parse() is a pure function
 * over a buffer so that it can be unit-tested and fuzzed; config_load()
 * finds and reads the file.  Anything unknown or malformed is an error:
 * a typo must not silently leave a setting at its default.
 */
#ifndef CARDAGENT_SUPERVISOR_CONF_H
#define CARDAGENT_SUPERVISOR_CONF_H

#include <stddef.h>

#include "helperargs.h"
#include "log.h"

#define CONFIG_FILE_MAX		(64 * 1024)
#define CONFIG_DURATION_MAX	(365L * 24 * 3600)	/* a year */
#define CONFIG_PATTERN_MAX	256	/* bytes of one reader pattern */
#define CONFIG_PLACES_MAX	8	/* certificate places */
#define CONFIG_PLACE_MAX	1024	/* bytes of one */

/*
 * A place certificates are read from ([certificates] places): the files
 * in dir named match, or (!exact) whose names end with match ("": every
 * file).  dir is "" or starts with '/', without a trailing one; in_home:
 * below $HOME, which is only known when the place is used.
 */
struct config_place {
	int		 in_home;
	char		*dir;
	char		*match;
	int		 exact;
};

struct config {
	long		 lifetime;	/* [pins] lifetime, s; 0: persist */
	int		 secret_service;	/* [pins] backend */
	long		 idle;		/* [agent] idle-timeout, s; 0: none */
	int		 deauth_on_lock;	/* [agent] deauth-on-lock */
	int		 have_level;	/* [agent] log-level given */
	enum log_level	 level;
	size_t		 nignore;	/* [readers] ignore */
	char		*ignore[HELPER_IGNORE_MAX + 1];	/* NULL-terminated */
	int		 have_places;	/* [certificates] places given */
	size_t		 nplaces;
	struct config_place places[CONFIG_PLACES_MAX];
};

/*
 * Parse len bytes of text; name (the file's path) starts every error
 * message, which goes to err.  On an error cfg is left cleared.
 */
int	config_parse(const char *text, size_t len, const char *name,
	    struct config *cfg, char *err, size_t errlen);
void	config_clear(struct config *cfg);

/* "600", "10m", "1h30m": seconds, as ssh-agent's -t takes them. */
int	config_duration(const char *s, long *secsp);

/*
 * Read $XDG_CONFIG_HOME/cardagent/config (~/.config/... by default);
 * a missing file leaves the defaults.  Errors are logged.
 */
int	config_load(struct config *cfg);

#endif
