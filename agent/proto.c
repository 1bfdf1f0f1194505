#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cert.h"
#include "constraint.h"
#include "err.h"
#include "proto.h"
#include "status.h"

static const struct {
	uint8_t		 type;
	const char	*name;
} type_names[] = {
	{ SSH_AGENTC_REMOVE_ALL_RSA_IDENTITIES, "REMOVE_ALL_RSA_IDENTITIES" },
	{ SSH_AGENTC_REQUEST_IDENTITIES, "REQUEST_IDENTITIES" },
	{ SSH_AGENTC_SIGN_REQUEST, "SIGN_REQUEST" },
	{ SSH_AGENTC_ADD_IDENTITY, "ADD_IDENTITY" },
	{ SSH_AGENTC_REMOVE_IDENTITY, "REMOVE_IDENTITY" },
	{ SSH_AGENTC_REMOVE_ALL_IDENTITIES, "REMOVE_ALL_IDENTITIES" },
	{ SSH_AGENTC_ADD_SMARTCARD_KEY, "ADD_SMARTCARD_KEY" },
	{ SSH_AGENTC_REMOVE_SMARTCARD_KEY, "REMOVE_SMARTCARD_KEY" },
	{ SSH_AGENTC_LOCK, "LOCK" },
	{ SSH_AGENTC_UNLOCK, "UNLOCK" },
	{ SSH_AGENTC_ADD_ID_CONSTRAINED, "ADD_ID_CONSTRAINED" },
	{ SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED,
	    "ADD_SMARTCARD_KEY_CONSTRAINED" },
	{ SSH_AGENTC_EXTENSION, "EXTENSION" },
};

/* Key types and the algorithm a flags value of 0 selects. */
static const struct {
	const char	*name;
	enum ac_alg	 alg;
} key_types[] = {
	{ "ssh-ed25519", AC_ALG_ED25519 },
	{ "ecdsa-sha2-nistp256", AC_ALG_ECDSA_P256 },
	{ "ecdsa-sha2-nistp384", AC_ALG_ECDSA_P384 },
	{ "ecdsa-sha2-nistp521", AC_ALG_ECDSA_P521 },
	{ "ssh-rsa", AC_ALG_RSA_SHA1 },
};

static const char *const alg_names[] = {
	[AC_ALG_ED25519] = "ssh-ed25519",
	[AC_ALG_ECDSA_P256] = "ecdsa-sha2-nistp256",
	[AC_ALG_ECDSA_P384] = "ecdsa-sha2-nistp384",
	[AC_ALG_ECDSA_P521] = "ecdsa-sha2-nistp521",
	[AC_ALG_RSA_SHA1] = "ssh-rsa",
	[AC_ALG_RSA_SHA256] = "rsa-sha2-256",
	[AC_ALG_RSA_SHA512] = "rsa-sha2-512",
};

const char *
proto_type_name(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return "unknown";
}

const char *
proto_alg_name(enum ac_alg alg)
{
	if ((size_t)alg >= sizeof(alg_names) / sizeof(alg_names[0]) ||
	    alg_names[alg] == NULL)
		return NULL;
	return alg_names[alg];
}

int
proto_check_len(uint32_t len)
{
	if (len == 0)
		return ERR_FORMAT;
	if (len > AGENT_MSG_MAX)
		return ERR_TOO_LARGE;
	return 0;
}

void
proto_req_clear(struct proto_req *req)
{
	size_t i;

	for (i = 0; i < req->ncerts; i++)
		buf_free(req->certs[i]);
	buf_free(req->key);
	buf_free(req->data);
	free(req->ident);
	buf_free(req->pin);
	buf_free(req->hostkey);
	buf_free(req->session_id);
	buf_free(req->signature);
	buf_free(req->dest);
	explicit_bzero(req, sizeof(*req));
}

/*
 * A string field into a new owned buffer of at most max bytes; secret
 * (a PIN, a passphrase): one kept out of swap.
 */
static int
get_strbuf_as(struct buf *b, size_t max, int secret, struct buf **outp)
{
	const uint8_t *p;
	size_t len;
	int r;

	*outp = NULL;
	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len > max)
		return ERR_TOO_LARGE;
	*outp = secret ? buf_new_secret(max) : buf_new();
	if (*outp == NULL || buf_put(*outp, p, len) != 0) {
		buf_free(*outp);
		*outp = NULL;
		return ERR_ALLOC;
	}
	return 0;
}

