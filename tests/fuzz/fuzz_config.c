/*
 * Fuzz target: the configuration file parser (supervisor/config.c).
 * Besides not crashing, a failed parse must explain itself and leave
 * nothing behind, and a successful one must stay within its limits.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];
	size_t i;

	if (config_parse((const char *)data, size, "fuzz", &cfg, err,
	    sizeof(err)) != 0) {
		if (err[0] == '\0' || cfg.nignore != 0 || cfg.ignore[0] != NULL)
			abort();
		return 0;
	}
	if (cfg.nignore > HELPER_IGNORE_MAX || cfg.ignore[cfg.nignore] != NULL ||
	    cfg.lifetime < 0 || cfg.lifetime > CONFIG_DURATION_MAX ||
	    cfg.idle < 0 || cfg.idle > CONFIG_DURATION_MAX)
		abort();
	for (i = 0; i < cfg.nignore; i++)
		if (cfg.ignore[i][0] == '\0' ||
		    strlen(cfg.ignore[i]) > CONFIG_PATTERN_MAX)
			abort();
	config_clear(&cfg);
	return 0;
}
