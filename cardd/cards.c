/*
 * The card table: readers followed with a non-blocking status check,
 * cards probed once per insertion.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "err.h"
#include "log.h"

/*
 * One present card we have looked at, keyed by reader name and the
 * reader's event count: card is NULL when it is no OpenPGP card with an
 * authentication key, so it is not probed again until it changes.
 */
struct slot {
	char		*reader;
	unsigned	 events;
	struct card	*card;
};

struct cards {
	struct reader_ctx *ctx;
	struct slot	 slot[READER_MAX];
	size_t		 n;
	int		 dirty;		/* a probe failed: look again */
	const char *const *ignore;	/* reader globs left alone */
};

static void
card_free(struct card *card)
{
	if (card == NULL)
		return;
	if (card->in_tx)
		reader_end(card->conn);
	reader_disconnect(card->conn, 0);
	buf_free(card->hist);
	buf_free(card->blob);
	buf_free(card->cons);
	free(card->reader);
	freezero(card, sizeof(*card));
}

static void
slot_clear(struct slot *s)
{
	card_free(s->card);
	free(s->reader);
	memset(s, 0, sizeof(*s));
}

int
cards_new(struct cards **cardsp, const char *const *ignore)
{
	struct cards *cards;

	*cardsp = NULL;
	if ((cards = calloc(1, sizeof(*cards))) == NULL)
		return ERR_ALLOC;
	/* No context yet: cards_refresh() establishes it (and again
	 * whenever pcscd went away), so cardd survives pcscd restarts. */
	cards->dirty = 1;
	cards->ignore = ignore;
	*cardsp = cards;
	return 0;
}

/* Forget every card and the PC/SC context (pcscd went away). */
static void
cards_clear(struct cards *cards)
{
	size_t i;

	for (i = 0; i < cards->n; i++)
		slot_clear(&cards->slot[i]);
	cards->n = 0;
	reader_ctx_free(cards->ctx);
	cards->ctx = NULL;
}

void
cards_free(struct cards *cards)
{
	if (cards == NULL)
		return;
	cards_clear(cards);
	free(cards);
}

/* Select, read 6E again and check it is still the same card. */
static int
card_select(struct card *card)
{
	char ident[sizeof(card->pgp.info.ident)];
	int r;

	memcpy(ident, card->pgp.info.ident, sizeof(ident));
	if ((r = pgp_select(&card->pgp)) != 0 ||
	    (r = pgp_read_info(&card->pgp, buf_ptr(card->hist),
	    buf_len(card->hist),
	    reader_protocol(card->conn) == READER_PROTO_T0)) != 0)
		return r;
	if (ident[0] != '\0' && strcmp(ident, card->pgp.info.ident) != 0) {
		error("%s: card changed from %s to %s", card->reader, ident,
		    card->pgp.info.ident);
		return ERR_NO_CARD;
	}
	card->reselect = 0;
	card->tries_fresh = 1;
	return 0;
}

int
card_begin(struct card *card)
{
	int reset, r;

	/* a probe in this request kept its transaction: nothing else
	 * reached the card since it read 6E */
	if (card->held) {
		card->held = 0;
		return 0;
	}
	if ((r = reader_begin(card->conn, &reset)) != 0)
		return r;
	card->in_tx = 1;
	card->tries_fresh = 0;
	if (reset) {
		verbose("card %s was reset by another program",
		    card->pgp.info.ident);
		card->verified = 0;
		card->reselect = 1;
	}
	if (card->reselect && (r = card_select(card)) != 0) {
		card_end(card);
		return r;
	}
	return 0;
}

void
card_end(struct card *card)
{
	if (card->in_tx)
		reader_end(card->conn);
	card->in_tx = 0;
	card->held = 0;
	card->tries_fresh = 0;
}

int
card_recover(struct card *card)
{
	verbose("card %s was reset by another program",
	    card->pgp.info.ident);
	card->in_tx = 0;
	card->held = 0;
	card->tries_fresh = 0;
	card->verified = 0;
	card->reselect = 1;
	return reader_reconnect(card->conn);
}

int
card_unverify(struct card *card)
{
	struct buf *resp;
	uint16_t sw;
	int r;

	card->verified = 0;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = card_begin(card)) == 0) {
		/* VERIFY P1=FF: reset the access status (spec 3.4, 7.2.2). */
		r = iso_transceive(&card->pgp.iso, 0x00, 0x20, 0xff, 0x82,
		    NULL, 0, 0, resp, &sw);
		card_end(card);
		if (r == 0 && sw != ISO_SW_OK)
			debug("card %s: VERIFY FF answers %04x",
			    card->pgp.info.ident, sw);
	}
	buf_free(resp);
	return r;
}

