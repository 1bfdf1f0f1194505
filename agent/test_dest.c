/*
 * cmocka tests of agent/dest.c: destination constraints checked against
 * a connection's session-binds and the sign data, as OpenSSH's agent
 * checks them, and the classification of what is signed.
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
#include "caller.h"
#include "constraint.h"
#include "dest.h"
#include "err.h"
#include "sessbind.h"

/* A fake key blob of type "ssh-ed25519" whose body is tag. */
static struct buf *
key(const char *tag)
{
	struct buf *b = buf_new();

	assert_int_equal(buf_put_cstring(b, "ssh-ed25519") |
	    buf_put_cstring(b, tag), 0);
	return b;
}

static void
hop_set(struct cons_hop *h, const char *user, const char *host,
    const char *keytag)
{
	memset(h, 0, sizeof(*h));
	h->user = user != NULL ? strdup(user) : NULL;
	h->host = host != NULL ? strdup(host) : NULL;
	if (keytag != NULL)
		h->key[h->nkeys++] = key(keytag);
}

/* -h h1 -h "h1>alice@h2" */
static void
cons_two(struct cons *c)
{
	memset(c, 0, sizeof(*c));
	hop_set(&c->dest[0].from, NULL, NULL, NULL);
	hop_set(&c->dest[0].to, NULL, "h1", "k1");
	hop_set(&c->dest[1].from, NULL, "h1", "k1");
	hop_set(&c->dest[1].to, "alice", "h2", "k2");
	c->ndest = 2;
}

static void
bind_add(struct sessbind *sb, const char *keytag, const char *sid, int fwd)
{
	struct sessbind_entry *e = &sb->entry[sb->n++];

	e->hostkey = key(keytag);
	e->session_id = buf_dup(sid, strlen(sid));
	e->forwarding = fwd;
	sb->seen = 1;
}

/* A userauth request by user with the card key; hostkey NULL: plain. */
static struct buf *
userauth(const char *sid, const char *user, const struct buf *card,
    const char *hostkeytag)
{
	struct buf *b = buf_new(), *hk;

	assert_int_equal(buf_put_cstring(b, sid) | buf_put_u8(b, 50) |
	    buf_put_cstring(b, user) | buf_put_cstring(b, "ssh-connection") |
	    buf_put_cstring(b, hostkeytag != NULL ?
	    "publickey-hostbound-v00@openssh.com" : "publickey") |
	    buf_put_u8(b, 1) | buf_put_cstring(b, "ssh-ed25519") |
	    buf_put_stringb(b, card), 0);
	if (hostkeytag != NULL) {
		hk = key(hostkeytag);
		assert_int_equal(buf_put_stringb(b, hk), 0);
		buf_free(hk);
	}
	return b;
}

static int
check(const struct cons *c, const struct sessbind *sb, const char *sid,
    const char *user, const struct buf *card, const char *hostkeytag)
{
	struct buf *data = userauth(sid, user, card, hostkeytag);
	const char *why = NULL;
	int r = dest_check(c, sb, card, data, &why);

	buf_free(data);
	if (r != 0)
		assert_non_null(why);
	return r;
}

