/* Request handling for the cardd <-> pinstore channel. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "pins.h"
#include "privsep.h"
#include "serve.h"
#include "store.h"

#define IDENT_FIELD	(4 + SERVE_IDENT_WIRE_MAX)
#define PIN_FIELD	(4 + STORE_PIN_MAX)
#define FAIL_MSG_MAX	1024	/* what cardd accepts */

/* What cardd may send, each with its largest payload. */
static const struct privsep_permit serve_permits[] = {
	{ CP_GET,		"GET",		IDENT_FIELD },
	{ CP_PUT,		"PUT",		IDENT_FIELD + PIN_FIELD + 4 +
						4 + CONS_MAX },
	{ CP_DELETE,		"DELETE",	IDENT_FIELD },
	{ CP_INVALIDATE,	"INVALIDATE",	IDENT_FIELD },
	{ CP_DROP_MEMORY,	"DROP_MEMORY",	0 },
	{ CP_STATUS,		"STATUS",	IDENT_FIELD },
};

const struct privsep_chan_conf serve_conf = {
	.name = "pinstore->cardd",
	.self = PRIVSEP_ROLE_PINSTORE,
	.peer = PRIVSEP_ROLE_CARDD,
	.max_frame = CP_FRAME_MAX,
	.max_queued = 16 * CP_FRAME_MAX,
	.permit = serve_permits,
	.npermit = sizeof(serve_permits) / sizeof(serve_permits[0]),
};

/* The ident field; *okp = 0 if it is not a card ident (answered FAIL). */
static int
get_ident(struct buf *req, char *ident, size_t size, int *okp)
{
	const uint8_t *p;
	size_t len;
	int r;

	*okp = 0;
	ident[0] = '\0';
	if ((r = buf_get_string_direct(req, &p, &len)) != 0)
		return ERR_FORMAT;
	if (len >= size || !store_ident_ok((const char *)p, len))
		return 0;
	memcpy(ident, p, len);
	ident[len] = '\0';
	*okp = 1;
	return 0;
}

static int
reply_fail(uint32_t reason, const char *msg, uint8_t *rtypep,
    struct buf **replyp)
{
	struct buf *b;

	if ((b = buf_new_capped(CP_FRAME_MAX - PRIVSEP_FRAME_MIN)) == NULL)
		return ERR_ALLOC;
	/* Clip the message so the reply always fits cardd's cap. */
	if (buf_put_u32(b, reason) != 0 ||
	    buf_put_string(b, msg, strnlen(msg, FAIL_MSG_MAX)) != 0) {
		buf_free(b);
		return ERR_INTERNAL;
	}
	*rtypep = CP_FAIL;
	*replyp = b;
	return 0;
}

/* OK, or FAIL with the store's message for r. */
static int
reply_status(struct pins *pins, int r, uint8_t *rtypep, struct buf **replyp)
{
	if (r == 0) {
		*rtypep = CP_OK;
		return 0;
	}
	if (r == ERR_ARGUMENT || r == ERR_NO_SPACE)
		return reply_fail(CP_R_INVALID, pins_errmsg(pins), rtypep,
		    replyp);
	error("%s", pins_errmsg(pins));
	return reply_fail(CP_R_STORE, pins_errmsg(pins), rtypep, replyp);
}

static int
do_get(struct pins *pins, const char *ident, uint8_t *rtypep,
    struct buf **replyp)
{
	struct buf *pin = NULL, *b = NULL;
	int r;

	if ((r = pins_get(pins, ident, &pin)) == ERR_NOT_FOUND) {
		debug("GET %s: none", ident);
		*rtypep = CP_NONE;
		return 0;
	}
	if (r != 0)
		return reply_status(pins, r, rtypep, replyp);
	if ((b = buf_new()) == NULL || buf_put_stringb(b, pin) != 0) {
		r = ERR_ALLOC;
		goto out;
	}
	debug("GET %s: found", ident);
	*rtypep = CP_PIN;
	*replyp = b;
	b = NULL;
 out:
	buf_free(pin);
	buf_free(b);
	return r;
}

