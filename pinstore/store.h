/*
 * The PIN store file: one versioned text file of the user's persisted
 * card PINs, read on every request and replaced atomically on every
 * change.  Format (each line ends with a newline, fields split by one
 * tab, nothing else allowed):
 *
 *	cardagent-pins 2
 *	IDENT	valid|invalid	PIN as lower-case hex	CONSTRAINTS
 *
 * CONSTRAINTS is "-" for none, else the enrolment's constraint blob
 * (common/constraint.h) as lower-case hex, checked like every blob.
 * Version 1 files (the same without the last field) are still read; a
 * store with no constraints at all is written as version 1, so an older
 * cardagent can still read it.
 *
 * IDENT is the card ident, 4 upper-case hex digits, ':', 8 upper-case
 * hex digits (0000:01234567).  A PIN is 6 to 127 bytes: the OpenPGP
 * card's PW1 range (6 is the spec's minimum, 127 the largest length its
 * PW status bytes can announce).  The file and its directory must be
 * ours and closed to group and others.  A file that breaks any rule is
 * reported, naming it, and never overwritten.
 */
#ifndef CARDAGENT_PINSTORE_STORE_H
#define CARDAGENT_PINSTORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "constraint.h"

#define STORE_MAGIC_V1		"cardagent-pins 1"
#define STORE_MAGIC		"cardagent-pins 2"
#define STORE_IDENT_LEN		13	/* 0000:01234567 */
#define STORE_PIN_MIN		6
#define STORE_PIN_MAX		127
#define STORE_MAX_RECORDS	256
/* every record at its longest: PIN and constraints in hex */
#define STORE_MAX_FILE		(STORE_MAX_RECORDS * \
				 (32 + 2 * STORE_PIN_MAX + 2 * CONS_MAX))
#define STORE_ERRMSG_LEN	512

struct buf;
struct store;

/* One record as parsed; pin is owned and wiped on release. */
struct store_rec {
	char		 ident[STORE_IDENT_LEN + 1];
	int		 valid;
	struct buf	*pin;
	struct buf	*cons;		/* NULL or empty: none */
};

/* All records of a file; store_recs_free wipes every PIN. */
struct store_recs {
	struct store_rec rec[STORE_MAX_RECORDS];
	size_t		 n;
};

/* Non-zero when ident has the card ident syntax (upper-case hex). */
int	store_ident_ok(const char *ident, size_t len);
/* The CONSTRAINTS field up to delim (consumed) into *consp, a checked
 * blob or NULL for "-"; ERR_FORMAT if it is neither.  The Secret Service
 * backend keeps the same text in an attribute. */
int	store_cons_parse(struct buf *b, uint8_t delim, struct buf **consp);
/* cons (NULL or empty: none) as that field, without delimiter. */
int	store_cons_put(struct buf *out, const struct buf *cons);

/* $XDG_DATA_HOME/cardagent/pins, else $HOME/.local/share/cardagent/pins. */
int	store_default_path(char **pathp);

/* A store at path (the file need not exist); uid is the required owner. */
int	store_new(const char *path, uid_t uid, struct store **storep);
void	store_free(struct store *store);
const char *store_path(const struct store *store);
/* Why the last call failed, naming the file; never contains a PIN. */
const char *store_errmsg(const struct store *store);

/* Parse file contents; errmsg (may be NULL) gets the line and reason. */
int	store_parse(struct buf *contents, struct store_recs *recs,
	    char *errmsg, size_t errlen);
int	store_serialise(const struct store_recs *recs, struct buf *out);

struct store_recs *store_recs_new(void);
void	store_recs_free(struct store_recs *recs);
/* Index of ident in recs, or -1. */
int	store_recs_find(const struct store_recs *recs, const char *ident);
int	store_recs_remove(struct store_recs *recs, const char *ident);

/*
 * Load every record: an absent file (or directory) is an empty store.
 * Refuses a file or directory that is not ours or is open to others.
 */
int	store_load(struct store *store, struct store_recs **recsp);
/* Replace the file atomically with recs, creating the directory. */
int	store_save(struct store *store, const struct store_recs *recs);

#endif
