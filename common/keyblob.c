#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha2.h>

#include "err.h"
#include "keyblob.h"

/* Base64 of len bytes into out (4 * ((len + 2) / 3) + 1 bytes), padded. */
static void
b64_encode(const uint8_t *in, size_t len, char *out)
{
	base64_encode_raw(out, len, in);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
}

int
keyblob_put_rsa(struct buf *b, const uint8_t *n, size_t nlen,
    const uint8_t *e, size_t elen)
{
	int r;

	if (n == NULL || e == NULL || nlen == 0 || elen == 0)
		return ERR_ARGUMENT;
	/* RFC 4253: e before n. */
	if ((r = buf_put_cstring(b, "ssh-rsa")) != 0 ||
	    (r = buf_put_mpint_bytes(b, e, elen)) != 0 ||
	    (r = buf_put_mpint_bytes(b, n, nlen)) != 0)
		return r;
	return 0;
}

int
keyblob_put_ecdsa(struct buf *b, int bits, const uint8_t *q, size_t qlen)
{
	const char *curve;
	char type[32];
	size_t coord;
	int r;

	switch (bits) {
	case 256: curve = "nistp256"; coord = 32; break;
	case 384: curve = "nistp384"; coord = 48; break;
	case 521: curve = "nistp521"; coord = 66; break;
	default: return ERR_ARGUMENT;
	}
	if (q == NULL || qlen != 1 + 2 * coord || q[0] != 0x04)
		return ERR_FORMAT;
	snprintf(type, sizeof(type), "ecdsa-sha2-%s", curve);
	if ((r = buf_put_cstring(b, type)) != 0 ||
	    (r = buf_put_cstring(b, curve)) != 0 ||
	    (r = buf_put_string(b, q, qlen)) != 0)
		return r;
	return 0;
}

int
keyblob_put_ed25519(struct buf *b, const uint8_t *pk, size_t len)
{
	int r;

	if (pk == NULL || len != 32)
		return ERR_FORMAT;
	if ((r = buf_put_cstring(b, "ssh-ed25519")) != 0 ||
	    (r = buf_put_string(b, pk, len)) != 0)
		return r;
	return 0;
}

int
keyblob_type(const struct buf *blob, char **typep)
{
	struct buf *view;
	int r;

	*typep = NULL;
	if ((view = buf_from(buf_ptr(blob), buf_len(blob))) == NULL)
		return ERR_ALLOC;
	r = buf_get_cstring(view, typep, NULL);
	buf_free(view);
	return r;
}

int
keyblob_to_line(const struct buf *blob, const char *comment, char **linep)
{
	char *type = NULL, *line = NULL;
	size_t b64len, total;
	int r;

	*linep = NULL;
	if ((r = keyblob_type(blob, &type)) != 0)
		return r;
	if (buf_len(blob) > BUF_MAX_DEFAULT) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	b64len = 4 * ((buf_len(blob) + 2) / 3);
	total = strlen(type) + 1 + b64len + 1 +
	    (comment != NULL ? strlen(comment) : 0) + 1;
	if ((line = malloc(total)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	snprintf(line, total, "%s ", type);
	b64_encode(buf_ptr(blob), buf_len(blob), line + strlen(line));
	if (comment != NULL && *comment != '\0') {
		strlcat(line, " ", total);
		strlcat(line, comment, total);
	}
	*linep = line;
	line = NULL;
 out:
	free(type);
	free(line);
	return r;
}

int
keyblob_fingerprint(const struct buf *blob, char **fpp)
{
	uint8_t md[SHA256_DIGEST_SIZE];
	char b64[4 * ((SHA256_DIGEST_SIZE + 2) / 3) + 1], *p;
	struct sha256_ctx ctx;

	*fpp = NULL;
	sha256_init(&ctx);
	sha256_update(&ctx, buf_len(blob), buf_ptr(blob));
	sha256_digest(&ctx, sizeof(md), md);
	b64_encode(md, sizeof(md), b64);
	/* ssh-keygen -l drops base64's padding */
	if ((p = strchr(b64, '=')) != NULL)
		*p = '\0';
	if (asprintf(fpp, "SHA256:%s", b64) == -1) {
		*fpp = NULL;
		return ERR_ALLOC;
	}
	return 0;
}

/* Bits of an unsigned big-endian magnitude (mpint: leading zeros). */
static unsigned
magnitude_bits(const uint8_t *p, size_t len)
{
	unsigned bits;

	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	for (bits = 8; bits > 0 && (*p & (1u << (bits - 1))) == 0; bits--)
		;
	return (unsigned)(len - 1) * 8 + bits;
}

static int
blob_bits(struct buf *b, const char *type, unsigned *bitsp)
{
	const uint8_t *p;
	size_t len;
	int r;

	if (strcmp(type, "ssh-ed25519") == 0) {
		*bitsp = 256;
		return 0;
	}
	if (strcmp(type, "ssh-rsa") == 0) {
		if ((r = buf_get_string_direct(b, &p, &len)) != 0 ||
		    (r = buf_get_string_direct(b, &p, &len)) != 0)
			return r;
		*bitsp = magnitude_bits(p, len);
		return *bitsp == 0 ? ERR_FORMAT : 0;
	}
	if (strcmp(type, "ecdsa-sha2-nistp256") == 0)
		*bitsp = 256;
	else if (strcmp(type, "ecdsa-sha2-nistp384") == 0)
		*bitsp = 384;
	else if (strcmp(type, "ecdsa-sha2-nistp521") == 0)
		*bitsp = 521;
	else
		return ERR_UNSUPPORTED;
	return 0;
}

int
keyblob_bits(const struct buf *blob, unsigned *bitsp)
{
	struct buf *view;
	char *type = NULL;
	int r;

	*bitsp = 0;
	if ((view = buf_from(buf_ptr(blob), buf_len(blob))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(view, &type, NULL)) == 0)
		r = blob_bits(view, type, bitsp);
	if (r != 0)
		*bitsp = 0;
	free(type);
	buf_free(view);
	return r;
}
