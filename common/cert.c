#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "buf.h"
#include "cert.h"
#include "err.h"

#define CERT_SUFFIX	"-cert-v01@openssh.com"

enum key_layout {
	LAYOUT_ED25519,
	LAYOUT_ECDSA,
	LAYOUT_RSA,
};

/* The certificate types we parse and the key each one certifies. */
static const struct {
	const char	*cert;
	const char	*plain;
	enum key_layout	 layout;
	const char	*curve;		/* ECDSA */
	size_t		 qlen;		/* ECDSA: 04 || X || Y */
} cert_types[] = {
	{ "ssh-ed25519" CERT_SUFFIX, "ssh-ed25519", LAYOUT_ED25519, NULL, 0 },
	{ "ecdsa-sha2-nistp256" CERT_SUFFIX, "ecdsa-sha2-nistp256",
	    LAYOUT_ECDSA, "nistp256", 65 },
	{ "ecdsa-sha2-nistp384" CERT_SUFFIX, "ecdsa-sha2-nistp384",
	    LAYOUT_ECDSA, "nistp384", 97 },
	{ "ecdsa-sha2-nistp521" CERT_SUFFIX, "ecdsa-sha2-nistp521",
	    LAYOUT_ECDSA, "nistp521", 133 },
	{ "ssh-rsa" CERT_SUFFIX, "ssh-rsa", LAYOUT_RSA, NULL, 0 },
};
#define NTYPES	(sizeof(cert_types) / sizeof(cert_types[0]))

void
cert_free(struct cert *cert)
{
	size_t i;

	if (cert == NULL)
		return;
	free(cert->type);
	buf_free(cert->key);
	free(cert->key_id);
	for (i = 0; i < cert->nprincipals; i++)
		free(cert->principals[i]);
	free(cert->principals);
	buf_free(cert->ca_key);
	free(cert);
}

const char *
cert_plain_type(const char *type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (strcmp(type, cert_types[i].cert) == 0)
			return cert_types[i].plain;
	return NULL;
}

/* An SSH mpint that is positive and minimally encoded. */
static int
get_mpint(struct buf *b, struct buf *key)
{
	const uint8_t *p;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len == 0 || (p[0] & 0x80) != 0 ||
	    (len > 1 && p[0] == 0 && (p[1] & 0x80) == 0))
		return ERR_FORMAT;
	return buf_put_string(key, p, len);
}

/* The certified key's fields, copied after its plain type into key. */
static int
get_key(struct buf *b, size_t t, struct buf *key)
{
	const uint8_t *p;
	size_t len;
	int r;

	if ((r = buf_put_cstring(key, cert_types[t].plain)) != 0)
		return r;
	switch (cert_types[t].layout) {
	case LAYOUT_ED25519:
		if ((r = buf_get_string_direct(b, &p, &len)) != 0)
			return r;
		if (len != 32)
			return ERR_FORMAT;
		return buf_put_string(key, p, len);
	case LAYOUT_ECDSA:
		if ((r = buf_get_string_direct(b, &p, &len)) != 0)
			return r;
		if (len != strlen(cert_types[t].curve) ||
		    memcmp(p, cert_types[t].curve, len) != 0)
			return ERR_FORMAT;
		if ((r = buf_put_string(key, p, len)) != 0 ||
		    (r = buf_get_string_direct(b, &p, &len)) != 0)
			return r;
		if (len != cert_types[t].qlen || p[0] != 0x04)
			return ERR_FORMAT;
		return buf_put_string(key, p, len);
	case LAYOUT_RSA:	/* e, then n */
		if ((r = get_mpint(b, key)) != 0)
			return r;
		return get_mpint(b, key);
	}
	return ERR_INTERNAL;
}

