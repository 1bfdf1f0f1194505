/* cmocka tests of agent/proto.c: every client message and reply. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "cert.h"
#include "constraint.h"
#include "err.h"
#include "proto.h"
#include "../tests/unit/cert_vectors.h"

static struct buf *
cert_blob(void)
{
	struct buf *b = NULL;

	assert_int_equal(cert_parse_text(ED_CERT, strlen(ED_CERT), &b), 0);
	return b;
}

static struct buf *
key_blob(const char *type)
{
	struct buf *b = buf_new();
	uint8_t pk[32] = { 1, 2, 3 };

	assert_non_null(b);
	assert_int_equal(buf_put_cstring(b, type), 0);
	assert_int_equal(buf_put_string(b, pk, sizeof(pk)), 0);
	return b;
}

static struct buf *
msg_sign(const char *type, uint32_t flags)
{
	struct buf *m = buf_new(), *k = key_blob(type);

	assert_int_equal(buf_put_u8(m, SSH_AGENTC_SIGN_REQUEST), 0);
	assert_int_equal(buf_put_stringb(m, k), 0);
	assert_int_equal(buf_put_cstring(m, "data to sign"), 0);
	assert_int_equal(buf_put_u32(m, flags), 0);
	buf_free(k);
	return m;
}

static struct buf *
msg_card(uint8_t type, const char *id, const char *pin)
{
	struct buf *m = buf_new();

	assert_int_equal(buf_put_u8(m, type), 0);
	assert_int_equal(buf_put_cstring(m, id), 0);
	assert_int_equal(buf_put_cstring(m, pin), 0);
	return m;
}

static struct buf *
msg_bind(void)
{
	struct buf *m = buf_new(), *k = key_blob("ssh-ed25519");
	uint8_t sid[32] = { 9 };

	assert_int_equal(buf_put_u8(m, SSH_AGENTC_EXTENSION), 0);
	assert_int_equal(buf_put_cstring(m, EXT_SESSION_BIND), 0);
	assert_int_equal(buf_put_stringb(m, k), 0);
	assert_int_equal(buf_put_string(m, sid, sizeof(sid)), 0);
	assert_int_equal(buf_put_cstring(m, "signature"), 0);
	assert_int_equal(buf_put_u8(m, 1), 0);
	buf_free(k);
	return m;
}

static int
parse(const struct buf *m, struct proto_req *req)
{
	return proto_parse(buf_ptr(m), buf_len(m), req);
}

static void
test_list_and_removeall(void **state)
{
	static const uint8_t list[] = { 11 }, rm[] = { 19 }, rm1[] = { 9 };
	static const uint8_t listx[] = { 11, 0 };
	struct proto_req req;

	assert_int_equal(proto_parse(list, 1, &req), 0);
	assert_int_equal(req.kind, PROTO_LIST);
	proto_req_clear(&req);
	assert_int_equal(proto_parse(rm, 1, &req), 0);
	assert_int_equal(req.kind, PROTO_REMOVE_ALL);
	proto_req_clear(&req);
	assert_int_equal(proto_parse(rm1, 1, &req), 0);
	assert_int_equal(req.kind, PROTO_REMOVE_ALL_V1);
	proto_req_clear(&req);
	assert_int_not_equal(proto_parse(listx, 2, &req), 0);
	proto_req_clear(&req);
	assert_int_not_equal(proto_parse(list, 0, &req), 0);
	proto_req_clear(&req);
}

static void
check_sign(const char *type, uint32_t flags, int ok, enum ac_alg alg)
{
	struct buf *m = msg_sign(type, flags);
	struct proto_req req;
	int r = parse(m, &req);

	if (ok) {
		assert_int_equal(r, 0);
		assert_int_equal(req.kind, PROTO_SIGN);
		assert_int_equal(req.alg, alg);
		assert_int_equal(req.flags, flags);
		assert_int_equal(buf_len(req.data), 12);
	} else
		assert_int_equal(r, ERR_UNSUPPORTED);
	proto_req_clear(&req);
	buf_free(m);
}

static void
test_sign_flags(void **state)
{
	check_sign("ssh-ed25519", 0, 1, AC_ALG_ED25519);
	check_sign("ssh-ed25519", 4, 0, 0);
	check_sign("ecdsa-sha2-nistp256", 0, 1, AC_ALG_ECDSA_P256);
	check_sign("ecdsa-sha2-nistp384", 0, 1, AC_ALG_ECDSA_P384);
	check_sign("ecdsa-sha2-nistp521", 0, 1, AC_ALG_ECDSA_P521);
	check_sign("ecdsa-sha2-nistp521", 2, 0, 0);
	check_sign("ssh-rsa", 0, 1, AC_ALG_RSA_SHA1);
	check_sign("ssh-rsa", 2, 1, AC_ALG_RSA_SHA256);
	check_sign("ssh-rsa", 4, 1, AC_ALG_RSA_SHA512);
	check_sign("ssh-rsa", 6, 0, 0);
	check_sign("ssh-rsa", 1, 0, 0);
	check_sign("ssh-rsa", 8, 0, 0);
	check_sign("ssh-dss", 0, 0, 0);
	check_sign("sk-ssh-ed25519@openssh.com", 0, 0, 0);
	/* a certificate signs as the key it certifies */
	check_sign("ssh-ed25519-cert-v01@openssh.com", 0, 1, AC_ALG_ED25519);
	check_sign("ssh-rsa-cert-v01@openssh.com", 4, 1, AC_ALG_RSA_SHA512);
	check_sign("ssh-dss-cert-v01@openssh.com", 0, 0, 0);
}

