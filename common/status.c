/* The status report's encoding (see status.h, doc/PROTOCOL.agent-ext). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "status.h"

static const char *const pin_names[] = {
	[STATUS_PIN_NONE] = "none",
	[STATUS_PIN_FILE] = "file",
	[STATUS_PIN_MEMORY] = "memory",
	[STATUS_PIN_INVALID] = "invalid",
	[STATUS_PIN_UNKNOWN] = "unknown",
	[STATUS_PIN_SECRET] = "secret-service",
};

/* UIF values: OpenPGP card 3.4 section 4.1.3.2 (and its 3.4.1 cache). */
static const char *const uif_names[] = {
	"off", "on", "permanent", "cached", "permanent-cached",
};

const char *
status_pin_name(uint8_t pin)
{
	if (pin >= sizeof(pin_names) / sizeof(pin_names[0]))
		return NULL;
	return pin_names[pin];
}

const char *
status_uif_name(uint8_t uif)
{
	if (uif == STATUS_UIF_ABSENT)
		return "absent";
	if (uif == STATUS_UIF_UNKNOWN)
		return "unknown";
	if (uif >= sizeof(uif_names) / sizeof(uif_names[0]))
		return NULL;
	return uif_names[uif];
}

struct status *
status_new(void)
{
	return calloc(1, sizeof(struct status));
}

static void
card_clear(struct status_card *c)
{
	size_t i;

	free(c->ident);
	free(c->reader);
	buf_free(c->blob);
	for (i = 0; i < c->ncerts; i++)
		buf_free(c->certs[i]);
	memset(c, 0, sizeof(*c));
}

void
status_free(struct status *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nreaders; i++)
		free(st->readers[i]);
	for (i = 0; i < st->ncards; i++)
		card_clear(&st->cards[i]);
	free(st);
}

int
status_add_reader(struct status *st, const char *name)
{
	if (st->nreaders >= STATUS_READERS_MAX)
		return ERR_NO_SPACE;
	if (strlen(name) > STATUS_NAME_MAX)
		return ERR_TOO_LARGE;
	if ((st->readers[st->nreaders] = strdup(name)) == NULL)
		return ERR_ALLOC;
	st->nreaders++;
	return 0;
}

static struct buf *
blob_copy(const struct buf *b)
{
	return buf_dup(buf_ptr(b), buf_len(b));
}

int
status_add_card(struct status *st, const struct status_card *card)
{
	struct status_card *c;
	size_t i;

	if (st->ncards >= STATUS_CARDS_MAX ||
	    card->ncerts > STATUS_CERTS_MAX)
		return ERR_NO_SPACE;
	c = &st->cards[st->ncards];
	*c = *card;
	c->ident = strdup(card->ident);
	c->reader = strdup(card->reader);
	c->blob = blob_copy(card->blob);
	for (i = 0; i < card->ncerts; i++)
		c->certs[i] = blob_copy(card->certs[i]);
	for (i = 0; i < card->ncerts; i++)
		if (c->certs[i] == NULL)
			break;
	if (c->ident == NULL || c->reader == NULL || c->blob == NULL ||
	    i != card->ncerts) {
		card_clear(c);
		return ERR_ALLOC;
	}
	st->ncards++;
	return 0;
}

static int
put_card(struct buf *b, const struct status_card *c)
{
	size_t i;
	int r;

	if ((r = buf_put_cstring(b, c->ident)) != 0 ||
	    (r = buf_put_cstring(b, c->reader)) != 0 ||
	    (r = buf_put_stringb(b, c->blob)) != 0 ||
	    (r = buf_put_u8(b, c->pin)) != 0 ||
	    (r = buf_put_u32(b, c->expires_in)) != 0 ||
	    (r = buf_put_u8(b, c->tries)) != 0 ||
	    (r = buf_put_u8(b, c->uif)) != 0 ||
	    (r = buf_put_u32(b, (uint32_t)c->ncerts)) != 0)
		return r;
	for (i = 0; i < c->ncerts; i++)
		if ((r = buf_put_stringb(b, c->certs[i])) != 0)
			return r;
	return 0;
}

