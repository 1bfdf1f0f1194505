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

int
floor_open(struct floor *f, const char *reader, const char *pin,
    const char *keytype, uint32_t flags)
{
	uint8_t data[BENCH_DATA_LEN];
	enum pgp_sig alg;
	int r;

	memset(f, 0, sizeof(*f));
	bench_data(data, sizeof(data));
	if ((r = floor_alg(keytype, flags, &alg)) != 0)
		return r;
	if ((f->in = buf_new()) == NULL || (f->resp = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = pgp_sig_input(alg, data, sizeof(data), f->in)) != 0 ||
	    (r = reader_ctx_new(&f->ctx, NULL)) != 0 ||
	    (r = reader_connect(f->ctx, reader, &f->conn)) != 0 ||
	    (r = floor_login(f->conn, &f->card, pin)) != 0)
		return r;
	return 0;
}

void
floor_close(struct floor *f)
{
	reader_disconnect(f->conn, 0);
	reader_ctx_free(f->ctx);
	buf_free(f->in);
	buf_free(f->resp);
	memset(f, 0, sizeof(*f));
}

int
floor_once(struct floor *f)
{
	buf_reset(f->resp);
	return iso_internal_auth(&f->card.iso, buf_ptr(f->in), buf_len(f->in),
	    f->resp);
}

int
floor_sign(const char *reader, const char *pin, const char *keytype,
    uint32_t flags, size_t n, const char *out)
{
	struct samples s = { 0 };
	struct floor f;
	uint64_t t0;
	size_t i;
	int r;

	if ((r = floor_open(&f, reader, pin, keytype, flags)) != 0)
		goto out;
	for (i = 0; r == 0 && i < n; i++) {
		t0 = now_ns();
		if ((r = floor_once(&f)) == 0)
			r = samples_add(&s, now_ns() - t0);
	}
	if (r == 0 && (r = samples_save(&s, out)) == 0)
		stats_print("", &s);
 out:
	floor_close(&f);
	samples_free(&s);
	return r;
}
