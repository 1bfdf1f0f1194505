/*
 * Card state file.  One setting per line, "name value", values in hex
 * where they are bytes:
 *	vcard-state 1
 *	serial 01234567
 *	pw1 313233343536
 *	slot aut type ed25519
 *	slot aut key 3051...
 *	do 5b 446f653c3c4a6f686e
 * The file holds the PINs and private keys: it is a test fixture.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "state.h"

#define STATE_FILE_MAX	(256 * 1024)

static const char *const slot_names[3] = { "sig", "dec", "aut" };
static const uint16_t do_tags[SDO_COUNT] = {
	0x5b, 0x5f2d, 0x5f35, 0x5f50, 0x5e,
	0x0101, 0x0102, 0x0103, 0x0104, 0x7f21,
};

int
state_slot_from_name(const char *name, enum key_slot *slotp)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(name, slot_names[i]) == 0) {
			*slotp = (enum key_slot)i;
			return 0;
		}
	}
	return ERR_ARGUMENT;
}

void
state_ident(const struct card_state *st, char *out, size_t outlen)
{
	snprintf(out, outlen, "%04X:%08X", st->manufacturer, st->serial);
}

int
state_set_pin(struct pin *pin, const void *val, size_t len)
{
	if (len > PIN_MAXLEN)
		return ERR_TOO_LARGE;
	explicit_bzero(pin->val, sizeof(pin->val));
	memcpy(pin->val, val, len);
	pin->len = len;
	pin->tries = len > 0 ? PIN_TRIES : 0;
	return 0;
}

void
state_clear_slot(struct slot *s)
{
	key_free(s->key);
	s->key = NULL;
	memset(s->fpr, 0, sizeof(s->fpr));
	memset(s->cafpr, 0, sizeof(s->cafpr));
	s->time = 0;
	s->origin = 0;
}

int
state_new(const char *path, struct card_state **stp)
{
	struct card_state *st;
	int i;

	*stp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL)
		goto fail;
	st->serial = 0x01234567;
	st->extended = 1;
	st->pw1_mode = 0x00;
	state_set_pin(&st->pw1, "123456", 6);
	state_set_pin(&st->pw3, "12345678", 8);
	for (i = 0; i < 3; i++)
		st->slot[i].type = KEY_RSA2048;
	for (i = 0; i < SDO_COUNT; i++) {
		if ((st->dos[i] = buf_new()) == NULL)
			goto fail;
	}
	*stp = st;
	return 0;
 fail:
	state_free(st);
	return ERR_ALLOC;
}

void
state_free(struct card_state *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < 3; i++)
		key_free(st->slot[i].key);
	for (i = 0; i < SDO_COUNT; i++)
		buf_free(st->dos[i]);
	free(st->path);
	freezero(st, sizeof(*st));
}

/* ---- writing ---- */

static int
put_hex(struct buf *b, const uint8_t *v, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	int r;

	if (len == 0)
		return buf_put_u8(b, '-');
	for (i = 0; i < len; i++) {
		if ((r = buf_put_u8(b, hex[v[i] >> 4])) != 0 ||
		    (r = buf_put_u8(b, hex[v[i] & 0xf])) != 0)
			return r;
	}
	return 0;
}

static int
put_line_hex(struct buf *b, const char *name, const void *v, size_t len)
{
	int r;

	if ((r = buf_put(b, name, strlen(name))) != 0 ||
	    (r = buf_put_u8(b, ' ')) != 0 ||
	    (r = put_hex(b, v, len)) != 0 ||
	    (r = buf_put_u8(b, '\n')) != 0)
		return r;
	return 0;
}

