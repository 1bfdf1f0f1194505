/*
 * The OpenPGP card application (spec 3.4) as an SSH agent needs it:
 * select, application related data (6E) parsed once per session, the
 * authentication public key as an OpenSSH blob, PW1 (82) status and
 * VERIFY, and INTERNAL AUTHENTICATE producing a complete SSH signature
 * blob for the algorithm the caller names.  Caches nothing beyond the
 * parsed 6E of the current session: caching is the daemon's business.
 */
#ifndef CARDD_OPENPGP_H
#define CARDD_OPENPGP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "iso7816.h"

#define PGP_IDENT_LEN	13	/* "MMMM:SSSSSSSS" */

enum pgp_slot { PGP_SLOT_SIG = 0, PGP_SLOT_DEC, PGP_SLOT_AUT, PGP_SLOTS };

enum pgp_algo_type {
	PGP_ALGO_NONE = 0,	/* attribute absent */
	PGP_ALGO_RSA,
	PGP_ALGO_ECDSA,
	PGP_ALGO_EDDSA,
	PGP_ALGO_ECDH,
	PGP_ALGO_UNKNOWN,	/* well-formed, but nothing we can use */
};

enum pgp_curve {
	PGP_CURVE_NONE = 0,
	PGP_CURVE_P256,
	PGP_CURVE_P384,
	PGP_CURVE_P521,
	PGP_CURVE_ED25519,
	PGP_CURVE_CV25519,
	PGP_CURVE_UNKNOWN,
};

struct pgp_algo {
	enum pgp_algo_type	type;
	enum pgp_curve		curve;
	unsigned		bits;	/* RSA modulus or curve size */
};

/* What an SSH agent client asked for, stated explicitly. */
enum pgp_sig {
	PGP_SIG_ED25519 = 0,
	PGP_SIG_ECDSA_P256,	/* ecdsa-sha2-nistp256, SHA-256 */
	PGP_SIG_ECDSA_P384,	/* SHA-384 */
	PGP_SIG_ECDSA_P521,	/* SHA-512 */
	PGP_SIG_RSA_SHA1,	/* ssh-rsa */
	PGP_SIG_RSA_SHA256,	/* rsa-sha2-256 */
	PGP_SIG_RSA_SHA512,	/* rsa-sha2-512 */
	PGP_SIG_COUNT,
};

struct pgp_info {
	char		 ident[PGP_IDENT_LEN + 1];
	uint8_t		 aid[16];
	uint16_t	 manufacturer;
	uint32_t	 serial;
	uint8_t		 version_major, version_minor;
	uint8_t		 extcap;	/* first byte of C0 */
	int		 extended;	/* card announces extended Lc/Le */
	int		 chaining;
	size_t		 max_cmd, max_resp;	/* 7F66 (0: unknown) */
	struct pgp_algo	 algo[PGP_SLOTS];
	int		 key_present[PGP_SLOTS];	/* C5 non-zero */
	int		 pw1_tries;	/* C4; -1 unknown */
	int		 pw1_multi;	/* PW1 valid for several CDS */
	int		 uif[PGP_SLOTS];	/* D6-D8 first byte; -1 absent */
};

struct pgp_card {
	struct iso_card	 iso;
	struct pgp_info	 info;
	int		 have_info;
};

/* Data objects this module reads: tag, the constructed DO holding it
 * (0: read with GET DATA or a command), flags. */
#define PGP_DO_CONSTRUCTED	0x01
#define PGP_DO_GET_DATA		0x02	/* read on its own with GET DATA */
#define PGP_DO_REQUIRED		0x04	/* a card without it is refused */
struct pgp_do {
	uint32_t	 tag;
	uint32_t	 parent;
	unsigned	 flags;
	const char	*name;
};
extern const struct pgp_do pgp_do_table[];
extern const size_t pgp_do_count;
const struct pgp_do *pgp_do_find(uint32_t tag);

void	pgp_card_init(struct pgp_card *card, iso_transmit_fn fn, void *arg);
/* SELECT the application; forgets the parsed 6E. */
int	pgp_select(struct pgp_card *card);
/* GET DATA 6E, parsed into card->info; sets extended length on card->iso
 * (hist: ATR historical bytes, fallback when 5F52 is absent; may be
 * NULL).  t0: the connection uses T=0 (no extended APDUs). */
int	pgp_read_info(struct pgp_card *card, const uint8_t *hist,
	    size_t histlen, int t0);
int	pgp_read_pubkey(struct pgp_card *card, enum pgp_slot slot,
	    struct buf *blob);
/* Empty VERIFY 82; falls back to C4 when the card does not say. */
int	pgp_pw1_status(struct pgp_card *card, int *verifiedp, int *triesp);
int	pgp_read_pw1_tries(struct pgp_card *card, int *triesp);
/* GET DATA D6-D8 on its own: the slot's UIF byte; ERR_NOT_FOUND when
 * the card has none.  Updates info.uif. */
int	pgp_read_uif(struct pgp_card *card, enum pgp_slot slot, int *uifp);
int	pgp_verify_pw1(struct pgp_card *card, const struct buf *pin);
/* INTERNAL AUTHENTICATE with the auth key; sigblob gets the SSH
 * signature blob (string alg, string signature). */
int	pgp_sign_auth(struct pgp_card *card, enum pgp_sig alg,
	    const uint8_t *data, size_t len, struct buf *sigblob);

/* Pure helpers (exported for the daemon and the unit tests). */
int	pgp_parse_app_data(const uint8_t *data, size_t len,
	    struct pgp_info *info);
int	pgp_parse_aid(const uint8_t *aid, size_t len, struct pgp_info *info);
int	pgp_parse_algo(const uint8_t *attr, size_t len, struct pgp_algo *a);
int	pgp_parse_pwstatus(const uint8_t *c4, size_t len,
	    struct pgp_info *info);
/* 7F49 (the whole TLV) → OpenSSH public key blob. */
int	pgp_pubkey_blob(const struct pgp_algo *a, const uint8_t *data,
	    size_t len, struct buf *blob);
const char *pgp_sig_name(enum pgp_sig alg);
int	pgp_sig_from_name(const char *name, enum pgp_sig *algp);
/* Can a key of type a make signatures of kind alg? */
int	pgp_sig_fits(const struct pgp_algo *a, enum pgp_sig alg);
/* What INTERNAL AUTHENTICATE gets: the data (Ed25519), its hash (ECDSA)
 * or its DigestInfo (RSA). */
int	pgp_sig_input(enum pgp_sig alg, const uint8_t *data, size_t len,
	    struct buf *out);
int	pgp_digestinfo(enum pgp_sig alg, const uint8_t *data, size_t len,
	    struct buf *out);
int	pgp_ecdsa_sig_blob(enum pgp_sig alg, const uint8_t *rs, size_t len,
	    struct buf *out);
int	pgp_rsa_sig_blob(enum pgp_sig alg, const uint8_t *sig, size_t len,
	    size_t modlen, struct buf *out);
int	pgp_ed25519_sig_blob(const uint8_t *sig, size_t len,
	    struct buf *out);

#endif
