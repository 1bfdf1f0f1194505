/*
 * Hostile card modes: see hostile.h.  Test fixture only.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "hostile.h"
#include "log.h"
#include "openpgp.h"

#define HUGE_LEN	70000
#define HUGE_PART	1024
#define OVERLONG_LEN	(0xffff - 2)	/* the largest vpcd message */
#define INS_SELECT	0xa4
#define INS_GET_DATA	0xca
#define INS_GENERATE	0x47
#define INS_GET_RESP	0xc0

static const char *const names[] = {
	"off", "tlv", "trunc", "overlong", "chain", "huge", "sw6c",
	"sw61err", "nodata", "serial",
};

int
hostile_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

void
hostile_command(struct card *c, struct apdu *a)
{
	if (a->ins == INS_SELECT)
		c->hostile_selects++;
	if (c->hostile == HOSTILE_HUGE && a->ne > HUGE_PART)
		a->ne = HUGE_PART;
}

/* Grow data to len bytes of filler. */
static int
pad(struct buf *data, size_t len, uint8_t fill)
{
	uint8_t *p;
	size_t n;
	int r;

	if (buf_len(data) >= len)
		return 0;
	n = len - buf_len(data);
	if ((r = buf_reserve(data, n, &p)) == 0)
		memset(p, fill, n);
	return r;
}

/* Past the outer tag and length: make the first inner length huge. */
static void
break_tlv(struct buf *data)
{
	uint8_t *p = (uint8_t *)buf_ptr(data);
	size_t len = buf_len(data), off = 1;

	if (len > 0 && (p[0] & 0x1f) == 0x1f)
		off = 2;
	if (off < len)
		off += p[off] < 0x80 ? 1 : 1 + (p[off] & 0x0f);
	off += off < len && (p[off] & 0x1f) == 0x1f ? 2 : 1;	/* inner tag */
	if (off + 3 > len)
		return;
	p[off] = 0x82;
	p[off + 1] = 0xff;
	p[off + 2] = 0xf0;
}

/* Add n to the 4-byte serial of every AID (D2 76 00 01 24 01 ...). */
static void
bump_serial(struct buf *data, unsigned n)
{
	static const uint8_t rid[] = { 0xd2, 0x76, 0x00, 0x01, 0x24, 0x01 };
	uint8_t *p = (uint8_t *)buf_ptr(data);
	size_t len = buf_len(data), i;
	uint32_t s;

	for (i = 0; i + AID_LEN <= len; i++) {
		if (memcmp(p + i, rid, sizeof(rid)) != 0)
			continue;
		s = (uint32_t)p[i + 10] << 24 | p[i + 11] << 16 |
		    p[i + 12] << 8 | p[i + 13];
		s += n;
		p[i + 10] = s >> 24;
		p[i + 11] = s >> 16;
		p[i + 12] = s >> 8;
		p[i + 13] = s;
	}
}

static int
is_tlv_do(const struct apdu *a)
{
	uint16_t tag = (uint16_t)(a->p1 << 8 | a->p2);

	return (a->ins == INS_GET_DATA && (tag == 0x006e || tag == 0x0065)) ||
	    a->ins == INS_GENERATE;
}

int
hostile_data(struct card *c, const struct apdu *a, struct buf *data)
{
	switch (c->hostile) {
	case HOSTILE_TLV:
		if (is_tlv_do(a))
			break_tlv(data);
		return 0;
	case HOSTILE_TRUNC:
		return buf_consume_end(data, buf_len(data) / 2);
	case HOSTILE_HUGE:
		return pad(data, HUGE_LEN, 0x00);
	case HOSTILE_NODATA:
		buf_reset(data);
		return 0;
	case HOSTILE_SERIAL:
		if (c->hostile_selects > 1)
			bump_serial(data, c->hostile_selects - 1);
		return 0;
	default:
		return 0;
	}
}

/* Replace rsp by filler data of len bytes and sw. */
static int
respond(struct buf *rsp, size_t len, uint8_t fill, uint16_t sw)
{
	int r;

	buf_reset(rsp);
	if ((r = pad(rsp, len, fill)) != 0)
		return r;
	return apdu_put_sw(rsp, sw);
}

/* The whole answer at once, whatever Le said, and junk after it. */
static int
overlong(struct card *c, struct buf *rsp)
{
	int r;

	if ((r = buf_consume_end(rsp, 2)) != 0 ||
	    (r = buf_putb(rsp, c->resp)) != 0)
		return r;
	buf_reset(c->resp);
	if (buf_len(rsp) > OVERLONG_LEN)
		return buf_consume_end(rsp, buf_len(rsp) - OVERLONG_LEN) ||
		    apdu_put_sw(rsp, SW_OK);
	if ((r = pad(rsp, OVERLONG_LEN, 0xee)) != 0)
		return r;
	return apdu_put_sw(rsp, SW_OK);
}

int
hostile_response(struct card *c, const struct apdu *a, struct buf *rsp)
{
	size_t n = buf_len(rsp);
	const uint8_t *p = buf_ptr(rsp);
	int data = n > 2 || (n == 2 && p[0] == 0x61);

	if (n < 2 || c->hostile == HOSTILE_OFF || a->ins == INS_SELECT)
		return 0;
	switch (c->hostile) {
	case HOSTILE_OVERLONG:
		return data ? overlong(c, rsp) : 0;
	case HOSTILE_CHAIN:
		if (a->ins == INS_GET_RESP)
			return respond(rsp, 255, 0x00, 0x61ff);
		if (!data)
			return 0;
		return buf_consume_end(rsp, 2) || apdu_put_sw(rsp, 0x61ff);
	case HOSTILE_SW6C:
		return data ? respond(rsp, 0, 0, (uint16_t)(0x6c00 |
		    ((a->ne + 1) & 0xff))) : 0;
	case HOSTILE_SW61ERR:
		if (a->ins == INS_GET_RESP)
			return respond(rsp, 0, 0, SW_UNKNOWN);
		return data ? respond(rsp, 0, 0, 0x6110) : 0;
	default:
		return 0;
	}
}
