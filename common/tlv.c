#include "config.h"

#include <string.h>

#include "err.h"
#include "tlv.h"

#define TLV_DEPTH_MAX	8	/* OpenPGP nests three deep at most */

int
tlv_is_constructed(uint32_t tag)
{
	while (tag > 0xff)
		tag >>= 8;
	return (tag & 0x20) != 0;
}

/* Tag: one byte, or a first byte with low bits 1f and continuation bytes
 * while their top bit is set (at most three bytes in all). */
static int
tlv_get_tag(struct buf *b, uint32_t *tagp)
{
	uint8_t c;
	uint32_t tag;
	int r, n;

	*tagp = 0;
	if ((r = buf_get_u8(b, &c)) != 0)
		return r;
	if (c == 0x00 || c == 0xff)
		return ERR_FORMAT;
	tag = c;
	if ((c & 0x1f) != 0x1f) {
		*tagp = tag;
		return 0;
	}
	for (n = 1; n < 3; n++) {
		if ((r = buf_get_u8(b, &c)) != 0)
			return r;
		tag = tag << 8 | c;
		if ((c & 0x80) == 0) {
			*tagp = tag;
			return 0;
		}
	}
	return ERR_FORMAT;
}

static int
tlv_get_len(struct buf *b, size_t *lenp)
{
	uint8_t c, n, i;
	size_t len = 0;
	int r;

	*lenp = 0;
	if ((r = buf_get_u8(b, &c)) != 0)
		return r;
	if (c < 0x80) {
		*lenp = c;
		return 0;
	}
	n = c & 0x7f;
	if (n == 0 || n > 3)	/* indefinite or beyond TLV_LEN_MAX */
		return ERR_FORMAT;
	for (i = 0; i < n; i++) {
		if ((r = buf_get_u8(b, &c)) != 0)
			return r;
		len = len << 8 | c;
	}
	*lenp = len;
	return 0;
}

int
tlv_get(struct buf *b, struct tlv *t)
{
	struct buf *peek;
	size_t len;
	int r;

	memset(t, 0, sizeof(*t));
	/* Parse on a view so that b is untouched on failure. */
	if ((peek = buf_from(buf_ptr(b), buf_len(b))) == NULL)
		return ERR_ALLOC;
	if ((r = tlv_get_tag(peek, &t->tag)) != 0 ||
	    (r = tlv_get_len(peek, &len)) != 0)
		goto out;
	if (len > buf_len(peek)) {
		r = ERR_TRUNCATED;
		goto out;
	}
	t->val = buf_ptr(peek);
	t->len = len;
	r = buf_consume(b, buf_len(b) - buf_len(peek) + len);
 out:
	if (r != 0)
		memset(t, 0, sizeof(*t));
	buf_free(peek);
	return r;
}

static int
tlv_find_depth(const uint8_t *data, size_t len, uint32_t tag,
    struct tlv *t, int depth)
{
	struct buf *b;
	struct tlv cur;
	int r = ERR_NOT_FOUND;

	if (depth > TLV_DEPTH_MAX)
		return ERR_FORMAT;
	if ((b = buf_from(data, len)) == NULL)
		return ERR_ALLOC;
	while (buf_len(b) > 0) {
		if ((r = tlv_get(b, &cur)) != 0)
			break;
		if (cur.tag == tag) {
			*t = cur;
			break;
		}
		r = ERR_NOT_FOUND;
		if (tlv_is_constructed(cur.tag) &&
		    (r = tlv_find_depth(cur.val, cur.len, tag, t,
		    depth + 1)) != ERR_NOT_FOUND)
			break;
	}
	buf_free(b);
	return r;
}

int
tlv_find(const uint8_t *data, size_t len, uint32_t tag, struct tlv *t)
{
	memset(t, 0, sizeof(*t));
	return tlv_find_depth(data, len, tag, t, 0);
}

/* Encoded size of a tag, or 0 if it is not a valid BER tag. */
static size_t
tlv_tag_size(uint32_t tag)
{
	if (tag == 0 || tag > 0xffffff)
		return 0;
	if (tag <= 0xff)
		return (tag & 0x1f) == 0x1f ? 0 : 1;
	if (tag <= 0xffff)
		return (tag >> 8 & 0x1f) == 0x1f && (tag & 0x80) == 0 ? 2 : 0;
	return (tag >> 16 & 0x1f) == 0x1f && (tag & 0x8000) != 0 &&
	    (tag & 0x80) == 0 ? 3 : 0;
}

static size_t
tlv_len_size(size_t len)
{
	if (len < 0x80)
		return 1;
	if (len <= 0xff)
		return 2;
	return len <= 0xffff ? 3 : 4;
}

int
tlv_put_tag(struct buf *b, uint32_t tag)
{
	size_t n = tlv_tag_size(tag);
	uint8_t *p;
	int r;

	if (n == 0)
		return ERR_ARGUMENT;
	if ((r = buf_reserve(b, n, &p)) != 0)
		return r;
	while (n-- > 0)
		*p++ = (uint8_t)(tag >> (8 * n));
	return 0;
}

int
tlv_put_len(struct buf *b, size_t len)
{
	size_t n;
	uint8_t *p;
	int r;

	if (len > TLV_LEN_MAX)
		return ERR_TOO_LARGE;
	n = tlv_len_size(len);
	if ((r = buf_reserve(b, n, &p)) != 0)
		return r;
	if (n == 1) {
		*p = (uint8_t)len;
		return 0;
	}
	*p++ = (uint8_t)(0x80 | (n - 1));
	while (--n > 0)
		*p++ = (uint8_t)(len >> (8 * (n - 1)));
	return 0;
}

int
tlv_put(struct buf *b, uint32_t tag, const void *v, size_t len)
{
	size_t n = tlv_tag_size(tag);
	int r;

	if (n == 0)
		return ERR_ARGUMENT;
	if (len > TLV_LEN_MAX)
		return ERR_TOO_LARGE;
	/* All or nothing: never leave half a TLV behind. */
	if ((r = buf_check_reserve(b, n + tlv_len_size(len) + len)) != 0)
		return r;
	if ((r = tlv_put_tag(b, tag)) != 0 ||
	    (r = tlv_put_len(b, len)) != 0)
		return r;
	return buf_put(b, v, len);
}
