/*
 * The status report (doc/PROTOCOL.agent-ext): what the agent knows about
 * readers and cards, as cardd builds it, the agent checks and forwards,
 * and `cardagent status` prints.  One encoder and one decoder for all of
 * them; the decoder takes untrusted bytes and parses them exactly.
 */
#ifndef CARDAGENT_STATUS_H
#define CARDAGENT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STATUS_EXTENSION	"status@cardagent"	/* its agent request */
#define STATUS_VERSION		1
#define STATUS_MSG_MAX		(128 * 1024)	/* whole report */
#define STATUS_READERS_MAX	64
#define STATUS_CARDS_MAX	64
#define STATUS_CERTS_MAX	16	/* per card */
#define STATUS_NAME_MAX		255	/* reader name, card ident */
#define STATUS_BLOB_MAX		(16 * 1024)	/* key or certificate */

/* Where the card's User PIN is kept, as pinstore sees it. */
enum status_pin {
	STATUS_PIN_NONE = 0,
	STATUS_PIN_FILE = 1,
	STATUS_PIN_MEMORY = 2,	/* expires after expires_in seconds */
	STATUS_PIN_INVALID = 3,	/* persisted, refused by the card */
	STATUS_PIN_UNKNOWN = 4,	/* pinstore did not answer */
	STATUS_PIN_SECRET = 5,	/* in the Secret Service */
};

#define STATUS_TRIES_UNKNOWN	0xff	/* PW1 counter could not be read */
#define STATUS_UIF_ABSENT	0xfe	/* the card has no UIF (D8) */
#define STATUS_UIF_UNKNOWN	0xff	/* D8 could not be read */

struct status_card {
	char		*ident;
	char		*reader;
	struct buf	*blob;		/* authentication key, never empty */
	uint8_t		 pin;		/* enum status_pin */
	uint32_t	 expires_in;	/* seconds; 0 unless memory */
	uint8_t		 tries;		/* PW1 tries left */
	uint8_t		 uif;		/* first byte of D8 */
	size_t		 ncerts;
	struct buf	*certs[STATUS_CERTS_MAX];
};

struct status {
	size_t		 nreaders;
	char		*readers[STATUS_READERS_MAX];
	size_t		 ncards;
	struct status_card cards[STATUS_CARDS_MAX];
};

struct status	*status_new(void);
void		 status_free(struct status *st);
/* Appends a reader or a card (strings and blob copied). */
int	status_add_reader(struct status *st, const char *name);
int	status_add_card(struct status *st, const struct status_card *card);

/* The report, versioned, appended to out. */
int	status_put(struct buf *out, const struct status *st);
/* Parse exactly len bytes; 0 and *stp (free with status_free()). */
int	status_parse(const uint8_t *data, size_t len, struct status **stp);

/* Names for the printed report. */
const char *status_pin_name(uint8_t pin);	/* "none", "file", ... */
/* "off", "on", "permanent", "cached", "permanent-cached", "absent",
 * "unknown"; NULL for a value the spec does not define. */
const char *status_uif_name(uint8_t uif);

#endif
