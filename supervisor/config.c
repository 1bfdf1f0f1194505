/*
 * The configuration file (cardagent.conf(5)): GKeyFile syntax, groups
 * [agent], [pins], [readers] and [certificates].  Parsing is pure, over a buffer; only
 * config_load() touches the file system.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "conf.h"
#include "err.h"
#include "log.h"

#define KEYS_MAX	4

/* Every group and key there is; anything else is an error. */
static const struct {
	const char	*group;
	const char	*keys[KEYS_MAX];
} known[] = {
	{ "agent", { "log-level", "idle-timeout", "deauth-on-lock", NULL } },
	{ "pins", { "backend", "lifetime", NULL, NULL } },
	{ "readers", { "ignore", NULL, NULL, NULL } },
	{ "certificates", { "places", NULL, NULL, NULL } },
};
#define NKNOWN	(sizeof(known) / sizeof(known[0]))

static const char *const levels[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_VERBOSE] = "verbose",
	[LOG_LEVEL_DEBUG] = "debug",
};

/* The parser's state: where errors go. */
struct parse {
	GKeyFile	*kf;
	const char	*name;
	char		*err;
	size_t		 errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parse *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return ERR_FORMAT;
}

int
config_duration(const char *s, long *secsp)
{
	long total = 0, v, unit;
	char *end;

	*secsp = 0;
	while (*s != '\0') {
		errno = 0;
		if (*s < '0' || *s > '9' ||
		    (v = strtol(s, &end, 10)) < 0 || errno != 0)
			return ERR_FORMAT;
		switch (*end) {
		case '\0':	unit = 1; break;
		case 's':	unit = 1; end++; break;
		case 'm':	unit = 60; end++; break;
		case 'h':	unit = 3600; end++; break;
		case 'd':	unit = 86400; end++; break;
		case 'w':	unit = 7 * 86400; end++; break;
		default:	return ERR_FORMAT;
		}
		if (v > CONFIG_DURATION_MAX / unit ||
		    (total += v * unit) > CONFIG_DURATION_MAX)
			return ERR_TOO_LARGE;
		s = end;
	}
	if (total == 0)
		return ERR_FORMAT;
	*secsp = total;
	return 0;
}

static int
check_keys(struct parse *p, size_t g)
{
	gchar **keys;
	size_t i, k;
	int r = 0;

	if ((keys = g_key_file_get_keys(p->kf, known[g].group, NULL,
	    NULL)) == NULL)
		return 0;
	for (i = 0; keys[i] != NULL && r == 0; i++) {
		for (k = 0; k < KEYS_MAX && known[g].keys[k] != NULL; k++)
			if (strcmp(keys[i], known[g].keys[k]) == 0)
				break;
		if (k == KEYS_MAX || known[g].keys[k] == NULL)
			r = fail(p, "unknown key \"%s\" in group [%s]",
			    keys[i], known[g].group);
	}
	g_strfreev(keys);
	return r;
}

/* Unknown groups and keys are errors, so that typos are not silent. */
static int
check_known(struct parse *p)
{
	gchar **groups;
	size_t i, g;
	int r = 0;

	groups = g_key_file_get_groups(p->kf, NULL);
	for (i = 0; groups[i] != NULL && r == 0; i++) {
		for (g = 0; g < NKNOWN; g++)
			if (strcmp(groups[i], known[g].group) == 0)
				break;
		if (g == NKNOWN)
			r = fail(p, "unknown group [%s]", groups[i]);
		else
			r = check_keys(p, g);
	}
	g_strfreev(groups);
	return r;
}

/* A string value, or NULL if the key is absent (*sp is then NULL). */
static int
get_string(struct parse *p, const char *group, const char *key, char **sp)
{
	GError *gerr = NULL;

	*sp = NULL;
	if (!g_key_file_has_key(p->kf, group, key, NULL))
		return 0;
	if ((*sp = g_key_file_get_string(p->kf, group, key, &gerr)) != NULL)
		return 0;
	fail(p, "[%s] %s: %s", group, key, gerr->message);
	g_error_free(gerr);
	return ERR_FORMAT;
}

