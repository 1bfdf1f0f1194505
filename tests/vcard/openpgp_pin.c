/*
 * PIN commands: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER.
 * A retry counter is written to the state file before the card answers,
 * so pulling the card (or killing the process) never refunds a try.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "log.h"
#include "openpgp.h"

/* Same time for every mismatch position. */
static int
pin_equal(const struct pin *pin, const uint8_t *v, size_t len)
{
	uint8_t diff = 0;
	size_t i;

	if (len != pin->len)
		return 0;
	for (i = 0; i < len; i++)
		diff |= (uint8_t)(pin->val[i] ^ v[i]);
	return diff == 0;
}

static sw_t
pin_tries_sw(const struct pin *pin)
{
	return pin->tries == 0 ? SW_BLOCKED : (SW_WRONG_PIN | pin->tries);
}

/* Checks v against pin, counting down (and persisting) on a mismatch. */
static sw_t
pin_check(struct card *c, struct pin *pin, const uint8_t *v, size_t len)
{
	sw_t sw;

	if (pin->tries == 0)
		return SW_BLOCKED;
	if (!pin_equal(pin, v, len)) {
		pin->tries--;
		if ((sw = card_persist(c)) != SW_OK)
			return sw;
		return pin_tries_sw(pin);
	}
	if (pin->tries != PIN_TRIES) {
		pin->tries = PIN_TRIES;
		return card_persist(c);
	}
	return SW_OK;
}

static int
pw1_len_ok(size_t len)
{
	return len >= PW1_MINLEN && len <= PIN_MAXLEN;
}

static int
pw3_len_ok(size_t len)
{
	return len >= PW3_MINLEN && len <= PIN_MAXLEN;
}

sw_t
op_verify(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	struct pin *pin;
	int *flag;
	sw_t sw;

	switch (a->p2) {
	case 0x81:	pin = &c->st->pw1; flag = &c->pw1_81; break;
	case 0x82:	pin = &c->st->pw1; flag = &c->pw1_82; break;
	case 0x83:	pin = &c->st->pw3; flag = &c->pw3; break;
	default:	return SW_WRONG_P1P2;
	}
	if (a->p1 == 0xff) {		/* forget the verification */
		if (a->lc != 0)
			return SW_WRONG_LENGTH;
		*flag = 0;
		return SW_OK;
	}
	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (a->lc == 0)			/* status query, costs no try */
		return *flag ? SW_OK : pin_tries_sw(pin);
	*flag = 0;
	if ((sw = pin_check(c, pin, a->data, a->lc)) == SW_OK)
		*flag = 1;
	return sw;
}

/* Old PIN followed by the new one; the card knows the old length. */
sw_t
op_change(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	struct pin *pin;
	struct buf *b;
	size_t oldlen;
	int pw1;
	sw_t sw;

	if (a->p1 != 0x00 || (a->p2 != 0x81 && a->p2 != 0x83))
		return SW_WRONG_P1P2;
	pw1 = a->p2 == 0x81;
	pin = pw1 ? &c->st->pw1 : &c->st->pw3;
	oldlen = pin->len;
	if (a->lc <= oldlen)
		return pin_check(c, pin, a->data, a->lc);
	if ((sw = pin_check(c, pin, a->data, oldlen)) != SW_OK)
		return sw;
	if (pw1 ? !pw1_len_ok(a->lc - oldlen) : !pw3_len_ok(a->lc - oldlen))
		return SW_WRONG_DATA;
	if ((b = buf_from(a->data, a->lc)) == NULL ||
	    buf_consume(b, oldlen) != 0 ||
	    state_set_pin(pin, buf_ptr(b), buf_len(b)) != 0) {
		buf_free(b);
		return SW_UNKNOWN;
	}
	buf_free(b);
	return card_persist(c);
}

static sw_t
reset_with_rc(struct card *c, const struct apdu *a)
{
	struct pin *rc = &c->st->rc;
	struct buf *b;
	sw_t sw;

	if (rc->len == 0 || rc->tries == 0)
		return SW_BLOCKED;
	if (a->lc <= rc->len)
		return pin_check(c, rc, a->data, a->lc);
	if ((sw = pin_check(c, rc, a->data, rc->len)) != SW_OK)
		return sw;
	if (!pw1_len_ok(a->lc - rc->len))
		return SW_WRONG_DATA;
	if ((b = buf_from(a->data, a->lc)) == NULL ||
	    buf_consume(b, rc->len) != 0 ||
	    state_set_pin(&c->st->pw1, buf_ptr(b), buf_len(b)) != 0) {
		buf_free(b);
		return SW_UNKNOWN;
	}
	buf_free(b);
	return card_persist(c);
}

sw_t
op_reset_rc(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	if (a->p2 != 0x81)
		return SW_WRONG_P1P2;
	if (a->p1 == 0x00)
		return reset_with_rc(c, a);
	if (a->p1 != 0x02)
		return SW_WRONG_P1P2;
	if (!c->pw3)
		return SW_SECURITY;
	if (!pw1_len_ok(a->lc))
		return SW_WRONG_DATA;
	if (state_set_pin(&c->st->pw1, a->data, a->lc) != 0)
		return SW_UNKNOWN;
	return card_persist(c);
}
