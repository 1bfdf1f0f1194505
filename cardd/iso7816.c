/*
 * ISO 7816-4 APDU exchange and the commands an OpenPGP host sends.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "iso7816.h"
#include "log.h"

#define CLA_CHAIN	0x10
#define INS_GET_RESP	0xc0

#define SW1(sw)		((uint8_t)((sw) >> 8))
#define SW2(sw)		((uint8_t)(sw))

static const struct {
	uint16_t	 sw;
	uint16_t	 mask;
	int		 err;
	const char	*msg;
} sw_table[] = {
	{ 0x9000, 0xffff, 0,			"success" },
	{ 0x6100, 0xff00, ERR_CARD,		"more data available" },
	{ 0x6281, 0xffff, ERR_CARD,		"returned data may be corrupted" },
	{ 0x6283, 0xffff, ERR_CARD,		"selected file deactivated" },
	{ 0x63c0, 0xfff0, ERR_PIN_WRONG,	"verification failed" },
	{ 0x6300, 0xffff, ERR_PIN_WRONG,	"verification failed" },
	{ 0x6401, 0xffff, ERR_CARD,		"command cancelled" },
	{ 0x6400, 0xff00, ERR_CARD,		"execution error" },
	{ 0x6581, 0xffff, ERR_CARD,		"memory failure" },
	{ 0x6700, 0xffff, ERR_CARD,		"wrong length" },
	{ 0x6881, 0xffff, ERR_UNSUPPORTED,	"logical channel not supported" },
	{ 0x6882, 0xffff, ERR_UNSUPPORTED,	"secure messaging not supported" },
	{ 0x6883, 0xffff, ERR_CARD,		"last command of chain expected" },
	{ 0x6884, 0xffff, ERR_UNSUPPORTED,	"command chaining not supported" },
	{ 0x6982, 0xffff, ERR_AUTH_REQUIRED,	"security status not satisfied" },
	{ 0x6983, 0xffff, ERR_PIN_BLOCKED,	"authentication method blocked" },
	{ 0x6985, 0xffff, ERR_CARD,		"conditions of use not satisfied" },
	{ 0x6a80, 0xffff, ERR_CARD,		"incorrect data field" },
	{ 0x6a81, 0xffff, ERR_UNSUPPORTED,	"function not supported" },
	{ 0x6a82, 0xffff, ERR_NOT_FOUND,	"file or application not found" },
	{ 0x6a84, 0xffff, ERR_CARD,		"not enough memory" },
	{ 0x6a86, 0xffff, ERR_CARD,		"incorrect P1-P2" },
	{ 0x6a88, 0xffff, ERR_NOT_FOUND,	"referenced data not found" },
	{ 0x6b00, 0xffff, ERR_CARD,		"wrong parameters P1-P2" },
	{ 0x6c00, 0xff00, ERR_CARD,		"wrong Le" },
	{ 0x6d00, 0xffff, ERR_UNSUPPORTED,	"instruction not supported" },
	{ 0x6e00, 0xffff, ERR_UNSUPPORTED,	"class not supported" },
	{ 0x6f00, 0xffff, ERR_CARD,		"no precise diagnosis" },
};

static int
sw_index(uint16_t sw)
{
	size_t i;

	for (i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++) {
		if ((sw & sw_table[i].mask) == sw_table[i].sw)
			return (int)i;
	}
	return -1;
}

int
iso_sw_err(uint16_t sw)
{
	int i = sw_index(sw);

	return i < 0 ? ERR_CARD : sw_table[i].err;
}

const char *
iso_sw_str(uint16_t sw)
{
	int i = sw_index(sw);

	return i < 0 ? "unknown status" : sw_table[i].msg;
}

void
iso_card_init(struct iso_card *c, iso_transmit_fn fn, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->transmit = fn;
	c->arg = arg;
}

int
iso_apdu_build(struct buf *apdu, uint8_t cla, uint8_t ins, uint8_t p1,
    uint8_t p2, const uint8_t *data, size_t len, size_t le, int extended)
{
	size_t lmax = extended ? ISO_LE_MAX - 1 : ISO_SHORT_MAX;
	int r;

	if (len > lmax || le > (extended ? ISO_LE_MAX : 256))
		return ERR_TOO_LARGE;
	if ((r = buf_put_u8(apdu, cla)) != 0 ||
	    (r = buf_put_u8(apdu, ins)) != 0 ||
	    (r = buf_put_u8(apdu, p1)) != 0 ||
	    (r = buf_put_u8(apdu, p2)) != 0)
		return r;
	if (extended && (len > 0 || le > 0) && (r = buf_put_u8(apdu, 0)) != 0)
		return r;
	if (len > 0) {
		r = extended ? buf_put_u16(apdu, (uint16_t)len) :
		    buf_put_u8(apdu, (uint8_t)len);
		if (r != 0 || (r = buf_put(apdu, data, len)) != 0)
			return r;
	}
	/* Le of 256 (short) or 65536 (extended) is encoded as zeros. */
	if (le > 0) {
		r = extended ? buf_put_u16(apdu, (uint16_t)(le & 0xffff)) :
		    buf_put_u8(apdu, (uint8_t)(le & 0xff));
		if (r != 0)
			return r;
	}
	return 0;
}

