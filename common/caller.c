#include "config.h"

#include <string.h>

#include "buf.h"
#include "caller.h"
#include "err.h"

int
caller_put(struct buf *b, const struct caller *c)
{
	int r;

	if (c->hostkey != NULL && buf_len(c->hostkey) > CALLER_HOSTKEY_MAX)
		return ERR_TOO_LARGE;
	if ((r = buf_put_u32(b, c->uid)) != 0 ||
	    (r = buf_put_u32(b, c->pid)) != 0 ||
	    (r = buf_put_u8(b, c->forwarded ? 1 : 0)) != 0)
		return r;
	if (c->hostkey == NULL)
		return buf_put_string(b, NULL, 0);
	return buf_put_stringb(b, c->hostkey);
}

int
caller_get(struct buf *b, struct caller *c)
{
	const uint8_t *key;
	size_t len;
	uint8_t fwd;

	memset(c, 0, sizeof(*c));
	if (buf_get_u32(b, &c->uid) != 0 || buf_get_u32(b, &c->pid) != 0 ||
	    buf_get_u8(b, &fwd) != 0 || fwd > 1 ||
	    buf_get_string_direct(b, &key, &len) != 0 ||
	    len > CALLER_HOSTKEY_MAX)
		return ERR_FORMAT;
	c->forwarded = fwd;
	if ((c->hostkey = buf_dup(key, len)) == NULL)
		return ERR_ALLOC;
	return 0;
}

void
caller_clear(struct caller *c)
{
	buf_free(c->hostkey);
	memset(c, 0, sizeof(*c));
}
