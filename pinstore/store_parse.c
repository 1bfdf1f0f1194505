/* The PIN store's file format: strict parser and writer (see store.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "store.h"

#define STATE_MAX	8	/* "invalid" and its NUL */
#define HEADER_MAX	32

static const char hexdigits[] = "0123456789abcdef";

static int
is_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Value of a lower-case hex digit, or -1: the file is written in one way. */
static int
lower_hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
store_ident_ok(const char *ident, size_t len)
{
	size_t i;

	if (ident == NULL || len != STORE_IDENT_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == 4) {
			if (ident[i] != ':')
				return 0;
		} else if (!is_upper_hex(ident[i]))
			return 0;
	}
	return 1;
}

struct store_recs *
store_recs_new(void)
{
	return calloc(1, sizeof(struct store_recs));
}

void
store_recs_free(struct store_recs *recs)
{
	size_t i;

	if (recs == NULL)
		return;
	for (i = 0; i < recs->n; i++) {
		buf_free(recs->rec[i].pin);
		buf_free(recs->rec[i].cons);
	}
	freezero(recs, sizeof(*recs));
}

int
store_recs_find(const struct store_recs *recs, const char *ident)
{
	size_t i;

	for (i = 0; i < recs->n; i++)
		if (strcmp(recs->rec[i].ident, ident) == 0)
			return (int)i;
	return -1;
}

int
store_recs_remove(struct store_recs *recs, const char *ident)
{
	int i;

	if ((i = store_recs_find(recs, ident)) < 0)
		return ERR_NOT_FOUND;
	buf_free(recs->rec[i].pin);
	buf_free(recs->rec[i].cons);
	/* Keep the file's order: shift the rest down. */
	for (; (size_t)i + 1 < recs->n; i++)
		recs->rec[i] = recs->rec[i + 1];
	recs->n--;
	explicit_bzero(&recs->rec[recs->n], sizeof(recs->rec[recs->n]));
	return 0;
}

/* Bytes up to delim (consumed, not stored) into a NUL-terminated field. */
static int
get_field(struct buf *b, uint8_t delim, char *field, size_t size)
{
	size_t n = 0;
	uint8_t c;

	for (;;) {
		if (buf_get_u8(b, &c) != 0)
			return ERR_TRUNCATED;
		if (c == delim)
			break;
		if (c == '\n' || c == '\t' || c == '\0' || n + 1 >= size)
			return ERR_FORMAT;
		field[n++] = (char)c;
	}
	field[n] = '\0';
	return 0;
}

/* Lower-case hex pairs up to delim (consumed), decoded into out. */
static int
get_hex(struct buf *b, uint8_t delim, struct buf *out)
{
	uint8_t hi, lo;
	int h, l, r;

	for (;;) {
		if (buf_get_u8(b, &hi) != 0)
			return ERR_TRUNCATED;
		if (hi == delim)
			break;
		if (buf_get_u8(b, &lo) != 0)
			return ERR_TRUNCATED;
		if ((h = lower_hex_value(hi)) < 0 ||
		    (l = lower_hex_value(lo)) < 0)
			return ERR_FORMAT;
		if (buf_len(out) >= buf_max(out))
			return ERR_TOO_LARGE;
		if ((r = buf_put_u8(out, (uint8_t)(h << 4 | l))) != 0)
			return r;
	}
	return 0;
}

/* The header: the format's version (1 or 2) into *versionp. */
static int
parse_header(struct buf *b, int *versionp, char *errmsg, size_t errlen)
{
	char line[HEADER_MAX];
	int r;

	if (buf_len(b) == 0) {
		snprintf(errmsg, errlen, "empty file");
		return ERR_FORMAT;
	}
	if ((r = get_field(b, '\n', line, sizeof(line))) != 0 ||
	    strncmp(line, "cardagent-pins ", 15) != 0) {
		snprintf(errmsg, errlen, "line 1: not a cardagent PIN store");
		return ERR_FORMAT;
	}
	if (strcmp(line, STORE_MAGIC) == 0)
		*versionp = 2;
	else if (strcmp(line, STORE_MAGIC_V1) == 0)
		*versionp = 1;
	else {
		snprintf(errmsg, errlen, "line 1: unsupported format "
		    "version (this cardagent reads versions 1 and 2)");
		return ERR_FORMAT;
	}
	return 0;
}

int
store_cons_parse(struct buf *b, uint8_t delim, struct buf **consp)
{
	struct cons c;
	int r;

	*consp = NULL;
	if (buf_len(b) >= 2 && buf_ptr(b)[0] == '-' && buf_ptr(b)[1] == delim)
		return buf_consume(b, 2);
	if ((*consp = buf_new_capped(CONS_MAX)) == NULL)
		return ERR_ALLOC;
	if ((r = get_hex(b, delim, *consp)) != 0)
		r = r == ERR_ALLOC ? r : ERR_FORMAT;
	else if (buf_len(*consp) == 0 || cons_decode(buf_ptr(*consp),
	    buf_len(*consp), &c) != 0)
		r = ERR_FORMAT;
	else
		cons_clear(&c);
	if (r != 0) {
		buf_free(*consp);
		*consp = NULL;
	}
	return r;
}