/* Sends one APDU; appends the answer's data to resp within the cap. */
static int
iso_exchange(struct iso_card *c, const struct buf *apdu, struct buf *resp,
    uint16_t *swp)
{
	struct buf *raw = NULL, *tail = NULL;
	int r;

	*swp = 0;
	if ((raw = buf_new()) == NULL)
		return ERR_ALLOC;
	c->napdus++;
	if ((r = c->transmit(c->arg, apdu, raw)) != 0)
		goto out;
	if (buf_len(raw) < 2) {
		r = ERR_TRUNCATED;
		goto out;
	}
	/* SW1 SW2 are the last two bytes: read them through a view. */
	if ((tail = buf_from(buf_ptr(raw), buf_len(raw))) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_consume(tail, buf_len(raw) - 2)) != 0 ||
	    (r = buf_get_u16(tail, swp)) != 0 ||
	    (r = buf_consume_end(raw, 2)) != 0)
		goto out;
	if (buf_len(resp) + buf_len(raw) > ISO_RESP_MAX) {
		error("card answer exceeds %d bytes", ISO_RESP_MAX);
		r = ERR_TOO_LARGE;
		goto out;
	}
	r = buf_putb(resp, raw);
 out:
	buf_free(tail);
	buf_free(raw);
	return r;
}

static int
iso_send(struct iso_card *c, uint8_t cla, uint8_t ins, uint8_t p1,
    uint8_t p2, const uint8_t *data, size_t len, size_t le, int ext,
    struct buf *resp, uint16_t *swp)
{
	struct buf *apdu;
	int r;

	*swp = 0;
	apdu = ins == ISO_INS_VERIFY && len > 0 ?
	    buf_new_secret(BUF_MAX_DEFAULT) : buf_new();
	if (apdu == NULL)
		return ERR_ALLOC;
	if ((r = iso_apdu_build(apdu, cla, ins, p1, p2, data, len, le,
	    ext)) == 0)
		r = iso_exchange(c, apdu, resp, swp);
	buf_free(apdu);	/* wipes: may hold a PIN */
	return r;
}

/* Command chaining: all but the last part carry CLA|10 and must be
 * answered 9000; the last part carries Le. */
static int
iso_send_chained(struct iso_card *c, uint8_t cla, uint8_t ins, uint8_t p1,
    uint8_t p2, const uint8_t *data, size_t len, size_t le,
    struct buf *resp, uint16_t *swp)
{
	struct buf *rest;
	size_t n;
	int r;

	*swp = 0;
	if ((rest = buf_from(data, len)) == NULL)
		return ERR_ALLOC;
	while (buf_len(rest) > ISO_SHORT_MAX) {
		if ((r = iso_send(c, cla | CLA_CHAIN, ins, p1, p2,
		    buf_ptr(rest), ISO_SHORT_MAX, 0, 0, resp, swp)) != 0 ||
		    (r = buf_consume(rest, ISO_SHORT_MAX)) != 0)
			goto out;
		if (*swp != ISO_SW_OK)
			goto out;	/* the caller maps the SW */
	}
	n = buf_len(rest);
	r = iso_send(c, cla, ins, p1, p2, n ? buf_ptr(rest) : NULL, n,
	    le > 256 ? 256 : le, 0, resp, swp);
 out:
	buf_free(rest);
	return r;
}

static int
iso_get_responses(struct iso_card *c, struct buf *resp, uint16_t *swp)
{
	int rounds = 0, r;

	while (SW1(*swp) == 0x61) {
		if (++rounds > ISO_GET_RESPONSE_MAX) {
			error("card keeps answering 61xx; giving up");
			return ERR_TOO_LARGE;
		}
		if ((r = iso_send(c, 0x00, INS_GET_RESP, 0, 0, NULL, 0,
		    SW2(*swp) == 0 ? 256 : SW2(*swp), 0, resp, swp)) != 0)
			return r;
	}
	return 0;
}

