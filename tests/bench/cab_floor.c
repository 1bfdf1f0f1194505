/*
 * The floor: what the card itself costs.  cabench connects to the
 * reader, selects the OpenPGP application and VERIFYs PW1 once, then
 * sends the same INTERNAL AUTHENTICATE an agent would, straight through
 * PC/SC: no transaction, no status check, nothing in between.  It uses
 * cardd's card layer so the APDUs are byte for byte cardagent's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cabench.h"
#include "err.h"
#include "log.h"
#include "openpgp.h"
#include "reader.h"

/* The signature algorithm for an OpenSSH key type and request flags. */
static int
floor_alg(const char *keytype, uint32_t flags, enum pgp_sig *algp)
{
	if (strcmp(keytype, "ssh-rsa") != 0)
		return pgp_sig_from_name(keytype, algp);
	*algp = (flags & 4) ? PGP_SIG_RSA_SHA512 : (flags & 2) ?
	    PGP_SIG_RSA_SHA256 : PGP_SIG_RSA_SHA1;
	return 0;
}

/* Select, read 6E (extended length or not), VERIFY PW1. */
static int
floor_login(struct reader_conn *conn, struct pgp_card *card,
    const char *pin)
{
	struct buf *atr = NULL, *hist = NULL, *pinb = NULL;
	int r;

	pgp_card_init(card, reader_transmit, conn);
	if ((atr = buf_new()) == NULL || (hist = buf_new()) == NULL ||
	    (pinb = buf_dup(pin, strlen(pin))) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = reader_conn_atr(conn, atr)) != 0 ||
	    (r = iso_atr_historical(buf_ptr(atr), buf_len(atr), hist)) != 0 ||
	    (r = pgp_select(card)) != 0 ||
	    (r = pgp_read_info(card, buf_ptr(hist), buf_len(hist),
	    reader_protocol(conn) == READER_PROTO_T0)) != 0 ||
	    (r = pgp_verify_pw1(card, pinb)) != 0)
		goto out;
 out:
	buf_free(atr);
	buf_free(hist);
	buf_free(pinb);
	return r;
}

/* n INTERNAL AUTHENTICATE of the same input, each one timed. */
static int
floor_loop(struct pgp_card *card, const struct buf *in, size_t n,
    struct samples *s)
{
	struct buf *resp;
	uint64_t t0;
	size_t i;
	int r = 0;

	if ((resp = buf_new()) == NULL)
		return ERR_ALLOC;
	for (i = 0; r == 0 && i < n; i++) {
		buf_reset(resp);
		t0 = now_ns();
		if ((r = iso_internal_auth(&card->iso, buf_ptr(in),
		    buf_len(in), resp)) == 0)
			r = samples_add(s, now_ns() - t0);
	}
	buf_free(resp);
	return r;
}

int
floor_sign(const char *reader, const char *pin, const char *keytype,
    uint32_t flags, size_t n, const char *out)
{
	struct samples s = { 0 };
	struct reader_ctx *ctx = NULL;
	struct reader_conn *conn = NULL;
	struct pgp_card card;
	struct buf *in = NULL;
	uint8_t data[BENCH_DATA_LEN];
	enum pgp_sig alg;
	int r;

	bench_data(data, sizeof(data));
	if ((r = floor_alg(keytype, flags, &alg)) != 0)
		return r;
	if ((in = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = pgp_sig_input(alg, data, sizeof(data), in)) != 0 ||
	    (r = reader_ctx_new(&ctx)) != 0 ||
	    (r = reader_connect(ctx, reader, &conn)) != 0 ||
	    (r = floor_login(conn, &card, pin)) != 0 ||
	    (r = floor_loop(&card, in, n, &s)) != 0 ||
	    (r = samples_save(&s, out)) != 0)
		goto out;
	stats_print("", &s);
 out:
	reader_disconnect(conn, 0);
	reader_ctx_free(ctx);
	buf_free(in);
	samples_free(&s);
	return r;
}
