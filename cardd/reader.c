/*
 * PC/SC access: reader list, change detection, shared connections.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <pcsclite.h>
#include <winscard.h>

#include "err.h"
#include "log.h"
#include "reader.h"

#define PNP_READER	"\\\\?PnP?\\Notification"
#define RECV_MAX	(MAX_BUFFER_SIZE_EXTENDED)
/* Bits of dwEventState that are not a change of the reader itself. */
#define STATE_IGNORED	(SCARD_STATE_CHANGED | SCARD_STATE_INUSE | \
			SCARD_STATE_EXCLUSIVE)

struct reader {
	char		*name;
	DWORD		 state;		/* last dwEventState */
	uint8_t		 atr[READER_ATR_MAX];
	size_t		 atrlen;
	int		 changed;
};

struct reader_ctx {
	SCARDCONTEXT	 sc;
	struct reader	 r[READER_MAX];
	size_t		 n;
	DWORD		 pnp_state;
	const char *const *ignore;	/* reader name globs */
};

struct reader_conn {
	struct reader_ctx *ctx;
	SCARDHANDLE	 h;
	DWORD		 proto;
	int		 in_tx;
};

int
reader_err(long rv)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return 0;
	case SCARD_E_TIMEOUT:
	case SCARD_E_CANCELLED:
		return ERR_TIMEOUT;
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_UNKNOWN_READER:
		return ERR_NO_CARD;
	case SCARD_W_RESET_CARD:
	/*
	 * pcscd 1.9.9 can power a card down behind a connected handle (a
	 * dead client's handle released while we connect); the card then
	 * has no protocol and every transmit fails so.  Like a reset: the
	 * PIN state is gone, SCardReconnect powers it up again.
	 */
	case SCARD_E_PROTO_MISMATCH:
		return ERR_CARD_RESET;
	case SCARD_E_NO_MEMORY:
		return ERR_ALLOC;
	case SCARD_E_INSUFFICIENT_BUFFER:
		return ERR_TOO_LARGE;
	case SCARD_E_INVALID_PARAMETER:
	case SCARD_E_INVALID_VALUE:
		return ERR_ARGUMENT;
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
		return ERR_CARD;
	default:
		return ERR_PCSC;
	}
}

static int
pcsc_fail(const char *what, LONG rv)
{
	int r = reader_err(rv);

	if (r == ERR_PCSC)
		error("%s: %s (0x%08lx)", what, pcsc_stringify_error(rv),
		    (unsigned long)rv);
	else
		debug("%s: %s", what, pcsc_stringify_error(rv));
	return r;
}

static void
reader_clear(struct reader *rd)
{
	free(rd->name);
	memset(rd, 0, sizeof(*rd));
}

/* Takes over the reader called name from the old list, or makes a new
 * one (marked changed: a reader that appears is news). */
static int
reader_adopt(struct reader *old, size_t nold, const char *name,
    struct reader *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nold; i++) {
		if (old[i].name != NULL && strcmp(old[i].name, name) == 0) {
			*out = old[i];
			memset(&old[i], 0, sizeof(old[i]));
			return 0;
		}
	}
	if ((out->name = strdup(name)) == NULL)
		return ERR_ALLOC;
	out->changed = 1;
	return 0;
}

/* The configuration asks us to leave this reader alone. */
static int
ignored(const struct reader_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; ctx->ignore != NULL && ctx->ignore[i] != NULL; i++) {
		if (fnmatch(ctx->ignore[i], name, 0) == 0) {
			debug("ignoring reader %s (matches \"%s\")", name,
			    ctx->ignore[i]);
			return 1;
		}
	}
	return 0;
}

/* Re-reads the reader list, keeping what is known of remaining readers.
 * Sets *listchangedp if a reader came or went. */
static int
reader_relist(struct reader_ctx *ctx, int *listchangedp)
{
	struct reader old[READER_MAX];
	char *names = NULL, *p;
	DWORD len = SCARD_AUTOALLOCATE;
	size_t nold = ctx->n, i;
	LONG rv;
	int r = 0;

	memcpy(old, ctx->r, sizeof(old));
	memset(ctx->r, 0, sizeof(ctx->r));
	ctx->n = 0;
	rv = SCardListReaders(ctx->sc, NULL, (LPSTR)&names, &len);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_NO_READERS_AVAILABLE) {
		r = pcsc_fail("SCardListReaders", rv);
		goto out;
	}
	/* A multi-string: NUL-separated names, empty name at the end. */
	for (p = names; rv == SCARD_S_SUCCESS && p != NULL && *p != '\0';
	    p += strlen(p) + 1) {
		if (strcmp(p, PNP_READER) == 0 || ignored(ctx, p))
			continue;
		if (ctx->n == READER_MAX) {
			error("more than %d readers, ignoring %s", READER_MAX,
			    p);
			continue;
		}
		if ((r = reader_adopt(old, nold, p, &ctx->r[ctx->n])) != 0)
			goto out;
		if (ctx->r[ctx->n].changed)
			*listchangedp = 1;
		ctx->n++;
	}
 out:
	for (i = 0; i < nold; i++) {
		if (old[i].name != NULL)
			*listchangedp = 1;
		reader_clear(&old[i]);
	}
	if (names != NULL)
		SCardFreeMemory(ctx->sc, names);
	return r;
}

