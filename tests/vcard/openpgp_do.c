/*
 * Data objects: one const table naming each DO the card knows, who may
 * read and write it, and how its value is built or stored.  GET DATA
 * and PUT DATA are driven by the table alone.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "log.h"
#include "openpgp.h"
#include "tlv.h"

enum access { ACC_NEVER = 0, ACC_ALWAYS, ACC_PW1, ACC_PW3 };

#define DO_WRAP		0x01	/* GET DATA answers tag+length+value */

#define SPECIAL_DO_MAX	255	/* announced in C0 */
#define CERT_MAX	2048	/* announced in C0 */

struct do_def {
	uint16_t	 tag;
	uint8_t		 flags;
	uint8_t		 rd, wr;
	size_t		 maxlen;
	int		(*get)(struct card *, uint16_t, struct buf *);
	sw_t		(*put)(struct card *, uint16_t, const uint8_t *, size_t);
};

static int get_stored(struct card *, uint16_t, struct buf *);
static int get_aid(struct card *, uint16_t, struct buf *);
static int get_hist(struct card *, uint16_t, struct buf *);
static int get_cardholder(struct card *, uint16_t, struct buf *);
static int get_app_data(struct card *, uint16_t, struct buf *);
static int get_discretionary(struct card *, uint16_t, struct buf *);
static int get_security(struct card *, uint16_t, struct buf *);
static int get_extcap(struct card *, uint16_t, struct buf *);
static int get_attr(struct card *, uint16_t, struct buf *);
static int get_pwstatus(struct card *, uint16_t, struct buf *);
static int get_fprs(struct card *, uint16_t, struct buf *);
static int get_times(struct card *, uint16_t, struct buf *);
static int get_keyinfo(struct card *, uint16_t, struct buf *);
static int get_uif(struct card *, uint16_t, struct buf *);
static int get_extlen(struct card *, uint16_t, struct buf *);
static int get_features(struct card *, uint16_t, struct buf *);
static sw_t put_stored(struct card *, uint16_t, const uint8_t *, size_t);
static sw_t put_attr(struct card *, uint16_t, const uint8_t *, size_t);
static sw_t put_pwstatus(struct card *, uint16_t, const uint8_t *, size_t);
static sw_t put_slot_data(struct card *, uint16_t, const uint8_t *, size_t);
static sw_t put_rc(struct card *, uint16_t, const uint8_t *, size_t);
static sw_t put_uif(struct card *, uint16_t, const uint8_t *, size_t);

