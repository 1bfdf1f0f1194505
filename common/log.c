#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS	1	/* strnvis(dst, src, dstlen, flags) */
#include <vis.h>

#include "err.h"
#include "log.h"

#define LOG_LINE_MAX	1024

static const char	*log_progname = "cardagent";
static enum log_level	 log_level = LOG_LEVEL_INFO;
static int		 log_stderr = 1;

void
log_init(const char *progname, enum log_level level, int to_stderr)
{
	log_progname = progname;
	log_level = level;
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog(progname, LOG_PID, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static int
syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:	return LOG_ERR;
	case LOG_LEVEL_INFO:	return LOG_INFO;
	default:		return LOG_DEBUG;
	}
}

/* Format, append the error text, escape control characters, emit. */
static void
log_emit(enum log_level level, const char *func, int err, const char *fmt,
    va_list ap)
{
	char raw[LOG_LINE_MAX], safe[LOG_LINE_MAX * 4 + 1];
	int saved_errno = errno;
	size_t len;

	len = 0;
	if (func != NULL)
		len = (size_t)snprintf(raw, sizeof(raw), "%s: ", func);
	if (len < sizeof(raw))
		vsnprintf(raw + len, sizeof(raw) - len, fmt, ap);
	if (err == ERR_SYSTEM)
		snprintf(raw + strlen(raw), sizeof(raw) - strlen(raw),
		    ": %s", strerror(saved_errno));
	else if (err != 0)
		snprintf(raw + strlen(raw), sizeof(raw) - strlen(raw),
		    ": %s", err_str(err));
	strnvis(safe, raw, sizeof(safe), VIS_SAFE | VIS_OCTAL);
	if (log_stderr)
		fprintf(stderr, "%s[%ld]: %s\n", log_progname,
		    (long)getpid(), safe);
	else
		syslog(syslog_priority(level), "%s", safe);
	errno = saved_errno;
}

void
log_msg(enum log_level level, const char *func, int err, const char *fmt,
    ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_emit(level, func, err, fmt, ap);
	va_end(ap);
}

void
log_fatal(const char *func, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, func, err, fmt, ap);
	va_end(ap);
	_exit(1);
}
