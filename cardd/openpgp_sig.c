/*
 * SSH signatures from OpenPGP card answers: what goes into INTERNAL
 * AUTHENTICATE for each algorithm (raw data, a host-side hash, or a
 * PKCS#1 DigestInfo) and how the card's answer becomes an SSH signature
 * blob (string algorithm, string signature).
 */
#include "config.h"

#include <string.h>

#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "err.h"
#include "openpgp.h"

static const struct {
	const char	*name;
	size_t		 coord;		/* ECDSA: bytes of r and of s */
} sigs[PGP_SIG_COUNT] = {
	[PGP_SIG_ED25519] =	{ "ssh-ed25519", 0 },
	[PGP_SIG_ECDSA_P256] =	{ "ecdsa-sha2-nistp256", 32 },
	[PGP_SIG_ECDSA_P384] =	{ "ecdsa-sha2-nistp384", 48 },
	[PGP_SIG_ECDSA_P521] =	{ "ecdsa-sha2-nistp521", 66 },
	[PGP_SIG_RSA_SHA1] =	{ "ssh-rsa", 0 },
	[PGP_SIG_RSA_SHA256] =	{ "rsa-sha2-256", 0 },
	[PGP_SIG_RSA_SHA512] =	{ "rsa-sha2-512", 0 },
};

#define RSA_SIG_STRIP_MAX	8	/* leading zero bytes a card may omit */

/* DER of DigestInfo up to the digest's OCTET STRING header (RFC 8017). */
static const uint8_t di_sha1[] = {
	0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a,
	0x05, 0x00, 0x04, 0x14,
};
static const uint8_t di_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};
static const uint8_t di_sha512[] = {
	0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
};

const char *
pgp_sig_name(enum pgp_sig alg)
{
	return (unsigned)alg < PGP_SIG_COUNT ? sigs[alg].name : NULL;
}

int
pgp_sig_from_name(const char *name, enum pgp_sig *algp)
{
	int i;

	*algp = PGP_SIG_COUNT;
	for (i = 0; i < PGP_SIG_COUNT; i++) {
		if (strcmp(name, sigs[i].name) == 0) {
			*algp = (enum pgp_sig)i;
			return 0;
		}
	}
	return ERR_NOT_FOUND;
}

int
pgp_sig_fits(const struct pgp_algo *a, enum pgp_sig alg)
{
	switch (alg) {
	case PGP_SIG_ED25519:
		return a->type == PGP_ALGO_EDDSA &&
		    a->curve == PGP_CURVE_ED25519;
	case PGP_SIG_ECDSA_P256:
		return a->type == PGP_ALGO_ECDSA && a->curve == PGP_CURVE_P256;
	case PGP_SIG_ECDSA_P384:
		return a->type == PGP_ALGO_ECDSA && a->curve == PGP_CURVE_P384;
	case PGP_SIG_ECDSA_P521:
		return a->type == PGP_ALGO_ECDSA && a->curve == PGP_CURVE_P521;
	case PGP_SIG_RSA_SHA1:
	case PGP_SIG_RSA_SHA256:
	case PGP_SIG_RSA_SHA512:
		return a->type == PGP_ALGO_RSA;
	default:
		return 0;
	}
}

/* Appends the hash of data named by the algorithm. */
static int
put_hash(enum pgp_sig alg, const uint8_t *data, size_t len,
    struct buf *out)
{
	uint8_t md[SHA512_DIGEST_SIZE];
	struct sha1_ctx c1;
	struct sha256_ctx c256;
	struct sha512_ctx c512;
	size_t mdlen;
	int r;

	switch (alg) {
	case PGP_SIG_RSA_SHA1:
		mdlen = SHA1_DIGEST_SIZE;
		sha1_init(&c1);
		sha1_update(&c1, len, data);
		sha1_digest(&c1, mdlen, md);
		break;
	case PGP_SIG_ECDSA_P256:
	case PGP_SIG_RSA_SHA256:
		mdlen = SHA256_DIGEST_SIZE;
		sha256_init(&c256);
		sha256_update(&c256, len, data);
		sha256_digest(&c256, mdlen, md);
		break;
	case PGP_SIG_ECDSA_P384:
		mdlen = SHA384_DIGEST_SIZE;
		sha384_init(&c512);
		sha384_update(&c512, len, data);
		sha384_digest(&c512, mdlen, md);
		break;
	case PGP_SIG_ECDSA_P521:
	case PGP_SIG_RSA_SHA512:
		mdlen = SHA512_DIGEST_SIZE;
		sha512_init(&c512);
		sha512_update(&c512, len, data);
		sha512_digest(&c512, mdlen, md);
		break;
	default:
		return ERR_ARGUMENT;
	}
	r = buf_put(out, md, mdlen);
	explicit_bzero(md, sizeof(md));
	return r;
}

