/*
 * Hostile card modes (vcard run --hostile MODE, vcard ctl SOCK hostile
 * MODE|off): the card answers wrongly on purpose so that tests can prove
 * cardd fails cleanly, in bounded time, and recovers once the card
 * behaves again.  Every mode but "serial" only distorts answers that
 * carry data (or status words around them); PIN logic is untouched.
 *
 *	tlv	 6E, 65, 7F49 (READ PUBLIC KEY): an inner TLV's length
 *		 claims far more bytes than follow
 *	trunc	 answers with data lose their second half (truncated keys,
 *		 signatures, data objects)
 *	overlong Le ignored: the whole answer, padded with junk to 65533
 *		 bytes, in one response
 *	chain	 answers with data end in 61FF, and GET RESPONSE always
 *		 gives 255 more bytes and 61FF: an endless chain
 *	huge	 answers with data padded to 70000 bytes (> 64 KiB), handed
 *		 out in 1 KiB parts with 61xx
 *	sw6c	 answers with data are 6Cxx (wrong Le), again and again
 *	sw61err	 answers with data are 6110, and GET RESPONSE is 6F00
 *	nodata	 9000 without data where data is due
 *	serial	 the AID's serial number changes at every SELECT after
 *		 the first
 */
#ifndef VCARD_HOSTILE_H
#define VCARD_HOSTILE_H

#include "apdu.h"
#include "buf.h"

struct card;

enum hostile_mode {
	HOSTILE_OFF = 0,
	HOSTILE_TLV, HOSTILE_TRUNC, HOSTILE_OVERLONG, HOSTILE_CHAIN,
	HOSTILE_HUGE, HOSTILE_SW6C, HOSTILE_SW61ERR, HOSTILE_NODATA,
	HOSTILE_SERIAL,
};

/* The mode named name ("off" too), or -1. */
int	hostile_parse(const char *name);
/* Before a command runs: counts SELECTs, shapes Le. */
void	hostile_command(struct card *c, struct apdu *a);
/* A successful command's data, before it is split into responses. */
int	hostile_data(struct card *c, const struct apdu *a, struct buf *data);
/* The response APDU (data and SW) about to be sent. */
int	hostile_response(struct card *c, const struct apdu *a,
	    struct buf *rsp);

#endif
