/*
 * OpenSSH public key blobs (RFC 4253 6.6, RFC 5656, RFC 8709) built from
 * the raw public key material an OpenPGP card returns, and their
 * one-line text form "type base64 comment".
 */
#ifndef CARDAGENT_KEYBLOB_H
#define CARDAGENT_KEYBLOB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* n, e: unsigned big-endian magnitudes. */
int	keyblob_put_rsa(struct buf *b, const uint8_t *n, size_t nlen,
	    const uint8_t *e, size_t elen);
/* bits: 256, 384 or 521; q: uncompressed point 04||X||Y. */
int	keyblob_put_ecdsa(struct buf *b, int bits, const uint8_t *q,
	    size_t qlen);
/* pk: the 32-byte public key. */
int	keyblob_put_ed25519(struct buf *b, const uint8_t *pk, size_t len);
/* The key type name at the start of a blob ("ssh-ed25519", ...). */
int	keyblob_type(const struct buf *blob, char **typep);
/* "SHA256:base64" without padding, as ssh-keygen -l prints it. */
int	keyblob_fingerprint(const struct buf *blob, char **fpp);
/* "type base64 comment" (no newline), allocated. */
int	keyblob_to_line(const struct buf *blob, const char *comment,
	    char **linep);
/* "SHA256:base64" without padding, as ssh-keygen -l prints it. */
int	keyblob_fingerprint(const struct buf *blob, char **fpp);
/* Key size as ssh-keygen -l prints it (RSA modulus, curve size). */
int	keyblob_bits(const struct buf *blob, unsigned *bitsp);

#endif
