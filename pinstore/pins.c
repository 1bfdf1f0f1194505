/* PIN policy over the store file and memory-only PINs (see pins.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "pins.h"
#include "status.h"
#include "store.h"

struct mem_pin {
	char		 ident[STORE_IDENT_LEN + 1];
	struct buf	*pin;
	struct buf	*cons;		/* the enrolment's constraints */
	uint64_t	 expires;	/* ms on the pins clock */
};

struct pins {
	struct store	*store;
	pins_clock_fn	 clock;
	void		*clock_arg;
	struct mem_pin	 mem[PINS_MAX_MEMORY];
	size_t		 nmem;
	char		 errmsg[STORE_ERRMSG_LEN];
};

uint64_t
pins_boottime_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1 &&
	    clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
pins_new(struct store *store, pins_clock_fn clock, void *clock_arg,
    struct pins **pinsp)
{
	struct pins *pins;

	*pinsp = NULL;
	if (store == NULL)
		return ERR_ARGUMENT;
	if ((pins = calloc(1, sizeof(*pins))) == NULL)
		return ERR_ALLOC;
	pins->store = store;
	pins->clock = clock != NULL ? clock : pins_boottime_ms;
	pins->clock_arg = clock_arg;
	*pinsp = pins;
	return 0;
}

void
pins_free(struct pins *pins)
{
	if (pins == NULL)
		return;
	pins_drop_memory(pins);
	store_free(pins->store);
	freezero(pins, sizeof(*pins));
}

const char *
pins_errmsg(const struct pins *pins)
{
	return pins->errmsg;
}

/* Remember the store's message for the caller's FAIL reply. */
static int
store_failed(struct pins *pins, int r)
{
	strlcpy(pins->errmsg, store_errmsg(pins->store),
	    sizeof(pins->errmsg));
	return r;
}

static void __attribute__((format(printf, 2, 3)))
set_error(struct pins *pins, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pins->errmsg, sizeof(pins->errmsg), fmt, ap);
	va_end(ap);
}

static int
mem_find(const struct pins *pins, const char *ident)
{
	size_t i;

	for (i = 0; i < pins->nmem; i++)
		if (strcmp(pins->mem[i].ident, ident) == 0)
			return (int)i;
	return -1;
}

static void
mem_remove_at(struct pins *pins, size_t i)
{
	buf_free(pins->mem[i].pin);
	buf_free(pins->mem[i].cons);
	pins->mem[i] = pins->mem[pins->nmem - 1];
	pins->nmem--;
	explicit_bzero(&pins->mem[pins->nmem], sizeof(pins->mem[0]));
}

static void
mem_remove(struct pins *pins, const char *ident)
{
	int i;

	if ((i = mem_find(pins, ident)) >= 0)
		mem_remove_at(pins, (size_t)i);
}