static int
get_strbuf(struct buf *b, size_t max, struct buf **outp)
{
	return get_strbuf_as(b, max, 0, outp);
}

int
proto_sign_alg(const struct buf *key, uint32_t flags, enum ac_alg *algp)
{
	struct buf *view;
	const char *plain;
	char *type = NULL;
	size_t i;
	int r = ERR_UNSUPPORTED;

	*algp = 0;
	if ((view = buf_from(buf_ptr(key), buf_len(key))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(view, &type, NULL)) != 0)
		goto out;
	/* a certificate signs with the key it certifies */
	if ((plain = cert_plain_type(type)) == NULL)
		plain = type;
	r = ERR_UNSUPPORTED;
	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (strcmp(plain, key_types[i].name) != 0)
			continue;
		if (key_types[i].alg != AC_ALG_RSA_SHA1) {
			if (flags == 0) {
				*algp = key_types[i].alg;
				r = 0;
			}
		} else if (flags == 0) {
			*algp = AC_ALG_RSA_SHA1;
			r = 0;
		} else if (flags == SSH_AGENT_RSA_SHA2_256) {
			*algp = AC_ALG_RSA_SHA256;
			r = 0;
		} else if (flags == SSH_AGENT_RSA_SHA2_512) {
			*algp = AC_ALG_RSA_SHA512;
			r = 0;
		}
		break;
	}
 out:
	free(type);
	buf_free(view);
	return r;
}

int
proto_is_cert(const struct buf *key)
{
	struct buf *view;
	char *type = NULL;
	int is_cert = 0;

	if ((view = buf_from(buf_ptr(key), buf_len(key))) == NULL)
		return 0;
	if (buf_get_cstring(view, &type, NULL) == 0)
		is_cert = cert_plain_type(type) != NULL;
	free(type);
	buf_free(view);
	return is_cert;
}

static int
parse_sign(struct buf *b, struct proto_req *req)
{
	int r;

	if ((r = get_strbuf(b, AGENT_MSG_MAX, &req->key)) != 0 ||
	    (r = get_strbuf(b, AGENT_MSG_MAX, &req->data)) != 0 ||
	    (r = buf_get_u32(b, &req->flags)) != 0)
		return r;
	if (buf_len(b) != 0)
		return ERR_FORMAT;
	req->kind = PROTO_SIGN;
	return proto_sign_alg(req->key, req->flags, &req->alg);
}

/*
 * associated-certs-v00@openssh.com (OpenSSH PROTOCOL.agent): byte
 * certs_only, then a string holding the certificates, each a string.
 */