static void
test_paths(void **state)
{
	struct buf *card = key("card");
	struct sessbind sb;
	struct cons c;

	(void)state;
	cons_two(&c);
	memset(&sb, 0, sizeof(sb));
	/* unbound: refused even for a good request */
	assert_int_not_equal(check(&c, &sb, "s1", "bob", card, NULL), 0);
	bind_add(&sb, "k1", "s1", 0);
	assert_int_equal(check(&c, &sb, "s1", "bob", card, "k1"), 0);
	assert_int_equal(check(&c, &sb, "s1", "bob", card, NULL), 0);
	/* another session id, another host key in the request */
	assert_int_not_equal(check(&c, &sb, "s0", "bob", card, "k1"), 0);
	assert_int_not_equal(check(&c, &sb, "s1", "bob", card, "k2"), 0);
	sessbind_clear(&sb);
	/* h2 directly: no constraint from here to h2 */
	bind_add(&sb, "k2", "s2", 0);
	assert_int_not_equal(check(&c, &sb, "s2", "alice", card, "k2"), 0);
	sessbind_clear(&sb);
	/* h1 > h2: only for alice, and the request must name h2's key */
	bind_add(&sb, "k1", "s1", 1);
	bind_add(&sb, "k2", "s2", 0);
	assert_int_equal(check(&c, &sb, "s2", "alice", card, "k2"), 0);
	assert_int_not_equal(check(&c, &sb, "s2", "bob", card, "k2"), 0);
	assert_int_not_equal(check(&c, &sb, "s2", "alice", card, NULL), 0);
	sessbind_clear(&sb);
	/* signing on a forwarding hop; forwarding through a signing bind */
	bind_add(&sb, "k1", "s1", 1);
	assert_int_not_equal(check(&c, &sb, "s1", "bob", card, "k1"), 0);
	sessbind_clear(&sb);
	bind_add(&sb, "k1", "s1", 0);
	bind_add(&sb, "k2", "s2", 0);
	assert_int_not_equal(check(&c, &sb, "s2", "alice", card, "k2"), 0);
	sessbind_clear(&sb);
	/* a failed bind on the connection */
	bind_add(&sb, "k1", "s1", 0);
	sb.failed = 1;
	assert_int_not_equal(check(&c, &sb, "s1", "bob", card, "k1"), 0);
	sessbind_clear(&sb);
	cons_clear(&c);
	buf_free(card);
}

/* Not a userauth request for this key: refused when constrained. */
static void
test_not_userauth(void **state)
{
	struct buf *card = key("card"), *other = key("other"), *data;
	struct sessbind sb;
	const char *why;
	struct cons c;

	(void)state;
	cons_two(&c);
	memset(&sb, 0, sizeof(sb));
	bind_add(&sb, "k1", "s1", 0);
	data = userauth("s1", "bob", other, "k1");
	assert_int_not_equal(dest_check(&c, &sb, card, data, &why), 0);
	buf_free(data);
	data = buf_dup("SSHSIG", 6);
	assert_int_not_equal(dest_check(&c, &sb, card, data, &why), 0);
	buf_free(data);
	sessbind_clear(&sb);
	cons_clear(&c);
	buf_free(card);
	buf_free(other);
}

static void
test_classify(void **state)
{
	struct buf *card = key("card"), *data;
	struct caller_context x;

	(void)state;
	data = userauth("s1", "bob\n", card, "k1");
	memset(&x, 0, sizeof(x));
	assert_int_equal(dest_classify(data, card, &x), 0);
	assert_int_equal(x.what, CALLER_WHAT_LOGIN);
	assert_string_equal(x.detail, "bob?");	/* made printable */
	caller_context_clear(&x);
	buf_free(data);
	data = buf_new();
	assert_int_equal(buf_put(data, "SSHSIG", 6) |
	    buf_put_cstring(data, "git") | buf_put_u32(data, 0), 0);
	assert_int_equal(dest_classify(data, card, &x), 0);
	assert_int_equal(x.what, CALLER_WHAT_SSHSIG);
	assert_string_equal(x.detail, "git");
	caller_context_clear(&x);
	buf_reset(data);
	assert_int_equal(buf_put_cstring(data,
	    "ssh-ed25519-cert-v01@openssh.com") | buf_put_u32(data, 0), 0);
	assert_int_equal(dest_classify(data, card, &x), 0);
	assert_int_equal(x.what, CALLER_WHAT_CERT);
	assert_string_equal(x.detail, "");
	caller_context_clear(&x);
	buf_reset(data);
	assert_int_equal(buf_put(data, "random", 6), 0);
	assert_int_equal(dest_classify(data, card, &x), 0);
	assert_int_equal(x.what, CALLER_WHAT_DATA);
	caller_context_clear(&x);
	buf_free(data);
	buf_free(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_not_userauth),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests_name("dest", tests, NULL, NULL);
}