static const struct do_def do_table[] = {
	{ 0x004f, 0, ACC_ALWAYS, ACC_NEVER, 0, get_aid, NULL },
	{ 0x005b, 0, ACC_ALWAYS, ACC_PW3, 39, get_stored, put_stored },
	{ 0x005e, 0, ACC_ALWAYS, ACC_PW3, SPECIAL_DO_MAX, get_stored,
	    put_stored },
	{ 0x0065, DO_WRAP, ACC_ALWAYS, ACC_NEVER, 0, get_cardholder, NULL },
	{ 0x006e, DO_WRAP, ACC_ALWAYS, ACC_NEVER, 0, get_app_data, NULL },
	{ 0x0073, 0, ACC_NEVER, ACC_NEVER, 0, get_discretionary, NULL },
	{ 0x007a, DO_WRAP, ACC_ALWAYS, ACC_NEVER, 0, get_security, NULL },
	{ 0x0101, 0, ACC_ALWAYS, ACC_PW1, SPECIAL_DO_MAX, get_stored,
	    put_stored },
	{ 0x0102, 0, ACC_ALWAYS, ACC_PW3, SPECIAL_DO_MAX, get_stored,
	    put_stored },
	{ 0x0103, 0, ACC_PW1, ACC_PW1, SPECIAL_DO_MAX, get_stored,
	    put_stored },
	{ 0x0104, 0, ACC_PW3, ACC_PW3, SPECIAL_DO_MAX, get_stored,
	    put_stored },
	{ 0x00c0, 0, ACC_ALWAYS, ACC_NEVER, 0, get_extcap, NULL },
	{ 0x00c1, 0, ACC_ALWAYS, ACC_PW3, 16, get_attr, put_attr },
	{ 0x00c2, 0, ACC_ALWAYS, ACC_PW3, 16, get_attr, put_attr },
	{ 0x00c3, 0, ACC_ALWAYS, ACC_PW3, 16, get_attr, put_attr },
	{ 0x00c4, 0, ACC_ALWAYS, ACC_PW3, 7, get_pwstatus, put_pwstatus },
	{ 0x00c5, 0, ACC_ALWAYS, ACC_NEVER, 0, get_fprs, NULL },
	{ 0x00c6, 0, ACC_ALWAYS, ACC_NEVER, 0, get_fprs, NULL },
	{ 0x00c7, 0, ACC_NEVER, ACC_PW3, 20, NULL, put_slot_data },
	{ 0x00c8, 0, ACC_NEVER, ACC_PW3, 20, NULL, put_slot_data },
	{ 0x00c9, 0, ACC_NEVER, ACC_PW3, 20, NULL, put_slot_data },
	{ 0x00ca, 0, ACC_NEVER, ACC_PW3, 20, NULL, put_slot_data },
	{ 0x00cb, 0, ACC_NEVER, ACC_PW3, 20, NULL, put_slot_data },
	{ 0x00cc, 0, ACC_NEVER, ACC_PW3, 20, NULL, put_slot_data },
	{ 0x00cd, 0, ACC_ALWAYS, ACC_NEVER, 0, get_times, NULL },
	{ 0x00ce, 0, ACC_NEVER, ACC_PW3, 4, NULL, put_slot_data },
	{ 0x00cf, 0, ACC_NEVER, ACC_PW3, 4, NULL, put_slot_data },
	{ 0x00d0, 0, ACC_NEVER, ACC_PW3, 4, NULL, put_slot_data },
	{ 0x00d3, 0, ACC_NEVER, ACC_PW3, PIN_MAXLEN, NULL, put_rc },
	{ 0x00d6, 0, ACC_ALWAYS, ACC_PW3, 2, get_uif, put_uif },
	{ 0x00d7, 0, ACC_ALWAYS, ACC_PW3, 2, get_uif, put_uif },
	{ 0x00d8, 0, ACC_ALWAYS, ACC_PW3, 2, get_uif, put_uif },
	{ 0x00de, 0, ACC_ALWAYS, ACC_NEVER, 0, get_keyinfo, NULL },
	{ 0x5f2d, 0, ACC_ALWAYS, ACC_PW3, 8, get_stored, put_stored },
	{ 0x5f35, 0, ACC_ALWAYS, ACC_PW3, 1, get_stored, put_stored },
	{ 0x5f50, 0, ACC_ALWAYS, ACC_PW3, SPECIAL_DO_MAX, get_stored,
	    put_stored },
	{ 0x5f52, 0, ACC_ALWAYS, ACC_NEVER, 0, get_hist, NULL },
	{ 0x7f21, 0, ACC_ALWAYS, ACC_PW3, CERT_MAX, get_stored, put_stored },
	{ 0x7f66, DO_WRAP, ACC_ALWAYS, ACC_NEVER, 0, get_extlen, NULL },
	{ 0x7f74, DO_WRAP, ACC_ALWAYS, ACC_NEVER, 0, get_features, NULL },
};

static const struct do_def *
do_find(uint16_t tag)
{
	size_t i;

	for (i = 0; i < sizeof(do_table) / sizeof(do_table[0]); i++) {
		if (do_table[i].tag == tag)
			return &do_table[i];
	}
	return NULL;
}

size_t
card_do_count(void)
{
	return sizeof(do_table) / sizeof(do_table[0]);
}

uint16_t
card_do_tag(size_t i)
{
	return i < card_do_count() ? do_table[i].tag : 0;
}

static int
access_ok(const struct card *c, enum access acc)
{
	switch (acc) {
	case ACC_ALWAYS:	return 1;
	case ACC_PW1:		return c->pw1_82;
	case ACC_PW3:		return c->pw3;
	default:		return 0;
	}
}

/* Appends the DO as tag, length, value (for building templates). */
static int
put_tlv(struct card *c, uint16_t tag, struct buf *out)
{
	const struct do_def *d;
	struct buf *v;
	int r;

	if ((d = do_find(tag)) == NULL || d->get == NULL)
		return ERR_INTERNAL;
	if ((v = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = d->get(c, tag, v)) == 0)
		r = tlv_put(out, tag, buf_ptr(v), buf_len(v));
	buf_free(v);
	return r == ERR_NOT_FOUND ? 0 : r;	/* absent DOs are left out */
}

