/*
 * ISO 7816-4 command APDUs as the card sees them: short and extended
 * Lc/Le, and the card side of response splitting (61xx + GET RESPONSE).
 */
#ifndef VCARD_APDU_H
#define VCARD_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SW_OK			0x9000
#define SW_BYTES_LEFT		0x6100	/* | remaining (00 = 256 or more) */
#define SW_WRONG_PIN		0x63c0	/* | tries left */
#define SW_MEMORY		0x6581
#define SW_WRONG_LENGTH		0x6700
#define SW_CHAIN_LAST		0x6883	/* last command of a chain expected */
#define SW_SECURITY		0x6982
#define SW_BLOCKED		0x6983
#define SW_CONDITIONS		0x6985
#define SW_WRONG_DATA		0x6a80
#define SW_NO_APP		0x6a82
#define SW_WRONG_P1P2		0x6a86
#define SW_NOT_FOUND		0x6a88
#define SW_WRONG_PARAMS		0x6b00
#define SW_INS			0x6d00
#define SW_CLA			0x6e00
#define SW_UNKNOWN		0x6f00

#define APDU_CLA_CHAIN		0x10

struct apdu {
	uint8_t		 cla, ins, p1, p2;
	const uint8_t	*data;		/* points into the raw command */
	size_t		 lc;
	size_t		 ne;		/* 0: no response data expected */
	int		 extended;
};

/* Parse a raw command; ERR_FORMAT if the length fields do not add up. */
int	apdu_parse(const uint8_t *raw, size_t len, struct apdu *a);

/*
 * Move up to ne bytes from the front of pending into out and append the
 * status word: 9000 when pending is drained, 61xx while bytes remain.
 */
int	apdu_respond_chunk(struct buf *pending, size_t ne, struct buf *out);
int	apdu_put_sw(struct buf *out, uint16_t sw);

#endif
