/*
 * The OpenPGP card application: select, application data, public keys,
 * PW1 and INTERNAL AUTHENTICATE for SSH signatures.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "log.h"
#include "openpgp.h"

#define PW1_AUTH	0x82	/* PW1 for everything but PSO:CDS */

static const uint8_t aid_openpgp[] = { 0xd2, 0x76, 0x00, 0x01, 0x24, 0x01 };
static const uint8_t slot_crt[PGP_SLOTS] = { 0xb6, 0xb8, 0xa4 };

void
pgp_card_init(struct pgp_card *card, iso_transmit_fn fn, void *arg)
{
	memset(card, 0, sizeof(*card));
	iso_card_init(&card->iso, fn, arg);
	card->info.pw1_tries = -1;
}

int
pgp_select(struct pgp_card *card)
{
	struct buf *resp;
	int r;

	card->have_info = 0;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	r = iso_select_aid(&card->iso, aid_openpgp, sizeof(aid_openpgp),
	    resp);
	buf_free(resp);
	return r;
}

int
pgp_read_info(struct pgp_card *card, const uint8_t *hist, size_t histlen,
    int t0)
{
	struct pgp_info *info = &card->info;
	struct buf *resp;
	int ext = 0, chain = 0, r;

	card->have_info = 0;
	/* The ATR's capabilities let 6E (often > 256 bytes) come in one
	 * extended APDU; 5F52 inside it has the last word. */
	if (hist != NULL && iso_hist_caps(hist, histlen, &ext, &chain) != 0)
		ext = chain = 0;
	card->iso.extended = ext && !t0;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = iso_get_data(&card->iso, 0x6e, resp)) != 0 ||
	    (r = pgp_parse_app_data(buf_ptr(resp), buf_len(resp),
	    info)) != 0)
		goto out;
	if (!info->extended && !info->chaining) {
		info->extended = ext;	/* no 5F52: trust the ATR */
		info->chaining = chain;
	}
	/* T=0 carries extended APDUs only through ENVELOPE: not used. */
	card->iso.extended = info->extended && !t0;
	card->iso.max_cmd = info->max_cmd;
	card->iso.max_resp = info->max_resp;
	card->have_info = 1;
	debug("card %s: OpenPGP %u.%u, extended length %s", info->ident,
	    info->version_major, info->version_minor,
	    card->iso.extended ? "yes" : "no");
 out:
	buf_free(resp);
	return r;
}

int
pgp_read_pubkey(struct pgp_card *card, enum pgp_slot slot,
    struct buf *blob)
{
	struct buf *resp;
	int r;

	if (!card->have_info || (unsigned)slot >= PGP_SLOTS)
		return ERR_ARGUMENT;
	if (card->info.algo[slot].type == PGP_ALGO_NONE)
		return ERR_NOT_FOUND;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = iso_read_pubkey(&card->iso, slot_crt[slot], resp)) == 0)
		r = pgp_pubkey_blob(&card->info.algo[slot], buf_ptr(resp),
		    buf_len(resp), blob);
	buf_free(resp);
	return r;
}

int
pgp_read_pw1_tries(struct pgp_card *card, int *triesp)
{
	struct buf *resp;
	struct pgp_info tmp;
	int r;

	*triesp = -1;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	memset(&tmp, 0, sizeof(tmp));
	if ((r = iso_get_data(&card->iso, 0xc4, resp)) == 0 &&
	    (r = pgp_parse_pwstatus(buf_ptr(resp), buf_len(resp),
	    &tmp)) == 0) {
		*triesp = tmp.pw1_tries;
		card->info.pw1_tries = tmp.pw1_tries;
	}
	buf_free(resp);
	return r;
}

int
pgp_read_uif(struct pgp_card *card, enum pgp_slot slot, int *uifp)
{
	struct buf *resp;
	uint8_t flag;
	int r;

	*uifp = -1;
	if ((unsigned)slot >= PGP_SLOTS)
		return ERR_ARGUMENT;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	r = iso_get_data(&card->iso, 0xd6 + slot, resp);
	if (r == 0 && (r = buf_get_u8(resp, &flag)) == 0) {
		*uifp = flag;
		card->info.uif[slot] = flag;
	}
	buf_free(resp);
	return r;
}

int
pgp_pw1_status(struct pgp_card *card, int *verifiedp, int *triesp)
{
	int r;

	*verifiedp = 0;
	*triesp = -1;
	r = iso_verify_status(&card->iso, PW1_AUTH, verifiedp, triesp);
	/* Older cards refuse the empty VERIFY: ask C4 instead. */
	if (r == 0 && (*verifiedp || *triesp >= 0))
		return 0;
	if (r != 0 && r != ERR_CARD && r != ERR_AUTH_REQUIRED)
		return r;
	*verifiedp = 0;
	return pgp_read_pw1_tries(card, triesp);
}

int
pgp_verify_pw1(struct pgp_card *card, const struct buf *pin)
{
	int r;

	if ((r = iso_verify(&card->iso, PW1_AUTH, pin)) != 0)
		debug("VERIFY 82 on %s: SW %04x", card->info.ident,
		    card->iso.sw);
	if ((card->iso.sw & 0xfff0) == 0x63c0)
		card->info.pw1_tries = card->iso.sw & 0x0f;
	return r;
}

static int
sig_blob(const struct pgp_algo *a, enum pgp_sig alg, const struct buf *s,
    struct buf *sigblob)
{
	switch (alg) {
	case PGP_SIG_ED25519:
		return pgp_ed25519_sig_blob(buf_ptr(s), buf_len(s), sigblob);
	case PGP_SIG_ECDSA_P256:
	case PGP_SIG_ECDSA_P384:
	case PGP_SIG_ECDSA_P521:
		return pgp_ecdsa_sig_blob(alg, buf_ptr(s), buf_len(s),
		    sigblob);
	default:
		return pgp_rsa_sig_blob(alg, buf_ptr(s), buf_len(s),
		    (a->bits + 7) / 8, sigblob);
	}
}

int
pgp_sign_auth(struct pgp_card *card, enum pgp_sig alg, const uint8_t *data,
    size_t len, struct buf *sigblob)
{
	const struct pgp_algo *a = &card->info.algo[PGP_SLOT_AUT];
	struct buf *in = NULL, *resp = NULL;
	int r;

	if (!card->have_info || (unsigned)alg >= PGP_SIG_COUNT)
		return ERR_ARGUMENT;
	if (!pgp_sig_fits(a, alg)) {
		error("card %s: its authentication key cannot make %s "
		    "signatures", card->info.ident, pgp_sig_name(alg));
		return ERR_ARGUMENT;
	}
	if ((in = buf_new()) == NULL || (resp = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = pgp_sig_input(alg, data, len, in)) != 0 ||
	    (r = iso_internal_auth(&card->iso, buf_ptr(in), buf_len(in),
	    resp)) != 0 ||
	    (r = sig_blob(a, alg, resp, sigblob)) != 0)
		goto out;
 out:
	buf_free(resp);
	buf_free(in);
	return r;
}
