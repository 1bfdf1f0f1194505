/* Unit tests for supervisor/config.c: the configuration file parser. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "err.h"

#define NAME	"/home/u/.config/cardagent/config"

static char err[1024];

static int
parse(const char *text, struct config *cfg)
{
	return config_parse(text, strlen(text), NAME, cfg, err, sizeof(err));
}

/* The error names the file and contains want. */
static void
assert_error(const char *text, const char *want)
{
	struct config cfg;

	assert_int_equal(parse(text, &cfg), ERR_FORMAT);
	assert_int_equal(strncmp(err, NAME ": ", strlen(NAME) + 2), 0);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	/* a failed parse leaves nothing behind */
	assert_int_equal(cfg.nignore, 0);
	assert_null(cfg.ignore[0]);
	assert_int_equal(cfg.lifetime, 0);
	assert_int_equal(cfg.have_places, 0);
	assert_int_equal(cfg.nplaces, 0);
}

static void
test_empty(void **state)
{
	struct config cfg;

	assert_int_equal(parse("", &cfg), 0);
	assert_int_equal(cfg.lifetime, 0);
	assert_int_equal(cfg.idle, 0);
	assert_int_equal(cfg.have_level, 0);
	assert_int_equal(cfg.deauth_on_lock, 1);
	assert_int_equal(cfg.nignore, 0);
	assert_int_equal(parse("# only a comment\n\n[pins]\n", &cfg), 0);
	assert_int_equal(cfg.lifetime, 0);
	assert_string_equal(err, "");
}

static void
test_everything(void **state)
{
	struct config cfg;

	assert_int_equal(parse(
	    "# cardagent\n"
	    "[agent]\n"
	    "log-level = verbose\n"
	    "idle-timeout = 15m\n"
	    "deauth-on-lock = false\n"
	    "[pins]\n"
	    "backend = file\n"
	    "lifetime = 1h30m\n"
	    "[readers]\n"
	    "ignore = Yubico YubiKey OTP*;*Windows Hello*;\n", &cfg), 0);
	assert_int_equal(cfg.have_level, 1);
	assert_int_equal(cfg.level, LOG_LEVEL_VERBOSE);
	assert_int_equal(cfg.idle, 900);
	assert_int_equal(cfg.deauth_on_lock, 0);
	assert_int_equal(cfg.lifetime, 5400);
	assert_int_equal(cfg.nignore, 2);
	assert_string_equal(cfg.ignore[0], "Yubico YubiKey OTP*");
	assert_string_equal(cfg.ignore[1], "*Windows Hello*");
	assert_null(cfg.ignore[2]);
	config_clear(&cfg);
	assert_int_equal(cfg.nignore, 0);
	assert_null(cfg.ignore[0]);
}

static void
test_levels(void **state)
{
	static const char *names[] = { "error", "info", "verbose", "debug" };
	static const enum log_level want[] = { LOG_LEVEL_ERROR,
	    LOG_LEVEL_INFO, LOG_LEVEL_VERBOSE, LOG_LEVEL_DEBUG };
	struct config cfg;
	char text[64];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "[agent]\nlog-level=%s\n",
		    names[i]);
		assert_int_equal(parse(text, &cfg), 0);
		assert_int_equal(cfg.level, want[i]);
	}
	assert_error("[agent]\nlog-level=loud\n",
	    "[agent] log-level: \"loud\" is not one of");
	assert_error("[agent]\nlog-level=\n", "\"\" is not one of");
}

static void
test_unknown(void **state)
{
	assert_error("[agent]\nidle-timout = 10m\n",
	    "unknown key \"idle-timout\" in group [agent]");
	assert_error("[pin]\nlifetime = 10m\n", "unknown group [pin]");
	/* a key meant for another group is a typo too */
	assert_error("[agent]\nlifetime = 10m\n",
	    "unknown key \"lifetime\" in group [agent]");
	/* GKeyFile's localised keys are not ours */
	assert_error("[pins]\nlifetime = 1h\n lifetime[de] = 10m\n",
	    "line 3: localised keys (key[locale]) are not used");
}

