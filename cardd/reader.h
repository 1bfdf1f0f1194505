/*
 * The PC/SC layer of cardd: one context per process, the list of readers
 * with their last known state, change detection through
 * SCardGetStatusChange (including the PnP pseudo-reader, so readers that
 * appear or vanish are noticed), and connections in shared mode.
 * No global state: everything lives in struct reader_ctx / reader_conn.
 * Functions return 0 or a negative ERR_* code; PC/SC errors are mapped
 * by reader_err().
 */
#ifndef CARDD_READER_H
#define CARDD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define READER_MAX	32	/* readers tracked at once */
#define READER_ATR_MAX	33

#define READER_PROTO_T0	0
#define READER_PROTO_T1	1

struct reader_ctx;
struct reader_conn;

/* Context: establishes a PC/SC context and reads the reader list,
 * leaving out readers whose name matches a glob of ignore (NULL-ended,
 * may be NULL; it must outlive the context). */
int		 reader_ctx_new(struct reader_ctx **ctxp,
		    const char *const *ignore);
void		 reader_ctx_free(struct reader_ctx *ctx);

/*
 * Waits up to timeout_ms (0 polls, -1 waits forever) for a card to come
 * or go or a reader to appear or vanish.  Returns 0 and marks the readers
 * whose state changed (reader_changed()); readers that vanished are no
 * longer listed and *listchangedp (may be NULL) is set when the list
 * itself changed.  ERR_TIMEOUT when nothing changed (or reader_cancel()).
 */
int		 reader_wait(struct reader_ctx *ctx, int timeout_ms,
		    int *listchangedp);
/* Makes a reader_wait() in progress return ERR_TIMEOUT. */
int		 reader_cancel(struct reader_ctx *ctx);

size_t		 reader_count(const struct reader_ctx *ctx);
const char	*reader_name(const struct reader_ctx *ctx, size_t i);
int		 reader_present(const struct reader_ctx *ctx, size_t i);
int		 reader_changed(const struct reader_ctx *ctx, size_t i);
/* Card insertions/removals seen on reader i so far (pcsc-lite counts). */
unsigned	 reader_events(const struct reader_ctx *ctx, size_t i);
int		 reader_atr(const struct reader_ctx *ctx, size_t i,
		    struct buf *atr);
/* Index of the reader called name, or ERR_NOT_FOUND. */
int		 reader_find(const struct reader_ctx *ctx, const char *name);

/* Connection in shared mode, T=1 or T=0. */
int		 reader_connect(struct reader_ctx *ctx, const char *name,
		    struct reader_conn **connp);
/* reset: reset the card on the way out (drops its verified PINs). */
void		 reader_disconnect(struct reader_conn *conn, int reset);
int		 reader_reconnect(struct reader_conn *conn);
int		 reader_protocol(const struct reader_conn *conn);
int		 reader_conn_atr(struct reader_conn *conn, struct buf *atr);

/*
 * Exclusive access for a multi-APDU operation.  If another user reset
 * the card, reader_begin() reconnects, retries, and sets *resetp so the
 * caller knows the card's volatile state (selection, PIN) is gone.
 */
int		 reader_begin(struct reader_conn *conn, int *resetp);
int		 reader_end(struct reader_conn *conn);

/* Raw APDU exchange; resp gets the answer including SW1 SW2.  The
 * signature matches iso_transmit_fn (arg is the struct reader_conn). */
int		 reader_transmit(void *conn, const struct buf *apdu,
		    struct buf *resp);

/* PC/SC return value to ERR_* code. */
int		 reader_err(long rv);

#endif