static void
test_add_card(void **state)
{
	struct buf *m = msg_card(20, "0000:01234567", "123456");
	struct proto_req req;

	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_ADD_CARD);
	assert_string_equal(req.ident, "0000:01234567");
	assert_int_equal(buf_len(req.pin), 6);
	assert_memory_equal(buf_ptr(req.pin), "123456", 6);
	assert_int_equal(req.lifetime, 0);
	proto_req_clear(&req);
	/* trailing bytes on 20 */
	assert_int_equal(buf_put_u8(m, 1), 0);
	assert_int_not_equal(parse(m, &req), 0);
	proto_req_clear(&req);
	buf_free(m);
	/* empty ident refused; empty PIN parses (the handler refuses it) */
	m = msg_card(20, "", "123456");
	assert_int_not_equal(parse(m, &req), 0);
	proto_req_clear(&req);
	buf_free(m);
	m = msg_card(20, "0000:01234567", "");
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(buf_len(req.pin), 0);
	proto_req_clear(&req);
	buf_free(m);
}

static int
parse_constrained(const uint8_t *c, size_t clen, struct proto_req *req)
{
	struct buf *m = msg_card(26, "0000:01234567", "123456");
	int r;

	assert_int_equal(buf_put(m, c, clen), 0);
	r = parse(m, req);
	buf_free(m);
	return r;
}