static void
test_malformed(void **state)
{
	struct config cfg;

	assert_error("lifetime = 10m\n",
	    "line 1: a key before the first [group]");
	assert_error("# c\n\n[pins]\nthis is not a key\n",
	    "line 4: neither [group], key = value nor # comment");
	assert_error("[pins\nlifetime = 10m\n",
	    "line 1: a group name lacks its ]");
	/* what only GLib finds, in its words with plain quotes */
	assert_error("[pins]]\n", "\"[pins]]\"");
	assert_error("[pins]\nbackend = fi\xffle\n", "[pins] backend");
	/* GKeyFile would drop the rest of the line */
	assert_int_equal(config_parse("[pins]\n\0lifetime=1\n", 19, NAME,
	    &cfg, err, sizeof(err)), ERR_FORMAT);
	assert_string_equal(err, NAME ": contains a NUL byte");
}

static void
test_backend(void **state)
{
	struct config cfg;

	assert_int_equal(parse("[pins]\nbackend = secret-service\n", &cfg),
	    0);
	assert_int_equal(cfg.secret_service, 1);
	config_clear(&cfg);
	assert_int_equal(parse("[pins]\nbackend = file\n", &cfg), 0);
	assert_int_equal(cfg.secret_service, 0);
	config_clear(&cfg);
	assert_error("[pins]\nbackend = kwallet\n",
	    "unknown backend \"kwallet\" (known: file, secret-service)");
}