static int
parse_assoc_certs(struct buf *b, struct proto_req *req)
{
	struct buf *list = NULL, *cb = NULL;
	struct cert *cert = NULL;
	const uint8_t *p;
	size_t len;
	int r;

	if (req->ncerts > 0 || req->certs_only)
		return ERR_FORMAT;	/* given twice */
	if ((r = buf_get_u8(b, &req->certs_only)) != 0 ||
	    (r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if ((list = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	while (r == 0 && buf_len(list) > 0) {
		if (req->ncerts >= AGENT_ASSOC_CERTS_MAX)
			r = ERR_TOO_LARGE;
		else if ((r = get_strbuf(list, CERT_BLOB_MAX, &cb)) == 0 &&
		    (r = cert_parse(buf_ptr(cb), buf_len(cb), &cert)) == 0) {
			req->certs[req->ncerts++] = cb;
			cb = NULL;
		}
		cert_free(cert);
		cert = NULL;
		buf_free(cb);
		cb = NULL;
	}
	if (r == 0 && (req->certs_only > 1 || req->ncerts == 0))
		r = ERR_FORMAT;
	buf_free(list);
	return r;
}

/* restrict-destination-v00@openssh.com, checked whole (constraint.h). */
static int
parse_dest(struct buf *b, struct proto_req *req)
{
	struct cons c;
	int r;

	if (req->dest != NULL)
		return ERR_FORMAT;	/* given twice */
	if ((r = get_strbuf(b, CONS_MAX, &req->dest)) != 0)
		return r;
	memset(&c, 0, sizeof(c));
	r = cons_parse_dest(buf_ptr(req->dest), buf_len(req->dest), &c);
	if (r == 0 && c.ndest == 0)
		r = ERR_FORMAT;
	cons_clear(&c);
	return r;
}

static int
parse_cons_extension(struct buf *b, struct proto_req *req)
{
	char *name = NULL;
	int r;

	if ((r = buf_get_cstring(b, &name, NULL)) != 0)
		return r;
	if (strcmp(name, EXT_ASSOC_CERTS) == 0)
		r = parse_assoc_certs(b, req);
	else if (strcmp(name, EXT_RESTRICT_DEST) == 0)
		r = parse_dest(b, req);
	else
		r = ERR_UNSUPPORTED;
	free(name);
	return r;
}

/* Constraints of 26; any we do not implement fails the whole request. */
static int
parse_constraints(struct buf *b, struct proto_req *req)
{
	uint8_t c;
	int r;

	while (buf_len(b) > 0) {
		if ((r = buf_get_u8(b, &c)) != 0)
			return r;
		switch (c) {
		case SSH_AGENT_CONSTRAIN_LIFETIME:
			if (req->lifetime != 0)
				return ERR_FORMAT;	/* given twice */
			if ((r = buf_get_u32(b, &req->lifetime)) != 0)
				return r;
			if (req->lifetime == 0)
				return ERR_FORMAT;
			break;
		case SSH_AGENT_CONSTRAIN_CONFIRM:
			req->cons_flags |= CONS_CONFIRM;
			break;
		case SSH_AGENT_CONSTRAIN_EXTENSION:
			if ((r = parse_cons_extension(b, req)) != 0)
				return r;
			break;
		default:
			return ERR_UNSUPPORTED;
		}
	}
	return 0;
}

static int
parse_card(struct buf *b, struct proto_req *req)
{
	size_t len;
	int r;

	if ((r = buf_get_cstring(b, &req->ident, &len)) != 0)
		return r;
	if (len == 0 || len > AGENT_IDENT_MAX)
		return ERR_FORMAT;
	if ((r = get_strbuf_as(b, AGENT_PIN_MAX, 1, &req->pin)) != 0)
		return r;
	switch (req->type) {
	case SSH_AGENTC_ADD_SMARTCARD_KEY:
		req->kind = PROTO_ADD_CARD;
		return buf_len(b) == 0 ? 0 : ERR_FORMAT;
	case SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED:
		req->kind = PROTO_ADD_CARD;
		return parse_constraints(b, req);
	default:
		/* ssh-add -e appends -t/-c/-h constraints: ignored */
		req->kind = PROTO_REMOVE_CARD;
		return 0;
	}
}

static int
parse_lock(struct buf *b, struct proto_req *req)
{
	int r;

	if ((r = get_strbuf_as(b, AGENT_PASS_MAX, 1, &req->pin)) != 0)
		return r;
	if (buf_len(b) != 0)
		return ERR_FORMAT;
	req->kind = req->type == SSH_AGENTC_LOCK ? PROTO_LOCK : PROTO_UNLOCK;
	return 0;
}

static int
parse_bind(struct buf *b, struct proto_req *req)
{
	size_t sidlen;
	int r;

	if ((r = get_strbuf(b, AGENT_MSG_MAX, &req->hostkey)) != 0 ||
	    (r = get_strbuf(b, AGENT_SID_MAX, &req->session_id)) != 0 ||
	    (r = get_strbuf(b, AGENT_MSG_MAX, &req->signature)) != 0 ||
	    (r = buf_get_u8(b, &req->is_forwarding)) != 0)
		return r;
	sidlen = buf_len(req->session_id);
	if (buf_len(b) != 0 || sidlen == 0 || req->is_forwarding > 1)
		return ERR_FORMAT;
	req->kind = PROTO_EXT_BIND;
	return 0;
}

static int
parse_empty(struct buf *b, struct proto_req *req, enum proto_kind kind)
{
	if (buf_len(b) != 0)
		return ERR_FORMAT;
	req->kind = kind;
	return 0;
}

static int
parse_extension(struct buf *b, struct proto_req *req)
{
	char *name = NULL;
	int r;

	if ((r = buf_get_cstring(b, &name, NULL)) != 0)
		return r;
	if (strcmp(name, EXT_QUERY) == 0) {
		req->kind = PROTO_EXT_QUERY;
		r = buf_len(b) == 0 ? 0 : ERR_FORMAT;
	} else if (strcmp(name, EXT_SESSION_BIND) == 0)
		r = parse_bind(b, req);
	else if (strcmp(name, EXT_STATUS) == 0)
		r = parse_empty(b, req, PROTO_EXT_STATUS);
	else
		r = ERR_UNSUPPORTED;
	free(name);
	return r;
}

int
proto_parse(const uint8_t *msg, size_t len, struct proto_req *req)
{
	struct buf *b;
	int r;

	memset(req, 0, sizeof(*req));
	if (len == 0 || len > AGENT_MSG_MAX)
		return ERR_FORMAT;
	if ((b = buf_from(msg, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &req->type)) != 0)
		goto out;
	switch (req->type) {
	case SSH_AGENTC_REQUEST_IDENTITIES:
		r = parse_empty(b, req, PROTO_LIST);
		break;
	case SSH_AGENTC_REMOVE_ALL_IDENTITIES:
		r = parse_empty(b, req, PROTO_REMOVE_ALL);
		break;
	case SSH_AGENTC_REMOVE_ALL_RSA_IDENTITIES:
		r = parse_empty(b, req, PROTO_REMOVE_ALL_V1);
		break;
	case SSH_AGENTC_SIGN_REQUEST:
		r = parse_sign(b, req);
		break;
	case SSH_AGENTC_ADD_SMARTCARD_KEY:
	case SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED:
	case SSH_AGENTC_REMOVE_SMARTCARD_KEY:
		r = parse_card(b, req);
		break;
	case SSH_AGENTC_LOCK:
	case SSH_AGENTC_UNLOCK:
		r = parse_lock(b, req);
		break;
	case SSH_AGENTC_EXTENSION:
		r = parse_extension(b, req);
		break;
	default:	/* software keys (17, 18, 25) and anything unknown */
		r = ERR_UNSUPPORTED;
		break;
	}
 out:
	buf_free(b);
	if (r != 0)
		req->kind = PROTO_NONE;
	return r;
}

/* An agent frame is a uint32 length and the message: an SSH string. */
static int
put_frame(struct buf *out, const struct buf *body)
{
	return buf_put_stringb(out, body);
}

int
proto_put_status(struct buf *out, uint8_t type)
{
	int r;

	if ((r = buf_put_u32(out, 1)) != 0 ||
	    (r = buf_put_u8(out, type)) != 0)
		return r;
	return 0;
}

int
proto_put_empty_identities(struct buf *out)
{
	int r;

	if ((r = buf_put_u32(out, 5)) != 0 ||
	    (r = buf_put_u8(out, SSH_AGENT_IDENTITIES_ANSWER)) != 0 ||
	    (r = buf_put_u32(out, 0)) != 0)
		return r;
	return 0;
}

/* One key of cardd's KEYS payload: blob, ident, constraints (checked). */
static int
get_key(struct buf *keys, const uint8_t **blob, size_t *bloblen,
    const uint8_t **ident, size_t *identlen, const uint8_t **cons,
    size_t *conslen)
{
	struct cons c;
	int r;

	if ((r = buf_get_string_direct(keys, blob, bloblen)) != 0 ||
	    (r = buf_get_string_direct(keys, ident, identlen)) != 0 ||
	    (r = buf_get_string_direct(keys, cons, conslen)) != 0)
		return r;
	if (*bloblen == 0 || *identlen > AGENT_IDENT_MAX)
		return ERR_FORMAT;
	r = cons_decode(*cons, *conslen, &c);
	cons_clear(&c);
	return r;
}

static int
same_blob(const struct buf *a, const uint8_t *p, size_t len)
{
	return buf_len(a) == len && memcmp(buf_ptr(a), p, len) == 0;
}

/* The certificates for one card key, each with the card's comment. */
static int
put_certs(struct buf *body, const uint8_t *blob, size_t bloblen,
    const char *ident, const struct proto_cert *certs, size_t ncerts,
    uint32_t *np)
{
	size_t i;
	int r;

	for (i = 0; i < ncerts; i++) {
		if (!same_blob(certs[i].key, blob, bloblen) ||
		    (certs[i].ident != NULL &&
		    strcmp(certs[i].ident, ident) != 0))
			continue;
		if (*np >= AGENT_KEYS_MAX)
			return ERR_TOO_LARGE;
		if ((r = buf_put_stringb(body, certs[i].blob)) != 0 ||
		    (r = buf_put_cstring(body, ident)) != 0)
			return r;
		(*np)++;
	}
	return 0;
}

/*
 * Copy n keys from cardd's KEYS payload (blob, ident, constraints; each
 * checked) to body as (blob, comment), each followed by its certificates.
 */
static int
copy_keys(struct buf *keys, uint32_t n, struct buf *body,
    const struct proto_cert *certs, size_t ncerts, uint32_t *np)
{
	const uint8_t *blob, *id, *cons;
	char ident[AGENT_IDENT_MAX + 1];
	size_t bloblen, identlen, conslen;
	uint32_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if ((r = get_key(keys, &blob, &bloblen, &id, &identlen, &cons,
		    &conslen)) != 0)
			break;
		if (memchr(id, '\0', identlen) != NULL) {
			r = ERR_FORMAT;
			break;
		}
		memcpy(ident, id, identlen);
		ident[identlen] = '\0';
		if ((r = buf_put_string(body, blob, bloblen)) == 0 &&
		    (r = buf_put_string(body, id, identlen)) == 0) {
			(*np)++;
			r = put_certs(body, blob, bloblen, ident, certs,
			    ncerts, np);
		}
	}
	if (r == 0 && buf_len(keys) != 0)
		r = ERR_FORMAT;
	return r;
}

int
proto_keys_cons(const struct buf *keys, const struct buf *key,
    struct buf **consp)
{
	const uint8_t *blob, *ident, *cons;
	size_t bloblen, identlen, conslen;
	struct buf *view;
	uint32_t n, i;
	int r;

	*consp = NULL;
	if (keys == NULL)
		return ERR_NOT_FOUND;
	if ((view = buf_from(buf_ptr(keys), buf_len(keys))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u32(view, &n)) != 0)
		goto out;
	for (i = 0, r = ERR_NOT_FOUND; i < n && r == ERR_NOT_FOUND; i++) {
		if (get_key(view, &blob, &bloblen, &ident, &identlen, &cons,
		    &conslen) != 0) {
			r = ERR_FORMAT;
			break;
		}
		if (bloblen == buf_len(key) &&
		    memcmp(blob, buf_ptr(key), bloblen) == 0)
			r = (*consp = buf_dup(cons, conslen)) == NULL ?
			    ERR_ALLOC : 0;
	}
 out:
	buf_free(view);
	return r;
}

int
proto_put_identities(struct buf *out, const struct buf *keys)
{
	return proto_put_identities_certs(out, keys, NULL, 0);
}

int
proto_put_identities_certs(struct buf *out, const struct buf *keys,
    const struct proto_cert *certs, size_t ncerts)
{
	struct buf *view = NULL, *list = NULL, *body = NULL;
	uint32_t n, total = 0;
	int r;

	if ((view = buf_from(buf_ptr(keys), buf_len(keys))) == NULL ||
	    (list = buf_new_capped(AGENT_MSG_MAX)) == NULL ||
	    (body = buf_new_capped(AGENT_MSG_MAX)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_get_u32(view, &n)) != 0)
		goto out;
	if (n > AGENT_KEYS_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = copy_keys(view, n, list, certs, ncerts, &total)) != 0 ||
	    (r = buf_put_u8(body, SSH_AGENT_IDENTITIES_ANSWER)) != 0 ||
	    (r = buf_put_u32(body, total)) != 0 ||
	    (r = buf_putb(body, list)) != 0 ||
	    (r = put_frame(out, body)) != 0)
		goto out;
 out:
	buf_free(view);
	buf_free(list);
	buf_free(body);
	return r;
}

/* The signature blob in sigmsg must be (alg name, non-empty bytes). */
static int
check_sigblob(const uint8_t *sig, size_t len, enum ac_alg alg)
{
	struct buf *b;
	const uint8_t *bytes;
	char *name = NULL;
	size_t blen;
	int r;

	if ((b = buf_from(sig, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_cstring(b, &name, NULL)) != 0 ||
	    (r = buf_get_string_direct(b, &bytes, &blen)) != 0)
		goto out;
	if (buf_len(b) != 0 || blen == 0 || proto_alg_name(alg) == NULL ||
	    strcmp(name, proto_alg_name(alg)) != 0)
		r = ERR_FORMAT;
 out:
	free(name);
	buf_free(b);
	return r;
}

int
proto_put_signature(struct buf *out, const struct buf *sigmsg,
    enum ac_alg alg)
{
	struct buf *view = NULL, *body = NULL;
	const uint8_t *sig;
	size_t len;
	int r;

	if ((view = buf_from(buf_ptr(sigmsg), buf_len(sigmsg))) == NULL ||
	    (body = buf_new_capped(AGENT_MSG_MAX)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_get_string_direct(view, &sig, &len)) != 0)
		goto out;
	if (buf_len(view) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = check_sigblob(sig, len, alg)) != 0 ||
	    (r = buf_put_u8(body, SSH_AGENT_SIGN_RESPONSE)) != 0 ||
	    (r = buf_put_string(body, sig, len)) != 0 ||
	    (r = put_frame(out, body)) != 0)
		goto out;
 out:
	buf_free(view);
	buf_free(body);
	return r;
}

/* RFC 9987: EXTENSION_RESPONSE, "query", then each supported name. */
int
proto_put_query(struct buf *out)
{
	struct buf *body;
	int r;

	if ((body = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u8(body, SSH_AGENT_EXTENSION_RESPONSE)) != 0 ||
	    (r = buf_put_cstring(body, EXT_QUERY)) != 0 ||
	    (r = buf_put_cstring(body, EXT_QUERY)) != 0 ||
	    (r = buf_put_cstring(body, EXT_SESSION_BIND)) != 0 ||
	    (r = buf_put_cstring(body, EXT_STATUS)) != 0 ||
	    (r = put_frame(out, body)) != 0)
		goto out;
 out:
	buf_free(body);
	return r;
}

/* The certificates for card c's key (the first STATUS_CERTS_MAX). */
static int
fill_certs(struct status_card *c, const struct proto_cert *certs,
    size_t ncerts)
{
	size_t i;

	for (i = 0; i < ncerts && c->ncerts < STATUS_CERTS_MAX; i++) {
		if (!same_blob(certs[i].key, buf_ptr(c->blob),
		    buf_len(c->blob)) || (certs[i].ident != NULL &&
		    strcmp(certs[i].ident, c->ident) != 0))
			continue;
		if ((c->certs[c->ncerts] = buf_dup(buf_ptr(certs[i].blob),
		    buf_len(certs[i].blob))) == NULL)
			return ERR_ALLOC;
		c->ncerts++;
	}
	return 0;
}

/* EXTENSION_RESPONSE, the extension's name, then the report. */
int
proto_put_status_report(struct buf *out, const struct buf *report,
    const struct proto_cert *certs, size_t ncerts)
{
	struct status *st = NULL;
	struct buf *body = NULL;
	size_t i;
	int r;

	if ((r = status_parse(buf_ptr(report), buf_len(report), &st)) != 0)
		return r;
	/* cardd knows no certificates: what the agent offers goes in */
	for (i = 0; i < st->ncards; i++)
		if (st->cards[i].ncerts != 0)
			r = ERR_FORMAT;
		else if (r == 0)
			r = fill_certs(&st->cards[i], certs, ncerts);
	if (r != 0)
		goto out;
	if ((body = buf_new_capped(AGENT_MSG_MAX)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_put_u8(body, SSH_AGENT_EXTENSION_RESPONSE)) != 0 ||
	    (r = buf_put_cstring(body, EXT_STATUS)) != 0 ||
	    (r = status_put(body, st)) != 0 ||
	    (r = put_frame(out, body)) != 0)
		goto out;
 out:
	status_free(st);
	buf_free(body);
	return r;
}