static void
test_constraints(void **state)
{
	static const uint8_t life[] = { 1, 0, 0, 2, 0x58 };
	static const uint8_t life0[] = { 1, 0, 0, 0, 0 };
	static const uint8_t life2[] = { 1, 0, 0, 0, 1, 1, 0, 0, 0, 2 };
	static const uint8_t confirm[] = { 2 };
	static const uint8_t lifeconf[] = { 1, 0, 0, 0, 1, 2 };
	static const uint8_t ext[] = { 255, 0, 0, 0, 1, 'x' };
	static const uint8_t unknown[] = { 7 };
	static const uint8_t cut[] = { 1, 0, 0 };
	struct proto_req req;

	assert_int_equal(parse_constrained(life, sizeof(life), &req), 0);
	assert_int_equal(req.kind, PROTO_ADD_CARD);
	assert_int_equal(req.lifetime, 600);
	proto_req_clear(&req);
	assert_int_equal(parse_constrained(NULL, 0, &req), 0);
	assert_int_equal(req.lifetime, 0);
	proto_req_clear(&req);
	assert_int_not_equal(parse_constrained(life0, sizeof(life0), &req), 0);
	proto_req_clear(&req);
	assert_int_not_equal(parse_constrained(life2, sizeof(life2), &req), 0);
	proto_req_clear(&req);
	assert_int_equal(parse_constrained(confirm, sizeof(confirm), &req), 0);
	assert_int_equal(req.cons_flags, CONS_CONFIRM);
	proto_req_clear(&req);
	assert_int_equal(parse_constrained(lifeconf, sizeof(lifeconf), &req),
	    0);
	assert_int_equal(req.lifetime, 1);
	assert_int_equal(req.cons_flags, CONS_CONFIRM);
	proto_req_clear(&req);
	assert_int_equal(parse_constrained(ext, sizeof(ext), &req),
	    ERR_UNSUPPORTED);
	proto_req_clear(&req);
	assert_int_equal(parse_constrained(unknown, sizeof(unknown), &req),
	    ERR_UNSUPPORTED);
	proto_req_clear(&req);
	assert_int_not_equal(parse_constrained(cut, sizeof(cut), &req), 0);
	proto_req_clear(&req);
}

/* 255, "associated-certs-v00@openssh.com", certs_only, string(certs) */
static struct buf *
assoc(uint8_t certs_only, int ncerts, int corrupt)
{
	struct buf *c = buf_new(), *list = buf_new(), *cert = cert_blob();
	int i;

	if (corrupt)
		assert_int_equal(buf_consume_end(cert, 1), 0);
	for (i = 0; i < ncerts; i++)
		assert_int_equal(buf_put_stringb(list, cert), 0);
	assert_int_equal(buf_put_u8(c, 255), 0);
	assert_int_equal(buf_put_cstring(c, EXT_ASSOC_CERTS), 0);
	assert_int_equal(buf_put_u8(c, certs_only), 0);
	assert_int_equal(buf_put_stringb(c, list), 0);
	buf_free(list);
	buf_free(cert);
	return c;
}

static void
test_assoc_certs(void **state)
{
	static const uint8_t life[] = { 1, 0, 0, 2, 0x58 };
	struct buf *c = assoc(0, 2, 0), *cert = cert_blob();
	struct proto_req req;

	assert_int_equal(buf_put(c, life, sizeof(life)), 0);
	assert_int_equal(parse_constrained(buf_ptr(c), buf_len(c), &req), 0);
	assert_int_equal(req.ncerts, 2);
	assert_int_equal(req.lifetime, 600);
	assert_int_equal(buf_len(req.certs[1]), buf_len(cert));
	assert_memory_equal(buf_ptr(req.certs[1]), buf_ptr(cert),
	    buf_len(cert));
	proto_req_clear(&req);
	buf_free(c);
	/* twice, malformed, none, a bad certs_only, too many: refused */
	c = assoc(1, 1, 0);
	assert_int_equal(parse_constrained(buf_ptr(c), buf_len(c), &req), 0);
	assert_int_equal(req.certs_only, 1);
	proto_req_clear(&req);
	buf_free(cert);
	cert = assoc(0, 1, 0);
	assert_int_equal(buf_putb(c, cert), 0);
	assert_int_equal(parse_constrained(buf_ptr(c), buf_len(c), &req),
	    ERR_FORMAT);
	proto_req_clear(&req);
	buf_free(c);
	c = assoc(0, 1, 1);
	assert_int_not_equal(parse_constrained(buf_ptr(c), buf_len(c), &req),
	    0);
	proto_req_clear(&req);
	buf_free(c);
	c = assoc(0, 0, 0);
	assert_int_not_equal(parse_constrained(buf_ptr(c), buf_len(c), &req),
	    0);
	proto_req_clear(&req);
	buf_free(c);
	c = assoc(2, 1, 0);
	assert_int_not_equal(parse_constrained(buf_ptr(c), buf_len(c), &req),
	    0);
	proto_req_clear(&req);
	buf_free(c);
	c = assoc(0, AGENT_ASSOC_CERTS_MAX + 1, 0);
	assert_int_equal(parse_constrained(buf_ptr(c), buf_len(c), &req),
	    ERR_TOO_LARGE);
	proto_req_clear(&req);
	buf_free(c);
	buf_free(cert);
}

