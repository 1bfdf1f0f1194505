/*
 * Unit tests for common/cert.c: certificates ssh-keygen made (Ed25519
 * and ECDSA user certificates with principals and options, an RSA host
 * certificate valid forever, all signed by an Ed25519 CA), and blobs
 * built field by field to break one rule at a time.
 */
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
#include "cert_vectors.h"
#include "err.h"
#include "keyblob.h"

static const char EC_CERT[] =
    "ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTI"
    "tbmlzdHAyNTYtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgg8k4t9PfWWK0Lgk"
    "g+ErbHKODG+3RUNi0W0ehj1znUTgAAAAIbmlzdHAyNTYAAABBBJmg+cFbvKv"
    "ztUrM1Ly5MjT7+DX320GoWqY702G0oWbWNOf8q0YAFWJTi/zTrA7FdMAYCYp"
    "Z4VPNo8xAAUh62VMAAAAAAAAABwAAAAEAAAAFZWMtaWQAAAAHAAAAA2JvYgA"
    "AAABpVbkAAAAAAHwkXwAAAABFAAAADWZvcmNlLWNvbW1hbmQAAAANAAAACS9"
    "iaW4vdHJ1ZQAAAA5zb3VyY2UtYWRkcmVzcwAAAA0AAAAJMTI3LjAuMC4xAAA"
    "AggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2V"
    "udC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAA"
    "AAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAA"
    "AAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBjKdU+ynjBMV3xgckrpvv+RMOpwFr"
    "sunPAP86eBcM4CQAAAFMAAAALc3NoLWVkMjU1MTkAAABAxszbNvrdD2pSdnx"
    "XT0l9LLFy7MKQTxM7sRLUOjzoEFXzclB+btFrMER6uUZJ7PV34VzupdWGXnj"
    "XHwdsgrJbBQ== ec" "\n";

static const char RSA_CERT[] =
    "ssh-rsa-cert-v01@openssh.com AAAAHHNzaC1yc2EtY2VydC12MDFAb3B"
    "lbnNzaC5jb20AAAAgh7vhLK8j20YS6+6tLIaxDjfi+v1UfWC1lPq61bGA8ts"
    "AAAADAQABAAAAgQDdijee/nxlYyR/109157LoGbX7ZfSQph3b0aY/26HZz+b"
    "xS7eQruZ1bx4nL7CThTy0M1g8+frLrWy/sJ2wSQJNJHrYQIWJg+eB8GpkCz+"
    "PLRzfnuXTNNkE0jTIK6DzrJXJzwRdqwgupR+QS4EGJhcvJPXk9rZ1u9Hz5RK"
    "5L3onoQAAAAAAAAAAAAAAAgAAAAZyc2EtaWQAAAAQAAAADGhvc3QuZXhhbXB"
    "sZQAAAAAAAAAA//////////8AAAAAAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI"
    "1NTE5AAAAIGMp1T7KeMExXfGBySum+/5Ew6nAWuy6c8A/zp4FwzgJAAAAUwA"
    "AAAtzc2gtZWQyNTUxOQAAAEDidWnqfbG08OY6RGbvSgsocGsthPFoO5DcThW"
    "Dpff6QLHM2aeMkeY+j2fWVvEBt9L/1nyz4AopzQURfCEwzooH rsa" "\n";

