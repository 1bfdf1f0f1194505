/*
 * cardtest: drives cardd's card access layer (libcard.a) for the
 * integration tests.
 *
 *	cardtest list
 *		one line per OpenPGP card: ident<TAB>reader<TAB>openssh-key
 *	cardtest sign IDENT ALG FILE PIN [COUNT]
 *		verify PW1 if needed, sign FILE COUNT times (default 1) on
 *		one connection; print each SSH signature blob in base64
 *	cardtest verify PUBFILE ALG FILE SIGB64
 *		check a signature blob against an OpenSSH public key line
 *		with OpenSSL (a code path independent of the signing one)
 *
 * APDU counts per step go to stderr as "apdus STEP N" lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cardtest.h"
#include "err.h"
#include "keyblob.h"
#include "log.h"
#include "openpgp.h"
#include "reader.h"

struct session {
	struct reader_conn	*conn;
	struct pgp_card		 card;
	const char		*reader;
};

static void
usage(void)
{
	fprintf(stderr, "usage: cardtest list\n"
	    "       cardtest sign IDENT ALG FILE PIN [COUNT]\n"
	    "       cardtest verify PUBFILE ALG FILE SIGB64\n");
	exit(2);
}

/* Connects to reader i, selects the application, reads 6E. */
static int
session_open(struct reader_ctx *ctx, size_t i, struct session *s)
{
	struct buf *atr = NULL, *hist = NULL;
	int reset, r;

	memset(s, 0, sizeof(*s));
	s->reader = reader_name(ctx, i);
	if ((atr = buf_new()) == NULL || (hist = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = reader_connect(ctx, s->reader, &s->conn)) != 0)
		goto out;
	pgp_card_init(&s->card, reader_transmit, s->conn);
	if ((r = reader_conn_atr(s->conn, atr)) != 0 ||
	    (r = iso_atr_historical(buf_ptr(atr), buf_len(atr), hist)) != 0 ||
	    (r = reader_begin(s->conn, &reset)) != 0)
		goto out;
	if ((r = pgp_select(&s->card)) == 0)
		r = pgp_read_info(&s->card, buf_ptr(hist), buf_len(hist),
		    reader_protocol(s->conn) == READER_PROTO_T0);
	reader_end(s->conn);
 out:
	if (r != 0) {
		reader_disconnect(s->conn, 0);
		s->conn = NULL;
	}
	buf_free(atr);
	buf_free(hist);
	return r;
}

static int
cmd_list(struct reader_ctx *ctx)
{
	struct session s;
	struct buf *blob;
	char *line = NULL;
	size_t i;
	int r, reset;

	for (i = 0; i < reader_count(ctx); i++) {
		if (!reader_present(ctx, i))
			continue;
		if ((r = session_open(ctx, i, &s)) != 0) {
			error_r(r, "%s", reader_name(ctx, i));
			continue;
		}
		if ((blob = buf_new()) == NULL)
			fatal("out of memory");
		if ((r = reader_begin(s.conn, &reset)) == 0) {
			r = pgp_read_pubkey(&s.card, PGP_SLOT_AUT, blob);
			reader_end(s.conn);
		}
		if (r == 0 && (r = keyblob_to_line(blob, s.card.info.ident,
		    &line)) == 0)
			printf("%s\t%s\t%s\n", s.card.info.ident, s.reader,
			    line);
		else
			error_r(r, "%s: authentication key", s.reader);
		fprintf(stderr, "apdus list %s %lu\n", s.card.info.ident,
		    s.card.iso.napdus);
		free(line);
		line = NULL;
		buf_free(blob);
		reader_disconnect(s.conn, 0);
	}
	return 0;
}

static int
find_card(struct reader_ctx *ctx, const char *ident, struct session *s)
{
	size_t i;

	for (i = 0; i < reader_count(ctx); i++) {
		if (!reader_present(ctx, i) || session_open(ctx, i, s) != 0)
			continue;
		if (strcmp(s->card.info.ident, ident) == 0)
			return 0;
		reader_disconnect(s->conn, 0);
		s->conn = NULL;
	}
	return ERR_NOT_FOUND;
}