static void
test_remove_card(void **state)
{
	struct buf *m = msg_card(21, "0000:01234567", "");
	struct proto_req req;

	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_REMOVE_CARD);
	assert_string_equal(req.ident, "0000:01234567");
	proto_req_clear(&req);
	/* ssh-add -e -t 60 appends the constraint: tolerated */
	assert_int_equal(buf_put_u8(m, 1), 0);
	assert_int_equal(buf_put_u32(m, 60), 0);
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_REMOVE_CARD);
	proto_req_clear(&req);
	buf_free(m);
}

static void
test_lock_unlock(void **state)
{
	struct buf *m = buf_new();
	struct proto_req req;

	assert_int_equal(buf_put_u8(m, 22), 0);
	assert_int_equal(buf_put_cstring(m, "secret"), 0);
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_LOCK);
	assert_memory_equal(buf_ptr(req.pin), "secret", 6);
	proto_req_clear(&req);
	buf_reset(m);
	assert_int_equal(buf_put_u8(m, 23), 0);
	assert_int_equal(buf_put_cstring(m, ""), 0);
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_UNLOCK);
	proto_req_clear(&req);
	buf_free(m);
}

static void
test_extensions(void **state)
{
	struct buf *m = buf_new();
	struct proto_req req;

	assert_int_equal(buf_put_u8(m, 27), 0);
	assert_int_equal(buf_put_cstring(m, "query"), 0);
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_EXT_QUERY);
	proto_req_clear(&req);
	buf_reset(m);
	assert_int_equal(buf_put_u8(m, 27), 0);
	assert_int_equal(buf_put_cstring(m, "nonsense@example.com"), 0);
	assert_int_equal(parse(m, &req), ERR_UNSUPPORTED);
	proto_req_clear(&req);
	buf_reset(m);
	assert_int_equal(buf_put_u8(m, 27), 0);
	assert_int_equal(buf_put_cstring(m, "status@cardagent"), 0);
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_EXT_STATUS);
	proto_req_clear(&req);
	assert_int_equal(buf_put_u8(m, 0), 0);	/* takes no arguments */
	assert_int_equal(parse(m, &req), ERR_FORMAT);
	proto_req_clear(&req);
	buf_free(m);
	m = msg_bind();
	assert_int_equal(parse(m, &req), 0);
	assert_int_equal(req.kind, PROTO_EXT_BIND);
	assert_int_equal(buf_len(req.session_id), 32);
	assert_int_equal(req.is_forwarding, 1);
	proto_req_clear(&req);
	assert_int_equal(buf_put_u8(m, 0), 0);	/* trailing byte */
	assert_int_not_equal(parse(m, &req), 0);
	proto_req_clear(&req);
	buf_free(m);
}

static void
test_unsupported(void **state)
{
	static const uint8_t types[] = { 17, 18, 25, 1, 2, 7, 24, 28, 0, 255 };
	uint8_t msg[8] = { 0, 0, 0, 0, 1, 'x' };
	struct proto_req req;
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		msg[0] = types[i];
		assert_int_equal(proto_parse(msg, sizeof(msg), &req),
		    ERR_UNSUPPORTED);
		assert_int_equal(req.kind, PROTO_NONE);
		proto_req_clear(&req);
	}
}