static int
do_put(struct pins *pins, struct buf *req, const char *ident, int ident_ok,
    uint8_t *rtypep, struct buf **replyp)
{
	struct buf *pin, *cons = NULL;
	uint32_t lifetime;
	int r;

	if ((pin = buf_new_capped(CP_FRAME_MAX)) == NULL ||
	    (cons = buf_new_capped(CP_FRAME_MAX)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if (buf_get_stringb(req, pin) != 0 ||
	    buf_get_u32(req, &lifetime) != 0 ||
	    buf_get_stringb(req, cons) != 0 || buf_len(req) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if (!ident_ok) {
		r = reply_fail(CP_R_INVALID, "bad card ident", rtypep, replyp);
		goto out;
	}
	r = pins_put(pins, ident, pin, lifetime, cons);
	if (r == 0)
		verbose("stored PIN for %s (%s%s)", ident,
		    lifetime == 0 ? "persisted" : "memory only",
		    buf_len(cons) != 0 ? ", with constraints" : "");
	r = reply_status(pins, r, rtypep, replyp);
 out:
	buf_free(cons);
	buf_free(pin);
	return r;
}

/* Where the PIN is and when it expires: never the PIN itself. */
static int
do_status(struct pins *pins, const char *ident, uint8_t *rtypep,
    struct buf **replyp)
{
	struct buf *b, *cons = NULL;
	uint32_t expires_in;
	uint8_t where;
	int r;

	if ((r = pins_status(pins, ident, &where, &expires_in, &cons)) != 0)
		return reply_status(pins, r, rtypep, replyp);
	if ((b = buf_new()) == NULL || buf_put_u8(b, where) != 0 ||
	    buf_put_u32(b, expires_in) != 0 || buf_put_stringb(b, cons) != 0) {
		buf_free(b);
		buf_free(cons);
		return ERR_ALLOC;
	}
	buf_free(cons);
	debug("STATUS %s: %u", ident, where);
	*rtypep = CP_STATUS_REPLY;
	*replyp = b;
	return 0;
}

/* GET, DELETE, INVALIDATE, STATUS: the ident is the whole payload. */
static int
do_ident_only(struct pins *pins, uint8_t type, const char *ident,
    uint8_t *rtypep, struct buf **replyp)
{
	int r;

	switch (type) {
	case CP_GET:
		return do_get(pins, ident, rtypep, replyp);
	case CP_DELETE:
		if ((r = pins_delete(pins, ident)) == 0)
			verbose("deleted PIN for %s", ident);
		return reply_status(pins, r, rtypep, replyp);
	case CP_INVALIDATE:
		if ((r = pins_invalidate(pins, ident)) == 0)
			verbose("PIN for %s marked invalid", ident);
		return reply_status(pins, r, rtypep, replyp);
	case CP_STATUS:
		return do_status(pins, ident, rtypep, replyp);
	default:
		return ERR_INTERNAL;
	}
}

int
serve_request(struct pins *pins, uint8_t type, struct buf *req,
    uint8_t *rtypep, struct buf **replyp)
{
	char ident[STORE_IDENT_LEN + 1];
	int ident_ok, r;

	*rtypep = 0;
	*replyp = NULL;
	if (type == CP_DROP_MEMORY) {
		if (buf_len(req) != 0)
			return ERR_FORMAT;
		pins_drop_memory(pins);
		verbose("dropped every memory-only PIN");
		*rtypep = CP_OK;
		return 0;
	}
	if ((r = get_ident(req, ident, sizeof(ident), &ident_ok)) != 0)
		return r;
	if (type == CP_PUT)
		return do_put(pins, req, ident, ident_ok, rtypep, replyp);
	if (buf_len(req) != 0)
		return ERR_FORMAT;
	if (!ident_ok)
		return reply_fail(CP_R_INVALID, "bad card ident", rtypep,
		    replyp);
	return do_ident_only(pins, type, ident, rtypep, replyp);
}
