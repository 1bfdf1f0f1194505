#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "keyblob.h"

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
	EVP_EncodeBlock((unsigned char *)line + strlen(line), buf_ptr(blob),
	    (int)buf_len(blob));
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
	static const char prefix[] = "SHA256:";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *fp;
	size_t len;

	*fpp = NULL;
	if (EVP_Digest(buf_ptr(blob), buf_len(blob), md, &mdlen,
	    EVP_sha256(), NULL) != 1)
		return ERR_CRYPTO;
	len = sizeof(prefix) + 4 * ((mdlen + 2) / 3);
	if ((fp = malloc(len)) == NULL)
		return ERR_ALLOC;
	memcpy(fp, prefix, sizeof(prefix));
	EVP_EncodeBlock((unsigned char *)fp + sizeof(prefix) - 1, md,
	    (int)mdlen);
	/* OpenSSH prints it without the base64 padding */
	while ((len = strlen(fp)) > 0 && fp[len - 1] == '=')
		fp[len - 1] = '\0';
	*fpp = fp;
	return 0;
}
