/*
 * ISO 7816-4 commands as an OpenPGP host uses them, over a transmit
 * function supplied by the caller (the PC/SC reader in cardd, a fake card
 * in the unit tests).  One function per command; one exchange helper that
 * encodes short or extended APDUs as the card announced, falls back to
 * command chaining, follows 61xx with GET RESPONSE (bounded) and retries
 * once on 6Cxx; one table from status words to ERR_* codes.
 */
#ifndef CARDD_ISO7816_H
#define CARDD_ISO7816_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define ISO_SW_OK		0x9000
#define ISO_LE_MAX		65536	/* extended Le 0000 */
#define ISO_SHORT_MAX		255	/* short Lc, chained part size */
#define ISO_RESP_MAX		(16 * 1024)	/* joined answer cap */
#define ISO_GET_RESPONSE_MAX	80	/* 61xx rounds per command */
#define ISO_CMD_DATA_MAX	(16 * 1024)	/* command data cap */
#define ISO_INS_VERIFY		0x20	/* its command data is a PIN */

/* Sends one APDU, appends the answer including SW1 SW2 to resp. */
typedef int (*iso_transmit_fn)(void *arg, const struct buf *apdu,
    struct buf *resp);

struct iso_card {
	iso_transmit_fn	 transmit;
	void		*arg;
	int		 extended;	/* card takes extended Lc/Le */
	size_t		 max_cmd;	/* largest command data (ext.) */
	size_t		 max_resp;	/* largest response data (ext.) */
	uint16_t	 sw;		/* status word of the last command */
	unsigned long	 napdus;	/* APDUs sent so far */
};

void	iso_card_init(struct iso_card *c, iso_transmit_fn fn, void *arg);

/* Historical bytes of an ATR; hist gets appended. */
int	iso_atr_historical(const uint8_t *atr, size_t len, struct buf *hist);
/* Card capabilities from historical bytes (compact TLV 73). */
int	iso_hist_caps(const uint8_t *hist, size_t len, int *extendedp,
	    int *chainingp);

/* Status word to ERR_* code (0 for 9000) and to a short message. */
int		 iso_sw_err(uint16_t sw);
const char	*iso_sw_str(uint16_t sw);

/* Builds one APDU; extended selects the encoding; le 0: no Le field. */
int	iso_apdu_build(struct buf *apdu, uint8_t cla, uint8_t ins,
	    uint8_t p1, uint8_t p2, const uint8_t *data, size_t len,
	    size_t le, int extended);

/*
 * One command with chaining, GET RESPONSE and 6Cxx handled.  resp gets
 * the response data (no SW).  iso_transceive() returns 0 whenever the
 * card answered and leaves the final SW in *swp; iso_cmd() also maps a
 * SW other than 9000 to an error.
 */
int	iso_transceive(struct iso_card *c, uint8_t cla, uint8_t ins,
	    uint8_t p1, uint8_t p2, const uint8_t *data, size_t len,
	    size_t le, struct buf *resp, uint16_t *swp);
int	iso_cmd(struct iso_card *c, uint8_t ins, uint8_t p1, uint8_t p2,
	    const uint8_t *data, size_t len, size_t le, struct buf *resp);

/* The commands. */
int	iso_select_aid(struct iso_card *c, const uint8_t *aid, size_t len,
	    struct buf *resp);
int	iso_get_data(struct iso_card *c, uint16_t tag, struct buf *resp);
int	iso_verify(struct iso_card *c, uint8_t p2, const struct buf *pin);
/* Empty VERIFY: *verifiedp 1 if already verified, else *triesp (-1 if
 * the card does not say). */
int	iso_verify_status(struct iso_card *c, uint8_t p2, int *verifiedp,
	    int *triesp);
int	iso_internal_auth(struct iso_card *c, const uint8_t *data,
	    size_t len, struct buf *resp);
/* GENERATE ASYMMETRIC KEY PAIR P1=81: read the public key of the slot
 * named by its control reference template (B6, B8, A4). */
int	iso_read_pubkey(struct iso_card *c, uint8_t crt, struct buf *resp);
int	iso_pso_cds(struct iso_card *c, const uint8_t *data, size_t len,
	    struct buf *resp);

#endif