int
pgp_digestinfo(enum pgp_sig alg, const uint8_t *data, size_t len,
    struct buf *out)
{
	int r;

	switch (alg) {
	case PGP_SIG_RSA_SHA1:
		r = buf_put(out, di_sha1, sizeof(di_sha1));
		break;
	case PGP_SIG_RSA_SHA256:
		r = buf_put(out, di_sha256, sizeof(di_sha256));
		break;
	case PGP_SIG_RSA_SHA512:
		r = buf_put(out, di_sha512, sizeof(di_sha512));
		break;
	default:
		return ERR_ARGUMENT;
	}
	return r != 0 ? r : put_hash(alg, data, len, out);
}

/* What INTERNAL AUTHENTICATE gets for alg. */
int
pgp_sig_input(enum pgp_sig alg, const uint8_t *data, size_t len,
    struct buf *out)
{
	if ((unsigned)alg >= PGP_SIG_COUNT)
		return ERR_ARGUMENT;
	if (alg == PGP_SIG_ED25519)
		return buf_put(out, data, len);
	if (sigs[alg].coord != 0)
		return put_hash(alg, data, len, out);
	return pgp_digestinfo(alg, data, len, out);
}

int
pgp_ecdsa_sig_blob(enum pgp_sig alg, const uint8_t *rs, size_t len,
    struct buf *out)
{
	struct buf *in = NULL, *inner = NULL;
	size_t n;
	int r;

	if ((unsigned)alg >= PGP_SIG_COUNT || sigs[alg].coord == 0)
		return ERR_ARGUMENT;
	n = sigs[alg].coord;
	if (len != 2 * n)
		return ERR_FORMAT;
	if ((in = buf_from(rs, len)) == NULL || (inner = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	/* RFC 5656: mpint r, mpint s (leading zeros stripped there). */
	if ((r = buf_put_mpint_bytes(inner, buf_ptr(in), n)) != 0 ||
	    (r = buf_consume(in, n)) != 0 ||
	    (r = buf_put_mpint_bytes(inner, buf_ptr(in), n)) != 0 ||
	    (r = buf_put_cstring(out, sigs[alg].name)) != 0 ||
	    (r = buf_put_stringb(out, inner)) != 0)
		goto out;
 out:
	buf_free(inner);
	buf_free(in);
	return r;
}

int
pgp_rsa_sig_blob(enum pgp_sig alg, const uint8_t *sig, size_t len,
    size_t modlen, struct buf *out)
{
	struct buf *padded;
	int r;

	if (alg != PGP_SIG_RSA_SHA1 && alg != PGP_SIG_RSA_SHA256 &&
	    alg != PGP_SIG_RSA_SHA512)
		return ERR_ARGUMENT;
	/*
	 * A card may drop the leading zero bytes of the signature integer,
	 * but more than RSA_SIG_STRIP_MAX of them (odds 2^-64) means a
	 * truncated answer: padding it would hand out a bad signature.
	 */
	if (len == 0 || len > modlen || modlen - len > RSA_SIG_STRIP_MAX)
		return ERR_FORMAT;
	if ((padded = buf_new()) == NULL)
		return ERR_ALLOC;
	/* A signature is exactly the modulus length (RFC 8332). */
	while (buf_len(padded) < modlen - len) {
		if ((r = buf_put_u8(padded, 0)) != 0)
			goto out;
	}
	if ((r = buf_put(padded, sig, len)) != 0 ||
	    (r = buf_put_cstring(out, sigs[alg].name)) != 0 ||
	    (r = buf_put_stringb(out, padded)) != 0)
		goto out;
 out:
	buf_free(padded);
	return r;
}

int
pgp_ed25519_sig_blob(const uint8_t *sig, size_t len, struct buf *out)
{
	int r;

	if (len != 64)
		return ERR_FORMAT;
	if ((r = buf_put_cstring(out, sigs[PGP_SIG_ED25519].name)) != 0 ||
	    (r = buf_put_string(out, sig, len)) != 0)
		return r;
	return 0;
}
