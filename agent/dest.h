/*
 * What a signature is for, and whether a destination-constrained key
 * (ssh-add -h) may make it on a connection: the sign data parsed as an
 * SSH userauth request, checked against the connection's session-binds
 * and the card's restrict-destination constraints, as OpenSSH's agent
 * does (PROTOCOL.agent).
 */
#ifndef CARDAGENT_AGENT_DEST_H
#define CARDAGENT_AGENT_DEST_H

#include <stdint.h>

#include "buf.h"
#include "caller.h"
#include "constraint.h"
#include "sessbind.h"

/*
 * Classify the data key is asked to sign (caller.h): x->what and
 * x->detail (allocated); the path is left to the caller.
 */
int	dest_classify(const struct buf *data, const struct buf *key,
	    struct caller_context *x);

/*
 * 0 if c's destination constraints (at least one) allow key to sign data
 * on a connection with binds sb; else ERR_NOT_FOUND, with *why set.
 */
int	dest_check(const struct cons *c, const struct sessbind *sb,
	    const struct buf *key, const struct buf *data, const char **why);

#endif
