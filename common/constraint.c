/* Key-use constraints: the blob codec (see constraint.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "constraint.h"
#include "err.h"

/* A name field; empty means "any" and leaves *namep NULL. */
static int
get_name(struct buf *b, char **namep)
{
	size_t len;
	int r;

	*namep = NULL;
	if ((r = buf_get_cstring(b, namep, &len)) != 0)
		return r;
	if (len > CONS_NAME_MAX) {
		free(*namep);
		*namep = NULL;
		return ERR_TOO_LARGE;
	}
	if (len == 0) {
		free(*namep);
		*namep = NULL;
	}
	return 0;
}

static int
parse_hop(const uint8_t *p, size_t len, struct cons_hop *hop)
{
	struct buf *b;
	uint8_t is_ca;
	int r;

	if ((b = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	if ((r = get_name(b, &hop->user)) != 0 ||
	    (r = get_name(b, &hop->host)) != 0 ||
	    (r = buf_get_string_direct(b, NULL, NULL)) != 0)
		goto out;
	while (buf_len(b) > 0) {
		if (hop->nkeys >= CONS_HOP_KEYS_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
		if ((hop->key[hop->nkeys] = buf_new()) == NULL) {
			r = ERR_ALLOC;
			goto out;
		}
		hop->nkeys++;
		if ((r = buf_get_stringb(b, hop->key[hop->nkeys - 1])) != 0 ||
		    (r = buf_get_u8(b, &is_ca)) != 0)
			goto out;
		if (buf_len(hop->key[hop->nkeys - 1]) == 0 || is_ca > 1) {
			r = ERR_FORMAT;
			goto out;
		}
		if (is_ca) {
			r = ERR_UNSUPPORTED;
			goto out;
		}
	}
 out:
	buf_free(b);
	return r;
}

/* One constraint: the hops must name what OpenSSH requires. */
static int
parse_one(struct buf *list, struct cons_dest *d)
{
	const uint8_t *p, *from, *to;
	size_t len, flen, tlen;
	struct buf *b;
	int r;

	if ((r = buf_get_string_direct(list, &p, &len)) != 0)
		return r;
	if ((b = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_string_direct(b, &from, &flen)) != 0 ||
	    (r = buf_get_string_direct(b, &to, &tlen)) != 0 ||
	    (r = buf_get_string_direct(b, NULL, NULL)) != 0)
		goto out;
	if (buf_len(b) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = parse_hop(from, flen, &d->from)) != 0 ||
	    (r = parse_hop(to, tlen, &d->to)) != 0)
		goto out;
	/* a from-hop is a host with keys or nothing; a to-hop is a host */
	if ((d->from.host == NULL) != (d->from.nkeys == 0) ||
	    d->from.user != NULL || d->to.host == NULL || d->to.nkeys == 0)
		r = ERR_FORMAT;
 out:
	buf_free(b);
	return r;
}

int
cons_parse_dest(const uint8_t *p, size_t len, struct cons *c)
{
	struct buf *list;
	int r = 0;

	if ((list = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	while (buf_len(list) > 0) {
		if (c->ndest >= CONS_DEST_MAX) {
			r = ERR_TOO_LARGE;
			break;
		}
		if ((r = parse_one(list, &c->dest[c->ndest++])) != 0)
			break;
	}
	buf_free(list);
	return r;
}

int
cons_decode(const uint8_t *p, size_t len, struct cons *c)
{
	const uint8_t *dest;
	size_t dlen;
	struct buf *b;
	int r;

	memset(c, 0, sizeof(*c));
	if (len == 0)
		return 0;
	if (len > CONS_MAX)
		return ERR_TOO_LARGE;
	if ((b = buf_from(p, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u32(b, &c->flags)) != 0 ||
	    (r = buf_get_string_direct(b, &dest, &dlen)) != 0)
		goto out;
	if (buf_len(b) != 0 || (c->flags & ~(uint32_t)CONS_CONFIRM) != 0 ||
	    (c->flags == 0 && dlen == 0)) {
		r = ERR_FORMAT;	/* "nothing" is the empty blob only */
		goto out;
	}
	r = cons_parse_dest(dest, dlen, c);
 out:
	buf_free(b);
	if (r != 0)
		cons_clear(c);
	return r;
}

int
cons_encode(struct buf *out, uint32_t flags, const struct buf *dest)
{
	size_t dlen = dest != NULL ? buf_len(dest) : 0;
	int r;

	if (flags == 0 && dlen == 0)
		return 0;
	if (4 + 4 + dlen > CONS_MAX)
		return ERR_TOO_LARGE;
	if ((r = buf_put_u32(out, flags)) != 0)
		return r;
	return dest != NULL ? buf_put_stringb(out, dest) : buf_put_u32(out, 0);
}

static void
hop_clear(struct cons_hop *hop)
{
	size_t i;

	free(hop->user);
	free(hop->host);
	for (i = 0; i < hop->nkeys; i++)
		buf_free(hop->key[i]);
	memset(hop, 0, sizeof(*hop));
}

void
cons_clear(struct cons *c)
{
	size_t i;

	for (i = 0; i < c->ndest; i++) {
		hop_clear(&c->dest[i].from);
		hop_clear(&c->dest[i].to);
	}
	memset(c, 0, sizeof(*c));
}