int
status_put(struct buf *out, const struct status *st)
{
	struct buf *b;
	size_t i;
	int r;

	if ((b = buf_new_capped(STATUS_MSG_MAX)) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u32(b, STATUS_VERSION)) != 0 ||
	    (r = buf_put_u32(b, (uint32_t)st->nreaders)) != 0)
		goto out;
	for (i = 0; i < st->nreaders; i++)
		if ((r = buf_put_cstring(b, st->readers[i])) != 0)
			goto out;
	if ((r = buf_put_u32(b, (uint32_t)st->ncards)) != 0)
		goto out;
	for (i = 0; i < st->ncards; i++)
		if ((r = put_card(b, &st->cards[i])) != 0)
			goto out;
	r = buf_putb(out, b);
 out:
	buf_free(b);
	return r;
}

/* A name field: non-empty, no NUL, at most STATUS_NAME_MAX bytes. */
static int
get_name(struct buf *b, char **sp)
{
	size_t len;
	int r;

	if ((r = buf_get_cstring(b, sp, &len)) != 0)
		return r;
	if (len == 0 || len > STATUS_NAME_MAX) {
		free(*sp);
		*sp = NULL;
		return ERR_FORMAT;
	}
	return 0;
}

static int
get_blob(struct buf *b, struct buf **blobp)
{
	const uint8_t *p;
	size_t len;
	int r;

	if ((r = buf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len == 0 || len > STATUS_BLOB_MAX)
		return ERR_FORMAT;
	if ((*blobp = buf_dup(p, len)) == NULL)
		return ERR_ALLOC;
	return 0;
}

/* A field value outside what the format defines is malformed. */
static int
card_check(const struct status_card *c)
{
	if (status_pin_name(c->pin) == NULL ||
	    (c->pin != STATUS_PIN_MEMORY && c->expires_in != 0) ||
	    (c->tries > 127 && c->tries != STATUS_TRIES_UNKNOWN) ||
	    status_uif_name(c->uif) == NULL)
		return ERR_FORMAT;
	return 0;
}

static int
get_card(struct buf *b, struct status_card *c)
{
	uint32_t n;
	int r;

	if ((r = get_name(b, &c->ident)) != 0 ||
	    (r = get_name(b, &c->reader)) != 0 ||
	    (r = get_blob(b, &c->blob)) != 0 ||
	    (r = buf_get_u8(b, &c->pin)) != 0 ||
	    (r = buf_get_u32(b, &c->expires_in)) != 0 ||
	    (r = buf_get_u8(b, &c->tries)) != 0 ||
	    (r = buf_get_u8(b, &c->uif)) != 0 ||
	    (r = buf_get_u32(b, &n)) != 0)
		return r;
	if (n > STATUS_CERTS_MAX)
		return ERR_TOO_LARGE;
	for (c->ncerts = 0; c->ncerts < n; c->ncerts++)
		if ((r = get_blob(b, &c->certs[c->ncerts])) != 0)
			return r;
	return card_check(c);
}

static int
get_readers(struct buf *b, struct status *st)
{
	uint32_t n;
	int r;

	if ((r = buf_get_u32(b, &n)) != 0)
		return r;
	if (n > STATUS_READERS_MAX)
		return ERR_TOO_LARGE;
	for (st->nreaders = 0; st->nreaders < n; st->nreaders++)
		if ((r = get_name(b, &st->readers[st->nreaders])) != 0)
			return r;
	return 0;
}

static int
get_cards(struct buf *b, struct status *st)
{
	uint32_t n;
	int r;

	if ((r = buf_get_u32(b, &n)) != 0)
		return r;
	if (n > STATUS_CARDS_MAX)
		return ERR_TOO_LARGE;
	/* counted before parsing, so status_free() frees a partial card */
	for (st->ncards = 0; st->ncards < n;)
		if ((r = get_card(b, &st->cards[st->ncards++])) != 0)
			return r;
	return 0;
}

int
status_parse(const uint8_t *data, size_t len, struct status **stp)
{
	struct buf *b = NULL;
	struct status *st = NULL;
	uint32_t version;
	int r;

	*stp = NULL;
	if (len > STATUS_MSG_MAX)
		return ERR_TOO_LARGE;
	if ((b = buf_from(data, len)) == NULL || (st = status_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = buf_get_u32(b, &version)) != 0)
		goto out;
	if (version != STATUS_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = get_readers(b, st)) != 0 || (r = get_cards(b, st)) != 0)
		goto out;
	if (buf_len(b) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	*stp = st;
	st = NULL;
 out:
	status_free(st);
	buf_free(b);
	return r;
}
