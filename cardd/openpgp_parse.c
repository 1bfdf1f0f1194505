/*
 * Parsing of what an OpenPGP card returns: application related data
 * (6E) with the AID, capabilities, algorithm attributes, PW status and
 * UIF; and public key templates (7F49) into OpenSSH key blobs.  Pure
 * functions over byte strings, so the unit tests can feed them anything.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "keyblob.h"
#include "openpgp.h"
#include "tlv.h"

const struct pgp_do pgp_do_table[] = {
	{ 0x006e, 0, PGP_DO_CONSTRUCTED | PGP_DO_GET_DATA | PGP_DO_REQUIRED,
	    "application related data" },
	{ 0x004f, 0x006e, PGP_DO_REQUIRED, "application identifier" },
	{ 0x5f52, 0x006e, 0, "historical bytes" },
	{ 0x7f66, 0x006e, PGP_DO_CONSTRUCTED, "extended length information" },
	{ 0x0073, 0x006e, PGP_DO_CONSTRUCTED, "discretionary data objects" },
	{ 0x00c0, 0x0073, 0, "extended capabilities" },
	{ 0x00c1, 0x0073, 0, "algorithm attributes, signature" },
	{ 0x00c2, 0x0073, 0, "algorithm attributes, decryption" },
	{ 0x00c3, 0x0073, 0, "algorithm attributes, authentication" },
	{ 0x00c4, 0x0073, PGP_DO_GET_DATA, "PW status bytes" },
	{ 0x00c5, 0x0073, 0, "fingerprints" },
	{ 0x00d6, 0x0073, 0, "user interaction flag, signature" },
	{ 0x00d7, 0x0073, 0, "user interaction flag, decryption" },
	{ 0x00d8, 0x0073, 0, "user interaction flag, authentication" },
	{ 0x7f49, 0, PGP_DO_CONSTRUCTED, "public key template" },
	{ 0x0081, 0x7f49, 0, "RSA modulus" },
	{ 0x0082, 0x7f49, 0, "RSA public exponent" },
	{ 0x0086, 0x7f49, 0, "EC public key" },
};
const size_t pgp_do_count = sizeof(pgp_do_table) / sizeof(pgp_do_table[0]);

static const uint8_t rid_openpgp[6] = { 0xd2, 0x76, 0x00, 0x01, 0x24, 0x01 };

static const struct {
	enum pgp_curve	 curve;
	unsigned	 bits;
	uint8_t		 oidlen;
	uint8_t		 oid[10];
} curves[] = {
	{ PGP_CURVE_P256, 256, 8,
	    { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 } },
	{ PGP_CURVE_P384, 384, 5, { 0x2b, 0x81, 0x04, 0x00, 0x22 } },
	{ PGP_CURVE_P521, 521, 5, { 0x2b, 0x81, 0x04, 0x00, 0x23 } },
	{ PGP_CURVE_ED25519, 255, 9,
	    { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01 } },
	{ PGP_CURVE_CV25519, 255, 10,
	    { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01 } },
};

const struct pgp_do *
pgp_do_find(uint32_t tag)
{
	size_t i;

	for (i = 0; i < pgp_do_count; i++) {
		if (pgp_do_table[i].tag == tag)
			return &pgp_do_table[i];
	}
	return NULL;
}

int
pgp_parse_aid(const uint8_t *aid, size_t len, struct pgp_info *info)
{
	struct buf *b;
	uint8_t rid[6];
	int r;

	if (len != sizeof(info->aid))
		return ERR_FORMAT;
	if ((b = buf_from(aid, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get(b, rid, sizeof(rid))) != 0 ||
	    (r = buf_get_u8(b, &info->version_major)) != 0 ||
	    (r = buf_get_u8(b, &info->version_minor)) != 0 ||
	    (r = buf_get_u16(b, &info->manufacturer)) != 0 ||
	    (r = buf_get_u32(b, &info->serial)) != 0)
		goto out;
	if (memcmp(rid, rid_openpgp, sizeof(rid)) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(info->aid, aid, len);
	snprintf(info->ident, sizeof(info->ident), "%04X:%08X",
	    (unsigned)info->manufacturer, (unsigned)info->serial);
 out:
	buf_free(b);
	return r;
}

/* OID (optionally followed by an import format byte 00 or FF). */
static void
algo_curve(const uint8_t *oid, size_t len, struct pgp_algo *a)
{
	size_t i;

	a->curve = PGP_CURVE_UNKNOWN;
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		if (len < curves[i].oidlen || len > curves[i].oidlen + 1U ||
		    memcmp(oid, curves[i].oid, curves[i].oidlen) != 0)
			continue;
		a->curve = curves[i].curve;
		a->bits = curves[i].bits;
		return;
	}
}