static int
get_duration(struct parse *p, const char *group, const char *key,
    long *secsp)
{
	char *s;
	int r;

	*secsp = 0;
	if ((r = get_string(p, group, key, &s)) != 0 || s == NULL)
		return r;
	if (config_duration(s, secsp) != 0)
		r = fail(p, "[%s] %s: \"%s\" is not a duration (seconds, or "
		    "numbers with s, m, h, d or w; at most a year)", group,
		    key, s);
	g_free(s);
	return r;
}

static int
get_level(struct parse *p, struct config *cfg)
{
	char *s;
	size_t i;
	int r;

	if ((r = get_string(p, "agent", "log-level", &s)) != 0 || s == NULL)
		return r;
	for (i = LOG_LEVEL_ERROR; i <= LOG_LEVEL_DEBUG; i++)
		if (strcmp(s, levels[i]) == 0)
			break;
	if (i > LOG_LEVEL_DEBUG)
		r = fail(p, "[agent] log-level: \"%s\" is not one of error, "
		    "info, verbose, debug", s);
	else {
		cfg->have_level = 1;
		cfg->level = (enum log_level)i;
	}
	g_free(s);
	return r;
}

/* true or false, nothing else; *vp is left alone if key is absent. */
static int
get_bool(struct parse *p, const char *group, const char *key, int *vp)
{
	char *s;
	int r;

	if ((r = get_string(p, group, key, &s)) != 0 || s == NULL)
		return r;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		*vp = strcmp(s, "true") == 0;
	else
		r = fail(p, "[%s] %s: \"%s\" is neither true nor false",
		    group, key, s);
	g_free(s);
	return r;
}

/* Where pinstore keeps persisted PINs: the file or the Secret Service. */
static int
get_backend(struct parse *p, struct config *cfg)
{
	char *s;
	int r;

	if ((r = get_string(p, "pins", "backend", &s)) != 0 || s == NULL)
		return r;
	if (strcmp(s, "secret-service") == 0)
		cfg->secret_service = 1;
	else if (strcmp(s, "file") != 0)
		r = fail(p, "[pins] backend: unknown backend \"%s\" (known: "
		    "file, secret-service)", s);
	g_free(s);
	return r;
}

/* 1 to max bytes, none of them a control character. */
static int
text_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
get_ignore(struct parse *p, struct config *cfg)
{
	GError *gerr = NULL;
	gchar **list;
	gsize n, i;
	int r = 0;

	if (!g_key_file_has_key(p->kf, "readers", "ignore", NULL))
		return 0;
	if ((list = g_key_file_get_string_list(p->kf, "readers", "ignore",
	    &n, &gerr)) == NULL) {
		r = fail(p, "[readers] ignore: %s", gerr->message);
		g_error_free(gerr);
		return r;
	}
	if (n > HELPER_IGNORE_MAX)
		r = fail(p, "[readers] ignore: more than %d patterns",
		    HELPER_IGNORE_MAX);
	for (i = 0; i < n && r == 0; i++) {
		if (!text_ok(list[i], CONFIG_PATTERN_MAX))
			r = fail(p, "[readers] ignore: pattern %zu is empty, "
			    "longer than %d bytes or has control characters",
			    (size_t)i + 1, CONFIG_PATTERN_MAX);
		else if ((cfg->ignore[cfg->nignore++] = strdup(list[i])) ==
		    NULL)
			r = ERR_ALLOC;
	}
	g_strfreev(list);
	return r;
}

/*
 * One certificate place, absolute or starting with "~/": a directory,
 * '/' and "*SUFFIX" (the files whose names end so), a directory and '/'
 * (every file), or one file's path.  NULL, or why s is not a place.
 */
