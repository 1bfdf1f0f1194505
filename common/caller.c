#include "config.h"

#include <stdlib.h>
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

int
caller_context_put(struct buf *b, const struct caller_context *x)
{
	size_t i;
	int r;

	if ((r = buf_put_u8(b, x->what)) != 0 ||
	    (r = buf_put_cstring(b, x->detail != NULL ? x->detail : "")) != 0 ||
	    (r = buf_put_u32(b, (uint32_t)x->npath)) != 0)
		return r;
	for (i = 0; i < x->npath; i++)
		if ((r = buf_put_stringb(b, x->path[i])) != 0)
			return r;
	return 0;
}

static int
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

int
caller_context_get(struct buf *b, struct caller_context *x)
{
	size_t len, total = 0;
	uint32_t n, i;
	int r = ERR_FORMAT;

	memset(x, 0, sizeof(*x));
	if (buf_get_u8(b, &x->what) != 0 || x->what > CALLER_WHAT_CERT ||
	    buf_get_cstring(b, &x->detail, &len) != 0 ||
	    len > CALLER_DETAIL_MAX || !printable(x->detail, len) ||
	    buf_get_u32(b, &n) != 0 || n > CALLER_PATH_KEYS)
		goto out;
	for (i = 0; i < n; i++) {
		if ((x->path[i] = buf_new()) == NULL) {
			r = ERR_ALLOC;
			goto out;
		}
		x->npath++;
		if (buf_get_stringb(b, x->path[i]) != 0 ||
		    buf_len(x->path[i]) == 0 ||
		    (total += 4 + buf_len(x->path[i])) > CALLER_PATH_MAX)
			goto out;
	}
	r = 0;
 out:
	if (r != 0)
		caller_context_clear(x);
	return r;
}

void
caller_context_clear(struct caller_context *x)
{
	size_t i;

	free(x->detail);
	for (i = 0; i < x->npath; i++)
		buf_free(x->path[i]);
	memset(x, 0, sizeof(*x));
}
