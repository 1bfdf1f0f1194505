/* PIN policy over a backend and memory-only PINs (see pins.h). */
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
#include "backend.h"
#include "store.h"

struct mem_pin {
	char		 ident[STORE_IDENT_LEN + 1];
	struct buf	*pin;
	struct buf	*cons;		/* the enrolment's constraints */
	uint64_t	 expires;	/* ms on the pins clock */
};

struct pins {
	struct backend	*be;
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
pins_new(struct backend *be, pins_clock_fn clock, void *clock_arg,
    struct pins **pinsp)
{
	struct pins *pins;

	*pinsp = NULL;
	if (be == NULL)
		return ERR_ARGUMENT;
	if ((pins = calloc(1, sizeof(*pins))) == NULL)
		return ERR_ALLOC;
	pins->be = be;
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
	backend_free(pins->be);
	freezero(pins, sizeof(*pins));
}

const char *
pins_errmsg(const struct pins *pins)
{
	return pins->errmsg;
}

/* Remember the backend's message for the caller's FAIL reply. */
static int
backend_failed(struct pins *pins, int r)
{
	if (r != 0)
		strlcpy(pins->errmsg, pins->be->errmsg, sizeof(pins->errmsg));
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

static int
mem_put(struct pins *pins, const char *ident, const struct buf *pin,
    const struct buf *cons, uint32_t lifetime)
{
	struct buf *pcopy, *ccopy;
	int i;

	if (backend_dup_pair(pin, cons, &pcopy, &ccopy) != 0)
		return ERR_ALLOC;
	if ((i = mem_find(pins, ident)) < 0) {
		if (pins->nmem >= PINS_MAX_MEMORY) {
			buf_free(pcopy);
			buf_free(ccopy);
			set_error(pins, "too many memory-only PINs (%d)",
			    PINS_MAX_MEMORY);
			return ERR_NO_SPACE;
		}
		i = (int)pins->nmem++;
		strlcpy(pins->mem[i].ident, ident, sizeof(pins->mem[i].ident));
	}
	buf_free(pins->mem[i].pin);
	buf_free(pins->mem[i].cons);
	pins->mem[i].pin = pcopy;
	pins->mem[i].cons = ccopy;
	pins->mem[i].expires = pins->clock(pins->clock_arg) +
	    (uint64_t)lifetime * 1000;
	return 0;
}

int
pins_put(struct pins *pins, const char *ident, const struct buf *pin,
    uint32_t lifetime, const struct buf *cons)
{
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
	if (lifetime == 0) {
		if ((r = pins->be->set(pins->be, ident, pin, cons)) == 0)
			mem_remove(pins, ident);
		return backend_failed(pins, r);
	}
	/* A time-limited PIN replaces a persisted one: delete it first. */
	if ((r = pins->be->remove(pins->be, ident)) != 0)
		return backend_failed(pins, r);
	return mem_put(pins, ident, pin, cons, lifetime);
}

int
pins_get(struct pins *pins, const char *ident, struct buf **pinp)
{
	int i, state, r;

	*pinp = NULL;
	pins->errmsg[0] = '\0';
	pins_expire(pins);
	if ((i = mem_find(pins, ident)) >= 0) {
		*pinp = buf_dup(buf_ptr(pins->mem[i].pin),
		    buf_len(pins->mem[i].pin));
		return *pinp == NULL ? ERR_ALLOC : 0;
	}
	if ((r = pins->be->lookup(pins->be, ident, &state, pinp, NULL)) != 0)
		return backend_failed(pins, r);
	return state == BACKEND_VALID ? 0 : ERR_NOT_FOUND;
}

int
pins_delete(struct pins *pins, const char *ident)
{
	pins->errmsg[0] = '\0';
	mem_remove(pins, ident);
	return backend_failed(pins, pins->be->remove(pins->be, ident));
}

int
pins_invalidate(struct pins *pins, const char *ident)
{
	pins->errmsg[0] = '\0';
	mem_remove(pins, ident);
	return backend_failed(pins, pins->be->invalidate(pins->be, ident));
}

int
pins_status(struct pins *pins, const char *ident, uint8_t *wherep,
    uint32_t *expires_inp, struct buf **consp)
{
	uint64_t left;
	int i, state, r;

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
		return consp != NULL ?
		    backend_dup_cons(pins->mem[i].cons, consp) : 0;
	}
	if ((r = pins->be->lookup(pins->be, ident, &state, NULL, consp)) != 0)
		return backend_failed(pins, r);
	if (state != BACKEND_NONE)
		*wherep = state == BACKEND_VALID ? pins->be->where :
		    STATUS_PIN_INVALID;
	return 0;
}