static const char *
place_parse(const char *s, struct config_place *pl)
{
	const char *rest = s, *slash, *name;
	size_t dirlen;

	memset(pl, 0, sizeof(*pl));
	if (!text_ok(s, CONFIG_PLACE_MAX))
		return "is empty, too long or has control characters";
	if (strncmp(s, "~/", 2) == 0) {
		pl->in_home = 1;
		rest = s + 1;	/* keeps its '/' */
	} else if (s[0] != '/')
		return "is neither an absolute path nor one starting with ~/";
	slash = strrchr(rest, '/');
	name = slash + 1;
	if (memchr(rest, '*', (size_t)(slash - rest)) != NULL ||
	    (strchr(name, '*') != NULL && (name[0] != '*' ||
	    strchr(name + 1, '*') != NULL)))
		return "has a * other than at the start of the file name";
	for (dirlen = (size_t)(slash - rest); dirlen > 0 &&
	    rest[dirlen - 1] == '/'; dirlen--)
		;
	pl->exact = name[0] != '*' && name[0] != '\0';
	if ((pl->dir = strndup(rest, dirlen)) == NULL ||
	    (pl->match = strdup(name[0] == '*' ? name + 1 : name)) == NULL) {
		free(pl->dir);
		pl->dir = NULL;
		return "cannot be stored: out of memory";
	}
	return NULL;
}

static int
get_places(struct parse *p, struct config *cfg)
{
	GError *gerr = NULL;
	const char *why;
	gchar **list;
	gsize n, i;
	int r = 0;

	if (!g_key_file_has_key(p->kf, "certificates", "places", NULL))
		return 0;
	if ((list = g_key_file_get_string_list(p->kf, "certificates",
	    "places", &n, &gerr)) == NULL) {
		r = fail(p, "[certificates] places: %s", gerr->message);
		g_error_free(gerr);
		return r;
	}
	cfg->have_places = 1;	/* "places =": no certificate files */
	if (n > CONFIG_PLACES_MAX)
		r = fail(p, "[certificates] places: more than %d places",
		    CONFIG_PLACES_MAX);
	for (i = 0; i < n && r == 0; i++) {
		if ((why = place_parse(list[i],
		    &cfg->places[cfg->nplaces])) != NULL)
			r = fail(p, "[certificates] places: place %zu %s",
			    (size_t)i + 1, why);
		else
			cfg->nplaces++;
	}
	g_strfreev(list);
	return r;
}

/* One line, without its newline and leading blanks. */
static int
check_line(struct parse *p, size_t n, const char *line, size_t len,
    int *groupp)
{
	const char *eq = memchr(line, '=', len), *br = memchr(line, '[', len);

	if (len == 0 || line[0] == '#')
		return 0;
	if (line[0] == '[') {
		if (memchr(line, ']', len) == NULL)
			return fail(p, "line %zu: a group name lacks its ]", n);
		*groupp = 1;
		return 0;
	}
	if (eq == NULL)
		return fail(p, "line %zu: neither [group], key = value nor "
		    "# comment", n);
	if (!*groupp)
		return fail(p, "line %zu: a key before the first [group]", n);
	if (br != NULL && br < eq)
		return fail(p, "line %zu: localised keys (key[locale]) are "
		    "not used", n);
	return 0;
}

/*
 * Line by line, for errors that name the line (GKeyFile's do not), and
 * for what GKeyFile accepts but would hide from check_known(): a NUL
 * byte (the rest of its line is dropped) and localised keys ("key[de]",
 * which g_key_file_get_keys() does not list).
 */
static int
check_text(struct parse *p, const char *text, size_t len)
{
	const char *line = text, *end = text + len, *nl;
	size_t n = 1;
	int group = 0, r;

	if (memchr(text, '\0', len) != NULL)
		return fail(p, "contains a NUL byte");
	for (; line < end; line = nl + 1, n++) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		while (line < nl && (*line == ' ' || *line == '\t'))
			line++;
		if ((r = check_line(p, n, line, (size_t)(nl - line),
		    &group)) != 0)
			return r;
	}
	return 0;
}

/* GLib quotes with U+201C and U+201D, which our log escapes: use ". */
static void
ascii_quotes(char *s)
{
	char *q;

	while ((q = strstr(s, "\xe2\x80\x9c")) != NULL ||
	    (q = strstr(s, "\xe2\x80\x9d")) != NULL) {
		*q = '"';
		memmove(q + 1, q + 3, strlen(q + 3) + 1);
	}
}

