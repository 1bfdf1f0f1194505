/*
 * The card layer: the OpenPGP response parsers (cardd/openpgp_parse.c),
 * the ISO 7816 exchange (status words, GET RESPONSE, 6Cxx, chaining in
 * cardd/iso7816.c) and common/tlv.  The first byte picks the target:
 * 0x00-0x7f a whole card session against a card whose every answer
 * (data and status word) is the next chunk of the input; 0x80-0xff the
 * pure parsers, each on a chunk of its own.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "iso7816.h"
#include "openpgp.h"
#include "tlv.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* The card: the next chunk is its answer; none left, it is gone. */
static int
card_transmit(void *arg, const struct buf *apdu, struct buf *resp)
{
	struct buf *in = arg;
	const uint8_t *p;
	size_t len;

	if (buf_len(in) == 0)
		return ERR_NO_CARD;
	fuzz_chunk(in, &p, &len);
	return buf_put(resp, p, len);
}

/* What cardd does with a card: probe it, then sign (with a VERIFY). */
static void
session(struct buf *in, uint8_t sel)
{
	static const uint8_t pin[] = "123456";
	struct pgp_card card;
	struct buf *hist, *blob, *pinb;
	const uint8_t *h;
	size_t hlen;
	int verified, tries;

	if ((blob = buf_new()) == NULL || (hist = buf_new()) == NULL ||
	    (pinb = buf_from(pin, sizeof(pin) - 1)) == NULL)
		return;
	fuzz_chunk(in, &h, &hlen);	/* the ATR */
	(void)iso_atr_historical(h, hlen, hist);
	pgp_card_init(&card, card_transmit, in);
	(void)pgp_select(&card);
	(void)pgp_read_info(&card, buf_ptr(hist), buf_len(hist), sel & 1);
	(void)pgp_read_pubkey(&card, (enum pgp_slot)((sel >> 1) % PGP_SLOTS),
	    blob);
	(void)pgp_pw1_status(&card, &verified, &tries);
	(void)pgp_read_pw1_tries(&card, &tries);
	(void)pgp_verify_pw1(&card, pinb);
	buf_reset(blob);
	(void)pgp_sign_auth(&card, (enum pgp_sig)((sel >> 3) % PGP_SIG_COUNT),
	    pin, sizeof(pin) - 1, blob);
	buf_free(pinb);
	buf_free(hist);
	buf_free(blob);
}

/* Every TLV, descending into constructed ones, as tlv_find() does. */
static void
tlv_walk(const uint8_t *p, size_t len, int depth)
{
	struct buf *b;
	struct tlv t;

	if (depth > 8 || (b = buf_from(p, len)) == NULL)
		return;
	while (buf_len(b) > 0 && tlv_get(b, &t) == 0)
		if (tlv_is_constructed(t.tag))
			tlv_walk(t.val, t.len, depth + 1);
	buf_free(b);
}

static void
parsers(struct buf *in, uint8_t sel)
{
	struct pgp_info info;
	struct pgp_algo algo;
	struct buf *out;
	struct tlv t;
	const uint8_t *p, *q;
	size_t len, qlen;
	int ext, chain;

	if ((out = buf_new()) == NULL)
		return;
	fuzz_chunk(in, &p, &len);
	switch (sel % 8) {
	case 0:
		(void)pgp_parse_app_data(p, len, &info);
		break;
	case 1:
		(void)pgp_parse_aid(p, len, &info);
		(void)pgp_parse_pwstatus(p, len, &info);
		break;
	case 2:
		/* an algorithm attribute, then a 7F49 for it */
		fuzz_chunk(in, &q, &qlen);
		if (pgp_parse_algo(p, len, &algo) == 0)
			(void)pgp_pubkey_blob(&algo, q, qlen, out);
		break;
	case 3:
		(void)iso_atr_historical(p, len, out);
		(void)iso_hist_caps(p, len, &ext, &chain);
		break;
	case 4:
		tlv_walk(p, len, 0);
		(void)tlv_find(p, len, 0x7f49, &t);
		break;
	case 5:
		(void)pgp_ecdsa_sig_blob((enum pgp_sig)((sel >> 3) % 4 + 1),
		    p, len, out);
		(void)pgp_ed25519_sig_blob(p, len, out);
		break;
	case 6:
		(void)pgp_rsa_sig_blob((enum pgp_sig)(PGP_SIG_RSA_SHA1 +
		    (sel >> 3) % 3), p, len, len > 0 ? len - (sel >> 6) : 0,
		    out);
		break;
	default:
		(void)iso_sw_err((uint16_t)(len > 1 ? p[0] << 8 | p[1] : 0));
		(void)iso_sw_str((uint16_t)(len > 1 ? p[0] << 8 | p[1] : 0));
		break;
	}
	buf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *in;
	uint8_t sel;

	if ((in = buf_from(data, size)) == NULL)
		return 0;
	sel = fuzz_u8(in);
	if (sel < 0x80)
		session(in, sel);
	else
		parsers(in, sel);
	buf_free(in);
	return 0;
}