static int
put_tlvs(struct card *c, const uint16_t *tags, size_t n, struct buf *out)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = put_tlv(c, tags[i], out)) != 0)
			return r;
	}
	return 0;
}

/* ---- getters ---- */

static int
stored_index(uint16_t tag)
{
	switch (tag) {
	case 0x005b:	return SDO_NAME;
	case 0x5f2d:	return SDO_LANG;
	case 0x5f35:	return SDO_SEX;
	case 0x5f50:	return SDO_URL;
	case 0x005e:	return SDO_LOGIN;
	case 0x0101:	return SDO_PRIV1;
	case 0x0102:	return SDO_PRIV2;
	case 0x0103:	return SDO_PRIV3;
	case 0x0104:	return SDO_PRIV4;
	case 0x7f21:	return SDO_CERT;
	default:	return -1;
	}
}

static int
get_stored(struct card *c, uint16_t tag, struct buf *out)
{
	int i;

	if ((i = stored_index(tag)) < 0)
		return ERR_INTERNAL;
	/* One cardholder certificate (the authentication key's); the
	 * other occurrences read as empty. */
	if (i == SDO_CERT && c->cert_occurrence != 0)
		return 0;
	return buf_putb(out, c->st->dos[i]);
}

void
card_aid(const struct card *c, uint8_t aid[AID_LEN])
{
	static const uint8_t rid_app_version[] = {
		0xd2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x03, 0x04,
	};

	memcpy(aid, rid_app_version, sizeof(rid_app_version));
	aid[8] = (uint8_t)(c->st->manufacturer >> 8);
	aid[9] = (uint8_t)c->st->manufacturer;
	aid[10] = (uint8_t)(c->st->serial >> 24);
	aid[11] = (uint8_t)(c->st->serial >> 16);
	aid[12] = (uint8_t)(c->st->serial >> 8);
	aid[13] = (uint8_t)c->st->serial;
	aid[14] = aid[15] = 0;
}

static int
get_aid(struct card *c, uint16_t tag, struct buf *out)
{
	uint8_t aid[AID_LEN];

	card_aid(c, aid);
	return buf_put(out, aid, sizeof(aid));
}

/*
 * Category 00, card capabilities (compact TLV 73: byte 3 bit 80 command
 * chaining, bit 40 extended Lc/Le), life cycle 05 (operational), 9000.
 */
int
card_historical(const struct card *c, struct buf *out)
{
	uint8_t hist[] = { 0x00, 0x73, 0x00, 0x00, 0x80, 0x05, 0x90, 0x00 };

	if (c->st->extended)
		hist[4] |= 0x40;
	return buf_put(out, hist, sizeof(hist));
}

static int
get_hist(struct card *c, uint16_t tag, struct buf *out)
{
	return card_historical(c, out);
}

static int
get_cardholder(struct card *c, uint16_t tag, struct buf *out)
{
	static const uint16_t tags[] = { 0x005b, 0x5f2d, 0x5f35 };

	return put_tlvs(c, tags, sizeof(tags) / sizeof(tags[0]), out);
}

static int
get_discretionary(struct card *c, uint16_t tag, struct buf *out)
{
	static const uint16_t tags[] = {
		0x00c0, 0x00c1, 0x00c2, 0x00c3, 0x00c4, 0x00c5, 0x00c6,
		0x00cd, 0x00de, 0x00d6, 0x00d7, 0x00d8,
	};

	return put_tlvs(c, tags, sizeof(tags) / sizeof(tags[0]), out);
}

static int
get_app_data(struct card *c, uint16_t tag, struct buf *out)
{
	static const uint16_t tags[] = {
		0x004f, 0x5f52, 0x7f74, 0x7f66, 0x0073,
	};

	return put_tlvs(c, tags, sizeof(tags) / sizeof(tags[0]), out);
}

static int
get_security(struct card *c, uint16_t tag, struct buf *out)
{
	uint8_t cnt[3];

	cnt[0] = (uint8_t)(c->st->sig_count >> 16);
	cnt[1] = (uint8_t)(c->st->sig_count >> 8);
	cnt[2] = (uint8_t)c->st->sig_count;
	return tlv_put(out, 0x93, cnt, sizeof(cnt));
}

/* Must match what the card does: GET CHALLENGE, C4 writable, private
 * DOs, changeable algorithm attributes; no SM, no key import, no KDF. */
