/*
 * pcscprobe: a small PC/SC client for the test rig.
 *
 *	pcscprobe [-v] list
 *	pcscprobe [-v] wait READER present|empty TIMEOUT_MS
 *	pcscprobe [-v] [-R] [-X] apdu READER HEX [HEX ...]
 *
 * READER is a reader name or an index into pcscd's reader list.  `apdu'
 * connects in shared mode, sends all APDUs in one transaction and prints
 * each answer (data and status word) in hex, one line per command.  It
 * follows 61xx with GET RESPONSE and prints the joined answer, unless -R.
 * -X resets the card when it disconnects, as another program may.
 * Exit status: 0 success, 1 failure, 2 usage.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcsclite.h>
#include <winscard.h>

#include "buf.h"
#include "err.h"
#include "log.h"

#define EXIT_USAGE		2
#define GET_RESPONSE_MAX	64	/* 61xx rounds per command */
#define RESP_MAX		MAX_BUFFER_SIZE_EXTENDED

static int follow_61xx = 1;
static DWORD disposition = SCARD_LEAVE_CARD;	/* -X: SCARD_RESET_CARD */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pcscprobe [-v] list\n"
	    "       pcscprobe [-v] wait READER present|empty TIMEOUT_MS\n"
	    "       pcscprobe [-v] [-R] [-X] apdu READER HEX [HEX ...]\n");
}

static int
pcsc_fail(const char *what, LONG rv)
{
	error("%s: %s (0x%08lx)", what, pcsc_stringify_error(rv),
	    (unsigned long)rv);
	return ERR_SYSTEM;
}

/* Hex digits, optionally separated by spaces or colons, into a buffer. */
static int
hex_decode(const char *s, struct buf **bp)
{
	struct buf *b = NULL;
	int hi = -1, v, r = ERR_FORMAT;

	*bp = NULL;
	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == ':')
			continue;
		if (!isxdigit((unsigned char)*s))
			goto out;
		v = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if ((r = buf_put_u8(b, (uint8_t)(hi << 4 | v))) != 0)
			goto out;
		hi = -1;
	}
	if (hi >= 0 || buf_len(b) < 4) {
		r = ERR_FORMAT;
		goto out;
	}
	*bp = b;
	b = NULL;
	r = 0;
 out:
	buf_free(b);
	return r;
}

static int
hex_print(const struct buf *b)
{
	struct buf *view;
	uint8_t v;

	if ((view = buf_from(buf_ptr(b), buf_len(b))) == NULL)
		return ERR_ALLOC;
	while (buf_get_u8(view, &v) == 0)
		printf("%02x", v);
	printf("\n");
	buf_free(view);
	return 0;
}

/* The reader names as a NUL-separated, double-NUL-terminated list. */
static int
reader_list(SCARDCONTEXT ctx, char **mszp, DWORD *lenp)
{
	char *msz = NULL;
	DWORD len = 0;
	LONG rv;

	*mszp = NULL;
	*lenp = 0;
	rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return 0;
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardListReaders", rv);
	if ((msz = calloc(1, len + 1)) == NULL)
		return ERR_ALLOC;
	rv = SCardListReaders(ctx, NULL, msz, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		free(msz);
		return 0;
	}
	if (rv != SCARD_S_SUCCESS) {
		free(msz);
		return pcsc_fail("SCardListReaders", rv);
	}
	*mszp = msz;
	*lenp = len;
	return 0;
}

/* Next name in a multi-string, or NULL at its end. */
static const char *
reader_next(const char *msz, DWORD len, size_t *offp)
{
	const char *name;

	if (msz == NULL || *offp >= len || msz[*offp] == '\0')
		return NULL;
	name = &msz[*offp];
	*offp += strlen(name) + 1;
	return name;
}

/* A reader index, or -1 if arg is not a plain decimal number. */
static long
reader_index(const char *arg)
{
	char *end;
	long idx;

	errno = 0;
	idx = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || idx < 0)
		return -1;
	return idx;
}

/* READER as a name, or else as an index into the list. */
static int
reader_resolve(SCARDCONTEXT ctx, const char *arg, char **namep)
{
	const char *name, *hit = NULL;
	char *msz = NULL;
	long i, idx;
	DWORD len;
	size_t off = 0;
	int r;

	*namep = NULL;
	if ((r = reader_list(ctx, &msz, &len)) != 0)
		return r;
	while (hit == NULL && (name = reader_next(msz, len, &off)) != NULL) {
		if (strcmp(name, arg) == 0)
			hit = name;
	}
	idx = reader_index(arg);
	off = 0;
	for (i = 0; hit == NULL && idx >= 0 &&
	    (name = reader_next(msz, len, &off)) != NULL; i++) {
		if (i == idx)
			hit = name;
	}
	if (hit == NULL) {
		error("no reader \"%s\"", arg);
		r = ERR_NOT_FOUND;
	} else if ((*namep = strdup(hit)) == NULL)
		r = ERR_ALLOC;
	free(msz);
	return r;
}

