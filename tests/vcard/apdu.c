#include "config.h"

#include <string.h>

#include "apdu.h"
#include "err.h"

/* Body after the header: Lc, data and Le in one of the ISO 7816-4 cases. */
static int
apdu_parse_short(struct buf *b, struct apdu *a)
{
	uint8_t len, le;
	int r;

	if ((r = buf_get_u8(b, &len)) != 0)
		return r;
	if (buf_len(b) == 0) {			/* case 2S */
		a->ne = len == 0 ? 256 : len;
		return 0;
	}
	a->lc = len;				/* case 3S / 4S */
	if (a->lc == 0 || buf_len(b) < a->lc)
		return ERR_FORMAT;
	a->data = buf_ptr(b);
	if ((r = buf_consume(b, a->lc)) != 0)
		return r;
	if (buf_len(b) == 0)
		return 0;
	if ((r = buf_get_u8(b, &le)) != 0)
		return r;
	a->ne = le == 0 ? 256 : le;
	return buf_len(b) == 0 ? 0 : ERR_FORMAT;
}

static int
apdu_parse_extended(struct buf *b, struct apdu *a)
{
	uint16_t len, le;
	int r;

	a->extended = 1;
	if ((r = buf_consume(b, 1)) != 0 ||	/* the 00 marker */
	    (r = buf_get_u16(b, &len)) != 0)
		return ERR_FORMAT;
	if (buf_len(b) == 0) {			/* case 2E */
		a->ne = len == 0 ? 65536 : len;
		return 0;
	}
	if (len == 0 || buf_len(b) < len)	/* case 3E / 4E */
		return ERR_FORMAT;
	a->lc = len;
	a->data = buf_ptr(b);
	if ((r = buf_consume(b, a->lc)) != 0)
		return r;
	if (buf_len(b) == 0)
		return 0;
	if ((r = buf_get_u16(b, &le)) != 0)
		return ERR_FORMAT;
	a->ne = le == 0 ? 65536 : le;
	return buf_len(b) == 0 ? 0 : ERR_FORMAT;
}

int
apdu_parse(const uint8_t *raw, size_t len, struct apdu *a)
{
	struct buf *b;
	uint8_t first;
	int r;

	memset(a, 0, sizeof(*a));
	if ((b = buf_from(raw, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &a->cla)) != 0 ||
	    (r = buf_get_u8(b, &a->ins)) != 0 ||
	    (r = buf_get_u8(b, &a->p1)) != 0 ||
	    (r = buf_get_u8(b, &a->p2)) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if (buf_len(b) == 0)			/* case 1 */
		goto out;
	first = buf_ptr(b)[0];
	if (first == 0 && buf_len(b) >= 3)
		r = apdu_parse_extended(b, a);
	else
		r = apdu_parse_short(b, a);
 out:
	buf_free(b);
	if (r != 0) {
		memset(a, 0, sizeof(*a));
		return ERR_FORMAT;
	}
	return 0;
}

int
apdu_put_sw(struct buf *out, uint16_t sw)
{
	return buf_put_u16(out, sw);
}

int
apdu_respond_chunk(struct buf *pending, size_t ne, struct buf *out)
{
	size_t n, left;
	int r;

	n = buf_len(pending) < ne ? buf_len(pending) : ne;
	if ((r = buf_put(out, buf_ptr(pending), n)) != 0 ||
	    (r = buf_consume(pending, n)) != 0)
		return r;
	left = buf_len(pending);
	if (left == 0) {
		buf_reset(pending);
		return apdu_put_sw(out, SW_OK);
	}
	return apdu_put_sw(out, SW_BYTES_LEFT | (left > 255 ? 0 : left));
}