static int
get_extcap(struct card *c, uint16_t tag, struct buf *out)
{
	int r;

	if ((r = buf_put_u8(out, 0x40 | 0x10 | 0x08 | 0x04)) != 0 ||
	    (r = buf_put_u8(out, 0x00)) != 0 ||		/* SM algorithm */
	    (r = buf_put_u16(out, 256)) != 0 ||		/* GET CHALLENGE */
	    (r = buf_put_u16(out, CERT_MAX)) != 0 ||
	    (r = buf_put_u16(out, SPECIAL_DO_MAX)) != 0 ||
	    (r = buf_put_u8(out, 0x00)) != 0 ||		/* PIN block 2 */
	    (r = buf_put_u8(out, 0x00)) != 0)		/* MSE */
		return r;
	return 0;
}

static int
get_attr(struct card *c, uint16_t tag, struct buf *out)
{
	return key_algo_attr_put(c->st->slot[tag - 0xc1].type, out);
}

static int
get_pwstatus(struct card *c, uint16_t tag, struct buf *out)
{
	const struct card_state *st = c->st;
	const uint8_t v[7] = {
		st->pw1_mode, PIN_MAXLEN, PIN_MAXLEN, PIN_MAXLEN,
		st->pw1.tries, st->rc.tries, st->pw3.tries,
	};

	return buf_put(out, v, sizeof(v));
}

static int
get_fprs(struct card *c, uint16_t tag, struct buf *out)
{
	int i, r;

	for (i = 0; i < 3; i++) {
		if ((r = buf_put(out, tag == 0xc5 ? c->st->slot[i].fpr :
		    c->st->slot[i].cafpr, 20)) != 0)
			return r;
	}
	return 0;
}

static int
get_times(struct card *c, uint16_t tag, struct buf *out)
{
	int i, r;

	for (i = 0; i < 3; i++) {
		if ((r = buf_put_u32(out, c->st->slot[i].time)) != 0)
			return r;
	}
	return 0;
}

static int
get_keyinfo(struct card *c, uint16_t tag, struct buf *out)
{
	int i, r;

	for (i = 0; i < 3; i++) {
		if ((r = buf_put_u8(out, (uint8_t)(i + 1))) != 0 ||
		    (r = buf_put_u8(out, c->st->slot[i].key == NULL ? 0 :
		    c->st->slot[i].origin)) != 0)
			return r;
	}
	return 0;
}

static int
get_uif(struct card *c, uint16_t tag, struct buf *out)
{
	int r;

	if ((r = buf_put_u8(out, c->st->slot[tag - 0xd6].uif)) != 0 ||
	    (r = buf_put_u8(out, 0x20)) != 0)	/* button */
		return r;
	return 0;
}

static int
get_extlen(struct card *c, uint16_t tag, struct buf *out)
{
	uint8_t v[2];
	int r;

	if (!c->st->extended)
		return ERR_NOT_FOUND;
	v[0] = CARD_CMD_MAX >> 8;
	v[1] = CARD_CMD_MAX & 0xff;
	if ((r = tlv_put(out, 0x02, v, sizeof(v))) != 0)
		return r;
	v[0] = CARD_RSP_MAX >> 8;
	v[1] = CARD_RSP_MAX & 0xff;
	return tlv_put(out, 0x02, v, sizeof(v));
}

static int
get_features(struct card *c, uint16_t tag, struct buf *out)
{
	static const uint8_t button = 0x20;

	return tlv_put(out, 0x81, &button, 1);
}

/* ---- setters ---- */

static sw_t
put_stored(struct card *c, uint16_t tag, const uint8_t *v, size_t len)
{
	struct buf *b;
	int i;

	if ((i = stored_index(tag)) < 0)
		return SW_UNKNOWN;
	if (i == SDO_CERT && c->cert_occurrence != 0)
		return SW_NOT_FOUND;
	b = c->st->dos[i];
	buf_reset(b);
	return buf_put(b, v, len) == 0 ? SW_OK : SW_MEMORY;
}

static sw_t
put_attr(struct card *c, uint16_t tag, const uint8_t *v, size_t len)
{
	enum key_slot s = (enum key_slot)(tag - 0xc1);
	struct slot *sl = &c->st->slot[s];
	enum key_type type;

	if (key_algo_attr_parse(v, len, &type) != 0 ||
	    key_type_check_slot(type, s) != 0)
		return SW_WRONG_DATA;
	if (type != sl->type) {
		/* A key of another algorithm is gone, as on real cards. */
		state_clear_slot(sl);
		sl->type = type;
	}
	return SW_OK;
}

