/*
 * Key commands: GENERATE ASYMMETRIC KEY PAIR, PSO:CDS, PSO:DECIPHER,
 * INTERNAL AUTHENTICATE and GET CHALLENGE.  The cryptography is keys.c.
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "err.h"
#include "log.h"
#include "openpgp.h"
#include "tlv.h"

#define SIG_COUNT_MAX	0xffffff

/* The control reference template naming the key: B6, B8 or A4. */
static int
crt_slot(const struct apdu *a, enum key_slot *slotp)
{
	struct buf *b;
	struct tlv t;
	int r;

	if ((b = buf_from(a->data, a->lc)) == NULL)
		return ERR_ALLOC;
	r = tlv_get(b, &t);
	buf_free(b);
	if (r != 0)
		return ERR_FORMAT;
	switch (t.tag) {
	case 0xb6:	*slotp = SLOT_SIG; return 0;
	case 0xb8:	*slotp = SLOT_DEC; return 0;
	case 0xa4:	*slotp = SLOT_AUT; return 0;
	default:	return ERR_FORMAT;
	}
}

static sw_t
generate(struct card *c, enum key_slot sn)
{
	struct slot *s = &c->st->slot[sn];
	struct card_key *key = NULL;
	int r;

	if (!c->pw3)
		return SW_SECURITY;
	if ((r = key_generate(s->type, &key)) != 0) {
		error_r(r, "key generation (%s)", key_type_name(s->type));
		return SW_UNKNOWN;
	}
	/* Fingerprint and time are the host's to write (C7.., CE..). */
	state_clear_slot(s);
	s->key = key;
	s->origin = 1;
	if (sn == SLOT_SIG)
		c->st->sig_count = 0;
	return card_persist(c);
}

sw_t
op_generate(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	enum key_slot sn;
	sw_t sw;

	if ((a->p1 != 0x80 && a->p1 != 0x81) || a->p2 != 0x00)
		return SW_WRONG_P1P2;
	if (a->lc == 0)
		return SW_WRONG_LENGTH;
	if (crt_slot(a, &sn) != 0)
		return SW_WRONG_DATA;
	if (a->p1 == 0x80 && (sw = generate(c, sn)) != SW_OK)
		return sw;
	if (c->st->slot[sn].key == NULL)
		return SW_NOT_FOUND;
	if (key_pubkey_do_put(c->st->slot[sn].key, out) != 0)
		return SW_UNKNOWN;
	return SW_OK;
}

static sw_t
crypto_sw(int r)
{
	switch (r) {
	case 0:			return SW_OK;
	case ERR_FORMAT:	return SW_WRONG_DATA;
	case ERR_TOO_LARGE:
	case ERR_TRUNCATED:	return SW_WRONG_LENGTH;
	default:		return SW_UNKNOWN;
	}
}

/* Checks common to the three private key operations. */
static sw_t
key_ready(struct card *c, const struct apdu *a, enum key_slot sn,
    int verified)
{
	if (!verified)
		return SW_SECURITY;
	if (c->st->slot[sn].key == NULL)
		return SW_NOT_FOUND;
	if (a->lc == 0)
		return SW_WRONG_LENGTH;
	return SW_OK;
}

static sw_t
pso_cds(struct card *c, const struct apdu *a, struct buf *out, int *touchp)
{
	struct slot *s = &c->st->slot[SLOT_SIG];
	sw_t sw;

	if ((sw = key_ready(c, a, SLOT_SIG, c->pw1_81)) != SW_OK)
		return sw;
	if ((sw = crypto_sw(key_sign(s->key, a->data, a->lc, out))) != SW_OK)
		return sw;
	if (c->st->sig_count < SIG_COUNT_MAX)
		c->st->sig_count++;
	if (c->st->pw1_mode == 0)	/* PW1 valid for one signature */
		c->pw1_81 = 0;
	*touchp = s->uif != 0;
	return card_persist(c);
}

static sw_t
pso_decipher(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	struct slot *s = &c->st->slot[SLOT_DEC];
	sw_t sw;

	if ((sw = key_ready(c, a, SLOT_DEC, c->pw1_82)) != SW_OK)
		return sw;
	if ((sw = crypto_sw(key_decipher(s->key, a->data, a->lc,
	    out))) != SW_OK)
		return sw;
	*touchp = s->uif != 0;
	return SW_OK;
}

sw_t
op_pso(struct card *c, const struct apdu *a, struct buf *out, int *touchp)
{
	if (a->p1 == 0x9e && a->p2 == 0x9a)
		return pso_cds(c, a, out, touchp);
	if (a->p1 == 0x80 && a->p2 == 0x86)
		return pso_decipher(c, a, out, touchp);
	return SW_WRONG_P1P2;
}

sw_t
op_internal_auth(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	struct slot *s = &c->st->slot[SLOT_AUT];
	sw_t sw;

	if (a->p1 != 0x00 || a->p2 != 0x00)
		return SW_WRONG_P1P2;
	if ((sw = key_ready(c, a, SLOT_AUT, c->pw1_82)) != SW_OK)
		return sw;
	if ((sw = crypto_sw(key_sign(s->key, a->data, a->lc, out))) != SW_OK)
		return sw;
	*touchp = s->uif != 0;
	return SW_OK;
}

sw_t
op_get_challenge(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	uint8_t *p;

	if (a->p1 != 0x00 || a->p2 != 0x00)
		return SW_WRONG_P1P2;
	if (a->ne == 0 || a->ne > 256 || a->lc != 0)
		return SW_WRONG_LENGTH;
	if (buf_reserve(out, a->ne, &p) != 0 ||
	    getrandom(p, a->ne, 0) != (ssize_t)a->ne)
		return SW_UNKNOWN;
	return SW_OK;
}