int
pins_expire(struct pins *pins)
{
	uint64_t now = pins->clock(pins->clock_arg), next = UINT64_MAX;
	size_t i = 0;

	while (i < pins->nmem) {
		if (pins->mem[i].expires <= now) {
			debug("memory PIN for %s expired", pins->mem[i].ident);
			mem_remove_at(pins, i);
			continue;
		}
		if (pins->mem[i].expires < next)
			next = pins->mem[i].expires;
		i++;
	}
	if (next == UINT64_MAX)
		return -1;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

void
pins_drop_memory(struct pins *pins)
{
	while (pins->nmem > 0)
		mem_remove_at(pins, pins->nmem - 1);
}

/* Load, change one record with fn, save if fn changed anything. */
static int
update_file(struct pins *pins, const char *ident,
    int (*fn)(struct store_recs *, const char *, const struct store_rec *),
    const struct store_rec *val)
{
	struct store_recs *recs = NULL;
	int r;

	if ((r = store_load(pins->store, &recs)) != 0)
		return store_failed(pins, r);
	if ((r = fn(recs, ident, val)) == 0 &&
	    (r = store_save(pins->store, recs)) != 0)
		r = store_failed(pins, r);
	else if (r == ERR_NOT_FOUND)
		r = 0;		/* nothing to change */
	else if (r != 0)
		set_error(pins, "cannot change PIN store %s: %s",
		    store_path(pins->store), err_str(r));
	store_recs_free(recs);
	return r;
}

/* A copy of PIN and constraints, the latter possibly empty. */
static int
copy_pair(const struct store_rec *val, struct buf **pinp, struct buf **consp)
{
	*pinp = buf_dup(buf_ptr(val->pin), buf_len(val->pin));
	*consp = buf_dup(buf_ptr(val->cons), buf_len(val->cons));
	if (*pinp != NULL && *consp != NULL)
		return 0;
	buf_free(*pinp);
	buf_free(*consp);
	*pinp = *consp = NULL;
	return ERR_ALLOC;
}

static int
rec_set(struct store_recs *recs, const char *ident,
    const struct store_rec *val)
{
	struct store_rec *rec;
	struct buf *pin, *cons;
	int i;

	if (copy_pair(val, &pin, &cons) != 0)
		return ERR_ALLOC;
	if ((i = store_recs_find(recs, ident)) < 0) {
		if (recs->n >= STORE_MAX_RECORDS) {
			buf_free(pin);
			buf_free(cons);
			return ERR_NO_SPACE;
		}
		i = (int)recs->n++;
	}
	rec = &recs->rec[i];
	buf_free(rec->pin);
	buf_free(rec->cons);
	strlcpy(rec->ident, ident, sizeof(rec->ident));
	rec->pin = pin;
	rec->cons = cons;
	rec->valid = 1;
	return 0;
}

static int
rec_remove(struct store_recs *recs, const char *ident,
    const struct store_rec *val)
{
	(void)val;
	return store_recs_remove(recs, ident);
}

static int
rec_invalidate(struct store_recs *recs, const char *ident,
    const struct store_rec *val)
{
	int i;

	(void)val;
	if ((i = store_recs_find(recs, ident)) < 0 || !recs->rec[i].valid)
		return ERR_NOT_FOUND;
	recs->rec[i].valid = 0;
	return 0;
}

static int
mem_put(struct pins *pins, const char *ident, const struct store_rec *val,
    uint32_t lifetime)
{
	struct buf *copy, *cons;
	int i;

	if (copy_pair(val, &copy, &cons) != 0)
		return ERR_ALLOC;
	if ((i = mem_find(pins, ident)) < 0) {
		if (pins->nmem >= PINS_MAX_MEMORY) {
			buf_free(copy);
			buf_free(cons);
			set_error(pins, "too many memory-only PINs (%d)",
			    PINS_MAX_MEMORY);
			return ERR_NO_SPACE;
		}
		i = (int)pins->nmem++;
		strlcpy(pins->mem[i].ident, ident, sizeof(pins->mem[i].ident));
	}
	buf_free(pins->mem[i].pin);
	buf_free(pins->mem[i].cons);
	pins->mem[i].pin = copy;
	pins->mem[i].cons = cons;
	pins->mem[i].expires = pins->clock(pins->clock_arg) +
	    (uint64_t)lifetime * 1000;
	return 0;
}

int
pins_put(struct pins *pins, const char *ident, const struct buf *pin,
    uint32_t lifetime, const struct buf *cons)
{
	struct store_rec val;
	struct cons c;
	int r;

	pins->errmsg[0] = '\0';
	if (!store_ident_ok(ident, strlen(ident)) ||
	    buf_len(pin) < STORE_PIN_MIN || buf_len(pin) > STORE_PIN_MAX ||
	    cons_decode(buf_ptr(cons), buf_len(cons), &c) != 0) {
		set_error(pins, "bad card ident, PIN length (%d to %d "
		    "bytes) or constraints", STORE_PIN_MIN, STORE_PIN_MAX);
		return ERR_ARGUMENT;
	}
	cons_clear(&c);
	memset(&val, 0, sizeof(val));
	val.pin = (struct buf *)pin;	/* only read */
	val.cons = (struct buf *)cons;
	if (lifetime == 0) {
		if ((r = update_file(pins, ident, rec_set, &val)) == 0)
			mem_remove(pins, ident);
		return r;
	}
	/* A time-limited PIN replaces a persisted one: delete it first. */
	if ((r = update_file(pins, ident, rec_remove, NULL)) != 0)
		return r;
	return mem_put(pins, ident, &val, lifetime);
}

int
pins_get(struct pins *pins, const char *ident, struct buf **pinp)
{
	struct store_recs *recs = NULL;
	struct buf *copy = NULL;
	int i, r;

	*pinp = NULL;
	pins->errmsg[0] = '\0';
	pins_expire(pins);
	if ((i = mem_find(pins, ident)) >= 0) {
		copy = buf_dup(buf_ptr(pins->mem[i].pin),
		    buf_len(pins->mem[i].pin));
		r = copy == NULL ? ERR_ALLOC : 0;
		goto out;
	}
	if ((r = store_load(pins->store, &recs)) != 0) {
		store_failed(pins, r);
		goto out;
	}
	if ((i = store_recs_find(recs, ident)) < 0 || !recs->rec[i].valid) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	copy = buf_dup(buf_ptr(recs->rec[i].pin), buf_len(recs->rec[i].pin));
	r = copy == NULL ? ERR_ALLOC : 0;
 out:
	store_recs_free(recs);
	*pinp = copy;
	return r;
}

int
pins_delete(struct pins *pins, const char *ident)
{
	pins->errmsg[0] = '\0';
	mem_remove(pins, ident);
	return update_file(pins, ident, rec_remove, NULL);
}

int
pins_invalidate(struct pins *pins, const char *ident)
{
	pins->errmsg[0] = '\0';
	mem_remove(pins, ident);
	return update_file(pins, ident, rec_invalidate, NULL);
}

/* A copy of src, empty for none; *dstp left NULL if dstp is. */
static int
cons_copy(const struct buf *src, struct buf **dstp)
{
	if (dstp == NULL)
		return 0;
	*dstp = src != NULL ? buf_dup(buf_ptr(src), buf_len(src)) : buf_new();
	return *dstp == NULL ? ERR_ALLOC : 0;
}

int
pins_status(struct pins *pins, const char *ident, uint8_t *wherep,
    uint32_t *expires_inp, struct buf **consp)
{
	struct store_recs *recs = NULL;
	uint64_t left;
	int i, r;

	*wherep = STATUS_PIN_NONE;
	*expires_inp = 0;
	if (consp != NULL)
		*consp = NULL;
	pins->errmsg[0] = '\0';
	pins_expire(pins);
	if ((i = mem_find(pins, ident)) >= 0) {
		left = pins->mem[i].expires - pins->clock(pins->clock_arg);
		left = (left + 999) / 1000;
		*wherep = STATUS_PIN_MEMORY;
		*expires_inp = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
		return cons_copy(pins->mem[i].cons, consp);
	}
	if ((r = store_load(pins->store, &recs)) != 0)
		return store_failed(pins, r);
	if ((i = store_recs_find(recs, ident)) >= 0)
		*wherep = recs->rec[i].valid ? STATUS_PIN_FILE :
		    STATUS_PIN_INVALID;
	r = cons_copy(i >= 0 ? recs->rec[i].cons : NULL, consp);
	store_recs_free(recs);
	return r;
}