/* Every proper prefix fails cleanly, except those listed as valid. */
static void
check_prefixes(struct buf *m, size_t valid_len)
{
	struct proto_req req;
	size_t n;

	for (n = 0; n < buf_len(m); n++) {
		if (n == valid_len)
			continue;
		assert_int_not_equal(proto_parse(buf_ptr(m), n, &req), 0);
		assert_int_equal(req.kind, PROTO_NONE);
		proto_req_clear(&req);
	}
	assert_int_equal(proto_parse(buf_ptr(m), buf_len(m), &req), 0);
	proto_req_clear(&req);
	buf_free(m);
}

static void
test_truncated(void **state)
{
	struct buf *m;

	check_prefixes(msg_sign("ssh-rsa", 4), 0);
	check_prefixes(msg_card(20, "0000:01234567", "123456"), 0);
	check_prefixes(msg_card(21, "0000:01234567", "123456"), 0);
	check_prefixes(msg_bind(), 0);
	m = msg_card(26, "0000:01234567", "123456");
	assert_int_equal(buf_put_u8(m, 1), 0);
	assert_int_equal(buf_put_u32(m, 60), 0);
	check_prefixes(m, buf_len(m) - 5);	/* no constraint: valid */
	m = buf_new();
	assert_int_equal(buf_put_u8(m, 22), 0);
	assert_int_equal(buf_put_cstring(m, "pass"), 0);
	check_prefixes(m, 0);
}

static void
test_lengths(void **state)
{
	assert_int_equal(proto_check_len(0), ERR_FORMAT);
	assert_int_equal(proto_check_len(1), 0);
	assert_int_equal(proto_check_len(AGENT_MSG_MAX), 0);
	assert_int_equal(proto_check_len(AGENT_MSG_MAX + 1), ERR_TOO_LARGE);
	assert_int_equal(proto_check_len(0xffffffff), ERR_TOO_LARGE);
}

static struct buf *
keys_payload(uint32_t n, int good)
{
	struct buf *p = buf_new(), *k = key_blob("ssh-ed25519");
	uint32_t i;

	assert_int_equal(buf_put_u32(p, n), 0);
	for (i = 0; i < (good ? n : n - 1); i++) {
		assert_int_equal(buf_put_stringb(p, k), 0);
		assert_int_equal(buf_put_cstring(p, "0000:01234567"), 0);
		assert_int_equal(buf_put_u32(p, 0), 0);	/* no constraints */
	}
	buf_free(k);
	return p;
}

/* KEYS carries each card's constraints: checked, and found by key. */
static void
test_keys_constraints(void **state)
{
	static const uint8_t confirm[] = { 0, 0, 0, 1, 0, 0, 0, 0 };
	struct buf *p = buf_new(), *k = key_blob("ssh-ed25519"), *other;
	struct buf *out = buf_new(), *cons = NULL;

	(void)state;
	other = key_blob("ecdsa-sha2-nistp256");
	assert_int_equal(buf_put_u32(p, 1) | buf_put_stringb(p, k) |
	    buf_put_cstring(p, "0000:01234567") |
	    buf_put_string(p, confirm, sizeof(confirm)), 0);
	assert_int_equal(proto_put_identities(out, p), 0);
	assert_int_equal(proto_keys_cons(p, k, &cons), 0);
	assert_int_equal(buf_len(cons), sizeof(confirm));
	buf_free(cons);
	assert_int_equal(proto_keys_cons(p, other, &cons), ERR_NOT_FOUND);
	assert_null(cons);
	assert_int_equal(proto_keys_cons(NULL, k, &cons), ERR_NOT_FOUND);
	/* a malformed blob makes the whole answer malformed */
	buf_reset(p);
	assert_int_equal(buf_put_u32(p, 1) | buf_put_stringb(p, k) |
	    buf_put_cstring(p, "0000:01234567") |
	    buf_put_string(p, confirm, 6), 0);
	assert_int_not_equal(proto_put_identities(out, p), 0);
	assert_int_not_equal(proto_keys_cons(p, k, &cons), 0);
	buf_free(p);
	buf_free(k);
	buf_free(other);
	buf_free(out);
}

