/*
 * cardd's requests to pinstore (doc/PROTOCOL.privsep section 7): parse a
 * request payload exactly, act on it, and build the one reply.
 */
#ifndef CARDAGENT_PINSTORE_SERVE_H
#define CARDAGENT_PINSTORE_SERVE_H

#include <stdint.h>

/* Largest ident accepted on the wire (longer ones close the channel). */
#define SERVE_IDENT_WIRE_MAX	64

struct buf;
struct pins;
struct privsep_chan_conf;

/* pinstore's end of the channel to cardd, with its permit table. */
extern const struct privsep_chan_conf serve_conf;

/*
 * Handle one request; 0 with the reply's type and payload (caller frees),
 * or ERR_FORMAT when the payload does not parse exactly: a protocol
 * violation, after which the channel is closed without a reply.
 */
int	serve_request(struct pins *pins, uint8_t type, struct buf *req,
	    uint8_t *rtypep, struct buf **replyp);

#endif