int
reader_ctx_new(struct reader_ctx **ctxp, const char *const *ignore)
{
	struct reader_ctx *ctx;
	LONG rv;
	int r, dummy = 0;

	*ctxp = NULL;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return ERR_ALLOC;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx->sc);
	if (rv != SCARD_S_SUCCESS) {
		free(ctx);
		return pcsc_fail("SCardEstablishContext", rv);
	}
	ctx->ignore = ignore;
	if ((r = reader_relist(ctx, &dummy)) != 0 ||
	    ((r = reader_wait(ctx, 0, NULL)) != 0 && r != ERR_TIMEOUT)) {
		reader_ctx_free(ctx);
		return r;
	}
	*ctxp = ctx;
	return 0;
}

void
reader_ctx_free(struct reader_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	for (i = 0; i < ctx->n; i++)
		reader_clear(&ctx->r[i]);
	SCardReleaseContext(ctx->sc);
	free(ctx);
}

/* Copies the answer of SCardGetStatusChange into the reader list. */
static int
reader_note(struct reader_ctx *ctx, SCARD_READERSTATE *rs, size_t n)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++) {
		struct reader *rd = &ctx->r[i];

		if (((rs[i].dwEventState ^ rd->state) & ~STATE_IGNORED) != 0) {
			rd->changed = 1;
			any = 1;
		}
		rd->state = rs[i].dwEventState & ~SCARD_STATE_CHANGED;
		rd->atrlen = 0;
		if ((rd->state & SCARD_STATE_PRESENT) != 0 &&
		    rs[i].cbAtr <= sizeof(rd->atr)) {
			memcpy(rd->atr, rs[i].rgbAtr, rs[i].cbAtr);
			rd->atrlen = rs[i].cbAtr;
		}
	}
	return any;
}

/* One SCardGetStatusChange over the known readers (and the PnP
 * pseudo-reader if pnp is set).  *anyp: a reader changed; *pnpp: the
 * reader list changed. */
static int
reader_status(struct reader_ctx *ctx, int timeout_ms, int pnp, int *anyp,
    int *pnpp)
{
	SCARD_READERSTATE rs[READER_MAX + 1];
	size_t i, n = ctx->n;
	LONG rv;

	*anyp = *pnpp = 0;
	if (n == 0 && !pnp)
		return 0;
	memset(rs, 0, sizeof(rs));
	for (i = 0; i < n; i++) {
		rs[i].szReader = ctx->r[i].name;
		/* UNAWARE: answered at once, see reader_wait(). */
		rs[i].dwCurrentState = timeout_ms == 0 ? SCARD_STATE_UNAWARE :
		    ctx->r[i].state;
	}
	rs[n].szReader = PNP_READER;
	rs[n].dwCurrentState = ctx->pnp_state;
	rv = SCardGetStatusChange(ctx->sc,
	    timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, rs,
	    pnp ? n + 1 : n);
	if (rv == SCARD_E_TIMEOUT)
		return 0;
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardGetStatusChange", rv);
	*anyp = reader_note(ctx, rs, n);
	if (pnp && rs[n].dwEventState != ctx->pnp_state) {
		ctx->pnp_state = rs[n].dwEventState & ~SCARD_STATE_CHANGED;
		*pnpp = 1;
	}
	return 0;
}

/*
 * A poll (timeout 0) must not wait: pcsc-lite 1.9.9 counts the timeout in
 * whole milliseconds and spins for up to 1 ms in SCardGetStatusChange
 * unless some reader is passed as UNAWARE, which it answers at once.
 * Nor can a poll see the PnP pseudo-reader change (it reports only a
 * change while it waits), so a poll reads the reader list instead: two
 * round trips to pcscd in all.
 */
int
reader_wait(struct reader_ctx *ctx, int timeout_ms, int *listchangedp)
{
	size_t i;
	int lc = 0, any, pnp, dummy, r;

	if (listchangedp != NULL)
		*listchangedp = 0;
	for (i = 0; i < ctx->n; i++)
		ctx->r[i].changed = 0;
	if (timeout_ms == 0 && (r = reader_relist(ctx, &lc)) != 0)
		return r;
	if ((r = reader_status(ctx, timeout_ms, timeout_ms != 0, &any,
	    &pnp)) != 0)
		return r;
	if (pnp) {
		if ((r = reader_relist(ctx, &lc)) != 0)
			return r;
		/* New readers need their state; a zero timeout polls. */
		if (lc && (r = reader_status(ctx, 0, 0, &dummy, &dummy)) != 0)
			return r;
	}
	for (i = 0; i < ctx->n; i++)
		any |= ctx->r[i].changed;
	if (listchangedp != NULL)
		*listchangedp = lc;
	return any || lc ? 0 : ERR_TIMEOUT;
}

int
reader_cancel(struct reader_ctx *ctx)
{
	LONG rv = SCardCancel(ctx->sc);

	return rv == SCARD_S_SUCCESS ? 0 : pcsc_fail("SCardCancel", rv);
}