static sw_t
put_pwstatus(struct card *c, uint16_t tag, const uint8_t *v, size_t len)
{
	if ((len != 1 && len != 4) || v[0] > 1)
		return SW_WRONG_DATA;
	c->st->pw1_mode = v[0];
	return SW_OK;
}

/* C7..C9 fingerprints, CA..CC CA fingerprints, CE..D0 times. */
static sw_t
put_slot_data(struct card *c, uint16_t tag, const uint8_t *v, size_t len)
{
	struct slot *s;
	struct buf *b;
	sw_t sw = SW_OK;

	if (tag >= 0xce) {
		s = &c->st->slot[tag - 0xce];
		if (len != 4 || (b = buf_from(v, len)) == NULL)
			return SW_WRONG_LENGTH;
		if (buf_get_u32(b, &s->time) != 0)
			sw = SW_WRONG_LENGTH;
		buf_free(b);
		return sw;
	}
	if (len != 20)
		return SW_WRONG_LENGTH;
	if (tag >= 0xca)
		memcpy(c->st->slot[tag - 0xca].cafpr, v, len);
	else
		memcpy(c->st->slot[tag - 0xc7].fpr, v, len);
	return SW_OK;
}

static sw_t
put_rc(struct card *c, uint16_t tag, const uint8_t *v, size_t len)
{
	if (len != 0 && len < RC_MINLEN)
		return SW_WRONG_DATA;
	return state_set_pin(&c->st->rc, v, len) == 0 ? SW_OK : SW_WRONG_DATA;
}

static sw_t
put_uif(struct card *c, uint16_t tag, const uint8_t *v, size_t len)
{
	struct slot *s = &c->st->slot[tag - 0xd6];

	if (len < 1 || v[0] > 2)
		return SW_WRONG_DATA;
	if (s->uif == 2)	/* permanent: only a reset clears it */
		return SW_SECURITY;
	s->uif = v[0];
	return SW_OK;
}

/* ---- commands ---- */

/* SELECT DATA: which occurrence of 7F21 later GET/PUT DATA address. */
sw_t
op_select_data(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	static const uint8_t cert_tag[] = { 0x7f, 0x21 };
	struct tlv t;

	if (a->p1 > 2 || a->p2 != 0x04)
		return SW_WRONG_P1P2;
	if (tlv_find(a->data, a->lc, 0x5c, &t) != 0 ||
	    t.len != sizeof(cert_tag) ||
	    memcmp(t.val, cert_tag, sizeof(cert_tag)) != 0)
		return SW_WRONG_DATA;
	c->cert_occurrence = a->p1;
	return SW_OK;
}

sw_t
op_get_data(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	const struct do_def *d;
	uint16_t tag = (uint16_t)(a->p1 << 8 | a->p2);
	struct buf *v;
	int r;

	if ((d = do_find(tag)) == NULL || d->get == NULL ||
	    d->rd == ACC_NEVER)
		return SW_NOT_FOUND;
	if (!access_ok(c, d->rd))
		return SW_SECURITY;
	if ((d->flags & DO_WRAP) == 0) {
		r = d->get(c, tag, out);
	} else {
		if ((v = buf_new()) == NULL)
			return SW_MEMORY;
		if ((r = d->get(c, tag, v)) == 0)
			r = tlv_put(out, tag, buf_ptr(v), buf_len(v));
		buf_free(v);
	}
	if (r == ERR_NOT_FOUND)
		return SW_NOT_FOUND;
	return r == 0 ? SW_OK : SW_UNKNOWN;
}

sw_t
op_put_data(struct card *c, const struct apdu *a, struct buf *out,
    int *touchp)
{
	const struct do_def *d;
	uint16_t tag = (uint16_t)(a->p1 << 8 | a->p2);
	sw_t sw;

	if ((d = do_find(tag)) == NULL || d->put == NULL)
		return SW_NOT_FOUND;
	if (!access_ok(c, d->wr))
		return SW_SECURITY;
	if (a->lc > d->maxlen)
		return SW_WRONG_LENGTH;
	if ((sw = d->put(c, tag, a->data, a->lc)) != SW_OK)
		return sw;
	return card_persist(c);
}
