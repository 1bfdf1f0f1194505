#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fake_reader.h"
#include "fuzz.h"
#include "reader.h"

#define FAKE_NAME	"Fuzz Reader 00 00"

struct reader_ctx {
	int		 waited;	/* the first wait reports the card */
};

struct reader_conn {
	int		 unused;
};

static struct buf *script;

void
fake_reader_script(struct buf *in)
{
	script = in;
}

int
reader_ctx_new(struct reader_ctx **ctxp, const char *const *ignore)
{
	*ctxp = calloc(1, sizeof(**ctxp));
	return *ctxp == NULL ? ERR_ALLOC : 0;
}

void
reader_ctx_free(struct reader_ctx *ctx)
{
	free(ctx);
}

int
reader_wait(struct reader_ctx *ctx, int timeout_ms, int *listchangedp)
{
	if (listchangedp != NULL)
		*listchangedp = !ctx->waited;
	if (ctx->waited)
		return ERR_TIMEOUT;
	ctx->waited = 1;
	return 0;
}

size_t
reader_count(const struct reader_ctx *ctx)
{
	return script != NULL;
}

const char *
reader_name(const struct reader_ctx *ctx, size_t i)
{
	return FAKE_NAME;
}

int
reader_present(const struct reader_ctx *ctx, size_t i)
{
	return script != NULL && buf_len(script) > 0;
}

unsigned
reader_events(const struct reader_ctx *ctx, size_t i)
{
	return 0;
}

int
reader_find(const struct reader_ctx *ctx, const char *name)
{
	return script != NULL && strcmp(name, FAKE_NAME) == 0 ? 0 :
	    ERR_NOT_FOUND;
}

int
reader_connect(struct reader_ctx *ctx, const char *name,
    struct reader_conn **connp)
{
	*connp = calloc(1, sizeof(**connp));
	return *connp == NULL ? ERR_ALLOC : 0;
}

void
reader_disconnect(struct reader_conn *conn, int reset)
{
	free(conn);
}

int
reader_reconnect(struct reader_conn *conn)
{
	return buf_len(script) > 0 ? 0 : ERR_NO_CARD;
}

int
reader_protocol(const struct reader_conn *conn)
{
	return READER_PROTO_T1;
}

int
reader_conn_atr(struct reader_conn *conn, struct buf *atr)
{
	const uint8_t *p;
	size_t len;

	fuzz_chunk(script, &p, &len);
	return buf_put(atr, p, len);
}

int
reader_begin(struct reader_conn *conn, int *resetp)
{
	*resetp = 0;
	return buf_len(script) > 0 ? 0 : ERR_NO_CARD;
}

int
reader_end(struct reader_conn *conn)
{
	return 0;
}

int
reader_transmit(void *conn, const struct buf *apdu, struct buf *resp)
{
	const uint8_t *p;
	size_t len;

	if (buf_len(script) == 0)
		return ERR_NO_CARD;
	fuzz_chunk(script, &p, &len);
	if (len == 0)
		return ERR_CARD_RESET;
	return buf_put(resp, p, len);
}