/* PW1 status, then VERIFY only if the card wants it. */
static int
login(struct session *s, struct buf *pin)
{
	unsigned long n0 = s->card.iso.napdus;
	int verified, tries, r;

	if ((r = pgp_pw1_status(&s->card, &verified, &tries)) != 0)
		return r;
	fprintf(stderr, "apdus status %lu\n", s->card.iso.napdus - n0);
	if (verified)
		return 0;
	if (tries < 2) {
		error("%d PIN tries left: not verifying", tries);
		return ERR_PIN_BLOCKED;
	}
	n0 = s->card.iso.napdus;
	r = pgp_verify_pw1(&s->card, pin);
	fprintf(stderr, "apdus verify %lu\n", s->card.iso.napdus - n0);
	return r;
}

static int
sign_once(struct session *s, enum pgp_sig alg, const struct buf *data)
{
	struct buf *sig;
	char *b64 = NULL;
	unsigned long n0 = s->card.iso.napdus;
	int reset, r;

	if ((sig = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = reader_begin(s->conn, &reset)) != 0)
		goto out;
	r = reset ? ERR_CARD_RESET :
	    pgp_sign_auth(&s->card, alg, buf_ptr(data), buf_len(data), sig);
	reader_end(s->conn);
	if (r != 0 || (r = ct_base64(sig, &b64)) != 0)
		goto out;
	printf("%s\n", b64);
	fprintf(stderr, "apdus sign %lu\n", s->card.iso.napdus - n0);
 out:
	free(b64);
	buf_free(sig);
	return r;
}

static int
cmd_sign(struct reader_ctx *ctx, char **argv, int argc)
{
	struct session s;
	struct buf *data = NULL, *pin = NULL;
	enum pgp_sig alg;
	int i, count = argc > 4 ? atoi(argv[4]) : 1, reset, r;

	memset(&s, 0, sizeof(s));
	if ((r = pgp_sig_from_name(argv[1], &alg)) != 0) {
		error("unknown algorithm %s", argv[1]);
		return r;
	}
	if ((pin = buf_dup(argv[3], strlen(argv[3]))) == NULL)
		return ERR_ALLOC;
	explicit_bzero(argv[3], strlen(argv[3]));
	if ((r = ct_read_file(argv[2], &data)) != 0)
		goto out;
	if ((r = find_card(ctx, argv[0], &s)) != 0) {
		error("no card %s", argv[0]);
		goto out;
	}
	fprintf(stderr, "apdus select+read %lu\n", s.card.iso.napdus);
	if ((r = reader_begin(s.conn, &reset)) != 0)
		goto out;
	r = login(&s, pin);
	reader_end(s.conn);
	for (i = 0; r == 0 && i < count; i++)
		r = sign_once(&s, alg, data);
 out:
	if (r != 0)
		error_r(r, "sign");
	reader_disconnect(s.conn, 0);
	buf_free(pin);
	buf_free(data);
	return r;
}

int
main(int argc, char **argv)
{
	struct reader_ctx *ctx = NULL;
	int r;

	log_init("cardtest", getenv("CARDTEST_DEBUG") != NULL ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR, 1);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "verify") == 0) {
		if (argc != 6)
			usage();
		return ct_verify(argv[2], argv[3], argv[4], argv[5]) == 0 ?
		    0 : 1;
	}
	if ((strcmp(argv[1], "list") == 0 && argc != 2) ||
	    (strcmp(argv[1], "sign") == 0 && argc != 6 && argc != 7))
		usage();
	if ((r = reader_ctx_new(&ctx, NULL)) != 0) {
		error_r(r, "PC/SC");
		return 1;
	}
	if (strcmp(argv[1], "list") == 0)
		r = cmd_list(ctx);
	else if (strcmp(argv[1], "sign") == 0)
		r = cmd_sign(ctx, argv + 2, argc - 2);
	else
		usage();
	reader_ctx_free(ctx);
	return r == 0 ? 0 : 1;
}