/* Connect, read the ATR's historical bytes, select, read 6E and the
 * authentication key.  ERR_UNSUPPORTED: not a card for us.  The
 * transaction stays open until cards_release(): a VERIFY in the same
 * request can trust the retry counter 6E had (C4). */
static int
card_probe_read(struct card *card)
{
	struct buf *atr;
	const struct pgp_info *info = &card->pgp.info;
	int r;

	if ((atr = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = reader_conn_atr(card->conn, atr)) != 0 ||
	    (r = iso_atr_historical(buf_ptr(atr), buf_len(atr),
	    card->hist)) != 0)
		goto out;
	if ((r = card_begin(card)) != 0)
		goto out;
	if ((r = card_select(card)) == 0) {
		if (!info->key_present[PGP_SLOT_AUT] ||
		    info->algo[PGP_SLOT_AUT].type == PGP_ALGO_NONE)
			r = ERR_NOT_FOUND;
		else
			r = pgp_read_pubkey(&card->pgp, PGP_SLOT_AUT,
			    card->blob);
	}
	if (r == 0)
		card->held = 1;
	else
		card_end(card);
 out:
	buf_free(atr);
	return r;
}

/* Errors worth another look at the next request (PC/SC trouble). */
static int
transient(int r)
{
	return r == ERR_ALLOC || r == ERR_PCSC || r == ERR_NO_CARD ||
	    r == ERR_CARD_RESET || r == ERR_TIMEOUT;
}

static int
card_probe(struct cards *cards, size_t i, struct card **cardp)
{
	struct card *card;
	const char *name = reader_name(cards->ctx, i);
	int r;

	*cardp = NULL;
	if ((card = calloc(1, sizeof(*card))) == NULL)
		return ERR_ALLOC;
	if ((card->reader = strdup(name)) == NULL ||
	    (card->hist = buf_new()) == NULL ||
	    (card->blob = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = reader_connect(cards->ctx, name, &card->conn)) != 0)
		goto out;
	pgp_card_init(&card->pgp, reader_transmit, card->conn);
	if ((r = card_probe_read(card)) != 0)
		goto out;
	/* Two cards may share an ident (same serial): both are listed and
	 * sign by key, but serve.c uses no stored PIN on either. */
	if (cards_ident_count(cards, card->pgp.info.ident) > 0)
		error("%s: card %s is already present in another reader: the "
		    "stored PIN is not used for either card while both are "
		    "present", name, card->pgp.info.ident);
	info("card %s in %s%s", card->pgp.info.ident, name,
	    card->pgp.info.uif[PGP_SLOT_AUT] > 0 ? ", touch required" : "");
	*cardp = card;
	card = NULL;
 out:
	if (r != 0 && !transient(r)) {
		verbose("%s: %s card skipped (%s)", name,
		    r == ERR_NOT_FOUND ? "OpenPGP card without authentication "
		    "key:" : "no OpenPGP", err_str(r));
		r = ERR_UNSUPPORTED;
	}
	card_free(card);
	return r;
}

/* Drop slots whose reader vanished, was emptied or changed card. */
static void
cards_sweep(struct cards *cards)
{
	struct slot *s;
	size_t i, j;
	int k;

	for (i = j = 0; i < cards->n; i++) {
		s = &cards->slot[i];
		k = reader_find(cards->ctx, s->reader);
		if (k < 0 || !reader_present(cards->ctx, (size_t)k) ||
		    reader_events(cards->ctx, (size_t)k) != s->events) {
			if (s->card != NULL)
				info("card %s gone from %s",
				    s->card->pgp.info.ident, s->reader);
			slot_clear(s);
			continue;
		}
		if (i != j) {
			cards->slot[j] = *s;
			memset(s, 0, sizeof(*s));
		}
		j++;
	}
	cards->n = j;
}

static int
slot_known(const struct cards *cards, const char *reader)
{
	size_t i;

	for (i = 0; i < cards->n; i++)
		if (strcmp(cards->slot[i].reader, reader) == 0)
			return 1;
	return 0;
}