size_t
reader_count(const struct reader_ctx *ctx)
{
	return ctx->n;
}

const char *
reader_name(const struct reader_ctx *ctx, size_t i)
{
	return i < ctx->n ? ctx->r[i].name : NULL;
}

int
reader_present(const struct reader_ctx *ctx, size_t i)
{
	return i < ctx->n && (ctx->r[i].state & SCARD_STATE_PRESENT) != 0 &&
	    (ctx->r[i].state & SCARD_STATE_MUTE) == 0;
}

int
reader_changed(const struct reader_ctx *ctx, size_t i)
{
	return i < ctx->n && ctx->r[i].changed;
}

unsigned
reader_events(const struct reader_ctx *ctx, size_t i)
{
	/* pcsc-lite keeps an event counter in the high 16 bits. */
	return i < ctx->n ? (unsigned)(ctx->r[i].state >> 16) & 0xffff : 0;
}

int
reader_atr(const struct reader_ctx *ctx, size_t i, struct buf *atr)
{
	if (i >= ctx->n)
		return ERR_ARGUMENT;
	if (ctx->r[i].atrlen == 0)
		return ERR_NO_CARD;
	return buf_put(atr, ctx->r[i].atr, ctx->r[i].atrlen);
}

int
reader_find(const struct reader_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->n; i++) {
		if (strcmp(ctx->r[i].name, name) == 0)
			return (int)i;
	}
	return ERR_NOT_FOUND;
}

/* ---- connections ---- */

int
reader_connect(struct reader_ctx *ctx, const char *name,
    struct reader_conn **connp)
{
	struct reader_conn *conn;
	LONG rv;

	*connp = NULL;
	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return ERR_ALLOC;
	conn->ctx = ctx;
	rv = SCardConnect(ctx->sc, name, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &conn->h, &conn->proto);
	if (rv != SCARD_S_SUCCESS) {
		free(conn);
		return pcsc_fail("SCardConnect", rv);
	}
	*connp = conn;
	return 0;
}

void
reader_disconnect(struct reader_conn *conn, int reset)
{
	if (conn == NULL)
		return;
	if (conn->in_tx)
		SCardEndTransaction(conn->h, SCARD_LEAVE_CARD);
	SCardDisconnect(conn->h, reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
	free(conn);
}

int
reader_reconnect(struct reader_conn *conn)
{
	LONG rv;

	conn->in_tx = 0;
	rv = SCardReconnect(conn->h, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, SCARD_LEAVE_CARD,
	    &conn->proto);
	return rv == SCARD_S_SUCCESS ? 0 : pcsc_fail("SCardReconnect", rv);
}

int
reader_protocol(const struct reader_conn *conn)
{
	return conn->proto == SCARD_PROTOCOL_T0 ? READER_PROTO_T0 :
	    READER_PROTO_T1;
}

int
reader_conn_atr(struct reader_conn *conn, struct buf *atr)
{
	uint8_t a[MAX_ATR_SIZE];
	DWORD alen = sizeof(a), state, proto, namelen = 0;
	LONG rv;

	rv = SCardStatus(conn->h, NULL, &namelen, &state, &proto, a, &alen);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardStatus", rv);
	return buf_put(atr, a, alen);
}

int
reader_begin(struct reader_conn *conn, int *resetp)
{
	LONG rv;
	int r;

	*resetp = 0;
	if (conn->in_tx)
		return ERR_INTERNAL;
	rv = SCardBeginTransaction(conn->h);
	if (rv == SCARD_W_RESET_CARD) {
		*resetp = 1;
		if ((r = reader_reconnect(conn)) != 0)
			return r;
		rv = SCardBeginTransaction(conn->h);
	}
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardBeginTransaction", rv);
	conn->in_tx = 1;
	return 0;
}

int
reader_end(struct reader_conn *conn)
{
	LONG rv;

	if (!conn->in_tx)
		return 0;
	conn->in_tx = 0;
	rv = SCardEndTransaction(conn->h, SCARD_LEAVE_CARD);
	return rv == SCARD_S_SUCCESS ? 0 :
	    pcsc_fail("SCardEndTransaction", rv);
}

/*
 * The answer lands on the stack and is copied: reserving the largest
 * answer in resp and wiping what the card left unused would clear 64 KiB
 * per APDU.
 */
int
reader_transmit(void *arg, const struct buf *apdu, struct buf *resp)
{
	struct reader_conn *conn = arg;
	const SCARD_IO_REQUEST *pci;
	uint8_t rx[RECV_MAX];
	DWORD rlen = sizeof(rx);
	LONG rv;
	int r;

	pci = conn->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	rv = SCardTransmit(conn->h, pci, buf_ptr(apdu), buf_len(apdu), NULL,
	    rx, &rlen);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail("SCardTransmit", rv);
	if (rlen > sizeof(rx))
		return ERR_TOO_LARGE;
	r = rlen < 2 ? ERR_TRUNCATED : buf_put(resp, rx, rlen);
	explicit_bzero(rx, rlen);
	return r;
}
