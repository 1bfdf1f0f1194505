/*
 * The OpenPGP application's front door: session state, SELECT, command
 * chaining, GET RESPONSE and the dispatch to one handler per command.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hostile.h"
#include "log.h"
#include "openpgp.h"
#include "tlv.h"

typedef sw_t (*handler_fn)(struct card *, const struct apdu *,
    struct buf *, int *);

static const struct command {
	uint8_t		 ins;
	const char	*name;
	handler_fn	 fn;
} commands[] = {
	{ 0x20, "VERIFY",			op_verify },
	{ 0x24, "CHANGE REFERENCE DATA",	op_change },
	{ 0x2a, "PERFORM SECURITY OPERATION",	op_pso },
	{ 0x2c, "RESET RETRY COUNTER",		op_reset_rc },
	{ 0x47, "GENERATE ASYMMETRIC KEY PAIR",	op_generate },
	{ 0x84, "GET CHALLENGE",		op_get_challenge },
	{ 0x88, "INTERNAL AUTHENTICATE",	op_internal_auth },
	{ 0xa5, "SELECT DATA",			op_select_data },
	{ 0xca, "GET DATA",			op_get_data },
	{ 0xda, "PUT DATA",			op_put_data },
};

int
card_new(struct card_state *st, struct card **cardp)
{
	struct card *c;

	*cardp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_ALLOC;
	c->st = st;
	if ((c->chain = buf_new_capped(CARD_CHAIN_MAX)) == NULL ||
	    (c->resp = buf_new()) == NULL) {
		card_free(c);
		return ERR_ALLOC;
	}
	*cardp = c;
	return 0;
}

void
card_free(struct card *c)
{
	if (c == NULL)
		return;
	buf_free(c->chain);
	buf_free(c->resp);
	freezero(c, sizeof(*c));
}

static void
card_reset_transient(struct card *c)
{
	c->chaining = 0;
	buf_reset(c->chain);
	buf_reset(c->resp);
}

void
card_reset(struct card *c)
{
	c->selected = 0;
	c->pw1_81 = c->pw1_82 = c->pw3 = 0;
	c->cert_occurrence = 0;
	card_reset_transient(c);
}

sw_t
card_persist(struct card *c)
{
	return state_save(c->st) == 0 ? SW_OK : SW_MEMORY;
}

/* T=1 ATR whose historical bytes equal DO 5F52; TCK closes it. */
int
card_atr(const struct card *c, struct buf *out)
{
	static const uint8_t head[] = {
		0x3b, 0xf0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x45,
	};
	struct buf *hist;
	uint8_t tck = 0, t0;
	size_t i;
	int r;

	if ((hist = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = card_historical(c, hist)) != 0)
		goto out;
	t0 = (uint8_t)(head[1] | buf_len(hist));
	if ((r = buf_put_u8(out, head[0])) != 0 ||
	    (r = buf_put_u8(out, t0)) != 0 ||
	    (r = buf_put(out, head + 2, sizeof(head) - 2)) != 0 ||
	    (r = buf_putb(out, hist)) != 0)
		goto out;
	tck = t0;
	for (i = 2; i < sizeof(head); i++)
		tck ^= head[i];
	for (i = 0; i < buf_len(hist); i++)
		tck ^= buf_ptr(hist)[i];
	r = buf_put_u8(out, tck);
 out:
	buf_free(hist);
	return r;
}

/* SELECT by DF name; a prefix of our AID selects us, as on real cards. */
static sw_t
op_select(struct card *c, const struct apdu *a, struct buf *out)
{
	uint8_t aid[AID_LEN];
	struct buf *fci;

	if (a->p1 != 0x04)
		return SW_NO_APP;
	card_aid(c, aid);
	if (a->lc < 5 || a->lc > AID_LEN || memcmp(a->data, aid, a->lc) != 0)
		return SW_NO_APP;
	if ((a->p2 & ~0x0c) != 0)
		return SW_WRONG_P1P2;
	c->selected = 1;
	c->cert_occurrence = 0;
	if (a->p2 == 0x0c)
		return SW_OK;
	/* FCI template with the full DF name: OpenSC reads the version. */
	if ((fci = buf_new()) == NULL ||
	    tlv_put(fci, 0x84, aid, sizeof(aid)) != 0 ||
	    tlv_put(out, 0x6f, buf_ptr(fci), buf_len(fci)) != 0) {
		buf_free(fci);
		return SW_UNKNOWN;
	}
	buf_free(fci);
	return SW_OK;
}

