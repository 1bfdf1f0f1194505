/*
 * The virtual card's key material: generation, the public key data
 * object, signing and deciphering as an OpenPGP card does them, and
 * serialisation for the card's state file.  Built on OpenSSL 3 EVP.
 */
#ifndef VCARD_KEYS_H
#define VCARD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum key_type {
	KEY_NONE = 0,
	KEY_RSA2048,
	KEY_RSA3072,
	KEY_RSA4096,
	KEY_P256,
	KEY_P384,
	KEY_P521,
	KEY_ED25519,	/* EdDSA: signature and authentication slots */
	KEY_X25519,	/* ECDH cv25519: decryption slot */
	KEY_ECDH_P256,	/* ECDH on NIST curves: decryption slot (algo 18) */
	KEY_ECDH_P384,
	KEY_ECDH_P521,
};

enum key_slot {
	SLOT_SIG = 0,	/* C1, C7, CE, D6; PSO:CDS */
	SLOT_DEC = 1,	/* C2, C8, CF, D7; PSO:DECIPHER */
	SLOT_AUT = 2,	/* C3, C9, D0, D8; INTERNAL AUTHENTICATE */
};

struct card_key;

/* Names as on the command line: rsa2048 rsa3072 rsa4096 p256 p384 p521
 * ed25519 x25519.  "ed25519" asked for the decryption slot means x25519,
 * and p256/p384/p521 there mean the ECDH types. */
int		 key_type_from_name(const char *name, enum key_slot slot,
		    enum key_type *typep);
const char	*key_type_name(enum key_type type);
/* 0 if a key of this type may live in the slot, else ERR_ARGUMENT. */
int		 key_type_check_slot(enum key_type type, enum key_slot slot);

/* Algorithm attributes (value of C1/C2/C3), and back (PUT DATA). */
int	key_algo_attr_put(enum key_type type, struct buf *out);
int	key_algo_attr_parse(const uint8_t *attr, size_t len,
	    enum key_type *typep);

int	key_generate(enum key_type type, struct card_key **keyp);
void	key_free(struct card_key *key);
enum key_type key_get_type(const struct card_key *key);

/* The complete 7F49 public key template (tag, length, value). */
int	key_pubkey_do_put(const struct card_key *key, struct buf *out);
/* OpenPGP v4 fingerprint (SHA-1, 20 bytes) for a creation time. */
int	key_fingerprint(const struct card_key *key, uint32_t created,
	    uint8_t fpr[20]);
/* OpenSSH public key blob (common/keyblob.h); X25519 has none. */
int	key_ssh_blob_put(const struct card_key *key, struct buf *blob);

/*
 * Card operations on command data, answer appended to out:
 * sign	RSA: DigestInfo in, PKCS#1 v1.5 signature out (modulus length);
 *	ECDSA: hash in, r||s out (each the field length);
 *	EdDSA: message in, 64-byte signature out.
 * decipher RSA: 00||cryptogram in, PKCS#1 v1.5 plaintext out;
 *	ECDH: A6{7F49{86 point}} in, shared secret out.
 * ERR_FORMAT for input the key cannot take (wrong length, bad padding).
 */
int	key_sign(const struct card_key *key, const uint8_t *in, size_t inlen,
	    struct buf *out);
int	key_decipher(const struct card_key *key, const uint8_t *in,
	    size_t inlen, struct buf *out);

/* Private key as DER (PKCS#8) for the state file, and back. */
int	key_save(const struct card_key *key, struct buf *out);
int	key_load(enum key_type type, const uint8_t *der, size_t len,
	    struct card_key **keyp);

#endif