static const char ED_PUB[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZ7dN1PdFblqx9xGJu4TP/8"
    "q/yo5mQta4TQqnTnPTE4";
static const char EC_PUB[] =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlz"
    "dHAyNTYAAABBBJmg+cFbvKvztUrM1Ly5MjT7+DX320GoWqY702G0oWbWNOf8"
    "q0YAFWJTi/zTrA7FdMAYCYpZ4VPNo8xAAUh62VM=";
static const char RSA_PUB[] =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDdijee/nxlYyR/109157Lo"
    "GbX7ZfSQph3b0aY/26HZz+bxS7eQruZ1bx4nL7CThTy0M1g8+frLrWy/sJ2w"
    "SQJNJHrYQIWJg+eB8GpkCz+PLRzfnuXTNNkE0jTIK6DzrJXJzwRdqwgupR+Q"
    "S4EGJhcvJPXk9rZ1u9Hz5RK5L3onoQ==";
static const char CA_PUB[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGMp1T7KeMExXfGBySum+/5E"
    "w6nAWuy6c8A/zp4FwzgJ";
#define T_2026	1767225600ULL	/* 2026-01-01 00:00:00 UTC */
#define T_2036	2082758400ULL

static struct cert *
parse_text(const char *text)
{
	struct buf *blob = NULL;
	struct cert *cert = NULL;

	assert_int_equal(cert_parse_text(text, strlen(text), &blob), 0);
	assert_int_equal(cert_parse(buf_ptr(blob), buf_len(blob), &cert), 0);
	buf_free(blob);
	return cert;
}

/* The certified key prints as the plain public key line. */
static void
assert_key(const struct buf *key, const char *publine)
{
	char *line = NULL;

	assert_int_equal(keyblob_to_line(key, NULL, &line), 0);
	assert_string_equal(line, publine);
	free(line);
}

static void
test_ed25519(void **state)
{
	struct cert *c = parse_text(ED_CERT);

	(void)state;
	assert_string_equal(c->type, "ssh-ed25519-cert-v01@openssh.com");
	assert_key(c->key, ED_PUB);
	assert_key(c->ca_key, CA_PUB);
	assert_int_equal(c->serial, 42);
	assert_int_equal(c->cert_type, CERT_TYPE_USER);
	assert_string_equal(c->key_id, "alice@example");
	assert_int_equal(c->nprincipals, 2);
	assert_string_equal(c->principals[0], "root");
	assert_string_equal(c->principals[1], "alice");
	assert_int_equal(c->valid_after, T_2026);
	assert_int_equal(c->valid_before, T_2036);
	assert_false(cert_valid_at(c, T_2026 - 1));
	assert_true(cert_valid_at(c, T_2026));
	assert_true(cert_valid_at(c, T_2036 - 1));
	assert_false(cert_valid_at(c, T_2036));
	cert_free(c);
}

static void
test_ecdsa_rsa(void **state)
{
	struct cert *c = parse_text(EC_CERT);

	(void)state;
	assert_key(c->key, EC_PUB);
	assert_string_equal(c->key_id, "ec-id");
	assert_int_equal(c->nprincipals, 1);
	assert_string_equal(c->principals[0], "bob");
	cert_free(c);
	c = parse_text(RSA_CERT);
	assert_key(c->key, RSA_PUB);
	assert_int_equal(c->cert_type, CERT_TYPE_HOST);
	assert_int_equal(c->valid_after, 0);
	assert_true(c->valid_before == CERT_FOREVER);
	assert_true(cert_valid_at(c, 0));
	assert_true(cert_valid_at(c, UINT64_MAX - 1));
	cert_free(c);
}

static void
test_plain_type(void **state)
{
	(void)state;
	assert_string_equal(cert_plain_type(
	    "ecdsa-sha2-nistp384-cert-v01@openssh.com"), "ecdsa-sha2-nistp384");
	assert_string_equal(cert_plain_type("ssh-rsa-cert-v01@openssh.com"),
	    "ssh-rsa");
	assert_null(cert_plain_type("ssh-ed25519"));
	assert_null(cert_plain_type("ssh-dss-cert-v01@openssh.com"));
	assert_null(cert_plain_type(
	    "sk-ssh-ed25519-cert-v01@openssh.com"));
}

/* Every proper prefix and every extension by a byte is refused. */
static void
test_truncated_and_trailing(void **state)
{
	struct buf *blob = NULL, *longer;
	struct cert *c = NULL;
	size_t i, len;

	(void)state;
	assert_int_equal(cert_parse_text(EC_CERT, strlen(EC_CERT), &blob), 0);
	len = buf_len(blob);
	for (i = 0; i < len; i++) {
		assert_int_not_equal(cert_parse(buf_ptr(blob), i, &c), 0);
		assert_null(c);
	}
	assert_non_null(longer = buf_dup(buf_ptr(blob), len));
	assert_int_equal(buf_put_u8(longer, 0), 0);
	assert_int_equal(cert_parse(buf_ptr(longer), buf_len(longer), &c),
	    ERR_FORMAT);
	assert_null(c);
	buf_free(longer);
	buf_free(blob);
}

/* Which field of a built certificate to get wrong. */
enum flaw {
	F_NONE, F_TYPE, F_PKLEN, F_CERTTYPE, F_WINDOW, F_EMPTY_PRINCIPAL,
	F_EXT_ORDER, F_EXT_DUP, F_CAKEY_EMPTY, F_CAKEY_CERT, F_SIG_EMPTY,
	F_SIG_TRAILING, F_KEYID_NUL, F_COUNT
};

static void
put_options(struct buf *b, const char *n1, const char *n2)
{
	struct buf *o = buf_new();

	assert_int_equal(buf_put_cstring(o, n1), 0);
	assert_int_equal(buf_put_string(o, NULL, 0), 0);
	assert_int_equal(buf_put_cstring(o, n2), 0);
	assert_int_equal(buf_put_string(o, NULL, 0), 0);
	assert_int_equal(buf_put_stringb(b, o), 0);
	buf_free(o);
}

static void
put_tail(struct buf *b, enum flaw f)
{
	struct buf *ca = buf_new(), *sig = buf_new();
	uint8_t pk[32] = { 1 };

	if (f != F_CAKEY_EMPTY) {
		assert_int_equal(buf_put_cstring(ca, f == F_CAKEY_CERT ?
		    "ssh-ed25519-cert-v01@openssh.com" : "ssh-ed25519"), 0);
		assert_int_equal(buf_put_string(ca, pk, sizeof(pk)), 0);
	}
	assert_int_equal(buf_put_cstring(sig, "ssh-ed25519"), 0);
	assert_int_equal(buf_put_string(sig, pk, f == F_SIG_EMPTY ? 0 : 32),
	    0);
	if (f == F_SIG_TRAILING)
		assert_int_equal(buf_put_u8(sig, 0), 0);
	assert_int_equal(buf_put_string(b, NULL, 0), 0);	/* reserved */
	assert_int_equal(buf_put_stringb(b, ca), 0);
	assert_int_equal(buf_put_stringb(b, sig), 0);
	buf_free(ca);
	buf_free(sig);
}

static struct buf *
build(enum flaw f)
{
	struct buf *b = buf_new(), *pr = buf_new();
	uint8_t pk[33] = { 2 };

	assert_int_equal(buf_put_cstring(b, f == F_TYPE ?
	    "ssh-ed25519-cert-v02@openssh.com" :
	    "ssh-ed25519-cert-v01@openssh.com"), 0);
	assert_int_equal(buf_put_string(b, "nonce", 5), 0);
	assert_int_equal(buf_put_string(b, pk, f == F_PKLEN ? 33 : 32), 0);
	assert_int_equal(buf_put_u64(b, 1), 0);
	assert_int_equal(buf_put_u32(b, f == F_CERTTYPE ? 3 : 1), 0);
	assert_int_equal(buf_put_string(b, "id\0x", f == F_KEYID_NUL ? 4 : 2),
	    0);
	assert_int_equal(buf_put_cstring(pr, "root"), 0);
	assert_int_equal(buf_put_cstring(pr, f == F_EMPTY_PRINCIPAL ? "" :
	    "u"), 0);
	assert_int_equal(buf_put_stringb(b, pr), 0);
	assert_int_equal(buf_put_u64(b, 100), 0);
	assert_int_equal(buf_put_u64(b, f == F_WINDOW ? 100 : 200), 0);
	put_options(b, "force-command", "source-address");
	if (f == F_EXT_ORDER)
		put_options(b, "permit-pty", "permit-X11-forwarding");
	else
		put_options(b, "permit-X11-forwarding", f == F_EXT_DUP ?
		    "permit-X11-forwarding" : "permit-pty");
	put_tail(b, f);
	buf_free(pr);
	return b;
}

static void
test_built_flaws(void **state)
{
	struct buf *b;
	struct cert *c = NULL;
	int f;

	(void)state;
	b = build(F_NONE);
	assert_int_equal(cert_parse(buf_ptr(b), buf_len(b), &c), 0);
	assert_int_equal(c->valid_after, 100);
	assert_int_equal(c->nprincipals, 2);
	cert_free(c);
	buf_free(b);
	for (f = F_NONE + 1; f < F_COUNT; f++) {
		b = build((enum flaw)f);
		c = NULL;
		if (cert_parse(buf_ptr(b), buf_len(b), &c) == 0)
			fail_msg("flaw %d accepted", f);
		assert_null(c);
		buf_free(b);
	}
}

static void
test_text_forms(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"ssh-ed25519-cert-v01@openssh.com\n",
		/* the type named is not the blob's */
		"ecdsa-sha2-nistp256-cert-v01@openssh.com AAAA\n",
		"ssh-ed25519-cert-v01@openssh.com AAA*\n",
		"ssh-ed25519-cert-v01@openssh.com A=AA\n",
	};
	struct buf *blob = NULL;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(cert_parse_text(bad[i], strlen(bad[i]),
		    &blob), 0);
		assert_null(blob);
	}
	/* the Ed25519 certificate's text under the ECDSA type name */
	assert_non_null(text = strdup(EC_CERT));
	memcpy(text, "ssh-ed25519", 11);
	assert_int_not_equal(cert_parse_text(text, strlen(text), &blob), 0);
	free(text);
	/* no comment, no newline; CRLF; leading blanks: all fine */
	assert_int_equal(asprintf(&text, "  %s", ED_CERT), strlen(ED_CERT) + 2);
	assert_int_equal(cert_parse_text(text, strlen(text) - 4, &blob), 0);
	buf_free(blob);
	text[strlen(text) - 1] = '\r';
	assert_int_equal(cert_parse_text(text, strlen(text), &blob), 0);
	buf_free(blob);
	free(text);
	/* a second line, or a NUL in the comment: refused */
	assert_int_equal(asprintf(&text, "%s%s", ED_CERT, ED_CERT),
	    2 * strlen(ED_CERT));
	assert_int_not_equal(cert_parse_text(text, strlen(text), &blob), 0);
	assert_int_not_equal(cert_parse_text(ED_CERT, strlen(ED_CERT) + 1,
	    &blob), 0);
	assert_null(blob);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_ecdsa_rsa),
		cmocka_unit_test(test_plain_type),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_built_flaws),
		cmocka_unit_test(test_text_forms),
	};

	return cmocka_run_group_tests_name("cert", tests, NULL, NULL);
}