/* A string holding a list of non-empty names of at most CERT_NAME_MAX. */
static int
get_principals(struct buf *b, struct cert *cert)
{
	const uint8_t *p;
	struct buf *list = NULL;
	char *name = NULL;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if ((list = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	while (buf_len(list) > 0) {
		if (cert->nprincipals >= CERT_PRINCIPALS_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
		if ((r = buf_get_cstring(list, &name, &len)) != 0)
			goto out;
		if (len == 0 || len > CERT_NAME_MAX) {
			r = ERR_FORMAT;
			goto out;
		}
		if (cert->nprincipals % 16 == 0 &&
		    (cert->principals = reallocarray(cert->principals,
		    cert->nprincipals + 16, sizeof(char *))) == NULL) {
			r = ERR_ALLOC;
			goto out;
		}
		cert->principals[cert->nprincipals++] = name;
		name = NULL;
	}
 out:
	free(name);
	buf_free(list);
	return r;
}

/*
 * Critical options or extensions: (name, data) pairs, names non-empty
 * and in strictly ascending order as PROTOCOL.certkeys requires.
 */
static int
check_options(struct buf *b)
{
	const uint8_t *p, *data;
	struct buf *list = NULL;
	char *name = NULL, *prev = NULL;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if ((list = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	while (buf_len(list) > 0) {
		if ((r = buf_get_cstring(list, &name, &len)) != 0 ||
		    (r = buf_get_string_direct(list, &data, &len)) != 0)
			goto out;
		if (*name == '\0' || strlen(name) > CERT_NAME_MAX ||
		    (prev != NULL && strcmp(prev, name) >= 0)) {
			r = ERR_FORMAT;
			goto out;
		}
		free(prev);
		prev = name;
		name = NULL;
	}
 out:
	free(name);
	free(prev);
	buf_free(list);
	return r;
}

/* The CA key: a plain (not certificate) key blob with a type name. */
static int
get_ca_key(struct buf *b, struct cert *cert)
{
	struct buf *view = NULL;
	char *type = NULL;
	int r;

	if ((r = buf_get_stringb(b, cert->ca_key)) != 0)
		return r;
	if ((view = buf_from(buf_ptr(cert->ca_key),
	    buf_len(cert->ca_key))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(view, &type, NULL)) == 0 &&
	    (*type == '\0' || strstr(type, "-cert-") != NULL))
		r = ERR_FORMAT;
	free(type);
	buf_free(view);
	return r;
}

/* The signature: (algorithm name, non-empty bytes), nothing after. */
static int
check_signature(struct buf *b)
{
	const uint8_t *p, *sig;
	struct buf *view;
	char *alg = NULL;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if ((view = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(view, &alg, NULL)) == 0 &&
	    (r = buf_get_string_direct(view, &sig, &len)) == 0 &&
	    (*alg == '\0' || len == 0 || buf_len(view) != 0))
		r = ERR_FORMAT;
	free(alg);
	buf_free(view);
	return r;
}

static int
get_type(struct buf *b, struct cert *cert, size_t *tp)
{
	size_t i;
	int r;

	*tp = 0;
	if ((r = buf_get_cstring(b, &cert->type, NULL)) != 0)
		return r;
	for (i = 0; i < NTYPES; i++) {
		if (strcmp(cert->type, cert_types[i].cert) == 0) {
			*tp = i;
			return 0;
		}
	}
	return ERR_UNSUPPORTED;
}

/* From the serial to the extensions. */
static int
get_body(struct buf *b, struct cert *cert)
{
	size_t len;
	int r;

	if ((r = buf_get_u64(b, &cert->serial)) != 0 ||
	    (r = buf_get_u32(b, &cert->cert_type)) != 0 ||
	    (r = buf_get_cstring(b, &cert->key_id, &len)) != 0 ||
	    (r = get_principals(b, cert)) != 0 ||
	    (r = buf_get_u64(b, &cert->valid_after)) != 0 ||
	    (r = buf_get_u64(b, &cert->valid_before)) != 0 ||
	    (r = check_options(b)) != 0 ||	/* critical options */
	    (r = check_options(b)) != 0)	/* extensions */
		return r;
	if ((cert->cert_type != CERT_TYPE_USER &&
	    cert->cert_type != CERT_TYPE_HOST) || len > CERT_NAME_MAX ||
	    cert->valid_after >= cert->valid_before)
		return ERR_FORMAT;
	return 0;
}

int
cert_parse(const uint8_t *blob, size_t len, struct cert **certp)
{
	struct cert *cert = NULL;
	struct buf *b = NULL;
	const uint8_t *p;
	size_t t, plen;
	int r;

	*certp = NULL;
	if (len == 0 || len > CERT_BLOB_MAX)
		return ERR_TOO_LARGE;
	if ((b = buf_from(blob, len)) == NULL ||
	    (cert = calloc(1, sizeof(*cert))) == NULL ||
	    (cert->key = buf_new()) == NULL ||
	    (cert->ca_key = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = get_type(b, cert, &t)) != 0 ||
	    (r = buf_get_string_direct(b, &p, &plen)) != 0 ||	/* nonce */
	    (r = get_key(b, t, cert->key)) != 0 ||
	    (r = get_body(b, cert)) != 0 ||
	    (r = buf_get_string_direct(b, &p, &plen)) != 0 ||	/* reserved */
	    (r = get_ca_key(b, cert)) != 0 ||
	    (r = check_signature(b)) != 0)
		goto out;
	if (buf_len(b) != 0 || buf_len(cert->ca_key) == 0) {
		r = ERR_FORMAT;
		goto out;
	}
	*certp = cert;
	cert = NULL;
 out:
	cert_free(cert);
	buf_free(b);
	return r;
}

int
cert_valid_at(const struct cert *cert, uint64_t now)
{
	return now >= cert->valid_after && now < cert->valid_before;
}

/* Standard base64 with padding, whole groups only. */
static int
decode_base64(const char *s, size_t len, struct buf **blobp)
{
	struct base64_decode_ctx ctx;
	uint8_t *out = NULL;
	size_t i, outlen, pad = 0;
	int r;

	*blobp = NULL;
	if (len == 0 || len % 4 != 0 || len > 4 * (CERT_BLOB_MAX / 3 + 1))
		return ERR_FORMAT;
	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i >= len - 2)
			pad++;
		else if (pad > 0 || strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/", s[i]) == NULL ||
		    s[i] == '\0')
			return ERR_FORMAT;
	}
	if ((out = malloc(BASE64_DECODE_LENGTH(len))) == NULL)
		return ERR_ALLOC;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &outlen, out, len, s) ||
	    !base64_decode_final(&ctx))
		r = ERR_FORMAT;
	else if ((*blobp = buf_dup(out, outlen)) == NULL)
		r = ERR_ALLOC;
	else
		r = 0;
	free(out);
	return r;
}

/* The next run of non-blank characters from *pos, within len. */
static size_t
next_field(const char *text, size_t len, size_t *pos)
{
	size_t start;

	while (*pos < len && (text[*pos] == ' ' || text[*pos] == '\t'))
		(*pos)++;
	start = *pos;
	while (*pos < len && text[*pos] != ' ' && text[*pos] != '\t' &&
	    text[*pos] != '\n' && text[*pos] != '\r')
		(*pos)++;
	return start;
}

/* After the comment: at most one line end, then nothing. */
static int
check_line_end(const char *text, size_t len, size_t pos)
{
	while (pos < len && text[pos] != '\n' && text[pos] != '\r') {
		if (text[pos] == '\0')
			return ERR_FORMAT;
		pos++;
	}
	if (pos < len && text[pos] == '\r')
		pos++;
	if (pos < len && text[pos] == '\n')
		pos++;
	return pos == len ? 0 : ERR_FORMAT;
}

int
cert_parse_text(const char *text, size_t len, struct buf **blobp)
{
	struct buf *blob = NULL;
	struct cert *cert = NULL;
	size_t pos = 0, tstart, tlen, bstart;
	int r;

	*blobp = NULL;
	if (len > CERT_FILE_MAX)
		return ERR_TOO_LARGE;
	tstart = next_field(text, len, &pos);
	tlen = pos - tstart;
	bstart = next_field(text, len, &pos);
	if ((r = decode_base64(text + bstart, pos - bstart, &blob)) != 0 ||
	    (r = check_line_end(text, len, pos)) != 0 ||
	    (r = cert_parse(buf_ptr(blob), buf_len(blob), &cert)) != 0)
		goto out;
	if (strlen(cert->type) != tlen ||
	    memcmp(cert->type, text + tstart, tlen) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	*blobp = blob;
	blob = NULL;
 out:
	cert_free(cert);
	buf_free(blob);
	return r;
}