int
pgp_parse_algo(const uint8_t *attr, size_t len, struct pgp_algo *a)
{
	struct buf *b;
	uint8_t id;
	uint16_t nbits, ebits;
	int r;

	memset(a, 0, sizeof(*a));
	if ((b = buf_from(attr, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &id)) != 0)
		goto out;
	switch (id) {
	case 0x01:	/* RSA: n bits, e bits, import format */
		if ((r = buf_get_u16(b, &nbits)) != 0 ||
		    (r = buf_get_u16(b, &ebits)) != 0)
			goto out;
		if (nbits < 512 || nbits > 16384 || ebits == 0 ||
		    ebits > 256) {
			r = ERR_FORMAT;
			goto out;
		}
		a->type = PGP_ALGO_RSA;
		a->bits = nbits;
		break;
	case 0x12:
	case 0x13:
	case 0x16:
		if (buf_len(b) == 0) {
			r = ERR_FORMAT;
			goto out;
		}
		a->type = id == 0x12 ? PGP_ALGO_ECDH : id == 0x13 ?
		    PGP_ALGO_ECDSA : PGP_ALGO_EDDSA;
		algo_curve(buf_ptr(b), buf_len(b), a);
		break;
	default:
		a->type = PGP_ALGO_UNKNOWN;
		break;
	}
 out:
	if (r != 0)
		memset(a, 0, sizeof(*a));
	buf_free(b);
	return r;
}

int
pgp_parse_pwstatus(const uint8_t *c4, size_t len, struct pgp_info *info)
{
	struct buf *b;
	uint8_t v[7];
	int r;

	info->pw1_tries = -1;
	if ((b = buf_from(c4, len)) == NULL)
		return ERR_ALLOC;
	/* validity, 3 max lengths, 3 retry counters (PW1, RC, PW3) */
	if ((r = buf_get(b, v, sizeof(v))) == 0) {
		info->pw1_multi = v[0] != 0;
		info->pw1_tries = v[4];
	}
	buf_free(b);
	return r;
}

/* 7F66: two INTEGERs (tag 02), max command and max response length. */
static int
parse_extlen(const uint8_t *v, size_t len, struct pgp_info *info)
{
	struct buf *b, *iv = NULL;
	struct tlv cmd, rsp;
	uint16_t mc = 0, mr = 0;
	int r;

	if ((b = buf_from(v, len)) == NULL)
		return ERR_ALLOC;
	if ((r = tlv_get(b, &cmd)) != 0 || (r = tlv_get(b, &rsp)) != 0)
		goto out;
	if (cmd.tag != 0x02 || rsp.tag != 0x02 || cmd.len != 2 ||
	    rsp.len != 2) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((iv = buf_from(cmd.val, 2)) == NULL ||
	    (r = buf_get_u16(iv, &mc)) != 0)
		goto out;
	buf_free(iv);
	if ((iv = buf_from(rsp.val, 2)) == NULL ||
	    (r = buf_get_u16(iv, &mr)) != 0)
		goto out;
	info->max_cmd = mc;
	info->max_resp = mr;
 out:
	if (r == 0 && iv == NULL)
		r = ERR_ALLOC;
	buf_free(iv);
	buf_free(b);
	return r;
}

/* C0: capabilities byte; version 2 cards keep max lengths in it. */
static int
parse_extcap(const uint8_t *v, size_t len, struct pgp_info *info)
{
	struct buf *b;
	uint16_t mc, mr;
	int r;

	if ((b = buf_from(v, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &info->extcap)) != 0)
		goto out;
	if (info->version_major < 3 && len >= 10 &&
	    (r = buf_consume(b, 5)) == 0 &&
	    (r = buf_get_u16(b, &mc)) == 0 &&
	    (r = buf_get_u16(b, &mr)) == 0 && info->max_cmd == 0) {
		info->max_cmd = mc;
		info->max_resp = mr;
	}
 out:
	buf_free(b);
	return r;
}

/* C5: three 20-byte fingerprints; all zero means no key in the slot. */
static int
parse_fprs(const uint8_t *v, size_t len, struct pgp_info *info)
{
	static const uint8_t zero[20];
	struct buf *b;
	uint8_t fpr[20];
	int i, r = 0;

	if ((b = buf_from(v, len)) == NULL)
		return ERR_ALLOC;
	for (i = 0; i < PGP_SLOTS && r == 0; i++) {
		if ((r = buf_get(b, fpr, sizeof(fpr))) == 0)
			info->key_present[i] = memcmp(fpr, zero, 20) != 0;
	}
	buf_free(b);
	return r;
}

static int
parse_hist(const uint8_t *v, size_t len, struct pgp_info *info)
{
	return iso_hist_caps(v, len, &info->extended, &info->chaining);
}

static int
parse_pwstatus(const uint8_t *v, size_t len, struct pgp_info *info)
{
	return pgp_parse_pwstatus(v, len, info);
}

static int
parse_uif(uint32_t tag, const uint8_t *v, size_t len, struct pgp_info *info)
{
	struct buf *b;
	uint8_t flag;
	int r;

	if ((b = buf_from(v, len)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u8(b, &flag)) == 0)
		info->uif[tag - 0xd6] = flag;
	buf_free(b);
	return r;
}

static int
parse_uif_sig(const uint8_t *v, size_t len, struct pgp_info *info)
{
	return parse_uif(0xd6, v, len, info);
}

static int
parse_uif_dec(const uint8_t *v, size_t len, struct pgp_info *info)
{
	return parse_uif(0xd7, v, len, info);
}