static int
put_line_fmt(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
put_line_fmt(struct buf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return ERR_TOO_LARGE;
	return buf_put(b, line, (size_t)n);
}

static int
put_slot(struct buf *b, const struct slot *s, const char *name)
{
	struct buf *der = NULL;
	char label[32];
	int r;

	if ((r = put_line_fmt(b, "slot %s type %s\n", name,
	    key_type_name(s->type))) != 0 ||
	    (r = put_line_fmt(b, "slot %s time %u\nslot %s uif %u\n"
	    "slot %s origin %u\n", name, s->time, name, s->uif, name,
	    s->origin)) != 0)
		return r;
	snprintf(label, sizeof(label), "slot %s fpr", name);
	if ((r = put_line_hex(b, label, s->fpr, sizeof(s->fpr))) != 0)
		return r;
	snprintf(label, sizeof(label), "slot %s cafpr", name);
	if ((r = put_line_hex(b, label, s->cafpr, sizeof(s->cafpr))) != 0)
		return r;
	if (s->key == NULL)
		return 0;
	if ((der = buf_new()) == NULL)
		return ERR_ALLOC;
	snprintf(label, sizeof(label), "slot %s key", name);
	if ((r = key_save(s->key, der)) == 0)
		r = put_line_hex(b, label, buf_ptr(der), buf_len(der));
	buf_free(der);
	return r;
}

static int
state_encode(const struct card_state *st, struct buf *b)
{
	char label[16];
	int i, r;

	if ((r = put_line_fmt(b, "vcard-state 1\nserial %08x\n"
	    "manufacturer %04x\nextended %d\npw1-mode %u\n"
	    "sig-count %u\n", st->serial, st->manufacturer, st->extended,
	    st->pw1_mode, st->sig_count)) != 0 ||
	    (r = put_line_hex(b, "pw1", st->pw1.val, st->pw1.len)) != 0 ||
	    (r = put_line_hex(b, "pw3", st->pw3.val, st->pw3.len)) != 0 ||
	    (r = put_line_hex(b, "rc", st->rc.val, st->rc.len)) != 0 ||
	    (r = put_line_fmt(b, "pw1-tries %u\npw3-tries %u\nrc-tries %u\n",
	    st->pw1.tries, st->pw3.tries, st->rc.tries)) != 0)
		return r;
	for (i = 0; i < 3; i++) {
		if ((r = put_slot(b, &st->slot[i], slot_names[i])) != 0)
			return r;
	}
	for (i = 0; i < SDO_COUNT; i++) {
		if (buf_len(st->dos[i]) == 0)
			continue;
		snprintf(label, sizeof(label), "do %04x", do_tags[i]);
		if ((r = put_line_hex(b, label, buf_ptr(st->dos[i]),
		    buf_len(st->dos[i]))) != 0)
			return r;
	}
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = write(fd, p + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			return ERR_SYSTEM;
		}
		off += (size_t)n;
	}
	return 0;
}

static int
fsync_dir(const char *path)
{
	char *copy;
	int fd, r = 0;

	if ((copy = strdup(path)) == NULL)
		return ERR_ALLOC;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) < 0 ||
	    fsync(fd) != 0)
		r = ERR_SYSTEM;
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

/* Temporary file beside the target, fsync, rename, fsync the directory:
 * a crash leaves either the old or the new state, never half of one. */
int
state_save(const struct card_state *st)
{
	struct buf *b = NULL;
	char *tmp = NULL;
	int fd = -1, r;

	if ((b = buf_new()) == NULL ||
	    asprintf(&tmp, "%s.tmpXXXXXX", st->path) < 0) {
		tmp = NULL;
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = state_encode(st, b)) != 0)
		goto out;
	if ((fd = mkstemp(tmp)) < 0) {
		r = ERR_SYSTEM;
		goto out;
	}
	if ((r = write_all(fd, buf_ptr(b), buf_len(b))) != 0)
		goto out;
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		r = ERR_SYSTEM;
		goto out;
	}
	fd = -1;
	if (rename(tmp, st->path) != 0) {
		r = ERR_SYSTEM;
		goto out;
	}
	r = fsync_dir(st->path);
 out:
	if (fd >= 0)
		close(fd);
	if (r != 0 && tmp != NULL)
		unlink(tmp);
	if (r != 0)
		error_r(r, "cannot save card state %s", st->path);
	free(tmp);
	buf_free(b);
	return r;
}

