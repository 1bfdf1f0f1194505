#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "constraint.h"
#include "dest.h"
#include "err.h"
#include "sessbind.h"

#define USERAUTH_REQUEST	50
#define SSHSIG_MAGIC		"SSHSIG"
#define CERT_SUFFIX		"-cert-v01@openssh.com"

/* A userauth request for key, as ssh signs it: its parts, not owned. */
struct userauth {
	const uint8_t	*sid;
	size_t		 sidlen;
	char		*user;
	const uint8_t	*hostkey;	/* NULL: plain "publickey" */
	size_t		 hostkeylen;
};

static int
equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* The algorithm names the key's type (an RSA key: any of its three). */
static int
alg_fits(const uint8_t *alg, size_t alglen, const struct buf *key)
{
	const uint8_t *type;
	size_t tlen;
	struct buf *view;
	int ok = 0;

	if ((view = buf_from(buf_ptr(key), buf_len(key))) == NULL)
		return 0;
	if (buf_get_string_direct(view, &type, &tlen) == 0)
		ok = equal(alg, alglen, type, tlen) ||
		    (equal(type, tlen, (const uint8_t *)"ssh-rsa", 7) &&
		    (equal(alg, alglen, (const uint8_t *)"rsa-sha2-256", 12) ||
		    equal(alg, alglen, (const uint8_t *)"rsa-sha2-512", 12)));
	buf_free(view);
	return ok;
}

/* The method and what follows it: the flag, algorithm, key, host key. */
static int
userauth_tail(struct buf *b, const struct buf *key, struct userauth *ua)
{
	const uint8_t *method, *alg, *k;
	size_t mlen, alglen, klen;
	uint8_t follows;
	int hostbound;

	if (buf_get_string_direct(b, &method, &mlen) != 0 ||
	    buf_get_u8(b, &follows) != 0 || follows != 1 ||
	    buf_get_string_direct(b, &alg, &alglen) != 0 ||
	    buf_get_string_direct(b, &k, &klen) != 0 ||
	    !equal(k, klen, buf_ptr(key), buf_len(key)) ||
	    !alg_fits(alg, alglen, key))
		return ERR_FORMAT;
	hostbound = equal(method, mlen,
	    (const uint8_t *)"publickey-hostbound-v00@openssh.com", 35);
	if (!hostbound && !equal(method, mlen, (const uint8_t *)"publickey", 9))
		return ERR_FORMAT;
	if (hostbound && (buf_get_string_direct(b, &ua->hostkey,
	    &ua->hostkeylen) != 0 || ua->hostkeylen == 0))
		return ERR_FORMAT;
	return buf_len(b) == 0 ? 0 : ERR_FORMAT;
}

/* data as an SSH2_MSG_USERAUTH_REQUEST signed with key, or ERR_FORMAT. */
static int
userauth_parse(const struct buf *data, const struct buf *key,
    struct userauth *ua)
{
	const uint8_t *svc;
	size_t svclen, ulen;
	struct buf *b;
	uint8_t type;
	int r = ERR_FORMAT;

	memset(ua, 0, sizeof(*ua));
	if ((b = buf_from(buf_ptr(data), buf_len(data))) == NULL)
		return ERR_ALLOC;
	if (buf_get_string_direct(b, &ua->sid, &ua->sidlen) != 0 ||
	    ua->sidlen == 0 || buf_get_u8(b, &type) != 0 ||
	    type != USERAUTH_REQUEST ||
	    buf_get_cstring(b, &ua->user, &ulen) != 0 ||
	    buf_get_string_direct(b, &svc, &svclen) != 0 ||
	    !equal(svc, svclen, (const uint8_t *)"ssh-connection", 14) ||
	    userauth_tail(b, key, ua) != 0)
		goto out;
	r = 0;
 out:
	buf_free(b);
	if (r != 0) {
		free(ua->user);
		memset(ua, 0, sizeof(*ua));
	}
	return r;
}

/* A name for a question: printable ASCII, cut at CALLER_DETAIL_MAX. */
static int
detail_set(struct caller_context *x, const uint8_t *p, size_t len)
{
	size_t i;

	if (len > CALLER_DETAIL_MAX)
		len = CALLER_DETAIL_MAX;
	if ((x->detail = malloc(len + 1)) == NULL)
		return ERR_ALLOC;
	for (i = 0; i < len; i++)
		x->detail[i] = p[i] > ' ' && p[i] <= '~' ? (char)p[i] : '?';
	x->detail[len] = '\0';
	return 0;
}