static int
parse_uif_aut(const uint8_t *v, size_t len, struct pgp_info *info)
{
	return parse_uif(0xd8, v, len, info);
}

/* Optional DOs inside 6E: absent is fine, malformed is not. */
static int
parse_optional(const uint8_t *v, size_t len, struct pgp_info *info)
{
	static const struct {
		uint32_t tag;
		int (*parse)(const uint8_t *, size_t, struct pgp_info *);
	} opt[] = {
		{ 0x5f52, parse_hist },
		{ 0x7f66, parse_extlen },
		{ 0x00c0, parse_extcap },	/* v2 lengths unless 7F66 */
		{ 0x00c4, parse_pwstatus },
		{ 0x00c5, parse_fprs },
		{ 0x00d6, parse_uif_sig },
		{ 0x00d7, parse_uif_dec },
		{ 0x00d8, parse_uif_aut },
	};
	struct tlv t;
	size_t i;
	int r;

	for (i = 0; i < PGP_SLOTS; i++)
		info->uif[i] = -1;
	for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		if ((r = tlv_find(v, len, opt[i].tag, &t)) == ERR_NOT_FOUND)
			continue;
		if (r != 0 || (r = opt[i].parse(t.val, t.len, info)) != 0)
			return r;
	}
	return 0;
}

int
pgp_parse_app_data(const uint8_t *data, size_t len, struct pgp_info *info)
{
	static const uint32_t attr_tags[PGP_SLOTS] = { 0xc1, 0xc2, 0xc3 };
	struct buf *b;
	struct tlv outer, t;
	int i, r;

	memset(info, 0, sizeof(*info));
	info->pw1_tries = -1;
	if ((b = buf_from(data, len)) == NULL)
		return ERR_ALLOC;
	if ((r = tlv_get(b, &outer)) != 0)
		goto out;
	if (outer.tag != 0x6e || buf_len(b) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = tlv_find(outer.val, outer.len, 0x4f, &t)) != 0 ||
	    (r = pgp_parse_aid(t.val, t.len, info)) != 0 ||
	    (r = parse_optional(outer.val, outer.len, info)) != 0)
		goto out;
	for (i = 0; i < PGP_SLOTS; i++) {
		r = tlv_find(outer.val, outer.len, attr_tags[i], &t);
		if (r == 0)
			r = pgp_parse_algo(t.val, t.len, &info->algo[i]);
		if (r != 0 && r != ERR_NOT_FOUND)
			goto out;
	}
	r = 0;
 out:
	if (r != 0)
		memset(info, 0, sizeof(*info));
	buf_free(b);
	return r;
}

/* Ed25519 points are 32 bytes; some cards prefix them with 40. */
static int
put_ed25519(const struct tlv *q, struct buf *blob)
{
	struct buf *b;
	uint8_t pfx;
	int r;

	if ((b = buf_from(q->val, q->len)) == NULL)
		return ERR_ALLOC;
	if (buf_len(b) == 33 && (r = buf_get_u8(b, &pfx)) == 0 &&
	    pfx != 0x40)
		r = ERR_FORMAT;
	else
		r = keyblob_put_ed25519(blob, buf_ptr(b), buf_len(b));
	buf_free(b);
	return r;
}

int
pgp_pubkey_blob(const struct pgp_algo *a, const uint8_t *data, size_t len,
    struct buf *blob)
{
	struct buf *b;
	struct tlv outer, n, e, q;
	int r;

	if ((b = buf_from(data, len)) == NULL)
		return ERR_ALLOC;
	if ((r = tlv_get(b, &outer)) != 0)
		goto out;
	if (outer.tag != 0x7f49) {
		r = ERR_FORMAT;
		goto out;
	}
	switch (a->type) {
	case PGP_ALGO_RSA:
		if ((r = tlv_find(outer.val, outer.len, 0x81, &n)) != 0 ||
		    (r = tlv_find(outer.val, outer.len, 0x82, &e)) != 0)
			break;
		if (n.len > (a->bits + 7) / 8 + 1 || n.len < 64)
			r = ERR_FORMAT;
		else
			r = keyblob_put_rsa(blob, n.val, n.len, e.val, e.len);
		break;
	case PGP_ALGO_ECDSA:
		if (a->curve != PGP_CURVE_P256 && a->curve != PGP_CURVE_P384 &&
		    a->curve != PGP_CURVE_P521)
			r = ERR_UNSUPPORTED;
		else if ((r = tlv_find(outer.val, outer.len, 0x86, &q)) == 0)
			r = keyblob_put_ecdsa(blob, (int)a->bits, q.val,
			    q.len);
		break;
	case PGP_ALGO_EDDSA:
		if (a->curve != PGP_CURVE_ED25519)
			r = ERR_UNSUPPORTED;
		else if ((r = tlv_find(outer.val, outer.len, 0x86, &q)) == 0)
			r = put_ed25519(&q, blob);
		break;
	default:
		r = ERR_UNSUPPORTED;
		break;
	}
	if (r == ERR_NOT_FOUND)
		r = ERR_FORMAT;
 out:
	buf_free(b);
	return r;
}
