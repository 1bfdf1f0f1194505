/*
 * The virtual card's persistent state: identity, PINs and their retry
 * counters, the three key slots and the data objects a host may write.
 * Kept in a small text file, rewritten atomically after every change.
 */
#ifndef VCARD_STATE_H
#define VCARD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keys.h"

#define PIN_MAXLEN	127	/* announced in C4 */
#define PIN_TRIES	3	/* retry counter after a right PIN */
#define PW1_MINLEN	6
#define PW3_MINLEN	8
#define RC_MINLEN	8

/* The data objects kept verbatim (index into state.dos[]). */
enum stored_do {
	SDO_NAME = 0,	/* 5B */
	SDO_LANG,	/* 5F2D */
	SDO_SEX,	/* 5F35 */
	SDO_URL,	/* 5F50 */
	SDO_LOGIN,	/* 5E */
	SDO_PRIV1,	/* 0101 .. 0104 */
	SDO_PRIV2,
	SDO_PRIV3,
	SDO_PRIV4,
	SDO_CERT,	/* 7F21 */
	SDO_COUNT
};

struct pin {
	char	 val[PIN_MAXLEN + 1];
	size_t	 len;		/* 0: not set (resetting code only) */
	uint8_t	 tries;
};

struct slot {
	enum key_type	 type;		/* algorithm attributes */
	struct card_key	*key;		/* NULL: no key */
	uint8_t		 fpr[20];
	uint8_t		 cafpr[20];
	uint32_t	 time;
	uint8_t		 uif;		/* 0 off, 1 on, 2 permanent */
	uint8_t		 origin;	/* 0 none, 1 generated, 2 imported */
};

struct card_state {
	char		*path;
	uint16_t	 manufacturer;
	uint32_t	 serial;
	int		 extended;	/* announce extended Lc/Le */
	struct pin	 pw1, pw3, rc;
	uint8_t		 pw1_mode;	/* C4 byte 0: 01 = PW1 (81) stays */
	uint32_t	 sig_count;
	struct slot	 slot[3];
	struct buf	*dos[SDO_COUNT];
};

int	state_new(const char *path, struct card_state **stp);
int	state_load(const char *path, struct card_state **stp);
int	state_save(const struct card_state *st);
void	state_free(struct card_state *st);

int	state_set_pin(struct pin *pin, const void *val, size_t len);
/* Drops a slot's key and everything describing it. */
void	state_clear_slot(struct slot *s);
/* "0000:01234567" */
void	state_ident(const struct card_state *st, char *out, size_t outlen);
int	state_slot_from_name(const char *name, enum key_slot *slotp);

#endif
