/*
 * Logging to stderr or syslog, with control characters escaped.
 * Levels follow syslog; fatal() logs and exits.  Never pass a secret.
 */
#ifndef CARDAGENT_LOG_H
#define CARDAGENT_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_QUIET = 0,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_INFO,
	LOG_LEVEL_VERBOSE,
	LOG_LEVEL_DEBUG,
};

void	log_init(const char *progname, enum log_level level, int to_stderr);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
void	log_msg(enum log_level level, const char *func, int err,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	log_fatal(const char *func, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));

#define error(...)	log_msg(LOG_LEVEL_ERROR, NULL, 0, __VA_ARGS__)
#define info(...)	log_msg(LOG_LEVEL_INFO, NULL, 0, __VA_ARGS__)
#define verbose(...)	log_msg(LOG_LEVEL_VERBOSE, NULL, 0, __VA_ARGS__)
#define debug(...)	log_msg(LOG_LEVEL_DEBUG, __func__, 0, __VA_ARGS__)
/* _r variants append err_str(r); _f variants prefix the function. */
#define error_r(r, ...)	log_msg(LOG_LEVEL_ERROR, NULL, r, __VA_ARGS__)
#define error_f(...)	log_msg(LOG_LEVEL_ERROR, __func__, 0, __VA_ARGS__)
#define error_fr(r, ...) log_msg(LOG_LEVEL_ERROR, __func__, r, __VA_ARGS__)
#define debug_r(r, ...)	log_msg(LOG_LEVEL_DEBUG, __func__, r, __VA_ARGS__)
#define fatal(...)	log_fatal(NULL, 0, __VA_ARGS__)
#define fatal_f(...)	log_fatal(__func__, 0, __VA_ARGS__)
#define fatal_fr(r, ...) log_fatal(__func__, r, __VA_ARGS__)

#endif
