/*
 * STATUS from the agent (doc/PROTOCOL.privsep section 6): every reader
 * and every card, with the PW1 counter (C4) and the authentication key's
 * touch policy (D8) read afresh with GET DATA (status is rare, and a
 * cached value could be stale after another program used the card), and
 * where pinstore keeps the PIN.  Nothing here sends a VERIFY.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "cardd.h"
#include "cards.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "status.h"

/* C4 and D8 in one transaction; a field that fails stays unknown. */
static int
read_counters(struct card *card, uint8_t *triesp, uint8_t *uifp)
{
	int tries, uif, r;

	*triesp = STATUS_TRIES_UNKNOWN;
	*uifp = STATUS_UIF_UNKNOWN;
	if ((r = card_begin(card)) != 0)
		return r;
	if ((r = pgp_read_pw1_tries(&card->pgp, &tries)) == 0 &&
	    tries >= 0 && tries <= 127)
		*triesp = (uint8_t)tries;
	if (r == 0 || r == ERR_CARD) {
		r = pgp_read_uif(&card->pgp, PGP_SLOT_AUT, &uif);
		if (r == 0)
			*uifp = (uint8_t)uif;
		else if (r == ERR_NOT_FOUND)
			*uifp = STATUS_UIF_ABSENT;
		if (r == ERR_NOT_FOUND || r == ERR_CARD)
			r = 0;	/* a card without them still has a status */
	}
	card_end(card);
	return r;
}

/* One card's entry.  ERR_NO_CARD: it left, and the table with it. */
static int
card_status(struct cardd *d, struct card *card, struct status *st)
{
	struct status_card sc;
	int r;

	memset(&sc, 0, sizeof(sc));
	if ((r = read_counters(card, &sc.tries, &sc.uif)) == ERR_CARD_RESET &&
	    (r = card_recover(card)) == 0)
		r = read_counters(card, &sc.tries, &sc.uif);
	if (r == ERR_NO_CARD) {
		cards_drop(d->cards, card);
		return r;
	}
	if (r != 0)
		error_r(r, "card %s: cannot read its status",
		    card->pgp.info.ident);
	if (pin_status(d, card->pgp.info.ident, &sc.pin,
	    &sc.expires_in, NULL) != 0) {
		sc.pin = STATUS_PIN_UNKNOWN;
		sc.expires_in = 0;
	}
	sc.ident = card->pgp.info.ident;
	sc.reader = card->reader;
	sc.blob = card->blob;
	return status_add_card(st, &sc);
}

static int
collect(struct cardd *d, struct status *st)
{
	const char *name;
	size_t i;
	int r;

	if ((r = cards_refresh(d->cards)) != 0) {
		debug_r(r, "no reader list");
		return 0;	/* no pcscd: no readers, no cards */
	}
	for (i = 0; i < cards_reader_count(d->cards); i++)
		if ((name = cards_reader_name(d->cards, i)) != NULL &&
		    (r = status_add_reader(st, name)) != 0)
			return r;
	for (i = 0; i < cards_count(d->cards);) {
		r = card_status(d, cards_get(d->cards, i), st);
		if (r == ERR_NO_CARD)
			continue;	/* dropped: the next card moved to i */
		if (r != 0)
			return r;
		i++;
	}
	return 0;
}

int
serve_status(struct cardd *d, uint32_t id)
{
	struct status *st;
	struct buf *b = NULL;
	int r;

	if ((st = status_new()) == NULL || (b = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = collect(d, st)) != 0 || (r = status_put(b, st)) != 0) {
		/* too many readers or certificates for one report */
		error_r(r, "status report");
		r = serve_fail(d, id, AC_R_CARD);
		goto out;
	}
	r = privsep_queue(d->agent, AC_STATUS_REPLY, id, b);
 out:
	status_free(st);
	buf_free(b);
	return r;
}