/* Probe present readers we have no slot for. */
static void
cards_probe_new(struct cards *cards)
{
	struct slot *s;
	struct card *card;
	size_t i;
	int r;

	for (i = 0; i < reader_count(cards->ctx); i++) {
		if (!reader_present(cards->ctx, i) ||
		    slot_known(cards, reader_name(cards->ctx, i)) ||
		    cards->n == READER_MAX)
			continue;
		if ((r = card_probe(cards, i, &card)) != 0 &&
		    r != ERR_UNSUPPORTED) {
			verbose("%s: %s; trying again at the next request",
			    reader_name(cards->ctx, i), err_str(r));
			cards->dirty = 1;
			continue;
		}
		s = &cards->slot[cards->n];
		if ((s->reader = strdup(reader_name(cards->ctx, i))) == NULL) {
			card_free(card);
			cards->dirty = 1;
			continue;
		}
		s->events = reader_events(cards->ctx, i);
		s->card = card;
		if (card != NULL)
			card->events = s->events;
		cards->n++;
	}
}

int
cards_connect(struct cards *cards)
{
	int r;

	if (cards->ctx != NULL)
		return 0;
	if ((r = reader_ctx_new(&cards->ctx, cards->ignore)) != 0) {
		error_r(r, "cannot reach pcscd");
		return r;
	}
	cards->dirty = 1;
	return 0;
}

/* Establishes the context if needed, then one non-blocking status. */
static int
cards_poll(struct cards *cards)
{
	int r;

	if ((r = cards_connect(cards)) != 0)
		return r;
	return reader_wait(cards->ctx, 0, NULL);
}

int
cards_refresh(struct cards *cards)
{
	int r;

	if ((r = cards_poll(cards)) != 0 && r != ERR_TIMEOUT &&
	    cards->ctx != NULL) {
		/* pcscd restarted: the old context is dead for good. */
		error_r(r, "reader status; connecting to pcscd again");
		cards_clear(cards);
		r = cards_poll(cards);
	}
	if (r != 0 && r != ERR_TIMEOUT)
		return r;
	if (r == ERR_TIMEOUT && !cards->dirty)
		return 0;
	cards->dirty = 0;
	cards_sweep(cards);
	cards_probe_new(cards);
	return 0;
}

size_t
cards_count(const struct cards *cards)
{
	size_t i, n = 0;

	for (i = 0; i < cards->n; i++)
		if (cards->slot[i].card != NULL)
			n++;
	return n;
}

size_t
cards_reader_count(const struct cards *cards)
{
	return cards->ctx != NULL ? reader_count(cards->ctx) : 0;
}

const char *
cards_reader_name(const struct cards *cards, size_t i)
{
	return cards->ctx != NULL ? reader_name(cards->ctx, i) : NULL;
}

/* The i-th card (0 <= i < cards_count()), in reader order. */
struct card *
cards_get(struct cards *cards, size_t i)
{
	size_t k;

	for (k = 0; k < cards->n; k++) {
		if (cards->slot[k].card == NULL)
			continue;
		if (i-- == 0)
			return cards->slot[k].card;
	}
	return NULL;
}

struct card *
cards_by_blob(struct cards *cards, const uint8_t *blob, size_t len)
{
	struct card *c;
	size_t i;

	for (i = 0; i < cards->n; i++) {
		if ((c = cards->slot[i].card) != NULL &&
		    buf_len(c->blob) == len &&
		    memcmp(buf_ptr(c->blob), blob, len) == 0)
			return c;
	}
	return NULL;
}

/* How many present cards are called ident (more than one: same serial). */
size_t
cards_ident_count(const struct cards *cards, const char *ident)
{
	size_t i, n = 0;

	for (i = 0; i < cards->n; i++)
		if (cards->slot[i].card != NULL &&
		    strcmp(cards->slot[i].card->pgp.info.ident, ident) == 0)
			n++;
	return n;
}

struct card *
cards_by_ident(struct cards *cards, const char *ident)
{
	size_t i;

	for (i = 0; i < cards->n; i++) {
		if (cards->slot[i].card != NULL &&
		    strcmp(cards->slot[i].card->pgp.info.ident, ident) == 0)
			return cards->slot[i].card;
	}
	return NULL;
}

void
cards_release(struct cards *cards)
{
	size_t i;

	for (i = 0; i < cards->n; i++)
		if (cards->slot[i].card != NULL && cards->slot[i].card->held)
			card_end(cards->slot[i].card);
}

void
cards_drop(struct cards *cards, struct card *card)
{
	size_t i;

	for (i = 0; i < cards->n; i++) {
		if (cards->slot[i].card != card)
			continue;
		info("card %s dropped", card->pgp.info.ident);
		slot_clear(&cards->slot[i]);
		/* Keep reader order for LIST. */
		memmove(&cards->slot[i], &cards->slot[i + 1],
		    (cards->n - i - 1) * sizeof(cards->slot[0]));
		cards->n--;
		memset(&cards->slot[cards->n], 0, sizeof(cards->slot[0]));
		cards->dirty = 1;
		return;
	}
}