static void
test_identities_reply(void **state)
{
	struct buf *out = buf_new(), *p = keys_payload(2, 1);
	uint32_t len, n;
	uint8_t type;

	assert_int_equal(proto_put_identities(out, p), 0);
	assert_int_equal(buf_get_u32(out, &len), 0);
	assert_int_equal(len, buf_len(out));
	assert_int_equal(buf_get_u8(out, &type), 0);
	assert_int_equal(type, SSH_AGENT_IDENTITIES_ANSWER);
	assert_int_equal(buf_get_u32(out, &n), 0);
	assert_int_equal(n, 2);
	buf_free(p);
	buf_reset(out);
	p = keys_payload(2, 0);		/* one key missing */
	assert_int_not_equal(proto_put_identities(out, p), 0);
	buf_free(p);
	p = keys_payload(1, 1);
	assert_int_equal(buf_put_u8(p, 0), 0);	/* trailing */
	assert_int_not_equal(proto_put_identities(out, p), 0);
	buf_free(p);
	assert_int_equal(proto_put_empty_identities(out), 0);
	assert_int_equal(buf_len(out), 9);
	buf_free(out);
}

/* Each card key is followed by its certificates, for that card only. */
static void
test_identities_certs(void **state)
{
	struct buf *out = buf_new(), *p = keys_payload(1, 1);
	struct buf *k = key_blob("ssh-ed25519"), *other = key_blob("ssh-rsa");
	struct buf *c1 = buf_from("cert-1", 6), *c2 = buf_from("cert-2", 6);
	struct buf *c3 = buf_from("cert-3", 6);
	const struct proto_cert certs[] = {
		{ c1, k, NULL },
		{ c2, other, NULL },		/* another key */
		{ c3, k, "0000:99999999" },	/* another card */
	};
	const uint8_t *blob;
	size_t len;
	uint32_t n;

	assert_int_equal(proto_put_identities_certs(out, p, certs, 3), 0);
	assert_int_equal(buf_consume(out, 5), 0);
	assert_int_equal(buf_get_u32(out, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(buf_get_string_direct(out, &blob, &len), 0);
	assert_int_equal(len, buf_len(k));
	assert_int_equal(buf_get_string_direct(out, &blob, &len), 0);
	assert_int_equal(buf_get_string_direct(out, &blob, &len), 0);
	assert_memory_equal(blob, "cert-1", 6);
	assert_int_equal(buf_get_string_direct(out, &blob, &len), 0);
	assert_memory_equal(blob, "0000:01234567", len);
	assert_int_equal(buf_len(out), 0);
	buf_free(c1);
	buf_free(c2);
	buf_free(c3);
	buf_free(k);
	buf_free(other);
	buf_free(p);
	buf_free(out);
}

static struct buf *
sig_payload(const char *alg)
{
	struct buf *p = buf_new(), *s = buf_new();

	assert_int_equal(buf_put_cstring(s, alg), 0);
	assert_int_equal(buf_put_cstring(s, "sigbytes"), 0);
	assert_int_equal(buf_put_stringb(p, s), 0);
	buf_free(s);
	return p;
}

static void
test_signature_reply(void **state)
{
	struct buf *out = buf_new(), *p = sig_payload("rsa-sha2-512");

	assert_int_equal(proto_put_signature(out, p, AC_ALG_RSA_SHA512), 0);
	buf_reset(out);
	/* cardd answered with another algorithm than asked: refused */
	assert_int_not_equal(proto_put_signature(out, p, AC_ALG_RSA_SHA256),
	    0);
	buf_free(p);
	p = sig_payload("ssh-ed25519");
	assert_int_equal(proto_put_signature(out, p, AC_ALG_ED25519), 0);
	buf_free(p);
	assert_int_equal(proto_put_query(out), 0);
	buf_free(out);
}

/* cardd's report goes out behind the extension's name, checked first. */
static void
test_status_reply(void **state)
{
	static const uint8_t empty[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t v9[] = { 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct buf *out = buf_new(), *p = buf_from(empty, sizeof(empty));
	const uint8_t *name;
	uint32_t len;
	uint8_t type;
	size_t nlen;

	assert_int_equal(proto_put_status_report(out, p, NULL, 0), 0);
	assert_int_equal(buf_get_u32(out, &len), 0);
	assert_int_equal(len, buf_len(out));
	assert_int_equal(buf_get_u8(out, &type), 0);
	assert_int_equal(type, SSH_AGENT_EXTENSION_RESPONSE);
	assert_int_equal(buf_get_string_direct(out, &name, &nlen), 0);
	assert_memory_equal(name, "status@cardagent", nlen);
	assert_int_equal(buf_len(out), sizeof(empty));
	assert_memory_equal(buf_ptr(out), empty, sizeof(empty));
	buf_free(p);
	buf_reset(out);
	p = buf_from(v9, sizeof(v9));
	assert_int_equal(proto_put_status_report(out, p, NULL, 0),
	    ERR_UNSUPPORTED);
	assert_int_equal(buf_len(out), 0);
	buf_free(p);
	p = buf_from(empty, sizeof(empty) - 1);
	assert_int_equal(proto_put_status_report(out, p, NULL, 0),
	    ERR_TRUNCATED);
	buf_free(p);
	buf_free(out);
}

/* The agent puts the certificates it offers for each card's key in. */
static void
test_status_certs(void **state)
{
	struct status *st = status_new(), *got = NULL;
	struct status_card card;
	struct buf *k = key_blob("ssh-ed25519"), *cert = cert_blob();
	struct buf *report = buf_new(), *out = buf_new();
	const struct proto_cert certs[] = { { cert, k, NULL } };
	const uint8_t *name;
	size_t len;

	memset(&card, 0, sizeof(card));
	card.ident = "0000:01234567";
	card.reader = "Reader 00 00";
	card.blob = k;
	assert_int_equal(status_add_card(st, &card), 0);
	assert_int_equal(status_put(report, st), 0);
	assert_int_equal(proto_put_status_report(out, report, certs, 1), 0);
	assert_int_equal(buf_consume(out, 5), 0);
	assert_int_equal(buf_get_string_direct(out, &name, &len), 0);
	assert_int_equal(status_parse(buf_ptr(out), buf_len(out), &got), 0);
	assert_int_equal(got->cards[0].ncerts, 1);
	assert_int_equal(buf_len(got->cards[0].certs[0]), buf_len(cert));
	status_free(got);
	/* cardd knows no certificates: a report with one is refused */
	buf_reset(report);
	buf_reset(out);
	st->cards[0].certs[0] = buf_dup(buf_ptr(cert), buf_len(cert));
	st->cards[0].ncerts = 1;
	assert_int_equal(status_put(report, st), 0);
	assert_int_equal(proto_put_status_report(out, report, NULL, 0),
	    ERR_FORMAT);
	status_free(st);
	buf_free(report);
	buf_free(out);
	buf_free(cert);
	buf_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_and_removeall),
		cmocka_unit_test(test_sign_flags),
		cmocka_unit_test(test_add_card),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_assoc_certs),
		cmocka_unit_test(test_remove_card),
		cmocka_unit_test(test_lock_unlock),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_identities_reply),
		cmocka_unit_test(test_identities_certs),
		cmocka_unit_test(test_keys_constraints),
		cmocka_unit_test(test_signature_reply),
		cmocka_unit_test(test_status_reply),
		cmocka_unit_test(test_status_certs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