static void
test_durations(void **state)
{
	struct config cfg;
	long s;

	assert_int_equal(config_duration("600", &s), 0);
	assert_int_equal(s, 600);
	assert_int_equal(config_duration("1h30m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(config_duration("52w", &s), 0);
	assert_int_equal(config_duration("0", &s), ERR_FORMAT);
	assert_int_equal(config_duration("", &s), ERR_FORMAT);
	assert_int_equal(config_duration("10x", &s), ERR_FORMAT);
	assert_int_equal(config_duration("-5", &s), ERR_FORMAT);
	assert_int_equal(config_duration("366d", &s), ERR_TOO_LARGE);
	assert_int_equal(config_duration("99999999999999999999", &s),
	    ERR_FORMAT);
	assert_int_equal(s, 0);
	assert_error("[pins]\nlifetime = soon\n",
	    "[pins] lifetime: \"soon\" is not a duration");
	assert_error("[agent]\nidle-timeout = 2y\n",
	    "[agent] idle-timeout: \"2y\" is not a duration");
	assert_int_equal(parse("[agent]\nidle-timeout = 30\n", &cfg), 0);
	assert_int_equal(cfg.idle, 30);
	assert_error("[agent]\ndeauth-on-lock = yes\n",
	    "[agent] deauth-on-lock: \"yes\" is neither true nor false");
	assert_int_equal(parse("[agent]\ndeauth-on-lock = true\n", &cfg), 0);
	assert_int_equal(cfg.deauth_on_lock, 1);
}

static void
test_ignore(void **state)
{
	char text[1024];
	size_t i;
	int n;

	assert_error("[readers]\nignore = a;;b\n", "pattern 2 is empty");
	assert_error("[readers]\nignore = a;b\\tc\n",
	    "pattern 2 is empty, longer than");
	n = snprintf(text, sizeof(text), "[readers]\nignore = ");
	memset(text + n, 'x', CONFIG_PATTERN_MAX + 1);
	text[n + CONFIG_PATTERN_MAX + 1] = '\0';
	assert_error(text, "pattern 1 is empty, longer than 256 bytes");
	n = snprintf(text, sizeof(text), "[readers]\nignore = ");
	for (i = 0; i <= HELPER_IGNORE_MAX; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "r%zu;", i);
	assert_error(text, "more than 16 patterns");
}

static void
assert_place(const struct config_place *pl, int in_home, const char *dir,
    const char *match, int exact)
{
	assert_int_equal(pl->in_home, in_home);
	assert_string_equal(pl->dir, dir);
	assert_string_equal(pl->match, match);
	assert_int_equal(pl->exact, exact);
}

static void
test_places(void **state)
{
	struct config cfg;
	char text[2048];
	size_t i;
	int n;

	assert_int_equal(parse("[agent]\n", &cfg), 0);
	assert_int_equal(cfg.have_places, 0);
	assert_int_equal(parse("[certificates]\nplaces =\n", &cfg), 0);
	assert_int_equal(cfg.have_places, 1);
	assert_int_equal(cfg.nplaces, 0);
	assert_int_equal(parse("[certificates]\nplaces = ~/.ssh/*-cert.pub;"
	    "/etc/ssh/user-certs//;~/work/id-cert.pub;/*;~/c/*;/top\n",
	    &cfg), 0);
	assert_int_equal(cfg.nplaces, 6);
	assert_place(&cfg.places[0], 1, "/.ssh", "-cert.pub", 0);
	assert_place(&cfg.places[1], 0, "/etc/ssh/user-certs", "", 0);
	assert_place(&cfg.places[2], 1, "/work", "id-cert.pub", 1);
	assert_place(&cfg.places[3], 0, "", "", 0);
	assert_place(&cfg.places[4], 1, "/c", "", 0);
	assert_place(&cfg.places[5], 0, "", "top", 1);
	config_clear(&cfg);
	assert_int_equal(cfg.nplaces, 0);

	assert_error("[certificates]\nplaces = .ssh/*-cert.pub\n",
	    "[certificates] places: place 1 is neither an absolute path nor "
	    "one starting with ~/");
	assert_error("[certificates]\nplaces = ~user/certs/\n",
	    "is neither an absolute path");
	assert_error("[certificates]\nplaces = /a/*/certs/\n",
	    "place 1 has a * other than at the start of the file name");
	assert_error("[certificates]\nplaces = /a/id-*.pub\n",
	    "has a * other than");
	assert_error("[certificates]\nplaces = /a/**.pub\n",
	    "has a * other than");
	assert_error("[certificates]\nplaces = /a/;;/b/\n",
	    "place 2 is empty, too long or has control characters");
	assert_error("[certificates]\nplaces = /a\\tb/\n",
	    "is empty, too long or has control characters");
	n = snprintf(text, sizeof(text), "[certificates]\nplaces = /");
	memset(text + n, 'x', CONFIG_PLACE_MAX - 1);	/* and the '/' */
	text[n + CONFIG_PLACE_MAX - 1] = '\0';
	assert_int_equal(parse(text, &cfg), 0);
	config_clear(&cfg);
	text[n + CONFIG_PLACE_MAX - 1] = 'x';
	text[n + CONFIG_PLACE_MAX] = '\0';
	assert_error(text, "place 1 is empty, too long");
	n = snprintf(text, sizeof(text), "[certificates]\nplaces = ");
	for (i = 0; i <= CONFIG_PLACES_MAX; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "/c%zu/;", i);
	assert_error(text, "[certificates] places: more than 8 places");
	/* a failed parse keeps none */
	assert_error("[certificates]\nplaces = /a/;b\n", "place 2 is neither");
}

static void
test_too_large(void **state)
{
	static char big[CONFIG_FILE_MAX + 2];
	struct config cfg;

	memset(big, '#', sizeof(big));
	assert_int_equal(config_parse(big, sizeof(big), NAME, &cfg, err,
	    sizeof(err)), ERR_FORMAT);
	assert_non_null(strstr(err, "larger than 65536 bytes"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_backend),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ignore),
		cmocka_unit_test(test_places),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
