/*
 * The ISO 7816-4 commands an OpenPGP host sends, one function each.
 */
#include "config.h"

#include "err.h"
#include "iso7816.h"
#include "log.h"

#define INS_SELECT	0xa4
#define INS_GET_DATA	0xca
#define INS_INT_AUTH	0x88
#define INS_GENERATE	0x47
#define INS_PSO		0x2a

int
iso_select_aid(struct iso_card *c, const uint8_t *aid, size_t len,
    struct buf *resp)
{
	uint16_t sw;
	int r;

	if (len == 0 || len > 16)
		return ERR_ARGUMENT;
	/* P2=0C: no FCI wanted, saving a GET RESPONSE round; cards that
	 * do not know it get the plain form. */
	if ((r = iso_transceive(c, 0x00, INS_SELECT, 0x04, 0x0c, aid, len,
	    0, resp, &sw)) != 0)
		return r;
	if (sw == 0x6a86 || sw == 0x6b00)
		return iso_cmd(c, INS_SELECT, 0x04, 0x00, aid, len, 0, resp);
	return iso_sw_err(sw);
}

int
iso_get_data(struct iso_card *c, uint16_t tag, struct buf *resp)
{
	return iso_cmd(c, INS_GET_DATA, (uint8_t)(tag >> 8), (uint8_t)tag,
	    NULL, 0, ISO_LE_MAX, resp);
}

int
iso_verify(struct iso_card *c, uint8_t p2, const struct buf *pin)
{
	struct buf *resp;
	int r;

	if (buf_len(pin) == 0 || buf_len(pin) > ISO_SHORT_MAX)
		return ERR_ARGUMENT;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	r = iso_cmd(c, ISO_INS_VERIFY, 0x00, p2, buf_ptr(pin), buf_len(pin), 0,
	    resp);
	buf_free(resp);
	return r;
}

int
iso_verify_status(struct iso_card *c, uint8_t p2, int *verifiedp,
    int *triesp)
{
	struct buf *resp;
	uint16_t sw;
	int r;

	*verifiedp = 0;
	*triesp = -1;
	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = iso_transceive(c, 0x00, ISO_INS_VERIFY, 0x00, p2, NULL, 0, 0,
	    resp, &sw)) != 0)
		goto out;
	if (sw == ISO_SW_OK)
		*verifiedp = 1;
	else if ((sw & 0xfff0) == 0x63c0)
		*triesp = sw & 0x0f;
	else if (sw == 0x6983)
		*triesp = 0;
	else
		r = iso_sw_err(sw);
 out:
	buf_free(resp);
	return r;
}

int
iso_internal_auth(struct iso_card *c, const uint8_t *data, size_t len,
    struct buf *resp)
{
	if (len == 0)
		return ERR_ARGUMENT;
	return iso_cmd(c, INS_INT_AUTH, 0x00, 0x00, data, len, ISO_LE_MAX,
	    resp);
}

int
iso_read_pubkey(struct iso_card *c, uint8_t crt, struct buf *resp)
{
	const uint8_t tmpl[2] = { crt, 0x00 };

	if (crt != 0xb6 && crt != 0xb8 && crt != 0xa4)
		return ERR_ARGUMENT;
	return iso_cmd(c, INS_GENERATE, 0x81, 0x00, tmpl, sizeof(tmpl),
	    ISO_LE_MAX, resp);
}

int
iso_pso_cds(struct iso_card *c, const uint8_t *data, size_t len,
    struct buf *resp)
{
	if (len == 0)
		return ERR_ARGUMENT;
	return iso_cmd(c, INS_PSO, 0x9e, 0x9a, data, len, ISO_LE_MAX, resp);
}