int
dest_classify(const struct buf *data, const struct buf *key,
    struct caller_context *x)
{
	struct userauth ua;
	struct buf *b;
	const uint8_t *p = NULL;
	size_t len = 0, slen = strlen(CERT_SUFFIX);
	int r;

	x->what = CALLER_WHAT_DATA;
	if (userauth_parse(data, key, &ua) == 0) {
		x->what = CALLER_WHAT_LOGIN;
		r = detail_set(x, (const uint8_t *)ua.user, strlen(ua.user));
		free(ua.user);
		return r;
	}
	if ((b = buf_from(buf_ptr(data), buf_len(data))) == NULL)
		return ERR_ALLOC;
	if (buf_len(b) > 6 && memcmp(buf_ptr(b), SSHSIG_MAGIC, 6) == 0) {
		if (buf_consume(b, 6) == 0 &&
		    buf_get_string_direct(b, &p, &len) == 0)
			x->what = CALLER_WHAT_SSHSIG;
	} else if (buf_get_string_direct(b, &p, &len) == 0 && len > slen &&
	    memcmp(p + len - slen, CERT_SUFFIX, slen) == 0)
		x->what = CALLER_WHAT_CERT;
	if (x->what != CALLER_WHAT_SSHSIG)
		len = 0;
	buf_free(b);
	return detail_set(x, p, len);
}

/* Is key one of the hop's host keys? */
static int
hop_has_key(const struct cons_hop *hop, const struct buf *key)
{
	size_t i;

	for (i = 0; i < hop->nkeys; i++)
		if (equal(buf_ptr(hop->key[i]), buf_len(hop->key[i]),
		    buf_ptr(key), buf_len(key)))
			return 1;
	return 0;
}

/* One hop, from (NULL: this machine) to to, for user (NULL: no test). */
static int
hop_permitted(const struct cons *c, const struct buf *from,
    const struct buf *to, const char *user)
{
	const struct cons_dest *d;
	size_t i;

	for (i = 0; i < c->ndest; i++) {
		d = &c->dest[i];
		if (from == NULL ? d->from.host != NULL :
		    !hop_has_key(&d->from, from))
			continue;
		if (!hop_has_key(&d->to, to))
			continue;
		if (d->to.user != NULL && user != NULL &&
		    fnmatch(d->to.user, user, 0) != 0)
			continue;
		return 1;
	}
	return 0;
}

/* Every bind on the path must be a permitted hop; the last one signs. */
static int
path_permitted(const struct cons *c, const struct sessbind *sb,
    const char *user, const char **why)
{
	const struct buf *from = NULL;
	size_t i;
	int last;

	for (i = 0; i < sb->n; i++) {
		last = i + 1 == sb->n;
		if (last && sb->entry[i].forwarding) {
			*why = "signing on a forwarding hop";
			return 0;
		}
		if (!last && !sb->entry[i].forwarding) {
			*why = "forwarding through a hop bound for signing";
			return 0;
		}
		if (!hop_permitted(c, from, sb->entry[i].hostkey,
		    last ? user : NULL)) {
			*why = "a hop on the path is not permitted";
			return 0;
		}
		from = sb->entry[i].hostkey;
	}
	return 1;
}

int
dest_check(const struct cons *c, const struct sessbind *sb,
    const struct buf *key, const struct buf *data, const char **why)
{
	const struct sessbind_entry *bound;
	struct userauth ua;
	int ok = 0;

	*why = "unbound connection";
	if (sb->failed || sb->n == 0)
		return ERR_NOT_FOUND;
	bound = &sb->entry[sb->n - 1];
	*why = "not a userauth request for this key";
	if (userauth_parse(data, key, &ua) != 0)
		return ERR_NOT_FOUND;
	if (!path_permitted(c, sb, ua.user, why))
		goto out;
	*why = "session id is not the last one bound";
	if (!equal(ua.sid, ua.sidlen, buf_ptr(bound->session_id),
	    buf_len(bound->session_id)))
		goto out;
	*why = "host key in the request is not the bound one";
	if ((sb->n > 1 && ua.hostkey == NULL) || (ua.hostkey != NULL &&
	    !equal(ua.hostkey, ua.hostkeylen, buf_ptr(bound->hostkey),
	    buf_len(bound->hostkey))))
		goto out;
	ok = 1;
	*why = NULL;
 out:
	free(ua.user);
	return ok ? 0 : ERR_NOT_FOUND;
}