int
iso_transceive(struct iso_card *c, uint8_t cla, uint8_t ins, uint8_t p1,
    uint8_t p2, const uint8_t *data, size_t len, size_t le,
    struct buf *resp, uint16_t *swp)
{
	size_t start = buf_len(resp);
	int ext, r;

	*swp = 0;
	if (len > ISO_CMD_DATA_MAX || le > ISO_LE_MAX)
		return ERR_TOO_LARGE;
	ext = c->extended && (len > ISO_SHORT_MAX || le > 256) &&
	    (c->max_cmd == 0 || len <= c->max_cmd);
	if (ext || len <= ISO_SHORT_MAX)
		r = iso_send(c, cla, ins, p1, p2, data, len,
		    ext ? le : (le > 256 ? 256 : le), ext, resp, swp);
	else
		r = iso_send_chained(c, cla, ins, p1, p2, data, len, le,
		    resp, swp);
	/*
	 * Wrong Le: the card names the right one; ask once more.  Never
	 * for a command that expects no data (VERIFY): a card that checked
	 * the PIN and then said 6Cxx would count a second try.
	 */
	if (r == 0 && SW1(*swp) == 0x6c && le > 0 && !ext &&
	    len <= ISO_SHORT_MAX) {
		if ((r = buf_consume_end(resp, buf_len(resp) - start)) == 0)
			r = iso_send(c, cla, ins, p1, p2, data, len,
			    SW2(*swp) == 0 ? 256 : SW2(*swp), 0, resp, swp);
	}
	if (r == 0)
		r = iso_get_responses(c, resp, swp);
	c->sw = *swp;
	return r;
}

int
iso_cmd(struct iso_card *c, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t len, size_t le, struct buf *resp)
{
	uint16_t sw;
	int r;

	if ((r = iso_transceive(c, 0x00, ins, p1, p2, data, len, le, resp,
	    &sw)) != 0)
		return r;
	if ((r = iso_sw_err(sw)) != 0)
		debug("INS %02x P1 %02x P2 %02x: SW %04x (%s)", ins, p1, p2,
		    sw, iso_sw_str(sw));
	return r;
}

/* ---- ATR and historical bytes ---- */

int
iso_atr_historical(const uint8_t *atr, size_t len, struct buf *hist)
{
	struct buf *b;
	uint8_t t0, td, k, y;
	int r;

	if ((b = buf_from(atr, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_consume(b, 1)) != 0 ||	/* TS */
	    (r = buf_get_u8(b, &t0)) != 0)
		goto out;
	k = t0 & 0x0f;
	y = t0 >> 4;
	/* Interface bytes: TAi TBi TCi present per bit, TDi chains on. */
	for (;;) {
		if ((r = buf_consume(b, (y & 1) + (y >> 1 & 1) +
		    (y >> 2 & 1))) != 0)
			goto out;
		if ((y & 8) == 0)
			break;
		if ((r = buf_get_u8(b, &td)) != 0)
			goto out;
		y = td >> 4;
	}
	if (buf_len(b) < k) {
		r = ERR_TRUNCATED;
		goto out;
	}
	r = buf_put(hist, buf_ptr(b), k);
 out:
	buf_free(b);
	return r;
}

int
iso_hist_caps(const uint8_t *hist, size_t len, int *extendedp,
    int *chainingp)
{
	struct buf *b;
	uint8_t cat, tl, caps[3];
	int r;

	*extendedp = *chainingp = 0;
	if ((b = buf_from(hist, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &cat)) != 0)
		goto out;
	/* Category 00: compact TLVs, then a 3-byte status indicator;
	 * category 80: compact TLVs only.  Others say nothing we use. */
	if (cat == 0x00 && (r = buf_consume_end(b, 3)) != 0)
		goto out;
	if (cat != 0x00 && cat != 0x80)
		goto out;
	while (buf_len(b) > 0) {
		if ((r = buf_get_u8(b, &tl)) != 0)
			goto out;
		if ((tl >> 4) != 0x7 || (tl & 0x0f) != 3) {
			if ((r = buf_consume(b, tl & 0x0f)) != 0)
				goto out;
			continue;
		}
		/* Card capabilities: third byte 80 chaining, 40 ext. Lc/Le */
		if ((r = buf_get(b, caps, sizeof(caps))) != 0)
			goto out;
		*chainingp = (caps[2] & 0x80) != 0;
		*extendedp = (caps[2] & 0x40) != 0;
	}
 out:
	buf_free(b);
	return r;
}
