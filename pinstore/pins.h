/*
 * pinstore's PIN policy: persisted PINs in a backend (backend.h: the
 * store file or the Secret Service) and memory-only PINs with a
 * lifetime, which never leave pinstore's memory.
 *
 * A PUT replaces whatever the ident had: a persisted PUT drops a memory
 * PIN for the ident, a memory-only PUT deletes the persisted record (the
 * user asked for a PIN that ends).  INVALIDATE wipes a memory PIN and
 * marks a persisted one invalid in the backend, so no restart retries a PIN
 * the card rejected; GET answers nothing for it until the next PUT.
 * Lifetimes run on CLOCK_BOOTTIME, so time spent suspended counts.
 */
#ifndef CARDAGENT_PINSTORE_PINS_H
#define CARDAGENT_PINSTORE_PINS_H

#include <stddef.h>
#include <stdint.h>

#define PINS_MAX_MEMORY		64

struct buf;
struct pins;
struct backend;

/* Milliseconds on a clock that never goes back. */
typedef uint64_t (*pins_clock_fn)(void *arg);

uint64_t pins_boottime_ms(void *arg);

/* Takes over be; clock NULL means pins_boottime_ms. */
int	pins_new(struct backend *be, pins_clock_fn clock, void *clock_arg,
	    struct pins **pinsp);
void	pins_free(struct pins *pins);
/* Why the last call failed, naming the store where one is involved. */
const char *pins_errmsg(const struct pins *pins);

/* 0 and *pinp (caller frees) or ERR_NOT_FOUND (none, or invalid). */
int	pins_get(struct pins *pins, const char *ident, struct buf **pinp);
/* lifetime 0: persist; else memory only for that many seconds.  cons:
 * the enrolment's constraints (constraint.h, empty for none), kept
 * beside the PIN and gone with it. */
int	pins_put(struct pins *pins, const char *ident, const struct buf *pin,
	    uint32_t lifetime, const struct buf *cons);
int	pins_delete(struct pins *pins, const char *ident);
int	pins_invalidate(struct pins *pins, const char *ident);
void	pins_drop_memory(struct pins *pins);
/* Where ident's PIN is (enum status_pin), for a memory-only one the
 * seconds it has left, rounded up, and if consp its constraints (a
 * copy, empty for none).  Never touches the PIN itself. */
int	pins_status(struct pins *pins, const char *ident, uint8_t *wherep,
	    uint32_t *expires_inp, struct buf **consp);

/* Wipe expired memory PINs; ms until the next expiry, or -1 if none. */
int	pins_expire(struct pins *pins);

#endif
