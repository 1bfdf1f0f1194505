/*
 * cardd's card table: the OpenPGP cards present right now, each with its
 * shared connection, parsed application data (6E), the authentication
 * key blob (read once per insertion) and whether PW1 (82) is verified.
 * cards_refresh() asks pcscd for reader changes without any APDU, so a
 * steady-state listing costs two round trips to pcscd and nothing on the
 * card; a steady-state signature skips even those (serve.c, sign_fast).
 */
#ifndef CARDD_CARDS_H
#define CARDD_CARDS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "openpgp.h"
#include "reader.h"

struct card {
	char		*reader;
	unsigned	 events;	/* reader's event count when probed */
	struct reader_conn *conn;
	struct pgp_card	 pgp;
	struct buf	*hist;		/* ATR historical bytes */
	struct buf	*blob;		/* authentication key, OpenSSH blob */
	int		 verified;	/* PW1 (82) verified, as we believe */
	struct buf	*cons;		/* enrolment's constraints, if known */
	int		 reselect;	/* card reset: select again first */
	int		 in_tx;
	int		 held;		/* the probe's transaction, kept */
	int		 tries_fresh;	/* pw1_tries is from 6E read in this
					 * transaction, no VERIFY since */
};

struct cards;

/* ignore: globs of reader names to leave alone (cardd -x), or NULL. */
int	cards_new(struct cards **cardsp, const char *const *ignore);
void	cards_free(struct cards *cards);

/* Establish the PC/SC context now (cards_refresh() does it too). */
int	cards_connect(struct cards *cards);
/* Follows reader changes: drops removed cards, probes new ones. */
int	cards_refresh(struct cards *cards);
/* Ends the transactions probes kept open; after every agent request. */
void	cards_release(struct cards *cards);
size_t	cards_count(const struct cards *cards);
/* Readers pcscd lists (with or without a card), as of the last refresh. */
size_t	cards_reader_count(const struct cards *cards);
const char *cards_reader_name(const struct cards *cards, size_t i);
struct card *cards_get(struct cards *cards, size_t i);
struct card *cards_by_blob(struct cards *cards, const uint8_t *blob,
	    size_t len);
struct card *cards_by_ident(struct cards *cards, const char *ident);
/* More than one: cards with the same serial (no stored PIN is used). */
size_t	cards_ident_count(const struct cards *cards, const char *ident);
/* The card went away or broke: forget it, probe its reader again. */
void	cards_drop(struct cards *cards, struct card *card);

/*
 * A transaction for multi-APDU work.  If the card was reset by another
 * user the application is selected again and verified is cleared.
 */
int	card_begin(struct card *card);
void	card_end(struct card *card);
/* After ERR_CARD_RESET inside a transaction: reconnect, forget PW1. */
int	card_recover(struct card *card);
/* Drop the card's PW1 verification (VERIFY P1=FF), own transaction. */
int	card_unverify(struct card *card);

#endif
