/*
 * What the privsep test programs (carddtest, hcardd, hpinstore) share:
 * TAP output and raw writes to a peer, optionally carrying a descriptor.
 */
#ifndef HLIB_H
#define HLIB_H

#include <stddef.h>

/* One TAP test point. */
void	hl_ok(int cond, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prints the plan; the exit status: 0 if every point passed. */
int	hl_done(void);
/*
 * Writes len raw bytes on sock, with fd as SCM_RIGHTS if fd >= 0.  A
 * peer that has closed already is fine (that is what tests wait for).
 */
int	hl_send(int sock, const void *p, size_t len, int fd);

#endif
