#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cert.h"
#include "certs.h"
#include "err.h"

static void
entry_clear(struct agent_cert *e)
{
	buf_free(e->blob);
	buf_free(e->key);
	free(e->ident);
	memset(e, 0, sizeof(*e));
}

void
certset_clear(struct certset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		entry_clear(&s->c[i]);
	s->n = 0;
}

/* A parsed certificate blob into e; only user certificates are offered. */
static int
entry_set(struct agent_cert *e, const uint8_t *blob, size_t len,
    const char *ident)
{
	struct cert *cert = NULL;
	int r;

	memset(e, 0, sizeof(*e));
	if ((r = cert_parse(blob, len, &cert)) != 0)
		return r;
	if (cert->cert_type != CERT_TYPE_USER)
		r = ERR_FORMAT;
	else if ((e->blob = buf_dup(blob, len)) == NULL ||
	    (e->key = buf_dup(buf_ptr(cert->key),
	    buf_len(cert->key))) == NULL ||
	    (ident != NULL && (e->ident = strdup(ident)) == NULL))
		r = ERR_ALLOC;
	e->valid_after = cert->valid_after;
	e->valid_before = cert->valid_before;
	cert_free(cert);
	if (r != 0)
		entry_clear(e);
	return r;
}

/* One (string blob, uint64 valid_after, uint64 valid_before). */
static int
get_sv_entry(struct buf *b, struct agent_cert *e)
{
	const uint8_t *blob;
	uint64_t after, before;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &blob, &len)) != 0 ||
	    (r = buf_get_u64(b, &after)) != 0 ||
	    (r = buf_get_u64(b, &before)) != 0 ||
	    (r = entry_set(e, blob, len, NULL)) != 0)
		return r;
	/* the window stated must be the certificate's own */
	return e->valid_after == after && e->valid_before == before ?
	    0 : ERR_FORMAT;
}

int
certset_from_sv(struct certset *s, const struct buf *payload)
{
	struct buf *b;
	uint32_t n;
	int r;

	certset_clear(s);
	if ((b = buf_from(buf_ptr(payload), buf_len(payload))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u32(b, &n)) != 0)
		goto out;
	if (n > CERTSET_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	while (s->n < n) {
		if ((r = get_sv_entry(b, &s->c[s->n])) != 0)
			goto out;
		s->n++;
	}
	if (buf_len(b) != 0)
		r = ERR_FORMAT;
 out:
	if (r != 0)
		certset_clear(s);
	buf_free(b);
	return r;
}

static int
same(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) &&
	    memcmp(buf_ptr(a), buf_ptr(b), buf_len(a)) == 0;
}

int
certset_add(struct certset *s, const struct buf *blob, const char *ident)
{
	struct agent_cert e;
	size_t i;
	int r;

	if ((r = entry_set(&e, buf_ptr(blob), buf_len(blob), ident)) != 0)
		return r;
	for (i = 0; i < s->n; i++) {
		if (same(s->c[i].blob, blob)) {
			entry_clear(&s->c[i]);
			s->c[i] = e;
			return 0;
		}
	}
	if (s->n >= CERTSET_MAX) {
		entry_clear(&e);
		return ERR_NO_SPACE;
	}
	s->c[s->n++] = e;
	return 0;
}

void
certset_drop(struct certset *s, const char *ident)
{
	size_t i = 0;

	while (i < s->n) {
		if (ident != NULL && (s->c[i].ident == NULL ||
		    strcmp(s->c[i].ident, ident) != 0)) {
			i++;
			continue;
		}
		entry_clear(&s->c[i]);
		s->c[i] = s->c[--s->n];
		memset(&s->c[s->n], 0, sizeof(s->c[s->n]));
	}
}

static int
valid(const struct agent_cert *e, uint64_t now)
{
	return now >= e->valid_after && now < e->valid_before;
}

size_t
certset_offered(const struct certset *s, uint64_t now,
    struct proto_cert *out, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < s->n && n < max; i++) {
		if (!valid(&s->c[i], now))
			continue;
		out[n].blob = s->c[i].blob;
		out[n].key = s->c[i].key;
		out[n].ident = s->c[i].ident;
		n++;
	}
	return n;
}

const struct agent_cert *
certset_find(const struct certset *s, const struct buf *blob, uint64_t now)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (same(s->c[i].blob, blob) && valid(&s->c[i], now))
			return &s->c[i];
	return NULL;
}