static sw_t
dispatch(struct card *c, const struct apdu *a, struct buf *out, int *touchp)
{
	size_t i;

	if (a->ins == 0xa4)
		return op_select(c, a, out);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].ins != a->ins)
			continue;
		if (!c->selected)
			return SW_INS;
		debug("%s", commands[i].name);
		return commands[i].fn(c, a, out, touchp);
	}
	return SW_INS;
}

/*
 * Command chaining (CLA bit 0x10): collect the data, answer 9000, and
 * run the command when its last part (bit clear) arrives.  Returns 1
 * when the APDU was absorbed into a chain (*swp set), 0 to go on with
 * *a rewritten to carry the whole data.
 */
static int
chain_step(struct card *c, struct apdu *a, sw_t *swp)
{
	int same;

	same = c->chaining && a->ins == c->chain_ins &&
	    a->p1 == c->chain_p1 && a->p2 == c->chain_p2;
	if (c->chaining && !same) {
		c->chaining = 0;
		buf_reset(c->chain);
	}
	if ((a->cla & APDU_CLA_CHAIN) == 0 && !c->chaining)
		return 0;
	if (buf_put(c->chain, a->data, a->lc) != 0) {
		c->chaining = 0;
		buf_reset(c->chain);
		*swp = SW_WRONG_LENGTH;
		return 1;
	}
	if ((a->cla & APDU_CLA_CHAIN) != 0) {
		c->chaining = 1;
		c->chain_ins = a->ins;
		c->chain_p1 = a->p1;
		c->chain_p2 = a->p2;
		*swp = SW_OK;
		return 1;
	}
	c->chaining = 0;
	a->data = buf_ptr(c->chain);
	a->lc = buf_len(c->chain);
	return 0;
}

static int
get_response(struct card *c, const struct apdu *a, struct buf *rsp)
{
	if (a->p1 != 0 || a->p2 != 0)
		return apdu_put_sw(rsp, SW_WRONG_PARAMS);
	if (buf_len(c->resp) == 0)
		return apdu_put_sw(rsp, SW_CONDITIONS);
	return apdu_respond_chunk(c->resp, a->ne, rsp);
}

/* Run one (possibly reassembled) command and shape its answer. */
static int
run_command(struct card *c, struct apdu *a, struct buf *rsp, int *touchp)
{
	struct buf *data;
	sw_t sw;
	int r;

	if (chain_step(c, a, &sw))
		return apdu_put_sw(rsp, sw);
	if ((data = buf_new()) == NULL)
		return ERR_ALLOC;
	sw = dispatch(c, a, data, touchp);
	buf_reset(c->chain);
	if (sw == SW_OK && (r = hostile_data(c, a, data)) != 0) {
		buf_free(data);
		return r;
	}
	if (sw != SW_OK || buf_len(data) == 0) {
		*touchp = *touchp && sw == SW_OK;
		r = apdu_put_sw(rsp, sw);
	} else if ((r = buf_putb(c->resp, data)) == 0)
		r = apdu_respond_chunk(c->resp, a->ne, rsp);
	buf_free(data);
	return r;
}

int
card_apdu(struct card *c, const uint8_t *cmd, size_t len, struct buf *rsp,
    int *touchp)
{
	struct apdu a;
	int r;

	*touchp = 0;
	c->napdus++;
	if (apdu_parse(cmd, len, &a) != 0 ||
	    (a.extended && !c->st->extended)) {
		debug("malformed APDU (%zu bytes)", len);
		return apdu_put_sw(rsp, SW_WRONG_LENGTH);
	}
	debug("APDU %02x %02x %02x %02x lc=%zu ne=%zu%s", a.cla, a.ins,
	    a.p1, a.p2, a.lc, a.ne, a.extended ? " ext" : "");
	if ((a.cla & ~APDU_CLA_CHAIN) != 0) {
		card_reset_transient(c);
		return apdu_put_sw(rsp, SW_CLA);
	}
	hostile_command(c, &a);
	if (a.ins == 0xc0 && (a.cla & APDU_CLA_CHAIN) == 0)
		r = get_response(c, &a, rsp);
	else {
		buf_reset(c->resp);
		r = run_command(c, &a, rsp, touchp);
	}
	return r != 0 ? r : hostile_response(c, &a, rsp);
}