/* Version 2's last field. */
static int
parse_cons(struct buf *b, struct store_rec *rec, const char **why)
{
	*why = "bad constraints";
	return store_cons_parse(b, '\n', &rec->cons);
}

/* One record line into rec; why (a static string) says what was wrong. */
static int
parse_record(struct buf *b, int version, struct store_rec *rec,
    const char **why)
{
	char state[STATE_MAX];
	int r;

	if ((r = get_field(b, '\t', rec->ident, sizeof(rec->ident))) != 0 ||
	    !store_ident_ok(rec->ident, strlen(rec->ident))) {
		*why = "bad card ident (want XXXX:XXXXXXXX, upper-case hex)";
		return ERR_FORMAT;
	}
	if ((r = get_field(b, '\t', state, sizeof(state))) != 0 ||
	    (strcmp(state, "valid") != 0 && strcmp(state, "invalid") != 0)) {
		*why = "bad state (want valid or invalid)";
		return ERR_FORMAT;
	}
	rec->valid = strcmp(state, "valid") == 0;
	if ((rec->pin = buf_new_capped(STORE_PIN_MAX)) == NULL)
		return ERR_ALLOC;
	r = get_hex(b, version == 1 ? '\n' : '\t', rec->pin);
	if (r == 0 && buf_len(rec->pin) < STORE_PIN_MIN)
		r = ERR_TOO_LARGE;
	if (r != 0) {
		*why = r == ERR_TOO_LARGE ? "PIN length out of range" :
		    r == ERR_TRUNCATED ? "last line not terminated" :
		    "bad PIN encoding (want lower-case hex)";
		return r == ERR_ALLOC ? r : ERR_FORMAT;
	}
	return version == 1 ? 0 : parse_cons(b, rec, why);
}

int
store_parse(struct buf *contents, struct store_recs *recs, char *errmsg,
    size_t errlen)
{
	const char *why = NULL;
	char dummy[1];
	size_t line;
	int version, r;

	if (errmsg == NULL) {
		errmsg = dummy;
		errlen = sizeof(dummy);
	}
	if ((r = parse_header(contents, &version, errmsg, errlen)) != 0)
		return r;
	for (line = 2; buf_len(contents) > 0; line++) {
		if (recs->n >= STORE_MAX_RECORDS) {
			why = "too many records";
			r = ERR_FORMAT;
			break;
		}
		r = parse_record(contents, version, &recs->rec[recs->n], &why);
		recs->n++;	/* so store_recs_free releases its PIN */
		if (r != 0)
			break;
		if (store_recs_find(recs, recs->rec[recs->n - 1].ident) !=
		    (int)recs->n - 1) {
			why = "duplicate card ident";
			r = ERR_FORMAT;
			break;
		}
	}
	if (r != 0 && why != NULL)
		snprintf(errmsg, errlen, "line %zu: %s", line, why);
	return r;
}

static int
put_hex(struct buf *out, const struct buf *pin)
{
	struct buf *view;
	uint8_t c;
	int r = 0;

	if ((view = buf_from(buf_ptr(pin), buf_len(pin))) == NULL)
		return ERR_ALLOC;
	while (r == 0 && buf_len(view) > 0) {
		if ((r = buf_get_u8(view, &c)) != 0 ||
		    (r = buf_put_u8(out, (uint8_t)hexdigits[c >> 4])) != 0 ||
		    (r = buf_put_u8(out, (uint8_t)hexdigits[c & 0xf])) != 0)
			break;
	}
	buf_free(view);
	return r;
}

int
store_cons_put(struct buf *out, const struct buf *cons)
{
	return cons != NULL && buf_len(cons) > 0 ? put_hex(out, cons) :
	    buf_put_u8(out, '-');
}

/* Version 2 only where a record has constraints (see store.h). */
static int
any_cons(const struct store_recs *recs)
{
	size_t i;

	for (i = 0; i < recs->n; i++)
		if (recs->rec[i].cons != NULL && buf_len(recs->rec[i].cons) > 0)
			return 1;
	return 0;
}

static int
put_record(struct buf *out, const struct store_rec *rec, int version)
{
	int r;

	if ((r = buf_put(out, rec->ident, strlen(rec->ident))) != 0 ||
	    (r = buf_put_u8(out, '\t')) != 0 ||
	    (r = buf_put(out, rec->valid ? "valid" : "invalid",
	    rec->valid ? 5 : 7)) != 0 ||
	    (r = buf_put_u8(out, '\t')) != 0 ||
	    (r = put_hex(out, rec->pin)) != 0)
		return r;
	if (version == 2 && (r = buf_put_u8(out, '\t')) == 0)
		r = store_cons_put(out, rec->cons);
	return r != 0 ? r : buf_put_u8(out, '\n');
}

int
store_serialise(const struct store_recs *recs, struct buf *out)
{
	int version = any_cons(recs) ? 2 : 1;
	const char *magic = version == 2 ? STORE_MAGIC : STORE_MAGIC_V1;
	size_t i;
	int r;

	if ((r = buf_put(out, magic, strlen(magic))) != 0 ||
	    (r = buf_put_u8(out, '\n')) != 0)
		return r;
	for (i = 0; i < recs->n; i++)
		if ((r = put_record(out, &recs->rec[i], version)) != 0)
			return r;
	return 0;
}
