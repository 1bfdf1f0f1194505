/*
 * The certificates the agent offers next to card keys: those the
 * supervisor read from certificate files (SV_CERTS, replaced as a
 * whole at each message) and those clients associated with a card
 * (associated-certs-v00@openssh.com on ssh-add -s).  Validity is
 * checked when they are listed or used, never cached.
 */
#ifndef CARDAGENT_AGENT_CERTS_H
#define CARDAGENT_AGENT_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "channels.h"
#include "proto.h"

#define CERTSET_MAX	SV_CERTS_COUNT_MAX

struct agent_cert {
	struct buf	*blob;		/* the certificate */
	struct buf	*key;		/* the card key it certifies */
	uint64_t	 valid_after;
	uint64_t	 valid_before;
	char		*ident;		/* the card it was added for, or NULL */
};

struct certset {
	size_t		 n;
	struct agent_cert c[CERTSET_MAX];
};

void	certset_clear(struct certset *s);
/*
 * Replace s with the SV_CERTS payload (doc/PROTOCOL.privsep section 8),
 * parsed exactly; on failure s is left empty.
 */
int	certset_from_sv(struct certset *s, const struct buf *payload);
/* Add a certificate blob for the card ident (replacing an equal one). */
int	certset_add(struct certset *s, const struct buf *blob,
	    const char *ident);
/* Drop the certificates added for ident; NULL: all of them. */
void	certset_drop(struct certset *s, const char *ident);
/* Append to out (room for max) those valid at now; the new count. */
size_t	certset_offered(const struct certset *s, uint64_t now,
	    struct proto_cert *out, size_t n, size_t max);
/* The certificate with this blob, valid at now, or NULL. */
const struct agent_cert *certset_find(const struct certset *s,
	    const struct buf *blob, uint64_t now);

#endif
