/*
 * Key-use constraints of a card's enrolment (ssh-add -c and -h): what
 * the agent passes with ENROL, pinstore keeps beside the PIN and cardd
 * reports with every key (doc/PROTOCOL.privsep).  The blob is:
 *
 *	uint32	flags		CONS_CONFIRM: ask before each signature
 *	string	destinations	the body of OpenSSH's
 *				restrict-destination-v00@openssh.com
 *				constraint as ssh-add sent it, or empty
 *
 * A card without constraints has an empty blob (zero bytes).  Every
 * receiver decodes a blob completely before it keeps or acts on it.
 */
#ifndef CARDAGENT_CONSTRAINT_H
#define CARDAGENT_CONSTRAINT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CONS_MAX		4096	/* encoded blob of one card */
#define CONS_CONFIRM		0x1
#define CONS_DEST_MAX		16	/* destination constraints per card */
#define CONS_HOP_KEYS_MAX	16	/* host keys per hop */
#define CONS_NAME_MAX		255	/* user and host names */

/* One end of a permitted hop; user and host are NULL when empty. */
struct cons_hop {
	char		*user;
	char		*host;
	struct buf	*key[CONS_HOP_KEYS_MAX];	/* plain host keys */
	size_t		 nkeys;
};

struct cons_dest {
	struct cons_hop	 from;		/* no host: the local machine */
	struct cons_hop	 to;
};

struct cons {
	uint32_t	 flags;
	struct cons_dest dest[CONS_DEST_MAX];
	size_t		 ndest;
};

/*
 * Parse the restrict-destination body: a list of strings, each holding
 * string from-hop, string to-hop, string reserved; a hop is string
 * user, string host, string reserved, then (string key, byte is_ca)
 * pairs.  Certificate authorities (is_ca 1) are refused: ERR_UNSUPPORTED.
 * Appends to c->dest; ERR_FORMAT for anything malformed.
 */
int	cons_parse_dest(const uint8_t *p, size_t len, struct cons *c);

/* Decode and check a whole blob (empty: no constraints) into *c. */
int	cons_decode(const uint8_t *p, size_t len, struct cons *c);
/* Append the blob for flags and a destination body (may be NULL). */
int	cons_encode(struct buf *out, uint32_t flags, const struct buf *dest);
void	cons_clear(struct cons *c);

#endif