static int
parse_values(struct parse *p, struct config *cfg)
{
	int r;

	if ((r = check_known(p)) != 0 || (r = get_level(p, cfg)) != 0 ||
	    (r = get_duration(p, "agent", "idle-timeout", &cfg->idle)) != 0 ||
	    (r = get_bool(p, "agent", "deauth-on-lock",
	    &cfg->deauth_on_lock)) != 0 ||
	    (r = get_backend(p, cfg)) != 0 ||
	    (r = get_duration(p, "pins", "lifetime", &cfg->lifetime)) != 0 ||
	    (r = get_ignore(p, cfg)) != 0 || (r = get_places(p, cfg)) != 0)
		return r;
	return 0;
}

static void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->deauth_on_lock = 1;
}

int
config_parse(const char *text, size_t len, const char *name,
    struct config *cfg, char *err, size_t errlen)
{
	struct parse p = { NULL, name, err, errlen };
	GError *gerr = NULL;
	int r;

	config_defaults(cfg);
	if (errlen > 0)
		err[0] = '\0';
	if (len > CONFIG_FILE_MAX)
		return fail(&p, "larger than %d bytes", CONFIG_FILE_MAX);
	if ((r = check_text(&p, text, len)) != 0)
		return r;
	p.kf = g_key_file_new();
	if (g_key_file_load_from_data(p.kf, text, len, G_KEY_FILE_NONE,
	    &gerr))
		r = parse_values(&p, cfg);
	else {
		r = fail(&p, "%s", gerr->message);
		ascii_quotes(err);
		g_error_free(gerr);
	}
	g_key_file_free(p.kf);
	if (r != 0)
		config_clear(cfg);
	return r;
}

void
config_clear(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nignore; i++)
		free(cfg->ignore[i]);
	for (i = 0; i < cfg->nplaces; i++) {
		free(cfg->places[i].dir);
		free(cfg->places[i].match);
	}
	memset(cfg, 0, sizeof(*cfg));
}

/* $XDG_CONFIG_HOME/cardagent/config, else ~/.config/cardagent/config. */
static int
config_path(char *path, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	/* The XDG spec ignores a relative XDG_CONFIG_HOME. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(path, len, "%s/cardagent/config", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(path, len, "%s/.config/cardagent/config", home);
	else
		return ERR_NOT_FOUND;
	return n < 0 || (size_t)n >= len ? ERR_TOO_LARGE : 0;
}

/* Ours (or root's), a regular file, not writable by others. */
static int
config_check(const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		error("%s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	if (!S_ISREG(st.st_mode)) {
		error("%s: not a regular file", path);
		return ERR_FORMAT;
	}
	if ((st.st_uid != getuid() && st.st_uid != 0) ||
	    (st.st_mode & 022) != 0) {
		error("%s: bad owner or permissions (writable by others)",
		    path);
		return ERR_ARGUMENT;
	}
	return 0;
}

static int
config_read(const char *path, int fd, char *text, size_t *lenp)
{
	ssize_t n;

	*lenp = 0;
	while ((n = read(fd, text + *lenp, CONFIG_FILE_MAX + 1 - *lenp)) > 0)
		if ((*lenp += (size_t)n) > CONFIG_FILE_MAX)
			break;
	if (n == -1) {
		error("read %s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	return 0;
}

int
config_load(struct config *cfg)
{
	char path[PATH_MAX], err[1024], *text = NULL;
	size_t len;
	int fd = -1, r;

	config_defaults(cfg);
	if ((r = config_path(path, sizeof(path))) == ERR_NOT_FOUND)
		return 0;	/* no home: no configuration */
	if (r != 0) {
		error("the configuration file's path is too long");
		return r;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return 0;
		error("%s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = config_check(path, fd)) != 0 ||
	    (r = config_read(path, fd, text, &len)) != 0)
		goto out;
	if ((r = config_parse(text, len, path, cfg, err, sizeof(err))) != 0)
		error("%s", err);
	else
		debug("configuration read from %s", path);
 out:
	free(text);
	close(fd);
	return r;
}