/* ---- reading ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex (or "-" for empty) into b, replacing its contents. */
static int
get_hex(const char *s, struct buf *b)
{
	size_t i, n;
	int hi, lo, r;

	buf_reset(b);
	if (s == NULL)
		return ERR_FORMAT;
	if (strcmp(s, "-") == 0)
		return 0;
	n = strlen(s);
	if (n % 2 != 0)
		return ERR_FORMAT;
	for (i = 0; i < n; i += 2) {
		if ((hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0)
			return ERR_FORMAT;
		if ((r = buf_put_u8(b, (uint8_t)(hi << 4 | lo))) != 0)
			return r;
	}
	return 0;
}

static int
get_num(const char *s, unsigned long max, int base, unsigned long *vp)
{
	char *ep;
	unsigned long v;

	*vp = 0;
	if (s == NULL || *s == '\0')
		return ERR_FORMAT;
	errno = 0;
	v = strtoul(s, &ep, base);
	if (*ep != '\0' || errno != 0 || v > max)
		return ERR_FORMAT;
	*vp = v;
	return 0;
}

static int
get_fixed(const char *s, uint8_t *out, size_t len, struct buf *tmp)
{
	int r;

	if ((r = get_hex(s, tmp)) != 0)
		return r;
	if (buf_len(tmp) != len)
		return ERR_FORMAT;
	memcpy(out, buf_ptr(tmp), len);
	return 0;
}

static int
load_pin(struct pin *pin, const char *val, struct buf *tmp)
{
	int r;

	if ((r = get_hex(val, tmp)) != 0)
		return r;
	r = state_set_pin(pin, buf_ptr(tmp), buf_len(tmp));
	buf_reset(tmp);
	return r;
}

static int
load_slot(struct card_state *st, char *what, char *field, char *val,
    struct buf *tmp)
{
	enum key_slot sn;
	struct slot *s;
	unsigned long v;
	int r;

	if (what == NULL || field == NULL || val == NULL ||
	    state_slot_from_name(what, &sn) != 0)
		return ERR_FORMAT;
	s = &st->slot[sn];
	if (strcmp(field, "type") == 0)
		return key_type_from_name(val, sn, &s->type);
	if (strcmp(field, "fpr") == 0)
		return get_fixed(val, s->fpr, sizeof(s->fpr), tmp);
	if (strcmp(field, "cafpr") == 0)
		return get_fixed(val, s->cafpr, sizeof(s->cafpr), tmp);
	if (strcmp(field, "key") == 0) {
		if ((r = get_hex(val, tmp)) != 0)
			return r;
		key_free(s->key);
		s->key = NULL;
		r = key_load(s->type, buf_ptr(tmp), buf_len(tmp), &s->key);
		buf_reset(tmp);
		return r;
	}
	if ((r = get_num(val, 0xffffffffUL, 10, &v)) != 0)
		return r;
	if (strcmp(field, "time") == 0)
		s->time = (uint32_t)v;
	else if (strcmp(field, "uif") == 0 && v <= 2)
		s->uif = (uint8_t)v;
	else if (strcmp(field, "origin") == 0 && v <= 2)
		s->origin = (uint8_t)v;
	else
		return ERR_FORMAT;
	return 0;
}

static int
load_do(struct card_state *st, const char *tag, const char *val)
{
	unsigned long t;
	int i, r;

	if ((r = get_num(tag, 0xffff, 16, &t)) != 0)
		return r;
	for (i = 0; i < SDO_COUNT; i++) {
		if (do_tags[i] == t)
			return get_hex(val, st->dos[i]);
	}
	return ERR_FORMAT;
}

static int
load_num(struct card_state *st, const char *name, const char *val)
{
	unsigned long v;
	int r;

	if (strcmp(name, "serial") == 0) {
		r = get_num(val, 0xffffffffUL, 16, &v);
		st->serial = (uint32_t)v;
	} else if (strcmp(name, "manufacturer") == 0) {
		r = get_num(val, 0xffff, 16, &v);
		st->manufacturer = (uint16_t)v;
	} else if (strcmp(name, "sig-count") == 0) {
		r = get_num(val, 0xffffff, 10, &v);
		st->sig_count = (uint32_t)v;
	} else if ((r = get_num(val, 255, 10, &v)) != 0) {
		return r;
	} else if (strcmp(name, "extended") == 0)
		st->extended = v != 0;
	else if (strcmp(name, "pw1-mode") == 0 && v <= 1)
		st->pw1_mode = (uint8_t)v;
	else if (strcmp(name, "pw1-tries") == 0 && v <= PIN_TRIES)
		st->pw1.tries = (uint8_t)v;
	else if (strcmp(name, "pw3-tries") == 0 && v <= PIN_TRIES)
		st->pw3.tries = (uint8_t)v;
	else if (strcmp(name, "rc-tries") == 0 && v <= PIN_TRIES)
		st->rc.tries = (uint8_t)v;
	else if (strcmp(name, "vcard-state") != 0 || v != 1)
		return ERR_FORMAT;
	return r;
}

static int
load_line(struct card_state *st, char *line, struct buf *tmp)
{
	char *name, *a, *b, *c;

	name = strsep(&line, " ");
	a = strsep(&line, " ");
	b = strsep(&line, " ");
	c = strsep(&line, " ");
	if (name == NULL || *name == '\0' || *name == '#')
		return 0;
	if (strcmp(name, "slot") == 0)
		return load_slot(st, a, b, c, tmp);
	if (strcmp(name, "do") == 0)
		return c != NULL ? ERR_FORMAT : load_do(st, a, b);
	if (b != NULL)
		return ERR_FORMAT;
	if (strcmp(name, "pw1") == 0)
		return load_pin(&st->pw1, a, tmp);
	if (strcmp(name, "pw3") == 0)
		return load_pin(&st->pw3, a, tmp);
	if (strcmp(name, "rc") == 0)
		return load_pin(&st->rc, a, tmp);
	return load_num(st, name, a);
}

static int
read_file(const char *path, struct buf *b)
{
	uint8_t chunk[4096];
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY)) < 0)
		return ERR_SYSTEM;
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) < 0) {
			if (errno == EINTR)
				continue;
			r = ERR_SYSTEM;
			break;
		}
		if (n == 0 || (r = buf_put(b, chunk, (size_t)n)) != 0)
			break;
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return r;
}

int
state_load(const char *path, struct card_state **stp)
{
	struct card_state *st = NULL;
	struct buf *file = NULL, *tmp = NULL;
	char *text = NULL, *cur, *line;
	int r, lineno = 0;

	*stp = NULL;
	if ((r = state_new(path, &st)) != 0)
		goto out;
	if ((file = buf_new_capped(STATE_FILE_MAX)) == NULL ||
	    (tmp = buf_new()) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = read_file(path, file)) != 0 ||
	    (r = buf_put_u8(file, '\0')) != 0)
		goto out;
	text = (char *)buf_ptr(file);	/* NUL-terminated above */
	for (cur = text; (line = strsep(&cur, "\n")) != NULL;) {
		lineno++;
		if ((r = load_line(st, line, tmp)) != 0) {
			error("%s:%d: bad line", path, lineno);
			goto out;
		}
	}
	*stp = st;
	st = NULL;
 out:
	if (r != 0)
		error_r(r, "cannot load card state %s", path);
	state_free(st);
	buf_free(file);
	buf_free(tmp);
	return r;
}
