/*
 * The OpenPGP card application (spec 3.4 subset) on top of the card
 * state: command dispatch, data objects, PIN logic, key operations.
 */
#ifndef VCARD_OPENPGP_H
#define VCARD_OPENPGP_H

#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "buf.h"
#include "state.h"

#define CARD_CHAIN_MAX	4096	/* bytes of command data across a chain */
#define CARD_CMD_MAX	2048	/* announced in 7F66 */
#define CARD_RSP_MAX	2048
#define ATR_MAX		33

struct card {
	struct card_state *st;
	int		 selected;
	int		 pw1_81, pw1_82, pw3;	/* access status */
	uint8_t		 cert_occurrence;	/* SELECT DATA of 7F21 */
	struct buf	*chain;			/* data of a command chain */
	int		 chaining;
	uint8_t		 chain_ins, chain_p1, chain_p2;
	struct buf	*resp;			/* left for GET RESPONSE */
	unsigned long	 napdus;
	int		 hostile;		/* enum hostile_mode */
	unsigned	 hostile_selects;
};

/* Handler result: status word plus response data. */
typedef uint16_t sw_t;

int	card_new(struct card_state *st, struct card **cardp);
void	card_free(struct card *c);
/* Power off, reset, removal: the card forgets everything volatile. */
void	card_reset(struct card *c);
int	card_atr(const struct card *c, struct buf *out);
/*
 * One command APDU in, the response APDU (data + SW) out.  *touchp is
 * set when the answer must wait for the user's touch (UIF).
 */
int	card_apdu(struct card *c, const uint8_t *cmd, size_t len,
	    struct buf *rsp, int *touchp);

/* openpgp_do.c */
#define AID_LEN	16
void	card_aid(const struct card *c, uint8_t aid[AID_LEN]);
int	card_historical(const struct card *c, struct buf *out);
sw_t	op_get_data(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
sw_t	op_select_data(struct card *c, const struct apdu *a,
	    struct buf *out, int *touchp);
sw_t	op_put_data(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
/* The data object table's tags, for its unit test. */
size_t	card_do_count(void);
uint16_t card_do_tag(size_t i);
/* openpgp_pin.c */
sw_t	op_verify(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
sw_t	op_change(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
sw_t	op_reset_rc(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
/* openpgp_key.c */
sw_t	op_generate(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
sw_t	op_pso(struct card *c, const struct apdu *a, struct buf *out,
	    int *touchp);
sw_t	op_internal_auth(struct card *c, const struct apdu *a,
	    struct buf *out, int *touchp);
sw_t	op_get_challenge(struct card *c, const struct apdu *a,
	    struct buf *out, int *touchp);

/* Save the state; a card that cannot persist answers 6581. */
sw_t	card_persist(struct card *c);

#endif