static void
atr_print(const SCARD_READERSTATE *rs)
{
	struct buf *atr;

	if (!(rs->dwEventState & SCARD_STATE_PRESENT) || rs->cbAtr == 0 ||
	    (atr = buf_from(rs->rgbAtr, rs->cbAtr)) == NULL) {
		printf("-\n");
		return;
	}
	(void)hex_print(atr);
	buf_free(atr);
}

static int
cmd_list(SCARDCONTEXT ctx)
{
	SCARD_READERSTATE rs;
	const char *name;
	char *msz = NULL;
	DWORD len;
	size_t off = 0;
	LONG rv;
	int r;

	if ((r = reader_list(ctx, &msz, &len)) != 0)
		return r;
	while ((name = reader_next(msz, len, &off)) != NULL) {
		memset(&rs, 0, sizeof(rs));
		rs.szReader = name;
		rs.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(ctx, 0, &rs, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			r = pcsc_fail("SCardGetStatusChange", rv);
			break;
		}
		printf("%s\t%s\t", name,
		    (rs.dwEventState & SCARD_STATE_PRESENT) ?
		    "present" : "empty");
		atr_print(&rs);
	}
	free(msz);
	return r;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Block in SCardGetStatusChange until the reader is present/empty. */
static int
wait_state(SCARDCONTEXT ctx, const char *name, int want_present,
    long timeout_ms)
{
	SCARD_READERSTATE rs;
	long deadline = now_ms() + timeout_ms, left;
	LONG rv;
	int present;

	memset(&rs, 0, sizeof(rs));
	rs.szReader = name;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		rv = SCardGetStatusChange(ctx, (DWORD)left, &rs, 1);
		if (rv == SCARD_E_TIMEOUT && left > 0)
			continue;
		if (rv == SCARD_E_TIMEOUT) {
			error("timeout: reader \"%s\" is still %s", name,
			    want_present ? "empty" : "present");
			return ERR_NOT_FOUND;
		}
		if (rv != SCARD_S_SUCCESS)
			return pcsc_fail("SCardGetStatusChange", rv);
		if (rs.dwEventState &
		    (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) {
			error("reader \"%s\" went away", name);
			return ERR_NOT_FOUND;
		}
		present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
		debug("state 0x%lx", (unsigned long)rs.dwEventState);
		if (present == want_present)
			return 0;
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
}

static int
cmd_wait(SCARDCONTEXT ctx, int argc, char **argv)
{
	char *name = NULL, *end;
	long ms;
	int want, r;

	if (argc != 3)
		return ERR_ARGUMENT;
	if (strcmp(argv[1], "present") == 0)
		want = 1;
	else if (strcmp(argv[1], "empty") == 0)
		want = 0;
	else
		return ERR_ARGUMENT;
	errno = 0;
	ms = strtol(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || errno != 0 || ms < 0 ||
	    ms > INT_MAX)
		return ERR_ARGUMENT;
	if ((r = reader_resolve(ctx, argv[0], &name)) != 0)
		return r;
	r = wait_state(ctx, name, want, ms);
	free(name);
	return r;
}

/* One SCardTransmit; resp gets the answer including SW1 SW2. */
static int
transmit_raw(SCARDHANDLE card, DWORD proto, const struct buf *cmd,
    struct buf *resp)
{
	const SCARD_IO_REQUEST *pci;
	uint8_t *dp;
	DWORD rlen = RESP_MAX;
	LONG rv;
	int r;

	pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	buf_reset(resp);
	if ((r = buf_reserve(resp, RESP_MAX, &dp)) != 0)
		return r;
	rv = SCardTransmit(card, pci, buf_ptr(cmd), buf_len(cmd), NULL,
	    dp, &rlen);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardTransmit", rv);
	if (rlen < 2 || rlen > RESP_MAX) {
		error("card answer of %lu bytes", (unsigned long)rlen);
		return ERR_FORMAT;
	}
	return buf_consume_end(resp, RESP_MAX - rlen);
}

/* Split an answer into data (appended to out) and its status word. */
static int
split_sw(const struct buf *resp, struct buf *out, uint16_t *swp)
{
	struct buf *view;
	int r;

	*swp = 0;
	if ((view = buf_from(buf_ptr(resp), buf_len(resp))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put(out, buf_ptr(resp), buf_len(resp) - 2)) == 0 &&
	    (r = buf_consume(view, buf_len(resp) - 2)) == 0)
		r = buf_get_u16(view, swp);
	buf_free(view);
	return r;
}

/* Send cmd, following 61xx with GET RESPONSE; out = data || SW. */
static int
transmit(SCARDHANDLE card, DWORD proto, const struct buf *cmd,
    struct buf *out)
{
	struct buf *resp = NULL, *getresp = NULL;
	uint16_t sw;
	int r, n;

	if ((resp = buf_new_capped(RESP_MAX)) == NULL ||
	    (getresp = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = transmit_raw(card, proto, cmd, resp)) != 0 ||
	    (r = split_sw(resp, out, &sw)) != 0)
		goto out;
	for (n = 0; follow_61xx && (sw >> 8) == 0x61; n++) {
		if (n >= GET_RESPONSE_MAX) {
			error("card keeps answering 61xx");
			r = ERR_FORMAT;
			goto out;
		}
		debug("%04x: GET RESPONSE", sw);
		buf_reset(getresp);
		if ((r = buf_put_u32(getresp, 0x00c00000)) != 0 ||
		    (r = buf_put_u8(getresp, sw & 0xff)) != 0 ||
		    (r = transmit_raw(card, proto, getresp, resp)) != 0 ||
		    (r = split_sw(resp, out, &sw)) != 0)
			goto out;
	}
	r = buf_put_u16(out, sw);
 out:
	buf_free(resp);
	buf_free(getresp);
	return r;
}

static int
apdu_send_all(SCARDHANDLE card, DWORD proto, int argc, char **argv)
{
	struct buf *cmd = NULL, *out = NULL;
	int i, r = 0;

	if ((out = buf_new()) == NULL)
		return ERR_ALLOC;
	for (i = 0; i < argc; i++) {
		buf_free(cmd);
		if ((r = hex_decode(argv[i], &cmd)) != 0) {
			error("bad APDU \"%s\"", argv[i]);
			break;
		}
		buf_reset(out);
		if ((r = transmit(card, proto, cmd, out)) != 0 ||
		    (r = hex_print(out)) != 0)
			break;
	}
	fflush(stdout);
	buf_free(cmd);
	buf_free(out);
	return r;
}

/* Reject a malformed APDU before touching the card. */
static int
apdu_check_all(int argc, char **argv)
{
	struct buf *cmd;
	int i, r;

	for (i = 0; i < argc; i++) {
		if ((r = hex_decode(argv[i], &cmd)) != 0) {
			error("bad APDU \"%s\": %s", argv[i], err_str(r));
			return r;
		}
		buf_free(cmd);
	}
	return 0;
}

static int
cmd_apdu(SCARDCONTEXT ctx, int argc, char **argv)
{
	SCARDHANDLE card = 0;
	DWORD proto = 0;
	char *name = NULL;
	LONG rv;
	int r, in_tx = 0, connected = 0;

	if (argc < 2)
		return ERR_ARGUMENT;
	if ((r = apdu_check_all(argc - 1, argv + 1)) != 0 ||
	    (r = reader_resolve(ctx, argv[0], &name)) != 0)
		goto out;
	rv = SCardConnect(ctx, name, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
	if (rv != SCARD_S_SUCCESS) {
		r = pcsc_fail("SCardConnect", rv);
		goto out;
	}
	connected = 1;
	if ((rv = SCardBeginTransaction(card)) != SCARD_S_SUCCESS) {
		r = pcsc_fail("SCardBeginTransaction", rv);
		goto out;
	}
	in_tx = 1;
	r = apdu_send_all(card, proto, argc - 1, argv + 1);
 out:
	if (in_tx && (rv = SCardEndTransaction(card, SCARD_LEAVE_CARD)) !=
	    SCARD_S_SUCCESS && r == 0)
		r = pcsc_fail("SCardEndTransaction", rv);
	if (connected)
		(void)SCardDisconnect(card, disposition);
	free(name);
	return r;
}

static int
run(const char *cmd, int argc, char **argv)
{
	SCARDCONTEXT ctx;
	LONG rv;
	int r;

	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardEstablishContext", rv);
	if (strcmp(cmd, "list") == 0)
		r = argc == 0 ? cmd_list(ctx) : ERR_ARGUMENT;
	else if (strcmp(cmd, "wait") == 0)
		r = cmd_wait(ctx, argc, argv);
	else if (strcmp(cmd, "apdu") == 0)
		r = cmd_apdu(ctx, argc, argv);
	else
		r = ERR_ARGUMENT;
	(void)SCardReleaseContext(ctx);
	return r;
}

int
main(int argc, char **argv)
{
	enum log_level level = LOG_LEVEL_INFO;
	int ch, r;

	while ((ch = getopt(argc, argv, "RvX")) != -1) {
		switch (ch) {
		case 'R':
			follow_61xx = 0;
			break;
		case 'X':
			disposition = SCARD_RESET_CARD;
			break;
		case 'v':
			level = LOG_LEVEL_DEBUG;
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	log_init("pcscprobe", level, 1);
	if (argc < 1) {
		usage();
		return EXIT_USAGE;
	}
	/* Unbuffered order between our stdout and the log on stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = run(argv[0], argc - 1, argv + 1);
	if (r == ERR_ARGUMENT) {
		usage();
		return EXIT_USAGE;
	}
	return r == 0 ? 0 : 1;
}
